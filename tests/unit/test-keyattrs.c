/* Key attributes read off OpenSSL keys: public halves, private
 * components as sensitive, or readable on an extractable token. */
#include "module/keyattrs.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static CK_ATTRIBUTE *attrs_of(EVP_PKEY *key, enum kmp_key_half half)
{
	struct kmp_builder b = {0};
	CK_ATTRIBUTE *attrs;

	kmp_add_key(&b, key, half);
	attrs = kmp_builder_finish(&b);
	assert_non_null(attrs);
	return attrs;
}

static CK_RV read_attr(CK_ATTRIBUTE *attrs, CK_ATTRIBUTE_TYPE type,
		       unsigned char *buf, CK_ULONG *len)
{
	CK_ATTRIBUTE t = {type, buf, *len};
	CK_RV rv = kmp_attrs_get(attrs, &t, 1);

	*len = t.ulValueLen;
	return rv;
}

/* The attribute equals the key's big-number parameter. */
static void assert_bn(CK_ATTRIBUTE *attrs, CK_ATTRIBUTE_TYPE type,
		      EVP_PKEY *key, const char *param)
{
	unsigned char buf[512], want[512];
	CK_ULONG len = sizeof(buf);
	BIGNUM *bn = NULL;

	assert_int_equal(read_attr(attrs, type, buf, &len), CKR_OK);
	assert_true(EVP_PKEY_get_bn_param(key, param, &bn));
	assert_int_equal(len, (CK_ULONG)BN_num_bytes(bn));
	BN_bn2bin(bn, want);
	assert_memory_equal(buf, want, len);
	BN_clear_free(bn);
}

static void test_rsa(void **state)
{
	EVP_PKEY *key = EVP_RSA_gen(2048);
	CK_ATTRIBUTE *pub = attrs_of(key, KMP_PUBLIC_HALF);
	CK_ATTRIBUTE *sens = attrs_of(key, KMP_PRIVATE_SENSITIVE);
	CK_ATTRIBUTE *ext = attrs_of(key, KMP_PRIVATE_EXTRACTABLE);
	unsigned char buf[512];
	CK_ULONG len = sizeof(buf), bits;

	assert_true(kmp_attrs_find_ulong(pub, CKA_MODULUS_BITS, &bits));
	assert_int_equal(bits, 2048);
	assert_null(kmp_attrs_find(pub, CKA_PRIVATE_EXPONENT));
	assert_bn(sens, CKA_MODULUS, key, OSSL_PKEY_PARAM_RSA_N);
	assert_int_equal(read_attr(sens, CKA_PRIVATE_EXPONENT, buf, &len),
			 CKR_ATTRIBUTE_SENSITIVE);
	assert_bn(ext, CKA_PRIVATE_EXPONENT, key, OSSL_PKEY_PARAM_RSA_D);
	assert_bn(ext, CKA_PRIME_2, key, OSSL_PKEY_PARAM_RSA_FACTOR2);
	assert_bn(ext, CKA_COEFFICIENT, key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
	kmp_attrs_free(pub);
	kmp_attrs_free(sens);
	kmp_attrs_free(ext);
	EVP_PKEY_free(key);
}

static void test_ec(void **state)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	CK_ATTRIBUTE *sens = attrs_of(key, KMP_PRIVATE_SENSITIVE);
	CK_ATTRIBUTE *ext = attrs_of(key, KMP_PRIVATE_EXTRACTABLE);
	/* OID 1.2.840.10045.3.1.7 */
	static const unsigned char p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
					     0xce, 0x3d, 0x03, 0x01, 0x07};
	unsigned char buf[200];
	CK_ULONG len = sizeof(buf);

	assert_int_equal(read_attr(sens, CKA_EC_PARAMS, buf, &len), CKR_OK);
	assert_int_equal(len, sizeof(p256));
	assert_memory_equal(buf, p256, len);
	len = sizeof(buf);
	assert_int_equal(read_attr(sens, CKA_EC_POINT, buf, &len), CKR_OK);
	assert_int_equal(len, 67); /* OCTET STRING of 04 || x || y */
	assert_int_equal(buf[0], 0x04);
	assert_int_equal(buf[2], 0x04);
	len = sizeof(buf);
	assert_int_equal(read_attr(sens, CKA_VALUE, buf, &len),
			 CKR_ATTRIBUTE_SENSITIVE);
	assert_bn(ext, CKA_VALUE, key, OSSL_PKEY_PARAM_PRIV_KEY);
	kmp_attrs_free(sens);
	kmp_attrs_free(ext);
	EVP_PKEY_free(key);
}

static void test_ed25519(void **state)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	CK_ATTRIBUTE *ext = attrs_of(key, KMP_PRIVATE_EXTRACTABLE);
	unsigned char buf[64], raw[64];
	CK_ULONG len = sizeof(buf), type;
	size_t raw_len = sizeof(raw);

	assert_true(kmp_attrs_find_ulong(ext, CKA_KEY_TYPE, &type));
	assert_int_equal(type, CKK_EC_EDWARDS);
	assert_int_equal(read_attr(ext, CKA_VALUE, buf, &len), CKR_OK);
	assert_true(EVP_PKEY_get_raw_private_key(key, raw, &raw_len));
	assert_int_equal(len, raw_len);
	assert_memory_equal(buf, raw, len);
	kmp_attrs_free(ext);
	EVP_PKEY_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa),
		cmocka_unit_test(test_ec),
		cmocka_unit_test(test_ed25519),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
