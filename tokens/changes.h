/*
 * Changes seen across processes: a write through kmp11 marks its project
 * changed in a stamp file, and every process of the host that keeps a
 * listing of that project lists again at its next search, whatever its
 * refresh_interval. So `kmp11-tool renew` followed by `nginx -s reload`
 * finds the new container at once.
 *
 * The stamp is <dir>/<serial>.changed, dir being $KMP11_STATE_DIR, else
 * /run/kmp11 for root, else $XDG_RUNTIME_DIR/kmp11; none without one.
 * Only its time counts: a stamp someone else touches costs a listing.
 */
#ifndef KMP11_CHANGES_H
#define KMP11_CHANGES_H

#include <stdbool.h>
#include <time.h>

/* Marks the project of that token serial changed, now; *stamp is the
 * time the stamp got (zero when there is none). */
void km_changes_mark(const char *serial, struct timespec *stamp);
/* Whether the project was marked changed at or after since (less the
 * file system's clock granularity), other than by the mark of time own
 * (this process's last; its own listing came after it). */
bool km_changes_since(const char *serial, const struct timespec *since,
		      const struct timespec *own);

#endif
