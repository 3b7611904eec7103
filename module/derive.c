#include "module/derive.h"

#include "module/keybuild.h"
#include "tokens/crypto-ctx.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdlib.h>

CK_RV kmp_ecdh_derive(const CK_MECHANISM *mechanism, EVP_PKEY *base,
		      unsigned char **secret, size_t *len)
{
	const CK_ECDH1_DERIVE_PARAMS *p = mechanism->pParameter;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *peer;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (p == NULL || mechanism->ulParameterLen != sizeof(*p) ||
	    p->pPublicData == NULL || p->ulPublicDataLen == 0)
		return CKR_MECHANISM_PARAM_INVALID;
	/* Only the raw shared secret: no key derivation function. */
	if (p->kdf != CKD_NULL || p->ulSharedDataLen != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	peer = kmp_ec_peer(km_libctx(), base,
			   (struct kmp_bytes){p->pPublicData, p->ulPublicDataLen});
	if (peer == NULL)
		return CKR_MECHANISM_PARAM_INVALID; /* not a point of the curve */
	*secret = NULL;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(km_libctx(), base, NULL)) != NULL &&
	    EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_derive_set_peer(ctx, peer) > 0 &&
	    EVP_PKEY_derive(ctx, NULL, len) > 0 &&
	    (*secret = malloc(*len)) != NULL) {
		if (EVP_PKEY_derive(ctx, *secret, len) > 0) {
			rv = CKR_OK;
		} else {
			OPENSSL_cleanse(*secret, *len);
			free(*secret);
			*secret = NULL;
		}
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	ERR_clear_error();
	return rv;
}
