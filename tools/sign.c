#include "tools/sign.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <p11-kit/p11-kit.h>
#include <stdlib.h>

/* r||s (two equal halves) to a DER ECDSA-Sig-Value; false if malformed. */
static bool ecdsa_to_der(unsigned char *sig, CK_ULONG *len, size_t cap)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)(*len / 2), NULL);
	BIGNUM *ss = BN_bin2bn(sig + *len / 2, (int)(*len / 2), NULL);
	unsigned char *p = sig;
	bool ok = s && r && ss && *len % 2 == 0 && ECDSA_SIG_set0(s, r, ss);

	if (!ok) {
		BN_free(r);
		BN_free(ss);
	}
	if (ok && (size_t)i2d_ECDSA_SIG(s, NULL) <= cap)
		*len = (CK_ULONG)i2d_ECDSA_SIG(s, &p);
	else
		ok = false;
	ECDSA_SIG_free(s);
	return ok;
}

const char *tool_sign(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
		      EVP_PKEY *pub, const unsigned char *data, size_t len,
		      unsigned char *sig, CK_ULONG *sig_len, int *nid)
{
	static char why[128]; /* the tool signs from one thread */
	CK_MECHANISM mech = {0, NULL, 0};
	size_t cap = *sig_len;
	CK_RV rv;

	switch (EVP_PKEY_get_base_id(pub)) {
	case EVP_PKEY_RSA:
		mech.mechanism = CKM_SHA256_RSA_PKCS;
		*nid = NID_sha256WithRSAEncryption;
		break;
	case EVP_PKEY_EC:
		mech.mechanism = CKM_ECDSA_SHA256;
		*nid = NID_ecdsa_with_SHA256;
		break;
	case EVP_PKEY_ED25519:
		mech.mechanism = CKM_EDDSA;
		*nid = NID_ED25519;
		break;
	default:
		return "the key type is not supported";
	}
	if ((rv = t->f->C_SignInit(s, &mech, key)) == CKR_OK)
		rv = t->f->C_Sign(s, (CK_BYTE *)data, len, sig, sig_len);
	if (tool_note(t, rv) != CKR_OK) {
		snprintf(why, sizeof(why), "the token cannot sign with the "
			 "private key: %s", p11_kit_strerror(rv));
		return why;
	}
	if (mech.mechanism == CKM_ECDSA_SHA256 && !ecdsa_to_der(sig, sig_len, cap))
		return "the token's ECDSA signature is malformed";
	return NULL;
}

X509_REQ *tool_csr(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
		   const X509_NAME *subject, EVP_PKEY *pub, const char **why)
{
	X509_REQ *req = X509_REQ_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	ASN1_BIT_STRING *bits = ASN1_BIT_STRING_new();
	unsigned char *tbs = NULL, sig[1024];
	CK_ULONG sig_len = sizeof(sig);
	int tbs_len = -1, nid = NID_undef;

	*why = "out of memory";
	if (req != NULL && alg != NULL && bits != NULL && pub != NULL &&
	    X509_REQ_set_version(req, 0) &&
	    X509_REQ_set_subject_name(req, subject) &&
	    X509_REQ_set_pubkey(req, pub))
		tbs_len = i2d_re_X509_REQ_tbs(req, &tbs);
	if (tbs_len > 0)
		*why = tool_sign(t, s, key, pub, tbs, (size_t)tbs_len, sig, &sig_len, &nid);
	if (*why == NULL &&
	    (!X509_ALGOR_set0(alg, OBJ_nid2obj(nid),
			      nid == NID_sha256WithRSAEncryption ? V_ASN1_NULL
								   : V_ASN1_UNDEF,
			      NULL) ||
	     !X509_REQ_set1_signature_algo(req, alg) ||
	     !ASN1_BIT_STRING_set(bits, sig, (int)sig_len)))
		*why = "out of memory";
	if (*why == NULL) {
		X509_REQ_set0_signature(req, bits);
		bits = NULL;
		if (X509_REQ_verify(req, pub) != 1)
			*why = "the token's signature does not verify";
	}
	OPENSSL_free(tbs);
	X509_ALGOR_free(alg);
	ASN1_BIT_STRING_free(bits);
	ERR_clear_error();
	if (*why != NULL) {
		X509_REQ_free(req);
		return NULL;
	}
	return req;
}

const char *tool_prove_key(struct tool *t, CK_SESSION_HANDLE s,
			   CK_OBJECT_HANDLE key, X509 *cert)
{
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	unsigned char challenge[32], sig[1024];
	CK_ULONG len = sizeof(sig);
	const char *why;
	EVP_MD_CTX *ctx;
	int nid;
	bool ok;

	if (pub == NULL)
		return "the certificate's key type is not supported";
	if (RAND_bytes(challenge, sizeof(challenge)) != 1)
		return "no random challenge";
	if ((why = tool_sign(t, s, key, pub, challenge, sizeof(challenge), sig,
			     &len, &nid)) != NULL)
		return why;
	ctx = EVP_MD_CTX_new();
	ok = ctx != NULL &&
	     EVP_DigestVerifyInit(ctx, NULL,
				  nid == NID_ED25519 ? NULL : EVP_sha256(), NULL,
				  pub) == 1 &&
	     EVP_DigestVerify(ctx, sig, len, challenge, sizeof(challenge)) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? NULL : "the private key does not match the certificate";
}
