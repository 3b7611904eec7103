/* Secret payloads: certificates, chains and keys in the forms users store. */
#ifndef KMP11_PAYLOAD_H
#define KMP11_PAYLOAD_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>

/* PEM, DER, or base64 of DER. NULL (and a log line) if none of them. */
X509 *km_parse_certificate(const unsigned char *data, size_t len);
/* A PEM bundle, PKCS#7 (PEM or DER, or base64 DER) or one certificate. */
STACK_OF(X509) *km_parse_chain(const unsigned char *data, size_t len);
/* PKCS#1, PKCS#8, encrypted PKCS#8 or PEM; PEM or DER. */
EVP_PKEY *km_parse_private_key(const unsigned char *data, size_t len,
			       const char *passphrase);
EVP_PKEY *km_parse_public_key(const unsigned char *data, size_t len);
/* The certificate's public key is the key's. */
int km_key_matches_certificate(EVP_PKEY *key, X509 *cert);

#endif
