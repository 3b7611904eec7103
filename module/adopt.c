/*
 * Slots kept across C_Finalize and C_Initialize in a forked process. Why
 * it is safe: everything kept is in the process's memory already (fork
 * copied it), the same state a child that never calls C_Finalize keeps
 * using; it is adopted only by the process that kept it, only for the
 * configuration it was made with, and after C_Finalize has ended the
 * sessions and the logins (module.c). The caller holds the module lock.
 */
#include "module/adopt.h"

#include <string.h>
#include <unistd.h>

static struct {
	struct kmp_config_id id; /* of the slots of this process */
	bool known;
	struct kmp_slot *slots; /* kept by a C_Finalize, or NULL */
	size_t n_slots;
	pid_t pid; /* the process that kept them */
} kept;

void kmp_adopt_remember(const struct kmp_config_id *id)
{
	kept.id = *id;
	kept.known = true;
}

void kmp_adopt_keep(struct kmp_slot *slots, size_t n)
{
	kept.slots = slots;
	kept.n_slots = n;
	kept.pid = getpid();
}

bool kmp_adopt_take(const struct kmp_config_id *id, struct kmp_slot **slots,
		    size_t *n)
{
	bool same = kept.slots != NULL && kept.known && kept.pid == getpid() &&
		    kept.id.no_threads == id->no_threads &&
		    memcmp(kept.id.fp, id->fp, sizeof(id->fp)) == 0;

	*slots = kept.slots;
	*n = kept.n_slots;
	kept.slots = NULL;
	kept.n_slots = 0;
	return same;
}
