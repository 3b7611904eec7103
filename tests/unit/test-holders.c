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
#define ORDER_KEY "44444444-0000-0000-0000-000000000002"
#define OLD_CERT "33333333-0000-0000-0000-000000000001"
#define NEW_CERT "33333333-0000-0000-0000-000000000002"
#define LONE_CERT "33333333-0000-0000-0000-000000000003"
#define CHAIN "55555555-0000-0000-0000-000000000001"
#define OLD "cccccccc-0000-0000-0000-000000000001"

#define SECRET(name, uuid) "{\"name\": \"" name "\", \"secret_ref\": \"" SREF uuid "\"}"
#define CONTAINER(uuid, name, creator, refs) \
	"{\"container_ref\": \"" REF uuid "\", \"name\": " name ", \"creator_id\": " \
	creator ", \"consumers\": [], \"secret_refs\": [" refs "]}"

/* The old container (being deleted); its renewal holding the same key;
 * the renewal order's own container (certificate and chain, copied by the
 * renewal); another order's container that kmp11 never copied (a
 * stored-key order without a label: it holds its key itself). */
static const char *page =
	"{\"total\": 4, \"containers\": ["
	CONTAINER(OLD, "\"www\"", "\"u\"",
		  SECRET("certificate", OLD_CERT) "," SECRET("private_key", KEY)) ","
	CONTAINER("cccccccc-0000-0000-0000-000000000002", "\"www\"", "\"u\"",
		  SECRET("certificate", NEW_CERT) "," SECRET("intermediates", CHAIN) ","
		  SECRET("private_key", KEY)) ","
	CONTAINER("cccccccc-0000-0000-0000-000000000003", "null", "null",
		  SECRET("certificate", NEW_CERT) "," SECRET("intermediates", CHAIN)) ","
	CONTAINER("cccccccc-0000-0000-0000-000000000004", "null", "null",
		  SECRET("certificate", LONE_CERT) "," SECRET("private_key", ORDER_KEY))
	"]}";

static void test_held_elsewhere(void **state)
{
	struct km_held h = {.except = OLD, .total = -1};
	long total;
	size_t added;

	(void)state;
	assert_int_equal(km_held_add_page(&h, page, &total, &added).kind, KM_OK);
	assert_int_equal(total, 4);
	assert_int_equal(added, 4);
	assert_int_equal(km_held_finish(&h).kind, KM_OK);
	assert_true(km_held_has(&h, KEY));       /* the renewal's */
	assert_true(km_held_has(&h, NEW_CERT));
	assert_true(km_held_has(&h, CHAIN));
	assert_false(km_held_has(&h, OLD_CERT)); /* only the deleted one's */
	/* An order's container that no copy stands for holds its own. */
	assert_true(km_held_has(&h, LONE_CERT));
	assert_true(km_held_has(&h, ORDER_KEY));
	assert_false(km_held_has(&h, "short"));
	km_held_clear(&h);
}

/* Deleting the named copy: its order's original does not hold the
 * certificate for it (Barbican empties the original). */
static void test_copy_deleted(void **state)
{
	struct km_held h = {.except = "cccccccc-0000-0000-0000-000000000002",
			    .total = -1};
	long total;
	size_t added;

	(void)state;
	assert_int_equal(km_held_add_page(&h, page, &total, &added).kind, KM_OK);
	assert_int_equal(km_held_finish(&h).kind, KM_OK);
	assert_false(km_held_has(&h, NEW_CERT));
	assert_false(km_held_has(&h, CHAIN));
	assert_true(km_held_has(&h, KEY)); /* the old container's */
	km_held_clear(&h);
}

/* What cannot be read in full is an error, never a smaller set. */
static void test_fails_closed(void **state)
{
	static const char *const bad[] = {
		"[]", "not json", "{\"containers\": [42]}",
		"{\"containers\": [{\"container_ref\": 1, \"secret_refs\": []}]}",
		"{\"containers\": [{\"container_ref\": \"" REF OLD "\"}]}",
		"{\"containers\": [{\"container_ref\": \"" REF OLD "\","
		" \"secret_refs\": [{\"name\": \"private_key\", \"secret_ref\": 7}]}]}",
	};
	long total;
	size_t added;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct km_held h = {.except = "", .total = -1};
		assert_int_equal(km_held_add_page(&h, bad[i], &total, &added).kind,
				 KM_BAD_RESPONSE);
		km_held_clear(&h);
	}
	/* Fewer containers than the Key Manager said it has. */
	struct km_held h = {.except = "", .total = -1};
	assert_int_equal(km_held_add_page(&h,
					  "{\"total\": 5, \"containers\": [" CONTAINER(
						  OLD, "\"www\"", "\"u\"",
						  SECRET("private_key", KEY)) "]}",
					  &total, &added).kind,
			 KM_OK);
	assert_int_equal(km_held_finish(&h).kind, KM_BAD_RESPONSE);
	km_held_clear(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_elsewhere),
		cmocka_unit_test(test_copy_deleted),
		cmocka_unit_test(test_fails_closed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
