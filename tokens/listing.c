#include "tokens/listing.h"

#include "tokens/json.h"
#include "tokens/log.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

static char *dup_string(json_object *o, const char *key)
{
	const char *s = km_json_string(o, key);
	return s ? strdup(s) : NULL;
}

static void *grow(void *array, size_t n, size_t size)
{
	/* Capacity is 8, then doubles each time n reaches it. */
	if (n != 0 && (n < 8 || (n & (n - 1)) != 0))
		return array;
	return realloc(array, (n ? n * 2 : 8) * size);
}

static enum km_container_type container_type(const char *t)
{
	if (t != NULL && strcmp(t, "certificate") == 0)
		return KM_CONTAINER_CERTIFICATE;
	if (t != NULL && strcmp(t, "rsa") == 0)
		return KM_CONTAINER_RSA;
	return KM_CONTAINER_GENERIC;
}

static char *ref_slot(struct km_container *c, const char *name)
{
	static const struct {
		const char *name;
		size_t offset;
	} slots[] = {
		{"certificate", offsetof(struct km_container, certificate)},
		{"private_key", offsetof(struct km_container, private_key)},
		{"public_key", offsetof(struct km_container, public_key)},
		{"private_key_passphrase",
		 offsetof(struct km_container, passphrase)},
		{"intermediates", offsetof(struct km_container, intermediates)},
	};

	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (strcmp(name, slots[i].name) == 0)
			return (char *)c + slots[i].offset;
	return NULL;
}

static km_err parse_container(json_object *o, struct km_container *c)
{
	json_object *refs, *creator;
	const char *ref = km_json_string(o, "container_ref");

	memset(c, 0, sizeof(*c));
	if (!km_uuid_from_ref(ref, c->uuid)) {
		km_error("container without a valid container_ref: skipped");
		return KM_ERR(BAD_RESPONSE);
	}
	c->type = container_type(km_json_string(o, "type"));
	if (json_object_object_get_ex(o, "secret_refs", &refs) &&
	    json_object_is_type(refs, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(refs); i++) {
			json_object *r = json_object_array_get_idx(refs, i);
			const char *name = km_json_string(r, "name");
			char *slot = name ? ref_slot(c, name) : NULL;
			/* Unknown ref names (generic containers) are ignored. */
			if (slot != NULL &&
			    !km_uuid_from_ref(km_json_string(r, "secret_ref"), slot))
				km_warning("container %s: bad secret_ref for %s",
					   c->uuid, name);
		}
	}
	c->name = dup_string(o, "name");
	km_container_name_split(c->name, c->id, &c->id_len);
	c->created = dup_string(o, "created");
	/* Barbican records no creator for what its orders make. */
	c->by_order = json_object_object_get_ex(o, "creator_id", &creator) &&
		      creator == NULL;
	return KM_ERR(OK);
}

static json_object *parse_json(const char *json, const char *what)
{
	json_object *root = json ? json_tokener_parse(json) : NULL;

	if (root == NULL || !json_object_is_type(root, json_type_object)) {
		km_error("%s: response is not a JSON object", what);
		json_object_put(root);
		return NULL;
	}
	return root;
}

static long get_total(json_object *root)
{
	int64_t total;

	return km_json_int(root, "total", &total) ? (long)total : -1;
}

static km_err add_container(struct km_listing *l, json_object *o)
{
	struct km_container *grown;
	km_err rv;

	if ((grown = grow(l->containers, l->n_containers, sizeof(*grown))) == NULL)
		return KM_ERR(NO_MEMORY);
	l->containers = grown;
	rv = parse_container(o, &grown[l->n_containers]);
	if (km_ok(rv))
		l->n_containers++;
	return rv;
}

static km_err add_page(struct km_listing *l, const char *json, const char *key,
		       km_err (*add)(struct km_listing *, json_object *),
		       long *total, size_t *added)
{
	json_object *root = parse_json(json, key), *items;
	km_err rv = KM_ERR(OK);

	*added = 0;
	*total = -1;
	if (root == NULL)
		return KM_ERR(BAD_RESPONSE);
	if (!json_object_object_get_ex(root, key, &items) ||
	    !json_object_is_type(items, json_type_array)) {
		km_error("list of %s: no '%s' array in the response", key, key);
		json_object_put(root);
		return KM_ERR(BAD_RESPONSE);
	}
	*total = get_total(root);
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		rv = add(l, json_object_array_get_idx(items, i));
		if (rv.kind == KM_NO_MEMORY)
			break;
		/* One malformed item is skipped, not the whole token. */
		rv = KM_ERR(OK);
		(*added)++;
	}
	json_object_put(root);
	return rv;
}

km_err km_listing_add_containers(struct km_listing *l, const char *json,
				 long *total, size_t *added)
{
	return add_page(l, json, "containers", add_container, total, added);
}

/* One item's JSON (a GET of one container or secret). */
static km_err add_item(struct km_listing *l, const char *json, const char *what,
		       km_err (*add)(struct km_listing *, json_object *))
{
	json_object *root = parse_json(json, what);
	km_err rv = root ? add(l, root) : KM_ERR(BAD_RESPONSE);

	json_object_put(root);
	return rv;
}

km_err km_listing_add_container(struct km_listing *l, const char *json)
{
	return add_item(l, json, "container", add_container);
}

static enum km_secret_type secret_type(const char *t)
{
	static const char *const names[] = {"opaque",    "certificate",
					    "private",   "public",
					    "symmetric", "passphrase"};

	for (size_t i = 0; t != NULL && i < sizeof(names) / sizeof(names[0]);
	     i++)
		if (strcmp(t, names[i]) == 0)
			return (enum km_secret_type)i;
	return KM_SECRET_OPAQUE;
}

/* The content types Barbican gives nearly every secret, shared rather
 * than copied per secret. */
static const char *const common_types[] = {
	"text/plain", "application/octet-stream", "application/pkcs8",
	"application/pkix-cert",
};

static bool common_content_type(const char *type)
{
	for (size_t i = 0; i < sizeof(common_types) / sizeof(common_types[0]); i++)
		if (type == common_types[i])
			return true;
	return false;
}

static const char *content_type(const char *type)
{
	if (type == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(common_types) / sizeof(common_types[0]); i++)
		if (strcmp(type, common_types[i]) == 0)
			return common_types[i];
	return strdup(type);
}

static km_err add_secret(struct km_listing *l, json_object *o)
{
	struct km_secret_meta *grown, *s;
	json_object *types;
	int64_t bits;
	const char *alg;

	if ((grown = grow(l->secrets, l->n_secrets, sizeof(*grown))) == NULL)
		return KM_ERR(NO_MEMORY);
	l->secrets = grown;
	s = memset(&grown[l->n_secrets], 0, sizeof(*s));
	if (!km_uuid_from_ref(km_json_string(o, "secret_ref"), s->uuid)) {
		km_error("secret without a valid secret_ref: skipped");
		return KM_ERR(BAD_RESPONSE);
	}
	s->type = secret_type(km_json_string(o, "secret_type"));
	if ((alg = km_json_string(o, "algorithm")) != NULL &&
	    (s->algorithm = strdup(alg)) != NULL)
		for (char *c = s->algorithm; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	if (km_json_int(o, "bit_length", &bits) && bits > 0 && bits < 1 << 20)
		s->bit_length = (long)bits;
	if (json_object_object_get_ex(o, "content_types", &types))
		s->content_type = content_type(km_json_string(types, "default"));
	s->name = dup_string(o, "name");
	l->n_secrets++;
	return KM_ERR(OK);
}

km_err km_listing_add_secrets(struct km_listing *l, const char *json,
			      long *total, size_t *added)
{
	return add_page(l, json, "secrets", add_secret, total, added);
}

km_err km_listing_add_secret(struct km_listing *l, const char *json)
{
	return add_item(l, json, "secret", add_secret);
}

static int by_created(const void *a, const void *b)
{
	const struct km_container *x = a, *y = b;
	int c = strcmp(x->created ? x->created : "", y->created ? y->created : "");
	return c != 0 ? c : strcmp(x->uuid, y->uuid);
}

static int by_uuid(const void *a, const void *b)
{
	return strcmp(((const struct km_secret_meta *)a)->uuid,
		      ((const struct km_secret_meta *)b)->uuid);
}

/* qsort, which must not be given a NULL array even when it is empty. */
static void sort(void *base, size_t n, size_t size,
		 int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static int by_uuid_c(const void *a, const void *b)
{
	return strcmp(((const struct km_container *)a)->uuid,
		      ((const struct km_container *)b)->uuid);
}

static void free_container(struct km_container *c)
{
	free(c->name);
	free(c->created);
}

static void free_secret(struct km_secret_meta *s)
{
	free(s->name);
	free(s->algorithm);
	if (!common_content_type(s->content_type))
		free((char *)s->content_type);
}

static void mark(struct km_listing *l, const char *uuid)
{
	struct km_secret_meta key, *s;

	if (uuid[0] == '\0' || l->n_secrets == 0)
		return;
	memcpy(key.uuid, uuid, sizeof(key.uuid));
	s = bsearch(&key, l->secrets, l->n_secrets, sizeof(*s), by_uuid);
	if (s != NULL)
		s->referenced = true;
}

void km_listing_finish(struct km_listing *l)
{
	size_t n = 0;

	/* Pages can overlap when the Key Manager changes while we list. */
	sort(l->containers, l->n_containers, sizeof(*l->containers), by_uuid_c);
	for (size_t i = 0; i < l->n_containers; i++) {
		if (n > 0 && strcmp(l->containers[n - 1].uuid,
				    l->containers[i].uuid) == 0)
			free_container(&l->containers[i]);
		else
			l->containers[n++] = l->containers[i];
	}
	l->n_containers = n;
	/* Oldest first: of several containers with one name, the newest is
	 * found last, which is what libp11 and pkcs11-tool pick. */
	sort(l->containers, n, sizeof(*l->containers), by_created);
	sort(l->secrets, l->n_secrets, sizeof(*l->secrets), by_uuid);
	n = 0;
	for (size_t i = 0; i < l->n_secrets; i++) {
		if (n > 0 && strcmp(l->secrets[n - 1].uuid, l->secrets[i].uuid) == 0)
			free_secret(&l->secrets[i]);
		else
			l->secrets[n++] = l->secrets[i];
	}
	l->n_secrets = n;
	/* What only sorting and standalone labels needed goes: a listing of
	 * thousands is held for as long as the token lives. */
	for (size_t i = 0; i < l->n_containers; i++) {
		struct km_container *c = &l->containers[i];
		free(c->created);
		c->created = NULL;
		mark(l, c->certificate);
		mark(l, c->private_key);
		mark(l, c->public_key);
		mark(l, c->passphrase);
		mark(l, c->intermediates);
	}
	for (size_t i = 0; i < l->n_secrets; i++)
		if (l->secrets[i].referenced) {
			free(l->secrets[i].name);
			l->secrets[i].name = NULL;
		}
}

const struct km_secret_meta *km_listing_secret(const struct km_listing *l,
					       const char *uuid)
{
	struct km_secret_meta key;

	if (uuid == NULL || uuid[0] == '\0' || l->n_secrets == 0)
		return NULL;
	memcpy(key.uuid, uuid, sizeof(key.uuid));
	return bsearch(&key, l->secrets, l->n_secrets, sizeof(key), by_uuid);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool is_order_original(const struct km_container *c)
{
	return c->by_order && c->name == NULL && c->certificate[0] != '\0';
}

static int by_original(const void *a, const void *b)
{
	return strcmp(((const struct km_order_copy *)a)->original,
		      ((const struct km_order_copy *)b)->original);
}

/* The container (not an order's original) that holds a certificate
 * secret, through the sorted index of their certificate uuids. */
static const struct km_container *holder(const char **index, size_t n,
					 const char *certificate)
{
	const char **hit = n ? bsearch(&certificate, index, n, sizeof(*index),
				       by_string)
			     : NULL;

	/* Each entry points into its container, at its certificate field. */
	return hit ? (const struct km_container *)(*hit - offsetof(struct km_container,
								   certificate))
		   : NULL;
}

/* Pairs each order's original with its copy, finding the copies through
 * a sorted index of the other containers' certificate uuids. */
static size_t pair_copies(const struct km_listing *l, const char **index,
			  struct km_order_copy *copies)
{
	const struct km_container *copy;
	size_t n = 0, paired = 0;

	for (size_t i = 0; i < l->n_containers; i++)
		if (!is_order_original(&l->containers[i]) &&
		    l->containers[i].certificate[0] != '\0')
			index[n++] = l->containers[i].certificate;
	sort(index, n, sizeof(*index), by_string);
	for (size_t i = 0; i < l->n_containers; i++) {
		const struct km_container *c = &l->containers[i];
		if (is_order_original(c) &&
		    (copy = holder(index, n, c->certificate)) != NULL) {
			memcpy(copies[paired].original, c->uuid, sizeof(km_uuid));
			memcpy(copies[paired++].copy, copy->uuid, sizeof(km_uuid));
		}
	}
	return paired;
}

static bool not_copied(const struct km_container *c, const void *arg)
{
	return km_listing_order_copy(arg, c->uuid) == NULL;
}

km_err km_listing_drop_order_originals(struct km_listing *l)
{
	const char **index = calloc(l->n_containers + 1, sizeof(*index));
	struct km_order_copy *copies = calloc(l->n_containers + 1, sizeof(*copies));

	if (index == NULL || copies == NULL) {
		free(index);
		free(copies);
		return KM_ERR(NO_MEMORY);
	}
	free(l->copies);
	l->copies = copies;
	l->n_copies = pair_copies(l, index, copies);
	free(index);
	sort(l->copies, l->n_copies, sizeof(*l->copies), by_original);
	km_listing_keep_containers(l, not_copied, l);
	return KM_ERR(OK);
}

const char *km_listing_order_copy(const struct km_listing *l,
				  const char *original)
{
	struct km_order_copy key;
	const struct km_order_copy *hit;

	if (original == NULL || l->n_copies == 0 ||
	    strlen(original) != KM_UUID_LEN)
		return NULL;
	memcpy(key.original, original, sizeof(key.original));
	hit = bsearch(&key, l->copies, l->n_copies, sizeof(key), by_original);
	return hit ? hit->copy : NULL;
}

void km_listing_keep_containers(struct km_listing *l,
				bool (*keep)(const struct km_container *,
					     const void *),
				const void *arg)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n_containers; i++) {
		if (keep(&l->containers[i], arg))
			l->containers[n++] = l->containers[i];
		else
			free_container(&l->containers[i]);
	}
	l->n_containers = n;
}

void km_listing_clear(struct km_listing *l)
{
	for (size_t i = 0; i < l->n_containers; i++)
		free_container(&l->containers[i]);
	for (size_t i = 0; i < l->n_secrets; i++)
		free_secret(&l->secrets[i]);
	free(l->containers);
	free(l->copies);
	free(l->secrets);
	memset(l, 0, sizeof(*l));
}

void km_listing_free(struct km_listing *l)
{
	if (l == NULL)
		return;
	km_listing_clear(l);
	free(l);
}

bool km_listing_has_name(const struct km_listing *l, const char *name)
{
	for (size_t i = 0; i < l->n_containers; i++)
		if (l->containers[i].name != NULL &&
		    strcmp(l->containers[i].name, name) == 0)
			return true;
	for (size_t i = 0; i < l->n_secrets; i++)
		if (!l->secrets[i].referenced && l->secrets[i].name != NULL &&
		    strcmp(l->secrets[i].name, name) == 0)
			return true;
	return false;
}
