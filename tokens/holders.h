/*
 * Which secrets other containers hold: before a container's secrets are
 * deleted, those another container still holds (a renewal that kept its
 * key, a copy) are kept.
 */
#ifndef KMP11_HOLDERS_H
#define KMP11_HOLDERS_H

#include "tokens/barbican.h"
#include "tokens/listing.h"

/* A sorted set of secret uuids. */
struct km_held {
	km_uuid *uuids;
	size_t n, cap;
	const char *except; /* the container whose holdings do not count */
};

/*
 * The secrets that the project's containers other than except hold,
 * from a fresh listing of every container. An order's own unnamed
 * container does not count: kmp11 shows its named copy instead, and
 * Barbican drops a deleted secret from the containers that held it.
 */
CK_RV km_held_list(const struct km_endpoint *ep, const char *except,
		   struct km_held *out);
/* Adds the secrets a page of GET /containers holds (tests feed pages). */
CK_RV km_held_add_page(struct km_held *h, const char *json, long *total,
		       size_t *added);
void km_held_finish(struct km_held *h);
bool km_held_has(const struct km_held *h, const char *uuid);
void km_held_clear(struct km_held *h);

#endif
