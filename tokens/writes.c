#include "tokens/writes.h"

#include "tokens/barbican-write.h"
#include "tokens/holders.h"
#include "tokens/json.h"
#include "tokens/log.h"

#include <stdio.h>
#include <string.h>

/* ---- deleting ---- */

/* A deletion's progress: a retry (after Keystone renewed the token)
 * goes on from the step that failed, not from a container already gone. */
struct delete_args {
	const char *uuid;
	json_object *container; /* as it was before the deletion */
	bool deleted;           /* the container is gone */
	size_t next;            /* the secret to delete next */
};

/* "name (url)" of each consumer of a container, into out; false if none. */
static bool consumers(json_object *container, char *out, size_t size)
{
	json_object *list, *item;
	size_t used = 0;

	out[0] = '\0';
	if (!json_object_object_get_ex(container, "consumers", &list) ||
	    !json_object_is_type(list, json_type_array) ||
	    json_object_array_length(list) == 0)
		return false;
	for (size_t i = 0; i < json_object_array_length(list) && used < size; i++) {
		item = json_object_array_get_idx(list, i);
		used += (size_t)snprintf(out + used, size - used, "%s%s (%s)",
					 i ? ", " : "",
					 km_json_string(item, "name") ? km_json_string(item, "name") : "?",
					 km_json_string(item, "URL") ? km_json_string(item, "URL") : "?");
	}
	return true;
}

/* Deletes the secrets from c->next on that no other container holds;
 * those it holds are listed afresh, after the container is gone, so that
 * one made meanwhile (a renewal by another process) is seen. */
static km_err delete_secrets(const struct km_endpoint *ep, struct delete_args *c)
{
	json_object *refs, *ref;
	struct km_held held;
	km_uuid secret;
	km_err rv = km_held_list(ep, c->uuid, &held);

	if (!km_ok(rv) || !json_object_object_get_ex(c->container, "secret_refs", &refs) ||
	    !json_object_is_type(refs, json_type_array)) {
		if (!km_ok(rv))
			km_error("container %s deleted; its secrets stay (the "
				 "containers holding them could not be listed)",
				 c->uuid);
		return rv;
	}
	for (; km_ok(rv) && c->next < json_object_array_length(refs); c->next++) {
		ref = json_object_array_get_idx(refs, c->next);
		if (!km_uuid_from_ref(km_json_string(ref, "secret_ref"), secret))
			continue;
		if (km_held_has(&held, secret))
			km_info("container %s: secret %s (%s) kept: another "
				"container holds it", c->uuid, secret,
				km_json_string(ref, "name"));
		else if ((rv = km_barbican_delete(ep, "secrets", secret)).kind == KM_NOT_FOUND)
			rv = KM_ERR(OK); /* gone already */
	}
	km_held_clear(&held);
	return rv;
}

static km_err delete_container_call(const struct km_endpoint *ep, void *arg)
{
	struct delete_args *c = arg;
	char who[1024];
	km_err rv = KM_ERR(OK);

	if (c->container == NULL &&
	    !km_ok(rv = km_barbican_get(ep, "containers", c->uuid, &c->container)))
		return rv;
	if (!c->deleted && consumers(c->container, who, sizeof(who))) {
		km_error("container %s has consumers: %s; update them first",
			 c->uuid, who);
		return KM_ERR(IN_USE);
	}
	if (!c->deleted && !km_ok(rv = km_barbican_delete(ep, "containers", c->uuid)))
		return rv;
	c->deleted = true;
	return delete_secrets(ep, c);
}

struct rename_args {
	const char *uuid, *name;
	km_uuid *renamed;
	bool keep; /* a copy: the old one stays */
	const struct km_key_secrets *key; /* joins the copy, if not NULL */
};

static void add_ref(const struct km_endpoint *ep, json_object *refs,
		    const char *name, const char *uuid)
{
	json_object *ref;
	char url[4096];

	if (uuid[0] == '\0')
		return;
	snprintf(url, sizeof(url), "%s/secrets/%s", ep->base, uuid);
	ref = json_object_new_object();
	json_object_object_add(ref, "name", json_object_new_string(name));
	json_object_object_add(ref, "secret_ref", json_object_new_string(url));
	json_object_array_add(refs, ref);
}

/* The secret refs of the new container: the old one's, and the key's. */
static json_object *renamed_refs(const struct km_endpoint *ep,
				 json_object *old, const struct km_key_secrets *key)
{
	json_object *refs, *out = json_object_new_array();

	if (json_object_object_get_ex(old, "secret_refs", &refs) &&
	    json_object_is_type(refs, json_type_array))
		for (size_t i = 0; i < json_object_array_length(refs); i++)
			json_object_array_add(out, json_object_get(
						      json_object_array_get_idx(refs, i)));
	if (key != NULL) {
		add_ref(ep, out, "private_key", key->private_key);
		add_ref(ep, out, "private_key_passphrase", key->passphrase);
	}
	return out;
}

/* Containers are immutable: a new one with the same secrets and the new
 * name, then the old one goes, unless a copy was asked for. Its
 * consumers would be lost: refused. */
static km_err rename_call(const struct km_endpoint *ep, void *arg)
{
	struct rename_args *c = arg;
	json_object *old = NULL, *body, *type;
	char who[1024];
	km_err rv = km_barbican_get(ep, "containers", c->uuid, &old);

	if (km_ok(rv) && !c->keep && consumers(old, who, sizeof(who))) {
		km_error("container %s has consumers: %s; update them first",
			 c->uuid, who);
		rv = KM_ERR(IN_USE);
	}
	if (km_ok(rv)) {
		body = json_object_new_object();
		if (json_object_object_get_ex(old, "type", &type))
			json_object_object_add(body, "type", json_object_get(type));
		json_object_object_add(body, "secret_refs",
				       renamed_refs(ep, old, c->key));
		json_object_object_add(body, "name", json_object_new_string(c->name));
		rv = km_barbican_create(ep, "containers", body, "container_ref",
					*c->renamed);
		json_object_put(body);
	}
	if (km_ok(rv) && !c->keep &&
	    !km_ok(rv = km_barbican_delete(ep, "containers", c->uuid)))
		km_barbican_delete(ep, "containers", *c->renamed); /* undo */
	json_object_put(old);
	return rv;
}

km_err km_copy_container(struct km_token *t, const char *uuid, const char *name,
			 const struct km_key_secrets *key, km_uuid copy)
{
	struct rename_args c = {uuid, name, (km_uuid *)copy, true, key};
	km_err rv = km_token_call(t, rename_call, &c);

	if (km_ok(rv))
		km_info("container %s copied as '%s' (%s)", uuid, name, copy);
	return rv;
}

km_err km_rename_container(struct km_token *t, const char *uuid,
			   const char *name, km_uuid renamed)
{
	struct rename_args c = {uuid, name, (km_uuid *)renamed, false, NULL};
	km_err rv = km_token_call(t, rename_call, &c);

	if (km_ok(rv))
		km_info("renamed container %s to '%s' (now %s)", uuid, name, renamed);
	return rv;
}

static km_err delete_secret_call(const struct km_endpoint *ep, void *arg)
{
	return km_barbican_delete(ep, "secrets", ((struct delete_args *)arg)->uuid);
}

km_err km_delete_container(struct km_token *t, const char *uuid)
{
	struct delete_args c = {uuid, NULL, false, 0};
	km_err rv = km_token_call(t, delete_container_call, &c);

	if (km_ok(rv)) {
		km_info("deleted container %s and the secrets only it held", uuid);
	} else if (c.deleted) {
		/* Its objects are gone: the deletion is done, and what stays
		 * is said for the operator to remove. */
		km_error("container %s is deleted, but not all of the secrets "
			 "only it held: see the secrets listing", uuid);
		rv = KM_ERR(OK);
	}
	json_object_put(c.container);
	return rv;
}

km_err km_delete_secret(struct km_token *t, const char *uuid)
{
	struct delete_args c = {uuid, NULL, false, 0};

	return km_token_call(t, delete_secret_call, &c);
}
