/*
 * A private key read out of an extractable token, rebuilt as an OpenSSL
 * key from its PKCS#11 components. Scratch copies are wiped.
 */
#include "tools/tool.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <p11-kit/p11-kit.h>
#include <stdlib.h>
#include <string.h>

struct component {
	CK_ATTRIBUTE_TYPE type;
	const char *param;
	unsigned char *value;
	CK_ULONG len;
};

static void wipe(struct component *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (c[i].value != NULL)
			OPENSSL_cleanse(c[i].value, c[i].len);
		free(c[i].value);
		c[i].value = NULL;
	}
}

static CK_RV read_all(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		      struct component *c, size_t n)
{
	CK_RV rv = CKR_OK;

	for (size_t i = 0; rv == CKR_OK && i < n; i++)
		rv = tool_attr(t, s, o, c[i].type, &c[i].value, &c[i].len);
	return rv;
}

/* OpenSSL 3.0 has no OSSL_PARAM_clear_free. */
static void params_clear_free(OSSL_PARAM *params)
{
	for (OSSL_PARAM *p = params; p != NULL && p->key != NULL; p++)
		if (p->data != NULL)
			OPENSSL_cleanse(p->data, p->data_size);
	OSSL_PARAM_free(params);
}

static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *bld)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY *key = NULL;

	if (ctx == NULL || params == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) != 1)
		key = NULL;
	params_clear_free(params);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

static EVP_PKEY *rsa_key(struct component *c, size_t n)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *bn[8] = {0};
	EVP_PKEY *key = NULL;
	bool ok = bld != NULL;

	for (size_t i = 0; ok && i < n; i++)
		ok = (bn[i] = BN_bin2bn(c[i].value, (int)c[i].len, NULL)) &&
		     OSSL_PARAM_BLD_push_BN(bld, c[i].param, bn[i]);
	if (ok)
		key = from_params("RSA", bld);
	for (size_t i = 0; i < n; i++)
		BN_clear_free(bn[i]);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

/* CKA_EC_PARAMS (a named curve OID) and CKA_EC_POINT (an OCTET STRING)
 * with the private value. */
static EVP_PKEY *ec_key(struct component *c)
{
	const unsigned char *p = c[0].value;
	ASN1_OBJECT *oid = d2i_ASN1_OBJECT(NULL, &p, (long)c[0].len);
	ASN1_OCTET_STRING *point = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *priv = BN_bin2bn(c[2].value, (int)c[2].len, NULL);
	const char *curve = oid ? OBJ_nid2sn(OBJ_obj2nid(oid)) : NULL;
	EVP_PKEY *key = NULL;

	p = c[1].value;
	point = d2i_ASN1_OCTET_STRING(NULL, &p, (long)c[1].len);
	if (curve != NULL && point != NULL && bld != NULL && priv != NULL &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					    curve, 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					     point->data,
					     (size_t)point->length) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv))
		key = from_params("EC", bld);
	BN_clear_free(priv);
	OSSL_PARAM_BLD_free(bld);
	ASN1_OCTET_STRING_free(point);
	ASN1_OBJECT_free(oid);
	return key;
}

EVP_PKEY *tool_private_key(struct tool *t, CK_SESSION_HANDLE s,
			   CK_OBJECT_HANDLE o, const char **why)
{
	struct component rsa[] = {
		{CKA_MODULUS, OSSL_PKEY_PARAM_RSA_N, NULL, 0},
		{CKA_PUBLIC_EXPONENT, OSSL_PKEY_PARAM_RSA_E, NULL, 0},
		{CKA_PRIVATE_EXPONENT, OSSL_PKEY_PARAM_RSA_D, NULL, 0},
		{CKA_PRIME_1, OSSL_PKEY_PARAM_RSA_FACTOR1, NULL, 0},
		{CKA_PRIME_2, OSSL_PKEY_PARAM_RSA_FACTOR2, NULL, 0},
		{CKA_EXPONENT_1, OSSL_PKEY_PARAM_RSA_EXPONENT1, NULL, 0},
		{CKA_EXPONENT_2, OSSL_PKEY_PARAM_RSA_EXPONENT2, NULL, 0},
		{CKA_COEFFICIENT, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, NULL, 0},
	};
	struct component ec[] = {{CKA_EC_PARAMS, NULL, NULL, 0},
				 {CKA_EC_POINT, NULL, NULL, 0},
				 {CKA_VALUE, NULL, NULL, 0}};
	struct component ed[] = {{CKA_VALUE, NULL, NULL, 0}};
	CK_KEY_TYPE type = CK_UNAVAILABLE_INFORMATION;
	CK_BBOOL extractable = CK_FALSE;
	CK_ATTRIBUTE a[] = {{CKA_KEY_TYPE, &type, sizeof(type)},
			    {CKA_EXTRACTABLE, &extractable, 1}};
	EVP_PKEY *key = NULL;
	CK_RV rv = t->f->C_GetAttributeValue(s, o, a, 2);

	*why = NULL;
	if (rv == CKR_OK && !extractable) {
		*why = "the key is not extractable: its token needs "
		       "'extractable = yes' in kmp11.conf";
		return NULL;
	}
	if (rv != CKR_OK) {
		/* said below */
	} else if (type == CKK_RSA) {
		if ((rv = read_all(t, s, o, rsa, 8)) == CKR_OK)
			key = rsa_key(rsa, 8);
		wipe(rsa, 8);
	} else if (type == CKK_EC) {
		if ((rv = read_all(t, s, o, ec, 3)) == CKR_OK)
			key = ec_key(ec);
		wipe(ec, 3);
	} else if (type == CKK_EC_EDWARDS) {
		if ((rv = read_all(t, s, o, ed, 1)) == CKR_OK)
			key = EVP_PKEY_new_raw_private_key(
				EVP_PKEY_ED25519, NULL, ed[0].value, ed[0].len);
		wipe(ed, 1);
	} else {
		*why = "unsupported key type";
	}
	if (rv != CKR_OK)
		*why = p11_kit_strerror(rv);
	else if (key == NULL && *why == NULL)
		*why = "its components do not make a valid key";
	return key;
}
