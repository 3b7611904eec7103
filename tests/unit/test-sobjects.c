/* Session objects: template rules, defaults, lifetime. */
#include "module/sobjects.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static CK_OBJECT_CLASS secret = CKO_SECRET_KEY, public = CKO_PUBLIC_KEY,
		       cert = CKO_CERTIFICATE, data = CKO_DATA,
		       feature = CKO_HW_FEATURE;
static CK_KEY_TYPE aes = CKK_AES, ec = CKK_EC;
static CK_BBOOL yes = CK_TRUE, bad_bool = 7;
static unsigned char value[32] = {1, 2, 3};

#define A(type, v) {type, (void *)&(v), sizeof(v)}

static CK_RV create(struct kmp_sobjects *s, CK_ATTRIBUTE *t, CK_ULONG n,
		    CK_OBJECT_HANDLE *h)
{
	return kmp_sobject_create(s, 1, 0, t, n, h);
}

static void test_template_rules(void **state)
{
	struct kmp_sobjects s = {0};
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE no_class[] = {A(CKA_KEY_TYPE, aes), A(CKA_VALUE, value)};
	CK_ATTRIBUTE a_cert[] = {A(CKA_CLASS, cert)};
	CK_ATTRIBUTE a_feature[] = {A(CKA_CLASS, feature)};
	CK_ATTRIBUTE keyed_data[] = {A(CKA_CLASS, data), A(CKA_KEY_TYPE, aes)};
	CK_MECHANISM_TYPE only_gcm = CKM_AES_GCM;
	CK_ATTRIBUTE restricted[] = {A(CKA_CLASS, secret), A(CKA_KEY_TYPE, aes),
				     A(CKA_VALUE, value),
				     A(CKA_ALLOWED_MECHANISMS, only_gcm)};
	CK_ATTRIBUTE unknown[] = {A(CKA_CLASS, secret), A(CKA_KEY_TYPE, aes),
				  A(CKA_VALUE, value), A(CKA_MODULUS, value)};
	CK_ATTRIBUTE short_aes[] = {A(CKA_CLASS, secret), A(CKA_KEY_TYPE, aes),
				    {CKA_VALUE, value, 17}};
	CK_ATTRIBUTE twice[] = {A(CKA_CLASS, secret), A(CKA_KEY_TYPE, aes),
				A(CKA_VALUE, value), A(CKA_SIGN, yes),
				A(CKA_SIGN, yes)};
	CK_ATTRIBUTE not_bool[] = {A(CKA_CLASS, secret), A(CKA_KEY_TYPE, aes),
				   A(CKA_VALUE, value), A(CKA_SIGN, bad_bool)};
	CK_ATTRIBUTE no_value[] = {A(CKA_CLASS, secret), A(CKA_KEY_TYPE, aes)};
	CK_ATTRIBUTE no_point[] = {A(CKA_CLASS, public), A(CKA_KEY_TYPE, ec)};

	assert_int_equal(create(&s, no_class, 2, &h), CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(create(&s, a_cert, 1, &h), CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(create(&s, a_feature, 1, &h), CKR_ATTRIBUTE_VALUE_INVALID);
	/* A key's attribute on a data object. */
	assert_int_equal(create(&s, keyed_data, 2, &h), CKR_ATTRIBUTE_TYPE_INVALID);
	/* A restriction kmp11 would not enforce is refused, not ignored. */
	assert_int_equal(create(&s, restricted, 4, &h), CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(create(&s, unknown, 4, &h), CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(create(&s, short_aes, 3, &h), CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(create(&s, twice, 5, &h), CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(create(&s, not_bool, 4, &h), CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(create(&s, no_value, 2, &h), CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(create(&s, no_point, 2, &h), CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(s.n, 0);
	kmp_sobjects_clear(&s);
}

static void test_secret_defaults_and_lifetime(void **state)
{
	struct kmp_sobjects s = {0};
	CK_OBJECT_HANDLE h, h2;
	CK_ATTRIBUTE t[] = {A(CKA_CLASS, secret), A(CKA_KEY_TYPE, aes),
			    A(CKA_VALUE, value), A(CKA_SENSITIVE, yes)};
	CK_ATTRIBUTE get = {CKA_VALUE, NULL, 0};
	CK_ULONG len = 0;
	struct kmp_sobject *o;

	assert_int_equal(create(&s, t, 4, &h), CKR_OK);
	assert_true(kmp_is_session_handle(h));
	o = kmp_sobject_get(&s, h);
	assert_non_null(o);
	assert_int_equal(o->key.secret_len, 32);
	assert_memory_equal(o->key.secret, value, 32);
	/* Sensitive: the value is kept for operations, never shown. */
	assert_int_equal(kmp_attrs_get(o->attrs, &get, 1), CKR_ATTRIBUTE_SENSITIVE);
	assert_true(kmp_attrs_find_ulong(o->attrs, CKA_VALUE_LEN, &len));
	assert_int_equal(len, 32);
	assert_non_null(kmp_attrs_find(o->attrs, CKA_ENCRYPT));
	/* Objects die with the session that made them. */
	assert_int_equal(kmp_sobject_create(&s, 2, 0, t, 4, &h2), CKR_OK);
	kmp_sobjects_close_session(&s, 1);
	assert_null(kmp_sobject_get(&s, h));
	assert_non_null(kmp_sobject_get(&s, h2));
	kmp_sobject_destroy(&s, h2);
	assert_int_equal(s.n, 0);
	kmp_sobjects_clear(&s);
}

static void test_public_keys(void **state)
{
	struct kmp_sobjects s = {0};
	EVP_PKEY *key = EVP_EC_gen("P-256");
	unsigned char point[65], der[67];
	size_t len = 0;
	/* OID 1.2.840.10045.3.1.7 */
	unsigned char params[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
				  0x01, 0x07};
	CK_ATTRIBUTE t[] = {A(CKA_CLASS, public), A(CKA_KEY_TYPE, ec),
			    {CKA_EC_PARAMS, params, sizeof(params)},
			    {CKA_EC_POINT, der, sizeof(der)}};
	CK_OBJECT_HANDLE h;

	assert_true(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY,
						    point, sizeof(point), &len));
	der[0] = 0x04;
	der[1] = 65;
	memcpy(der + 2, point, 65);
	/* The DER OCTET STRING of the spec, and the raw point some send. */
	assert_int_equal(create(&s, t, 4, &h), CKR_OK);
	assert_int_equal(EVP_PKEY_eq(kmp_sobject_get(&s, h)->key.pkey, key), 1);
	t[3] = (CK_ATTRIBUTE){CKA_EC_POINT, point, sizeof(point)};
	assert_int_equal(create(&s, t, 4, &h), CKR_OK);
	/* A point off the curve. */
	point[40] ^= 1;
	assert_int_equal(create(&s, t, 4, &h), CKR_ATTRIBUTE_VALUE_INVALID);
	kmp_sobjects_clear(&s);
	EVP_PKEY_free(key);
}

/* A data object: its value, and the defaults of what it did not give. */
static void test_data_object(void **state)
{
	struct kmp_sobjects s = {0};
	static const char app[] = "kmp11 test";
	CK_ATTRIBUTE t[] = {A(CKA_CLASS, data), {CKA_APPLICATION, (void *)app, 10},
			    A(CKA_VALUE, value)};
	unsigned char got[32];
	CK_BBOOL private = CK_TRUE, token = CK_TRUE;
	CK_ATTRIBUTE get[] = {{CKA_VALUE, got, sizeof(got)},
			      {CKA_PRIVATE, &private, 1}, {CKA_TOKEN, &token, 1},
			      {CKA_OBJECT_ID, NULL, 0}};
	CK_OBJECT_HANDLE h;

	(void)state;
	assert_int_equal(create(&s, t, 3, &h), CKR_OK);
	assert_int_equal(kmp_attrs_get(kmp_sobject_get(&s, h)->attrs, get, 4), CKR_OK);
	assert_memory_equal(got, value, sizeof(value));
	assert_false(private);
	assert_false(token);
	assert_int_equal(get[3].ulValueLen, 0);
	kmp_sobjects_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_rules),
		cmocka_unit_test(test_secret_defaults_and_lifetime),
		cmocka_unit_test(test_public_keys),
		cmocka_unit_test(test_data_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
