/*
 * A token's parsed payloads, by secret UUID and kind (open addressing).
 * Not locked itself: the token's lock guards the table and every
 * payload's reference count. The table holds one reference to each
 * payload, and so does each holder km_token_payload handed one to; the
 * last reference frees the payload and wipes what it holds.
 */
#ifndef KMP11_CACHE_H
#define KMP11_CACHE_H

#include "tokens/token.h"

struct km_cache {
	struct km_payload **slots;
	size_t size, used;
};

/* The payload, or NULL. */
struct km_payload *km_cache_get(const struct km_cache *c, const char *uuid,
				enum km_payload_kind kind);
/* Publishes p, taking its reference, unless one for the same secret and
 * kind is there already; returns the one kept, or NULL without memory
 * (p is then the caller's still). */
struct km_payload *km_cache_put(struct km_cache *c, struct km_payload *p);
/* Takes out the payloads doomed() accepts, dropping the table's
 * reference to each; returns how many. */
size_t km_cache_evict(struct km_cache *c,
		      bool (*doomed)(const struct km_payload *, const void *),
		      const void *arg);
/* Every payload out; the table freed. */
void km_cache_clear(struct km_cache *c);
/* Drops a reference; the last frees p. */
void km_payload_unref(struct km_payload *p);

#endif
