#include "module/attrs.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static CK_ATTRIBUTE *sample(void)
{
	struct kmp_builder b = {0};

	kmp_add_ulong(&b, CKA_CLASS, CKO_PRIVATE_KEY);
	kmp_add_string(&b, CKA_LABEL, "www");
	kmp_add_sensitive(&b, CKA_VALUE);
	return kmp_builder_finish(&b);
}

static void test_get_rules(void **state)
{
	CK_ATTRIBUTE *attrs = sample();
	CK_ULONG klass = 0;
	char label[2];
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &klass, sizeof(klass)},
			    {CKA_LABEL, NULL, 0},
			    {CKA_VALUE, NULL, 0},
			    {CKA_MODULUS, NULL, 0}};

	assert_int_equal(kmp_attrs_count(attrs), 3);
	/* Every attribute is processed even when some fail. */
	assert_int_equal(kmp_attrs_get(attrs, t, 4), CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(klass, CKO_PRIVATE_KEY);
	assert_int_equal(t[1].ulValueLen, 3);
	assert_int_equal(t[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(t[3].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(kmp_attrs_get(attrs, &t[2], 1), CKR_ATTRIBUTE_SENSITIVE);
	t[1].pValue = label;
	t[1].ulValueLen = sizeof(label);
	assert_int_equal(kmp_attrs_get(attrs, &t[1], 1), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(t[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	kmp_attrs_free(attrs);
}

static void test_match(void **state)
{
	CK_ATTRIBUTE *attrs = sample();
	CK_ULONG klass = CKO_PRIVATE_KEY, other = CKO_CERTIFICATE;
	CK_ATTRIBUTE by_class = {CKA_CLASS, &klass, sizeof(klass)};
	CK_ATTRIBUTE wrong = {CKA_CLASS, &other, sizeof(other)};
	CK_ATTRIBUTE by_label = {CKA_LABEL, "www", 3};
	CK_ATTRIBUTE by_value = {CKA_VALUE, "x", 1};
	CK_ATTRIBUTE unknown = {CKA_SUBJECT, "x", 1};
	CK_ATTRIBUTE both[] = {by_class, by_label};

	assert_int_equal(kmp_attrs_match(attrs, both, 2), KMP_MATCH);
	assert_int_equal(kmp_attrs_match(attrs, &wrong, 1), KMP_NO_MATCH);
	/* A sensitive value never matches: that would reveal it. */
	assert_int_equal(kmp_attrs_match(attrs, &by_value, 1), KMP_NO_MATCH);
	assert_int_equal(kmp_attrs_match(attrs, &unknown, 1), KMP_UNKNOWN);
	assert_int_equal(kmp_attrs_match(attrs, NULL, 0), KMP_MATCH);
	kmp_attrs_free(attrs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_rules),
		cmocka_unit_test(test_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
