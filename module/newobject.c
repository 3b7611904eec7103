#include "module/newobject.h"

#include "module/attrs.h"
#include "module/keyattrs.h"
#include "module/keybuild.h"
#include "tokens/crypto-ctx.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

static const CK_ATTRIBUTE_TYPE bool_types[] = {
	CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE, CKA_COPYABLE, CKA_DESTROYABLE,
	CKA_TRUSTED, CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_ENCRYPT, CKA_DECRYPT,
	CKA_SIGN, CKA_SIGN_RECOVER, CKA_VERIFY, CKA_VERIFY_RECOVER, CKA_WRAP,
	CKA_UNWRAP, CKA_DERIVE, CKA_ALWAYS_AUTHENTICATE, CKA_WRAP_WITH_TRUSTED,
};

/* Well-formed: each attribute once, booleans one byte of 0 or 1, no
 * vendor attribute (kmp11's are not stored objects'). */
static CK_RV check_template(const CK_ATTRIBUTE *templ, CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++) {
		if (templ[i].type >= CKA_VENDOR_DEFINED)
			return CKR_ATTRIBUTE_TYPE_INVALID;
		if (!kmp_template_value_ok(&templ[i]))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		for (size_t j = 0; j < sizeof(bool_types) / sizeof(bool_types[0]); j++)
			if (templ[i].type == bool_types[j] &&
			    (templ[i].ulValueLen != 1 ||
			     *(const CK_BBOOL *)templ[i].pValue > 1))
				return CKR_ATTRIBUTE_VALUE_INVALID;
		if (kmp_template_find(templ, i, templ[i].type) != NULL)
			return CKR_TEMPLATE_INCONSISTENT; /* given twice */
	}
	return CKR_OK;
}

CK_RV kmp_template_certificate(const CK_ATTRIBUTE *templ, CK_ULONG n,
			       X509 **out)
{
	struct kmp_bytes der = kmp_template_bytes(templ, n, CKA_VALUE);
	const unsigned char *p = der.data;
	CK_ULONG v;
	CK_RV rv = kmp_template_ulong(templ, n, CKA_CERTIFICATE_TYPE, &v);

	*out = NULL;
	if ((rv == CKR_OK && v != CKC_X_509) || rv == CKR_ATTRIBUTE_VALUE_INVALID)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (der.len == 0)
		return CKR_TEMPLATE_INCOMPLETE;
	*out = km_certificate_der(&p, (long)der.len);
	ERR_clear_error();
	if (*out == NULL || p != der.data + der.len)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	rv = kmp_template_ulong(templ, n, CKA_CERTIFICATE_CATEGORY, &v);
	return rv == CKR_ATTRIBUTE_VALUE_INVALID || (rv == CKR_OK && v > 3)
		       ? CKR_ATTRIBUTE_VALUE_INVALID : CKR_OK;
}

static CK_RV certificate(const CK_ATTRIBUTE *templ, CK_ULONG n,
			 struct kmp_new_object *o)
{
	CK_ULONG v;
	CK_RV rv = kmp_template_certificate(templ, n, &o->certificate);

	if (rv != CKR_OK)
		return rv;
	o->kind = kmp_template_ulong(templ, n, CKA_CERTIFICATE_CATEGORY, &v) == CKR_OK &&
				  v == 2
			  ? KMP_NEW_INTERMEDIATE
			  : KMP_NEW_CERTIFICATE;
	return CKR_OK;
}

CK_RV kmp_template_private_key(const CK_ATTRIBUTE *templ, CK_ULONG n,
			       CK_KEY_TYPE type, EVP_PKEY **out)
{
	static const CK_ATTRIBUTE_TYPE rsa[] = {
		CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2,
		CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT,
	};
	struct kmp_bytes parts[6], none = {NULL, 0};

	*out = NULL;
	if (type == CKK_RSA) {
		for (size_t i = 0; i < 6; i++)
			if ((parts[i] = kmp_template_bytes(templ, n, rsa[i])).len == 0)
				return CKR_TEMPLATE_INCOMPLETE;
		if (!kmp_template_bytes(templ, n, CKA_MODULUS).len ||
		    !kmp_template_bytes(templ, n, CKA_PUBLIC_EXPONENT).len)
			return CKR_TEMPLATE_INCOMPLETE;
		*out = kmp_rsa_key(km_libctx(),
				   kmp_template_bytes(templ, n, CKA_MODULUS),
				   kmp_template_bytes(templ, n, CKA_PUBLIC_EXPONENT),
				   parts);
	} else if (type == CKK_EC || type == CKK_EC_EDWARDS) {
		if (!kmp_template_bytes(templ, n, CKA_EC_PARAMS).len ||
		    !kmp_template_bytes(templ, n, CKA_VALUE).len)
			return CKR_TEMPLATE_INCOMPLETE;
		*out = kmp_ec_key(km_libctx(),
				  kmp_template_bytes(templ, n, CKA_EC_PARAMS),
				  kmp_template_find(templ, n, CKA_EC_POINT)
					  ? kmp_template_bytes(templ, n, CKA_EC_POINT)
					  : none,
				  kmp_template_bytes(templ, n, CKA_VALUE));
	} else {
		return CKR_ATTRIBUTE_VALUE_INVALID; /* CKA_KEY_TYPE */
	}
	return *out && kmp_key_type(*out) == type ? CKR_OK
						  : CKR_ATTRIBUTE_VALUE_INVALID;
}

CK_RV kmp_template_public_key(const CK_ATTRIBUTE *templ, CK_ULONG n,
			      CK_KEY_TYPE type, EVP_PKEY **out)
{
	struct kmp_bytes none = {NULL, 0};

	*out = NULL;
	if (type == CKK_RSA) {
		if (!kmp_template_bytes(templ, n, CKA_MODULUS).len ||
		    !kmp_template_bytes(templ, n, CKA_PUBLIC_EXPONENT).len)
			return CKR_TEMPLATE_INCOMPLETE;
		*out = kmp_rsa_key(km_libctx(),
				   kmp_template_bytes(templ, n, CKA_MODULUS),
				   kmp_template_bytes(templ, n, CKA_PUBLIC_EXPONENT),
				   NULL);
	} else if (type == CKK_EC || type == CKK_EC_EDWARDS) {
		if (!kmp_template_bytes(templ, n, CKA_EC_PARAMS).len ||
		    !kmp_template_bytes(templ, n, CKA_EC_POINT).len)
			return CKR_TEMPLATE_INCOMPLETE;
		*out = kmp_ec_key(km_libctx(),
				  kmp_template_bytes(templ, n, CKA_EC_PARAMS),
				  kmp_template_bytes(templ, n, CKA_EC_POINT), none);
	} else {
		return CKR_ATTRIBUTE_VALUE_INVALID; /* CKA_KEY_TYPE */
	}
	return *out && kmp_key_type(*out) == type ? CKR_OK
						  : CKR_ATTRIBUTE_VALUE_INVALID;
}

/* Secret keys and data objects: their value's bytes. */
static CK_RV value(const CK_ATTRIBUTE *templ, CK_ULONG n,
		   struct kmp_new_object *o)
{
	struct kmp_bytes v = kmp_template_bytes(templ, n, CKA_VALUE);
	CK_ULONG len;
	CK_RV rv;

	if (v.len == 0)
		return kmp_template_find(templ, n, CKA_VALUE)
			       ? CKR_ATTRIBUTE_VALUE_INVALID /* nothing to store */
			       : CKR_TEMPLATE_INCOMPLETE;
	if (o->kind == KMP_NEW_SECRET_KEY) {
		if (o->key_type != CKK_AES && o->key_type != CKK_GENERIC_SECRET)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		if (o->key_type == CKK_AES && v.len != 16 && v.len != 24 &&
		    v.len != 32)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		rv = kmp_template_ulong(templ, n, CKA_VALUE_LEN, &len);
		if (rv == CKR_ATTRIBUTE_VALUE_INVALID ||
		    (rv == CKR_OK && len != v.len))
			return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	if ((o->value = malloc(v.len)) == NULL)
		return CKR_HOST_MEMORY;
	memcpy(o->value, v.data, v.len);
	o->value_len = v.len;
	return CKR_OK;
}

static CK_RV label_and_id(const CK_ATTRIBUTE *templ, CK_ULONG n,
			  struct kmp_new_object *o)
{
	struct kmp_bytes label = kmp_template_bytes(templ, n, CKA_LABEL);
	struct kmp_bytes id = kmp_template_bytes(templ, n, CKA_ID);

	if (label.len >= sizeof(o->label) || (label.len > 0 && memchr(label.data, '\0', label.len)) ||
	    id.len > sizeof(o->id))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (label.len > 0)
		memcpy(o->label, label.data, label.len);
	o->label[label.len] = '\0';
	if (id.len > 0)
		memcpy(o->id, id.data, id.len);
	o->id_len = id.len;
	return CKR_OK;
}

CK_RV kmp_new_object_parse(const CK_ATTRIBUTE *templ, CK_ULONG n,
			   struct kmp_new_object *o)
{
	CK_OBJECT_CLASS klass;
	CK_RV rv;

	memset(o, 0, sizeof(*o));
	if ((rv = check_template(templ, n)) != CKR_OK ||
	    (rv = kmp_template_ulong(templ, n, CKA_CLASS, &klass)) != CKR_OK ||
	    (rv = label_and_id(templ, n, o)) != CKR_OK)
		return rv;
	switch (klass) {
	case CKO_CERTIFICATE:
		return certificate(templ, n, o);
	case CKO_DATA:
		o->kind = KMP_NEW_DATA;
		return value(templ, n, o);
	case CKO_PRIVATE_KEY:
	case CKO_PUBLIC_KEY:
	case CKO_SECRET_KEY:
		if ((rv = kmp_template_ulong(templ, n, CKA_KEY_TYPE,
					     &o->key_type)) != CKR_OK)
			return rv;
		o->kind = klass == CKO_PRIVATE_KEY  ? KMP_NEW_PRIVATE_KEY
			  : klass == CKO_PUBLIC_KEY ? KMP_NEW_PUBLIC_KEY
						    : KMP_NEW_SECRET_KEY;
		return klass == CKO_PRIVATE_KEY
			       ? kmp_template_private_key(templ, n, o->key_type, &o->key)
		       : klass == CKO_PUBLIC_KEY
			       ? kmp_template_public_key(templ, n, o->key_type, &o->key)
						 : value(templ, n, o);
	default:
		return CKR_ATTRIBUTE_VALUE_INVALID; /* CKA_CLASS */
	}
}

void kmp_new_object_free(struct kmp_new_object *o)
{
	X509_free(o->certificate);
	EVP_PKEY_free(o->key);
	if (o->value != NULL)
		OPENSSL_cleanse(o->value, o->value_len);
	free(o->value);
	memset(o, 0, sizeof(*o));
}
