/*
 * The entry points that read objects: C_GetAttributeValue,
 * C_GetObjectSize and the C_FindObjects family. A template asking for what
 * the listing does not give fetches payloads, with the lock let go.
 */
#include "module/calls.h"
#include "module/failures.h"
#include "module/slot.h"

#include "module/attrs.h"
#include "module/kmp11.h"
#include "tokens/log.h"
#include "tokens/orders.h"

#include <stdlib.h>
#include <string.h>

/* Whether a template asks for what changes while an order is pending. */
static bool asks_order_state(const CK_ATTRIBUTE *templ, CK_ULONG count)
{
	static const CK_ATTRIBUTE_TYPE changing[] = {
		CKA_KMP11_ORDER_STATUS, CKA_KMP11_ORDER_MESSAGE,
		CKA_KMP11_ORDER_ERROR, CKA_KMP11_RESULT_REF,
	};

	for (size_t i = 0; i < sizeof(changing) / sizeof(changing[0]); i++)
		if (kmp_template_find(templ, count, changing[i]) != NULL)
			return true;
	return false;
}

struct order_ask {
	km_uuid uuid;
	struct km_order now;
};

static CK_RV ask_order(struct km_token *token, struct km_snapshot *unused,
		       void *arg)
{
	struct order_ask *a = arg;

	(void)unused;
	return kmp_rv_of(km_order_get(token, a->uuid, &a->now));
}

/* An order's attributes; a pending one's state is asked again. */
static CK_RV order_relocking(struct kmp_call *call, CK_OBJECT_HANDLE handle,
			     const CK_ATTRIBUTE *templ, CK_ULONG count,
			     CK_ATTRIBUTE **attrs)
{
	struct kmp_slot *slot = call->slot;
	struct kmp_order *order = kmp_orders_get(&slot->orders, handle);
	struct order_ask ask = {.now = {.ref = NULL}};
	CK_RV rv = CKR_OK;

	if (order->pending && asks_order_state(templ, count)) {
		memcpy(ask.uuid, order->uuid, sizeof(ask.uuid));
		rv = kmp_read_failure(kmp_offlock_relocking(call, NULL, ask_order, &ask));
		if (rv == CKR_OK && kmp_orders_put(&slot->orders,
						   km_token_serial(slot->token),
						   &ask.now) == NULL)
			rv = CKR_HOST_MEMORY;
		km_order_clear(&ask.now);
		order = kmp_orders_get(&slot->orders, handle);
		/* Done: what it made is found from now on (or once a
		 * listing succeeds: the order's state is the answer). */
		if (rv == CKR_OK && order != NULL && !order->pending &&
		    kmp_relist_relocking(call) == CKR_SESSION_CLOSED)
			rv = CKR_SESSION_CLOSED;
		order = kmp_orders_get(&slot->orders, handle);
	}
	if (rv == CKR_OK && order == NULL)
		rv = CKR_OBJECT_HANDLE_INVALID;
	if (rv == CKR_OK)
		*attrs = order->attrs;
	return rv;
}

/* Whether every attribute a template asks for is known already. */
static bool all_known(CK_ATTRIBUTE *attrs, const CK_ATTRIBUTE *templ,
		      CK_ULONG count)
{
	for (CK_ULONG i = 0; i < count; i++)
		if (kmp_attrs_find(attrs, templ[i].type) == NULL)
			return false;
	return true;
}

/*
 * The attributes of an object for a template. A payload is fetched only
 * when the template asks for what the metadata does not give: a client
 * reading CKA_KEY_TYPE, CKA_ID and CKA_LABEL of every key (as libp11
 * does while it searches) fetches nothing.
 */
static CK_RV attrs_relocking(struct kmp_call *call, CK_OBJECT_HANDLE handle,
			     const CK_ATTRIBUTE *templ, CK_ULONG count,
			     CK_ATTRIBUTE **attrs)
{
	struct kmp_slot *slot = call->slot;
	struct kmp_target t;
	CK_RV rv;

	switch (kmp_resolve_inlock(call, handle, &t)) {
	case KMP_HANDLE_SESSION_OBJECT:
		*attrs = t.sobject->attrs;
		return CKR_OK;
	case KMP_HANDLE_ORDER:
		return order_relocking(call, handle, templ, count, attrs);
	case KMP_HANDLE_TOKEN_OBJECT:
		if (kmp_object_attrs(slot->token, slot->objects, t.object) == NULL)
			return CKR_HOST_MEMORY;
		if (all_known(t.object->attrs, templ, count)) {
			*attrs = t.object->attrs;
			return CKR_OK;
		}
		if ((rv = kmp_object_relocking(call, handle, &t.object)) == CKR_OK)
			*attrs = t.object->attrs;
		return rv;
	default:
		return CKR_OBJECT_HANDLE_INVALID;
	}
}

CK_RV kmp_C_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh,
			      CK_ATTRIBUTE_PTR templ, CK_ULONG count)
{
	struct kmp_call call;
	CK_ATTRIBUTE *attrs = NULL;
	CK_RV rv;

	if (templ == NULL && count > 0)
		return kmp_session_or(h, CKR_ARGUMENTS_BAD);
	pthread_mutex_lock(&kmp_gl.lock);
	rv = kmp_call_inlock(&call, h);
	if (rv == CKR_OK)
		rv = attrs_relocking(&call, oh, templ, count, &attrs);
	if (rv == CKR_OK)
		rv = kmp_attrs_get(attrs, templ, count);
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

CK_RV kmp_C_GetObjectSize(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh,
			  CK_ULONG_PTR size)
{
	struct kmp_target t;
	struct kmp_call call;
	CK_RV rv;

	if (size == NULL)
		return kmp_session_or(h, CKR_ARGUMENTS_BAD);
	pthread_mutex_lock(&kmp_gl.lock);
	rv = kmp_call_inlock(&call, h);
	if (rv == CKR_OK) {
		switch (kmp_resolve_inlock(&call, oh, &t)) {
		case KMP_HANDLE_SESSION_OBJECT:
		case KMP_HANDLE_ORDER:
		case KMP_HANDLE_TOKEN_OBJECT:
			*size = CK_UNAVAILABLE_INFORMATION;
			break;
		default:
			rv = CKR_OBJECT_HANDLE_INVALID;
		}
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

/* What a search found, for C_FindObjects to hand out. */
static void found_inlock(struct kmp_session *session, CK_OBJECT_HANDLE *found,
			 size_t n)
{
	free(session->found);
	session->found = found;
	session->n_found = n;
	session->pos = 0;
}

/* Matches every object the session sees (o NULL: the session objects
 * only); collects the token objects a payload must decide. */
static CK_RV match_inlock(struct kmp_call *call, struct kmp_objects *o,
			  CK_ATTRIBUTE_PTR templ, CK_ULONG count,
			  struct kmp_need **pending, size_t *n_pending)
{
	struct kmp_session *session = call->session;
	size_t n_token = o ? o->n : 0;
	CK_OBJECT_HANDLE *found = calloc(n_token + kmp_gl.sobjects.n + 1,
					 sizeof(*found));
	struct kmp_need *needs = NULL;
	size_t n = 0;

	if (found == NULL)
		return CKR_HOST_MEMORY;
	if (pending != NULL &&
	    (needs = calloc(n_token * 3 + 1, sizeof(*needs))) == NULL) {
		free(found);
		return CKR_HOST_MEMORY;
	}
	for (size_t i = 0; i < n_token; i++) {
		struct kmp_object *obj = &o->items[i];
		enum kmp_match m = KMP_NO_MATCH;
		if (obj->role != KMP_ROLE_INTERMEDIATES)
			m = kmp_object_match(call->slot->token, o, obj, templ, count);
		else if (kmp_template_may_match_intermediate(templ, count))
			m = KMP_UNKNOWN;
		if (m == KMP_MATCH)
			found[n++] = obj->handle;
		else if (m == KMP_UNKNOWN && !obj->complete && needs != NULL)
			*n_pending += kmp_object_needs(call->slot->token, obj,
						      needs + *n_pending);
	}
	for (size_t i = 0; i < kmp_gl.sobjects.n; i++) {
		struct kmp_sobject *so = &kmp_gl.sobjects.items[i];
		if (so->slot == call->slot_id &&
		    kmp_sobject_visible_inlock(call->slot, so->attrs) &&
		    kmp_attrs_match(so->attrs, templ, count) == KMP_MATCH)
			found[n++] = so->handle;
	}
	found_inlock(session, found, n);
	if (pending != NULL)
		*pending = needs;
	return CKR_OK;
}

/* Matches the objects of snap; those only a payload can decide are
 * fetched with the lock let go, then matched once more. */
static CK_RV find_relocking(struct kmp_call *call, struct km_snapshot *snap,
			    CK_ATTRIBUTE_PTR templ, CK_ULONG count)
{
	struct kmp_slot *slot = call->slot;
	struct kmp_need *pending = NULL;
	size_t n_pending = 0;
	struct kmp_objects *o = kmp_objects_inlock(slot, snap, false);
	CK_RV rv;

	if (o == NULL)
		return CKR_HOST_MEMORY;
	rv = match_inlock(call, o, templ, count, &pending, &n_pending);
	if (rv != CKR_OK || n_pending == 0) {
		free(pending);
		return rv;
	}
	kmp_session_end_find(call->session);
	call->session->finding = true;
	rv = kmp_fetch_relocking(call, pending, n_pending);
	free(pending);
	if (rv == CKR_SESSION_CLOSED)
		return rv;
	if (rv != CKR_OK)
		km_warning("find: some objects could not be fetched");
	if (kmp_needs_login_inlock(slot))
		return match_inlock(call, NULL, templ, count, NULL, NULL);
	if ((o = kmp_objects_inlock(slot, snap, false)) == NULL)
		return CKR_HOST_MEMORY;
	if (!kmp_objects_complete(slot->token, o) &&
	    (o = kmp_objects_inlock(slot, snap, true)) == NULL)
		return CKR_HOST_MEMORY;
	return match_inlock(call, o, templ, count, NULL, NULL);
}

/* Ends a search that failed; one whose session went is gone with it. */
static void find_failed_inlock(struct kmp_call *call, CK_RV rv)
{
	if (rv != CKR_OK && call->session != NULL)
		kmp_session_end_find(call->session);
}

static CK_RV list_orders(struct km_token *token, struct km_snapshot *unused,
			 void *arg)
{
	struct km_order_list *l = arg;
	struct km_snapshot *snap;
	CK_RV rv = kmp_rv_of(km_orders_list(token, l));

	(void)unused;
	/* Without a listing the refs stay the orders' own. */
	if (rv == CKR_OK && km_ok(km_token_snapshot(token, NULL, &snap))) {
		km_orders_follow_copies(l, snap->listing);
		km_token_snapshot_unref(token, snap);
	}
	return rv;
}

/* Orders are listed afresh by a search for their class, and only then;
 * before the login a login token shows none. */
static CK_RV find_orders_relocking(struct kmp_call *call,
				   const CK_ATTRIBUTE *templ, CK_ULONG count)
{
	struct kmp_slot *slot = call->slot;
	struct km_order_list l = {NULL, 0};
	CK_OBJECT_HANDLE *found = NULL;
	size_t n = 0;
	CK_RV rv = kmp_offlock_relocking(call, NULL, list_orders, &l);

	if (rv == CKR_USER_NOT_LOGGED_IN && kmp_needs_login_inlock(slot)) {
		kmp_orders_clear(&slot->orders);
		rv = CKR_OK;
	} else if (rv == CKR_OK &&
		   !kmp_orders_set(&slot->orders, km_token_serial(slot->token), &l)) {
		rv = CKR_HOST_MEMORY;
	}
	rv = kmp_read_failure(rv);
	if (rv == CKR_OK &&
	    (found = calloc(slot->orders.n + 1, sizeof(*found))) == NULL)
		rv = CKR_HOST_MEMORY;
	for (size_t i = 0; rv == CKR_OK && i < slot->orders.n; i++)
		if (kmp_attrs_match(slot->orders.items[i].attrs, templ, count) == KMP_MATCH)
			found[n++] = slot->orders.items[i].handle;
	if (rv == CKR_OK)
		found_inlock(call->session, found, n);
	km_order_list_clear(&l);
	return rv;
}

/* The label a search names, as a listing's scope (km_token_snapshot):
 * NULL when it names none that a container could have. */
static const char *label_scope(const CK_ATTRIBUTE *templ, CK_ULONG count,
			       char out[KM_NAME_MAX + 1])
{
	const CK_ATTRIBUTE *a = kmp_template_find(templ, count, CKA_LABEL);

	if (a == NULL || a->pValue == NULL || a->ulValueLen == 0 ||
	    a->ulValueLen > KM_NAME_MAX || memchr(a->pValue, '\0', a->ulValueLen))
		return NULL;
	memcpy(out, a->pValue, a->ulValueLen);
	out[a->ulValueLen] = '\0';
	return out;
}

/* Token objects of a fresh listing (or none where none is visible) and
 * session objects. */
static CK_RV find_objects_relocking(struct kmp_call *call,
				    CK_ATTRIBUTE_PTR templ, CK_ULONG count)
{
	/* Session objects only: no need for the Key Manager's listing. */
	bool snap_skipped = !kmp_template_bool(templ, count, CKA_TOKEN, true);
	struct km_snapshot *snap = NULL;
	char label[KM_NAME_MAX + 1];
	CK_RV rv = snap_skipped
			   ? CKR_USER_NOT_LOGGED_IN
			   : kmp_list_relocking(call, label_scope(templ, count, label),
						&snap);

	if ((rv == CKR_USER_NOT_LOGGED_IN || rv == CKR_OK) &&
	    (snap_skipped || kmp_needs_login_inlock(call->slot)))
		/* No token object visible (before login, a C_Logout while
		 * this listed, or not asked for); session ones are. */
		rv = match_inlock(call, NULL, templ, count, NULL, NULL);
	else if (rv == CKR_OK)
		rv = find_relocking(call, snap, templ, count);
	else
		rv = kmp_read_failure(rv);
	km_token_snapshot_unref(call->slot->token, snap);
	return rv;
}

CK_RV kmp_C_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR templ,
			    CK_ULONG count)
{
	struct kmp_call call;
	CK_RV rv;

	if (templ == NULL && count > 0)
		return kmp_session_or(h, CKR_ARGUMENTS_BAD);
	/* A value to match must be there to be read. */
	for (CK_ULONG i = 0; i < count; i++)
		if (templ[i].pValue == NULL && templ[i].ulValueLen > 0)
			return kmp_session_or(h, CKR_ATTRIBUTE_VALUE_INVALID);
	pthread_mutex_lock(&kmp_gl.lock);
	rv = kmp_call_inlock(&call, h);
	if (rv == CKR_OK && call.session->finding)
		rv = CKR_OPERATION_ACTIVE;
	if (rv == CKR_OK) {
		call.session->finding = true; /* claimed while we list */
		rv = kmp_template_wants_orders(templ, count)
			     ? find_orders_relocking(&call, templ, count)
			     : find_objects_relocking(&call, templ, count);
		find_failed_inlock(&call, rv);
		/* A C_FindObjectsFinal meanwhile ended the claim, not this. */
		if (rv == CKR_OK)
			call.session->finding = true;
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

CK_RV kmp_C_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out,
			CK_ULONG max, CK_ULONG_PTR count)
{
	struct kmp_call call;
	CK_RV rv;

	if (out == NULL || count == NULL)
		return kmp_session_or(h, CKR_ARGUMENTS_BAD);
	pthread_mutex_lock(&kmp_gl.lock);
	rv = kmp_call_inlock(&call, h);
	if (rv == CKR_OK && !call.session->finding)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	if (rv == CKR_OK) {
		*count = 0;
		while (*count < max && call.session->pos < call.session->n_found)
			out[(*count)++] = call.session->found[call.session->pos++];
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

CK_RV kmp_C_FindObjectsFinal(CK_SESSION_HANDLE h)
{
	struct kmp_call call;
	CK_RV rv;

	pthread_mutex_lock(&kmp_gl.lock);
	rv = kmp_call_inlock(&call, h);
	if (rv == CKR_OK && !call.session->finding)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	if (rv == CKR_OK)
		kmp_session_end_find(call.session);
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}
