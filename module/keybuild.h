/*
 * OpenSSL keys from their PKCS#11 components: public keys given to
 * C_CreateObject, peer points of ECDH, private keys read back by
 * kmp11-tool from an extractable token. Each is made in libctx (the
 * module's own context; NULL, the default one, for kmp11-tool).
 */
#ifndef KMP11_KEYBUILD_H
#define KMP11_KEYBUILD_H

#include "module/attrs.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

/* RSA from CKA_MODULUS and CKA_PUBLIC_EXPONENT, then, when private is
 * given (6 entries), CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2,
 * CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT. NULL if invalid. */
EVP_PKEY *kmp_rsa_key(OSSL_LIB_CTX *libctx, struct kmp_bytes n,
		      struct kmp_bytes e, const struct kmp_bytes *private);
/* EC (named curve) or Ed25519/Ed448 from CKA_EC_PARAMS and CKA_EC_POINT
 * (a DER OCTET STRING, or the raw point); priv (CKA_VALUE) may be empty.
 * NULL if invalid. */
EVP_PKEY *kmp_ec_key(OSSL_LIB_CTX *libctx, struct kmp_bytes params,
		     struct kmp_bytes point, struct kmp_bytes priv);

/* A public key on the curve of base (an EC key) at point (raw or in its
 * OCTET STRING): the peer of an ECDH derivation. NULL if invalid. */
EVP_PKEY *kmp_ec_peer(OSSL_LIB_CTX *libctx, EVP_PKEY *base,
		      struct kmp_bytes point);

#endif
