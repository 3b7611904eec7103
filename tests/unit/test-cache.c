/* The payload cache: lookups after evictions (its deletions move entries
 * within their probe runs) and payloads that outlive their eviction while
 * someone holds them. */
#include "tokens/cache.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define N 300

static struct km_payload *payload(unsigned i, enum km_payload_kind kind)
{
	struct km_payload *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	snprintf(p->uuid, sizeof(p->uuid), "00000000-0000-0000-0000-%012u", i);
	p->kind = kind;
	p->refs = 1;
	p->bytes = malloc(4);
	p->len = 4;
	return p;
}

static bool every_third(const struct km_payload *p, const void *arg)
{
	(void)arg;
	return strtoul(p->uuid + 24, NULL, 10) % 3 == 0;
}

static bool everything(const struct km_payload *p, const void *arg)
{
	(void)p;
	(void)arg;
	return true;
}

static void test_evict_keeps_the_rest_findable(void **state)
{
	struct km_cache c = {0};
	char uuid[40];

	(void)state;
	for (unsigned i = 0; i < N; i++)
		assert_non_null(km_cache_put(&c, payload(i, KM_PAYLOAD_BYTES)));
	assert_int_equal(km_cache_evict(&c, every_third, NULL), N / 3);
	assert_int_equal(c.used, N - N / 3);
	for (unsigned i = 0; i < N; i++) {
		snprintf(uuid, sizeof(uuid), "00000000-0000-0000-0000-%012u", i);
		if (i % 3 == 0)
			assert_null(km_cache_get(&c, uuid, KM_PAYLOAD_BYTES));
		else
			assert_non_null(km_cache_get(&c, uuid, KM_PAYLOAD_BYTES));
		/* The same secret as another kind is another entry. */
		assert_null(km_cache_get(&c, uuid, KM_PAYLOAD_PRIVATE_KEY));
	}
	km_cache_clear(&c);
	assert_int_equal(c.used, 0);
}

static void test_first_one_kept(void **state)
{
	struct km_cache c = {0};
	struct km_payload *first = payload(1, KM_PAYLOAD_BYTES);
	struct km_payload *second = payload(1, KM_PAYLOAD_BYTES);

	(void)state;
	assert_ptr_equal(km_cache_put(&c, first), first);
	assert_ptr_equal(km_cache_put(&c, second), first);
	km_payload_unref(second);
	km_cache_clear(&c);
}

/* A holder's reference keeps an evicted payload until it lets go. */
static void test_held_outlives_eviction(void **state)
{
	struct km_cache c = {0};
	struct km_payload *p = payload(7, KM_PAYLOAD_PRIVATE_KEY);

	(void)state;
	km_cache_put(&c, p);
	p->refs++; /* a holder */
	assert_int_equal(km_cache_evict(&c, everything, NULL), 1);
	assert_null(km_cache_get(&c, p->uuid, KM_PAYLOAD_PRIVATE_KEY));
	assert_int_equal(p->refs, 1);
	assert_non_null(p->bytes); /* still whole for its holder */
	km_payload_unref(p);
	km_cache_clear(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evict_keeps_the_rest_findable),
		cmocka_unit_test(test_first_one_kept),
		cmocka_unit_test(test_held_outlives_eviction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
