#include "module/digest.h"

#include "module/mechanisms.h"
#include "tokens/crypto-ctx.h"

#include <stdlib.h>

struct digest_op {
	struct kmp_op base;
	EVP_MD_CTX *ctx;
	CK_ULONG size;
};

static void digest_free(struct kmp_op *base)
{
	struct digest_op *op = (struct digest_op *)base;

	EVP_MD_CTX_free(op->ctx);
	free(op);
}

static CK_ULONG digest_size(const struct kmp_op *base, CK_ULONG in_len,
			    bool final)
{
	return ((const struct digest_op *)base)->size;
}

static CK_RV digest_update(struct kmp_op *base, const unsigned char *in,
			   CK_ULONG len, unsigned char *out, CK_ULONG *out_len)
{
	struct digest_op *op = (struct digest_op *)base;

	*out_len = 0;
	return EVP_DigestUpdate(op->ctx, in, len) == 1 ? CKR_OK
						       : CKR_FUNCTION_FAILED;
}

static CK_RV digest_final(struct kmp_op *base, unsigned char *out,
			  CK_ULONG *out_len)
{
	struct digest_op *op = (struct digest_op *)base;
	unsigned int len = 0;

	if (EVP_DigestFinal_ex(op->ctx, out, &len) != 1)
		return CKR_FUNCTION_FAILED;
	*out_len = len;
	return CKR_OK;
}

static const struct kmp_op_class digest_class = {
	.output_size = digest_size,
	.update = digest_update,
	.final = digest_final,
	.free = digest_free,
};

CK_RV kmp_digest_new(const CK_MECHANISM *mechanism, struct kmp_op **out)
{
	const struct kmp_mechanism *mech = kmp_mechanism(mechanism->mechanism);
	const EVP_MD *md = mech && mech->kind == KMP_DIGEST
				   ? km_digest(mech->digest) : NULL;
	struct digest_op *op;

	if (md == NULL)
		return CKR_MECHANISM_INVALID;
	if (mechanism->pParameter != NULL || mechanism->ulParameterLen != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	if ((op = calloc(1, sizeof(*op))) == NULL)
		return CKR_HOST_MEMORY;
	op->base = (struct kmp_op){&digest_class, KMP_OP_DIGEST, false, false};
	op->size = (CK_ULONG)EVP_MD_get_size(md);
	if ((op->ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(op->ctx, md, NULL) != 1) {
		digest_free(&op->base);
		return CKR_HOST_MEMORY;
	}
	*out = &op->base;
	return CKR_OK;
}
