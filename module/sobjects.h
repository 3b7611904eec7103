/*
 * Session objects (CKA_TOKEN FALSE): public keys and secret keys an
 * application creates with C_CreateObject or derives, and key pairs and
 * secret keys it generates, kept in memory for the life of the session
 * that made them. Their handles have the top bit set; token objects'
 * handles never do.
 */
#ifndef KMP11_SOBJECTS_H
#define KMP11_SOBJECTS_H

#include "module/attrs.h"
#include "module/op.h"

#include <stdbool.h>

struct kmp_sobject {
	CK_OBJECT_HANDLE handle;
	CK_SESSION_HANDLE session; /* the creator: the object dies with it */
	CK_SLOT_ID slot;
	CK_ATTRIBUTE *attrs;
	struct kmp_key key; /* owns pkey, or a copy of the secret */
};

struct kmp_sobjects {
	struct kmp_sobject *items;
	size_t n, cap;
	CK_OBJECT_HANDLE last;
};

static inline bool kmp_is_session_handle(CK_OBJECT_HANDLE h)
{
	return (h & ~((CK_OBJECT_HANDLE)-1 >> 1)) != 0;
}

/*
 * Validates a C_CreateObject template (public key: RSA, EC, Edwards;
 * secret key: AES, generic) and adds the object; the attributes get
 * their defaults. CKA_TOKEN TRUE is refused by the caller before.
 */
CK_RV kmp_sobject_create(struct kmp_sobjects *s, CK_SESSION_HANDLE session,
			 CK_SLOT_ID slot, const CK_ATTRIBUTE *templ,
			 CK_ULONG count, CK_OBJECT_HANDLE *handle);
/* The two templates of C_GenerateKeyPair, and its mechanism. */
struct kmp_pair_templates {
	const CK_ATTRIBUTE *pub, *priv;
	CK_ULONG n_pub, n_priv;
	CK_MECHANISM_TYPE mechanism;
};

/* Before the pair is made: each template gives only what its class
 * allows at generation (CKR_TEMPLATE_INCONSISTENT for what the key
 * makes, such as CKA_MODULUS), and a class and key type, if any, that
 * fit. */
CK_RV kmp_sobject_pair_check(const struct kmp_pair_templates *t,
			     CK_KEY_TYPE type);
/* Adds the pair made from key (which the private half references): the
 * templates' attributes, the key's values, the defaults (private keys
 * sensitive and not extractable unless the template says otherwise),
 * CKA_LOCAL TRUE. All or nothing. */
CK_RV kmp_sobject_key_pair(struct kmp_sobjects *s, CK_SESSION_HANDLE session,
			   CK_SLOT_ID slot, const struct kmp_pair_templates *t,
			   EVP_PKEY *key, CK_OBJECT_HANDLE *pub,
			   CK_OBJECT_HANDLE *priv);
/* Adds a secret key of the given value (C_DeriveKey, C_GenerateKey);
 * the template gives its type, length and usage. made_by: the key
 * generation mechanism that made the value, which makes the key
 * CKA_LOCAL; CK_UNAVAILABLE_INFORMATION for a derived key. */
CK_RV kmp_sobject_secret(struct kmp_sobjects *s, CK_SESSION_HANDLE session,
			 CK_SLOT_ID slot, const CK_ATTRIBUTE *templ,
			 CK_ULONG count, const unsigned char *value,
			 size_t len, CK_MECHANISM_TYPE made_by,
			 CK_OBJECT_HANDLE *handle);
/* C_CopyObject: a copy of a copyable session object for session, with
 * the template's changes (module/sobject-build.h says which). */
CK_RV kmp_sobject_copy(struct kmp_sobjects *s, CK_OBJECT_HANDLE original,
			CK_SESSION_HANDLE session, const CK_ATTRIBUTE *templ,
			CK_ULONG count, CK_OBJECT_HANDLE *handle);
struct kmp_sobject *kmp_sobject_get(struct kmp_sobjects *s,
				    CK_OBJECT_HANDLE handle);
/* Whether o's CKA_MODIFIABLE, CKA_COPYABLE or CKA_DESTROYABLE lets a
 * caller change, copy or destroy it (v2.40 4.4: CKR_ACTION_PROHIBITED
 * otherwise). */
bool kmp_sobject_allows(const struct kmp_sobject *o, CK_ATTRIBUTE_TYPE what);
void kmp_sobject_destroy(struct kmp_sobjects *s, CK_OBJECT_HANDLE handle);
/* C_SetAttributeValue: labels, ids, subjects, dates and usage flags of a
 * modifiable object; all or nothing. */
CK_RV kmp_sobject_set(struct kmp_sobject *o, const CK_ATTRIBUTE *templ,
		      CK_ULONG count);
/* Destroys the objects a session made. */
void kmp_sobjects_close_session(struct kmp_sobjects *s,
				CK_SESSION_HANDLE session);
void kmp_sobjects_close_slot(struct kmp_sobjects *s, CK_SLOT_ID slot);
/* At the end of a login: the slot's private objects are destroyed
 * (v2.40 6.7.4), not hidden until the next login. */
void kmp_sobjects_logout(struct kmp_sobjects *s, CK_SLOT_ID slot);
void kmp_sobjects_clear(struct kmp_sobjects *s);

#endif
