/*
 * C_GenerateKeyPair's side in the module: reading the two templates and
 * making the pair here, for session keys and for token EC and Edwards
 * keys (which this Barbican's orders reject). Token RSA pairs are ordered
 * from the Key Manager.
 */
#ifndef KMP11_KEYGEN_H
#define KMP11_KEYGEN_H

#include "tokens/names.h"

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>
#include <stdbool.h>

struct kmp_keygen {
	CK_KEY_TYPE type;
	CK_MECHANISM_TYPE mechanism;
	bool token;      /* CKA_TOKEN TRUE: a container; else session keys */
	char label[128]; /* the container's name */
	unsigned char id[KM_ID_MAX]; /* the templates' CKA_ID, if any */
	size_t id_len;
	int bits;        /* RSA modulus */
	unsigned long exponent; /* RSA public exponent */
	const char *curve; /* EC: OpenSSL group name; Edwards: "ED25519" */
};

/* The mechanism and both templates; CKR_TEMPLATE_* and
 * CKR_ATTRIBUTE_* codes for what the spec says is wrong. A token pair
 * (CKA_TOKEN TRUE) is what the Key Manager keeps: a label, Barbican's RSA
 * sizes and exponent; a session pair (CKA_TOKEN absent or FALSE, the
 * spec's default) any RSA size from 1024 to 8192 bits and odd exponent,
 * its templates checked by the session objects (module/sobjects.h). */
CK_RV kmp_keygen_parse(const CK_MECHANISM *mechanism,
		       const CK_ATTRIBUTE *pub, CK_ULONG n_pub,
		       const CK_ATTRIBUTE *priv, CK_ULONG n_priv,
		       struct kmp_keygen *out);
/* Makes the pair here: any session pair, or a token EC or Edwards pair
 * (stored by the caller). */
CK_RV kmp_keygen_local(const struct kmp_keygen *g, EVP_PKEY **out);

#endif
