#include "tokens/cache.h"

#include "tokens/hash.h"
#include "tokens/secure.h"

#include <stdlib.h>
#include <string.h>

static size_t home_of(const struct km_cache *c, const char *uuid,
		      enum km_payload_kind kind)
{
	uint64_t h = km_fnv1a_str(KM_FNV_BASIS ^ (uint64_t)kind, uuid);

	return (size_t)(h & (c->size - 1));
}

/* The slot that holds it, or the free one where it would go. */
static struct km_payload **find(const struct km_cache *c, const char *uuid,
				enum km_payload_kind kind)
{
	struct km_payload **slot;

	for (size_t i = home_of(c, uuid, kind);; i = (i + 1) & (c->size - 1)) {
		slot = &c->slots[i];
		if (*slot == NULL ||
		    ((*slot)->kind == kind && strcmp((*slot)->uuid, uuid) == 0))
			return slot;
	}
}

static bool grow(struct km_cache *c)
{
	struct km_cache bigger = {.size = c->size ? c->size * 2 : 64,
				  .used = c->used};

	if ((bigger.slots = calloc(bigger.size, sizeof(*bigger.slots))) == NULL)
		return false;
	for (size_t i = 0; i < c->size; i++)
		if (c->slots[i] != NULL)
			*find(&bigger, c->slots[i]->uuid, c->slots[i]->kind) =
				c->slots[i];
	free(c->slots);
	*c = bigger;
	return true;
}

struct km_payload *km_cache_get(const struct km_cache *c, const char *uuid,
				enum km_payload_kind kind)
{
	return c->size ? *find(c, uuid, kind) : NULL;
}

struct km_payload *km_cache_put(struct km_cache *c, struct km_payload *p)
{
	struct km_payload **slot;

	if ((c->used + 1) * 2 > c->size && !grow(c))
		return NULL;
	if (*(slot = find(c, p->uuid, p->kind)) != NULL)
		return *slot;
	*slot = p;
	c->used++;
	return p;
}

/* Empties slot i, moving up the entries of its run that probed past it
 * (deletion without tombstones). */
static void remove_at(struct km_cache *c, size_t i)
{
	size_t mask = c->size - 1;

	c->slots[i] = NULL;
	for (size_t j = (i + 1) & mask; c->slots[j] != NULL; j = (j + 1) & mask) {
		size_t home = home_of(c, c->slots[j]->uuid, c->slots[j]->kind);
		/* j's entry may move to i when its home is not in (i, j]. */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			c->slots[i] = c->slots[j];
			c->slots[j] = NULL;
			i = j;
		}
	}
	c->used--;
}

size_t km_cache_evict(struct km_cache *c,
		      bool (*doomed)(const struct km_payload *, const void *),
		      const void *arg)
{
	size_t evicted = 0;

	for (size_t i = 0; i < c->size; i++)
		while (c->slots[i] != NULL && doomed(c->slots[i], arg)) {
			struct km_payload *p = c->slots[i];
			remove_at(c, i); /* may move another entry into i */
			km_payload_unref(p);
			evicted++;
		}
	return evicted;
}

void km_cache_clear(struct km_cache *c)
{
	for (size_t i = 0; i < c->size; i++)
		if (c->slots[i] != NULL)
			km_payload_unref(c->slots[i]);
	free(c->slots);
	*c = (struct km_cache){0};
}

void km_payload_unref(struct km_payload *p)
{
	if (p == NULL || --p->refs > 0)
		return;
	X509_free(p->certificate);
	sk_X509_pop_free(p->chain, X509_free);
	EVP_PKEY_free(p->key);
	km_free_secret(p->bytes, p->len);
	free(p);
}
