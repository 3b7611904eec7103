#include "tokens/store.h"

#include "tokens/barbican-write.h"
#include "tokens/json.h"
#include "tokens/log.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SECRETS 4 /* a certificate container holds at most four */

struct store_args {
	const struct km_new_container *c;
	km_uuid made[MAX_SECRETS]; /* "" for the existing ones */
	km_uuid *out;
};

static json_object *secret_body(const char *name, const struct km_new_secret *s)
{
	json_object *o = json_object_new_object();
	char *text = s->text ? NULL : km_base64(s->payload, s->len);

	if (!s->text && text == NULL) {
		json_object_put(o);
		return NULL;
	}
	if (name != NULL)
		json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "secret_type", json_object_new_string(s->type));
	json_object_object_add(o, "payload",
			       json_object_new_string_len(
				       text ? text : (const char *)s->payload,
				       text ? (int)strlen(text) : (int)s->len));
	json_object_object_add(o, "payload_content_type",
			       json_object_new_string(s->text ? "text/plain"
							      : "application/octet-stream"));
	if (!s->text)
		json_object_object_add(o, "payload_content_encoding",
				       json_object_new_string("base64"));
	if (s->algorithm != NULL)
		json_object_object_add(o, "algorithm",
				       json_object_new_string(s->algorithm));
	if (s->bits > 0)
		json_object_object_add(o, "bit_length", json_object_new_int(s->bits));
	if (text != NULL) {
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
	return o;
}

/* The secret, then its CKA_ID in its metadata (Barbican ignores metadata
 * given with the secret itself). */
static km_err create_secret(const struct km_endpoint *ep, const char *name,
			    const struct km_new_secret *s, km_uuid out)
{
	json_object *body = secret_body(name, s), *meta;
	char path[128];
	km_err rv;

	if (body == NULL)
		return KM_ERR(NO_MEMORY);
	rv = km_barbican_create(ep, "secrets", body, "secret_ref", out);
	json_object_put(body);
	if (!km_ok(rv) || s->cka_id == NULL)
		return rv;
	body = json_object_new_object();
	meta = json_object_new_object();
	json_object_object_add(meta, "cka_id", json_object_new_string(s->cka_id));
	json_object_object_add(body, "metadata", meta);
	snprintf(path, sizeof(path), "secrets/%s/metadata", out);
	rv = km_barbican_put(ep, path, body);
	json_object_put(body);
	if (!km_ok(rv))
		km_barbican_delete(ep, "secrets", out);
	return rv;
}

static json_object *container_body(const struct km_endpoint *ep,
				   const struct store_args *call)
{
	json_object *body = json_object_new_object(), *refs = json_object_new_array();
	char url[4096];

	json_object_object_add(body, "type", json_object_new_string(call->c->type));
	if (call->c->name != NULL)
		json_object_object_add(body, "name",
				       json_object_new_string(call->c->name));
	for (size_t i = 0; i < call->c->n; i++) {
		const struct km_new_secret *s = &call->c->secrets[i];
		json_object *r = json_object_new_object();
		snprintf(url, sizeof(url), "%s/secrets/%s", ep->base,
			 s->uuid ? s->uuid : call->made[i]);
		json_object_object_add(r, "name", json_object_new_string(s->ref_name));
		json_object_object_add(r, "secret_ref", json_object_new_string(url));
		json_object_array_add(refs, r);
	}
	json_object_object_add(body, "secret_refs", refs);
	return body;
}

static km_err store_call(const struct km_endpoint *ep, void *arg)
{
	struct store_args *call = arg;
	const struct km_new_container *c = call->c;
	json_object *body;
	km_err rv = KM_ERR(OK);

	for (size_t i = 0; km_ok(rv) && i < c->n; i++)
		if (c->secrets[i].uuid == NULL)
			rv = create_secret(ep, c->name, &c->secrets[i], call->made[i]);
	if (km_ok(rv) && c->type == NULL) {
		memcpy(*call->out, call->made[0], sizeof(km_uuid));
		return KM_ERR(OK);
	}
	if (km_ok(rv)) {
		body = container_body(ep, call);
		rv = km_barbican_create(ep, "containers", body, "container_ref",
					*call->out);
		json_object_put(body);
	}
	for (size_t i = 0; !km_ok(rv) && i < c->n; i++)
		if (call->made[i][0] != '\0')
			km_barbican_delete(ep, "secrets", call->made[i]);
	if (!km_ok(rv))
		return rv;
	/* Made: what it replaces goes; a failure there leaves a duplicate,
	 * not a loss. */
	if (c->replaces != NULL &&
	    !km_ok(km_barbican_delete(ep, "containers", c->replaces)))
		km_warning("container %s stays next to %s", c->replaces, *call->out);
	if (c->drop != NULL)
		km_barbican_delete(ep, "secrets", c->drop);
	return KM_ERR(OK);
}

km_err km_store(struct km_token *t, const struct km_new_container *c,
		km_uuid out)
{
	struct store_args call = {.c = c, .out = (km_uuid *)out};
	km_err rv;

	if (c->n == 0 || c->n > MAX_SECRETS || (c->type == NULL && c->n != 1))
		return KM_ERR(INTERNAL);
	if (!km_ok(rv = km_token_call(t, store_call, &call)))
		return rv;
	if (c->type != NULL)
		km_info("stored %s container '%s' as %s", c->type,
			c->name ? c->name : "", out);
	else
		km_info("stored %s secret '%s' as %s", c->secrets[0].type,
			c->name ? c->name : "", out);
	return KM_ERR(OK);
}

struct cka_id_args {
	const char *uuid;
	char *out;
	size_t size;
};

static km_err cka_id_call(const struct km_endpoint *ep, void *arg)
{
	struct cka_id_args *c = arg;
	json_object *o = NULL, *meta;
	char path[64];
	const char *id;
	km_err rv;

	snprintf(path, sizeof(path), "%s/metadata", c->uuid);
	if (!km_ok(rv = km_barbican_get(ep, "secrets", path, &o)))
		return rv;
	c->out[0] = '\0';
	if (json_object_object_get_ex(o, "metadata", &meta) &&
	    (id = km_json_string(meta, "cka_id")) != NULL)
		snprintf(c->out, c->size, "%s", id);
	json_object_put(o);
	return KM_ERR(OK);
}

km_err km_secret_cka_id(struct km_token *t, const char *uuid, char *out,
			size_t size)
{
	struct cka_id_args c = {uuid, out, size};

	return km_token_call(t, cka_id_call, &c);
}
