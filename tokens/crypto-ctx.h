/*
 * kmp11's own OpenSSL library context: every algorithm kmp11 uses is
 * fetched from it, never from the process's default context, which the
 * host's openssl.cnf configures. Its providers and default_properties
 * (pkcs11-provider's "?provider=pkcs11" would route kmp11's crypto back
 * through the provider into kmp11; "fips=yes" without a FIPS provider
 * would make it fail) and its engines then change nothing kmp11
 * computes.
 */
#ifndef KMP11_CRYPTO_CTX_H
#define KMP11_CRYPTO_CTX_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>

/* The context, made at the first call in the process with OpenSSL's
 * "default" provider and no config file; kept for the process's life (keys
 * made in it may outlive C_Finalize). NULL if it could not be made. */
OSSL_LIB_CTX *km_libctx(void);

/* Frees the context and what was fetched from it; km_libctx() is NULL
 * afterwards. Only once nothing made in it can be used again: at exit, for
 * leak checkers (memory it holds is referenced from the secure heap, which
 * they do not scan). */
void km_libctx_free(void);

/* A digest ("SHA1", "SHA224", "SHA256", "SHA384", "SHA512") or an AES
 * cipher ("AES-128-CBC"...: ECB, CBC, CTR, GCM) fetched from km_libctx()
 * once per process: a fetch by name takes a lock and a lookup. NULL for
 * a name kmp11 does not use. */
const EVP_MD *km_digest(const char *name);
const EVP_CIPHER *km_cipher(const char *name);

/* Random bytes and seeding of km_libctx()'s generator. */
bool km_random_bytes(unsigned char *out, size_t len);
void km_random_seed(const unsigned char *seed, size_t len);

/* A DER certificate bound to km_libctx() (its key, its extensions' hash);
 * *p advances as with d2i_X509. */
X509 *km_certificate_der(const unsigned char **p, long len);

#endif
