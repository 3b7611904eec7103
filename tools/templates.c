#include "tools/templates.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <stdlib.h>
#include <string.h>

static void add(struct tool_template *t, CK_ATTRIBUTE_TYPE type,
		const void *value, CK_ULONG len)
{
	if (t->n == TOOL_TEMPLATE_MAX) {
		t->failed = true;
		return;
	}
	t->attrs[t->n++] = (CK_ATTRIBUTE){type, (void *)value, len};
}

/* Adds bytes the template owns (and wipes when freed); takes data. */
static void add_owned(struct tool_template *t, CK_ATTRIBUTE_TYPE type,
		      unsigned char *data, size_t len)
{
	if (data == NULL || t->n_owned == TOOL_TEMPLATE_MAX) {
		t->failed = true;
		OPENSSL_clear_free(data, len);
		return;
	}
	t->owned[t->n_owned] = data;
	t->owned_len[t->n_owned++] = len;
	add(t, type, data, len);
}

static void add_bn(struct tool_template *t, CK_ATTRIBUTE_TYPE type,
		   EVP_PKEY *key, const char *param, int pad)
{
	BIGNUM *bn = NULL;
	int len = 0;
	unsigned char *data = NULL;

	if (EVP_PKEY_get_bn_param(key, param, &bn) &&
	    (len = pad ? pad : BN_num_bytes(bn)) > 0 &&
	    (data = OPENSSL_malloc((size_t)len)) != NULL &&
	    BN_bn2binpad(bn, data, len) != len) {
		OPENSSL_clear_free(data, (size_t)len);
		data = NULL;
	}
	add_owned(t, type, data, (size_t)len);
	BN_clear_free(bn);
}

/* The DER of a curve's OID: CKA_EC_PARAMS. */
static void add_curve(struct tool_template *t, int nid)
{
	unsigned char *der = NULL;
	int len = i2d_ASN1_OBJECT(OBJ_nid2obj(nid), &der);

	add_owned(t, CKA_EC_PARAMS, len > 0 ? der : NULL, len > 0 ? (size_t)len : 0);
}

static void add_common(struct tool_template *t, CK_OBJECT_CLASS klass,
		       const char *label)
{
	t->klass = klass;
	t->yes = CK_TRUE;
	add(t, CKA_CLASS, &t->klass, sizeof(t->klass));
	add(t, CKA_TOKEN, &t->yes, 1);
	if (label != NULL)
		add(t, CKA_LABEL, label, strlen(label));
}

bool tool_template_key(struct tool_template *t, EVP_PKEY *key,
		       const char *label)
{
	static const char *const rsa[] = {
		OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E,
		OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_FACTOR1,
		OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};
	static const CK_ATTRIBUTE_TYPE rsa_types[] = {
		CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
		CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT,
	};
	char group[64];
	size_t len = 0;
	unsigned char *raw;

	memset(t, 0, sizeof(*t));
	add_common(t, CKO_PRIVATE_KEY, label);
	add(t, CKA_KEY_TYPE, &t->key_type, sizeof(t->key_type));
	add(t, CKA_SENSITIVE, &t->yes, 1);
	add(t, CKA_PRIVATE, &t->yes, 1);
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		t->key_type = CKK_RSA;
		for (size_t i = 0; i < 8; i++)
			add_bn(t, rsa_types[i], key, rsa[i], 0);
		break;
	case EVP_PKEY_EC:
		t->key_type = CKK_EC;
		if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
						    group, sizeof(group), NULL))
			return false;
		add_curve(t, OBJ_txt2nid(group));
		add_bn(t, CKA_VALUE, key, OSSL_PKEY_PARAM_PRIV_KEY,
		       (EVP_PKEY_get_bits(key) + 7) / 8);
		break;
	case EVP_PKEY_ED25519:
		t->key_type = CKK_EC_EDWARDS;
		add_curve(t, NID_ED25519);
		if (!EVP_PKEY_get_raw_private_key(key, NULL, &len) ||
		    (raw = OPENSSL_malloc(len)) == NULL ||
		    !EVP_PKEY_get_raw_private_key(key, raw, &len))
			return false;
		add_owned(t, CKA_VALUE, raw, len);
		break;
	default:
		return false;
	}
	ERR_clear_error();
	return !t->failed;
}

bool tool_template_cert(struct tool_template *t, X509 *cert, const char *label,
			bool authority)
{
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der);

	memset(t, 0, sizeof(*t));
	add_common(t, CKO_CERTIFICATE, label);
	t->cert_type = CKC_X_509;
	t->category = authority ? 2 : 1;
	add(t, CKA_CERTIFICATE_TYPE, &t->cert_type, sizeof(t->cert_type));
	add(t, CKA_CERTIFICATE_CATEGORY, &t->category, sizeof(t->category));
	add_owned(t, CKA_VALUE, len > 0 ? der : NULL, len > 0 ? (size_t)len : 0);
	return !t->failed;
}

void tool_template_free(struct tool_template *t)
{
	for (size_t i = 0; i < t->n_owned; i++)
		OPENSSL_clear_free(t->owned[i], t->owned_len[i]);
	t->n_owned = 0;
}
