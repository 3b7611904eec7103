/* FNV-1a, 64 bits: hash tables of the cache and stable object handles. */
#ifndef KMP11_HASH_H
#define KMP11_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define KM_FNV_BASIS 1469598103934665603ULL
#define KM_FNV_PRIME 1099511628211ULL

/* Continues hash h over len bytes. */
static inline uint64_t km_fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * KM_FNV_PRIME;
	return h;
}

static inline uint64_t km_fnv1a_str(uint64_t h, const char *s)
{
	return km_fnv1a(h, s, strlen(s));
}

/* Mixes one whole word in (not byte by byte). */
static inline uint64_t km_fnv1a_word(uint64_t h, uint64_t word)
{
	return (h ^ word) * KM_FNV_PRIME;
}

#endif
