/*
 * C_GenerateKeyPair's side in the module: reading the two templates and,
 * for EC and Edwards keys (which this Barbican's orders reject), making
 * the pair here. RSA pairs are ordered from the Key Manager.
 */
#ifndef KMP11_KEYGEN_H
#define KMP11_KEYGEN_H

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>
#include <stdbool.h>

struct kmp_keygen {
	CK_KEY_TYPE type;
	char label[128]; /* the container's name */
	int bits;        /* RSA modulus */
	const char *curve; /* EC: OpenSSL group name; Edwards: "ED25519" */
};

/* The mechanism and both templates; CKR_TEMPLATE_* and
 * CKR_ATTRIBUTE_* codes for what the spec says is wrong. */
CK_RV kmp_keygen_parse(const CK_MECHANISM *mechanism,
		       const CK_ATTRIBUTE *pub, CK_ULONG n_pub,
		       const CK_ATTRIBUTE *priv, CK_ULONG n_priv,
		       struct kmp_keygen *out);
/* Makes an EC or Edwards pair (stored by the caller). */
CK_RV kmp_keygen_local(const struct kmp_keygen *g, EVP_PKEY **out);

#endif
