/* Keystone answers: when a token is renewed, which catalog endpoint is
 * the Key Manager's. */
#include "tokens/keystone.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define NOW 1800000000 /* this host's clock in the tests */

static void test_renewal_time(void **state)
{
	(void)state;
	/* An hour's token: renewed a minute before it ends. */
	assert_int_equal(km_renewal_time("2026-11-27T08:00:00.000000Z",
					 "2026-11-27T09:00:00.000000Z", NOW),
			 NOW + 3600 - KM_RENEW_MARGIN);
	/* A 20-second token: a quarter of its life in hand, not a minute
	 * (which would renew it at every call). */
	assert_int_equal(km_renewal_time("2026-11-27T08:00:00Z",
					 "2026-11-27T08:00:20Z", NOW),
			 NOW + 15);
	/* The lifetime is Keystone's, wherever this host's clock stands:
	 * NOW is years away from these stamps. */
	assert_int_equal(km_renewal_time("2020-01-01T00:00:00Z",
					 "2020-01-01T00:08:00Z", NOW),
			 NOW + 480 - KM_RENEW_MARGIN);
	/* No expiry: never renewed. */
	assert_int_equal(km_renewal_time("2026-11-27T08:00:00Z", NULL, NOW), 0);
	assert_int_equal(km_renewal_time(NULL, "not a time", NOW), 0);
}

/* Without a usable issued_at, the expiry is read on this host's clock
 * (NOW is 2027-01-15T08:00:00Z). */
static void test_renewal_without_issue_time(void **state)
{
	(void)state;
	assert_int_equal(km_renewal_time(NULL, "2027-01-15T09:00:00Z", NOW),
			 NOW + 3600 - KM_RENEW_MARGIN);
	/* Issued after it expires: a lie, the same. */
	assert_int_equal(km_renewal_time("2030-01-01T00:00:00Z",
					 "2027-01-15T09:00:00Z", NOW),
			 NOW + 3600 - KM_RENEW_MARGIN);
	/* Already expired by this host's clock: renewed at the next call. */
	assert_int_equal(km_renewal_time(NULL, "2020-01-01T00:00:00Z", NOW), NOW);
}

static void endpoint_is(const char *catalog, const char *interface,
			const char *region, const char *expected)
{
	char *url = km_catalog_endpoint(catalog, interface, region);

	if (expected == NULL)
		assert_null(url);
	else
		assert_string_equal(url, expected);
	free(url);
}

static void test_catalog_endpoint(void **state)
{
	static const char catalog[] =
		"[{\"type\": \"identity\", \"endpoints\": [{\"interface\": "
		"\"public\", \"url\": \"http://ks/v3\"}]},"
		" {\"type\": \"key-manager\", \"endpoints\": ["
		"  {\"interface\": \"internal\", \"region_id\": \"One\", "
		"   \"url\": \"http://internal:9311\"},"
		"  {\"interface\": \"public\", \"region\": \"Two\", "
		"   \"url\": \"https://two:9311/v1\"},"
		"  {\"interface\": \"public\", \"region_id\": \"One\", "
		"   \"url\": \"https://one:9311/\"}]}]";

	(void)state;
	endpoint_is(catalog, "public", NULL, "https://two:9311/v1");
	endpoint_is(catalog, "public", "One", "https://one:9311/v1");
	endpoint_is(catalog, "internal", NULL, "http://internal:9311/v1");
	endpoint_is(catalog, "admin", NULL, NULL);
	endpoint_is(catalog, "public", "Three", NULL);
	/* Shapes that are not a catalog. */
	endpoint_is("{}", "public", NULL, NULL);
	endpoint_is("not json", "public", NULL, NULL);
	endpoint_is("[{\"type\": \"key-manager\", \"endpoints\": {}}]",
		    "public", NULL, NULL);
	endpoint_is("[{\"type\": \"key-manager\", \"endpoints\": [{"
		    "\"interface\": \"public\", \"url\": 7}]}]",
		    "public", NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_renewal_time),
		cmocka_unit_test(test_renewal_without_issue_time),
		cmocka_unit_test(test_catalog_endpoint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
