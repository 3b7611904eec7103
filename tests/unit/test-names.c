/* Container names: a label and the CKA_ID its objects show. */
#include "tokens/names.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The label and id a Key Manager name splits into. */
static size_t split(const char *name, char *label, unsigned char id[KM_ID_MAX])
{
	size_t len;

	strcpy(label, name);
	km_container_name_split(label, id, &len);
	return len;
}

static void test_round_trip(void **state)
{
	const unsigned char id[] = {0x0a, 0xff, 0x00};
	unsigned char got[KM_ID_MAX];
	char *name = km_container_name("web (id 01) 2", id, sizeof(id)), label[64];

	(void)state;
	assert_string_equal(name, "web (id 01) 2 (id 0aff00)");
	assert_int_equal(split(name, label, got), 3);
	assert_string_equal(label, "web (id 01) 2");
	assert_memory_equal(got, id, sizeof(id));
	free(name);
	name = km_container_name("plain", NULL, 0);
	assert_string_equal(name, "plain");
	free(name);
	assert_null(km_container_name("too long", id, KM_ID_MAX + 1));
}

/* What is not exactly the suffix stays part of the label. */
static void test_not_a_suffix(void **state)
{
	static const char *const labels[] = {
		"web", "web (id )", "web (id 0)", "web (id 0A)", "web (id 0a",
		"web (id 0a) ", "web (id 0g)", "web(id 0a)",
	};
	unsigned char id[KM_ID_MAX];
	char label[64];

	(void)state;
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		assert_int_equal(split(labels[i], label, id), 0);
		assert_string_equal(label, labels[i]);
	}
}

/* A label that would read back as another label and an id, or a name
 * longer than Barbican's, is not made. */
static void test_fits(void **state)
{
	char long_label[300];

	(void)state;
	memset(long_label, 'a', sizeof(long_label) - 1);
	long_label[sizeof(long_label) - 1] = '\0';
	assert_true(km_container_name_fits("web", 0));
	assert_true(km_container_name_fits("web (id 0a)", 2));
	assert_false(km_container_name_fits("web (id 0a)", 0));
	assert_false(km_container_name_fits(long_label, 0));
	long_label[249] = '\0';
	assert_true(km_container_name_fits(long_label, 0));
	assert_false(km_container_name_fits(long_label, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_not_a_suffix),
		cmocka_unit_test(test_fits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
