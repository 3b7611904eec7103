/* Which secrets other containers hold, from pages of GET /containers. */
#include "tokens/holders.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define REF "http://km/v1/containers/"
#define SREF "http://km/v1/secrets/"
#define KEY "44444444-0000-0000-0000-000000000001"
#define OLD_CERT "33333333-0000-0000-0000-000000000001"
#define NEW_CERT "33333333-0000-0000-0000-000000000002"
#define ORDER_CERT "33333333-0000-0000-0000-000000000003"

/* The old container (being deleted), its renewal holding the same key,
 * and an order's own container holding only its certificate. */
static const char *page =
	"{\"total\": 3, \"containers\": ["
	"{\"container_ref\": \"" REF "cccccccc-0000-0000-0000-000000000001\","
	" \"name\": \"www\", \"creator_id\": \"u\", \"secret_refs\": ["
	"{\"name\": \"certificate\", \"secret_ref\": \"" SREF OLD_CERT "\"},"
	"{\"name\": \"private_key\", \"secret_ref\": \"" SREF KEY "\"}]},"
	"{\"container_ref\": \"" REF "cccccccc-0000-0000-0000-000000000002\","
	" \"name\": \"www\", \"creator_id\": \"u\", \"secret_refs\": ["
	"{\"name\": \"certificate\", \"secret_ref\": \"" SREF NEW_CERT "\"},"
	"{\"name\": \"private_key\", \"secret_ref\": \"" SREF KEY "\"}]},"
	"{\"container_ref\": \"" REF "cccccccc-0000-0000-0000-000000000003\","
	" \"name\": null, \"creator_id\": null, \"secret_refs\": ["
	"{\"name\": \"certificate\", \"secret_ref\": \"" SREF ORDER_CERT "\"}]}]}";

static void test_held_elsewhere(void **state)
{
	struct km_held h = {.except = "cccccccc-0000-0000-0000-000000000001"};
	long total;
	size_t added;

	(void)state;
	assert_int_equal(km_held_add_page(&h, page, &total, &added), CKR_OK);
	assert_int_equal(total, 3);
	assert_int_equal(added, 3);
	km_held_finish(&h);
	assert_true(km_held_has(&h, KEY));       /* the renewal's */
	assert_true(km_held_has(&h, NEW_CERT));
	assert_false(km_held_has(&h, OLD_CERT)); /* only the deleted one's */
	assert_false(km_held_has(&h, ORDER_CERT)); /* an order's own: no count */
	assert_false(km_held_has(&h, "short"));
	km_held_clear(&h);
}

static void test_wrong_shapes(void **state)
{
	struct km_held h = {.except = ""};
	long total;
	size_t added;

	(void)state;
	assert_int_equal(km_held_add_page(&h, "[]", &total, &added), CKR_DEVICE_ERROR);
	assert_int_equal(km_held_add_page(&h, "not json", &total, &added),
			 CKR_DEVICE_ERROR);
	/* Items of the wrong shape hold nothing, and are passed over. */
	assert_int_equal(km_held_add_page(&h,
					  "{\"containers\": [42, {\"container_ref\": 1},"
					  " {\"container_ref\": \"" REF
					  "cccccccc-0000-0000-0000-000000000009\","
					  " \"secret_refs\": {\"x\": 1}}]}",
					  &total, &added),
			 CKR_OK);
	assert_int_equal(total, -1);
	assert_int_equal(added, 3);
	km_held_finish(&h);
	assert_int_equal(h.n, 0);
	assert_false(km_held_has(&h, KEY));
	km_held_clear(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_elsewhere),
		cmocka_unit_test(test_wrong_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
