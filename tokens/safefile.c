#include "tokens/safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static bool trusted(const struct stat *st)
{
	return (st->st_uid == geteuid() || st->st_uid == 0) &&
	       !(st->st_mode & S_IWOTH);
}

/* fd when what it opened passes check; else closed, errno set, -1. */
static int checked(int fd, bool want_dir)
{
	struct stat st;
	int err = 0;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0)
		err = errno;
	else if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		err = want_dir ? ENOTDIR : EINVAL;
	else if (!trusted(&st))
		err = EPERM;
	if (err == 0)
		return fd;
	close(fd);
	errno = err;
	return -1;
}

int km_safe_dir_open(const char *dir)
{
	return checked(open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
		       true);
}

int km_safe_file_open(int dirfd, const char *name, int flags, mode_t mode)
{
	return checked(openat(dirfd, name,
			      flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode),
		       false);
}

bool km_safe_file_replace(int dirfd, const char *name, const char *text,
			  size_t len, mode_t mode)
{
	static unsigned count;
	char temp[256];
	struct timespec now;
	int fd = -1;
	bool done;

	clock_gettime(CLOCK_REALTIME, &now);
	for (int attempt = 0; fd < 0 && attempt < 8; attempt++) {
		snprintf(temp, sizeof(temp), ".%.200s.%ld.%ld.%u", name,
			 (long)getpid(), now.tv_nsec,
			 __atomic_add_fetch(&count, 1, __ATOMIC_RELAXED));
		fd = openat(dirfd, temp,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    mode);
		if (fd < 0 && errno != EEXIST)
			return false;
	}
	if (fd < 0)
		return false;
	done = write(fd, text, len) == (ssize_t)len && fchmod(fd, mode) == 0;
	done = close(fd) == 0 && done &&
	       renameat(dirfd, temp, dirfd, name) == 0;
	if (!done)
		unlinkat(dirfd, temp, 0);
	return done;
}
