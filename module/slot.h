/*
 * The slot service: the module's state and the only ways entry points
 * reach it. One lock (kmp_gl.lock) guards all of it. A function named
 * *_inlock runs with the lock held throughout; one named *_relocking lets
 * it go (to reach the Key Manager) and takes it again, and then looks the
 * call's session up again itself: CKR_SESSION_CLOSED when it went. See
 * docs/internals.md.
 */
#ifndef KMP11_SLOT_H
#define KMP11_SLOT_H

#include "module/aliases.h"
#include "module/objects.h"
#include "module/op.h"
#include "module/order-objects.h"
#include "module/session.h"
#include "module/sobjects.h"
#include "tokens/token.h"

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

struct kmp_slot {
	struct km_token *token;
	struct kmp_objects *objects; /* of the latest snapshot seen */
	bool logged_in;
	/* A wrong user PIN since the last login (CKF_USER_PIN_COUNT_LOW). */
	bool pin_count_low;
	/* Objects deleted with their container by the destruction of
	 * another one: destroying them too is then a success. */
	CK_OBJECT_HANDLE *gone;
	size_t n_gone;
	struct kmp_aliases aliases; /* handles of replaced containers */
	struct kmp_orders orders;   /* as last listed or made */
};

struct kmp_module {
	pthread_mutex_t lock;
	bool initialized;
	pid_t pid;
	struct kmp_slot *slots;
	size_t n_slots;
	struct kmp_sessions sessions;
	struct kmp_sobjects sobjects;
};

/* Defined in slot.c; module.c sets it up and tears it down. */
extern struct kmp_module kmp_gl;

/* Around fork() every lock is taken, so that none is left held in the
 * child, which then releases what the parent's other threads claimed. */
void kmp_register_fork_handlers(void);

/* What an entry point works on: a session, looked up by handle, and its
 * slot. A _relocking function leaves session NULL when the session was
 * closed while the lock was let go (the slot stays until C_Finalize). */
struct kmp_call {
	CK_SESSION_HANDLE handle;
	struct kmp_session *session;
	struct kmp_slot *slot;
	CK_SLOT_ID slot_id;
	/* What the last off-lock work returned, the session gone or not:
	 * whether a write was made. */
	CK_RV work;
};

/* A call refused for its arguments (code: CKR_ARGUMENTS_BAD...) answers
 * its session's error first: v2.40 5.1.7 ranks 5.1.2's codes (an invalid
 * session) above 5.1.6's. */
CK_RV kmp_session_or(CK_SESSION_HANDLE h, CK_RV code);
/* The session of a handle: CKR_CRYPTOKI_NOT_INITIALIZED,
 * CKR_SESSION_HANDLE_INVALID. */
CK_RV kmp_call_inlock(struct kmp_call *call, CK_SESSION_HANDLE h);
/* The call's session once more, after the caller let the lock go:
 * CKR_SESSION_CLOSED when it went meanwhile. */
CK_RV kmp_call_again_inlock(struct kmp_call *call);
/* A slot by id: CKR_CRYPTOKI_NOT_INITIALIZED, CKR_SLOT_ID_INVALID. */
CK_RV kmp_slot_inlock(CK_SLOT_ID id, struct kmp_slot **slot);

/* Work done with the lock let go: reaches the Key Manager; no module
 * state may be touched. */
typedef CK_RV kmp_offlock_fn(struct km_token *token, struct km_snapshot *snap,
			     void *arg);
/*
 * The one way off the lock: holds a reference to snap (may be NULL) and
 * runs fn with the lock let go, then relocks and looks the call's session
 * up again. CKR_SESSION_CLOSED when it went (call->session NULL), else
 * fn's rv; call->work is fn's rv either way.
 */
CK_RV kmp_offlock_relocking(struct kmp_call *call, struct km_snapshot *snap,
			    kmp_offlock_fn *fn, void *arg);

/* A token that needs a login has none (not yet, or it ended: C_Logout,
 * its last session closed). After the lock was let go: what was listed
 * or fetched meanwhile is not used. */
bool kmp_needs_login_inlock(const struct kmp_slot *slot);

/* ---- handles ---- */

/* The kinds of object handle (docs/internals.md, "Handle spaces"). */
enum kmp_handle_kind {
	KMP_HANDLE_INVALID,
	KMP_HANDLE_SESSION_OBJECT,
	KMP_HANDLE_ORDER,
	KMP_HANDLE_TOKEN_OBJECT, /* also by the handle it had before a
				    write replaced its container */
	KMP_HANDLE_GONE,         /* deleted with another one's container */
};

struct kmp_target {
	enum kmp_handle_kind kind;
	struct kmp_sobject *sobject;
	struct kmp_order *order;
	struct kmp_object *object; /* as listed: payloads maybe not fetched */
};

/* What an object handle names for the call's session; the one place
 * handles are told apart. */
enum kmp_handle_kind kmp_resolve_inlock(const struct kmp_call *call,
					CK_OBJECT_HANDLE h,
					struct kmp_target *out);
/* Remembers the handles of objects deleted with their container, for as
 * long as the application may still destroy them (each once). */
void kmp_gone_add_inlock(struct kmp_slot *slot, const CK_OBJECT_HANDLE *h,
			 size_t n);
/* Forgets a handle of KMP_HANDLE_GONE: it can be destroyed once. */
void kmp_forget_gone_inlock(struct kmp_slot *slot, CK_OBJECT_HANDLE h);
/* Private session objects of a login token are visible once logged in. */
bool kmp_sobject_visible_inlock(const struct kmp_slot *slot,
				const CK_ATTRIBUTE *attrs);
/* A token object by handle (or its handle before a rename). */
struct kmp_object *kmp_token_object_inlock(struct kmp_slot *slot,
					   CK_OBJECT_HANDLE handle);

/* ---- the listing and payloads ---- */

/* The objects of a snapshot, rebuilt when the snapshot is newer. */
struct kmp_objects *kmp_objects_inlock(struct kmp_slot *slot,
				       struct km_snapshot *snap, bool force);
/* The token's listing (cached or made; scope: a search's label, as
 * km_token_snapshot's name), referenced into *snap (NULL when none):
 * unreference it with km_token_snapshot_unref. */
CK_RV kmp_list_relocking(struct kmp_call *call, const char *scope,
			 struct km_snapshot **snap);
/* After a write: the objects of a new listing. */
CK_RV kmp_relist_relocking(struct kmp_call *call);
/* A process that only signs lists again once per refresh_interval (a
 * failed listing keeps the old one): CKR_OK or CKR_SESSION_CLOSED. */
CK_RV kmp_renew_listing_relocking(struct kmp_call *call);
/* The handle of an object a write made, once a new listing has it. */
CK_RV kmp_made_inlock(struct kmp_slot *slot, const char *uuid,
		      enum kmp_role role, unsigned index, CK_OBJECT_HANDLE *out);
/* Fetches the payloads of needs; no lock held. */
CK_RV kmp_fetch_needs(struct km_token *token, struct km_snapshot *snap,
		      const struct kmp_need *needs, size_t n);
/* Fetches needs of the slot's current snapshot with the lock let go. */
CK_RV kmp_fetch_relocking(struct kmp_call *call, const struct kmp_need *needs,
			  size_t n);
/* A token object, its payloads fetched first when missing. */
CK_RV kmp_object_relocking(struct kmp_call *call, CK_OBJECT_HANDLE handle,
			   struct kmp_object **out);
/* The key material of a key object whose usage attribute allows it. */
CK_RV kmp_key_relocking(struct kmp_call *call, CK_ATTRIBUTE_TYPE usage,
			CK_OBJECT_HANDLE kh, struct kmp_key *key);

#endif
