#include "tokens/curl-memory.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Each block starts with its size, in a header that keeps the caller's
 * part aligned for any type. */
#define HEADER sizeof(max_align_t)

static void *block_of(void *p) { return (char *)p - HEADER; }

static size_t size_of(void *p) { return *(size_t *)block_of(p); }

static void *wiping_malloc(size_t size)
{
	char *block = size <= SIZE_MAX - HEADER ? malloc(HEADER + size) : NULL;

	if (block == NULL)
		return NULL;
	*(size_t *)block = size;
	return block + HEADER;
}

static void wiping_free(void *p)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, size_of(p));
	free(block_of(p));
}

/* Moves to a new block, so that the old one is wiped, not left behind. */
static void *wiping_realloc(void *p, size_t size)
{
	void *grown;

	if (p == NULL)
		return wiping_malloc(size);
	if (size == 0) {
		wiping_free(p);
		return NULL;
	}
	if ((grown = wiping_malloc(size)) == NULL)
		return NULL;
	memcpy(grown, p, size < size_of(p) ? size : size_of(p));
	wiping_free(p);
	return grown;
}

static void *wiping_calloc(size_t n, size_t size)
{
	void *p = n != 0 && size > SIZE_MAX / n ? NULL : wiping_malloc(n * size);

	if (p != NULL)
		memset(p, 0, n * size);
	return p;
}

static char *wiping_strdup(const char *s)
{
	size_t len = strlen(s) + 1;
	char *copy = wiping_malloc(len);

	return copy ? memcpy(copy, s, len) : NULL;
}

void km_curl_global_init(void)
{
	curl_global_init_mem(CURL_GLOBAL_DEFAULT, wiping_malloc, wiping_free,
			     wiping_realloc, wiping_strdup, wiping_calloc);
}
