#include "tokens/changes.h"

#include "tokens/log.h"
#include "tokens/safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SYSTEM_DIR "/run/kmp11"

/* The stamp's directory; false when there is none. The system's is
 * root's, and read by every user where it exists: servers that drop
 * root (nginx's workers) see what root's writes marked. */
static bool state_dir(char *out, size_t size)
{
	const char *dir = secure_getenv("KMP11_STATE_DIR");
	const char *runtime = secure_getenv("XDG_RUNTIME_DIR");

	if (dir != NULL && dir[0] != '\0')
		return (size_t)snprintf(out, size, "%s", dir) < size;
	if (geteuid() == 0 || access(SYSTEM_DIR, F_OK) == 0)
		return (size_t)snprintf(out, size, SYSTEM_DIR) < size;
	if (runtime != NULL && runtime[0] == '/')
		return (size_t)snprintf(out, size, "%s/kmp11", runtime) < size;
	return false;
}

/* The directory when it is safe (tokens/safefile.h); -1 otherwise. */
static int open_dir(bool create)
{
	char dir[PATH_MAX];
	int fd;

	if (!state_dir(dir, sizeof(dir)))
		return -1;
	if (create && mkdir(dir, 0755) != 0 && errno != EEXIST)
		km_warning("%s: %m: other processes see changes after their "
			   "refresh_interval", dir);
	if ((fd = km_safe_dir_open(dir)) < 0 && errno == EPERM && create)
		/* said once per write, not at every search */
		km_warning("%s: not this user's or root's, or writable by "
			   "others: no change stamp there", dir);
	return fd;
}

/* The stamp, a regular file or nothing (a FIFO someone planted would
 * block). */
static int open_stamp(const char *serial, int flags)
{
	char name[64];
	int dir = open_dir(flags & O_CREAT), fd;

	if (dir < 0)
		return -1;
	snprintf(name, sizeof(name), "%.16s.changed", serial);
	fd = km_safe_file_open(dir, name, flags, 0664);
	close(dir);
	return fd;
}

void km_changes_mark(const char *serial)
{
	static unsigned count;
	char text[KM_CHANGES_STAMP_MAX];
	struct timespec now;
	int fd = open_stamp(serial, O_WRONLY | O_CREAT);
	int len;

	clock_gettime(CLOCK_REALTIME, &now);
	len = snprintf(text, sizeof(text), "%ld %lld.%09ld %u\n", (long)getpid(),
		       (long long)now.tv_sec, now.tv_nsec,
		       __atomic_add_fetch(&count, 1, __ATOMIC_RELAXED));
	if (fd < 0 || ftruncate(fd, 0) != 0 || write(fd, text, (size_t)len) != len)
		km_warning("change stamp of %s not written: other processes see "
			   "this change after their refresh_interval", serial);
	if (fd >= 0)
		close(fd);
}

void km_changes_read(const char *serial, char out[KM_CHANGES_STAMP_MAX])
{
	int fd = open_stamp(serial, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, out, KM_CHANGES_STAMP_MAX - 1) : 0;

	out[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}
