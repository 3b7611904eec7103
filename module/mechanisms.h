/* The mechanisms kmp11 performs, with what each needs. */
#ifndef KMP11_MECHANISMS_H
#define KMP11_MECHANISMS_H

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

enum kmp_sign_kind {
	KMP_SIGN_RSA_PKCS,     /* input: a DigestInfo (or any short data) */
	KMP_SIGN_RSA_X509,     /* raw RSA */
	KMP_SIGN_RSA_PSS,      /* input: a digest */
	KMP_SIGN_HASH_RSA_PKCS,
	KMP_SIGN_HASH_RSA_PSS,
	KMP_SIGN_ECDSA,        /* input: a digest */
	KMP_SIGN_HASH_ECDSA,
	KMP_SIGN_EDDSA,
};

struct kmp_mechanism {
	CK_MECHANISM_TYPE type;
	CK_KEY_TYPE key_type;
	enum kmp_sign_kind kind;
	const char *digest; /* OpenSSL name, hash-and-sign only */
	CK_ULONG min_bits, max_bits;
	CK_FLAGS flags;
};

const struct kmp_mechanism *kmp_mechanism(CK_MECHANISM_TYPE type);
/* Fills list (NULL: counts); returns the number of mechanisms. */
CK_ULONG kmp_mechanism_list(CK_MECHANISM_TYPE_PTR list);
/* The digest of a CKM_SHA* or CKG_MGF1_* constant, else NULL. */
const EVP_MD *kmp_digest_of_mechanism(CK_MECHANISM_TYPE type);
const EVP_MD *kmp_digest_of_mgf(CK_RSA_PKCS_MGF_TYPE mgf);

#endif
