#include "module/placement.h"

#include "module/failures.h"
#include "module/keyattrs.h"
#include "module/pem.h"
#include "tokens/config.h"
#include "tokens/log.h"
#include "tokens/names.h"
#include "tokens/store.h"

#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEX_ID (2 * sizeof(((struct kmp_new_object *)0)->id) + 1)

/* ---- the other half ---- */

/* Whether container c carries the CKA_ID of o: the id kmp11 shows for it
 * (its uuid), or the one kmp11 kept in the metadata of its secret. */
static bool carries_id(struct km_token *t, const struct km_container *c,
		       const char *secret, const struct kmp_new_object *o,
		       const char *hex)
{
	char kept[HEX_ID];

	if (c->id_len > 0)
		return c->id_len == o->id_len && memcmp(c->id, o->id, o->id_len) == 0;
	if (km_uuid_is(c->uuid, o->id, o->id_len))
		return true;
	return km_ok(km_secret_cka_id(t, secret, kept, sizeof(kept))) &&
	       strcmp(kept, hex) == 0;
}

/* The secret of c that o would pair with, given the shape of c: a key
 * pair's key for a certificate, a certificate without key for a key, a
 * certificate for an intermediate; NULL if c is no match for o. */
static const char *pairing_secret(const struct km_container *c,
				  const struct kmp_new_object *o,
				  enum km_payload_kind *kind)
{
	bool cert = c->type == KM_CONTAINER_CERTIFICATE && c->certificate[0];

	*kind = KM_PAYLOAD_CERTIFICATE;
	if (o->kind == KMP_NEW_CERTIFICATE && !c->certificate[0] && c->private_key[0]) {
		*kind = c->public_key[0] ? KM_PAYLOAD_PUBLIC_KEY
					 : KM_PAYLOAD_PRIVATE_KEY;
		return c->public_key[0] ? c->public_key : c->private_key;
	}
	if ((o->kind == KMP_NEW_PRIVATE_KEY && cert && !c->private_key[0]) ||
	    (o->kind == KMP_NEW_INTERMEDIATE && cert))
		return c->certificate;
	return NULL;
}

/* Whether a payload of the other half belongs with o: the same public
 * key, or (an intermediate) the issuer of its certificate. */
static bool belongs(const struct kmp_new_object *o, const struct km_payload *p)
{
	EVP_PKEY *theirs = p->certificate ? X509_get0_pubkey(p->certificate)
					  : p->key;

	if (!km_ok(p->error) || theirs == NULL)
		return false;
	if (o->kind == KMP_NEW_INTERMEDIATE)
		return X509_check_issued(o->certificate, p->certificate) == X509_V_OK;
	return EVP_PKEY_eq(o->key ? o->key : X509_get0_pubkey(o->certificate),
			   theirs) == 1;
}

/* Whether the intermediate o issued a certificate of c's chain. */
static bool issues_chain(struct km_token *t, struct km_snapshot *snap,
			 const struct km_container *c,
			 const struct kmp_new_object *o)
{
	const struct km_payload *p;
	bool issued = false;

	if (!c->intermediates[0] ||
	    !km_ok(km_token_payload(t, snap, c->intermediates,
				    KM_PAYLOAD_CHAIN, "", &p)))
		return false;
	for (int i = 0; km_ok(p->error) && !issued && i < sk_X509_num(p->chain); i++)
		issued = X509_check_issued(o->certificate,
					   sk_X509_value(p->chain, i)) == X509_V_OK;
	km_token_payload_release(t, p);
	return issued;
}

/*
 * The newest container o completes: one carrying its CKA_ID; else, when
 * o has a label, one of that name whose payload belongs with o (p11tool
 * gives a certificate its subject key identifier as CKA_ID and its key
 * another one).
 */
static const struct km_container *other_half(struct km_token *t,
					     struct km_snapshot *snap,
					     const struct kmp_new_object *o,
					     const char *hex)
{
	const struct km_listing *l = snap->listing;
	const struct km_payload *p;
	enum km_payload_kind kind;
	const char *secret;

	for (size_t i = l->n_containers; o->id_len > 0 && i-- > 0;) {
		const struct km_container *c = &l->containers[i];
		if ((secret = pairing_secret(c, o, &kind)) != NULL &&
		    carries_id(t, c, secret, o, hex))
			return c;
	}
	for (size_t i = l->n_containers; o->label[0] && i-- > 0;) {
		const struct km_container *c = &l->containers[i];
		bool ours = false;
		if (c->name == NULL || strcmp(c->name, o->label) != 0 ||
		    (secret = pairing_secret(c, o, &kind)) == NULL)
			continue;
		if (km_ok(km_token_payload(t, snap, secret, kind, c->passphrase, &p))) {
			ours = belongs(o, p);
			km_token_payload_release(t, p);
		}
		if (ours || (o->kind == KMP_NEW_INTERMEDIATE &&
			     issues_chain(t, snap, c, o)))
			return c;
	}
	return NULL;
}

/* ---- the secrets ---- */

static const char *algorithm_of(EVP_PKEY *key, int *bits)
{
	*bits = EVP_PKEY_get_bits(key);
	switch (kmp_key_type(key)) {
	case CKK_RSA:
		return "rsa";
	case CKK_EC:
		return "ec";
	default:
		if (EVP_PKEY_get_id(key) == EVP_PKEY_ED448)
			return "ed448";
		*bits = 256;
		return "ed25519";
	}
}

static struct km_new_secret key_secret(const char *ref_name, EVP_PKEY *key,
				       bool private, const char *pem,
				       const char *hex)
{
	struct km_new_secret s = {
		.ref_name = ref_name, .type = private ? "private" : "public",
		.payload = (const unsigned char *)pem, .len = strlen(pem),
		.text = true, .cka_id = hex,
	};

	s.algorithm = algorithm_of(key, &s.bits);
	return s;
}

static struct km_new_secret existing(const char *ref_name, const char *uuid)
{
	return (struct km_new_secret){.ref_name = ref_name, .uuid = uuid};
}

/* The private key of a container (and its passphrase), into the secrets
 * of the one replacing it. */
static void keep_key(struct km_new_secret *s, size_t *n,
		     const struct km_container *from)
{
	if (from->private_key[0])
		s[(*n)++] = existing("private_key", from->private_key);
	if (from->passphrase[0])
		s[(*n)++] = existing("private_key_passphrase", from->passphrase);
}

/* The container's name: the label, else the half's name, else the
 * certificate's CN; NULL if none. */
static const char *name_of(const struct kmp_new_object *o,
			   const struct km_container *half, char *cn, size_t size)
{
	if (o->label[0])
		return o->label;
	if (half != NULL && half->name != NULL)
		return half->name;
	if (o->certificate != NULL &&
	    X509_NAME_get_text_by_NID(X509_get_subject_name(o->certificate),
				      NID_commonName, cn, (int)size) > 0)
		return cn;
	return NULL;
}

/* The container's name in the Key Manager: its label and the CKA_ID its
 * objects show (o's, else its other half's; an intermediate's is its
 * certificate's); *out NULL for an unnamed one (no label, no id). The
 * name checked is the name made. */
static CK_RV container_name(const char *label, const struct kmp_new_object *o,
			    const struct km_container *half, char **out)
{
	const unsigned char *id = NULL;
	size_t len = 0;

	if (o->kind != KMP_NEW_INTERMEDIATE && o->id_len > 0) {
		id = o->id;
		len = o->id_len;
	} else if (half != NULL) {
		id = half->id;
		len = half->id_len;
	}
	*out = NULL;
	if (!km_container_name_fits(label, len)) {
		km_error("C_CreateObject: the label '%s' is too long, or ends "
			 "like the \" (id ...)\" kmp11 gives a CKA_ID", label);
		return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	if (label[0] == '\0' && len == 0)
		return CKR_OK;
	return (*out = km_container_name(label, id, len)) != NULL ? CKR_OK
								 : CKR_HOST_MEMORY;
}

static CK_RV check_shown(struct km_token *t, const char *name)
{
	if (km_token_config_shows(km_token_config(t), name))
		return CKR_OK;
	km_error("C_CreateObject: a container named '%s' would not be shown "
		 "by this token (its containers patterns)", name ? name : "");
	return CKR_TEMPLATE_INCONSISTENT;
}

/* ---- the kinds of objects ---- */

static CK_RV store_pair(struct km_token *t, EVP_PKEY *key, const char *name,
			const char *hex, km_uuid out)
{
	char *private_pem = kmp_pem_key(key, true);
	char *public_pem = kmp_pem_key(key, false);
	CK_RV rv = CKR_HOST_MEMORY;

	if (private_pem != NULL && public_pem != NULL) {
		struct km_new_secret halves[] = {
			key_secret("private_key", key, true, private_pem, hex),
			key_secret("public_key", key, false, public_pem, hex),
		};
		struct km_new_container pair = {.type = "generic", .name = name,
						.secrets = halves, .n = 2};
		rv = kmp_rv_of(km_store(t, &pair, out));
	}
	kmp_pem_free(private_pem);
	kmp_pem_free(public_pem);
	return rv;
}

CK_RV kmp_store_key_pair(struct km_token *t, EVP_PKEY *key, const char *name,
			 km_uuid out)
{
	return store_pair(t, key, name, NULL, out);
}

/* A certificate: with its key pair when one carries its CKA_ID. */
static CK_RV store_certificate(struct km_token *t, const struct kmp_new_object *o,
			       const struct km_container *pair, const char *name,
			       const char *hex, struct kmp_stored *out)
{
	char *pem = kmp_pem_certificates(NULL, o->certificate);
	struct km_new_secret s[3];
	struct km_new_container c = {.type = "certificate", .name = name,
				     .secrets = s, .n = 1};
	CK_RV rv;

	if (pem == NULL)
		return CKR_HOST_MEMORY;
	s[0] = (struct km_new_secret){
		.ref_name = "certificate", .type = "certificate",
		.payload = (unsigned char *)pem, .len = strlen(pem),
		.text = true, .cka_id = hex,
	};
	if (pair != NULL) {
		keep_key(s, &c.n, pair);
		c.replaces = pair->uuid;
		/* A certificate container has no place for it: the
		 * certificate gives the public key. */
		if (pair->public_key[0])
			c.drop = pair->public_key;
	}
	rv = kmp_rv_of(km_store(t, &c, out->uuid));
	kmp_pem_free(pem);
	return rv;
}

/* A private key: into the certificate container carrying its CKA_ID,
 * else a key pair of its own. */
static CK_RV store_private_key(struct km_token *t, const struct kmp_new_object *o,
			       const struct km_container *cert, const char *name,
			       const char *hex, struct kmp_stored *out)
{
	char *pem;
	struct km_new_secret s[3];
	struct km_new_container c = {.type = "certificate", .name = name,
				     .secrets = s, .n = 2, .replaces = cert ? cert->uuid : NULL};
	CK_RV rv;

	if (cert == NULL)
		return store_pair(t, o->key, name, hex, out->uuid);
	if ((pem = kmp_pem_key(o->key, true)) == NULL)
		return CKR_HOST_MEMORY;
	s[0] = existing("certificate", cert->certificate);
	s[1] = key_secret("private_key", o->key, true, pem, hex);
	if (cert->intermediates[0])
		s[c.n++] = existing("intermediates", cert->intermediates);
	rv = kmp_rv_of(km_store(t, &c, out->uuid));
	kmp_pem_free(pem);
	return rv;
}

/* An intermediate: appended to the chain of the certificate container
 * carrying its CKA_ID (a new intermediates secret, a new container). */
static CK_RV store_intermediate(struct km_token *t, struct km_snapshot *snap,
				const struct kmp_new_object *o,
				const struct km_container *cert, const char *name,
				struct kmp_stored *out)
{
	const struct km_payload *chain = NULL;
	struct km_new_secret s[4];
	struct km_new_container c = {.type = "certificate", .name = name,
				     .secrets = s, .n = 1, .replaces = cert->uuid};
	char *pem;
	CK_RV rv;

	if (cert->intermediates[0]) {
		rv = kmp_rv_of(km_token_payload(t, snap, cert->intermediates,
						KM_PAYLOAD_CHAIN, "", &chain));
		if (rv != CKR_OK)
			return rv;
		if (!km_ok(chain->error)) {
			km_error("C_CreateObject: the chain of container %s is "
				 "unusable; not adding to it", cert->uuid);
			km_token_payload_release(t, chain);
			return CKR_FUNCTION_FAILED;
		}
		c.drop = cert->intermediates;
	}
	pem = kmp_pem_certificates(chain ? chain->chain : NULL, o->certificate);
	out->index = out->replaced_chain = chain ? (unsigned)sk_X509_num(chain->chain) : 0;
	km_token_payload_release(t, chain);
	if (pem == NULL)
		return CKR_HOST_MEMORY;
	s[0] = existing("certificate", cert->certificate);
	keep_key(s, &c.n, cert);
	s[c.n++] = (struct km_new_secret){
		.ref_name = "intermediates", .type = "certificate",
		.payload = (unsigned char *)pem, .len = strlen(pem), .text = true,
	};
	rv = kmp_rv_of(km_store(t, &c, out->uuid));
	kmp_pem_free(pem);
	return rv;
}

/* Public keys, secret keys and data: one secret of their own, shown
 * only on tokens with show_secrets. */
static CK_RV store_standalone(struct km_token *t, const struct kmp_new_object *o,
			      const char *hex, struct kmp_stored *out)
{
	struct km_new_secret s = {.cka_id = hex};
	struct km_new_container one = {.name = o->label[0] ? o->label : NULL,
				       .secrets = &s, .n = 1};
	char *pem = NULL;
	CK_RV rv;

	if (!km_token_config(t)->show_secrets) {
		km_error("C_CreateObject: this token shows no standalone "
			 "secrets (show_secrets = no): the object would be lost");
		return CKR_TEMPLATE_INCONSISTENT;
	}
	if (o->kind == KMP_NEW_PUBLIC_KEY) {
		if ((pem = kmp_pem_key(o->key, false)) == NULL)
			return CKR_HOST_MEMORY;
		s = key_secret(NULL, o->key, false, pem, hex);
	} else {
		s.type = o->kind == KMP_NEW_SECRET_KEY ? "symmetric" : "opaque";
		s.payload = o->value;
		s.len = o->value_len;
		if (o->kind == KMP_NEW_SECRET_KEY) {
			s.algorithm = o->key_type == CKK_AES ? "aes" : NULL;
			s.bits = (int)o->value_len * 8;
		}
	}
	out->standalone = true;
	rv = kmp_rv_of(km_store(t, &one, out->uuid));
	kmp_pem_free(pem);
	return rv;
}

CK_RV kmp_store_object(struct km_token *t, struct km_snapshot *snap,
		       const struct kmp_new_object *o, struct kmp_stored *out)
{
	char hex[HEX_ID], cn[128], *full;
	const struct km_container *half;
	const char *name;
	CK_RV rv;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < o->id_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", o->id[i]);
	hex[2 * o->id_len] = '\0';
	if (o->kind != KMP_NEW_CERTIFICATE && o->kind != KMP_NEW_PRIVATE_KEY &&
	    o->kind != KMP_NEW_INTERMEDIATE)
		return store_standalone(t, o, o->id_len ? hex : NULL, out);
	half = other_half(t, snap, o, hex);
	if (o->kind == KMP_NEW_INTERMEDIATE && half == NULL) {
		km_error("C_CreateObject: no certificate with this CKA_ID to "
			 "chain the intermediate '%s' to; write it first",
			 o->label);
		return CKR_TEMPLATE_INCONSISTENT;
	}
	name = o->kind == KMP_NEW_INTERMEDIATE ? half->name
					       : name_of(o, half, cn, sizeof(cn));
	if ((rv = check_shown(t, name)) != CKR_OK)
		return rv;
	if (half != NULL)
		snprintf(out->replaced, sizeof(out->replaced), "%s", half->uuid);
	if ((rv = container_name(name ? name : "", o, half, &full)) != CKR_OK)
		return rv;
	if (o->kind == KMP_NEW_INTERMEDIATE)
		rv = store_intermediate(t, snap, o, half, full, out);
	else if (o->kind == KMP_NEW_CERTIFICATE)
		rv = store_certificate(t, o, half, full, o->id_len ? hex : NULL, out);
	else
		rv = store_private_key(t, o, half, full, o->id_len ? hex : NULL, out);
	free(full);
	return rv;
}
