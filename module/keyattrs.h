/* PKCS#11 attributes read off OpenSSL keys and certificates. */
#ifndef KMP11_KEYATTRS_H
#define KMP11_KEYATTRS_H

#include "module/attrs.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

/* CKK_RSA, CKK_EC, CKK_EC_EDWARDS, or CK_UNAVAILABLE_INFORMATION. */
CK_KEY_TYPE kmp_key_type(const EVP_PKEY *key);
/* From the Key Manager's "algorithm" metadata. */
CK_KEY_TYPE kmp_key_type_from_algorithm(const char *algorithm);
enum kmp_key_half {
	KMP_PUBLIC_HALF,
	KMP_PRIVATE_SENSITIVE,   /* private components present but unreadable */
	KMP_PRIVATE_EXTRACTABLE, /* and readable: the token opted in */
};

/* CKA_KEY_TYPE, the public components, CKA_PUBLIC_KEY_INFO; for a
 * private key its private components too. */
void kmp_add_key(struct kmp_builder *b, EVP_PKEY *key, enum kmp_key_half half);
/* CKA_VALUE, SUBJECT, ISSUER, SERIAL_NUMBER, dates, PUBLIC_KEY_INFO... */
void kmp_add_certificate(struct kmp_builder *b, X509 *cert);
/* The subject's CN (UTF-8), else NULL; free() it. */
char *kmp_certificate_cn(X509 *cert);
/* CKA_SUBJECT of a certificate. */
void kmp_add_subject(struct kmp_builder *b, X509 *cert);
/* The subject key identifier, else SHA-1 of the public key bits. */
void kmp_add_key_id(struct kmp_builder *b, X509 *cert);

#endif
