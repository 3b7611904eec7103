/* RSA encryption and decryption: PKCS#1 v1.5, OAEP and raw; single-part
 * only (v2.40 section 2.1). */
#include "module/cipher.h"

#include "module/mechanisms.h"
#include "tokens/crypto-ctx.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

struct rsa_op {
	struct kmp_op base;
	enum kmp_mech_kind kind;
	EVP_PKEY *key;
	size_t k; /* modulus bytes */
	const EVP_MD *oaep_md, *oaep_mgf;
	unsigned char *label;
	size_t label_len;
};

static void rsa_free(struct kmp_op *base)
{
	struct rsa_op *op = (struct rsa_op *)base;

	EVP_PKEY_free(op->key);
	free(op->label);
	free(op);
}

static CK_ULONG rsa_output_size(const struct kmp_op *base, CK_ULONG in_len,
				bool final)
{
	return ((const struct rsa_op *)base)->k;
}

/* The largest message each padding takes. */
static size_t max_input(const struct rsa_op *op)
{
	switch (op->kind) {
	case KMP_RSA_PKCS:
		return op->k - 11;
	case KMP_RSA_OAEP:
		return op->k - 2 * (size_t)EVP_MD_get_size(op->oaep_md) - 2;
	default:
		return op->k;
	}
}

static CK_RV set_padding(struct rsa_op *op, EVP_PKEY_CTX *ctx)
{
	unsigned char *label = NULL;

	switch (op->kind) {
	case KMP_RSA_PKCS:
		return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0
			       ? CKR_OK : CKR_FUNCTION_FAILED;
	case KMP_RSA_X509:
		return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) > 0
			       ? CKR_OK : CKR_FUNCTION_FAILED;
	default:
		break;
	}
	if (op->label_len > 0 &&
	    (label = OPENSSL_memdup(op->label, op->label_len)) == NULL)
		return CKR_HOST_MEMORY;
	if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, op->oaep_md) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, op->oaep_mgf) <= 0 ||
	    (label != NULL &&
	     EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, (int)op->label_len) <= 0)) {
		OPENSSL_free(label);
		return CKR_FUNCTION_FAILED;
	}
	return CKR_OK;
}

static CK_RV rsa_single(struct kmp_op *base, const unsigned char *in,
			CK_ULONG len, unsigned char *out, CK_ULONG *out_len)
{
	struct rsa_op *op = (struct rsa_op *)base;
	bool encrypt = base->kind == KMP_OP_ENCRYPT;
	unsigned char padded[2048];
	size_t written = op->k;
	EVP_PKEY_CTX *ctx;
	CK_RV rv;

	if (encrypt ? len > max_input(op) : len != op->k)
		return encrypt ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
	if (encrypt && op->kind == KMP_RSA_X509) {
		/* Raw RSA: shorter input is a smaller number, left-padded. */
		memset(padded, 0, op->k - len);
		memcpy(padded + op->k - len, in, len);
		in = padded;
		len = op->k;
	}
	ctx = EVP_PKEY_CTX_new_from_pkey(km_libctx(), op->key, NULL);
	rv = ctx != NULL && (encrypt ? EVP_PKEY_encrypt_init(ctx)
				     : EVP_PKEY_decrypt_init(ctx)) > 0
		     ? set_padding(op, ctx)
		     : CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (rv == CKR_OK &&
	    (encrypt ? EVP_PKEY_encrypt(ctx, out, &written, in, len)
		     : EVP_PKEY_decrypt(ctx, out, &written, in, len)) <= 0)
		rv = encrypt ? CKR_DATA_INVALID : CKR_ENCRYPTED_DATA_INVALID;
	if (rv == CKR_OK)
		*out_len = (CK_ULONG)written;
	OPENSSL_cleanse(padded, sizeof(padded));
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return rv;
}

static const struct kmp_op_class rsa_class = {
	.output_size = rsa_output_size,
	.single = rsa_single,
	.free = rsa_free,
};

static CK_RV check_oaep(struct rsa_op *op, const CK_MECHANISM *m)
{
	const CK_RSA_PKCS_OAEP_PARAMS *p = m->pParameter;

	if (p == NULL || m->ulParameterLen != sizeof(*p))
		return CKR_MECHANISM_PARAM_INVALID;
	op->oaep_md = kmp_digest_of_mechanism(p->hashAlg);
	op->oaep_mgf = kmp_digest_of_mgf(p->mgf);
	if (op->oaep_md == NULL || op->oaep_mgf == NULL ||
	    2 * (size_t)EVP_MD_get_size(op->oaep_md) + 2 >= op->k)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->source == 0 && (p->pSourceData != NULL || p->ulSourceDataLen))
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->source != 0 && p->source != CKZ_DATA_SPECIFIED)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulSourceDataLen > 0) {
		if (p->pSourceData == NULL || p->ulSourceDataLen > 1 << 16)
			return CKR_MECHANISM_PARAM_INVALID;
		if ((op->label = malloc(p->ulSourceDataLen)) == NULL)
			return CKR_HOST_MEMORY;
		memcpy(op->label, p->pSourceData, p->ulSourceDataLen);
		op->label_len = p->ulSourceDataLen;
	}
	return CKR_OK;
}

CK_RV kmp_rsa_cipher_new(enum kmp_op_kind kind, const CK_MECHANISM *mechanism,
			 EVP_PKEY *key, struct kmp_op **out)
{
	const struct kmp_mechanism *mech = kmp_mechanism(mechanism->mechanism);
	struct rsa_op *op = calloc(1, sizeof(*op));
	CK_RV rv = CKR_OK;

	if (op == NULL)
		return CKR_HOST_MEMORY;
	op->base = (struct kmp_op){&rsa_class, kind, false, true};
	op->kind = mech->kind;
	op->key = key;
	EVP_PKEY_up_ref(key);
	op->k = (size_t)EVP_PKEY_get_size(key);
	if (op->kind == KMP_RSA_OAEP)
		rv = check_oaep(op, mechanism);
	else if (mechanism->pParameter != NULL || mechanism->ulParameterLen)
		rv = CKR_MECHANISM_PARAM_INVALID;
	if (op->k > 2048)
		rv = CKR_KEY_SIZE_RANGE;
	if (rv != CKR_OK) {
		rsa_free(&op->base);
		return rv;
	}
	*out = &op->base;
	return CKR_OK;
}
