#include "module/mechanisms.h"

#include "module/kmp11.h"
#include "tokens/crypto-ctx.h"

#include <string.h>

/*
 * Key sizes are in bits for RSA and EC keys and in bytes for AES and
 * HMAC keys (v2.40 section 2.1); EC mechanisms cover P-256 to P-521.
 */
#define SV (CKF_SIGN | CKF_VERIFY)
#define ED (CKF_ENCRYPT | CKF_DECRYPT)
#define EC_FLAGS (CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS)
#define RSA(type, kind, md, flags) {type, CKK_RSA, kind, md, 1024, 16384, flags}
#define EC(type, kind, md) {type, CKK_EC, kind, md, 256, 521, SV | EC_FLAGS}
#define AES(type, kind) {type, CKK_AES, kind, NULL, 16, 32, ED}
#define HMAC(type, md) {type, CKK_GENERIC_SECRET, KMP_HMAC, md, 1, 512, SV}
#define DIGEST(type, md)                                                       \
	{type, CK_UNAVAILABLE_INFORMATION, KMP_DIGEST, md, 0, 0, CKF_DIGEST}

static const struct kmp_mechanism mechanisms[] = {
	RSA(CKM_RSA_PKCS, KMP_RSA_PKCS, NULL, SV | ED),
	RSA(CKM_RSA_X_509, KMP_RSA_X509, NULL, SV | ED),
	RSA(CKM_RSA_PKCS_PSS, KMP_RSA_PSS, NULL, SV),
	RSA(CKM_RSA_PKCS_OAEP, KMP_RSA_OAEP, NULL, ED),
	RSA(CKM_SHA1_RSA_PKCS, KMP_HASH_RSA_PKCS, "SHA1", SV),
	RSA(CKM_SHA224_RSA_PKCS, KMP_HASH_RSA_PKCS, "SHA224", SV),
	RSA(CKM_SHA256_RSA_PKCS, KMP_HASH_RSA_PKCS, "SHA256", SV),
	RSA(CKM_SHA384_RSA_PKCS, KMP_HASH_RSA_PKCS, "SHA384", SV),
	RSA(CKM_SHA512_RSA_PKCS, KMP_HASH_RSA_PKCS, "SHA512", SV),
	RSA(CKM_SHA1_RSA_PKCS_PSS, KMP_HASH_RSA_PSS, "SHA1", SV),
	RSA(CKM_SHA224_RSA_PKCS_PSS, KMP_HASH_RSA_PSS, "SHA224", SV),
	RSA(CKM_SHA256_RSA_PKCS_PSS, KMP_HASH_RSA_PSS, "SHA256", SV),
	RSA(CKM_SHA384_RSA_PKCS_PSS, KMP_HASH_RSA_PSS, "SHA384", SV),
	RSA(CKM_SHA512_RSA_PKCS_PSS, KMP_HASH_RSA_PSS, "SHA512", SV),
	EC(CKM_ECDSA, KMP_ECDSA, NULL),
	EC(CKM_ECDSA_SHA1, KMP_HASH_ECDSA, "SHA1"),
	EC(CKM_ECDSA_SHA224, KMP_HASH_ECDSA, "SHA224"),
	EC(CKM_ECDSA_SHA256, KMP_HASH_ECDSA, "SHA256"),
	EC(CKM_ECDSA_SHA384, KMP_HASH_ECDSA, "SHA384"),
	EC(CKM_ECDSA_SHA512, KMP_HASH_ECDSA, "SHA512"),
	{CKM_EDDSA, CKK_EC_EDWARDS, KMP_EDDSA, NULL, 255, 448, SV},
	{CKM_ECDH1_DERIVE, CKK_EC, KMP_ECDH, NULL, 256, 521, CKF_DERIVE | EC_FLAGS},
	{CKM_RSA_PKCS_KEY_PAIR_GEN, CKK_RSA, KMP_KEYGEN, NULL, 1024, 4096,
	 CKF_GENERATE_KEY_PAIR},
	{CKM_EC_KEY_PAIR_GEN, CKK_EC, KMP_KEYGEN, NULL, 256, 521,
	 CKF_GENERATE_KEY_PAIR | EC_FLAGS},
	{CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, KMP_KEYGEN, NULL, 255, 255,
	 CKF_GENERATE_KEY_PAIR},
	{CKM_AES_KEY_GEN, CKK_AES, KMP_KEYGEN, NULL, 16, 32, CKF_GENERATE},
	/* In bits, as v2.40 has it for this one. */
	{CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, KMP_KEYGEN, NULL, 64,
	 512, CKF_GENERATE},
	{CKM_KMP11_CERTIFICATE_ORDER, CK_UNAVAILABLE_INFORMATION, KMP_KEYGEN,
	 NULL, 0, 0, CKF_GENERATE},
	HMAC(CKM_SHA_1_HMAC, "SHA1"),
	HMAC(CKM_SHA224_HMAC, "SHA224"),
	HMAC(CKM_SHA256_HMAC, "SHA256"),
	HMAC(CKM_SHA384_HMAC, "SHA384"),
	HMAC(CKM_SHA512_HMAC, "SHA512"),
	AES(CKM_AES_ECB, KMP_AES_ECB),
	AES(CKM_AES_CBC, KMP_AES_CBC),
	AES(CKM_AES_CBC_PAD, KMP_AES_CBC_PAD),
	AES(CKM_AES_CTR, KMP_AES_CTR),
	AES(CKM_AES_GCM, KMP_AES_GCM),
	DIGEST(CKM_SHA_1, "SHA1"),
	DIGEST(CKM_SHA224, "SHA224"),
	DIGEST(CKM_SHA256, "SHA256"),
	DIGEST(CKM_SHA384, "SHA384"),
	DIGEST(CKM_SHA512, "SHA512"),
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
	const struct kmp_mechanism *m = kmp_mechanism(type);

	return m != NULL && m->kind == KMP_DIGEST ? km_digest(m->digest) : NULL;
}

const EVP_MD *kmp_digest_of_mgf(CK_RSA_PKCS_MGF_TYPE mgf)
{
	switch (mgf) {
	case CKG_MGF1_SHA1:
		return km_digest("SHA1");
	case CKG_MGF1_SHA224:
		return km_digest("SHA224");
	case CKG_MGF1_SHA256:
		return km_digest("SHA256");
	case CKG_MGF1_SHA384:
		return km_digest("SHA384");
	case CKG_MGF1_SHA512:
		return km_digest("SHA512");
	default:
		return NULL;
	}
}
