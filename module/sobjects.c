#include "module/sobjects.h"

#include "module/sobject-build.h"

#include <stdlib.h>
#include <string.h>

static CK_RV add(struct kmp_sobjects *s, struct kmp_sobject *o,
		 CK_OBJECT_HANDLE *handle)
{
	struct kmp_sobject *grown;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		if ((grown = realloc(s->items, cap * sizeof(*grown))) == NULL)
			return CKR_HOST_MEMORY;
		s->items = grown;
		s->cap = cap;
	}
	kmp_sobject_hide_secrets(o->attrs);
	/* Session handles count up with the top bit set. */
	o->handle = ++s->last | ~((CK_OBJECT_HANDLE)-1 >> 1);
	s->items[s->n++] = *o;
	*handle = o->handle;
	return CKR_OK;
}

CK_RV kmp_sobject_create(struct kmp_sobjects *s, CK_SESSION_HANDLE session,
			 CK_SLOT_ID slot, const CK_ATTRIBUTE *templ,
			 CK_ULONG count, CK_OBJECT_HANDLE *handle)
{
	struct kmp_sobject o = {.session = session, .slot = slot};
	CK_RV rv = kmp_sobject_build(&o, templ, count);

	if (rv == CKR_OK)
		rv = add(s, &o, handle);
	if (rv != CKR_OK)
		kmp_sobject_release(&o);
	return rv;
}

CK_RV kmp_sobject_key_pair(struct kmp_sobjects *s, CK_SESSION_HANDLE session,
			   CK_SLOT_ID slot, const struct kmp_pair_templates *t,
			   EVP_PKEY *key, CK_OBJECT_HANDLE *pub,
			   CK_OBJECT_HANDLE *priv)
{
	struct kmp_sobject p = {.session = session, .slot = slot},
			   q = {.session = session, .slot = slot};
	CK_RV rv;

	p.key.pkey = kmp_public_half(key);
	rv = kmp_sobject_build_key(&p, t->pub, t->n_pub, CKO_PUBLIC_KEY,
				   t->mechanism);
	if (rv == CKR_OK)
		rv = add(s, &p, pub);
	if (rv != CKR_OK) {
		kmp_sobject_release(&p);
		return rv;
	}
	q.key.pkey = EVP_PKEY_up_ref(key) == 1 ? key : NULL;
	rv = kmp_sobject_build_key(&q, t->priv, t->n_priv, CKO_PRIVATE_KEY,
				   t->mechanism);
	if (rv == CKR_OK)
		rv = add(s, &q, priv);
	if (rv != CKR_OK) {
		kmp_sobject_release(&q);
		kmp_sobject_destroy(s, *pub);
	}
	return rv;
}

/* A key made by made_by: v2.40 4.7, CKA_LOCAL is TRUE only for keys
 * C_GenerateKey or C_GenerateKeyPair made (and their copies). */
static void mark_generated(struct kmp_sobject *o, CK_MECHANISM_TYPE made_by)
{
	CK_ATTRIBUTE *local = kmp_attrs_find(o->attrs, CKA_LOCAL),
		     *mech = kmp_attrs_find(o->attrs, CKA_KEY_GEN_MECHANISM);

	*(CK_BBOOL *)local->pValue = CK_TRUE;
	*(CK_MECHANISM_TYPE *)mech->pValue = made_by;
}

CK_RV kmp_sobject_secret(struct kmp_sobjects *s, CK_SESSION_HANDLE session,
			 CK_SLOT_ID slot, const CK_ATTRIBUTE *templ,
			 CK_ULONG count, const unsigned char *value,
			 size_t len, CK_MECHANISM_TYPE made_by,
			 CK_OBJECT_HANDLE *handle)
{
	static CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
	static CK_KEY_TYPE generic = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE *full = calloc(count + 3, sizeof(*full));
	CK_ULONG n = 0, want = len;
	CK_KEY_TYPE type = CKK_GENERIC_SECRET;
	CK_RV rv;

	if (full == NULL)
		return CKR_HOST_MEMORY;
	kmp_template_ulong(templ, count, CKA_KEY_TYPE, &type);
	/* CKA_VALUE_LEN takes the leading bytes; AES defaults to its
	 * largest size the value allows. */
	if (kmp_template_ulong(templ, count, CKA_VALUE_LEN, &want) != CKR_OK &&
	    type == CKK_AES)
		want = len >= 32 ? 32 : len >= 24 ? 24 : 16;
	for (CK_ULONG i = 0; i < count; i++)
		if (templ[i].type != CKA_VALUE_LEN && templ[i].type != CKA_VALUE)
			full[n++] = templ[i];
	if (!kmp_template_find(templ, count, CKA_CLASS))
		full[n++] = (CK_ATTRIBUTE){CKA_CLASS, &secret, sizeof(secret)};
	if (!kmp_template_find(templ, count, CKA_KEY_TYPE))
		full[n++] = (CK_ATTRIBUTE){CKA_KEY_TYPE, &generic, sizeof(generic)};
	full[n++] = (CK_ATTRIBUTE){CKA_VALUE, (void *)value, want};
	rv = want == 0 || want > len
		     ? CKR_TEMPLATE_INCONSISTENT
		     : kmp_sobject_create(s, session, slot, full, n, handle);
	free(full);
	if (rv == CKR_OK && made_by != CK_UNAVAILABLE_INFORMATION)
		mark_generated(kmp_sobject_get(s, *handle), made_by);
	return rv;
}

bool kmp_sobject_allows(const struct kmp_sobject *o, CK_ATTRIBUTE_TYPE what)
{
	return kmp_attrs_bool(o->attrs, what, CK_TRUE) != CK_FALSE;
}

CK_RV kmp_sobject_copy(struct kmp_sobjects *s, CK_OBJECT_HANDLE original,
			CK_SESSION_HANDLE session, const CK_ATTRIBUTE *templ,
			CK_ULONG count, CK_OBJECT_HANDLE *handle)
{
	struct kmp_sobject *o = kmp_sobject_get(s, original), copy;
	CK_RV rv;

	if (o == NULL)
		return CKR_OBJECT_HANDLE_INVALID;
	if (!kmp_sobject_allows(o, CKA_COPYABLE))
		return CKR_ACTION_PROHIBITED;
	if ((rv = kmp_sobject_check_copy(o->attrs, templ, count)) != CKR_OK)
		return rv;
	copy = (struct kmp_sobject){.session = session, .slot = o->slot,
				    .key = o->key};
	/* The copy holds a reference or a copy of its own. */
	copy.key.secret = NULL;
	if (o->key.pkey != NULL && EVP_PKEY_up_ref(o->key.pkey) != 1)
		copy.key.pkey = NULL;
	if (o->key.secret != NULL &&
	    (copy.key.secret = malloc(o->key.secret_len ? o->key.secret_len : 1)) != NULL)
		memcpy((void *)copy.key.secret, o->key.secret, o->key.secret_len);
	copy.attrs = kmp_attrs_with(o->attrs, templ, count);
	rv = copy.attrs == NULL || (o->key.pkey && !copy.key.pkey) ||
			     (o->key.secret && !copy.key.secret)
		     ? CKR_HOST_MEMORY
		     : add(s, &copy, handle); /* o may move: not used after */
	if (rv != CKR_OK)
		kmp_sobject_release(&copy);
	return rv;
}

CK_RV kmp_sobject_set(struct kmp_sobject *o, const CK_ATTRIBUTE *templ,
		       CK_ULONG count)
{
	CK_ATTRIBUTE *changed;
	CK_RV rv;

	if (!kmp_sobject_allows(o, CKA_MODIFIABLE))
		return CKR_ACTION_PROHIBITED;
	if ((rv = kmp_sobject_check_changes(o->attrs, templ, count)) != CKR_OK)
		return rv;
	if ((changed = kmp_attrs_with(o->attrs, templ, count)) == NULL)
		return CKR_HOST_MEMORY;
	kmp_sobject_hide_secrets(changed);
	kmp_attrs_free(o->attrs);
	o->attrs = changed;
	return CKR_OK;
}

struct kmp_sobject *kmp_sobject_get(struct kmp_sobjects *s,
				    CK_OBJECT_HANDLE handle)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->items[i].handle == handle)
			return &s->items[i];
	return NULL;
}

static void remove_at(struct kmp_sobjects *s, size_t i)
{
	kmp_sobject_release(&s->items[i]);
	s->items[i] = s->items[--s->n];
}

void kmp_sobject_destroy(struct kmp_sobjects *s, CK_OBJECT_HANDLE handle)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->items[i].handle == handle) {
			remove_at(s, i);
			return;
		}
}

void kmp_sobjects_close_session(struct kmp_sobjects *s,
				CK_SESSION_HANDLE session)
{
	for (size_t i = s->n; i > 0; i--)
		if (s->items[i - 1].session == session)
			remove_at(s, i - 1);
}

void kmp_sobjects_close_slot(struct kmp_sobjects *s, CK_SLOT_ID slot)
{
	for (size_t i = s->n; i > 0; i--)
		if (s->items[i - 1].slot == slot)
			remove_at(s, i - 1);
}

void kmp_sobjects_logout(struct kmp_sobjects *s, CK_SLOT_ID slot)
{
	for (size_t i = s->n; i > 0; i--)
		if (s->items[i - 1].slot == slot &&
		    kmp_attrs_bool(s->items[i - 1].attrs, CKA_PRIVATE, CK_FALSE) == CK_TRUE)
			remove_at(s, i - 1);
}

void kmp_sobjects_clear(struct kmp_sobjects *s)
{
	while (s->n > 0)
		remove_at(s, s->n - 1);
	free(s->items);
	*s = (struct kmp_sobjects){0};
}
