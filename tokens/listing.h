/*
 * A listing: the Key Manager's containers and secrets from metadata only,
 * an immutable snapshot once built (refreshes build a new one and swap).
 */
#ifndef KMP11_LISTING_H
#define KMP11_LISTING_H

#include "tokens/errors.h"
#include "tokens/names.h"
#include "tokens/uuid.h"

#include <stdbool.h>
#include <stddef.h>

enum km_secret_type {
	KM_SECRET_OPAQUE = 0,
	KM_SECRET_CERTIFICATE,
	KM_SECRET_PRIVATE,
	KM_SECRET_PUBLIC,
	KM_SECRET_SYMMETRIC,
	KM_SECRET_PASSPHRASE,
};

struct km_secret_meta {
	km_uuid uuid;
	char *name;
	enum km_secret_type type;
	char *algorithm;    /* lower case, may be NULL */
	bool algorithm_hinted; /* from key_cache, not the Key Manager: the
				* payload, once fetched, overrules it */
	long bit_length;    /* 0 if unknown */
	const char *content_type; /* the default one, may be NULL */
	bool referenced;    /* by a listed container (then its name is NULL:
			     * the container names it) */
};

enum km_container_type {
	KM_CONTAINER_GENERIC = 0,
	KM_CONTAINER_CERTIFICATE,
	KM_CONTAINER_RSA,
};

struct km_container {
	km_uuid uuid;
	char *name; /* may be NULL */
	enum km_container_type type;
	bool by_order; /* made by a Key Manager order (it has no creator) */
	char *created; /* NULL once the listing is finished (sorted) */
	km_uuid certificate, private_key, public_key, passphrase,
		intermediates;
	/* The CKA_ID its name carries (tokens/names.h); none: the uuid. */
	unsigned char id[KM_ID_MAX];
	size_t id_len;
};

/* An order's own container, left out for the named copy of it that
 * kmp11 made (same certificate secret). */
struct km_order_copy {
	km_uuid original, copy;
};

struct km_listing {
	struct km_container *containers; /* oldest first */
	size_t n_containers;
	struct km_order_copy *copies; /* sorted by original */
	size_t n_copies;
	struct km_secret_meta *secrets; /* sorted by uuid */
	size_t n_secrets;
};

/*
 * Adds one page of GET /containers (or one container, GET /containers/id)
 * or of GET /secrets. *total receives the "total" field, -1 if absent.
 * KM_BAD_RESPONSE for JSON of the wrong shape (logged with the field).
 */
km_err km_listing_add_containers(struct km_listing *l, const char *json,
				 long *total, size_t *added);
km_err km_listing_add_container(struct km_listing *l, const char *json);
km_err km_listing_add_secrets(struct km_listing *l, const char *json,
			      long *total, size_t *added);
km_err km_listing_add_secret(struct km_listing *l, const char *json);
/* Sorts, drops duplicates, marks referenced secrets. */
void km_listing_finish(struct km_listing *l);
const struct km_secret_meta *km_listing_secret(const struct km_listing *l,
					       const char *uuid);
/* Whether a container, or a secret no container holds, is named name
 * (after km_listing_finish). */
bool km_listing_has_name(const struct km_listing *l, const char *name);
/*
 * Leaves out the unnamed containers that orders made whose certificate
 * secret another container holds too (kmp11's named copy, which may hold
 * the key as well): one object per certificate. Remembers each in copies.
 * Before km_listing_finish (it needs every container of the project).
 */
km_err km_listing_drop_order_originals(struct km_listing *l);
/* The named copy of an order's container; NULL if it has none. */
const char *km_listing_order_copy(const struct km_listing *l,
				  const char *original);
/* Keeps the containers keep() accepts, in order; frees the others. */
void km_listing_keep_containers(struct km_listing *l,
				bool (*keep)(const struct km_container *,
					     const void *),
				const void *arg);
/* Frees what a listing holds (not the listing itself). */
void km_listing_clear(struct km_listing *l);
void km_listing_free(struct km_listing *l);

#endif
