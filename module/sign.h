/* One signing operation: C_SignInit .. C_Sign / C_SignFinal. */
#ifndef KMP11_SIGN_H
#define KMP11_SIGN_H

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

struct kmp_sign_op;

/* Checks the mechanism and its parameter against the key (up-ref'd). */
CK_RV kmp_sign_init(const CK_MECHANISM *mechanism, EVP_PKEY *key,
		    struct kmp_sign_op **out);
CK_RV kmp_sign_update(struct kmp_sign_op *op, const unsigned char *data,
		      CK_ULONG len);
/* The buffer protocol: NULL out gives the length; too small keeps the op. */
CK_RV kmp_sign_final(struct kmp_sign_op *op, unsigned char *out,
		     CK_ULONG_PTR out_len);
void kmp_sign_free(struct kmp_sign_op *op);

#endif
