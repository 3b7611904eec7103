/*
 * Changes seen across processes: a write through kmp11 marks its project
 * changed in a stamp file, and every process of the host that keeps a
 * listing of that project lists again at its next search, whatever its
 * refresh_interval. So `kmp11-tool renew` followed by `nginx -s reload`
 * finds the new container at once.
 *
 * The stamp is <dir>/<serial>.changed, dir being $KMP11_STATE_DIR, else
 * /run/kmp11 for root and wherever it exists, else
 * $XDG_RUNTIME_DIR/kmp11; none without one. A process that can read no
 * stamp goes by refresh_interval alone.
 * Each mark writes a text of its own (process, time, count) into it: a
 * listing remembers the text it began under and is stale once the text
 * differs. No clock is compared, and a stamp someone else writes costs a
 * listing, nothing more. The directory must belong to this user or root
 * and not be writable by others; the stamp must be a regular file.
 */
#ifndef KMP11_CHANGES_H
#define KMP11_CHANGES_H

#include <stdbool.h>
#include <stddef.h>

#define KM_CHANGES_STAMP_MAX 64

/* Marks the project of that token serial changed. */
void km_changes_mark(const char *serial);
/* The stamp's text now, into out ("" when there is none). */
void km_changes_read(const char *serial, char out[KM_CHANGES_STAMP_MAX]);

#endif
