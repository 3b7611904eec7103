/* kmp11's own library context: what kmp11 fetches, parses, generates and
 * computes comes from it, while the default context is told, as a host
 * openssl.cnf can tell it, to fetch only from a FIPS provider there is
 * none of (every default-context fetch then fails). */
#include "module/cipher.h"
#include "module/derive.h"
#include "module/digest.h"
#include "module/keybuild.h"
#include "module/keygen.h"
#include "module/ops.h"
#include "module/sign.h"
#include "tokens/crypto-ctx.h"
#include "tokens/payload.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/x509v3.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static OSSL_PROVIDER *ours; /* the default provider of kmp11's context */
static const unsigned char msg[] = "kmp11's own library context";

static int hostile_default(void **state)
{
	(void)state;
	assert_int_equal(EVP_set_default_properties(NULL, "fips=yes"), 1);
	assert_non_null(km_libctx());
	/* Loaded already: the same provider, one more reference. */
	ours = OSSL_PROVIDER_load(km_libctx(), "default");
	return ours == NULL;
}

static int release(void **state)
{
	(void)state;
	OSSL_PROVIDER_unload(ours);
	return 0;
}

static void assert_ours(const EVP_PKEY *key)
{
	assert_non_null(key);
	assert_ptr_equal(EVP_PKEY_get0_provider(key), ours);
}

static void test_fetched_once(void **state)
{
	static const char *const digests[] = {"SHA1", "SHA224", "SHA256",
					      "SHA384", "SHA512"};

	(void)state;
	/* The premise: the default context fetches nothing. */
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
	assert_null(md);
	for (size_t i = 0; i < 5; i++) {
		assert_ptr_equal(EVP_MD_get0_provider(km_digest(digests[i])), ours);
		assert_ptr_equal(km_digest(digests[i]), km_digest(digests[i]));
	}
	assert_ptr_equal(EVP_CIPHER_get0_provider(km_cipher("AES-192-CTR")), ours);
	assert_null(km_digest("MD5"));
	assert_null(km_cipher("DES-EDE3-CBC"));
}

/* key written by write (a PEM or DER encoder), parsed back by kmp11. */
static EVP_PKEY *reparsed(EVP_PKEY *key, bool private, const char *pass,
			  int (*write)(BIO *, EVP_PKEY *))
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long len;
	EVP_PKEY *back;

	assert_int_equal(write(b, key), 1);
	len = BIO_get_mem_data(b, &data);
	back = private ? km_parse_private_key((unsigned char *)data, (size_t)len, pass)
		       : km_parse_public_key((unsigned char *)data, (size_t)len);
	BIO_free(b);
	assert_ours(back);
	assert_int_equal(EVP_PKEY_eq(back, key), 1);
	return back;
}

static int pem_private(BIO *b, EVP_PKEY *k)
{
	return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}

static int der_private(BIO *b, EVP_PKEY *k)
{
	return i2d_PrivateKey_bio(b, k);
}

static int der_encrypted(BIO *b, EVP_PKEY *k)
{
	return i2d_PKCS8PrivateKey_bio(b, k, km_cipher("AES-256-CBC"), NULL, 0,
				       NULL, "passphrase");
}

static int der_spki(BIO *b, EVP_PKEY *k)
{
	return i2d_PUBKEY_bio(b, k);
}

static int der_pkcs1(BIO *b, EVP_PKEY *k)
{
	unsigned char *der = NULL;
	int len = i2d_PublicKey(k, &der);
	int ok = len > 0 && BIO_write(b, der, len) == len;

	OPENSSL_free(der);
	return ok;
}

static void test_keys_parsed_into_it(void **state)
{
	EVP_PKEY *keys[2] = {EVP_PKEY_Q_keygen(km_libctx(), NULL, "RSA", (size_t)2048),
			     EVP_PKEY_Q_keygen(km_libctx(), NULL, "EC", "P-256")};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		assert_ours(keys[i]);
		EVP_PKEY_free(reparsed(keys[i], true, NULL, pem_private));
		EVP_PKEY_free(reparsed(keys[i], true, NULL, der_private));
		EVP_PKEY_free(reparsed(keys[i], true, "passphrase", der_encrypted));
		EVP_PKEY_free(reparsed(keys[i], false, NULL, der_spki));
		EVP_PKEY_free(keys[i]);
	}
	keys[0] = EVP_PKEY_Q_keygen(km_libctx(), NULL, "RSA", (size_t)2048);
	EVP_PKEY_free(reparsed(keys[0], false, NULL, der_pkcs1));
	EVP_PKEY_free(keys[0]);
}

static X509 *self_signed(EVP_PKEY *key)
{
	X509 *x = X509_new_ex(km_libctx(), NULL);
	X509_NAME *name = X509_get_subject_name(x);

	assert_true(X509_set_version(x, 2) &&
		    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) &&
		    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					       (const unsigned char *)"ctx", -1, -1, 0) &&
		    X509_set_issuer_name(x, name) &&
		    X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
		    X509_gmtime_adj(X509_getm_notAfter(x), 3600) &&
		    X509_set_pubkey(x, key) && X509_sign(x, key, km_digest("SHA256")));
	return x;
}

/* A certificate parsed by kmp11: its key in kmp11's context and its
 * extensions cached (their hash is a SHA-1 fetched from its context). */
static void assert_certificate_ours(X509 *x, EVP_PKEY *key)
{
	assert_non_null(x);
	assert_ours(X509_get0_pubkey(x));
	assert_int_equal(km_key_matches_certificate(key, x), 1);
	assert_int_equal(X509_get_extension_flags(x) & EXFLAG_INVALID, 0);
}

static void test_certificates_parsed_into_it(void **state)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(km_libctx(), NULL, "EC", "P-256");
	X509 *cert = self_signed(key), *back;
	PKCS7 *p7 = PKCS7_new_ex(km_libctx(), NULL);
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der);
	BIO *pem = BIO_new(BIO_s_mem());
	char *text;
	long text_len;
	STACK_OF(X509) *chain;

	(void)state;
	assert_certificate_ours(back = km_parse_certificate(der, (size_t)len), key);
	X509_free(back);
	OPENSSL_free(der);
	assert_true(PEM_write_bio_X509(pem, cert) && PEM_write_bio_X509(pem, cert));
	text_len = BIO_get_mem_data(pem, &text);
	chain = km_parse_chain((unsigned char *)text, (size_t)text_len);
	assert_int_equal(sk_X509_num(chain), 2);
	assert_certificate_ours(sk_X509_value(chain, 1), key);
	sk_X509_pop_free(chain, X509_free);
	assert_true(PKCS7_set_type(p7, NID_pkcs7_signed) &&
		    PKCS7_content_new(p7, NID_pkcs7_data) &&
		    PKCS7_add_certificate(p7, cert));
	der = NULL;
	len = i2d_PKCS7(p7, &der);
	chain = km_parse_chain(der, (size_t)len);
	assert_int_equal(sk_X509_num(chain), 1);
	assert_certificate_ours(sk_X509_value(chain, 0), key);
	sk_X509_pop_free(chain, X509_free);
	OPENSSL_free(der);
	PKCS7_free(p7);
	BIO_free(pem);
	X509_free(cert);
	EVP_PKEY_free(key);
}

/* Signs msg with mechanism type, then verifies the signature. */
static void sign_and_verify(CK_MECHANISM_TYPE type, const void *param,
			    CK_ULONG param_len, const struct kmp_key *key)
{
	CK_MECHANISM m = {type, (void *)param, param_len};
	unsigned char sig[512];
	CK_ULONG len = sizeof(sig);
	struct kmp_op *op;
	bool keep;

	assert_int_equal(kmp_sign_new(KMP_OP_SIGN, &m, key, &op), CKR_OK);
	assert_int_equal(kmp_op_run_single(op, msg, sizeof(msg), sig, &len, &keep),
			 CKR_OK);
	kmp_op_free(op);
	assert_int_equal(kmp_sign_new(KMP_OP_VERIFY, &m, key, &op), CKR_OK);
	assert_int_equal(kmp_op_run_verify(op, msg, sizeof(msg), true, sig, len),
			 CKR_OK);
	kmp_op_free(op);
}

static void test_signatures(void **state)
{
	struct kmp_keygen ed = {.type = CKK_EC_EDWARDS, .curve = "ED25519"};
	struct kmp_key rsa = {CKK_RSA, EVP_PKEY_Q_keygen(km_libctx(), NULL, "RSA",
							 (size_t)2048), NULL, 0};
	struct kmp_key ec = {CKK_EC, NULL, NULL, 0}, eddsa = {CKK_EC_EDWARDS, NULL, NULL, 0};
	struct kmp_key hmac = {CKK_GENERIC_SECRET, NULL,
			       (const unsigned char *)"an hmac key", 11};
	CK_RSA_PKCS_PSS_PARAMS pss = {CKM_SHA384, CKG_MGF1_SHA384, 48};

	(void)state;
	assert_int_equal(kmp_keygen_local(&(struct kmp_keygen){.type = CKK_EC,
							      .curve = "P-384"},
					  &ec.pkey), CKR_OK);
	assert_int_equal(kmp_keygen_local(&ed, &eddsa.pkey), CKR_OK);
	assert_ours(ec.pkey);
	assert_ours(eddsa.pkey);
	sign_and_verify(CKM_SHA256_RSA_PKCS, NULL, 0, &rsa);
	sign_and_verify(CKM_SHA384_RSA_PKCS_PSS, &pss, sizeof(pss), &rsa);
	sign_and_verify(CKM_ECDSA_SHA512, NULL, 0, &ec);
	sign_and_verify(CKM_EDDSA, NULL, 0, &eddsa);
	sign_and_verify(CKM_SHA224_HMAC, NULL, 0, &hmac);
	EVP_PKEY_free(rsa.pkey);
	EVP_PKEY_free(ec.pkey);
	EVP_PKEY_free(eddsa.pkey);
}

/* in through *op (made by make: the call's other arguments are
 * evaluated in no set order, hence the pointer), all at once. */
static CK_ULONG run(CK_RV make, struct kmp_op **op, const unsigned char *in,
		    CK_ULONG in_len, unsigned char *out, CK_ULONG size)
{
	bool keep;

	assert_int_equal(make, CKR_OK);
	assert_int_equal(kmp_op_run_single(*op, in, in_len, out, &size, &keep),
			 CKR_OK);
	kmp_op_free(*op);
	return size;
}

static void test_ciphers_digests_random(void **state)
{
	static const unsigned char key[32] = "an AES-256 key, 32 bytes long!!";
	CK_GCM_PARAMS gcm = {(CK_BYTE_PTR)key, 12, 12, NULL, 0, 128};
	CK_MECHANISM m = {CKM_AES_GCM, &gcm, sizeof(gcm)};
	CK_RSA_PKCS_OAEP_PARAMS oaep = {CKM_SHA256, CKG_MGF1_SHA256, 0, NULL, 0};
	CK_MECHANISM om = {CKM_RSA_PKCS_OAEP, &oaep, sizeof(oaep)};
	CK_MECHANISM dm = {CKM_SHA512, NULL, 0};
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(km_libctx(), NULL, "RSA", (size_t)2048);
	unsigned char ct[512], pt[512], random[64] = {0}, zero[64] = {0};
	struct kmp_op *op;
	CK_ULONG len;

	(void)state;
	len = run(kmp_aes_cipher_new(KMP_OP_ENCRYPT, &m, key, 32, &op), &op, msg,
		  sizeof(msg), ct, sizeof(ct));
	assert_int_equal(len, sizeof(msg) + 16);
	assert_int_equal(run(kmp_aes_cipher_new(KMP_OP_DECRYPT, &m, key, 32, &op),
			     &op, ct, len, pt, sizeof(pt)), sizeof(msg));
	assert_memory_equal(pt, msg, sizeof(msg));
	len = run(kmp_rsa_cipher_new(KMP_OP_ENCRYPT, &om, rsa, &op), &op, msg,
		  sizeof(msg), ct, sizeof(ct));
	assert_int_equal(run(kmp_rsa_cipher_new(KMP_OP_DECRYPT, &om, rsa, &op),
			     &op, ct, len, pt, sizeof(pt)), sizeof(msg));
	assert_memory_equal(pt, msg, sizeof(msg));
	assert_int_equal(run(kmp_digest_new(&dm, &op), &op, msg, sizeof(msg), ct,
			     sizeof(ct)), 64);
	assert_true(km_random_bytes(random, sizeof(random)));
	assert_memory_not_equal(random, zero, sizeof(random));
	EVP_PKEY_free(rsa);
}

/* ECDH between a key built from its components (C_CreateObject's way)
 * and one generated: the same secret both ways. */
static void test_ecdh(void **state)
{
	static const unsigned char p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
					     0x3d, 0x03, 0x01, 0x07};
	EVP_PKEY *a = EVP_PKEY_Q_keygen(km_libctx(), NULL, "EC", "P-256");
	EVP_PKEY *b = EVP_PKEY_Q_keygen(km_libctx(), NULL, "EC", "P-256"), *a_pub;
	unsigned char point[2][65], *secret[2];
	size_t point_len[2], len[2];
	CK_ECDH1_DERIVE_PARAMS params = {CKD_NULL, 0, NULL, 65, NULL};
	CK_MECHANISM m = {CKM_ECDH1_DERIVE, &params, sizeof(params)};

	(void)state;
	for (int i = 0; i < 2; i++)
		assert_true(EVP_PKEY_get_octet_string_param(
			i ? b : a, OSSL_PKEY_PARAM_PUB_KEY, point[i], 65, &point_len[i]));
	a_pub = kmp_ec_key(km_libctx(), (struct kmp_bytes){p256, sizeof(p256)},
			   (struct kmp_bytes){point[0], point_len[0]},
			   (struct kmp_bytes){NULL, 0});
	assert_ours(a_pub);
	assert_int_equal(EVP_PKEY_eq(a_pub, a), 1);
	params.pPublicData = point[1];
	assert_int_equal(kmp_ecdh_derive(&m, a, &secret[0], &len[0]), CKR_OK);
	params.pPublicData = point[0];
	assert_int_equal(kmp_ecdh_derive(&m, b, &secret[1], &len[1]), CKR_OK);
	assert_int_equal(len[0], 32);
	assert_int_equal(len[1], 32);
	assert_memory_equal(secret[0], secret[1], 32);
	for (int i = 0; i < 2; i++)
		free(secret[i]);
	EVP_PKEY_free(a_pub);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetched_once),
		cmocka_unit_test(test_keys_parsed_into_it),
		cmocka_unit_test(test_certificates_parsed_into_it),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_ciphers_digests_random),
		cmocka_unit_test(test_ecdh),
	};
	return cmocka_run_group_tests(tests, hostile_default, release);
}
