/*
 * Files kmp11 keeps between processes (change stamps, the key type cache)
 * in directories a same-host neighbour may try to plant things in. A
 * directory or file is trusted when it belongs to this user or root and
 * others cannot write it (its group may: the owner chose it); files are opened without following a link or
 * blocking on a FIFO, and only regular files are accepted.
 */
#ifndef KMP11_SAFEFILE_H
#define KMP11_SAFEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* dir opened (O_DIRECTORY, not through a link) when trusted; -1 with
 * errno set otherwise (EPERM: it exists but is not trusted). */
int km_safe_dir_open(const char *dir);
/* name in the directory dirfd, opened with flags (O_RDONLY, O_WRONLY |
 * O_CREAT ...) when it is a trusted regular file; -1 with errno set
 * otherwise (EPERM: not trusted, EINVAL: not a regular file). */
int km_safe_file_open(int dirfd, const char *name, int flags, mode_t mode);
/* Replaces name in dirfd with len bytes of text at once (a temporary
 * file of that mode renamed over it): readers see the old or the new
 * text, never a part, and a link planted at name is replaced, not
 * followed. */
bool km_safe_file_replace(int dirfd, const char *name, const char *text,
			  size_t len, mode_t mode);

#endif
