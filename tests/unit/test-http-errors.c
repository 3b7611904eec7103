#include "tokens/http.h"
#include "tokens/errors.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_status_mapping(void **state)
{
	assert_int_equal(km_status_error(200).kind, KM_OK);
	assert_int_equal(km_status_error(204).kind, KM_OK);
	assert_int_equal(km_status_error(401).kind, KM_UNAUTHORIZED);
	assert_int_equal(km_status_error(403).kind, KM_FORBIDDEN);
	assert_int_equal(km_status_error(404).kind, KM_NOT_FOUND);
	assert_int_equal(km_status_error(413).kind, KM_NO_ROOM);
	assert_int_equal(km_status_error(500).kind, KM_SERVER);
	assert_int_equal(km_status_error(503).kind, KM_SERVER);
	assert_int_equal(km_status_error(400).kind, KM_REFUSED);
}

static void test_messages(void **state)
{
	char msg[64];

	km_error_message("{\"code\":404,\"title\":\"Not Found\","
			 "\"description\":\"Secret not found.\"}", msg, sizeof(msg));
	assert_string_equal(msg, "Secret not found.");
	km_error_message("{\"error\":{\"code\":401,\"message\":\"The request "
			 "you have made requires authentication.\"}}", msg, sizeof(msg));
	assert_string_equal(msg, "The request you have made requires authentication.");
	km_error_message("<html>bad gateway</html>", msg, sizeof(msg));
	assert_string_equal(msg, "");
	km_error_message("{\"title\":\"a\\nb\"}", msg, sizeof(msg));
	assert_string_equal(msg, "a b");
	km_error_message(NULL, msg, sizeof(msg));
	assert_string_equal(msg, "");
}

static void test_unreachable(void **state)
{
	struct km_http_options o = {.connect_timeout = 1, .timeout = 2,
				    .max_response = 1024, .max_attempts = 2,
				    .backoff_ms = 10};
	struct km_http *http = km_http_new(&o);
	struct km_response r = {.retry_after = -1};

	/* Port 1 on loopback: refused at once, retried, then an error. */
	assert_int_equal(km_http_request(http, "GET", "http://127.0.0.1:1/v1",
					 NULL, NULL, &r).kind, KM_UNREACHABLE);
	km_response_clear(&r);
	km_http_free(http);
}

static void test_resolve_entry(void **state)
{
	char *e = km_resolve_entry("http://localhost:35000/v3");

	/* localhost resolves without DNS (nss "files"). */
	assert_non_null(e);
	assert_true(strncmp(e, "localhost:35000:", 16) == 0);
	assert_non_null(strstr(e, "127.0.0.1") ? e : strstr(e, "[::1]"));
	free(e);
	e = km_resolve_entry("https://localhost/v1");
	assert_non_null(e);
	assert_true(strncmp(e, "localhost:443:", 14) == 0);
	free(e);
	/* IP literals need no resolving; garbage gives none. */
	assert_null(km_resolve_entry("http://127.0.0.1:39311/v1"));
	assert_null(km_resolve_entry("http://[::1]:39311/v1"));
	assert_null(km_resolve_entry("not a url"));
}

static void test_unreachable_name_resolved_inline(void **state)
{
	struct km_http_options o = {.connect_timeout = 1, .timeout = 2,
				    .max_response = 1024, .max_attempts = 1,
				    .resolve_inline = true};
	struct km_http *http = km_http_new(&o);
	struct km_response r = {.retry_after = -1};

	assert_int_equal(km_http_request(http, "GET", "http://localhost:1/v1",
					 NULL, NULL, &r).kind, KM_UNREACHABLE);
	km_response_clear(&r);
	km_http_free(http);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_mapping),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_resolve_entry),
		cmocka_unit_test(test_unreachable_name_resolved_inline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
