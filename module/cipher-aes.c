/*
 * AES with a Key Manager secret: ECB, CBC, CBC_PAD, CTR and GCM, single-
 * and multi-part. GCM decryption holds the output back until the tag is
 * verified at the end.
 */
#include "module/cipher.h"

#include "module/mechanisms.h"
#include "tokens/crypto-ctx.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 16
/* GCM decryption buffers the whole message. */
#define MAX_GCM_MESSAGE (64 << 20)

struct aes_op {
	struct kmp_op base;
	enum kmp_mech_kind kind;
	EVP_CIPHER_CTX *ctx;
	size_t pending;        /* input bytes not yet a whole block */
	uint64_t in_total;     /* input so far */
	uint64_t blocks_left;  /* CTR: before the counter bits run out */
	size_t tag_len;        /* GCM */
	unsigned char *held;   /* GCM decryption: the ciphertext so far */
	size_t held_len;
};

static bool encrypting(const struct aes_op *op)
{
	return op->base.kind == KMP_OP_ENCRYPT;
}

static void aes_free(struct kmp_op *base)
{
	struct aes_op *op = (struct aes_op *)base;

	EVP_CIPHER_CTX_free(op->ctx); /* wipes the key schedule */
	if (op->held != NULL)
		OPENSSL_cleanse(op->held, op->held_len);
	free(op->held);
	free(op);
}

/* CBC_PAD decryption: of n bytes in, what OpenSSL has given out. It
 * holds the last whole block back until it knows no more follows (then
 * the padding is in it). */
static uint64_t unpadded_out(uint64_t n)
{
	return n > 0 ? (n - 1) / BLOCK * BLOCK : 0;
}

/* A bound on the output of in_len more bytes (and of the end). */
static CK_ULONG aes_output_size(const struct kmp_op *base, CK_ULONG in_len,
				bool final)
{
	const struct aes_op *op = (const struct aes_op *)base;
	uint64_t out;

	switch (op->kind) {
	case KMP_AES_CBC_PAD:
		if (encrypting(op))
			return op->pending + in_len + (final ? BLOCK : 0);
		out = unpadded_out(op->in_total);
		/* The end gives all that is held, the padding still in. */
		return (CK_ULONG)(final ? op->in_total + in_len - out
					: unpadded_out(op->in_total + in_len) - out);
	case KMP_AES_GCM:
		if (encrypting(op))
			return in_len + (final ? op->tag_len : 0);
		return final ? op->held_len + in_len : 0; /* held until the tag */
	default:
		return op->pending + in_len;
	}
}

static CK_RV length_error(const struct aes_op *op)
{
	return encrypting(op) ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
}

static CK_RV hold(struct aes_op *op, const unsigned char *in, size_t len)
{
	unsigned char *grown;

	if (len > MAX_GCM_MESSAGE - op->held_len)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	if ((grown = malloc(op->held_len + len + 1)) == NULL)
		return CKR_HOST_MEMORY;
	if (op->held != NULL) {
		memcpy(grown, op->held, op->held_len);
		OPENSSL_cleanse(op->held, op->held_len);
		free(op->held);
	}
	if (len > 0)
		memcpy(grown + op->held_len, in, len);
	op->held = grown;
	op->held_len += len;
	return CKR_OK;
}

static CK_RV aes_update(struct kmp_op *base, const unsigned char *in,
			CK_ULONG len, unsigned char *out, CK_ULONG *out_len)
{
	struct aes_op *op = (struct aes_op *)base;
	int written = 0;

	if (op->kind == KMP_AES_GCM && !encrypting(op)) {
		*out_len = 0;
		return hold(op, in, len);
	}
	if (op->kind == KMP_AES_CTR) {
		uint64_t blocks = (len + BLOCK - 1) / BLOCK;
		if (blocks > op->blocks_left)
			return length_error(op); /* the counter would wrap */
		op->blocks_left -= blocks;
	}
	if (len > INT32_MAX ||
	    EVP_CipherUpdate(op->ctx, out, &written, in, (int)len) != 1)
		return CKR_FUNCTION_FAILED;
	op->pending = (op->pending + len) % BLOCK;
	op->in_total += len;
	*out_len = (CK_ULONG)written;
	return CKR_OK;
}

static CK_RV gcm_decrypt_final(struct aes_op *op, unsigned char *out,
			       CK_ULONG *out_len)
{
	size_t body;
	int written = 0, last = 0;

	if (op->held_len < op->tag_len)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	body = op->held_len - op->tag_len;
	if (EVP_CIPHER_CTX_ctrl(op->ctx, EVP_CTRL_GCM_SET_TAG, (int)op->tag_len,
				op->held + body) != 1 ||
	    EVP_CipherUpdate(op->ctx, out, &written, op->held, (int)body) != 1)
		return CKR_FUNCTION_FAILED;
	if (EVP_CipherFinal_ex(op->ctx, out + written, &last) != 1) {
		OPENSSL_cleanse(out, (size_t)written);
		return CKR_ENCRYPTED_DATA_INVALID; /* the tag does not match */
	}
	*out_len = (CK_ULONG)(written + last);
	return CKR_OK;
}

static CK_RV aes_final(struct kmp_op *base, unsigned char *out,
		       CK_ULONG *out_len)
{
	struct aes_op *op = (struct aes_op *)base;
	int written = 0;
	CK_RV rv = CKR_OK;

	if (op->kind == KMP_AES_GCM && !encrypting(op))
		rv = gcm_decrypt_final(op, out, out_len);
	else if ((op->kind == KMP_AES_ECB || op->kind == KMP_AES_CBC ||
		  (op->kind == KMP_AES_CBC_PAD && !encrypting(op))) &&
		 op->pending != 0)
		rv = length_error(op);
	else if (EVP_CipherFinal_ex(op->ctx, out, &written) != 1)
		rv = op->kind == KMP_AES_CBC_PAD ? CKR_ENCRYPTED_DATA_INVALID
						 : CKR_FUNCTION_FAILED;
	else if (op->kind == KMP_AES_GCM &&
		 EVP_CIPHER_CTX_ctrl(op->ctx, EVP_CTRL_GCM_GET_TAG,
				     (int)op->tag_len, out + written) != 1)
		rv = CKR_FUNCTION_FAILED;
	else
		*out_len = (CK_ULONG)written +
			   (op->kind == KMP_AES_GCM ? op->tag_len : 0);
	ERR_clear_error();
	return rv;
}

static const struct kmp_op_class aes_class = {
	.output_size = aes_output_size,
	.update = aes_update,
	.final = aes_final,
	.free = aes_free,
};

static const EVP_CIPHER *cipher_for(enum kmp_mech_kind kind, size_t key_len)
{
	static const char *const names[][3] = {
		[KMP_AES_ECB] = {"AES-128-ECB", "AES-192-ECB", "AES-256-ECB"},
		[KMP_AES_CBC] = {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"},
		[KMP_AES_CBC_PAD] = {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"},
		[KMP_AES_CTR] = {"AES-128-CTR", "AES-192-CTR", "AES-256-CTR"},
		[KMP_AES_GCM] = {"AES-128-GCM", "AES-192-GCM", "AES-256-GCM"},
	};
	int size = key_len == 16 ? 0 : key_len == 24 ? 1 : key_len == 32 ? 2 : -1;

	return size < 0 ? NULL : km_cipher(names[kind][size]);
}

/* The IV (or initial counter block) and, for GCM, the IV length. */
static CK_RV parameters(struct aes_op *op, const CK_MECHANISM *m,
			const unsigned char **iv, size_t *iv_len)
{
	const CK_AES_CTR_PARAMS *ctr = m->pParameter;
	const CK_GCM_PARAMS *gcm = m->pParameter;
	unsigned bits;

	*iv = NULL;
	*iv_len = 0;
	switch (op->kind) {
	case KMP_AES_ECB:
		return m->ulParameterLen == 0 ? CKR_OK : CKR_MECHANISM_PARAM_INVALID;
	case KMP_AES_CBC:
	case KMP_AES_CBC_PAD:
		if (m->pParameter == NULL || m->ulParameterLen != BLOCK)
			return CKR_MECHANISM_PARAM_INVALID;
		*iv = m->pParameter;
		return CKR_OK;
	case KMP_AES_CTR:
		if (ctr == NULL || m->ulParameterLen != sizeof(*ctr) ||
		    ctr->ulCounterBits == 0 || ctr->ulCounterBits > 128)
			return CKR_MECHANISM_PARAM_INVALID;
		*iv = ctr->cb;
		/* Blocks until the counter's low ulCounterBits wrap. */
		op->blocks_left = UINT64_MAX;
		if ((bits = (unsigned)ctr->ulCounterBits) < 64) {
			uint64_t counter = 0;
			for (int i = 8; i < BLOCK; i++)
				counter = counter << 8 | ctr->cb[i];
			counter &= ((uint64_t)1 << bits) - 1;
			op->blocks_left = ((uint64_t)1 << bits) - counter;
		}
		return CKR_OK;
	default: /* GCM */
		if (gcm == NULL || m->ulParameterLen != sizeof(*gcm) ||
		    gcm->pIv == NULL || gcm->ulIvLen == 0 || gcm->ulIvLen > 256 ||
		    (gcm->pAAD == NULL && gcm->ulAADLen > 0) ||
		    gcm->ulAADLen > INT32_MAX || gcm->ulTagBits % 8 != 0 ||
		    gcm->ulTagBits < 32 || gcm->ulTagBits > 128)
			return CKR_MECHANISM_PARAM_INVALID;
		*iv = gcm->pIv;
		*iv_len = gcm->ulIvLen;
		op->tag_len = gcm->ulTagBits / 8;
		return CKR_OK;
	}
}

static CK_RV start(struct aes_op *op, const CK_MECHANISM *m,
		   const unsigned char *key, size_t key_len)
{
	const EVP_CIPHER *cipher = cipher_for(op->kind, key_len);
	const CK_GCM_PARAMS *gcm = m->pParameter;
	const unsigned char *iv;
	size_t iv_len;
	int enc = encrypting(op), ignored;
	CK_RV rv;

	if (cipher == NULL)
		return CKR_KEY_SIZE_RANGE;
	if ((rv = parameters(op, m, &iv, &iv_len)) != CKR_OK)
		return rv;
	if ((op->ctx = EVP_CIPHER_CTX_new()) == NULL)
		return CKR_HOST_MEMORY;
	if (EVP_CipherInit_ex(op->ctx, cipher, NULL, NULL, NULL, enc) != 1 ||
	    (iv_len > 0 && EVP_CIPHER_CTX_ctrl(op->ctx, EVP_CTRL_GCM_SET_IVLEN,
					       (int)iv_len, NULL) != 1) ||
	    EVP_CipherInit_ex(op->ctx, NULL, NULL, key, iv, enc) != 1 ||
	    EVP_CIPHER_CTX_set_padding(op->ctx, op->kind == KMP_AES_CBC_PAD) != 1)
		return CKR_FUNCTION_FAILED;
	/* The additional authenticated data goes in before any message. */
	if (op->kind == KMP_AES_GCM && gcm->ulAADLen > 0 &&
	    EVP_CipherUpdate(op->ctx, NULL, &ignored, gcm->pAAD,
			     (int)gcm->ulAADLen) != 1)
		return CKR_FUNCTION_FAILED;
	return CKR_OK;
}

CK_RV kmp_aes_cipher_new(enum kmp_op_kind kind, const CK_MECHANISM *mechanism,
			 const unsigned char *key, size_t key_len,
			 struct kmp_op **out)
{
	const struct kmp_mechanism *mech = kmp_mechanism(mechanism->mechanism);
	struct aes_op *op = calloc(1, sizeof(*op));
	CK_RV rv;

	if (op == NULL)
		return CKR_HOST_MEMORY;
	op->base = (struct kmp_op){&aes_class, kind, false, false};
	op->kind = mech->kind;
	rv = start(op, mechanism, key, key_len);
	ERR_clear_error();
	if (rv != CKR_OK) {
		aes_free(&op->base);
		return rv;
	}
	*out = &op->base;
	return CKR_OK;
}
