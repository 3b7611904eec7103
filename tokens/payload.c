#include "tokens/payload.h"

#include "tokens/crypto-ctx.h"
#include "tokens/log.h"

#include <openssl/bio.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool looks_pem(const unsigned char *data, size_t len)
{
	return memmem(data, len, "-----BEGIN ", 11) != NULL;
}

/* base64 text (with or without line breaks) decoded; NULL if not base64. */
static unsigned char *unbase64(const unsigned char *data, size_t len,
			       size_t *out_len)
{
	unsigned char *clean = malloc(len + 1), *out = NULL;
	size_t n = 0;
	int decoded;

	if (clean == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = data[i];
		if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
			continue;
		if (!(c == '+' || c == '/' || c == '=' || (c >= '0' && c <= '9') ||
		      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			goto out;
		clean[n++] = c;
	}
	if (n == 0 || n % 4 != 0 || (out = malloc(n / 4 * 3 + 1)) == NULL)
		goto out;
	decoded = EVP_DecodeBlock(out, clean, (int)n);
	if (decoded < 0) {
		free(out);
		out = NULL;
		goto out;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	*out_len = (size_t)decoded - (clean[n - 1] == '=') - (clean[n - 2] == '=');
out:
	OPENSSL_cleanse(clean, len + 1);
	free(clean);
	return out;
}

typedef void *(*der_parser)(const unsigned char *, size_t, const void *);

/* Tries DER, then base64 of DER: users store both. */
static void *der_or_base64(const unsigned char *data, size_t len,
			   der_parser parse, const void *arg)
{
	void *result = parse(data, len, arg);
	unsigned char *raw;
	size_t raw_len = 0;

	if (result != NULL || (raw = unbase64(data, len, &raw_len)) == NULL)
		return result;
	result = parse(raw, raw_len, arg);
	OPENSSL_cleanse(raw, raw_len);
	free(raw);
	return result;
}

static void *der_certificate(const unsigned char *p, size_t len, const void *arg)
{
	return km_certificate_der(&p, (long)len);
}

/* The next PEM certificate of bio, bound to kmp11's library context;
 * aux: also "TRUSTED CERTIFICATE". */
static X509 *pem_certificate(BIO *bio, bool aux)
{
	X509 *x = km_libctx() ? X509_new_ex(km_libctx(), NULL) : NULL;

	/* Without a PEM block x is left as it was; a bad one frees it. */
	if (x != NULL && (aux ? PEM_read_bio_X509_AUX(bio, &x, NULL, NULL)
			      : PEM_read_bio_X509(bio, &x, NULL, NULL)) == NULL) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

X509 *km_parse_certificate(const unsigned char *data, size_t len)
{
	X509 *x = NULL;
	BIO *bio;

	if (looks_pem(data, len) &&
	    (bio = BIO_new_mem_buf(data, (int)len)) != NULL) {
		x = pem_certificate(bio, true);
		BIO_free(bio);
	} else {
		x = der_or_base64(data, len, der_certificate, NULL);
	}
	ERR_clear_error();
	return x;
}

/* A PKCS#7 structure whose certificates, once parsed into it, are bound
 * to kmp11's library context. */
static PKCS7 *pkcs7_new(void)
{
	return km_libctx() ? PKCS7_new_ex(km_libctx(), NULL) : NULL;
}

static STACK_OF(X509) *pkcs7_certificates(PKCS7 *p7)
{
	STACK_OF(X509) *certs = NULL, *out;

	if (p7 == NULL)
		return NULL;
	if (PKCS7_type_is_signed(p7) && p7->d.sign != NULL)
		certs = p7->d.sign->cert;
	else if (PKCS7_type_is_signedAndEnveloped(p7) &&
		 p7->d.signed_and_enveloped != NULL)
		certs = p7->d.signed_and_enveloped->cert;
	out = certs ? X509_chain_up_ref(certs) : sk_X509_new_null();
	PKCS7_free(p7);
	return out;
}

static void *der_chain(const unsigned char *p, size_t len, const void *arg)
{
	const unsigned char *start = p;
	PKCS7 *p7 = pkcs7_new();
	STACK_OF(X509) *chain;
	X509 *x;

	/* d2i frees p7 when it fails. */
	if (p7 != NULL && d2i_PKCS7(&p7, &p, (long)len) != NULL)
		return pkcs7_certificates(p7);
	p = start;
	if ((x = km_certificate_der(&p, (long)len)) == NULL)
		return NULL;
	if ((chain = sk_X509_new_null()) == NULL || !sk_X509_push(chain, x)) {
		X509_free(x);
		sk_X509_free(chain);
		return NULL;
	}
	return chain;
}

static STACK_OF(X509) *pem_chain(const unsigned char *data, size_t len)
{
	STACK_OF(X509) *chain;
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	PKCS7 *p7;
	X509 *x;

	if (bio == NULL)
		return NULL;
	if (memmem(data, len, "-----BEGIN PKCS7", 16) != NULL) {
		if ((p7 = pkcs7_new()) != NULL &&
		    PEM_read_bio_PKCS7(bio, &p7, NULL, NULL) == NULL) {
			PKCS7_free(p7);
			p7 = NULL;
		}
		BIO_free(bio);
		return pkcs7_certificates(p7);
	}
	chain = sk_X509_new_null();
	while (chain != NULL && (x = pem_certificate(bio, false)) != NULL)
		if (!sk_X509_push(chain, x))
			X509_free(x);
	BIO_free(bio);
	if (chain != NULL && sk_X509_num(chain) == 0) {
		sk_X509_free(chain);
		chain = NULL;
	}
	return chain;
}

STACK_OF(X509) *km_parse_chain(const unsigned char *data, size_t len)
{
	STACK_OF(X509) *chain = looks_pem(data, len)
					? pem_chain(data, len)
					: der_or_base64(data, len, der_chain, NULL);

	ERR_clear_error();
	return chain;
}

static int passphrase_cb(char *buf, int size, int rwflag, void *u)
{
	size_t n;

	if (u == NULL)
		return -1;
	n = strlen(u);
	if (n > (size_t)size)
		return -1;
	memcpy(buf, u, n);
	return (int)n;
}

/* A DER key decoded in kmp11's library context: structure NULL tries
 * them all (PKCS#8, encrypted with the passphrase or not, and the key
 * type's own); selection says whether a private key is required. */
static EVP_PKEY *der_key(const unsigned char *p, size_t len,
			 const char *structure, const char *type,
			 int selection, const char *passphrase)
{
	EVP_PKEY *key = NULL;
	OSSL_DECODER_CTX *dctx = km_libctx() == NULL ? NULL
		: OSSL_DECODER_CTX_new_for_pkey(&key, "DER", structure, type,
						selection, km_libctx(), NULL);

	if (dctx != NULL &&
	    (passphrase == NULL ||
	     OSSL_DECODER_CTX_set_passphrase(dctx, (const unsigned char *)passphrase,
					     strlen(passphrase))))
		OSSL_DECODER_from_data(dctx, &p, &len);
	OSSL_DECODER_CTX_free(dctx);
	return key;
}

static void *der_private_key(const unsigned char *p, size_t len,
			     const void *passphrase)
{
	return der_key(p, len, NULL, NULL, EVP_PKEY_KEYPAIR, passphrase);
}

EVP_PKEY *km_parse_private_key(const unsigned char *data, size_t len,
			       const char *passphrase)
{
	EVP_PKEY *key = NULL;
	BIO *bio;

	if (looks_pem(data, len)) {
		if ((bio = BIO_new_mem_buf(data, (int)len)) != NULL) {
			key = PEM_read_bio_PrivateKey_ex(bio, NULL, passphrase_cb,
							 (void *)passphrase,
							 km_libctx(), NULL);
			BIO_free(bio);
		}
	} else {
		key = der_or_base64(data, len, der_private_key, passphrase);
	}
	ERR_clear_error();
	return key;
}

static void *der_public_key(const unsigned char *p, size_t len, const void *arg)
{
	EVP_PKEY *key = der_key(p, len, "SubjectPublicKeyInfo", NULL,
				EVP_PKEY_PUBLIC_KEY, NULL);

	/* PKCS#1 RSAPublicKey */
	return key ? key : der_key(p, len, "type-specific", "RSA",
				   EVP_PKEY_PUBLIC_KEY, NULL);
}

EVP_PKEY *km_parse_public_key(const unsigned char *data, size_t len)
{
	EVP_PKEY *key = NULL;
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	long der_len = 0;
	BIO *bio;

	if (!looks_pem(data, len)) {
		key = der_or_base64(data, len, der_public_key, NULL);
	} else if ((bio = BIO_new_mem_buf(data, (int)len)) != NULL) {
		/* "PUBLIC KEY" (SPKI) or "RSA PUBLIC KEY" (PKCS#1). */
		if (PEM_read_bio(bio, &name, &header, &der, &der_len) == 1)
			key = der_public_key(der, (size_t)der_len, NULL);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
		BIO_free(bio);
	}
	ERR_clear_error();
	return key;
}

int km_key_matches_certificate(EVP_PKEY *key, X509 *cert)
{
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	int same = pub != NULL && EVP_PKEY_eq(key, pub) == 1;

	ERR_clear_error();
	return same;
}
