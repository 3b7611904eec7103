/*
 * The slot service: the module's state, the sessions entry points work
 * on, the one way off the lock, and what object handles name.
 */
#include "module/slot.h"

#include "module/failures.h"
#include "tokens/log.h"

#include <stdlib.h>

struct kmp_module kmp_gl = {.lock = PTHREAD_MUTEX_INITIALIZER};

CK_RV kmp_call_inlock(struct kmp_call *call, CK_SESSION_HANDLE h)
{
	*call = (struct kmp_call){.handle = h};
	if (!kmp_gl.initialized)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if ((call->session = kmp_session_get(&kmp_gl.sessions, h)) == NULL)
		return CKR_SESSION_HANDLE_INVALID;
	call->slot_id = call->session->slot;
	call->slot = &kmp_gl.slots[call->slot_id];
	return CKR_OK;
}

CK_RV kmp_session_or(CK_SESSION_HANDLE h, CK_RV code)
{
	struct kmp_call call;
	CK_RV rv;

	pthread_mutex_lock(&kmp_gl.lock);
	rv = kmp_call_inlock(&call, h);
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv != CKR_OK ? rv : code;
}

CK_RV kmp_call_again_inlock(struct kmp_call *call)
{
	call->session = kmp_gl.initialized
				? kmp_session_get(&kmp_gl.sessions, call->handle)
				: NULL;
	return call->session != NULL ? CKR_OK : CKR_SESSION_CLOSED;
}

CK_RV kmp_slot_inlock(CK_SLOT_ID id, struct kmp_slot **slot)
{
	if (!kmp_gl.initialized)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (id >= kmp_gl.n_slots)
		return CKR_SLOT_ID_INVALID;
	*slot = &kmp_gl.slots[id];
	return CKR_OK;
}

CK_RV kmp_offlock_relocking(struct kmp_call *call, struct km_snapshot *snap,
			    kmp_offlock_fn *fn, void *arg)
{
	struct km_token *token = call->slot->token;
	CK_RV rv;

	if (snap != NULL)
		km_token_snapshot_ref(token, snap);
	pthread_mutex_unlock(&kmp_gl.lock);
	rv = fn(token, snap, arg);
	pthread_mutex_lock(&kmp_gl.lock);
	if (snap != NULL)
		km_token_snapshot_unref(token, snap);
	call->work = rv;
	/* A C_CloseSession meanwhile freed the session. */
	return kmp_call_again_inlock(call) == CKR_OK ? rv : CKR_SESSION_CLOSED;
}

/* ---- fork: no lock is left held in the child ---- */

static void before_fork(void)
{
	pthread_mutex_lock(&kmp_gl.lock);
	for (size_t i = 0; i < kmp_gl.n_slots; i++)
		km_token_lock(kmp_gl.slots[i].token);
}

static void after_fork_in_parent(void)
{
	for (size_t i = kmp_gl.n_slots; i > 0; i--)
		km_token_unlock(kmp_gl.slots[i - 1].token);
	pthread_mutex_unlock(&kmp_gl.lock);
}

/* The threads that were inside calls are not in the child: what they
 * held claimed is released. */
static void after_fork_in_child(void)
{
	kmp_sessions_after_fork(&kmp_gl.sessions);
	for (size_t i = kmp_gl.n_slots; i > 0; i--) {
		km_token_after_fork(kmp_gl.slots[i - 1].token);
		km_token_unlock(kmp_gl.slots[i - 1].token);
	}
	pthread_mutex_unlock(&kmp_gl.lock);
}

void kmp_register_fork_handlers(void)
{
	pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
}

bool kmp_needs_login_inlock(const struct kmp_slot *slot)
{
	return km_token_login_required(slot->token) && !slot->logged_in;
}

/* ---- handles ---- */

bool kmp_sobject_visible_inlock(const struct kmp_slot *slot,
				const CK_ATTRIBUTE *attrs)
{
	return !kmp_needs_login_inlock(slot) ||
	       kmp_attrs_bool(attrs, CKA_PRIVATE, CK_FALSE) == CK_FALSE;
}

struct kmp_object *kmp_token_object_inlock(struct kmp_slot *slot,
					   CK_OBJECT_HANDLE handle)
{
	return kmp_objects_get(slot->objects,
			       kmp_alias_resolve(&slot->aliases, handle));
}

static bool gone_inlock(const struct kmp_slot *slot, CK_OBJECT_HANDLE h)
{
	for (size_t i = 0; i < slot->n_gone; i++)
		if (slot->gone[i] == h)
			return true;
	return false;
}

enum kmp_handle_kind kmp_resolve_inlock(const struct kmp_call *call,
					CK_OBJECT_HANDLE h,
					struct kmp_target *out)
{
	struct kmp_slot *slot = call->slot;

	*out = (struct kmp_target){KMP_HANDLE_INVALID, NULL, NULL, NULL};
	if (kmp_is_session_handle(h)) {
		out->sobject = kmp_sobject_get(&kmp_gl.sobjects, h);
		if (out->sobject != NULL && out->sobject->slot == call->slot_id &&
		    kmp_sobject_visible_inlock(slot, out->sobject->attrs))
			out->kind = KMP_HANDLE_SESSION_OBJECT;
		else
			out->sobject = NULL;
	} else if ((out->order = kmp_orders_get(&slot->orders, h)) != NULL) {
		out->kind = KMP_HANDLE_ORDER;
	} else if ((out->object = kmp_token_object_inlock(slot, h)) != NULL) {
		out->kind = KMP_HANDLE_TOKEN_OBJECT;
	} else if (gone_inlock(slot, kmp_alias_resolve(&slot->aliases, h))) {
		out->kind = KMP_HANDLE_GONE;
	}
	return out->kind;
}

void kmp_gone_add_inlock(struct kmp_slot *slot, const CK_OBJECT_HANDLE *h,
			 size_t n)
{
	CK_OBJECT_HANDLE *grown = realloc(slot->gone,
					  (slot->n_gone + n + 1) * sizeof(*grown));

	if (grown == NULL)
		return; /* destroying them then answers OBJECT_HANDLE_INVALID */
	slot->gone = grown;
	for (size_t i = 0; i < n; i++)
		slot->gone[slot->n_gone++] = h[i];
}

void kmp_forget_gone_inlock(struct kmp_slot *slot, CK_OBJECT_HANDLE h)
{
	h = kmp_alias_resolve(&slot->aliases, h);
	for (size_t i = 0; i < slot->n_gone; i++)
		if (slot->gone[i] == h) {
			slot->gone[i] = slot->gone[--slot->n_gone];
			return;
		}
}

/* ---- the listing ---- */

struct kmp_objects *kmp_objects_inlock(struct kmp_slot *slot,
				       struct km_snapshot *snap, bool force)
{
	struct kmp_objects *o;

	/* A listing older than the table's (another thread adopted a newer
	 * one meanwhile) would bring back what the newer one dropped. */
	if (slot->objects != NULL &&
	    ((slot->objects->snapshot == snap && !force) ||
	     slot->objects->snapshot->generation > snap->generation))
		return slot->objects;
	km_token_snapshot_ref(slot->token, snap);
	if ((o = kmp_objects_build(slot->token, snap)) == NULL) {
		km_token_snapshot_unref(slot->token, snap);
		return NULL;
	}
	kmp_objects_free(slot->token, slot->objects);
	slot->objects = o;
	/* Keys of secrets the listing lost (deleted, or no longer this
	 * user's to read) go, with the contexts that hold them. */
	if (km_token_forget_unlisted(slot->token, snap) > 0)
		kmp_session_drop_spares(&kmp_gl.sessions,
					(CK_SLOT_ID)(slot - kmp_gl.slots));
	return o;
}

struct listing_ask {
	const char *scope;
	struct km_snapshot **snap;
};

static CK_RV list(struct km_token *token, struct km_snapshot *unused,
		  void *arg)
{
	struct listing_ask *ask = arg;

	(void)unused;
	return kmp_rv_of(km_token_snapshot(token, ask->scope, ask->snap));
}

CK_RV kmp_list_relocking(struct kmp_call *call, const char *scope,
			 struct km_snapshot **snap)
{
	struct listing_ask ask = {scope, snap};

	*snap = NULL;
	return kmp_offlock_relocking(call, NULL, list, &ask);
}

/* Lists (scope: km_token_snapshot's name); adopts the listing unless the
 * login ended meanwhile (then CKR_USER_NOT_LOGGED_IN). */
static CK_RV adopt_listing_relocking(struct kmp_call *call, const char *scope)
{
	struct kmp_slot *slot = call->slot;
	struct km_snapshot *snap;
	CK_RV rv = kmp_list_relocking(call, scope, &snap);

	if (rv == CKR_OK && kmp_needs_login_inlock(slot))
		rv = CKR_USER_NOT_LOGGED_IN;
	if (rv == CKR_OK && kmp_objects_inlock(slot, snap, false) == NULL)
		rv = CKR_HOST_MEMORY;
	km_token_snapshot_unref(slot->token, snap);
	return rv;
}

CK_RV kmp_relist_relocking(struct kmp_call *call)
{
	km_token_invalidate(call->slot->token);
	return adopt_listing_relocking(call, NULL);
}

/*
 * A process that only signs (nginx's workers) still sees a container
 * deleted or its user's access revoked: once per refresh_interval a key's
 * use asks the Key Manager again for the objects whose payloads it
 * fetched (km_token_recheck: a request each, whatever the project
 * holds), and lists again only when one is gone or the user refused;
 * kmp_objects_inlock then drops the keys the new listing lost. A failed
 * listing keeps the old one.
 */
static CK_RV recheck(struct km_token *token, struct km_snapshot *unused,
		     void *arg)
{
	(void)unused;
	(void)arg;
	return kmp_rv_of(km_token_recheck(token));
}

CK_RV kmp_renew_listing_relocking(struct kmp_call *call)
{
	const struct km_snapshot *held;
	char scope[KM_NAME_MAX + 1];
	CK_RV rv;

	if (call->slot->objects == NULL ||
	    !km_token_listing_due(call->slot->token))
		return CKR_OK;
	rv = kmp_offlock_relocking(call, NULL, recheck, NULL);
	if (rv != CKR_OBJECT_HANDLE_INVALID || call->slot->objects == NULL)
		return call->session != NULL ? CKR_OK : CKR_SESSION_CLOSED;
	/* A listing scoped to one name stays so: copied, as the table may
	 * change while the lock is let go. */
	held = call->slot->objects->snapshot;
	snprintf(scope, sizeof(scope), "%s", held->scope ? held->scope : "");
	adopt_listing_relocking(call, held->scope ? scope : NULL);
	return call->session != NULL ? CKR_OK : CKR_SESSION_CLOSED;
}

CK_RV kmp_made_inlock(struct kmp_slot *slot, const char *uuid,
		      enum kmp_role role, unsigned index, CK_OBJECT_HANDLE *out)
{
	*out = kmp_object_handle(km_token_serial(slot->token), uuid, role, index);
	if (kmp_token_object_inlock(slot, *out) != NULL)
		return CKR_OK;
	km_error("%s is not in the new listing", uuid);
	return CKR_DEVICE_ERROR;
}
