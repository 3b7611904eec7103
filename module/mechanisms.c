#include "module/mechanisms.h"

#include <string.h>

#define SIGN CKF_SIGN
#define RSA(type, kind, md) {type, CKK_RSA, kind, md, 1024, 16384, SIGN}
#define EC(type, kind, md)                                                     \
	{type, CKK_EC, kind, md, 256, 521, SIGN | CKF_EC_F_P |                 \
	 CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS}

static const struct kmp_mechanism mechanisms[] = {
	RSA(CKM_RSA_PKCS, KMP_SIGN_RSA_PKCS, NULL),
	RSA(CKM_RSA_X_509, KMP_SIGN_RSA_X509, NULL),
	RSA(CKM_RSA_PKCS_PSS, KMP_SIGN_RSA_PSS, NULL),
	RSA(CKM_SHA1_RSA_PKCS, KMP_SIGN_HASH_RSA_PKCS, "SHA1"),
	RSA(CKM_SHA224_RSA_PKCS, KMP_SIGN_HASH_RSA_PKCS, "SHA224"),
	RSA(CKM_SHA256_RSA_PKCS, KMP_SIGN_HASH_RSA_PKCS, "SHA256"),
	RSA(CKM_SHA384_RSA_PKCS, KMP_SIGN_HASH_RSA_PKCS, "SHA384"),
	RSA(CKM_SHA512_RSA_PKCS, KMP_SIGN_HASH_RSA_PKCS, "SHA512"),
	RSA(CKM_SHA1_RSA_PKCS_PSS, KMP_SIGN_HASH_RSA_PSS, "SHA1"),
	RSA(CKM_SHA224_RSA_PKCS_PSS, KMP_SIGN_HASH_RSA_PSS, "SHA224"),
	RSA(CKM_SHA256_RSA_PKCS_PSS, KMP_SIGN_HASH_RSA_PSS, "SHA256"),
	RSA(CKM_SHA384_RSA_PKCS_PSS, KMP_SIGN_HASH_RSA_PSS, "SHA384"),
	RSA(CKM_SHA512_RSA_PKCS_PSS, KMP_SIGN_HASH_RSA_PSS, "SHA512"),
	EC(CKM_ECDSA, KMP_SIGN_ECDSA, NULL),
	EC(CKM_ECDSA_SHA1, KMP_SIGN_HASH_ECDSA, "SHA1"),
	EC(CKM_ECDSA_SHA224, KMP_SIGN_HASH_ECDSA, "SHA224"),
	EC(CKM_ECDSA_SHA256, KMP_SIGN_HASH_ECDSA, "SHA256"),
	EC(CKM_ECDSA_SHA384, KMP_SIGN_HASH_ECDSA, "SHA384"),
	EC(CKM_ECDSA_SHA512, KMP_SIGN_HASH_ECDSA, "SHA512"),
	{CKM_EDDSA, CKK_EC_EDWARDS, KMP_SIGN_EDDSA, NULL, 255, 448, SIGN},
};

#define N_MECHANISMS (sizeof(mechanisms) / sizeof(mechanisms[0]))

const struct kmp_mechanism *kmp_mechanism(CK_MECHANISM_TYPE type)
{
	for (size_t i = 0; i < N_MECHANISMS; i++)
		if (mechanisms[i].type == type)
			return &mechanisms[i];
	return NULL;
}

CK_ULONG kmp_mechanism_list(CK_MECHANISM_TYPE_PTR list)
{
	for (size_t i = 0; list != NULL && i < N_MECHANISMS; i++)
		list[i] = mechanisms[i].type;
	return N_MECHANISMS;
}

const EVP_MD *kmp_digest_of_mechanism(CK_MECHANISM_TYPE type)
{
	switch (type) {
	case CKM_SHA_1:
		return EVP_sha1();
	case CKM_SHA224:
		return EVP_sha224();
	case CKM_SHA256:
		return EVP_sha256();
	case CKM_SHA384:
		return EVP_sha384();
	case CKM_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

const EVP_MD *kmp_digest_of_mgf(CK_RSA_PKCS_MGF_TYPE mgf)
{
	switch (mgf) {
	case CKG_MGF1_SHA1:
		return EVP_sha1();
	case CKG_MGF1_SHA224:
		return EVP_sha224();
	case CKG_MGF1_SHA256:
		return EVP_sha256();
	case CKG_MGF1_SHA384:
		return EVP_sha384();
	case CKG_MGF1_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}
