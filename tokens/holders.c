#include "tokens/holders.h"

#include "tokens/json.h"
#include "tokens/log.h"

#include <stdlib.h>
#include <string.h>

static km_err add_uuid(struct km_held *h, const char *uuid)
{
	km_uuid *grown;

	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		if ((grown = realloc(h->uuids, h->cap * sizeof(*grown))) == NULL)
			return KM_ERR(NO_MEMORY);
		h->uuids = grown;
	}
	memcpy(h->uuids[h->n++], uuid, sizeof(km_uuid));
	return KM_ERR(OK);
}

/* An order's own container, as Barbican makes it: no name and no
 * creator; one that services use (consumers) always counts. */
static bool original(json_object *c)
{
	json_object *creator, *consumers;

	return km_json_string(c, "name") == NULL &&
	       json_object_object_get_ex(c, "creator_id", &creator) &&
	       creator == NULL &&
	       (!json_object_object_get_ex(c, "consumers", &consumers) ||
		json_object_array_length(consumers) == 0);
}

static km_err add_secrets(struct km_held *h, struct km_holder *c, json_object *refs)
{
	json_object *ref;
	const char *name;
	km_uuid uuid;
	km_err rv = KM_ERR(OK);

	c->first = h->n;
	for (size_t i = 0; km_ok(rv) && i < json_object_array_length(refs); i++) {
		ref = json_object_array_get_idx(refs, i);
		if (!km_uuid_from_ref(km_json_string(ref, "secret_ref"), uuid))
			return KM_ERR(BAD_RESPONSE);
		name = km_json_string(ref, "name");
		if (name != NULL && strcmp(name, "certificate") == 0)
			memcpy(c->certificate, uuid, sizeof(uuid));
		rv = add_uuid(h, uuid);
	}
	c->n = h->n - c->first;
	return rv;
}

static km_err add_container(struct km_held *h, json_object *o)
{
	struct km_holder *grown, *c;
	json_object *refs;

	if (h->n_c == h->cap_c) {
		h->cap_c = h->cap_c ? 2 * h->cap_c : 64;
		if ((grown = realloc(h->c, h->cap_c * sizeof(*grown))) == NULL)
			return KM_ERR(NO_MEMORY);
		h->c = grown;
	}
	c = memset(&h->c[h->n_c], 0, sizeof(*c));
	/* What cannot be read could hold a key: no guessing. */
	if (!km_uuid_from_ref(km_json_string(o, "container_ref"), c->uuid) ||
	    !json_object_object_get_ex(o, "secret_refs", &refs) ||
	    !json_object_is_type(refs, json_type_array)) {
		km_error("containers: an item without a container_ref or "
			 "secret_refs; no secret is deleted");
		return KM_ERR(BAD_RESPONSE);
	}
	c->original = original(o);
	h->n_c++;
	return add_secrets(h, c, refs);
}

km_err km_held_add_page(struct km_held *h, const char *json, long *total,
			size_t *added)
{
	json_object *root = json_tokener_parse(json), *items;
	int64_t n;
	km_err rv = KM_ERR(OK);

	*added = 0;
	*total = -1;
	if (root == NULL || !json_object_object_get_ex(root, "containers", &items) ||
	    !json_object_is_type(items, json_type_array)) {
		km_error("containers: a page without a \"containers\" array");
		json_object_put(root);
		return KM_ERR(BAD_RESPONSE);
	}
	if (km_json_int(root, "total", &n))
		h->total = *total = (long)n;
	for (size_t i = 0; km_ok(rv) && i < json_object_array_length(items); i++) {
		rv = add_container(h, json_object_array_get_idx(items, i));
		(*added)++;
	}
	json_object_put(root);
	return rv;
}

static km_err add_page(void *h, const char *json, long *total, size_t *added)
{
	return km_held_add_page(h, json, total, added);
}

static int by_uuid(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The secrets of the containers that are not orders' originals, sorted:
 * where an original's certificate is looked for (a named copy holds it,
 * and then the original does not count). NULL without memory. */
static km_uuid *named_secrets(const struct km_held *h, size_t *n)
{
	km_uuid *out = malloc((h->n ? h->n : 1) * sizeof(*out));

	*n = 0;
	for (size_t i = 0; out != NULL && i < h->n_c; i++)
		for (size_t j = h->c[i].first; !h->c[i].original && j < h->c[i].first + h->c[i].n; j++)
			memcpy(out[(*n)++], h->uuids[j], sizeof(km_uuid));
	if (out != NULL && *n > 1)
		qsort(out, *n, sizeof(*out), by_uuid);
	return out;
}

km_err km_held_finish(struct km_held *h)
{
	size_t kept = 0, n_named;
	km_uuid *named;

	/* Pages shift when containers come and go while we list: a short
	 * count could miss the one that holds a key. */
	if (h->total >= 0 && h->n_c < (size_t)h->total) {
		km_error("containers: %zu listed of %ld; no secret is deleted",
			 h->n_c, h->total);
		return KM_ERR(BAD_RESPONSE);
	}
	if ((named = named_secrets(h, &n_named)) == NULL)
		return KM_ERR(NO_MEMORY);
	for (size_t i = 0; i < h->n_c; i++) {
		const struct km_holder *c = &h->c[i];
		bool copied = c->original && c->certificate[0] != '\0' && n_named > 0 &&
			      bsearch(c->certificate, named, n_named, sizeof(*named),
				      by_uuid) != NULL;
		h->c[i].counts = strcmp(c->uuid, h->except) != 0 && !copied;
	}
	free(named);
	/* Then the secrets of those that count, in place. */
	for (size_t i = 0; i < h->n_c; i++)
		for (size_t j = h->c[i].first; h->c[i].counts && j < h->c[i].first + h->c[i].n; j++)
			memmove(h->uuids[kept++], h->uuids[j], sizeof(km_uuid));
	h->n = kept;
	if (h->n > 1)
		qsort(h->uuids, h->n, sizeof(*h->uuids), by_uuid);
	return KM_ERR(OK);
}

km_err km_held_list(const struct km_endpoint *ep, const char *except,
		    struct km_held *out)
{
	km_err rv;

	*out = (struct km_held){.except = except, .total = -1};
	rv = km_barbican_pages(ep, "containers", "", add_page, out);
	if (km_ok(rv))
		rv = km_held_finish(out);
	if (!km_ok(rv))
		km_held_clear(out);
	return rv;
}

bool km_held_has(const struct km_held *h, const char *uuid)
{
	return h->n > 0 && strlen(uuid) == KM_UUID_LEN &&
	       bsearch(uuid, h->uuids, h->n, sizeof(*h->uuids), by_uuid) != NULL;
}

void km_held_clear(struct km_held *h)
{
	free(h->c);
	free(h->uuids);
	*h = (struct km_held){0};
}
