/* The Barbican v1 resources kmp11 reads: containers, secrets, payloads. */
#ifndef KMP11_BARBICAN_H
#define KMP11_BARBICAN_H

#include "tokens/http.h"
#include "tokens/listing.h"

struct km_token_config;

/* Where and as whom to call. */
struct km_endpoint {
	struct km_http *http;
	const char *base;  /* ".../v1" */
	const char *token; /* Keystone token */
};

/* Adds one page (JSON text) of a listing to into: how many items, and
 * the "total" it claims (-1 if none). */
typedef km_err (*km_page_adder)(void *into, const char *json, long *total,
				size_t *added);
/* GET /<what>?limit=100&offset=...<filter> page by page, to the end, a
 * bound, or a page the server repeats (KM_BAD_RESPONSE). */
km_err km_barbican_pages(const struct km_endpoint *ep, const char *what,
			 const char *filter, km_page_adder add, void *into);
/* Lists containers and secrets (pages of 100) and the configured refs;
 * with a scope, only the containers (and standalone secrets) of that
 * name, and the secrets those containers hold. */
km_err km_barbican_list(const struct km_endpoint *ep,
			const struct km_token_config *tc, const char *scope,
			struct km_listing **out);
/* GET /<what>/<uuid> ("containers", "secrets"): KM_OK while it is there
 * for this user. */
km_err km_barbican_exists(const struct km_endpoint *ep, const char *what,
			  const char *uuid);
/* Metadata of one secret not in the listing (e.g. shared by ACL). */
km_err km_barbican_secret(const struct km_endpoint *ep, const char *uuid,
			  struct km_listing *into);
/* GET /secrets/<uuid>/payload; the body holds the secret. */
km_err km_barbican_payload(const struct km_endpoint *ep, const char *uuid,
			   const char *content_type, struct km_response *out);

#endif
