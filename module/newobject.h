/*
 * The template of a token object given to C_CreateObject, read into what
 * the Key Manager will store: a certificate, a key (from its PKCS#11
 * components), a secret key's or a data object's bytes.
 */
#ifndef KMP11_NEWOBJECT_H
#define KMP11_NEWOBJECT_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>
#include <stddef.h>

enum kmp_new_kind {
	KMP_NEW_CERTIFICATE,
	KMP_NEW_INTERMEDIATE, /* CKA_CERTIFICATE_CATEGORY 2 */
	KMP_NEW_PRIVATE_KEY,
	KMP_NEW_PUBLIC_KEY,
	KMP_NEW_SECRET_KEY,
	KMP_NEW_DATA,
};

struct kmp_new_object {
	enum kmp_new_kind kind;
	char label[128]; /* "" when the template has none */
	unsigned char id[64];
	size_t id_len;
	CK_KEY_TYPE key_type;
	X509 *certificate;
	EVP_PKEY *key;
	unsigned char *value; /* secret keys and data; wiped when freed */
	size_t value_len;
};

/* CKR_TEMPLATE_INCOMPLETE, CKR_ATTRIBUTE_VALUE_INVALID... as the spec
 * says for what is missing or wrong. Usage flags are not kept: stored
 * objects read back with the token's (docs/writes.md). */
CK_RV kmp_new_object_parse(const CK_ATTRIBUTE *templ, CK_ULONG n,
			   struct kmp_new_object *out);
void kmp_new_object_free(struct kmp_new_object *o);

/* A public key (RSA, EC, Edwards) from its template's components; also
 * for session objects. */
CK_RV kmp_template_public_key(const CK_ATTRIBUTE *templ, CK_ULONG n,
			      CK_KEY_TYPE type, EVP_PKEY **out);
/* A private key from its template's components (RSA: all eight; EC and
 * Edwards: CKA_EC_PARAMS and CKA_VALUE). */
CK_RV kmp_template_private_key(const CK_ATTRIBUTE *templ, CK_ULONG n,
			       CK_KEY_TYPE type, EVP_PKEY **out);
/* An X.509 certificate from CKA_VALUE (DER, nothing after it); its
 * CKA_CERTIFICATE_TYPE and CKA_CERTIFICATE_CATEGORY, where given,
 * checked. */
CK_RV kmp_template_certificate(const CK_ATTRIBUTE *templ, CK_ULONG n,
			       X509 **out);

#endif
