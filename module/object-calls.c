/*
 * The entry points that make, change and destroy objects: session
 * objects in memory; token objects in the Key Manager (C_CreateObject,
 * C_DestroyObject, renames by C_SetAttributeValue, key pairs, key and
 * certificate orders). Each checks its arguments, takes the lock, and
 * lets it go only through kmp_offlock_relocking around the Key Manager's
 * calls.
 */
#include "module/calls.h"
#include "module/failures.h"
#include "module/slot.h"

#include "module/attrs.h"
#include "module/derive.h"
#include "module/keygen.h"
#include "module/kmp11.h"
#include "module/newobject.h"
#include "module/placement.h"
#include "tokens/config.h"
#include "tokens/crypto-ctx.h"
#include "tokens/log.h"
#include "tokens/orders.h"
#include "tokens/writes.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- session objects: create, destroy, derive ---- */

/* A private session object on a login token needs the login. */
static CK_RV may_create_inlock(struct kmp_slot *slot, const CK_ATTRIBUTE *templ,
			       CK_ULONG count, bool secret)
{
	bool private = kmp_template_bool(templ, count, CKA_PRIVATE, secret);

	if (private && kmp_needs_login_inlock(slot))
		return CKR_USER_NOT_LOGGED_IN;
	return CKR_OK;
}

/* Writing to the Key Manager: a read-write session on a writable token,
 * logged in when the token needs it. */
static CK_RV may_write_inlock(const struct kmp_call *call)
{
	if (km_token_config(call->slot->token)->read_only)
		return CKR_TOKEN_WRITE_PROTECTED;
	if (!(call->session->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (kmp_needs_login_inlock(call->slot))
		return CKR_USER_NOT_LOGGED_IN;
	return CKR_OK;
}

/* ---- token objects: stored in the Key Manager ---- */

static enum kmp_role role_of(enum kmp_new_kind kind)
{
	static const enum kmp_role roles[] = {
		[KMP_NEW_CERTIFICATE] = KMP_ROLE_CERTIFICATE,
		[KMP_NEW_INTERMEDIATE] = KMP_ROLE_INTERMEDIATE,
		[KMP_NEW_PRIVATE_KEY] = KMP_ROLE_PRIVATE_KEY,
		[KMP_NEW_PUBLIC_KEY] = KMP_ROLE_PUBLIC_KEY,
		[KMP_NEW_SECRET_KEY] = KMP_ROLE_SECRET_KEY,
		[KMP_NEW_DATA] = KMP_ROLE_DATA,
	};

	return roles[kind];
}

/* The handles of a replaced container's objects lead to the new one's. */
static void alias_container_inlock(struct kmp_slot *slot, const char *from,
				   const char *to, unsigned chain)
{
	static const enum kmp_role roles[] = {
		KMP_ROLE_CERTIFICATE, KMP_ROLE_PRIVATE_KEY, KMP_ROLE_PUBLIC_KEY,
	};
	const char *serial = km_token_serial(slot->token);

	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		kmp_alias_add(&slot->aliases,
			      kmp_object_handle(serial, from, roles[i], 0),
			      kmp_object_handle(serial, to, roles[i], 0));
	for (unsigned i = 0; i < chain; i++)
		kmp_alias_add(&slot->aliases,
			      kmp_object_handle(serial, from, KMP_ROLE_INTERMEDIATE, i),
			      kmp_object_handle(serial, to, KMP_ROLE_INTERMEDIATE, i));
}

/* How many intermediates of a container have handles now. */
static unsigned chain_length_inlock(struct kmp_slot *slot, const char *container)
{
	unsigned n = 0;

	for (size_t i = 0; i < slot->objects->n; i++)
		n += slot->objects->items[i].role == KMP_ROLE_INTERMEDIATE &&
		     strcmp(slot->objects->items[i].container->uuid, container) == 0;
	return n;
}

/* A chain just written is not fetched yet: its members have no handles
 * until it is. */
static CK_RV fetch_chain_relocking(struct kmp_call *call, const char *container)
{
	struct kmp_slot *slot = call->slot;
	struct kmp_object *chain = NULL;
	struct km_snapshot *snap = slot->objects->snapshot;
	struct kmp_need needs[3];
	CK_RV rv;

	for (size_t i = 0; chain == NULL && i < slot->objects->n; i++)
		if (slot->objects->items[i].role == KMP_ROLE_INTERMEDIATES &&
		    strcmp(slot->objects->items[i].container->uuid, container) == 0)
			chain = &slot->objects->items[i];
	if (chain == NULL)
		return CKR_OK;
	/* Held past the fetch: its objects are rebuilt with the chain. */
	km_token_snapshot_ref(slot->token, snap);
	rv = kmp_fetch_relocking(call, needs,
				 kmp_object_needs(slot->token, chain, needs));
	if (rv == CKR_OK && kmp_needs_login_inlock(slot))
		rv = CKR_USER_NOT_LOGGED_IN;
	if (rv == CKR_OK && kmp_objects_inlock(slot, snap, true) == NULL)
		rv = CKR_HOST_MEMORY;
	km_token_snapshot_unref(slot->token, snap);
	return rv;
}

struct store {
	const struct kmp_new_object *object;
	struct kmp_stored stored;
};

static CK_RV store(struct km_token *token, struct km_snapshot *unused,
		   void *arg)
{
	struct store *w = arg;
	struct km_snapshot *snap = NULL;
	CK_RV rv = kmp_read_failure(kmp_rv_of(km_token_snapshot(token, NULL, &snap)));

	(void)unused;
	if (rv == CKR_OK)
		rv = kmp_store_object(token, snap, w->object, &w->stored);
	km_token_snapshot_unref(token, snap);
	return rv;
}

/* Stores the object, then finds it in a new listing. */
static CK_RV create_token_object(CK_SESSION_HANDLE h, const CK_ATTRIBUTE *templ,
				 CK_ULONG count, CK_OBJECT_HANDLE *out)
{
	struct kmp_new_object o;
	struct store w = {.object = &o};
	struct kmp_call call;
	CK_RV rv;

	pthread_mutex_lock(&kmp_gl.lock);
	rv = kmp_call_inlock(&call, h);
	if (rv == CKR_OK)
		rv = may_write_inlock(&call);
	pthread_mutex_unlock(&kmp_gl.lock);
	if (rv != CKR_OK)
		return rv;
	/* Parsed (certificates, keys) without the lock. */
	if ((rv = kmp_new_object_parse(templ, count, &o)) != CKR_OK) {
		kmp_new_object_free(&o);
		return rv;
	}
	pthread_mutex_lock(&kmp_gl.lock);
	rv = kmp_call_again_inlock(&call);
	if (rv == CKR_OK)
		rv = kmp_offlock_relocking(&call, NULL, store, &w);
	if (rv == CKR_OK)
		rv = kmp_relist_relocking(&call);
	if (rv == CKR_OK && o.kind == KMP_NEW_INTERMEDIATE)
		rv = fetch_chain_relocking(&call, w.stored.uuid);
	if (rv == CKR_OK) {
		if (w.stored.replaced[0])
			alias_container_inlock(call.slot, w.stored.replaced,
					       w.stored.uuid, w.stored.replaced_chain);
		rv = kmp_made_inlock(call.slot, w.stored.uuid, role_of(o.kind),
				     w.stored.index, out);
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	kmp_new_object_free(&o);
	return rv;
}

/* Secret and private keys are private unless their template says. */
static bool creates_secret(const CK_ATTRIBUTE *templ, CK_ULONG count)
{
	CK_ULONG klass;

	return kmp_template_ulong(templ, count, CKA_CLASS, &klass) == CKR_OK &&
	       (klass == CKO_SECRET_KEY || klass == CKO_PRIVATE_KEY);
}

CK_RV kmp_C_CreateObject(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR templ,
			 CK_ULONG count, CK_OBJECT_HANDLE_PTR out)
{
	struct kmp_call call;
	CK_RV rv;

	if ((templ == NULL && count > 0) || out == NULL)
		return kmp_session_or(h, CKR_ARGUMENTS_BAD);
	if (kmp_template_bool(templ, count, CKA_TOKEN, false))
		return create_token_object(h, templ, count, out);
	pthread_mutex_lock(&kmp_gl.lock);
	rv = kmp_call_inlock(&call, h);
	if (rv == CKR_OK)
		rv = may_create_inlock(call.slot, templ, count,
				       creates_secret(templ, count));
	if (rv == CKR_OK)
		rv = kmp_sobject_create(&kmp_gl.sobjects, h, call.slot_id, templ,
					count, out);
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

/* The handles of the other objects of obj's container. */
static CK_OBJECT_HANDLE *container_handles_inlock(struct kmp_slot *slot,
						  const struct kmp_object *obj,
						  size_t *n)
{
	CK_OBJECT_HANDLE *out = calloc(slot->objects->n + 1, sizeof(*out));

	*n = 0;
	for (size_t i = 0; out != NULL && i < slot->objects->n; i++) {
		const struct kmp_object *o = &slot->objects->items[i];
		if (o->container == obj->container && o != obj &&
		    o->role != KMP_ROLE_INTERMEDIATES)
			out[(*n)++] = o->handle;
	}
	return out;
}

/* Session objects copy in memory; a token object stays one of its kind
 * (CKA_COPYABLE FALSE). */
CK_RV kmp_C_CopyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh,
		       CK_ATTRIBUTE_PTR templ, CK_ULONG count,
		       CK_OBJECT_HANDLE_PTR out)
{
	struct kmp_target t;
	struct kmp_call call;
	CK_RV rv;

	if ((templ == NULL && count > 0) || out == NULL)
		return kmp_session_or(h, CKR_ARGUMENTS_BAD);
	pthread_mutex_lock(&kmp_gl.lock);
	rv = kmp_call_inlock(&call, h);
	if (rv == CKR_OK) {
		switch (kmp_resolve_inlock(&call, oh, &t)) {
		case KMP_HANDLE_SESSION_OBJECT:
			rv = kmp_sobject_copy(&kmp_gl.sobjects, oh, h, templ,
					      count, out);
			break;
		case KMP_HANDLE_TOKEN_OBJECT:
			rv = CKR_ACTION_PROHIBITED;
			break;
		default:
			rv = CKR_OBJECT_HANDLE_INVALID;
		}
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

/* What C_DestroyObject may answer of a Key Manager deletion's failure:
 * a read's codes, and the two a refused deletion has. */
static CK_RV destroy_failure(CK_RV rv)
{
	return rv == CKR_ACTION_PROHIBITED || rv == CKR_TOKEN_WRITE_PROTECTED
		       ? rv : kmp_read_failure(rv);
}

/*
 * A certificate or key of a container deletes the container and the
 * secrets no other container holds (its other objects go with it:
 * destroying them afterwards succeeds); a standalone secret is deleted
 * alone; an intermediate is part of its container's chain and is not
 * deleted by itself.
 */
struct deletion {
	km_uuid uuid;
	bool container;
};

static CK_RV delete(struct km_token *token, struct km_snapshot *unused,
		    void *arg)
{
	const struct deletion *d = arg;

	(void)unused;
	return kmp_rv_of(d->container ? km_delete_container(token, d->uuid)
				      : km_delete_secret(token, d->uuid));
}

static CK_RV destroy_token_object_relocking(struct kmp_call *call,
					    struct kmp_object *obj)
{
	struct kmp_slot *slot = call->slot;
	CK_OBJECT_HANDLE *siblings = NULL;
	struct deletion d = {.container = obj->container != NULL};
	size_t n = 0;
	CK_RV rv;

	if ((rv = may_write_inlock(call)) != CKR_OK)
		return rv;
	if (obj->role == KMP_ROLE_INTERMEDIATE)
		return CKR_ACTION_PROHIBITED;
	snprintf(d.uuid, sizeof(d.uuid), "%s",
		 obj->container ? obj->container->uuid : obj->secret);
	if (d.container && (siblings = container_handles_inlock(slot, obj, &n)) == NULL)
		return CKR_HOST_MEMORY;
	rv = destroy_failure(kmp_offlock_relocking(call, NULL, delete, &d));
	if (call->work == CKR_OK) {
		/* Deleted (the session gone or not): a failed listing is no
		 * error. */
		kmp_relist_relocking(call);
		kmp_gone_add_inlock(slot, siblings, n);
	}
	free(siblings);
	return rv;
}

struct order_deletion {
	km_uuid uuid;
};

static CK_RV delete_order(struct km_token *token, struct km_snapshot *unused,
			  void *arg)
{
	const struct order_deletion *d = arg;

	(void)unused;
	return kmp_rv_of(km_order_delete(token, d->uuid));
}

static CK_RV destroy_order_relocking(struct kmp_call *call,
				     const struct kmp_order *order)
{
	CK_OBJECT_HANDLE handle = order->handle;
	struct order_deletion d;
	CK_RV rv = may_write_inlock(call);

	if (rv != CKR_OK)
		return rv;
	memcpy(d.uuid, order->uuid, sizeof(d.uuid));
	rv = destroy_failure(kmp_offlock_relocking(call, NULL, delete_order, &d));
	/* Deleted, though the session may have gone meanwhile. */
	if (call->work == CKR_OK)
		kmp_orders_remove(&call->slot->orders, handle);
	return rv;
}

CK_RV kmp_C_DestroyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh)
{
	struct kmp_target t;
	struct kmp_call call;
	CK_RV rv;

	pthread_mutex_lock(&kmp_gl.lock);
	if ((rv = kmp_call_inlock(&call, h)) != CKR_OK) {
		pthread_mutex_unlock(&kmp_gl.lock);
		return rv;
	}
	switch (kmp_resolve_inlock(&call, oh, &t)) {
	case KMP_HANDLE_SESSION_OBJECT:
		if (!kmp_sobject_allows(t.sobject, CKA_DESTROYABLE))
			rv = CKR_ACTION_PROHIBITED;
		else
			kmp_sobject_destroy(&kmp_gl.sobjects, oh);
		break;
	case KMP_HANDLE_ORDER:
		rv = destroy_order_relocking(&call, t.order);
		break;
	case KMP_HANDLE_TOKEN_OBJECT:
		rv = destroy_token_object_relocking(&call, t.object);
		break;
	case KMP_HANDLE_GONE:
		kmp_forget_gone_inlock(call.slot, oh);
		break;
	default:
		rv = CKR_OBJECT_HANDLE_INVALID;
	}
	/* No session keeps a destroyed key's context. (The session may
	 * have closed while the Key Manager was called; the slot stays.) */
	if (rv == CKR_OK || rv == CKR_SESSION_CLOSED)
		kmp_session_drop_spares(&kmp_gl.sessions, call.slot_id);
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

CK_RV kmp_C_DeriveKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mechanism,
		      CK_OBJECT_HANDLE base, CK_ATTRIBUTE_PTR templ,
		      CK_ULONG count, CK_OBJECT_HANDLE_PTR out)
{
	struct kmp_call call;
	struct kmp_key key = {0};
	unsigned char *secret = NULL;
	size_t len = 0;
	CK_RV rv;

	if (mechanism == NULL || (templ == NULL && count > 0) || out == NULL)
		return kmp_session_or(h, CKR_ARGUMENTS_BAD);
	pthread_mutex_lock(&kmp_gl.lock);
	/* A bad session outranks a bad mechanism (v2.40 5.1.7). */
	rv = kmp_call_inlock(&call, h);
	if (rv == CKR_OK && mechanism->mechanism != CKM_ECDH1_DERIVE)
		rv = CKR_MECHANISM_INVALID;
	if (rv == CKR_OK)
		rv = may_create_inlock(call.slot, templ, count, true);
	if (rv == CKR_OK)
		rv = kmp_key_relocking(&call, CKA_DERIVE, base, &key);
	/* A C_Logout while the key was fetched: no private object after it. */
	if (rv == CKR_OK)
		rv = may_create_inlock(call.slot, templ, count, true);
	if (rv == CKR_OK && (key.type != CKK_EC || key.pkey == NULL))
		rv = CKR_KEY_TYPE_INCONSISTENT;
	if (rv == CKR_OK)
		rv = kmp_ecdh_derive(mechanism, key.pkey, &secret, &len);
	if (rv == CKR_OK)
		rv = kmp_sobject_secret(&kmp_gl.sobjects, h, call.slot_id, templ,
					count, secret, len,
					CK_UNAVAILABLE_INFORMATION, out);
	pthread_mutex_unlock(&kmp_gl.lock);
	if (secret != NULL)
		OPENSSL_cleanse(secret, len);
	free(secret);
	return rv;
}

/* ---- C_SetAttributeValue: a token object's label is its container's
 * name, renaming makes a new container (new handles); everything else
 * is read-only ---- */

/* The new name of obj's container: the template's CKA_LABEL and CKA_ID,
 * else the container's own (its uuid as the id, so that a rename keeps
 * the objects' CKA_ID). malloc'd into *out. */
static CK_RV new_name(const struct kmp_object *obj, const CK_ATTRIBUTE *templ,
		      CK_ULONG count, char **label_out, char **out)
{
	const struct km_container *c = obj->container;
	const CK_ATTRIBUTE *l = kmp_template_find(templ, count, CKA_LABEL);
	const CK_ATTRIBUTE *i = kmp_template_find(templ, count, CKA_ID);
	unsigned char uuid[16];
	const void *id = c->id_len ? c->id : uuid;
	size_t id_len = c->id_len ? c->id_len : sizeof(uuid);

	if ((l != NULL && (l->pValue == NULL || l->ulValueLen == 0 ||
			   memchr(l->pValue, '\0', l->ulValueLen))) ||
	    (i != NULL && ((i->pValue == NULL && i->ulValueLen > 0) ||
			   i->ulValueLen > KM_ID_MAX)) ||
	    !km_uuid_bytes(c->uuid, uuid))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	*label_out = l ? strndup(l->pValue, l->ulValueLen)
		       : strdup(c->name ? c->name : "");
	if (i != NULL) {
		id = i->pValue;
		id_len = i->ulValueLen;
	}
	if (*label_out == NULL)
		return CKR_HOST_MEMORY;
	if (!km_container_name_fits(*label_out, id_len))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	return (*out = km_container_name(*label_out, id, id_len)) != NULL
		       ? CKR_OK : CKR_HOST_MEMORY;
}

struct rename {
	km_uuid uuid, renamed;
	const char *name;
};

static CK_RV rename_container(struct km_token *token, struct km_snapshot *unused,
		    void *arg)
{
	struct rename *r = arg;

	(void)unused;
	return kmp_rv_of(km_rename_container(token, r->uuid, r->name,
					    r->renamed));
}

static CK_RV rename_token_object_relocking(struct kmp_call *call,
					   CK_OBJECT_HANDLE oh,
					   const CK_ATTRIBUTE *templ,
					   CK_ULONG count)
{
	struct kmp_slot *slot = call->slot;
	struct kmp_object *obj;
	char *label = NULL, *name = NULL;
	unsigned chain = 0;
	struct rename r;
	CK_RV rv = kmp_object_relocking(call, oh, &obj);

	if (rv != CKR_OK)
		return rv;
	for (CK_ULONG i = 0; i < count; i++)
		if (templ[i].type != CKA_LABEL && templ[i].type != CKA_ID)
			return CKR_ATTRIBUTE_READ_ONLY;
	if (count == 0)
		return CKR_OK;
	if (obj->container == NULL || obj->role == KMP_ROLE_INTERMEDIATE)
		return CKR_ATTRIBUTE_READ_ONLY; /* secrets cannot be renamed */
	rv = new_name(obj, templ, count, &label, &name);
	if (rv == CKR_OK &&
	    !km_token_config_shows(km_token_config(slot->token), label))
		rv = CKR_ATTRIBUTE_VALUE_INVALID; /* it would disappear */
	if (rv == CKR_OK)
		rv = may_write_inlock(call);
	if (rv == CKR_OK) {
		snprintf(r.uuid, sizeof(r.uuid), "%s", obj->container->uuid);
		r.name = name;
		/* Counted now: a logout while unlocked drops the table. */
		chain = chain_length_inlock(slot, r.uuid);
		rv = kmp_offlock_relocking(call, NULL, rename_container, &r);
	}
	/* Renamed, though the session may have gone meanwhile. */
	if (rv == CKR_OK || (rv == CKR_SESSION_CLOSED && call->work == CKR_OK)) {
		alias_container_inlock(slot, r.uuid, r.renamed, chain);
		kmp_relist_relocking(call);
	}
	free(label);
	free(name);
	return rv;
}

CK_RV kmp_C_SetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh,
			      CK_ATTRIBUTE_PTR templ, CK_ULONG count)
{
	struct kmp_target t;
	struct kmp_call call;
	CK_RV rv;

	if (templ == NULL && count > 0)
		return kmp_session_or(h, CKR_ARGUMENTS_BAD);
	pthread_mutex_lock(&kmp_gl.lock);
	rv = kmp_call_inlock(&call, h);
	if (rv == CKR_OK) {
		switch (kmp_resolve_inlock(&call, oh, &t)) {
		case KMP_HANDLE_SESSION_OBJECT:
			rv = kmp_sobject_set(t.sobject, templ, count);
			break;
		case KMP_HANDLE_TOKEN_OBJECT:
			rv = rename_token_object_relocking(&call, oh, templ, count);
			break;
		default:
			rv = CKR_OBJECT_HANDLE_INVALID;
		}
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

/* ---- key pairs: session ones made here; token ones ordered (RSA) or
 * made here (EC, Edwards) and stored ---- */

/* A session pair: made off-lock (an RSA key takes a while), then added
 * if the session still exists. */
static CK_RV session_key_pair(CK_SESSION_HANDLE h, const struct kmp_keygen *g,
			      const struct kmp_pair_templates *t,
			      CK_OBJECT_HANDLE *pub_out, CK_OBJECT_HANDLE *priv_out)
{
	struct kmp_call call;
	EVP_PKEY *key;
	CK_RV rv = kmp_keygen_local(g, &key);

	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&kmp_gl.lock);
	rv = kmp_call_inlock(&call, h);
	/* A C_Logout while the key was made: no private object after it. */
	if (rv == CKR_OK)
		rv = may_create_inlock(call.slot, t->pub, t->n_pub, false);
	if (rv == CKR_OK)
		rv = may_create_inlock(call.slot, t->priv, t->n_priv, true);
	if (rv == CKR_OK)
		rv = kmp_sobject_key_pair(&kmp_gl.sobjects, h, call.slot_id, t,
					  key, pub_out, priv_out);
	pthread_mutex_unlock(&kmp_gl.lock);
	EVP_PKEY_free(key);
	return rv;
}

struct key_pair {
	const struct kmp_keygen *g;
	km_uuid container;
};

/* Makes the pair and stores it, the templates' CKA_ID in the container's
 * name. */
static CK_RV make_key_pair(struct km_token *token, struct km_snapshot *unused,
			   void *arg)
{
	const struct kmp_keygen *g = ((struct key_pair *)arg)->g;
	char *container = ((struct key_pair *)arg)->container;
	char *name = km_container_name(g->label, g->id, g->id_len);
	EVP_PKEY *key = NULL;
	CK_RV rv = name != NULL ? CKR_OK : CKR_HOST_MEMORY;

	(void)unused;
	if (rv == CKR_OK && g->type == CKK_RSA)
		rv = kmp_rv_of(km_order_keypair(token, name, g->bits,
						km_token_config(token)->order_wait,
						container));
	else if (rv == CKR_OK && (rv = kmp_keygen_local(g, &key)) == CKR_OK)
		rv = kmp_store_key_pair(token, key, name, container);
	EVP_PKEY_free(key);
	free(name);
	return rv;
}

CK_RV kmp_C_GenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			    CK_ATTRIBUTE_PTR pub, CK_ULONG n_pub,
			    CK_ATTRIBUTE_PTR priv, CK_ULONG n_priv,
			    CK_OBJECT_HANDLE_PTR pub_out,
			    CK_OBJECT_HANDLE_PTR priv_out)
{
	struct kmp_pair_templates t = {pub, priv, n_pub, n_priv, 0};
	struct kmp_call call;
	struct kmp_keygen g;
	struct key_pair made = {.g = &g};
	CK_RV rv;

	if (m == NULL || (pub == NULL && n_pub > 0) ||
	    (priv == NULL && n_priv > 0) || pub_out == NULL || priv_out == NULL)
		return kmp_session_or(h, CKR_ARGUMENTS_BAD);
	pthread_mutex_lock(&kmp_gl.lock);
	rv = kmp_call_inlock(&call, h);
	if (rv == CKR_OK)
		rv = kmp_keygen_parse(m, pub, n_pub, priv, n_priv, &g);
	if (rv == CKR_OK && !g.token) {
		t.mechanism = g.mechanism;
		rv = kmp_sobject_pair_check(&t, g.type);
		if (rv == CKR_OK)
			rv = may_create_inlock(call.slot, pub, n_pub, false);
		if (rv == CKR_OK)
			rv = may_create_inlock(call.slot, priv, n_priv, true);
		pthread_mutex_unlock(&kmp_gl.lock);
		return rv != CKR_OK ? rv
				    : session_key_pair(h, &g, &t, pub_out, priv_out);
	}
	if (rv == CKR_OK)
		rv = may_write_inlock(&call);
	/* A container the token would not show would be lost. */
	if (rv == CKR_OK &&
	    !km_token_config_shows(km_token_config(call.slot->token), g.label)) {
		km_error("'%s' does not match the token's containers patterns",
			 g.label);
		rv = CKR_TEMPLATE_INCONSISTENT;
	}
	if (rv == CKR_OK)
		rv = kmp_offlock_relocking(&call, NULL, make_key_pair, &made);
	if (rv == CKR_OK)
		rv = kmp_relist_relocking(&call);
	if (rv == CKR_OK)
		rv = kmp_made_inlock(call.slot, made.container,
				     KMP_ROLE_PRIVATE_KEY, 0, priv_out);
	if (rv == CKR_OK)
		rv = kmp_made_inlock(call.slot, made.container,
				     KMP_ROLE_PUBLIC_KEY, 0, pub_out);
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

/* ---- C_GenerateKey: Key Manager orders ---- */

/* The Key Manager refused the request's content (HTTP 400): the code of
 * the argument that carried it. */
static CK_RV refused_as(km_err e, CK_RV code)
{
	return e.kind == KM_REFUSED ? code : kmp_rv_of(e);
}

/* The rsa container of a stored-key order's private key. */
static CK_RV stored_key_inlock(struct kmp_slot *slot, CK_OBJECT_HANDLE key,
			       km_uuid container)
{
	struct kmp_object *obj = kmp_token_object_inlock(slot, key);

	if (obj == NULL || obj->role != KMP_ROLE_PRIVATE_KEY ||
	    obj->container == NULL || obj->container->type != KM_CONTAINER_RSA) {
		km_error("certificate order: hKey is not the private key of a "
			 "key pair the Key Manager made (an rsa container)");
		return CKR_MECHANISM_PARAM_INVALID;
	}
	snprintf(container, sizeof(km_uuid), "%s", obj->container->uuid);
	return CKR_OK;
}

/* The secrets of the key a CSR was made with: they join the container
 * of the certificate, which is then complete. */
static CK_RV csr_key_inlock(struct kmp_slot *slot, CK_OBJECT_HANDLE key,
			    struct km_key_secrets *out)
{
	struct kmp_object *obj = kmp_token_object_inlock(slot, key);

	/* A standalone key would stop being one, and its handle change. */
	if (obj == NULL || obj->role != KMP_ROLE_PRIVATE_KEY || obj->container == NULL) {
		km_error("certificate order: hKey is not the private key of a "
			 "container of the token");
		return CKR_MECHANISM_PARAM_INVALID;
	}
	snprintf(out->private_key, sizeof(out->private_key), "%s", obj->secret);
	snprintf(out->passphrase, sizeof(out->passphrase), "%s",
		 obj->container->passphrase);
	return CKR_OK;
}

/* What the order refers to on the token: a stored-key order's key pair
 * (its container), or the key a CSR was made with (key->private_key
 * set). */
static CK_RV order_key_inlock(struct kmp_slot *slot,
			      const struct kmp_order_request *req,
			      km_uuid container, struct km_key_secrets *key)
{
	if (strcmp(req->request_type, "stored-key") == 0)
		return stored_key_inlock(slot, req->key, container);
	if (req->key == CK_INVALID_HANDLE)
		return CKR_OK;
	if (req->label[0] == '\0') {
		km_error("certificate order: a CSR's key joins the container, "
			 "which then needs a CKA_LABEL");
		return CKR_TEMPLATE_INCOMPLETE;
	}
	return csr_key_inlock(slot, req->key, key);
}

struct certificate_order {
	const struct kmp_order_request *req;
	km_uuid container;
	struct km_key_secrets key;
	struct km_order order;
};

static CK_RV order_certificate(struct km_token *token,
			       struct km_snapshot *unused, void *arg)
{
	struct certificate_order *o = arg;
	struct km_certificate_request req = kmp_order_request_km(o->req);

	(void)unused;
	return refused_as(km_order_certificate(token, &req,
					       o->container[0] ? o->container : NULL,
					       o->key.private_key[0] ? &o->key : NULL,
					       o->req->wait, &o->order),
			  CKR_MECHANISM_PARAM_INVALID);
}

static CK_RV certificate_order_relocking(struct kmp_call *call,
					 const CK_MECHANISM *m,
					 const CK_ATTRIBUTE *templ,
					 CK_ULONG count, CK_OBJECT_HANDLE *out)
{
	struct kmp_slot *slot = call->slot;
	struct kmp_order_request req;
	struct certificate_order o = {.req = &req, .key = {"", ""}};
	struct kmp_order *item = NULL;
	CK_RV rv = kmp_order_request_parse(m, templ, count, &req);

	if (rv != CKR_OK)
		return rv;
	if (req.label[0] &&
	    !km_token_config_shows(km_token_config(slot->token), req.label)) {
		km_error("certificate order: '%s' does not match the token's "
			 "containers patterns", req.label);
		rv = CKR_TEMPLATE_INCONSISTENT;
	}
	if (rv == CKR_OK)
		rv = order_key_inlock(slot, &req, o.container, &o.key);
	if (rv == CKR_OK)
		rv = kmp_offlock_relocking(call, NULL, order_certificate, &o);
	OPENSSL_cleanse(&o.key, sizeof(o.key));
	if (rv == CKR_OK && (item = kmp_orders_put(&slot->orders,
						   km_token_serial(slot->token),
						   &o.order)) == NULL)
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK) {
		*out = item->handle;
		/* An issued certificate is found at once; the order exists
		 * whatever the listing does (the next find lists again). */
		if (!item->pending && kmp_relist_relocking(call) != CKR_OK)
			km_warning("certificate order '%s': issued; its "
				   "certificate shows once a listing succeeds",
				   req.label);
	}
	km_order_clear(&o.order);
	kmp_order_request_free(&req);
	return rv;
}

/* A session key never reaches the Key Manager: made here, of the
 * mechanism's key type. */
static CK_RV session_key_inlock(const struct kmp_call *call, bool aes,
				const CK_ATTRIBUTE *templ, CK_ULONG count,
				CK_ULONG len, CK_OBJECT_HANDLE *out)
{
	CK_KEY_TYPE type = aes ? CKK_AES : CKK_GENERIC_SECRET;
	CK_ATTRIBUTE *typed = calloc(count + 1, sizeof(*typed));
	unsigned char value[64];
	CK_RV rv = CKR_HOST_MEMORY;

	if (typed != NULL && km_random_bytes(value, len)) {
		if (count > 0)
			memcpy(typed, templ, count * sizeof(*typed));
		if (kmp_template_find(templ, count, CKA_KEY_TYPE) == NULL)
			typed[count++] = (CK_ATTRIBUTE){CKA_KEY_TYPE, &type, sizeof(type)};
		rv = kmp_sobject_secret(&kmp_gl.sobjects, call->handle,
					call->slot_id, typed, count, value, len,
					aes ? CKM_AES_KEY_GEN : CKM_GENERIC_SECRET_KEY_GEN,
					out);
	}
	OPENSSL_cleanse(value, sizeof(value));
	free(typed);
	return rv;
}

struct key_order {
	char name[128];
	bool aes;
	int bits;
	km_uuid secret;
};

static CK_RV order_key(struct km_token *token, struct km_snapshot *unused,
		       void *arg)
{
	struct key_order *o = arg;

	(void)unused;
	return refused_as(km_order_key(token, o->name, o->aes, o->bits,
				       km_token_config(token)->order_wait,
				       o->secret),
			  CKR_TEMPLATE_INCONSISTENT);
}

/* CKM_AES_KEY_GEN, CKM_GENERIC_SECRET_KEY_GEN: a key order, or a session
 * key made here. */
static CK_RV key_order_relocking(struct kmp_call *call, const CK_MECHANISM *m,
				 const CK_ATTRIBUTE *templ, CK_ULONG count,
				 CK_OBJECT_HANDLE *out)
{
	bool aes = m->mechanism == CKM_AES_KEY_GEN;
	struct kmp_bytes label = kmp_template_bytes(templ, count, CKA_LABEL);
	struct key_order o = {.aes = aes};
	CK_ULONG len, type;
	CK_RV rv = kmp_template_ulong(templ, count, CKA_VALUE_LEN, &len);

	if (m->pParameter != NULL || m->ulParameterLen != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	if (rv != CKR_OK)
		return rv;
	if ((aes && len != 16 && len != 24 && len != 32) ||
	    (!aes && (len < 8 || len > 64)) ||
	    label.len >= sizeof(o.name) || (label.len > 0 && memchr(label.data, '\0', label.len)))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	rv = kmp_template_ulong(templ, count, CKA_KEY_TYPE, &type);
	if (rv == CKR_ATTRIBUTE_VALUE_INVALID ||
	    (rv == CKR_OK && type != (aes ? CKK_AES : CKK_GENERIC_SECRET)))
		return CKR_TEMPLATE_INCONSISTENT;
	if (!kmp_template_bool(templ, count, CKA_TOKEN, false))
		return session_key_inlock(call, aes, templ, count, len, out);
	if (!km_token_config(call->slot->token)->show_secrets) {
		km_error("C_GenerateKey: this token shows no standalone secrets "
			 "(show_secrets = no): the key would be lost");
		return CKR_TEMPLATE_INCONSISTENT;
	}
	snprintf(o.name, sizeof(o.name), "%.*s", (int)label.len,
		 label.data ? (const char *)label.data : "");
	o.bits = (int)len * 8;
	rv = kmp_offlock_relocking(call, NULL, order_key, &o);
	if (rv == CKR_OK)
		rv = kmp_relist_relocking(call);
	if (rv == CKR_OK)
		rv = kmp_made_inlock(call->slot, o.secret, KMP_ROLE_SECRET_KEY, 0, out);
	return rv;
}

CK_RV kmp_C_GenerateKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			CK_ATTRIBUTE_PTR templ, CK_ULONG count,
			CK_OBJECT_HANDLE_PTR out)
{
	struct kmp_call call;
	bool token_key;
	CK_RV rv;

	if (m == NULL || (templ == NULL && count > 0) || out == NULL)
		return kmp_session_or(h, CKR_ARGUMENTS_BAD);
	token_key = kmp_template_bool(templ, count, CKA_TOKEN, false);
	pthread_mutex_lock(&kmp_gl.lock);
	/* A bad session outranks a bad mechanism (v2.40 5.1.7). */
	rv = kmp_call_inlock(&call, h);
	if (rv == CKR_OK && m->mechanism != CKM_KMP11_CERTIFICATE_ORDER &&
	    m->mechanism != CKM_AES_KEY_GEN &&
	    m->mechanism != CKM_GENERIC_SECRET_KEY_GEN)
		rv = CKR_MECHANISM_INVALID;
	if (rv == CKR_OK && (token_key || m->mechanism == CKM_KMP11_CERTIFICATE_ORDER))
		rv = may_write_inlock(&call);
	else if (rv == CKR_OK)
		rv = may_create_inlock(call.slot, templ, count, true);
	if (rv == CKR_OK && m->mechanism == CKM_KMP11_CERTIFICATE_ORDER)
		rv = certificate_order_relocking(&call, m, templ, count, out);
	else if (rv == CKR_OK)
		rv = key_order_relocking(&call, m, templ, count, out);
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

