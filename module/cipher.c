#include "module/cipher.h"

#include "module/mechanisms.h"

CK_RV kmp_cipher_new(enum kmp_op_kind kind, const CK_MECHANISM *mechanism,
		     const struct kmp_key *key, struct kmp_op **out)
{
	const struct kmp_mechanism *mech = kmp_mechanism(mechanism->mechanism);

	if (mech == NULL || !(mech->flags & (kind == KMP_OP_ENCRYPT ? CKF_ENCRYPT
								    : CKF_DECRYPT)))
		return CKR_MECHANISM_INVALID;
	if (mech->key_type != key->type)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (key->type == CKK_RSA && key->pkey != NULL)
		return kmp_rsa_cipher_new(kind, mechanism, key->pkey, out);
	if (key->type == CKK_AES && key->secret != NULL)
		return kmp_aes_cipher_new(kind, mechanism, key->secret,
					  key->secret_len, out);
	return CKR_KEY_TYPE_INCONSISTENT;
}
