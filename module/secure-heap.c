#include "module/secure-heap.h"

#include "tokens/log.h"

#include <openssl/crypto.h>
#include <stdlib.h>

#define DEFAULT_SIZE (8u << 20)
#define MAX_SIZE (1u << 30)

/* The size asked for, as the power of two OpenSSL wants; 0: none. */
static size_t wanted_size(void)
{
	const char *text = secure_getenv("KMP11_SECURE_HEAP");
	char *end;
	unsigned long long v;
	size_t size = 1;

	if (text == NULL || *text == '\0')
		return DEFAULT_SIZE;
	v = strtoull(text, &end, 10);
	if (*end != '\0' || v > MAX_SIZE) {
		km_warning("KMP11_SECURE_HEAP=%s: not a size up to %u bytes; "
			   "%u used", text, MAX_SIZE, DEFAULT_SIZE);
		return DEFAULT_SIZE;
	}
	while (size < v)
		size <<= 1;
	return v == 0 ? 0 : size;
}

void kmp_secure_heap_init(void)
{
	size_t size;

	if (CRYPTO_secure_malloc_initialized()) {
		km_info("secure heap: the application's own");
		return;
	}
	if ((size = wanted_size()) == 0) {
		km_warning("secure heap: off (KMP11_SECURE_HEAP=0): key material "
			   "may be swapped out and dumped with the process");
		return;
	}
	switch (CRYPTO_secure_malloc_init(size, 32)) {
	case 1:
		km_info("secure heap: %zu KiB for key material, locked in memory "
			"and left out of core dumps", size >> 10);
		break;
	case 2:
		km_warning("secure heap: %zu KiB left out of core dumps but not "
			   "locked in memory (RLIMIT_MEMLOCK too low?)", size >> 10);
		break;
	default:
		km_warning("secure heap: %zu KiB could not be set up; key "
			   "material is in ordinary memory", size >> 10);
	}
}
