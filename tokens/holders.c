#include "tokens/holders.h"

#include "tokens/json.h"
#include "tokens/log.h"

#include <stdlib.h>
#include <string.h>

static CK_RV add(struct km_held *h, const char *uuid)
{
	km_uuid *grown;

	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		if ((grown = realloc(h->uuids, h->cap * sizeof(*grown))) == NULL)
			return CKR_HOST_MEMORY;
		h->uuids = grown;
	}
	memcpy(h->uuids[h->n++], uuid, sizeof(km_uuid));
	return CKR_OK;
}

/* An order's own container: no name, and no creator (Barbican's order
 * processing made it). */
static bool order_original(json_object *c)
{
	json_object *creator;

	return km_json_string(c, "name") == NULL &&
	       json_object_object_get_ex(c, "creator_id", &creator) &&
	       creator == NULL;
}

static CK_RV add_container(struct km_held *h, json_object *c)
{
	json_object *refs;
	km_uuid uuid;
	CK_RV rv = CKR_OK;

	if (!km_uuid_from_ref(km_json_string(c, "container_ref"), uuid) ||
	    strcmp(uuid, h->except) == 0 || order_original(c) ||
	    !json_object_object_get_ex(c, "secret_refs", &refs) ||
	    !json_object_is_type(refs, json_type_array))
		return CKR_OK;
	for (size_t i = 0; rv == CKR_OK && i < json_object_array_length(refs); i++)
		if (km_uuid_from_ref(km_json_string(json_object_array_get_idx(refs, i),
						    "secret_ref"), uuid))
			rv = add(h, uuid);
	return rv;
}

CK_RV km_held_add_page(struct km_held *h, const char *json, long *total,
		       size_t *added)
{
	json_object *root = json_tokener_parse(json), *items;
	int64_t n;
	CK_RV rv = CKR_OK;

	*added = 0;
	*total = -1;
	if (root == NULL || !json_object_object_get_ex(root, "containers", &items) ||
	    !json_object_is_type(items, json_type_array)) {
		km_error("containers: a page without a \"containers\" array");
		json_object_put(root);
		return CKR_DEVICE_ERROR;
	}
	if (km_json_int(root, "total", &n))
		*total = (long)n;
	for (size_t i = 0; rv == CKR_OK && i < json_object_array_length(items); i++) {
		rv = add_container(h, json_object_array_get_idx(items, i));
		(*added)++;
	}
	json_object_put(root);
	return rv;
}

static CK_RV add_page(void *h, const char *json, long *total, size_t *added)
{
	return km_held_add_page(h, json, total, added);
}

static int by_uuid(const void *a, const void *b)
{
	return strcmp(a, b);
}

void km_held_finish(struct km_held *h)
{
	if (h->n > 1)
		qsort(h->uuids, h->n, sizeof(*h->uuids), by_uuid);
}

CK_RV km_held_list(const struct km_endpoint *ep, const char *except,
		   struct km_held *out)
{
	CK_RV rv;

	*out = (struct km_held){.except = except};
	rv = km_barbican_pages(ep, "containers", "", add_page, out);
	if (rv != CKR_OK)
		km_held_clear(out);
	else
		km_held_finish(out);
	return rv;
}

bool km_held_has(const struct km_held *h, const char *uuid)
{
	return h->n > 0 && strlen(uuid) == KM_UUID_LEN &&
	       bsearch(uuid, h->uuids, h->n, sizeof(*h->uuids), by_uuid) != NULL;
}

void km_held_clear(struct km_held *h)
{
	free(h->uuids);
	*h = (struct km_held){0};
}
