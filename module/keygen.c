#include "module/keygen.h"

#include "module/attrs.h"
#include "tokens/crypto-ctx.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * What a token key pair template may say. The keys' usage is fixed by
 * their type (see docs/mechanisms.md), so usage booleans are accepted and
 * not stored; CKA_ID goes into the container's name (tokens/names.h).
 */
static const CK_ATTRIBUTE_TYPE allowed[] = {
	CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_LABEL, CKA_ID, CKA_KEY_TYPE,
	CKA_SUBJECT, CKA_MODIFIABLE, CKA_COPYABLE, CKA_DESTROYABLE,
	CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_SIGN, CKA_VERIFY, CKA_DECRYPT,
	CKA_ENCRYPT, CKA_WRAP, CKA_UNWRAP, CKA_DERIVE, CKA_SIGN_RECOVER,
	CKA_VERIFY_RECOVER, CKA_START_DATE, CKA_END_DATE, CKA_MODULUS_BITS,
	CKA_PUBLIC_EXPONENT, CKA_EC_PARAMS,
};

static CK_RV check(const CK_ATTRIBUTE *t, CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++) {
		bool known = false;
		for (size_t j = 0; j < sizeof(allowed) / sizeof(allowed[0]); j++)
			known |= allowed[j] == t[i].type;
		if (!known)
			return CKR_ATTRIBUTE_TYPE_INVALID;
	}
	return CKR_OK;
}

/* CKA_TOKEN of one template: -1 absent, else its value. */
static int token_of(const CK_ATTRIBUTE *t, CK_ULONG n, CK_RV *rv)
{
	const CK_ATTRIBUTE *a = kmp_template_find(t, n, CKA_TOKEN);

	if (a == NULL)
		return -1;
	if (a->ulValueLen != sizeof(CK_BBOOL) || a->pValue == NULL ||
	    *(CK_BBOOL *)a->pValue > 1)
		*rv = CKR_ATTRIBUTE_VALUE_INVALID;
	return a->pValue != NULL && *(CK_BBOOL *)a->pValue == CK_TRUE;
}

/* Both halves in the Key Manager, or both in the session: one saying
 * TRUE makes a token pair unless the other says FALSE. */
static CK_RV where(const CK_ATTRIBUTE *pub, CK_ULONG n_pub,
		   const CK_ATTRIBUTE *priv, CK_ULONG n_priv, struct kmp_keygen *g)
{
	CK_RV rv = CKR_OK;
	int a = token_of(pub, n_pub, &rv), b = token_of(priv, n_priv, &rv);

	if (rv != CKR_OK)
		return rv;
	if ((a == 1 && b == 0) || (a == 0 && b == 1))
		return CKR_TEMPLATE_INCONSISTENT;
	g->token = a == 1 || b == 1;
	return CKR_OK;
}

static CK_RV rsa_size(const CK_ATTRIBUTE *pub, CK_ULONG n, struct kmp_keygen *g)
{
	static const unsigned char f4[] = {0x01, 0x00, 0x01};
	const CK_ATTRIBUTE *bits = kmp_template_find(pub, n, CKA_MODULUS_BITS);
	const CK_ATTRIBUTE *e = kmp_template_find(pub, n, CKA_PUBLIC_EXPONENT);
	CK_ULONG v;
	size_t skip = 0;

	if (bits == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	if (bits->ulValueLen != sizeof(v))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	memcpy(&v, bits->pValue, sizeof(v));
	/* A token pair: what Barbican's asymmetric orders make. */
	if (g->token ? v != 1024 && v != 2048 && v != 3072 && v != 4096
		     : v < 1024 || v > 8192)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	g->bits = (int)v;
	g->exponent = 65537;
	if (e == NULL)
		return CKR_OK;
	while (skip < e->ulValueLen && ((unsigned char *)e->pValue)[skip] == 0)
		skip++;
	/* The Key Manager always uses 65537. */
	if (g->token)
		return e->ulValueLen - skip == sizeof(f4) &&
				       memcmp((unsigned char *)e->pValue + skip,
					      f4, sizeof(f4)) == 0
			       ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
	if (e->ulValueLen - skip > sizeof(uint32_t))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	g->exponent = 0;
	for (size_t i = skip; i < e->ulValueLen; i++)
		g->exponent = g->exponent << 8 | ((unsigned char *)e->pValue)[i];
	return g->exponent >= 3 && g->exponent % 2 == 1
		       ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
}

static CK_RV curve(const CK_ATTRIBUTE *pub, CK_ULONG n, struct kmp_keygen *g)
{
	const CK_ATTRIBUTE *params = kmp_template_find(pub, n, CKA_EC_PARAMS);
	const unsigned char *p;
	ASN1_OBJECT *oid;
	int nid;

	if (params == NULL) {
		if (g->type != CKK_EC_EDWARDS)
			return CKR_TEMPLATE_INCOMPLETE;
		g->curve = "ED25519";
		return CKR_OK;
	}
	p = params->pValue;
	/* A named curve (an OID), or the printable name of an Edwards one. */
	if (params->ulValueLen == 14 && p[0] == 0x13 && p[1] == 12 &&
	    memcmp(p + 2, "edwards25519", 12) == 0) {
		g->curve = "ED25519";
		return g->type == CKK_EC_EDWARDS ? CKR_OK
						 : CKR_ATTRIBUTE_VALUE_INVALID;
	}
	oid = d2i_ASN1_OBJECT(NULL, &p, (long)params->ulValueLen);
	nid = oid ? OBJ_obj2nid(oid) : NID_undef;
	ASN1_OBJECT_free(oid);
	if (g->type == CKK_EC && (nid == NID_X9_62_prime256v1 ||
				  nid == NID_secp384r1 || nid == NID_secp521r1)) {
		g->curve = OBJ_nid2sn(nid);
		g->bits = nid == NID_X9_62_prime256v1 ? 256
			  : nid == NID_secp384r1      ? 384 : 521;
		return CKR_OK;
	}
	if (g->type == CKK_EC_EDWARDS && nid == NID_ED25519) {
		g->curve = "ED25519";
		return CKR_OK;
	}
	return CKR_ATTRIBUTE_VALUE_INVALID;
}

/* The pair's CKA_ID: the templates', which must agree; none: the
 * container's UUID will be. */
static CK_RV pair_id(const CK_ATTRIBUTE *pub, CK_ULONG n_pub,
		     const CK_ATTRIBUTE *priv, CK_ULONG n_priv, struct kmp_keygen *g)
{
	const CK_ATTRIBUTE *a = kmp_template_find(priv, n_priv, CKA_ID);
	const CK_ATTRIBUTE *b = kmp_template_find(pub, n_pub, CKA_ID);

	if (a == NULL)
		a = b;
	if (a == NULL)
		return CKR_OK;
	if (b != NULL && (b->ulValueLen != a->ulValueLen ||
			  (a->ulValueLen > 0 && memcmp(a->pValue, b->pValue, a->ulValueLen) != 0)))
		return CKR_TEMPLATE_INCONSISTENT;
	if (a->ulValueLen > sizeof(g->id))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	g->id_len = a->ulValueLen;
	if (g->id_len > 0)
		memcpy(g->id, a->pValue, g->id_len);
	return CKR_OK;
}

/* The container's name: the private key's label, else the public's. */
static CK_RV label(const CK_ATTRIBUTE *pub, CK_ULONG n_pub,
		   const CK_ATTRIBUTE *priv, CK_ULONG n_priv, struct kmp_keygen *g)
{
	const CK_ATTRIBUTE *l = kmp_template_find(priv, n_priv, CKA_LABEL);

	if (l == NULL || l->ulValueLen == 0)
		l = kmp_template_find(pub, n_pub, CKA_LABEL);
	if (l == NULL || l->ulValueLen == 0)
		return CKR_TEMPLATE_INCOMPLETE;
	if (l->ulValueLen >= sizeof(g->label) ||
	    memchr(l->pValue, '\0', l->ulValueLen) != NULL)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	memcpy(g->label, l->pValue, l->ulValueLen);
	g->label[l->ulValueLen] = '\0';
	return CKR_OK;
}

CK_RV kmp_keygen_parse(const CK_MECHANISM *m, const CK_ATTRIBUTE *pub,
		       CK_ULONG n_pub, const CK_ATTRIBUTE *priv,
		       CK_ULONG n_priv, struct kmp_keygen *g)
{
	CK_RV rv;

	memset(g, 0, sizeof(*g));
	g->mechanism = m->mechanism;
	switch (m->mechanism) {
	case CKM_RSA_PKCS_KEY_PAIR_GEN:
		g->type = CKK_RSA;
		break;
	case CKM_EC_KEY_PAIR_GEN:
		g->type = CKK_EC;
		break;
	case CKM_EC_EDWARDS_KEY_PAIR_GEN:
		g->type = CKK_EC_EDWARDS;
		g->bits = 256;
		break;
	default:
		return CKR_MECHANISM_INVALID;
	}
	if (m->pParameter != NULL || m->ulParameterLen != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	/* A value must be there to be read, whatever the pair. */
	for (CK_ULONG i = 0; i < n_pub; i++)
		if (!kmp_template_value_ok(&pub[i]))
			return CKR_ATTRIBUTE_VALUE_INVALID;
	for (CK_ULONG i = 0; i < n_priv; i++)
		if (!kmp_template_value_ok(&priv[i]))
			return CKR_ATTRIBUTE_VALUE_INVALID;
	if ((rv = where(pub, n_pub, priv, n_priv, g)) != CKR_OK)
		return rv;
	if (g->token &&
	    ((rv = check(pub, n_pub)) != CKR_OK ||
	     (rv = check(priv, n_priv)) != CKR_OK ||
	     (rv = label(pub, n_pub, priv, n_priv, g)) != CKR_OK ||
	     (rv = pair_id(pub, n_pub, priv, n_priv, g)) != CKR_OK))
		return rv;
	if (g->token && !km_container_name_fits(g->label, g->id_len))
		return CKR_ATTRIBUTE_VALUE_INVALID; /* CKA_LABEL */
	return g->type == CKK_RSA ? rsa_size(pub, n_pub, g) : curve(pub, n_pub, g);
}

static EVP_PKEY *rsa_pair(const struct kmp_keygen *g)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(km_libctx(), "RSA", NULL);
	BIGNUM *e = BN_new();
	EVP_PKEY *key = NULL;

	if (ctx != NULL && e != NULL && BN_set_word(e, g->exponent) == 1 &&
	    EVP_PKEY_keygen_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, g->bits) == 1 &&
	    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) == 1)
		EVP_PKEY_generate(ctx, &key);
	BN_free(e);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

CK_RV kmp_keygen_local(const struct kmp_keygen *g, EVP_PKEY **out)
{
	*out = g->type == CKK_RSA  ? rsa_pair(g)
	       : g->type == CKK_EC ? EVP_PKEY_Q_keygen(km_libctx(), NULL, "EC", g->curve)
				   : EVP_PKEY_Q_keygen(km_libctx(), NULL, g->curve);
	ERR_clear_error();
	return *out != NULL ? CKR_OK : CKR_FUNCTION_FAILED;
}
