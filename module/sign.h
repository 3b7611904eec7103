/* Signing and verifying: RSA (PKCS#1 v1.5, PSS, raw), ECDSA, EdDSA, HMAC. */
#ifndef KMP11_SIGN_H
#define KMP11_SIGN_H

#include "module/op.h"

/* kind is KMP_OP_SIGN or KMP_OP_VERIFY; checks the mechanism and its
 * parameter against the key (which it references, not owns: an OpenSSL
 * key is up-ref'd, secret bytes are copied). */
CK_RV kmp_sign_new(enum kmp_op_kind kind, const CK_MECHANISM *mechanism,
		   const struct kmp_key *key, struct kmp_op **out);

#endif
