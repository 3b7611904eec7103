/*
 * Payloads and key material of the objects a call names: fetched with
 * the lock let go when the token has not cached them yet.
 */
#include "module/slot.h"

#include "module/failures.h"
#include "tokens/log.h"

#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

CK_RV kmp_fetch_needs(struct km_token *token, struct km_snapshot *snap,
		      const struct kmp_need *needs, size_t n)
{
	const struct km_payload *p;
	CK_RV rv = CKR_OK;

	for (size_t i = 0; rv == CKR_OK && i < n; i++) {
		rv = kmp_rv_of(km_token_payload(token, snap, needs[i].uuid,
						needs[i].kind,
						needs[i].passphrase, &p));
		if (rv == CKR_OK)
			km_token_payload_release(token, p);
	}
	return rv;
}

struct needs {
	const struct kmp_need *needs;
	size_t n;
};

static CK_RV fetch(struct km_token *token, struct km_snapshot *snap, void *arg)
{
	const struct needs *w = arg;

	return kmp_fetch_needs(token, snap, w->needs, w->n);
}

CK_RV kmp_fetch_relocking(struct kmp_call *call, const struct kmp_need *needs,
			  size_t n)
{
	struct needs w = {needs, n};

	return kmp_offlock_relocking(call, call->slot->objects->snapshot, fetch, &w);
}

/*
 * Looks an object up, fetching its payloads first when they are missing.
 * Two rounds: what an object needs can change once a payload proves
 * unusable.
 */
CK_RV kmp_object_relocking(struct kmp_call *call, CK_OBJECT_HANDLE handle,
			   struct kmp_object **out)
{
	struct kmp_slot *slot = call->slot;
	struct kmp_object *obj = kmp_token_object_inlock(slot, handle);
	struct kmp_need needs[3];
	CK_RV rv = CKR_OK;

	for (int round = 0; rv == CKR_OK && obj != NULL && !obj->complete &&
			    round < 2;
	     round++) {
		rv = kmp_read_failure(kmp_fetch_relocking(
			call, needs, kmp_object_needs(slot->token, obj, needs)));
		/* The table may have been swapped while unlocked. */
		obj = kmp_token_object_inlock(slot, handle);
		if (rv == CKR_OK && obj != NULL &&
		    !kmp_objects_update(slot->token, slot->objects, obj))
			rv = CKR_HOST_MEMORY;
	}
	if (rv != CKR_OK)
		return rv;
	if (obj == NULL)
		return CKR_OBJECT_HANDLE_INVALID;
	*out = obj;
	return CKR_OK;
}

struct payload_fetch {
	km_uuid secret;
	enum km_payload_kind kind;
	const char *passphrase;
	const struct km_payload *fetched;
};

static CK_RV fetch_payload(struct km_token *token, struct km_snapshot *snap,
			   void *arg)
{
	struct payload_fetch *f = arg;

	return kmp_rv_of(km_token_payload(token, snap, f->secret, f->kind,
					  f->passphrase, &f->fetched));
}

/* A payload, fetched when it is not cached yet. */
static CK_RV payload_relocking(struct kmp_call *call, const char *uuid,
			       enum km_payload_kind kind, const char *passphrase,
			       const struct km_payload **out)
{
	struct km_token *token = call->slot->token;
	/* passphrase lives in the listing, which the reference held while
	 * unlocked keeps; uuid is copied for the lookup after. */
	struct payload_fetch f = {.kind = kind, .passphrase = passphrase};
	CK_RV rv;

	if ((*out = km_token_cached_payload(token, uuid, kind)) != NULL)
		return kmp_rv_of((*out)->error);
	snprintf(f.secret, sizeof(f.secret), "%s", uuid);
	rv = kmp_offlock_relocking(call, call->slot->objects->snapshot,
				   fetch_payload, &f);
	if (f.fetched == NULL)
		return kmp_read_failure(rv);
	/* Dropped meanwhile (C_Logout, a listing without it): not to be
	 * used, though this thread fetched it. */
	*out = km_token_cached_payload(token, f.secret, kind);
	km_token_payload_release(token, f.fetched);
	if (rv != CKR_OK)
		return rv;
	return *out == NULL ? CKR_KEY_HANDLE_INVALID
			    : kmp_read_failure(kmp_rv_of((*out)->error));
}

/* The key material of a token key object. */
static CK_RV token_key_relocking(struct kmp_call *call, struct kmp_object *obj,
				 CK_OBJECT_CLASS klass, struct kmp_key *key)
{
	struct km_token *token = call->slot->token;
	const struct km_payload *p;
	struct kmp_need needs[3];
	CK_RV rv;

	if (klass == CKO_SECRET_KEY) {
		rv = payload_relocking(call, obj->secret, KM_PAYLOAD_BYTES, NULL, &p);
		if (rv == CKR_OK) {
			key->secret = p->bytes;
			key->secret_len = p->len;
		}
		return rv;
	}
	/* A private key's own payload; a public key's first need holds it
	 * (a certificate, a public key or the private key). */
	if (klass == CKO_PRIVATE_KEY)
		p = km_token_cached_payload(token, obj->secret,
					    KM_PAYLOAD_PRIVATE_KEY);
	else
		p = kmp_object_needs(token, obj, needs) > 0
			    ? km_token_cached_payload(token, needs[0].uuid,
						      needs[0].kind)
			    : NULL;
	if (p == NULL)
		return CKR_DEVICE_ERROR;
	key->pkey = p->key ? p->key
		    : p->certificate ? X509_get0_pubkey(p->certificate) : NULL;
	return key->pkey != NULL ? CKR_OK
	       : !km_ok(p->error) ? kmp_rv_of(p->error) : CKR_DEVICE_ERROR;
}

/* The key material of a key object (token or session) whose usage
 * attribute (CKA_SIGN, CKA_DERIVE...) allows the operation. */
CK_RV kmp_key_relocking(struct kmp_call *call, CK_ATTRIBUTE_TYPE usage,
			CK_OBJECT_HANDLE kh, struct kmp_key *key)
{
	struct kmp_target target;
	struct kmp_object *obj = NULL;
	CK_ULONG klass, type;
	CK_ATTRIBUTE *attrs;
	CK_RV rv = CKR_OK;

	switch (kmp_resolve_inlock(call, kh, &target)) {
	case KMP_HANDLE_SESSION_OBJECT:
		attrs = target.sobject->attrs;
		break;
	case KMP_HANDLE_TOKEN_OBJECT:
		rv = kmp_object_relocking(call, kh, &obj);
		attrs = obj != NULL ? obj->attrs : NULL;
		break;
	default:
		return CKR_KEY_HANDLE_INVALID;
	}
	if (rv == CKR_OBJECT_HANDLE_INVALID)
		return CKR_KEY_HANDLE_INVALID;
	if (rv != CKR_OK)
		return rv;
	if (!kmp_attrs_find_ulong(attrs, CKA_CLASS, &klass) ||
	    (klass != CKO_PRIVATE_KEY && klass != CKO_PUBLIC_KEY &&
	     klass != CKO_SECRET_KEY))
		return CKR_KEY_HANDLE_INVALID;
	if (kmp_attrs_bool(attrs, usage, CK_FALSE) != CK_TRUE)
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (!kmp_attrs_find_ulong(attrs, CKA_KEY_TYPE, &type))
		return CKR_KEY_TYPE_INCONSISTENT;
	if (obj == NULL) {
		*key = target.sobject->key;
		return CKR_OK;
	}
	*key = (struct kmp_key){.type = type};
	return token_key_relocking(call, obj, klass, key);
}
