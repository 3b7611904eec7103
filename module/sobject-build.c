#include "module/sobject-build.h"

#include "module/keyattrs.h"
#include "module/keybuild.h"
#include "module/newobject.h"
#include "tokens/crypto-ctx.h"

#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

/* ---- the schema: which attributes a template may give ---- */

/* Every object's. */
static const CK_ATTRIBUTE_TYPE storage_attrs[] = {
	CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE, CKA_COPYABLE,
	CKA_DESTROYABLE, CKA_LABEL,
};
/* Every key's. (CKA_ALLOWED_MECHANISMS is not: kmp11 would not enforce
 * it, so a template giving it is refused.) */
static const CK_ATTRIBUTE_TYPE key_attrs[] = {
	CKA_KEY_TYPE, CKA_ID, CKA_START_DATE, CKA_END_DATE, CKA_DERIVE,
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
/* A private key given whole: its own attributes and its components. */
static const CK_ATTRIBUTE_TYPE given_private_attrs[] = {
	CKA_SUBJECT, CKA_SENSITIVE, CKA_DECRYPT, CKA_SIGN, CKA_SIGN_RECOVER,
	CKA_UNWRAP, CKA_EXTRACTABLE, CKA_WRAP_WITH_TRUSTED,
	CKA_ALWAYS_AUTHENTICATE, CKA_MODULUS, CKA_PUBLIC_EXPONENT,
	CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1,
	CKA_EXPONENT_2, CKA_COEFFICIENT, CKA_EC_PARAMS, CKA_EC_POINT, CKA_VALUE,
	CKA_PUBLIC_KEY_INFO,
};
static const CK_ATTRIBUTE_TYPE certificate_attrs[] = {
	CKA_CERTIFICATE_TYPE, CKA_TRUSTED, CKA_CERTIFICATE_CATEGORY,
	CKA_CHECK_VALUE, CKA_START_DATE, CKA_END_DATE, CKA_PUBLIC_KEY_INFO,
	CKA_SUBJECT, CKA_ID, CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_VALUE, CKA_URL,
	CKA_HASH_OF_SUBJECT_PUBLIC_KEY, CKA_HASH_OF_ISSUER_PUBLIC_KEY,
	CKA_JAVA_MIDP_SECURITY_DOMAIN,
};
static const CK_ATTRIBUTE_TYPE data_attrs[] = {
	CKA_APPLICATION, CKA_OBJECT_ID, CKA_VALUE,
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
static const struct bool_default storage_defaults[] = {
	{CKA_TOKEN, CK_FALSE},       {CKA_MODIFIABLE, CK_TRUE},
	{CKA_COPYABLE, CK_TRUE},     {CKA_DESTROYABLE, CK_TRUE},
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
static const struct bool_default certificate_defaults[] = {
	{CKA_PRIVATE, CK_FALSE},     {CKA_TRUSTED, CK_FALSE},
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

/* The attributes a class allows beyond every object's. */
struct schema {
	const CK_ATTRIBUTE_TYPE *own;
	size_t n_own;
	bool key; /* a key: key_attrs too */
};
#define SCHEMA(list, is_key) ((struct schema){list, N(list), is_key})

/* Attribute i of the template: a value where it has a length, a
 * boolean of one byte 0 or 1, not given before. */
static CK_RV well_formed(const CK_ATTRIBUTE *templ, CK_ULONG i)
{
	CK_ATTRIBUTE_TYPE t = templ[i].type;

	if (!kmp_template_value_ok(&templ[i]))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (listed(bool_types, N(bool_types), t) &&
	    (templ[i].ulValueLen != 1 || templ[i].pValue == NULL ||
	     *(const CK_BBOOL *)templ[i].pValue > 1))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	return kmp_template_find(templ, i, t) != NULL ? CKR_TEMPLATE_INCONSISTENT
						      : CKR_OK;
}

/* Every attribute the schema allows, given once, well-formed. */
static CK_RV check_template(const CK_ATTRIBUTE *templ, CK_ULONG n,
			    struct schema s)
{
	CK_RV rv = CKR_OK;

	for (CK_ULONG i = 0; rv == CKR_OK && i < n; i++) {
		CK_ATTRIBUTE_TYPE t = templ[i].type;
		if (!listed(storage_attrs, N(storage_attrs), t) &&
		    !(s.key && listed(key_attrs, N(key_attrs), t)) &&
		    !listed(s.own, s.n_own, t))
			return CKR_ATTRIBUTE_TYPE_INVALID;
		rv = well_formed(templ, i);
	}
	return rv;
}

/* ---- building the object ---- */

static void add_defaults(struct kmp_builder *b, const CK_ATTRIBUTE *templ,
			 CK_ULONG n, const struct bool_default *d, size_t nd)
{
	for (size_t i = 0; i < nd; i++)
		if (kmp_template_find(templ, n, d[i].type) == NULL)
			kmp_add_bool(b, d[i].type, d[i].value);
}

static void add_empty(struct kmp_builder *b, const CK_ATTRIBUTE *templ,
		      CK_ULONG n, const CK_ATTRIBUTE_TYPE *types, size_t nt)
{
	for (size_t i = 0; i < nt; i++)
		if (kmp_template_find(templ, n, types[i]) == NULL)
			kmp_add_bytes(b, types[i], NULL, 0);
}

/* The template's attributes, a sensitive value hidden, and what every
 * object has. */
static void add_given(struct kmp_builder *b, const CK_ATTRIBUTE *templ,
		      CK_ULONG n)
{
	static const CK_ATTRIBUTE_TYPE empty[] = {CKA_LABEL};
	bool sensitive = kmp_template_bool(templ, n, CKA_SENSITIVE, false);

	for (CK_ULONG i = 0; i < n; i++) {
		if (templ[i].type == CKA_VALUE && sensitive)
			kmp_add_sensitive(b, CKA_VALUE);
		else
			kmp_add_bytes(b, templ[i].type, templ[i].pValue,
				      templ[i].ulValueLen);
	}
	add_defaults(b, templ, n, storage_defaults, N(storage_defaults));
	add_empty(b, templ, n, empty, N(empty));
}

/* The template's and every key's attributes; made_by: the mechanism
 * that generated the key, CK_UNAVAILABLE_INFORMATION if none did (then
 * it is not CKA_LOCAL). */
static void add_common(struct kmp_builder *b, const CK_ATTRIBUTE *templ,
		       CK_ULONG n, CK_MECHANISM_TYPE made_by)
{
	static const CK_ATTRIBUTE_TYPE empty[] = {CKA_ID, CKA_START_DATE,
						  CKA_END_DATE};

	add_given(b, templ, n);
	if (kmp_template_find(templ, n, CKA_DERIVE) == NULL)
		kmp_add_bool(b, CKA_DERIVE, false);
	add_empty(b, templ, n, empty, N(empty));
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

void kmp_sobject_release(struct kmp_sobject *o)
{
	EVP_PKEY_free(o->key.pkey);
	if (o->key.secret != NULL)
		OPENSSL_cleanse((void *)o->key.secret, o->key.secret_len);
	free((void *)o->key.secret);
	kmp_attrs_free(o->attrs);
}

/* The template without the attributes in drop (which the object's key
 * or certificate gives itself); NULL without memory. */
static CK_ATTRIBUTE *given_part(const CK_ATTRIBUTE *templ, CK_ULONG n,
				const CK_ATTRIBUTE_TYPE *drop, size_t n_drop,
				CK_ULONG *kept)
{
	CK_ATTRIBUTE *out = calloc(n + 1, sizeof(*out));

	*kept = 0;
	for (CK_ULONG i = 0; out != NULL && i < n; i++)
		if (!listed(drop, n_drop, templ[i].type))
			out[(*kept)++] = templ[i];
	return out;
}

/* What kmp_add_key gives a key object. */
static const CK_ATTRIBUTE_TYPE key_made[] = {
	CKA_CLASS, CKA_KEY_TYPE, CKA_MODULUS_BITS, CKA_MODULUS,
	CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2,
	CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT, CKA_EC_PARAMS,
	CKA_EC_POINT, CKA_VALUE, CKA_PUBLIC_KEY_INFO,
};

/* ---- objects an application gives whole ---- */

static CK_RV private_key(struct kmp_sobject *o, const CK_ATTRIBUTE *templ,
			 CK_ULONG n)
{
	CK_KEY_TYPE type;
	CK_RV rv = check_template(templ, n, SCHEMA(given_private_attrs, true));

	if (rv == CKR_OK)
		rv = kmp_template_ulong(templ, n, CKA_KEY_TYPE, &type);
	if (rv == CKR_OK)
		rv = kmp_template_private_key(templ, n, type, &o->key.pkey);
	return rv != CKR_OK ? rv
			    : kmp_sobject_build_key(o, templ, n, CKO_PRIVATE_KEY,
						    CK_UNAVAILABLE_INFORMATION);
}

/* A certificate: the template's attributes, and what its value says
 * (subject, issuer, serial number, dates...) over what the template did. */
static CK_RV certificate(struct kmp_sobject *o, const CK_ATTRIBUTE *templ,
			 CK_ULONG n)
{
	static const CK_ATTRIBUTE_TYPE made[] = {
		CKA_CLASS, CKA_VALUE, CKA_CHECK_VALUE, CKA_SUBJECT, CKA_ISSUER,
		CKA_SERIAL_NUMBER, CKA_PUBLIC_KEY_INFO, CKA_START_DATE,
		CKA_END_DATE, CKA_URL, CKA_HASH_OF_SUBJECT_PUBLIC_KEY,
		CKA_HASH_OF_ISSUER_PUBLIC_KEY, CKA_JAVA_MIDP_SECURITY_DOMAIN,
	};
	static const CK_ATTRIBUTE_TYPE empty[] = {CKA_ID};
	struct kmp_builder b = {0};
	CK_ATTRIBUTE *given;
	CK_ULONG kept;
	X509 *cert = NULL;
	CK_RV rv = check_template(templ, n, SCHEMA(certificate_attrs, false));

	if (rv == CKR_OK)
		rv = kmp_template_certificate(templ, n, &cert);
	if (rv == CKR_OK && !kmp_template_find(templ, n, CKA_CERTIFICATE_TYPE))
		rv = CKR_TEMPLATE_INCOMPLETE;
	if (rv == CKR_OK &&
	    (given = given_part(templ, n, made, N(made), &kept)) == NULL)
		rv = CKR_HOST_MEMORY;
	if (rv != CKR_OK) {
		X509_free(cert);
		return rv;
	}
	kmp_add_ulong(&b, CKA_CLASS, CKO_CERTIFICATE);
	add_given(&b, given, kept);
	free(given);
	kmp_add_certificate(&b, cert);
	X509_free(cert);
	add_defaults(&b, templ, n, certificate_defaults, N(certificate_defaults));
	add_empty(&b, templ, n, empty, N(empty));
	if (!kmp_template_find(templ, n, CKA_CERTIFICATE_CATEGORY))
		kmp_add_ulong(&b, CKA_CERTIFICATE_CATEGORY, 0);
	return (o->attrs = kmp_builder_finish(&b)) != NULL ? CKR_OK
							   : CKR_HOST_MEMORY;
}

static CK_RV data_object(struct kmp_sobject *o, const CK_ATTRIBUTE *templ,
			 CK_ULONG n)
{
	static const CK_ATTRIBUTE_TYPE empty[] = {CKA_APPLICATION,
						  CKA_OBJECT_ID, CKA_VALUE};
	struct kmp_builder b = {0};
	CK_RV rv = check_template(templ, n, SCHEMA(data_attrs, false));

	if (rv != CKR_OK)
		return rv;
	add_given(&b, templ, n);
	if (!kmp_template_find(templ, n, CKA_PRIVATE))
		kmp_add_bool(&b, CKA_PRIVATE, false);
	add_empty(&b, templ, n, empty, N(empty));
	return (o->attrs = kmp_builder_finish(&b)) != NULL ? CKR_OK
							   : CKR_HOST_MEMORY;
}

/* Public and secret keys: checked, then their values and defaults. */
static CK_RV plain_key(struct kmp_sobject *o, const CK_ATTRIBUTE *templ,
		       CK_ULONG n, CK_OBJECT_CLASS klass)
{
	struct kmp_builder b = {0};
	CK_KEY_TYPE type;
	CK_RV rv = check_template(templ, n,
				  klass == CKO_PUBLIC_KEY ? SCHEMA(public_attrs, true)
							  : SCHEMA(secret_attrs, true));

	if (rv == CKR_OK)
		rv = kmp_template_ulong(templ, n, CKA_KEY_TYPE, &type);
	if (rv == CKR_OK)
		rv = klass == CKO_PUBLIC_KEY ? public_key(o, templ, n, type, &b)
					     : secret_key(o, templ, n, type, &b);
	if (rv != CKR_OK) {
		kmp_attrs_free(kmp_builder_finish(&b));
		return rv;
	}
	add_common(&b, templ, n, CK_UNAVAILABLE_INFORMATION);
	if (o->key.pkey != NULL)
		add_public_key_info(&b, o->key.pkey);
	o->key.type = type;
	return (o->attrs = kmp_builder_finish(&b)) != NULL ? CKR_OK
							   : CKR_HOST_MEMORY;
}

CK_RV kmp_sobject_build(struct kmp_sobject *o, const CK_ATTRIBUTE *templ,
			CK_ULONG n)
{
	CK_OBJECT_CLASS klass;
	CK_RV rv = kmp_template_ulong(templ, n, CKA_CLASS, &klass);

	if (rv != CKR_OK)
		return rv;
	switch (klass) {
	case CKO_PUBLIC_KEY:
	case CKO_SECRET_KEY:
		return plain_key(o, templ, n, klass);
	case CKO_PRIVATE_KEY:
		return private_key(o, templ, n);
	case CKO_CERTIFICATE:
		return certificate(o, templ, n);
	case CKO_DATA:
		return data_object(o, templ, n);
	default:
		return CKR_ATTRIBUTE_VALUE_INVALID;
	}
}

/*
 * CKA_SENSITIVE may only become TRUE and CKA_EXTRACTABLE only FALSE once
 * a key exists (v2.40 4.9, table 70's footnotes 11 and 12), by
 * C_SetAttributeValue or C_CopyObject: CKR_ATTRIBUTE_READ_ONLY going
 * back. -1 for the other attributes.
 */
static long latched(const CK_ATTRIBUTE *a, const CK_ATTRIBUTE *t)
{
	CK_BBOOL to;

	if (t->type != CKA_SENSITIVE && t->type != CKA_EXTRACTABLE)
		return -1;
	if (a == NULL || a->ulValueLen != 1)
		return CKR_ATTRIBUTE_TYPE_INVALID;
	to = *(CK_BBOOL *)t->pValue;
	return to == *(CK_BBOOL *)a->pValue ||
			       to == (t->type == CKA_SENSITIVE ? CK_TRUE : CK_FALSE)
		       ? CKR_OK : CKR_ATTRIBUTE_READ_ONLY;
}

void kmp_sobject_hide_secrets(CK_ATTRIBUTE *attrs)
{
	static const CK_ATTRIBUTE_TYPE secrets[] = {
		CKA_VALUE, CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2,
		CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT,
	};
	CK_ULONG klass;
	CK_ATTRIBUTE *a;

	if (!kmp_attrs_find_ulong(attrs, CKA_CLASS, &klass) ||
	    (klass != CKO_SECRET_KEY && klass != CKO_PRIVATE_KEY) ||
	    (kmp_attrs_bool(attrs, CKA_SENSITIVE, CK_FALSE) == CK_FALSE &&
	     kmp_attrs_bool(attrs, CKA_EXTRACTABLE, CK_TRUE) == CK_TRUE))
		return;
	for (size_t i = 0; i < N(secrets); i++)
		if ((a = kmp_attrs_find(attrs, secrets[i])) != NULL &&
		    a->ulValueLen != KMP_SENSITIVE_LEN) {
			OPENSSL_cleanse(a->pValue, a->ulValueLen);
			a->pValue = NULL;
			a->ulValueLen = KMP_SENSITIVE_LEN;
		}
}

CK_RV kmp_sobject_check_changes(CK_ATTRIBUTE *attrs, const CK_ATTRIBUTE *templ,
				CK_ULONG n)
{
	static const CK_ATTRIBUTE_TYPE modifiable[] = {
		CKA_LABEL, CKA_ID, CKA_SUBJECT, CKA_START_DATE, CKA_END_DATE,
		CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN, CKA_VERIFY, CKA_WRAP,
		CKA_UNWRAP, CKA_DERIVE, CKA_APPLICATION, CKA_OBJECT_ID,
	};

	CK_RV rv = CKR_OK;
	long latch;

	for (CK_ULONG i = 0; rv == CKR_OK && i < n; i++) {
		const CK_ATTRIBUTE *a = kmp_attrs_find(attrs, templ[i].type);
		if (a == NULL)
			rv = CKR_ATTRIBUTE_TYPE_INVALID; /* not the object's */
		else if (listed(modifiable, N(modifiable), templ[i].type))
			rv = well_formed(templ, i);
		else if ((rv = well_formed(templ, i)) == CKR_OK &&
			 (latch = latched(a, &templ[i])) >= 0)
			rv = (CK_RV)latch;
		else if (rv == CKR_OK)
			rv = CKR_ATTRIBUTE_READ_ONLY;
	}
	return rv;
}

CK_RV kmp_sobject_check_copy(CK_ATTRIBUTE *attrs,
			     const CK_ATTRIBUTE *templ, CK_ULONG n)
{
	static const CK_ATTRIBUTE_TYPE changeable[] = {
		CKA_LABEL, CKA_ID, CKA_START_DATE, CKA_END_DATE,
		CKA_APPLICATION, CKA_OBJECT_ID,
	};
	/* This stays what it is: a copy weakens nothing. */
	static const CK_ATTRIBUTE_TYPE kept[] = {CKA_PRIVATE};
	/* These may only be taken away. */
	static const CK_ATTRIBUTE_TYPE lowered[] = {
		CKA_MODIFIABLE, CKA_COPYABLE, CKA_DESTROYABLE,
	};
	CK_RV rv = CKR_OK;
	long latch;

	for (CK_ULONG i = 0; rv == CKR_OK && i < n; i++) {
		const CK_ATTRIBUTE *t = &templ[i], *a = kmp_attrs_find(attrs, t->type);
		if ((rv = well_formed(templ, i)) != CKR_OK)
			break;
		if ((latch = latched(a, t)) >= 0)
			rv = (CK_RV)latch;
		else if (t->type == CKA_TOKEN)
			rv = *(CK_BBOOL *)t->pValue ? CKR_TEMPLATE_INCONSISTENT
						    : CKR_OK;
		else if (listed(kept, N(kept), t->type))
			rv = a != NULL && a->ulValueLen == 1 && t->ulValueLen == 1 &&
					     *(CK_BBOOL *)a->pValue == *(CK_BBOOL *)t->pValue
				     ? CKR_OK : CKR_ATTRIBUTE_READ_ONLY;
		else if (listed(lowered, N(lowered), t->type))
			rv = *(CK_BBOOL *)t->pValue == CK_FALSE ||
					     (a != NULL && a->ulValueLen == 1 &&
					      *(CK_BBOOL *)a->pValue == CK_TRUE)
				     ? CKR_OK : CKR_ATTRIBUTE_READ_ONLY;
		else if (!listed(changeable, N(changeable), t->type))
			rv = CKR_ATTRIBUTE_READ_ONLY;
		else if (a == NULL) /* not one of this object's */
			rv = CKR_ATTRIBUTE_TYPE_INVALID;
	}
	return rv;
}

/* ---- keys made here ---- */

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
	rv = check_template(templ, n,
			    klass == CKO_PUBLIC_KEY
				    ? SCHEMA(generated_public_attrs, true)
				    : SCHEMA(private_attrs, true));
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

EVP_PKEY *kmp_public_half(EVP_PKEY *key)
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(key, &der);
	const unsigned char *p = der;
	EVP_PKEY *pub = len > 0 ? d2i_PUBKEY_ex(NULL, &p, len, km_libctx(), NULL) : NULL;

	OPENSSL_free(der);
	return pub;
}

CK_RV kmp_sobject_build_key(struct kmp_sobject *o, const CK_ATTRIBUTE *templ,
			     CK_ULONG n, CK_OBJECT_CLASS klass,
			     CK_MECHANISM_TYPE made_by)
{
	bool sensitive = kmp_template_bool(templ, n, CKA_SENSITIVE, true);
	bool extractable = kmp_template_bool(templ, n, CKA_EXTRACTABLE, false);
	struct kmp_builder b = {0};
	CK_ULONG kept;
	CK_ATTRIBUTE *given = given_part(templ, n, key_made, N(key_made), &kept);

	if (given == NULL || o->key.pkey == NULL) {
		free(given);
		return CKR_HOST_MEMORY;
	}
	o->key.type = kmp_key_type(o->key.pkey);
	kmp_add_ulong(&b, CKA_CLASS, klass);
	add_common(&b, given, kept, made_by);
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
	return (o->attrs = kmp_builder_finish(&b)) != NULL ? CKR_OK
							   : CKR_HOST_MEMORY;
}
