#include "tokens/changes.h"

#include "tokens/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* The stamp's directory; false when there is none. */
static bool state_dir(char *out, size_t size)
{
	const char *dir = getenv("KMP11_STATE_DIR");
	const char *runtime = getenv("XDG_RUNTIME_DIR");

	if (dir != NULL && dir[0] != '\0')
		return (size_t)snprintf(out, size, "%s", dir) < size;
	if (geteuid() == 0)
		return (size_t)snprintf(out, size, "/run/kmp11") < size;
	if (runtime != NULL && runtime[0] == '/')
		return (size_t)snprintf(out, size, "%s/kmp11", runtime) < size;
	return false;
}

static bool stamp_path(const char *serial, char *out, size_t size)
{
	char dir[PATH_MAX];

	return state_dir(dir, sizeof(dir)) &&
	       (size_t)snprintf(out, size, "%s/%s.changed", dir, serial) < size;
}

/* File times come from a coarse clock (a jiffy): a stamp may read up to
 * that much earlier than the moment it was made. */
#define GRANULARITY_NS 20000000L

void km_changes_mark(const char *serial, struct timespec *stamp)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct stat st;
	int fd;

	*stamp = (struct timespec){0, 0};
	if (!state_dir(dir, sizeof(dir)) || !stamp_path(serial, path, sizeof(path)))
		return;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		km_warning("%s: %m; other processes see this change after "
			   "their refresh_interval", dir);
	/* Never through a link someone planted. */
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || futimens(fd, NULL) != 0)
		km_warning("%s: %m; other processes see this change after "
			   "their refresh_interval", path);
	else if (fstat(fd, &st) == 0)
		*stamp = st.st_mtim;
	if (fd >= 0)
		close(fd);
}

static long long ns(const struct timespec *t)
{
	return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

bool km_changes_since(const char *serial, const struct timespec *since,
		      const struct timespec *own)
{
	char path[PATH_MAX];
	struct stat st;

	if (!stamp_path(serial, path, sizeof(path)) || stat(path, &st) != 0 ||
	    ns(&st.st_mtim) == ns(own))
		return false;
	return ns(&st.st_mtim) >= ns(since) - GRANULARITY_NS;
}
