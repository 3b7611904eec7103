/* Key derivation: CKM_ECDH1_DERIVE. */
#ifndef KMP11_DERIVE_H
#define KMP11_DERIVE_H

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

/* ECDH between base (an EC private key) and the peer point of the
 * mechanism's CK_ECDH1_DERIVE_PARAMS (kdf CKD_NULL, no shared data).
 * The shared secret goes to *secret (malloc'd: wipe it, then free). */
CK_RV kmp_ecdh_derive(const CK_MECHANISM *mechanism, EVP_PKEY *base,
		      unsigned char **secret, size_t *len);

#endif
