/* Sessions: handles, find state and the active operations. */
#ifndef KMP11_SESSION_H
#define KMP11_SESSION_H

#include "module/op.h"

#include <p11-kit/pkcs11.h>
#include <stdbool.h>
#include <stddef.h>

struct kmp_session {
	CK_SESSION_HANDLE handle;
	CK_SLOT_ID slot;
	CK_FLAGS flags;
	bool finding; /* with found NULL: claimed by a call listing off-lock */
	CK_OBJECT_HANDLE *found;
	size_t n_found, pos;
	/* One of each kind; NULL while none, or while a call runs it
	 * outside the lock. */
	struct kmp_op *ops[KMP_N_OPS];
	bool running[KMP_N_OPS];
	/* The last finished operation of each kind that can run again
	 * (kmp_op_class.again), for the next C_*Init; holds its key. */
	struct kmp_op *spare[KMP_N_OPS];
};

struct kmp_sessions {
	struct kmp_session **items;
	size_t n, cap;
	CK_SESSION_HANDLE last;
};

/* All of these run under the module lock. */
struct kmp_session *kmp_session_open(struct kmp_sessions *s, CK_SLOT_ID slot,
				     CK_FLAGS flags);
/* In a child forked while other threads were inside calls: what those
 * calls had claimed (a search listing, an operation running off-lock)
 * is free again, since they will never return here. */
void kmp_sessions_after_fork(struct kmp_sessions *s);
struct kmp_session *kmp_session_get(struct kmp_sessions *s,
				    CK_SESSION_HANDLE handle);
bool kmp_session_close(struct kmp_sessions *s, CK_SESSION_HANDLE handle);
/* Closes the slot's sessions; returns how many are left on any slot. */
size_t kmp_session_close_slot(struct kmp_sessions *s, CK_SLOT_ID slot);
size_t kmp_session_count(const struct kmp_sessions *s, CK_SLOT_ID slot,
			 bool rw_only);
void kmp_session_end_find(struct kmp_session *session);
/* Keeps a finished operation (not NULL) as the session's spare of its
 * kind, or frees it when it cannot run again. */
void kmp_session_keep_spare(struct kmp_session *session, struct kmp_op *op);
/* Frees the spares of a slot's sessions: the keys they hold go. */
void kmp_session_drop_spares(struct kmp_sessions *s, CK_SLOT_ID slot);
void kmp_sessions_clear(struct kmp_sessions *s);

#endif
