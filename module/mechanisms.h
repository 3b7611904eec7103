/* The mechanisms kmp11 performs, with what each needs. */
#ifndef KMP11_MECHANISMS_H
#define KMP11_MECHANISMS_H

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

/* What a mechanism computes; the operation (sign, encrypt...) picks the
 * family of code that does it. */
enum kmp_mech_kind {
	KMP_RSA_PKCS,      /* sign: a DigestInfo or short data; encrypt */
	KMP_RSA_X509,      /* raw RSA */
	KMP_RSA_PSS,       /* input: a digest */
	KMP_RSA_OAEP,
	KMP_HASH_RSA_PKCS,
	KMP_HASH_RSA_PSS,
	KMP_ECDSA,         /* input: a digest */
	KMP_HASH_ECDSA,
	KMP_EDDSA,
	KMP_HMAC,
	KMP_AES_ECB,
	KMP_AES_CBC,
	KMP_AES_CBC_PAD,
	KMP_AES_CTR,
	KMP_AES_GCM,
	KMP_DIGEST,
	KMP_ECDH,
	KMP_KEYGEN, /* C_GenerateKeyPair, C_GenerateKey */
};

struct kmp_mechanism {
	CK_MECHANISM_TYPE type;
	CK_KEY_TYPE key_type; /* CK_UNAVAILABLE_INFORMATION: no key */
	enum kmp_mech_kind kind;
	/* Hash-and-sign, HMAC, digest: the name km_digest() knows. */
	const char *digest;
	CK_ULONG min_size, max_size; /* as C_GetMechanismInfo reports them */
	CK_FLAGS flags;
};

const struct kmp_mechanism *kmp_mechanism(CK_MECHANISM_TYPE type);
/* Fills list (NULL: counts); returns the number of mechanisms. */
CK_ULONG kmp_mechanism_list(CK_MECHANISM_TYPE_PTR list);
/* The digest of a CKM_SHA* or CKG_MGF1_* constant, else NULL. */
const EVP_MD *kmp_digest_of_mechanism(CK_MECHANISM_TYPE type);
const EVP_MD *kmp_digest_of_mgf(CK_RSA_PKCS_MGF_TYPE mgf);

#endif
