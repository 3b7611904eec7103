/*
 * A cryptographic operation of a session (C_*Init .. C_*Final): one
 * interface for the mechanism families, so that the entry points apply
 * the spec's state and buffer rules in one place.
 */
#ifndef KMP11_OP_H
#define KMP11_OP_H

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>
#include <stdbool.h>

enum kmp_op_kind {
	KMP_OP_ENCRYPT,
	KMP_OP_DECRYPT,
	KMP_OP_DIGEST,
	KMP_OP_SIGN,
	KMP_OP_VERIFY,
	KMP_N_OPS
};

struct kmp_op;

/* What an operation runs with: an OpenSSL key, or a secret's bytes. */
struct kmp_key {
	CK_KEY_TYPE type;
	EVP_PKEY *pkey;
	const unsigned char *secret;
	size_t secret_len;
};

struct kmp_op_class {
	/*
	 * Enough room for the output of an update of in_len bytes (final
	 * false), or of the end: a final, or a single-part call on in_len
	 * bytes (final true).
	 */
	CK_ULONG (*output_size)(const struct kmp_op *op, CK_ULONG in_len,
				bool final);
	/* Consumes input; ciphers may produce output (out_len: room in,
	 * bytes written out). NULL when single does all the work. */
	CK_RV (*update)(struct kmp_op *op, const unsigned char *in,
			CK_ULONG len, unsigned char *out, CK_ULONG *out_len);
	/* The result, into out (*out_len: room in, length out). */
	CK_RV (*final)(struct kmp_op *op, unsigned char *out, CK_ULONG *out_len);
	/* Verify operations: checks the signature over the input so far. */
	CK_RV (*verify)(struct kmp_op *op, const unsigned char *sig,
			CK_ULONG len);
	/* Single-part call on all of the input at once, when the mechanism
	 * computes it differently (NULL: update + final). */
	CK_RV (*single)(struct kmp_op *op, const unsigned char *in,
			CK_ULONG len, unsigned char *out, CK_ULONG *out_len);
	/* Sets a finished operation up again for the same mechanism,
	 * parameter and key, at less cost than a new one; false when it
	 * cannot (NULL: never), and a new one is made. */
	bool (*again)(struct kmp_op *op, const CK_MECHANISM *mechanism,
		      const struct kmp_key *key);
	void (*free)(struct kmp_op *op);
};

struct kmp_op {
	const struct kmp_op_class *cls;
	enum kmp_op_kind kind;
	bool started; /* an update happened: single-part calls are refused */
	/* The mechanism has no multi-part form (RSA PKCS#1, raw RSA and
	 * PSS, raw ECDSA, EdDSA): C_*Update and C_*Final are refused; the
	 * class's update and final, where given, serve single-part calls. */
	bool single_part;
};

static inline void kmp_op_free(struct kmp_op *op)
{
	if (op != NULL)
		op->cls->free(op);
}

#endif
