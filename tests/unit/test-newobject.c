/* Token object templates read for storing: what is kept, what is refused
 * with which code. */
#include "module/newobject.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static CK_OBJECT_CLASS cert = CKO_CERTIFICATE, priv = CKO_PRIVATE_KEY,
		       secret = CKO_SECRET_KEY, data = CKO_DATA;
static CK_KEY_TYPE ec = CKK_EC, aes = CKK_AES, rsa = CKK_RSA;
static CK_ULONG authority = 2, bad_category = 9;
static CK_BBOOL yes = CK_TRUE, bad_bool = 3;
static unsigned char p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
			       0x3d, 0x03, 0x01, 0x07};
static unsigned char scalar[32] = {1}, zero[32], value[32] = {7};

#define A(type, v) {type, (void *)&(v), sizeof(v)}

static CK_RV parse(CK_ATTRIBUTE *t, CK_ULONG n, struct kmp_new_object *o)
{
	CK_RV rv = kmp_new_object_parse(t, n, o);

	if (rv != CKR_OK)
		kmp_new_object_free(o);
	return rv;
}

/* A self-signed P-256 certificate's DER; free with OPENSSL_free. */
static int certificate_der(unsigned char **der)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	int len;

	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (unsigned char *)"unit", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_sign(x, key, EVP_sha256());
	*der = NULL;
	len = i2d_X509(x, der);
	X509_free(x);
	EVP_PKEY_free(key);
	return len;
}

static void test_keys(void **state)
{
	struct kmp_new_object o;
	CK_ATTRIBUTE key[] = {A(CKA_CLASS, priv), A(CKA_KEY_TYPE, ec),
			      A(CKA_TOKEN, yes), A(CKA_EC_PARAMS, p256),
			      A(CKA_VALUE, scalar), {CKA_LABEL, "www", 3},
			      {CKA_ID, "\x01\x02", 2}};
	CK_ULONG n = sizeof(key) / sizeof(key[0]);

	(void)state;
	/* An EC key without its point: the point is computed. */
	assert_int_equal(parse(key, n, &o), CKR_OK);
	assert_int_equal(o.kind, KMP_NEW_PRIVATE_KEY);
	assert_string_equal(o.label, "www");
	assert_int_equal(o.id_len, 2);
	assert_int_equal(EVP_PKEY_get_bits(o.key), 256);
	kmp_new_object_free(&o);
	key[4].pValue = zero;
	assert_int_equal(parse(key, n, &o), CKR_ATTRIBUTE_VALUE_INVALID);
	key[4].pValue = scalar;
	key[1].pValue = &rsa; /* no modulus, no primes */
	assert_int_equal(parse(key, n, &o), CKR_TEMPLATE_INCOMPLETE);
	key[1].pValue = &ec;
	assert_int_equal(parse(key, n - 3, &o), CKR_TEMPLATE_INCOMPLETE);
	key[2].pValue = &bad_bool;
	assert_int_equal(parse(key, n, &o), CKR_ATTRIBUTE_VALUE_INVALID);
	key[2].pValue = &yes;
	key[6].type = CKA_LABEL; /* twice */
	assert_int_equal(parse(key, n, &o), CKR_TEMPLATE_INCONSISTENT);
	key[6].type = CKA_VENDOR_DEFINED;
	assert_int_equal(parse(key, n, &o), CKR_ATTRIBUTE_TYPE_INVALID);
	key[6].type = CKA_ID;
	key[0].type = CKA_APPLICATION; /* no class */
	assert_int_equal(parse(key, n, &o), CKR_TEMPLATE_INCOMPLETE);
}

static void test_certificates(void **state)
{
	struct kmp_new_object o;
	unsigned char *der;
	int len = certificate_der(&der);
	CK_ATTRIBUTE t[] = {A(CKA_CLASS, cert), {CKA_VALUE, der, (CK_ULONG)len},
			    A(CKA_CERTIFICATE_CATEGORY, authority)};

	(void)state;
	assert_true(len > 0);
	assert_int_equal(parse(t, 2, &o), CKR_OK);
	assert_int_equal(o.kind, KMP_NEW_CERTIFICATE);
	kmp_new_object_free(&o);
	assert_int_equal(parse(t, 3, &o), CKR_OK);
	assert_int_equal(o.kind, KMP_NEW_INTERMEDIATE);
	kmp_new_object_free(&o);
	t[2].pValue = &bad_category;
	assert_int_equal(parse(t, 3, &o), CKR_ATTRIBUTE_VALUE_INVALID);
	t[1].ulValueLen = (CK_ULONG)len - 1; /* truncated */
	assert_int_equal(parse(t, 2, &o), CKR_ATTRIBUTE_VALUE_INVALID);
	t[1].ulValueLen = 0;
	assert_int_equal(parse(t, 2, &o), CKR_TEMPLATE_INCOMPLETE);
	OPENSSL_free(der);
}

static void test_values(void **state)
{
	struct kmp_new_object o;
	CK_ATTRIBUTE key[] = {A(CKA_CLASS, secret), A(CKA_KEY_TYPE, aes),
			      A(CKA_VALUE, value)};
	CK_ATTRIBUTE blob[] = {A(CKA_CLASS, data), {CKA_VALUE, value, 5}};

	(void)state;
	assert_int_equal(parse(key, 3, &o), CKR_OK);
	assert_int_equal(o.value_len, 32);
	assert_memory_equal(o.value, value, 32);
	kmp_new_object_free(&o);
	key[2].ulValueLen = 17;
	assert_int_equal(parse(key, 3, &o), CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(parse(blob, 2, &o), CKR_OK);
	assert_int_equal(o.kind, KMP_NEW_DATA);
	kmp_new_object_free(&o);
	blob[1].ulValueLen = 0; /* nothing to store */
	assert_int_equal(parse(blob, 2, &o), CKR_ATTRIBUTE_VALUE_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_certificates),
		cmocka_unit_test(test_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
