/* PEM text of keys and certificates, as the Key Manager stores them. */
#ifndef KMP11_PEM_H
#define KMP11_PEM_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>

/* PKCS#8 (private) or SubjectPublicKeyInfo; NULL when out of memory.
 * Free with kmp_pem_free. */
char *kmp_pem_key(EVP_PKEY *key, bool private);
/* A bundle: the certificates of chain (may be NULL), then last; NULL on
 * failure. */
char *kmp_pem_certificates(STACK_OF(X509) *chain, X509 *last);
/* Wipes and frees. */
void kmp_pem_free(char *pem);

#endif
