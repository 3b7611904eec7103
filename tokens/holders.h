/*
 * Which secrets other containers hold: before a container's secrets are
 * deleted, those another container still holds (a renewal that kept its
 * key, a copy) are kept.
 */
#ifndef KMP11_HOLDERS_H
#define KMP11_HOLDERS_H

#include "tokens/barbican.h"
#include "tokens/listing.h"

/* A container as the holder count needs it. */
struct km_holder {
	km_uuid uuid, certificate;
	bool original; /* an order's own: no name, no creator, no consumer */
	bool counts;   /* its secrets are held (km_held_finish) */
	size_t first, n; /* its secrets: uuids[first .. first + n) */
};

/* The secrets the project's containers hold, from a full listing. */
struct km_held {
	const char *except; /* the container being deleted */
	struct km_holder *c;
	size_t n_c, cap_c;
	km_uuid *uuids; /* each container's secrets, then (finished) the
			 * sorted set of those held */
	size_t n, cap;
	long total; /* as the last page said, -1 if none did */
};

/*
 * The secrets that the project's containers other than except hold, from
 * a fresh listing of every container. An order's own unnamed container
 * does not count when another container holds its certificate (kmp11's
 * named copy, or except itself): Barbican drops a deleted secret from the
 * containers that held it. Fails closed: an item or a listing it cannot
 * read in full is an error, never a smaller set.
 */
km_err km_held_list(const struct km_endpoint *ep, const char *except,
		    struct km_held *out);
/* Adds a page of GET /containers (tests feed pages). */
km_err km_held_add_page(struct km_held *h, const char *json, long *total,
			size_t *added);
/* Ends the listing: KM_BAD_RESPONSE when it has fewer containers than
 * the Key Manager said it has. */
km_err km_held_finish(struct km_held *h);
bool km_held_has(const struct km_held *h, const char *uuid);
void km_held_clear(struct km_held *h);

#endif
