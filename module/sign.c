#include "module/sign.h"

#include "module/mechanisms.h"
#include "tokens/log.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Raw mechanisms take at most a key's worth of data; EdDSA a message. */
#define MAX_BUFFERED (1 << 20)

struct kmp_sign_op {
	const struct kmp_mechanism *mech;
	EVP_PKEY *key;
	EVP_MD_CTX *md_ctx; /* hash-and-sign */
	const EVP_MD *pss_md, *pss_mgf;
	int pss_salt;
	unsigned char *buf; /* raw mechanisms and EdDSA */
	size_t len, cap;
	size_t sig_len;
};

void kmp_sign_free(struct kmp_sign_op *op)
{
	if (op == NULL)
		return;
	EVP_PKEY_free(op->key);
	EVP_MD_CTX_free(op->md_ctx);
	if (op->buf != NULL)
		OPENSSL_cleanse(op->buf, op->cap);
	free(op->buf);
	free(op);
}

static CK_RV check_pss(struct kmp_sign_op *op, const CK_MECHANISM *m)
{
	const CK_RSA_PKCS_PSS_PARAMS *p = m->pParameter;
	size_t k = (size_t)EVP_PKEY_get_size(op->key);

	if (p == NULL || m->ulParameterLen != sizeof(*p))
		return CKR_MECHANISM_PARAM_INVALID;
	op->pss_md = kmp_digest_of_mechanism(p->hashAlg);
	op->pss_mgf = kmp_digest_of_mgf(p->mgf);
	if (op->pss_md == NULL || op->pss_mgf == NULL ||
	    p->sLen + (size_t)EVP_MD_get_size(op->pss_md) + 2 > k)
		return CKR_MECHANISM_PARAM_INVALID;
	/* The hash-and-sign variants hash with the mechanism's digest. */
	if (op->mech->digest != NULL && !EVP_MD_is_a(op->pss_md, op->mech->digest))
		return CKR_MECHANISM_PARAM_INVALID;
	op->pss_salt = (int)p->sLen;
	return CKR_OK;
}

static size_t signature_length(EVP_PKEY *key, enum kmp_sign_kind kind)
{
	if (kind == KMP_SIGN_ECDSA || kind == KMP_SIGN_HASH_ECDSA)
		return 2 * (size_t)((EVP_PKEY_get_bits(key) + 7) / 8);
	if (kind == KMP_SIGN_EDDSA)
		return EVP_PKEY_get_base_id(key) == EVP_PKEY_ED448 ? 114 : 64;
	return (size_t)EVP_PKEY_get_size(key);
}

static CK_RV set_pss(EVP_PKEY_CTX *pctx, const struct kmp_sign_op *op)
{
	if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, op->pss_mgf) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, op->pss_salt) <= 0)
		return CKR_FUNCTION_FAILED;
	return CKR_OK;
}

static CK_RV start_digest(struct kmp_sign_op *op)
{
	EVP_PKEY_CTX *pctx = NULL;
	const EVP_MD *md = op->mech->digest ? EVP_get_digestbyname(op->mech->digest)
					    : NULL;

	if ((op->md_ctx = EVP_MD_CTX_new()) == NULL)
		return CKR_HOST_MEMORY;
	if (EVP_DigestSignInit(op->md_ctx, &pctx, md, NULL, op->key) <= 0)
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (op->mech->kind == KMP_SIGN_HASH_RSA_PSS)
		return set_pss(pctx, op);
	return CKR_OK;
}

CK_RV kmp_sign_init(const CK_MECHANISM *mechanism, EVP_PKEY *key,
		    struct kmp_sign_op **out)
{
	const struct kmp_mechanism *mech = kmp_mechanism(mechanism->mechanism);
	struct kmp_sign_op *op;
	int type = EVP_PKEY_get_base_id(key);
	CK_KEY_TYPE key_type = type == EVP_PKEY_EC ? CKK_EC
			       : type == EVP_PKEY_ED25519 || type == EVP_PKEY_ED448
				       ? CKK_EC_EDWARDS
				       : CKK_RSA;
	CK_RV rv = CKR_OK;

	if (mech == NULL)
		return CKR_MECHANISM_INVALID;
	if (mech->key_type != key_type)
		return CKR_KEY_TYPE_INCONSISTENT;
	if ((op = calloc(1, sizeof(*op))) == NULL)
		return CKR_HOST_MEMORY;
	op->mech = mech;
	op->key = key;
	EVP_PKEY_up_ref(key);
	op->sig_len = signature_length(key, mech->kind);
	if (mech->kind == KMP_SIGN_RSA_PSS || mech->kind == KMP_SIGN_HASH_RSA_PSS)
		rv = check_pss(op, mechanism);
	else if (mechanism->ulParameterLen != 0)
		rv = CKR_MECHANISM_PARAM_INVALID;
	if (rv == CKR_OK && (mech->kind == KMP_SIGN_HASH_RSA_PKCS ||
			     mech->kind == KMP_SIGN_HASH_RSA_PSS ||
			     mech->kind == KMP_SIGN_HASH_ECDSA))
		rv = start_digest(op);
	ERR_clear_error();
	if (rv != CKR_OK) {
		kmp_sign_free(op);
		return rv;
	}
	*out = op;
	return CKR_OK;
}

CK_RV kmp_sign_update(struct kmp_sign_op *op, const unsigned char *data,
		      CK_ULONG len)
{
	unsigned char *grown;
	size_t cap;

	if (op->md_ctx != NULL)
		return EVP_DigestSignUpdate(op->md_ctx, data, len) > 0
			       ? CKR_OK : CKR_FUNCTION_FAILED;
	if (len > MAX_BUFFERED - op->len)
		return CKR_DATA_LEN_RANGE;
	if (op->len + len > op->cap) {
		cap = op->len + len + 256;
		if ((grown = malloc(cap)) == NULL)
			return CKR_HOST_MEMORY;
		if (op->buf != NULL) {
			memcpy(grown, op->buf, op->len);
			OPENSSL_cleanse(op->buf, op->cap);
			free(op->buf);
		}
		op->buf = grown;
		op->cap = cap;
	}
	if (len > 0)
		memcpy(op->buf + op->len, data, len);
	op->len += len;
	return CKR_OK;
}

/* ECDSA's DER signature as r||s, each zero-padded to half of out_len. */
static CK_RV der_to_raw(const unsigned char *der, size_t der_len,
			unsigned char *out, size_t out_len)
{
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &der, (long)der_len);
	const BIGNUM *r, *s;
	int half = (int)(out_len / 2);
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (sig == NULL)
		return rv;
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, out, half) == half &&
	    BN_bn2binpad(s, out + half, half) == half)
		rv = CKR_OK;
	ECDSA_SIG_free(sig);
	return rv;
}

static CK_RV sign_raw(struct kmp_sign_op *op, unsigned char *out, size_t *len)
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, op->key, NULL);
	const unsigned char *in = op->buf;
	size_t in_len = op->len;
	unsigned char padded[2048];
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (pctx == NULL || EVP_PKEY_sign_init(pctx) <= 0)
		goto out;
	switch (op->mech->kind) {
	case KMP_SIGN_RSA_PKCS:
		if (in_len + 11 > op->sig_len) {
			rv = CKR_DATA_LEN_RANGE;
			goto out;
		}
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0)
			goto out;
		break;
	case KMP_SIGN_RSA_X509:
		/* Raw RSA: shorter input is a smaller number, left-padded. */
		if (in_len > op->sig_len || op->sig_len > sizeof(padded)) {
			rv = CKR_DATA_LEN_RANGE;
			goto out;
		}
		memset(padded, 0, op->sig_len - in_len);
		memcpy(padded + op->sig_len - in_len, in, in_len);
		in = padded;
		in_len = op->sig_len;
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_NO_PADDING) <= 0)
			goto out;
		break;
	case KMP_SIGN_RSA_PSS:
		if (in_len != (size_t)EVP_MD_get_size(op->pss_md)) {
			rv = CKR_DATA_LEN_RANGE;
			goto out;
		}
		if (EVP_PKEY_CTX_set_signature_md(pctx, op->pss_md) <= 0 ||
		    set_pss(pctx, op) != CKR_OK)
			goto out;
		break;
	default:
		break;
	}
	if (EVP_PKEY_sign(pctx, out, len, in, in_len) > 0)
		rv = CKR_OK;
	else if (op->mech->kind == KMP_SIGN_RSA_X509)
		rv = CKR_DATA_INVALID; /* input not below the modulus */
out:
	OPENSSL_cleanse(padded, sizeof(padded));
	EVP_PKEY_CTX_free(pctx);
	return rv;
}

static CK_RV sign_eddsa(struct kmp_sign_op *op, unsigned char *out,
			size_t *len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, op->key) > 0 &&
	    EVP_DigestSign(ctx, out, len, op->buf ? op->buf : (unsigned char *)"",
			   op->len) > 0)
		rv = CKR_OK;
	EVP_MD_CTX_free(ctx);
	return rv;
}

CK_RV kmp_sign_final(struct kmp_sign_op *op, unsigned char *out,
		     CK_ULONG_PTR out_len)
{
	enum kmp_sign_kind kind = op->mech->kind;
	bool ecdsa = kind == KMP_SIGN_ECDSA || kind == KMP_SIGN_HASH_ECDSA;
	unsigned char der[160];
	size_t len = ecdsa ? sizeof(der) : op->sig_len;
	unsigned char *target = ecdsa ? der : out;
	CK_RV rv;

	if (out == NULL) {
		*out_len = op->sig_len;
		return CKR_OK;
	}
	if (*out_len < op->sig_len) {
		*out_len = op->sig_len;
		return CKR_BUFFER_TOO_SMALL;
	}
	if (op->md_ctx != NULL)
		rv = EVP_DigestSignFinal(op->md_ctx, target, &len) > 0
			     ? CKR_OK : CKR_FUNCTION_FAILED;
	else if (kind == KMP_SIGN_EDDSA)
		rv = sign_eddsa(op, target, &len);
	else
		rv = sign_raw(op, target, &len);
	if (rv == CKR_OK && ecdsa)
		rv = der_to_raw(der, len, out, op->sig_len);
	if (rv == CKR_OK)
		*out_len = op->sig_len;
	else
		km_error("sign: mechanism 0x%lx failed (%s)", op->mech->type,
			 ERR_reason_error_string(ERR_peek_last_error())
				 ? ERR_reason_error_string(ERR_peek_last_error())
				 : "no reason");
	ERR_clear_error();
	return rv;
}
