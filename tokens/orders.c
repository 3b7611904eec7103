#include "tokens/orders.h"

#include "tokens/barbican-write.h"
#include "tokens/json.h"
#include "tokens/log.h"
#include "tokens/writes.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

struct order_call {
	json_object *body;
	const char *container;
	const char *uuid;
	km_uuid *made;
	json_object **out;
};

static CK_RV submit_call(const struct km_endpoint *ep, void *arg)
{
	struct order_call *c = arg;
	json_object *meta;
	char ref[4096];

	if (c->container != NULL && json_object_object_get_ex(c->body, "meta", &meta)) {
		snprintf(ref, sizeof(ref), "%s/containers/%s", ep->base, c->container);
		json_object_object_add(meta, "container_ref", json_object_new_string(ref));
	}
	return km_barbican_create(ep, "orders", c->body, "order_ref", *c->made);
}

CK_RV km_order_submit(struct km_token *t, json_object *body,
		      const char *container, km_uuid out)
{
	struct order_call c = {.body = body, .container = container,
			       .made = (km_uuid *)out};
	CK_RV rv = km_token_call(t, submit_call, &c);

	if (rv == CKR_OK)
		km_info("submitted order %s", out);
	return rv;
}

static CK_RV get_call(const struct km_endpoint *ep, void *arg)
{
	struct order_call *c = arg;

	return km_barbican_get(ep, "orders", c->uuid, c->out);
}

CK_RV km_order_get(struct km_token *t, const char *uuid, json_object **out)
{
	struct order_call c = {.uuid = uuid, .out = out};

	*out = NULL;
	return km_token_call(t, get_call, &c);
}

const char *km_order_status(json_object *order)
{
	return km_json_string(order, "status");
}

CK_RV km_order_wait(struct km_token *t, const char *uuid, long wait,
		    json_object **out)
{
	struct timespec pause = {0, 200 * 1000 * 1000};
	time_t deadline = time(NULL) + wait;
	const char *status;
	CK_RV rv;

	for (;;) {
		if ((rv = km_order_get(t, uuid, out)) != CKR_OK)
			return rv;
		status = km_order_status(*out);
		if (status == NULL || strcmp(status, "PENDING") != 0 ||
		    time(NULL) >= deadline)
			return CKR_OK;
		json_object_put(*out);
		nanosleep(&pause, NULL);
	}
}

static CK_RV add_orders(void *into, const char *text, long *total,
			size_t *added)
{
	json_object *page = json_tokener_parse(text), *orders, *n;

	*added = 0;
	if (page == NULL || !json_object_object_get_ex(page, "orders", &orders) ||
	    !json_object_is_type(orders, json_type_array)) {
		km_error("orders: a page without an \"orders\" array");
		json_object_put(page);
		return CKR_DEVICE_ERROR;
	}
	*total = json_object_object_get_ex(page, "total", &n) &&
				 json_object_is_type(n, json_type_int)
			 ? (long)json_object_get_int64(n) : -1;
	for (size_t i = 0; i < json_object_array_length(orders); i++) {
		json_object_array_add(into, json_object_get(
					   json_object_array_get_idx(orders, i)));
		(*added)++;
	}
	json_object_put(page);
	return CKR_OK;
}

static CK_RV list_call(const struct km_endpoint *ep, void *arg)
{
	struct order_call *c = arg;

	*c->out = json_object_new_array();
	return km_barbican_pages(ep, "orders", "", add_orders, *c->out);
}

CK_RV km_orders_list(struct km_token *t, json_object **out)
{
	struct order_call c = {.out = out};
	CK_RV rv = km_token_call(t, list_call, &c);

	if (rv != CKR_OK) {
		json_object_put(*out);
		*out = NULL;
	}
	return rv;
}

static CK_RV delete_call(const struct km_endpoint *ep, void *arg)
{
	return km_barbican_delete(ep, "orders", ((struct order_call *)arg)->uuid);
}

CK_RV km_order_delete(struct km_token *t, const char *uuid)
{
	struct order_call c = {.uuid = uuid};
	CK_RV rv = km_token_call(t, delete_call, &c);

	if (rv == CKR_OK)
		km_info("deleted order %s", uuid);
	return rv;
}

/* CKR_OK when the order is ACTIVE; why not otherwise, logged. */
static CK_RV outcome(json_object *order, const char *uuid, long wait)
{
	const char *status = km_order_status(order);
	const char *reason = km_json_string(order, "error_reason");

	if (status != NULL && strcmp(status, "ACTIVE") == 0)
		return CKR_OK;
	if (status != NULL && strcmp(status, "ERROR") == 0) {
		km_error("order %s failed: %s", uuid, reason ? reason : "no reason");
		return CKR_FUNCTION_REJECTED;
	}
	km_error("order %s not active after %ld s", uuid, wait);
	return CKR_FUNCTION_FAILED;
}

/* Submits an order of that type and meta (taken), container_ref naming
 * container if not NULL, and waits for it: its uuid and last state. */
static CK_RV submit_and_wait(struct km_token *t, const char *type,
			     json_object *meta, const char *container,
			     long wait, km_uuid uuid, json_object **order)
{
	json_object *body = json_object_new_object();
	CK_RV rv;

	*order = NULL;
	json_object_object_add(body, "type", json_object_new_string(type));
	json_object_object_add(body, "meta", meta);
	rv = km_order_submit(t, body, container, uuid);
	json_object_put(body);
	return rv == CKR_OK ? km_order_wait(t, uuid, wait, order) : rv;
}

/* Submits an order of that type and meta (taken) and waits for what it
 * makes: the uuid at the end of its field (container_ref, secret_ref). */
static CK_RV order_made(struct km_token *t, const char *type, json_object *meta,
			long wait, const char *field, km_uuid made)
{
	json_object *order;
	km_uuid uuid;
	CK_RV rv = submit_and_wait(t, type, meta, NULL, wait, uuid, &order);

	if (rv == CKR_OK)
		rv = outcome(order, uuid, wait);
	if (rv == CKR_OK && !km_uuid_from_ref(km_json_string(order, field), made))
		rv = CKR_DEVICE_ERROR;
	json_object_put(order);
	if (rv == CKR_OK)
		km_info("order %s made %s", uuid, made);
	return rv;
}

CK_RV km_order_keypair(struct km_token *t, const char *name, int bits,
		       long wait, km_uuid container)
{
	json_object *meta = json_object_new_object();

	json_object_object_add(meta, "name", json_object_new_string(name));
	json_object_object_add(meta, "algorithm", json_object_new_string("rsa"));
	json_object_object_add(meta, "bit_length", json_object_new_int(bits));
	return order_made(t, "asymmetric", meta, wait, "container_ref", container);
}

CK_RV km_order_key(struct km_token *t, const char *name, bool aes, int bits,
		   long wait, km_uuid secret)
{
	json_object *meta = json_object_new_object();

	if (name[0])
		json_object_object_add(meta, "name", json_object_new_string(name));
	json_object_object_add(meta, "algorithm",
			       json_object_new_string(aes ? "aes" : "hmacsha256"));
	json_object_object_add(meta, "bit_length", json_object_new_int(bits));
	if (aes)
		json_object_object_add(meta, "mode", json_object_new_string("cbc"));
	json_object_object_add(meta, "payload_content_type",
			       json_object_new_string("application/octet-stream"));
	return order_made(t, "key", meta, wait, "secret_ref", secret);
}

/* The order's container_ref (ending in uuid) made to name another. */
static void set_container(json_object *order, const char *ref,
			  const char *other)
{
	char other_ref[4096];

	snprintf(other_ref, sizeof(other_ref), "%.*s%s",
		 (int)(strlen(ref) - KM_UUID_LEN), ref, other);
	json_object_object_add(order, "container_ref",
			       json_object_new_string(other_ref));
}

/* Barbican names no container a certificate order makes, nor lets its
 * users delete it: a named copy is made, with the key the certificate
 * was issued for, and the container_ref of *order follows. */
static CK_RV name_result(struct km_token *t, json_object *order,
			 const char *name, const struct km_key_secrets *key)
{
	const char *ref = km_json_string(order, "container_ref");
	km_uuid uuid, renamed;
	CK_RV rv = km_uuid_from_ref(ref, uuid) ? CKR_OK : CKR_DEVICE_ERROR;

	if (rv == CKR_OK)
		rv = km_copy_container(t, uuid, name, key, renamed);
	if (rv == CKR_OK) {
		set_container(order, ref, renamed);
		return CKR_OK;
	}
	km_error("certificate order: issued, but its container '%s'%s could "
		 "not be made; order again", name, key ? " with the key" : "");
	/* Not the request's fault: nothing of the caller's to blame. */
	return CKR_FUNCTION_FAILED;
}

void km_orders_follow_copies(json_object *orders, const struct km_listing *l)
{
	json_object *order;
	const char *ref, *copy;
	km_uuid uuid;

	for (size_t i = 0; i < json_object_array_length(orders); i++) {
		order = json_object_array_get_idx(orders, i);
		ref = km_json_string(order, "container_ref");
		if (km_uuid_from_ref(ref, uuid) &&
		    (copy = km_listing_order_copy(l, uuid)) != NULL)
			set_container(order, ref, copy);
	}
}

CK_RV km_order_certificate(struct km_token *t, json_object *meta,
			   const char *container, const char *name,
			   const struct km_key_secrets *key, long wait,
			   json_object **out)
{
	const char *status, *reason;
	km_uuid uuid;
	CK_RV rv = submit_and_wait(t, "certificate", meta, container, wait, uuid,
				   out);

	if (rv != CKR_OK)
		return rv;
	status = km_order_status(*out);
	reason = km_json_string(*out, "error_reason");
	if (status != NULL && strcmp(status, "ACTIVE") == 0 && name != NULL && name[0])
		return name_result(t, *out, name, key);
	if (status != NULL && strcmp(status, "ERROR") == 0)
		km_error("certificate order %s failed: %s", uuid,
			 reason ? reason : "no reason");
	return CKR_OK;
}
