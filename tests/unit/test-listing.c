#include "tokens/listing.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define REF "http://km/v1/containers/"
#define SREF "http://km/v1/secrets/"

static const char *page =
	"{\"total\": 3, \"containers\": ["
	"{\"container_ref\": \"" REF "bbbbbbbb-0000-0000-0000-000000000002\","
	" \"name\": \"www\", \"type\": \"certificate\", \"created\": \"2026-02-01T00:00:00\","
	" \"secret_refs\": [{\"name\": \"certificate\", \"secret_ref\": \"" SREF
	"11111111-0000-0000-0000-000000000001\"},"
	" {\"name\": \"private_key\", \"secret_ref\": \"" SREF
	"22222222-0000-0000-0000-000000000002\"}]},"
	"{\"container_ref\": \"" REF "aaaaaaaa-0000-0000-0000-000000000001\","
	" \"name\": null, \"type\": \"rsa\", \"created\": \"2026-01-01T00:00:00\","
	" \"secret_refs\": []},"
	"{\"container_ref\": 42, \"name\": \"broken\"}]}";

static void test_containers(void **state)
{
	struct km_listing *l = calloc(1, sizeof(*l));
	long total;
	size_t added;

	assert_int_equal(km_listing_add_containers(l, page, &total, &added).kind, KM_OK);
	assert_int_equal(total, 3);
	assert_int_equal(added, 3); /* the broken one is consumed, not kept */
	assert_int_equal(l->n_containers, 2);
	km_listing_finish(l);
	/* Oldest first. */
	assert_string_equal(l->containers[0].uuid, "aaaaaaaa-0000-0000-0000-000000000001");
	assert_null(l->containers[0].name);
	assert_int_equal(l->containers[0].type, KM_CONTAINER_RSA);
	assert_string_equal(l->containers[1].certificate,
			    "11111111-0000-0000-0000-000000000001");
	assert_string_equal(l->containers[1].private_key,
			    "22222222-0000-0000-0000-000000000002");
	assert_string_equal(l->containers[1].intermediates, "");
	km_listing_free(l);
}

/* An order's own container (no name, no creator), the named copy of it
 * that holds the same certificate with a key, and an order's container
 * that was never copied. */
#define CERT_OF(uuid) "[{\"name\": \"certificate\", \"secret_ref\": \"" SREF uuid "\"}]"
static const char *orders_page =
	"{\"total\": 3, \"containers\": ["
	"{\"container_ref\": \"" REF "cccccccc-0000-0000-0000-000000000001\","
	" \"name\": null, \"creator_id\": null, \"type\": \"certificate\","
	" \"secret_refs\": " CERT_OF("33333333-0000-0000-0000-000000000001") "},"
	"{\"container_ref\": \"" REF "cccccccc-0000-0000-0000-000000000002\","
	" \"name\": \"www\", \"creator_id\": \"u1\", \"type\": \"certificate\","
	" \"secret_refs\": [{\"name\": \"certificate\", \"secret_ref\": \"" SREF
	"33333333-0000-0000-0000-000000000001\"},"
	" {\"name\": \"private_key\", \"secret_ref\": \"" SREF
	"44444444-0000-0000-0000-000000000001\"}]},"
	"{\"container_ref\": \"" REF "cccccccc-0000-0000-0000-000000000003\","
	" \"name\": null, \"creator_id\": null, \"type\": \"certificate\","
	" \"secret_refs\": " CERT_OF("33333333-0000-0000-0000-000000000002") "}]}";

static void test_order_originals(void **state)
{
	struct km_listing *l = calloc(1, sizeof(*l));
	long total;
	size_t added;

	assert_int_equal(km_listing_add_containers(l, orders_page, &total, &added).kind,
			 KM_OK);
	assert_true(l->containers[0].by_order);
	assert_false(l->containers[1].by_order);
	assert_int_equal(km_listing_drop_order_originals(l).kind, KM_OK);
	/* The copied original goes; the one never copied stays. */
	assert_int_equal(l->n_containers, 2);
	assert_string_equal(l->containers[0].uuid, "cccccccc-0000-0000-0000-000000000002");
	assert_string_equal(l->containers[1].uuid, "cccccccc-0000-0000-0000-000000000003");
	assert_string_equal(km_listing_order_copy(l, "cccccccc-0000-0000-0000-000000000001"),
			    "cccccccc-0000-0000-0000-000000000002");
	assert_null(km_listing_order_copy(l, "cccccccc-0000-0000-0000-000000000003"));
	assert_null(km_listing_order_copy(l, "not a uuid"));
	km_listing_finish(l);
	km_listing_free(l);
}

static void test_wrong_shapes(void **state)
{
	struct km_listing *l = calloc(1, sizeof(*l));
	long total;
	size_t added;

	assert_int_equal(km_listing_add_containers(l, "not json", &total, &added).kind,
			 KM_BAD_RESPONSE);
	assert_int_equal(km_listing_add_containers(l, "[1,2]", &total, &added).kind,
			 KM_BAD_RESPONSE);
	assert_int_equal(km_listing_add_containers(l, "{\"containers\": {}}",
						   &total, &added).kind, KM_BAD_RESPONSE);
	assert_int_equal(km_listing_add_secrets(l, "{\"secrets\": [null, 3, {}],"
						" \"total\": \"x\"}", &total, &added).kind,
			 KM_OK);
	assert_int_equal(total, -1);
	assert_int_equal(l->n_secrets, 0);
	km_listing_free(l);
}

static void test_secrets(void **state)
{
	struct km_listing *l = calloc(1, sizeof(*l));
	const struct km_secret_meta *s;
	long total;
	size_t added;

	assert_int_equal(km_listing_add_secrets(l,
		"{\"total\": 1, \"secrets\": [{\"secret_ref\": \"" SREF
		"22222222-0000-0000-0000-000000000002\", \"secret_type\": \"private\","
		" \"algorithm\": \"RSA\", \"bit_length\": 2048,"
		" \"content_types\": {\"default\": \"text/plain\"}}]}",
		&total, &added).kind, KM_OK);
	km_listing_finish(l);
	s = km_listing_secret(l, "22222222-0000-0000-0000-000000000002");
	assert_non_null(s);
	assert_int_equal(s->type, KM_SECRET_PRIVATE);
	assert_string_equal(s->algorithm, "rsa");
	assert_int_equal(s->bit_length, 2048);
	assert_string_equal(s->content_type, "text/plain");
	assert_null(km_listing_secret(l, "33333333-0000-0000-0000-000000000003"));
	km_listing_free(l);
}

static void test_uuids(void **state)
{
	km_uuid u;
	unsigned char b[16];

	assert_true(km_uuid_from_ref(SREF "ABCDEF01-2345-6789-abcd-ef0123456789/", u));
	assert_string_equal(u, "abcdef01-2345-6789-abcd-ef0123456789");
	assert_false(km_uuid_from_ref(SREF "abcdef01-2345-6789-abcd-ef012345678", u));
	assert_false(km_uuid_from_ref(SREF "abcdef01x2345-6789-abcd-ef0123456789", u));
	assert_false(km_uuid_from_ref(NULL, u));
	assert_true(km_uuid_bytes("abcdef01-2345-6789-abcd-ef0123456789", b));
	assert_int_equal(b[0], 0xab);
	assert_int_equal(b[15], 0x89);
	assert_false(km_uuid_bytes("abc", b));
	/* A CKA_ID is a uuid's when it is its 16 bytes, no more, no less. */
	assert_true(km_uuid_bytes("abcdef01-2345-6789-abcd-ef0123456789", b));
	assert_true(km_uuid_is("abcdef01-2345-6789-abcd-ef0123456789", b, 16));
	assert_false(km_uuid_is("abcdef01-2345-6789-abcd-ef0123456788", b, 16));
	assert_false(km_uuid_is("abcdef01-2345-6789-abcd-ef0123456789", b, 15));
	assert_false(km_uuid_is(NULL, b, 16));
	assert_false(km_uuid_is("abc", b, 16));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_order_originals),
		cmocka_unit_test(test_wrong_shapes),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_uuids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
