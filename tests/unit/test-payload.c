#include "tokens/payload.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static EVP_PKEY *key;
static X509 *cert;

static int setup(void **state)
{
	key = EVP_EC_gen("P-256");
	cert = X509_new();
	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 7);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
				   (const unsigned char *)"t", -1, -1, 0);
	X509_set_issuer_name(cert, X509_get_subject_name(cert));
	X509_set_pubkey(cert, key);
	X509_sign(cert, key, EVP_sha256());
	return 0;
}

static int teardown(void **state)
{
	EVP_PKEY_free(key);
	X509_free(cert);
	return 0;
}

static size_t to_pem(BIO *bio, char *out, size_t size)
{
	int n = BIO_read(bio, out, (int)size - 1);
	BIO_free(bio);
	out[n] = '\0';
	return (size_t)n;
}

static void test_certificate_forms(void **state)
{
	unsigned char *der = NULL, b64[4096];
	int len = i2d_X509(cert, &der);
	char pem[4096];
	BIO *bio = BIO_new(BIO_s_mem());
	X509 *x;
	size_t n;

	PEM_write_bio_X509(bio, cert);
	n = to_pem(bio, pem, sizeof(pem));
	assert_non_null(x = km_parse_certificate((unsigned char *)pem, n));
	assert_int_equal(X509_cmp(x, cert), 0);
	X509_free(x);
	assert_non_null(x = km_parse_certificate(der, (size_t)len));
	X509_free(x);
	n = (size_t)EVP_EncodeBlock(b64, der, len);
	assert_non_null(x = km_parse_certificate(b64, n));
	X509_free(x);
	/* Truncated, garbage, wrong label: NULL, never a crash. */
	assert_null(km_parse_certificate(der, (size_t)len / 2));
	assert_null(km_parse_certificate((unsigned char *)"garbage!", 8));
	assert_null(km_parse_certificate((unsigned char *)"-----BEGIN FOO-----\n", 20));
	assert_null(km_parse_certificate((unsigned char *)"", 0));
	OPENSSL_free(der);
}

static void test_chains(void **state)
{
	char pem[8192];
	BIO *bio = BIO_new(BIO_s_mem());
	STACK_OF(X509) *chain;
	size_t n;

	PEM_write_bio_X509(bio, cert);
	PEM_write_bio_X509(bio, cert);
	n = to_pem(bio, pem, sizeof(pem));
	assert_non_null(chain = km_parse_chain((unsigned char *)pem, n));
	assert_int_equal(sk_X509_num(chain), 2);
	sk_X509_pop_free(chain, X509_free);
	assert_null(km_parse_chain((unsigned char *)"-----BEGIN PKCS7-----\n", 22));
}

static void test_private_keys(void **state)
{
	char pem[4096];
	BIO *bio = BIO_new(BIO_s_mem());
	EVP_PKEY *k;
	size_t n;

	PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), NULL, 0, NULL,
				      (void *)"pw");
	n = to_pem(bio, pem, sizeof(pem));
	assert_non_null(k = km_parse_private_key((unsigned char *)pem, n, "pw"));
	assert_true(km_key_matches_certificate(k, cert));
	EVP_PKEY_free(k);
	assert_null(km_parse_private_key((unsigned char *)pem, n, "wrong"));
	assert_null(km_parse_private_key((unsigned char *)pem, n, NULL));
	bio = BIO_new(BIO_s_mem());
	i2d_PrivateKey_bio(bio, key);
	n = to_pem(bio, pem, sizeof(pem));
	assert_non_null(k = km_parse_private_key((unsigned char *)pem, n, NULL));
	EVP_PKEY_free(k);
	k = EVP_EC_gen("P-384");
	assert_false(km_key_matches_certificate(k, cert));
	EVP_PKEY_free(k);
}

static void test_public_keys(void **state)
{
	char pem[4096];
	BIO *bio = BIO_new(BIO_s_mem());
	EVP_PKEY *k;
	size_t n;

	PEM_write_bio_PUBKEY(bio, key);
	n = to_pem(bio, pem, sizeof(pem));
	assert_non_null(k = km_parse_public_key((unsigned char *)pem, n));
	EVP_PKEY_free(k);
	assert_null(km_parse_public_key((unsigned char *)"xx", 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_certificate_forms),
		cmocka_unit_test(test_chains),
		cmocka_unit_test(test_private_keys),
		cmocka_unit_test(test_public_keys),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
