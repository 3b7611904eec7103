/* Encryption and decryption: RSA (PKCS#1 v1.5, OAEP, raw) and AES. */
#ifndef KMP11_CIPHER_H
#define KMP11_CIPHER_H

#include "module/op.h"

/* kind is KMP_OP_ENCRYPT or KMP_OP_DECRYPT. */
CK_RV kmp_cipher_new(enum kmp_op_kind kind, const CK_MECHANISM *mechanism,
		     const struct kmp_key *key, struct kmp_op **out);

/* The families behind it. */
CK_RV kmp_rsa_cipher_new(enum kmp_op_kind kind, const CK_MECHANISM *mechanism,
			 EVP_PKEY *key, struct kmp_op **out);
CK_RV kmp_aes_cipher_new(enum kmp_op_kind kind, const CK_MECHANISM *mechanism,
			 const unsigned char *key, size_t key_len,
			 struct kmp_op **out);

#endif
