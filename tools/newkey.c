/* A new key pair on the token like an existing key: renew --new-key. */
#include "tools/orders.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <p11-kit/p11-kit.h>
#include <stdlib.h>
#include <string.h>

/* The generation mechanism and public template of like's kind; the
 * values point into p. false for a key type kmp11 does not make. */
struct pair_spec {
	CK_MECHANISM mech;
	CK_ATTRIBUTE pub[4];
	CK_ULONG n_pub;
	CK_ULONG bits;
	CK_BYTE exponent[3];
	unsigned char *params; /* CKA_EC_PARAMS, OPENSSL_malloc'd */
	CK_BBOOL yes;
};

static bool ec_spec(struct pair_spec *p, EVP_PKEY *like)
{
	char curve[64];
	int len;

	if (!EVP_PKEY_get_utf8_string_param(like, OSSL_PKEY_PARAM_GROUP_NAME,
					    curve, sizeof(curve), NULL) ||
	    (len = i2d_ASN1_OBJECT(OBJ_nid2obj(OBJ_txt2nid(curve)), &p->params)) <= 0)
		return false;
	p->mech.mechanism = CKM_EC_KEY_PAIR_GEN;
	p->pub[p->n_pub++] = (CK_ATTRIBUTE){CKA_EC_PARAMS, p->params, (CK_ULONG)len};
	return true;
}

static bool pair_spec(struct pair_spec *p, EVP_PKEY *like)
{
	int len;

	p->yes = CK_TRUE;
	p->pub[p->n_pub++] = (CK_ATTRIBUTE){CKA_TOKEN, &p->yes, sizeof(p->yes)};
	switch (EVP_PKEY_get_base_id(like)) {
	case EVP_PKEY_RSA:
		p->mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		p->bits = (CK_ULONG)EVP_PKEY_get_bits(like);
		memcpy(p->exponent, "\x01\x00\x01", 3);
		p->pub[p->n_pub++] = (CK_ATTRIBUTE){CKA_MODULUS_BITS, &p->bits, sizeof(p->bits)};
		p->pub[p->n_pub++] = (CK_ATTRIBUTE){CKA_PUBLIC_EXPONENT, p->exponent, 3};
		return true;
	case EVP_PKEY_EC:
		return ec_spec(p, like);
	case EVP_PKEY_ED25519:
		p->mech.mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN;
		len = i2d_ASN1_OBJECT(OBJ_nid2obj(NID_ED25519), &p->params);
		p->pub[p->n_pub++] = (CK_ATTRIBUTE){CKA_EC_PARAMS, p->params,
						    len > 0 ? (CK_ULONG)len : 0};
		return len > 0;
	default:
		return false;
	}
}

/* The public key of a public key object, from its CKA_PUBLIC_KEY_INFO. */
static EVP_PKEY *public_key(struct tool *t, CK_SESSION_HANDLE s,
			    CK_OBJECT_HANDLE o)
{
	unsigned char *der;
	const unsigned char *p;
	CK_ULONG len;
	EVP_PKEY *key = NULL;

	if (tool_attr(t, s, o, CKA_PUBLIC_KEY_INFO, &der, &len) == CKR_OK) {
		p = der;
		key = d2i_PUBKEY(NULL, &p, (long)len);
		free(der);
	}
	return key;
}

/* The pair under a name of its own, so that a server that loads the
 * key by the certificate's name never takes it before its certificate
 * exists; under the certificate's name when the token's containers
 * patterns show no other. */
static CK_RV generate(struct tool *t, CK_SESSION_HANDLE s, struct pair_spec *p,
		      const char *label, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_BBOOL yes = CK_TRUE;
	char own[256];
	CK_ATTRIBUTE priv_t[] = {{CKA_TOKEN, &yes, sizeof(yes)},
				 {CKA_SIGN, &yes, sizeof(yes)},
				 {CKA_LABEL, own, 0}};
	CK_RV rv;

	snprintf(own, sizeof(own), "%s.new-key", label);
	priv_t[2].ulValueLen = strlen(own);
	rv = t->f->C_GenerateKeyPair(s, &p->mech, p->pub, p->n_pub, priv_t, 3, pub, priv);
	if (rv != CKR_TEMPLATE_INCONSISTENT)
		return rv;
	tool_error("renew '%s': the new key is made under the certificate's name "
		   "(the token shows no other) until its certificate is issued",
		   label);
	priv_t[2] = (CK_ATTRIBUTE){CKA_LABEL, (void *)label, strlen(label)};
	return t->f->C_GenerateKeyPair(s, &p->mech, p->pub, p->n_pub, priv_t, 3, pub,
				       priv);
}

EVP_PKEY *tool_new_key_like(struct tool *t, CK_SESSION_HANDLE s, EVP_PKEY *like,
			    const char *label, CK_OBJECT_HANDLE *priv,
			    const char **why)
{
	struct pair_spec p = {0};
	CK_OBJECT_HANDLE pub;
	EVP_PKEY *key = NULL;
	CK_RV rv;

	*why = "kmp11 makes RSA, EC (P-256, P-384, P-521) and Ed25519 keys only";
	if (pair_spec(&p, like)) {
		rv = generate(t, s, &p, label, &pub, priv);
		*why = rv == CKR_OK ? "the new public key cannot be read"
				    : p11_kit_strerror(rv);
		if (rv == CKR_OK && (key = public_key(t, s, pub)) == NULL)
			t->f->C_DestroyObject(s, *priv);
	}
	OPENSSL_free(p.params);
	ERR_clear_error();
	return key;
}
