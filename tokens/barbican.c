#include "tokens/barbican.h"

#include "tokens/config.h"
#include "tokens/hash.h"
#include "tokens/log.h"
#include "tokens/secure.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 100
/* A listing is bounded even if the server lies about "total". */
#define MAX_ITEMS 200000

static CK_RV get(const struct km_endpoint *ep, const char *url,
		 const char *accept, struct km_response *r)
{
	char auth[8192], accept_h[256];
	const char *headers[] = {auth, accept_h, NULL};
	CK_RV rv;

	snprintf(auth, sizeof(auth), "X-Auth-Token: %s", ep->token);
	snprintf(accept_h, sizeof(accept_h), "Accept: %s", accept);
	rv = km_http_request(ep->http, "GET", url, headers, NULL, r);
	OPENSSL_cleanse(auth, sizeof(auth));
	return rv;
}

CK_RV km_barbican_pages(const struct km_endpoint *ep, const char *what,
			const char *filter, km_page_adder add, void *into)
{
	struct km_response r = {.retry_after = -1};
	char url[4096];
	long total = -1;
	size_t offset = 0, added;
	uint64_t previous = 0, page;
	CK_RV rv = CKR_OK;

	do {
		snprintf(url, sizeof(url), "%s/%s?limit=%d&offset=%zu%s",
			 ep->base, what, PAGE, offset, filter);
		rv = get(ep, url, "application/json", &r);
		if (rv == CKR_OK && r.status != 200)
			rv = km_http_failed(url, &r);
		/* A server that answers every offset with the same page would
		 * keep us listing to the bound: stop at the first repeat. */
		if (rv == CKR_OK) {
			page = km_fnv1a(KM_FNV_BASIS, r.body, r.len);
			if (offset > 0 && page == previous) {
				km_error("%s: the same page again at offset "
					 "%zu; the listing stops", what, offset);
				rv = CKR_DEVICE_ERROR;
			}
			previous = page;
		}
		if (rv == CKR_OK)
			rv = add(into, r.body, &total, &added);
		/* A Key Manager may give fewer than asked (its own page
		 * size): the next page starts after what came. */
		offset += added;
	} while (rv == CKR_OK && added > 0 && offset < MAX_ITEMS &&
		 (total >= 0 ? offset < (size_t)total : added == PAGE));
	km_response_clear(&r);
	return rv;
}

static CK_RV get_one(const struct km_endpoint *ep, const char *what,
		     const char *uuid, struct km_listing *l,
		     CK_RV (*add)(struct km_listing *, const char *))
{
	struct km_response r = {.retry_after = -1};
	char url[4096];
	CK_RV rv;

	snprintf(url, sizeof(url), "%s/%s/%s", ep->base, what, uuid);
	rv = get(ep, url, "application/json", &r);
	if (rv == CKR_OK && r.status != 200)
		rv = km_http_failed(url, &r);
	if (rv == CKR_OK)
		rv = add(l, r.body);
	km_response_clear(&r);
	return rv;
}

CK_RV km_barbican_secret(const struct km_endpoint *ep, const char *uuid,
			 struct km_listing *into)
{
	return get_one(ep, "secrets", uuid, into, km_listing_add_secret);
}

static CK_RV add_containers(void *l, const char *json, long *total,
			     size_t *added)
{
	return km_listing_add_containers(l, json, total, added);
}

static CK_RV add_secrets(void *l, const char *json, long *total, size_t *added)
{
	return km_listing_add_secrets(l, json, total, added);
}

static bool name_wanted(const struct km_container *c, const void *arg)
{
	return km_token_config_shows(arg, c->name);
}

/*
 * GET /containers?name=X for each configured name instead of every page.
 * Barbican's filter is SQL LIKE (case-insensitive; '_' and '%' match
 * more), so what comes back is still checked against the patterns.
 */
static CK_RV list_named(const struct km_endpoint *ep,
			const struct km_token_config *tc, struct km_listing *l)
{
	char filter[1024];
	char *name;
	CK_RV rv = CKR_OK;

	for (size_t i = 0; rv == CKR_OK && i < tc->n_containers; i++) {
		if ((name = curl_easy_escape(NULL, tc->containers[i], 0)) == NULL)
			return CKR_HOST_MEMORY;
		if ((size_t)snprintf(filter, sizeof(filter), "&name=%s", name) >=
		    sizeof(filter))
			rv = CKR_ARGUMENTS_BAD;
		else
			rv = km_barbican_pages(ep, "containers", filter,
					       add_containers, l);
		curl_free(name);
	}
	return rv;
}

static int by_uuid_text(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The distinct secrets the listed containers hold, sorted; NULL for
 * none or no memory (*n tells). */
static km_uuid *referenced(const struct km_listing *l, size_t *n)
{
	km_uuid *uuids = calloc(5 * l->n_containers + 1, sizeof(*uuids));
	size_t kept = 0;

	*n = 0;
	for (size_t i = 0; uuids != NULL && i < l->n_containers; i++) {
		const struct km_container *c = &l->containers[i];
		const char *held[] = {c->certificate, c->private_key,
				      c->public_key, c->passphrase,
				      c->intermediates};
		for (size_t j = 0; j < 5; j++)
			if (held[j][0] != '\0')
				memcpy(uuids[(*n)++], held[j], sizeof(km_uuid));
	}
	if (*n > 1)
		qsort(uuids, *n, sizeof(*uuids), by_uuid_text);
	for (size_t i = 0; i < *n; i++)
		if (kept == 0 || strcmp(uuids[i], uuids[kept - 1]) != 0)
			memmove(uuids[kept++], uuids[i], sizeof(km_uuid));
	*n = kept;
	return uuids;
}

/*
 * The metadata of the secrets the listed containers hold, one GET each,
 * instead of every secret page: when only named containers are listed,
 * that is a few requests whatever the project holds. One missing or
 * forbidden (another project's) is left out, as a full listing would:
 * its payload's fetch asks again and says why.
 */
static CK_RV list_referenced(const struct km_endpoint *ep, struct km_listing *l)
{
	size_t n;
	km_uuid *uuids = referenced(l, &n);
	CK_RV rv = uuids ? CKR_OK : CKR_HOST_MEMORY;

	for (size_t i = 0; rv == CKR_OK && i < n; i++) {
		rv = km_barbican_secret(ep, uuids[i], l);
		if (rv == CKR_OBJECT_HANDLE_INVALID ||
		    rv == CKR_TOKEN_WRITE_PROTECTED)
			rv = CKR_OK;
	}
	free(uuids);
	return rv;
}

CK_RV km_barbican_list(const struct km_endpoint *ep,
		       const struct km_token_config *tc,
		       struct km_listing **out)
{
	struct km_listing *l = calloc(1, sizeof(*l));
	bool named = km_token_config_names_only(tc);
	km_uuid uuid;
	CK_RV rv;

	if (l == NULL)
		return CKR_HOST_MEMORY;
	rv = named ? list_named(ep, tc, l)
		   : km_barbican_pages(ep, "containers", "", add_containers, l);
	if (rv == CKR_OK)
		rv = km_listing_drop_order_originals(l);
	if (rv == CKR_OK)
		km_listing_keep_containers(l, name_wanted, tc);
	for (size_t i = 0; rv == CKR_OK && i < tc->n_container_refs; i++) {
		if (!km_uuid_from_ref(tc->container_refs[i], uuid)) {
			km_error("container_refs: '%s' is not a container ref",
				 tc->container_refs[i]);
			continue;
		}
		/* One missing or forbidden ref does not hide the others. */
		if (get_one(ep, "containers", uuid, l,
			    km_listing_add_container) == CKR_HOST_MEMORY)
			rv = CKR_HOST_MEMORY;
	}
	/* Standalone secrets shown need every secret page. */
	if (rv == CKR_OK)
		rv = named && !tc->show_secrets
			     ? list_referenced(ep, l)
			     : km_barbican_pages(ep, "secrets", "", add_secrets, l);
	if (rv != CKR_OK) {
		km_listing_free(l);
		return rv;
	}
	km_listing_finish(l);
	km_info("listed %zu containers and %zu secrets", l->n_containers,
		l->n_secrets);
	*out = l;
	return CKR_OK;
}

CK_RV km_barbican_payload(const struct km_endpoint *ep, const char *uuid,
			  const char *content_type, struct km_response *out)
{
	char url[4096];
	CK_RV rv;

	snprintf(url, sizeof(url), "%s/secrets/%s/payload", ep->base, uuid);
	rv = get(ep, url, content_type ? content_type : "application/octet-stream",
		 out);
	if (rv == CKR_OK && out->status != 200)
		rv = km_http_failed(url, out);
	return rv;
}
