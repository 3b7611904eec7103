#include "tokens/barbican.h"
#include "tokens/errors.h"

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

/* A GET's headers as ep's user; auth holds the token: wiped after use. */
struct get_headers {
	char auth[8192], accept[256];
	const char *list[3];
};

static void get_headers(const struct km_endpoint *ep, const char *accept,
			struct get_headers *h)
{
	snprintf(h->auth, sizeof(h->auth), "X-Auth-Token: %s", ep->token);
	snprintf(h->accept, sizeof(h->accept), "Accept: %s", accept);
	h->list[0] = h->auth;
	h->list[1] = h->accept;
	h->list[2] = NULL;
}

static km_err get(const struct km_endpoint *ep, const char *url,
		  const char *accept, struct km_response *r)
{
	struct get_headers h;
	km_err rv;

	get_headers(ep, accept, &h);
	rv = km_http_request(ep->http, "GET", url, h.list, NULL, r);
	OPENSSL_cleanse(h.auth, sizeof(h.auth));
	return rv;
}

/* One page's answer: its status checked, its items added. */
static km_err take_page(const char *url, km_err rv, const struct km_response *r,
			km_page_adder add, void *into, long *total,
			size_t *added, uint64_t *hash)
{
	*added = 0;
	if (km_ok(rv) && r->status != 200)
		rv = km_http_failed(url, r);
	if (!km_ok(rv))
		return rv;
	*hash = km_fnv1a(KM_FNV_BASIS, r->body, r->len);
	return add(into, r->body, total, added);
}

/* A server that answers every offset with the same page would keep us
 * listing to the bound: a page equal to the one before stops it. */
static km_err repeated(const char *url)
{
	km_error("%s: the same page again; the listing stops", url);
	return KM_ERR(BAD_RESPONSE);
}

/* The pages after the first, fetched at once: each page's hash, count
 * and total, by its place; before: the hash of the page before them. */
struct rest {
	char **urls;
	km_page_adder add;
	void *into;
	uint64_t *hashes;
	size_t *added;
	long *totals;
	size_t n;
	uint64_t before;
};

/* Whether a page equals the one before it or after it, of those come. */
static bool repeats(const struct rest *b, size_t i)
{
	bool prior_came = i == 0 || b->added[i - 1] > 0;
	bool next_came = i + 1 < b->n && b->added[i + 1] > 0;

	return (prior_came &&
		b->hashes[i] == (i == 0 ? b->before : b->hashes[i - 1])) ||
	       (next_came && b->hashes[i] == b->hashes[i + 1]);
}

static km_err rest_done(void *ctx, size_t i, km_err rv, struct km_response *r)
{
	struct rest *b = ctx;

	rv = take_page(b->urls[i], rv, r, b->add, b->into, &b->totals[i],
		       &b->added[i], &b->hashes[i]);
	/* Checked as pages come, so that a server repeating itself stops
	 * the listing at once, not at the bound. */
	if (km_ok(rv) && b->added[i] > 0 && repeats(b, i))
		rv = repeated(b->urls[i]);
	return rv;
}

static char *page_url(const struct km_endpoint *ep, const char *what,
		      size_t offset, const char *filter)
{
	char *url;

	return asprintf(&url, "%s/%s?limit=%d&offset=%zu%s", ep->base, what,
			PAGE, offset, filter) < 0 ? NULL : url;
}

/*
 * The pages from *offset to *total, `stride` items apart (what the first
 * page gave), up to the HTTP client's bound at once; in any order, since
 * a listing is sorted when finished. *offset moves past what came,
 * *total is the last page's, *previous its hash.
 */
static km_err fetch_rest(const struct km_endpoint *ep, const char *what,
			 const char *filter, km_page_adder add, void *into,
			 size_t stride, size_t *offset, long *total,
			 uint64_t *previous)
{
	size_t end = (size_t)*total < MAX_ITEMS ? (size_t)*total : MAX_ITEMS;
	size_t n = (end - *offset + stride - 1) / stride;
	struct rest b = {calloc(n, sizeof(char *)), add, into,
			 calloc(n, sizeof(uint64_t)), calloc(n, sizeof(size_t)),
			 calloc(n, sizeof(long)), n, *previous};
	struct get_headers h;
	km_err rv = b.urls && b.hashes && b.added && b.totals ? KM_ERR(OK)
							    : KM_ERR(NO_MEMORY);

	for (size_t i = 0; km_ok(rv) && i < n; i++)
		if ((b.urls[i] = page_url(ep, what, *offset + i * stride,
					  filter)) == NULL)
			rv = KM_ERR(NO_MEMORY);
	if (km_ok(rv)) {
		get_headers(ep, "application/json", &h);
		rv = km_http_get_many(ep->http, (const char *const *)b.urls, n,
				      h.list, rest_done, &b);
		OPENSSL_cleanse(h.auth, sizeof(h.auth));
	}
	for (size_t i = 0; km_ok(rv) && i < n; i++) {
		*previous = b.hashes[i];
		*offset += b.added[i];
		*total = b.totals[i];
	}
	for (size_t i = 0; b.urls != NULL && i < n; i++)
		free(b.urls[i]);
	free(b.urls);
	free(b.hashes);
	free(b.added);
	free(b.totals);
	return rv;
}

km_err km_barbican_pages(const struct km_endpoint *ep, const char *what,
			 const char *filter, km_page_adder add, void *into)
{
	struct km_response r = {.retry_after = -1};
	char *url;
	long total = -1;
	size_t offset = 0, added;
	uint64_t previous = 0, page = 0;
	km_err rv = KM_ERR(OK);

	do {
		if ((url = page_url(ep, what, offset, filter)) == NULL)
			return KM_ERR(NO_MEMORY);
		rv = take_page(url, get(ep, url, "application/json", &r), &r,
			       add, into, &total, &added, &page);
		if (km_ok(rv) && offset > 0 && page == previous)
			rv = repeated(url);
		free(url);
		previous = page;
		/* A Key Manager may give fewer than asked (its own page
		 * size): the next page starts after what came. */
		offset += added;
		/* Once "total" says how many remain, they come at once; what
		 * the listing grew by meanwhile, one page after the other. */
		if (km_ok(rv) && added > 0 && total >= 0 &&
		    offset < (size_t)total && offset < MAX_ITEMS)
			rv = fetch_rest(ep, what, filter, add, into, added,
					&offset, &total, &previous);
	} while (km_ok(rv) && added > 0 && offset < MAX_ITEMS &&
		 (total >= 0 ? offset < (size_t)total : added == PAGE));
	km_response_clear(&r);
	return rv;
}

static km_err get_one(const struct km_endpoint *ep, const char *what,
		      const char *uuid, struct km_listing *l,
		      km_err (*add)(struct km_listing *, const char *))
{
	struct km_response r = {.retry_after = -1};
	char url[4096];
	km_err rv;

	snprintf(url, sizeof(url), "%s/%s/%s", ep->base, what, uuid);
	rv = get(ep, url, "application/json", &r);
	if (km_ok(rv) && r.status != 200)
		rv = km_http_failed(url, &r);
	if (km_ok(rv) && add != NULL)
		rv = add(l, r.body);
	km_response_clear(&r);
	return rv;
}

km_err km_barbican_exists(const struct km_endpoint *ep, const char *what,
			  const char *uuid)
{
	return get_one(ep, what, uuid, NULL, NULL);
}

km_err km_barbican_secret(const struct km_endpoint *ep, const char *uuid,
			  struct km_listing *into)
{
	return get_one(ep, "secrets", uuid, into, km_listing_add_secret);
}

static km_err add_containers(void *l, const char *json, long *total,
			     size_t *added)
{
	return km_listing_add_containers(l, json, total, added);
}

static km_err add_secrets(void *l, const char *json, long *total, size_t *added)
{
	return km_listing_add_secrets(l, json, total, added);
}

struct wanted {
	const struct km_token_config *tc;
	const char *scope;
};

static bool name_wanted(const struct km_container *c, const void *arg)
{
	const struct wanted *w = arg;

	return km_token_config_shows(w->tc, c->name) &&
	       (w->scope == NULL || (c->name && strcmp(c->name, w->scope) == 0));
}

/* "&name=" and the escaped name and suffix. */
static km_err name_filter(const char *name, const char *suffix, char *out,
			  size_t size)
{
	char pattern[KM_NAME_MAX + 16], *escaped;
	km_err rv = KM_ERR(TOO_LONG);

	if ((size_t)snprintf(pattern, sizeof(pattern), "%s%s", name, suffix) >=
	    sizeof(pattern))
		return rv;
	if ((escaped = curl_easy_escape(NULL, pattern, 0)) == NULL)
		return KM_ERR(NO_MEMORY);
	if ((size_t)snprintf(out, size, "&name=%s", escaped) < size)
		rv = KM_ERR(OK);
	curl_free(escaped);
	return rv;
}

/*
 * GET /<what>?name=X for each name instead of every page. Barbican's
 * filter is SQL LIKE (case-insensitive; '_' and '%' match more), so what
 * comes back is still checked against the names. A container's name
 * carries its objects' CKA_ID as " (id <hex>)" (tokens/names.h): for
 * containers, "X (id %)" is asked too.
 */
static km_err list_named(const struct km_endpoint *ep, const char *what,
			 const char *const *names, size_t n, km_page_adder add,
			 struct km_listing *l)
{
	const char *suffixes[] = {"", " (id %)"};
	size_t forms = strcmp(what, "containers") == 0 ? 2 : 1;
	char filter[1024];
	km_err rv = KM_ERR(OK);

	for (size_t i = 0; km_ok(rv) && i < n; i++)
		for (size_t j = 0; km_ok(rv) && j < forms; j++)
			if (km_ok(rv = name_filter(names[i], suffixes[j], filter,
						   sizeof(filter))))
				rv = km_barbican_pages(ep, what, filter, add, l);
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
static km_err list_referenced(const struct km_endpoint *ep, struct km_listing *l)
{
	size_t n;
	km_uuid *uuids = referenced(l, &n);
	km_err rv = uuids ? KM_ERR(OK) : KM_ERR(NO_MEMORY);

	for (size_t i = 0; km_ok(rv) && i < n; i++) {
		rv = km_barbican_secret(ep, uuids[i], l);
		if (rv.kind == KM_NOT_FOUND || rv.kind == KM_FORBIDDEN)
			rv = KM_ERR(OK);
	}
	free(uuids);
	return rv;
}

/* The containers shown: every page, or those of the names asked for. */
static km_err list_containers(const struct km_endpoint *ep,
			      const struct km_token_config *tc,
			      const char *scope, struct km_listing *l)
{
	struct wanted w = {tc, scope};
	km_uuid uuid;
	km_err rv;

	if (scope != NULL)
		rv = list_named(ep, "containers", &scope, 1, add_containers, l);
	else if (km_token_config_names_only(tc))
		rv = list_named(ep, "containers",
				(const char *const *)tc->containers,
				tc->n_containers, add_containers, l);
	else
		rv = km_barbican_pages(ep, "containers", "", add_containers, l);
	if (km_ok(rv))
		rv = km_listing_drop_order_originals(l);
	if (km_ok(rv))
		km_listing_keep_containers(l, name_wanted, &w);
	for (size_t i = 0; km_ok(rv) && i < tc->n_container_refs; i++) {
		if (!km_uuid_from_ref(tc->container_refs[i], uuid)) {
			km_error("container_refs: '%s' is not a container ref",
				 tc->container_refs[i]);
			continue;
		}
		/* One missing or forbidden ref does not hide the others. */
		if (get_one(ep, "containers", uuid, l,
			    km_listing_add_container).kind == KM_NO_MEMORY)
			rv = KM_ERR(NO_MEMORY);
	}
	return rv;
}

/* The secrets: every page when standalone secrets are shown, else the
 * metadata of those the containers hold; with a scope, the held ones and
 * the secrets of that name. */
static km_err list_secrets(const struct km_endpoint *ep,
			   const struct km_token_config *tc, const char *scope,
			   struct km_listing *l)
{
	km_err rv;

	if (scope == NULL && (tc->show_secrets || !km_token_config_names_only(tc)))
		return km_barbican_pages(ep, "secrets", "", add_secrets, l);
	rv = list_referenced(ep, l);
	if (km_ok(rv) && scope != NULL && tc->show_secrets)
		rv = list_named(ep, "secrets", &scope, 1, add_secrets, l);
	return rv;
}

km_err km_barbican_list(const struct km_endpoint *ep,
			const struct km_token_config *tc, const char *scope,
			struct km_listing **out)
{
	struct km_listing *l = calloc(1, sizeof(*l));
	km_err rv = l != NULL ? KM_ERR(OK) : KM_ERR(NO_MEMORY);

	if (km_ok(rv))
		rv = list_containers(ep, tc, scope, l);
	if (km_ok(rv))
		rv = list_secrets(ep, tc, scope, l);
	if (!km_ok(rv)) {
		km_listing_free(l);
		return rv;
	}
	km_listing_finish(l);
	km_info("listed %zu containers and %zu secrets%s%s%s", l->n_containers,
		l->n_secrets, scope ? " named '" : "", scope ? scope : "",
		scope ? "'" : "");
	*out = l;
	return KM_ERR(OK);
}

km_err km_barbican_payload(const struct km_endpoint *ep, const char *uuid,
			   const char *content_type, struct km_response *out)
{
	char url[4096];
	km_err rv;

	snprintf(url, sizeof(url), "%s/secrets/%s/payload", ep->base, uuid);
	rv = get(ep, url, content_type ? content_type : "application/octet-stream",
		 out);
	if (km_ok(rv) && out->status != 200)
		rv = km_http_failed(url, out);
	return rv;
}
