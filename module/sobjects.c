#include "module/sobjects.h"

#include "module/keyattrs.h"
#include "module/keybuild.h"
#include "module/newobject.h"

#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

/* ---- the schema: which attributes a template may give ---- */

static const CK_ATTRIBUTE_TYPE common_attrs[] = {
	CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE, CKA_COPYABLE,
	CKA_DESTROYABLE, CKA_LABEL, CKA_KEY_TYPE, CKA_ID, CKA_START_DATE,
	CKA_END_DATE, CKA_DERIVE, CKA_ALLOWED_MECHANISMS,
};
static const CK_ATTRIBUTE_TYPE public_attrs[] = {
	CKA_SUBJECT, CKA_ENCRYPT, CKA_VERIFY, CKA_VERIFY_RECOVER, CKA_WRAP,
	CKA_TRUSTED, CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_EC_PARAMS,
	CKA_EC_POINT,
};
static const CK_ATTRIBUTE_TYPE private_attrs[] = {
	CKA_SUBJECT, CKA_SENSITIVE, CKA_DECRYPT, CKA_SIGN, CKA_SIGN_RECOVER,
	CKA_UNWRAP, CKA_EXTRACTABLE, CKA_WRAP_WITH_TRUSTED,
	CKA_ALWAYS_AUTHENTICATE,
};
/* What a generation template gives of a public key; the key's own
 * values (modulus, point) come from the key made. */
static const CK_ATTRIBUTE_TYPE generated_public_attrs[] = {
	CKA_SUBJECT, CKA_ENCRYPT, CKA_VERIFY, CKA_VERIFY_RECOVER, CKA_WRAP,
	CKA_TRUSTED, CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT, CKA_EC_PARAMS,
};
static const CK_ATTRIBUTE_TYPE secret_attrs[] = {
	CKA_SENSITIVE, CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN, CKA_VERIFY,
	CKA_WRAP, CKA_UNWRAP, CKA_EXTRACTABLE, CKA_VALUE, CKA_VALUE_LEN,
	CKA_WRAP_WITH_TRUSTED, CKA_TRUSTED,
};

/* Boolean attributes and the value they take when a template omits
 * them (v2.40 leaves most defaults to the token). */
struct bool_default {
	CK_ATTRIBUTE_TYPE type;
	CK_BBOOL value;
};
static const struct bool_default common_defaults[] = {
	{CKA_TOKEN, CK_FALSE},       {CKA_MODIFIABLE, CK_TRUE},
	{CKA_COPYABLE, CK_FALSE},    {CKA_DESTROYABLE, CK_TRUE},
	{CKA_DERIVE, CK_FALSE},
};
static const struct bool_default public_defaults[] = {
	{CKA_PRIVATE, CK_FALSE},     {CKA_ENCRYPT, CK_TRUE},
	{CKA_VERIFY, CK_TRUE},       {CKA_VERIFY_RECOVER, CK_FALSE},
	{CKA_WRAP, CK_FALSE},        {CKA_TRUSTED, CK_FALSE},
};
static const struct bool_default private_defaults[] = {
	{CKA_PRIVATE, CK_TRUE},      {CKA_SENSITIVE, CK_TRUE},
	{CKA_EXTRACTABLE, CK_FALSE}, {CKA_DECRYPT, CK_TRUE},
	{CKA_SIGN, CK_TRUE},         {CKA_SIGN_RECOVER, CK_FALSE},
	{CKA_UNWRAP, CK_FALSE},      {CKA_WRAP_WITH_TRUSTED, CK_FALSE},
	{CKA_ALWAYS_AUTHENTICATE, CK_FALSE},
};
static const struct bool_default secret_defaults[] = {
	{CKA_PRIVATE, CK_TRUE},      {CKA_SENSITIVE, CK_FALSE},
	{CKA_EXTRACTABLE, CK_TRUE},  {CKA_ENCRYPT, CK_TRUE},
	{CKA_DECRYPT, CK_TRUE},      {CKA_SIGN, CK_TRUE},
	{CKA_VERIFY, CK_TRUE},       {CKA_WRAP, CK_FALSE},
	{CKA_UNWRAP, CK_FALSE},      {CKA_WRAP_WITH_TRUSTED, CK_FALSE},
	{CKA_TRUSTED, CK_FALSE},
};
static const CK_ATTRIBUTE_TYPE bool_types[] = {
	CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE, CKA_COPYABLE, CKA_DESTROYABLE,
	CKA_DERIVE, CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN, CKA_VERIFY,
	CKA_VERIFY_RECOVER, CKA_WRAP, CKA_UNWRAP, CKA_TRUSTED, CKA_SENSITIVE,
	CKA_EXTRACTABLE, CKA_WRAP_WITH_TRUSTED, CKA_SIGN_RECOVER,
	CKA_ALWAYS_AUTHENTICATE,
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static bool listed(const CK_ATTRIBUTE_TYPE *list, size_t n, CK_ATTRIBUTE_TYPE t)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == t)
			return true;
	return false;
}

/* Every attribute the common ones or own allow, given once,
 * well-formed. */
static CK_RV check_template(const CK_ATTRIBUTE *templ, CK_ULONG n,
			    const CK_ATTRIBUTE_TYPE *own, size_t n_own)
{
	for (CK_ULONG i = 0; i < n; i++) {
		CK_ATTRIBUTE_TYPE t = templ[i].type;
		if (!listed(common_attrs, N(common_attrs), t) &&
		    !listed(own, n_own, t))
			return CKR_ATTRIBUTE_TYPE_INVALID;
		if (templ[i].pValue == NULL && templ[i].ulValueLen > 0)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		if (listed(bool_types, N(bool_types), t) &&
		    (templ[i].ulValueLen != 1 || templ[i].pValue == NULL ||
		     *(const CK_BBOOL *)templ[i].pValue > 1))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		if (kmp_template_find(templ, i, t) != NULL)
			return CKR_TEMPLATE_INCONSISTENT; /* given twice */
	}
	return CKR_OK;
}

/* ---- building the object ---- */

static void add_defaults(struct kmp_builder *b, const CK_ATTRIBUTE *templ,
			 CK_ULONG n, const struct bool_default *d, size_t nd)
{
	for (size_t i = 0; i < nd; i++)
		if (kmp_template_find(templ, n, d[i].type) == NULL)
			kmp_add_bool(b, d[i].type, d[i].value);
}

/* The template's attributes and the common defaults; made_by: the
 * mechanism that generated the key, CK_UNAVAILABLE_INFORMATION if none
 * did (then it is not CKA_LOCAL). */
static void add_common(struct kmp_builder *b, const CK_ATTRIBUTE *templ,
		       CK_ULONG n, CK_MECHANISM_TYPE made_by)
{
	static const CK_ATTRIBUTE_TYPE empty[] = {CKA_LABEL, CKA_ID,
						  CKA_START_DATE, CKA_END_DATE};
	bool sensitive = kmp_template_bool(templ, n, CKA_SENSITIVE, false);

	for (CK_ULONG i = 0; i < n; i++) {
		if (templ[i].type == CKA_VALUE && sensitive)
			kmp_add_sensitive(b, CKA_VALUE);
		else
			kmp_add_bytes(b, templ[i].type, templ[i].pValue,
				      templ[i].ulValueLen);
	}
	add_defaults(b, templ, n, common_defaults, N(common_defaults));
	for (size_t i = 0; i < N(empty); i++)
		if (kmp_template_find(templ, n, empty[i]) == NULL)
			kmp_add_bytes(b, empty[i], NULL, 0);
	kmp_add_bool(b, CKA_LOCAL, made_by != CK_UNAVAILABLE_INFORMATION);
	kmp_add_ulong(b, CKA_KEY_GEN_MECHANISM, made_by);
}

static CK_RV public_key(struct kmp_sobject *o, const CK_ATTRIBUTE *templ,
			CK_ULONG n, CK_KEY_TYPE type, struct kmp_builder *b)
{
	CK_RV rv = kmp_template_public_key(templ, n, type, &o->key.pkey);

	if (rv != CKR_OK)
		return rv;
	add_defaults(b, templ, n, public_defaults, N(public_defaults));
	if (!kmp_template_find(templ, n, CKA_SUBJECT))
		kmp_add_bytes(b, CKA_SUBJECT, NULL, 0);
	if (type == CKK_RSA)
		kmp_add_ulong(b, CKA_MODULUS_BITS,
			      (CK_ULONG)EVP_PKEY_get_bits(o->key.pkey));
	return CKR_OK;
}

static CK_RV secret_key(struct kmp_sobject *o, const CK_ATTRIBUTE *templ,
			CK_ULONG n, CK_KEY_TYPE type, struct kmp_builder *b)
{
	struct kmp_bytes value = kmp_template_bytes(templ, n, CKA_VALUE);
	CK_ULONG len;
	bool sensitive = kmp_template_bool(templ, n, CKA_SENSITIVE, false);
	bool extractable = kmp_template_bool(templ, n, CKA_EXTRACTABLE, true);

	if (type != CKK_AES && type != CKK_GENERIC_SECRET)
		return CKR_ATTRIBUTE_VALUE_INVALID; /* CKA_KEY_TYPE */
	if (value.data == NULL || value.len == 0)
		return CKR_TEMPLATE_INCOMPLETE;
	if ((type == CKK_AES && value.len != 16 && value.len != 24 &&
	     value.len != 32) ||
	    (kmp_template_ulong(templ, n, CKA_VALUE_LEN, &len) == CKR_OK && len != value.len))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if ((o->key.secret = malloc(value.len)) == NULL)
		return CKR_HOST_MEMORY;
	memcpy((unsigned char *)o->key.secret, value.data, value.len);
	o->key.secret_len = value.len;
	add_defaults(b, templ, n, secret_defaults, N(secret_defaults));
	if (!kmp_template_find(templ, n, CKA_VALUE_LEN))
		kmp_add_ulong(b, CKA_VALUE_LEN, (CK_ULONG)value.len);
	kmp_add_bool(b, CKA_ALWAYS_SENSITIVE, sensitive);
	kmp_add_bool(b, CKA_NEVER_EXTRACTABLE, !extractable);
	return CKR_OK;
}

static void add_public_key_info(struct kmp_builder *b, EVP_PKEY *key)
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(key, &der);

	if (len > 0)
		kmp_add_bytes(b, CKA_PUBLIC_KEY_INFO, der, (size_t)len);
	OPENSSL_free(der);
}

static void release(struct kmp_sobject *o)
{
	EVP_PKEY_free(o->key.pkey);
	if (o->key.secret != NULL)
		OPENSSL_cleanse((void *)o->key.secret, o->key.secret_len);
	free((void *)o->key.secret);
	kmp_attrs_free(o->attrs);
}

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
	struct kmp_builder b = {0};
	CK_OBJECT_CLASS klass;
	CK_KEY_TYPE type;
	CK_RV rv = kmp_template_ulong(templ, count, CKA_CLASS, &klass);

	if (rv == CKR_OK && klass != CKO_PUBLIC_KEY && klass != CKO_SECRET_KEY)
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
	if (rv == CKR_OK)
		rv = klass == CKO_PUBLIC_KEY
			     ? check_template(templ, count, public_attrs, N(public_attrs))
			     : check_template(templ, count, secret_attrs, N(secret_attrs));
	if (rv == CKR_OK)
		rv = kmp_template_ulong(templ, count, CKA_KEY_TYPE, &type);
	if (rv == CKR_OK)
		rv = klass == CKO_PUBLIC_KEY
			     ? public_key(&o, templ, count, type, &b)
			     : secret_key(&o, templ, count, type, &b);
	if (rv == CKR_OK) {
		add_common(&b, templ, count, CK_UNAVAILABLE_INFORMATION);
		if (o.key.pkey != NULL)
			add_public_key_info(&b, o.key.pkey);
		o.key.type = type;
		if ((o.attrs = kmp_builder_finish(&b)) == NULL)
			rv = CKR_HOST_MEMORY;
	} else {
		kmp_attrs_free(kmp_builder_finish(&b));
	}
	if (rv == CKR_OK)
		rv = add(s, &o, handle);
	if (rv != CKR_OK)
		release(&o);
	return rv;
}

/* ---- key pairs made here ---- */

/* Attributes the key made gives, which a generation template cannot. */
static const CK_ATTRIBUTE_TYPE made_only[] = {
	CKA_MODULUS, CKA_EC_POINT, CKA_VALUE, CKA_PRIVATE_EXPONENT,
	CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2,
	CKA_COEFFICIENT, CKA_LOCAL, CKA_KEY_GEN_MECHANISM,
	CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, CKA_PUBLIC_KEY_INFO,
};

/* One generation template: its own attributes only, and CKA_CLASS and
 * CKA_KEY_TYPE, where given, the pair's. */
static CK_RV check_half(const CK_ATTRIBUTE *templ, CK_ULONG n,
			CK_OBJECT_CLASS klass, CK_KEY_TYPE type)
{
	CK_ULONG v;
	CK_RV rv;

	for (CK_ULONG i = 0; i < n; i++)
		if (listed(made_only, N(made_only), templ[i].type))
			return CKR_TEMPLATE_INCONSISTENT;
	rv = klass == CKO_PUBLIC_KEY
		     ? check_template(templ, n, generated_public_attrs,
				      N(generated_public_attrs))
		     : check_template(templ, n, private_attrs, N(private_attrs));
	if (rv == CKR_OK && (rv = kmp_template_ulong(templ, n, CKA_CLASS, &v)) == CKR_OK)
		rv = v == klass ? CKR_OK : CKR_TEMPLATE_INCONSISTENT;
	if (rv == CKR_TEMPLATE_INCOMPLETE)
		rv = CKR_OK;
	if (rv == CKR_OK && (rv = kmp_template_ulong(templ, n, CKA_KEY_TYPE, &v)) == CKR_OK)
		rv = v == type ? CKR_OK : CKR_TEMPLATE_INCONSISTENT;
	return rv == CKR_TEMPLATE_INCOMPLETE ? CKR_OK : rv;
}

CK_RV kmp_sobject_pair_check(const struct kmp_pair_templates *t,
			     CK_KEY_TYPE type)
{
	CK_RV rv = check_half(t->pub, t->n_pub, CKO_PUBLIC_KEY, type);

	return rv != CKR_OK ? rv : check_half(t->priv, t->n_priv, CKO_PRIVATE_KEY, type);
}

/* The template without what the key made gives itself. */
static CK_ATTRIBUTE *given_part(const CK_ATTRIBUTE *templ, CK_ULONG n,
				CK_ULONG *kept)
{
	static const CK_ATTRIBUTE_TYPE made[] = {
		CKA_CLASS, CKA_KEY_TYPE, CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT,
		CKA_EC_PARAMS,
	};
	CK_ATTRIBUTE *out = calloc(n + 1, sizeof(*out));

	*kept = 0;
	for (CK_ULONG i = 0; out != NULL && i < n; i++)
		if (!listed(made, N(made), templ[i].type))
			out[(*kept)++] = templ[i];
	return out;
}

/* A public key of its own for the public half: the private numbers stay
 * with the private one. */
static EVP_PKEY *public_half(EVP_PKEY *key)
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(key, &der);
	const unsigned char *p = der;
	EVP_PKEY *pub = len > 0 ? d2i_PUBKEY(NULL, &p, len) : NULL;

	OPENSSL_free(der);
	return pub;
}

static CK_RV add_half(struct kmp_sobjects *s, struct kmp_sobject *o,
		      const CK_ATTRIBUTE *templ, CK_ULONG n,
		      CK_OBJECT_CLASS klass, CK_MECHANISM_TYPE mechanism,
		      CK_OBJECT_HANDLE *handle)
{
	bool sensitive = kmp_template_bool(templ, n, CKA_SENSITIVE, true);
	bool extractable = kmp_template_bool(templ, n, CKA_EXTRACTABLE, false);
	struct kmp_builder b = {0};
	CK_ULONG kept;
	CK_ATTRIBUTE *given = given_part(templ, n, &kept);

	if (given == NULL || o->key.pkey == NULL) {
		free(given);
		return CKR_HOST_MEMORY;
	}
	o->key.type = kmp_key_type(o->key.pkey);
	kmp_add_ulong(&b, CKA_CLASS, klass);
	add_common(&b, given, kept, mechanism);
	free(given);
	if (!kmp_template_find(templ, n, CKA_SUBJECT))
		kmp_add_bytes(&b, CKA_SUBJECT, NULL, 0);
	if (klass == CKO_PUBLIC_KEY) {
		kmp_add_key(&b, o->key.pkey, KMP_PUBLIC_HALF);
		add_defaults(&b, templ, n, public_defaults, N(public_defaults));
	} else {
		kmp_add_key(&b, o->key.pkey, sensitive ? KMP_PRIVATE_SENSITIVE
						       : KMP_PRIVATE_EXTRACTABLE);
		add_defaults(&b, templ, n, private_defaults, N(private_defaults));
		kmp_add_bool(&b, CKA_ALWAYS_SENSITIVE, sensitive);
		kmp_add_bool(&b, CKA_NEVER_EXTRACTABLE, !extractable);
	}
	if ((o->attrs = kmp_builder_finish(&b)) == NULL)
		return CKR_HOST_MEMORY;
	return add(s, o, handle);
}

CK_RV kmp_sobject_key_pair(struct kmp_sobjects *s, CK_SESSION_HANDLE session,
			   CK_SLOT_ID slot, const struct kmp_pair_templates *t,
			   EVP_PKEY *key, CK_OBJECT_HANDLE *pub,
			   CK_OBJECT_HANDLE *priv)
{
	struct kmp_sobject p = {.session = session, .slot = slot},
			   q = {.session = session, .slot = slot};
	CK_RV rv;

	p.key.pkey = public_half(key);
	if ((rv = add_half(s, &p, t->pub, t->n_pub, CKO_PUBLIC_KEY,
			   t->mechanism, pub)) != CKR_OK) {
		release(&p);
		return rv;
	}
	q.key.pkey = EVP_PKEY_up_ref(key) == 1 ? key : NULL;
	if ((rv = add_half(s, &q, t->priv, t->n_priv, CKO_PRIVATE_KEY,
			   t->mechanism, priv)) != CKR_OK) {
		release(&q);
		kmp_sobject_destroy(s, *pub);
	}
	return rv;
}

CK_RV kmp_sobject_secret(struct kmp_sobjects *s, CK_SESSION_HANDLE session,
			 CK_SLOT_ID slot, const CK_ATTRIBUTE *templ,
			 CK_ULONG count, const unsigned char *value,
			 size_t len, CK_OBJECT_HANDLE *handle)
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
	return rv;
}

CK_RV kmp_sobject_set(struct kmp_sobject *o, const CK_ATTRIBUTE *templ,
		       CK_ULONG count)
{
	static const CK_ATTRIBUTE_TYPE modifiable[] = {
		CKA_LABEL, CKA_ID, CKA_SUBJECT, CKA_START_DATE, CKA_END_DATE,
		CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN, CKA_VERIFY, CKA_WRAP,
		CKA_UNWRAP, CKA_DERIVE,
	};
	CK_ATTRIBUTE *changed, *m = kmp_attrs_find(o->attrs, CKA_MODIFIABLE);

	if (m != NULL && *(CK_BBOOL *)m->pValue == CK_FALSE)
		return CKR_ACTION_PROHIBITED;
	for (CK_ULONG i = 0; i < count; i++) {
		if (!listed(modifiable, N(modifiable), templ[i].type))
			return CKR_ATTRIBUTE_READ_ONLY;
		if ((templ[i].pValue == NULL && templ[i].ulValueLen > 0) ||
		    (listed(bool_types, N(bool_types), templ[i].type) &&
		     (templ[i].ulValueLen != 1 ||
		      *(const CK_BBOOL *)templ[i].pValue > 1)))
			return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	if ((changed = kmp_attrs_with(o->attrs, templ, count)) == NULL)
		return CKR_HOST_MEMORY;
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
	release(&s->items[i]);
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
	CK_ATTRIBUTE *a;

	for (size_t i = s->n; i > 0; i--)
		if (s->items[i - 1].slot == slot &&
		    (a = kmp_attrs_find(s->items[i - 1].attrs, CKA_PRIVATE)) != NULL &&
		    a->ulValueLen == sizeof(CK_BBOOL) && *(CK_BBOOL *)a->pValue == CK_TRUE)
			remove_at(s, i - 1);
}

void kmp_sobjects_clear(struct kmp_sobjects *s)
{
	while (s->n > 0)
		remove_at(s, s->n - 1);
	free(s->items);
	*s = (struct kmp_sobjects){0};
}
