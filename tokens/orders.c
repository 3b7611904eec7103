#include "tokens/orders.h"

#include "tokens/barbican-write.h"
#include "tokens/json.h"
#include "tokens/log.h"
#include "tokens/writes.h"

#include "tokens/crypto-ctx.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct order_args {
	json_object *body;
	const char *container;
	const char *uuid;
	km_uuid *made;
	json_object **out;
};

static km_err submit_call(const struct km_endpoint *ep, void *arg)
{
	struct order_args *c = arg;
	json_object *meta;
	char ref[4096];

	if (c->container != NULL && json_object_object_get_ex(c->body, "meta", &meta)) {
		snprintf(ref, sizeof(ref), "%s/containers/%s", ep->base, c->container);
		json_object_object_add(meta, "container_ref", json_object_new_string(ref));
	}
	return km_barbican_create(ep, "orders", c->body, "order_ref", *c->made);
}

/* POSTs an order (body: {"type", "meta"}; not taken). container, if
 * not NULL, is the uuid of the container its meta refers to
 * (container_ref: a stored-key certificate order's key pair). */
static km_err submit(struct km_token *t, json_object *body,
		     const char *container, km_uuid out)
{
	struct order_args c = {.body = body, .container = container,
			       .made = (km_uuid *)out};
	km_err rv = km_token_call(t, submit_call, &c);

	if (km_ok(rv))
		km_info("submitted order %s", out);
	return rv;
}

static km_err get_call(const struct km_endpoint *ep, void *arg)
{
	struct order_args *c = arg;

	return km_barbican_get(ep, "orders", c->uuid, c->out);
}

static km_err get_json(struct km_token *t, const char *uuid, json_object **out)
{
	struct order_args c = {.uuid = uuid, .out = out};

	*out = NULL;
	return km_token_call(t, get_call, &c);
}

static const char *status_of(json_object *order)
{
	return km_json_string(order, "status");
}

/* ---- orders as the module sees them ---- */

static char *text(json_object *o, const char *field)
{
	const char *v = km_json_string(o, field);

	return strdup(v ? v : "");
}

void km_order_clear(struct km_order *o)
{
	free(o->ref);
	free(o->type);
	free(o->request_type);
	free(o->name);
	free(o->message);
	free(o->error);
	free(o->result_ref);
	memset(o, 0, sizeof(*o));
}

/* false when the order has no usable ref, or out of memory. */
static bool order_of(json_object *j, struct km_order *out)
{
	const char *status = status_of(j);
	const char *code = km_json_string(j, "error_status_code");
	const char *reason = km_json_string(j, "error_reason");
	const char *result = km_json_string(j, "container_ref");
	json_object *meta = NULL;
	char error[512];

	memset(out, 0, sizeof(*out));
	if (!km_uuid_from_ref(km_json_string(j, "order_ref"), out->uuid))
		return false;
	json_object_object_get_ex(j, "meta", &meta);
	out->state = status == NULL ? KM_ORDER_PENDING
		     : strcmp(status, "ACTIVE") == 0 ? KM_ORDER_ACTIVE
		     : strcmp(status, "ERROR") == 0 ? KM_ORDER_ERROR
						     : KM_ORDER_PENDING;
	snprintf(error, sizeof(error), "%s%s%s", code ? code : "",
		 code ? ": " : "", reason ? reason : "");
	out->ref = text(j, "order_ref");
	out->type = text(j, "type");
	out->request_type = text(meta, "request_type");
	out->name = text(meta, "name");
	out->message = text(j, "sub_status_message");
	out->error = strdup(error);
	out->result_ref = text(j, result ? "container_ref" : "secret_ref");
	if (out->ref && out->type && out->request_type && out->name &&
	    out->message && out->error && out->result_ref)
		return true;
	km_order_clear(out);
	return false;
}

km_err km_order_get(struct km_token *t, const char *uuid, struct km_order *out)
{
	json_object *j;
	km_err rv = get_json(t, uuid, &j);

	if (km_ok(rv) && !order_of(j, out)) {
		km_error("order %s: the Key Manager's answer has no order_ref", uuid);
		rv = KM_ERR(BAD_RESPONSE);
	}
	json_object_put(j);
	return rv;
}

void km_order_list_clear(struct km_order_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		km_order_clear(&l->items[i]);
	free(l->items);
	*l = (struct km_order_list){NULL, 0};
}

/* Polls until the order is no longer PENDING or wait seconds passed;
 * *out is its last state. */
static km_err wait_for(struct km_token *t, const char *uuid, long wait,
		       json_object **out)
{
	struct timespec pause = {0, 200 * 1000 * 1000};
	time_t deadline = time(NULL) + wait;
	const char *status;
	km_err rv;

	for (;;) {
		if (!km_ok(rv = get_json(t, uuid, out)))
			return rv;
		status = status_of(*out);
		if (status == NULL || strcmp(status, "PENDING") != 0 ||
		    time(NULL) >= deadline)
			return KM_ERR(OK);
		json_object_put(*out);
		nanosleep(&pause, NULL);
	}
}

static km_err add_orders(void *into, const char *text, long *total,
			 size_t *added)
{
	json_object *page = json_tokener_parse(text), *orders, *n;

	*added = 0;
	if (page == NULL || !json_object_object_get_ex(page, "orders", &orders) ||
	    !json_object_is_type(orders, json_type_array)) {
		km_error("orders: a page without an \"orders\" array");
		json_object_put(page);
		return KM_ERR(BAD_RESPONSE);
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
	return KM_ERR(OK);
}

static km_err list_call(const struct km_endpoint *ep, void *arg)
{
	struct order_args *c = arg;

	/* Called again after a 401: the pages start over. */
	json_object_put(*c->out);
	*c->out = json_object_new_array();
	return km_barbican_pages(ep, "orders", "", add_orders, *c->out);
}

km_err km_orders_list(struct km_token *t, struct km_order_list *out)
{
	json_object *list = NULL;
	struct order_args c = {.out = &list};
	km_err rv = km_token_call(t, list_call, &c);
	size_t n = km_ok(rv) ? json_object_array_length(list) : 0;

	*out = (struct km_order_list){NULL, 0};
	if (km_ok(rv) && (out->items = calloc(n + 1, sizeof(*out->items))) == NULL)
		rv = KM_ERR(NO_MEMORY);
	for (size_t i = 0; km_ok(rv) && i < n; i++) {
		json_object *j = json_object_array_get_idx(list, i);
		if (order_of(j, &out->items[out->n]))
			out->n++;
		else if (km_json_string(j, "order_ref") != NULL)
			rv = KM_ERR(NO_MEMORY);
	}
	if (!km_ok(rv))
		km_order_list_clear(out);
	json_object_put(list);
	return rv;
}

static km_err delete_call(const struct km_endpoint *ep, void *arg)
{
	return km_barbican_delete(ep, "orders", ((struct order_args *)arg)->uuid);
}

km_err km_order_delete(struct km_token *t, const char *uuid)
{
	struct order_args c = {.uuid = uuid};
	km_err rv = km_token_call(t, delete_call, &c);

	if (km_ok(rv))
		km_info("deleted order %s", uuid);
	return rv;
}

/* KM_OK when the order is ACTIVE; why not otherwise, logged. */
static km_err outcome(json_object *order, const char *uuid, long wait)
{
	const char *status = status_of(order);
	const char *reason = km_json_string(order, "error_reason");

	if (status != NULL && strcmp(status, "ACTIVE") == 0)
		return KM_ERR(OK);
	if (status != NULL && strcmp(status, "ERROR") == 0) {
		km_error("order %s failed: %s", uuid, reason ? reason : "no reason");
		return KM_ERR(ORDER_FAILED);
	}
	km_error("order %s not active after %ld s", uuid, wait);
	return KM_ERR(ORDER_NOT_DONE);
}

/* Submits an order of that type and meta (taken), container_ref naming
 * container if not NULL, and waits for it: its uuid and last state. */
static km_err submit_and_wait(struct km_token *t, const char *type,
			      json_object *meta, const char *container,
			      long wait, km_uuid uuid, json_object **order)
{
	json_object *body = json_object_new_object();
	km_err rv;

	*order = NULL;
	json_object_object_add(body, "type", json_object_new_string(type));
	json_object_object_add(body, "meta", meta);
	rv = submit(t, body, container, uuid);
	json_object_put(body);
	return km_ok(rv) ? wait_for(t, uuid, wait, order) : rv;
}

/* Submits an order of that type and meta (taken) and waits for what it
 * makes: the uuid at the end of its field (container_ref, secret_ref). */
static km_err order_made(struct km_token *t, const char *type, json_object *meta,
			 long wait, const char *field, km_uuid made)
{
	json_object *order;
	km_uuid uuid;
	km_err rv = submit_and_wait(t, type, meta, NULL, wait, uuid, &order);

	if (km_ok(rv))
		rv = outcome(order, uuid, wait);
	if (km_ok(rv) && !km_uuid_from_ref(km_json_string(order, field), made))
		rv = KM_ERR(BAD_RESPONSE);
	json_object_put(order);
	if (km_ok(rv))
		km_info("order %s made %s", uuid, made);
	return rv;
}

km_err km_order_keypair(struct km_token *t, const char *name, int bits,
			long wait, km_uuid container)
{
	json_object *meta = json_object_new_object();

	json_object_object_add(meta, "name", json_object_new_string(name));
	json_object_object_add(meta, "algorithm", json_object_new_string("rsa"));
	json_object_object_add(meta, "bit_length", json_object_new_int(bits));
	return order_made(t, "asymmetric", meta, wait, "container_ref", container);
}

km_err km_order_key(struct km_token *t, const char *name, bool aes, int bits,
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

/* ref (ending in a uuid) made to end in other instead; NULL when out
 * of memory. */
static char *other_ref(const char *ref, const char *other)
{
	size_t keep = strlen(ref) - KM_UUID_LEN;
	char *out = malloc(keep + strlen(other) + 1);

	if (out != NULL)
		sprintf(out, "%.*s%s", (int)keep, ref, other);
	return out;
}

/* Barbican names no container a certificate order makes, nor lets its
 * users delete it: a named copy is made, with the key the certificate
 * was issued for, and the container_ref of order follows. */
static km_err name_result(struct km_token *t, json_object *order,
			  const char *name, const struct km_key_secrets *key)
{
	const char *ref = km_json_string(order, "container_ref");
	char *copy_ref = NULL;
	km_uuid uuid, renamed;
	km_err rv = km_uuid_from_ref(ref, uuid) ? KM_ERR(OK) : KM_ERR(BAD_RESPONSE);

	if (km_ok(rv))
		rv = km_copy_container(t, uuid, name, key, renamed);
	if (km_ok(rv) && (copy_ref = other_ref(ref, renamed)) == NULL)
		return KM_ERR(NO_MEMORY);
	if (km_ok(rv)) {
		json_object_object_add(order, "container_ref",
				       json_object_new_string(copy_ref));
		free(copy_ref);
		return KM_ERR(OK);
	}
	km_error("certificate order: issued, but its container '%s'%s could "
		 "not be made; order again", name, key ? " with the key" : "");
	return KM_ERR(ORDER_UNNAMED);
}

void km_orders_follow_copies(struct km_order_list *orders,
			     const struct km_listing *l)
{
	const char *copy;
	char *ref;
	km_uuid uuid;

	for (size_t i = 0; i < orders->n; i++) {
		struct km_order *o = &orders->items[i];
		if (km_uuid_from_ref(o->result_ref, uuid) &&
		    (copy = km_listing_order_copy(l, uuid)) != NULL &&
		    (ref = other_ref(o->result_ref, copy)) != NULL) {
			free(o->result_ref);
			o->result_ref = ref;
		}
	}
}

/* Barbican wants a PEM CSR, in base64: a DER one is made PEM; anything
 * else goes as it is, for the Key Manager to judge (and to fail the
 * order with its reason). */
static json_object *request_data(const unsigned char *csr, size_t len)
{
	const unsigned char *p = csr;
	X509_REQ *req;
	BIO *b = NULL;
	char *pem, *b64;
	long pem_len;
	json_object *out;

	/* d2i frees req when it fails. */
	if ((req = X509_REQ_new_ex(km_libctx(), NULL)) != NULL)
		d2i_X509_REQ(&req, &p, (long)len);
	if (req != NULL && p == csr + len && (b = BIO_new(BIO_s_mem())) != NULL &&
	    PEM_write_bio_X509_REQ(b, req) &&
	    (pem_len = BIO_get_mem_data(b, &pem)) > 0)
		b64 = km_base64((unsigned char *)pem, (size_t)pem_len);
	else
		b64 = km_base64(csr, len);
	BIO_free(b);
	X509_REQ_free(req);
	ERR_clear_error();
	out = b64 ? json_object_new_string(b64) : NULL;
	free(b64);
	return out;
}

static void add_string(json_object *o, const char *key, const char *value)
{
	if (value != NULL && value[0])
		json_object_object_add(o, key, json_object_new_string(value));
}

/* The order's meta, as Barbican's certificate orders take it. */
static json_object *certificate_meta(const struct km_certificate_request *req)
{
	json_object *meta = json_object_new_object();

	add_string(meta, "request_type", req->request_type);
	add_string(meta, "name", req->name);
	if (req->subject_dn != NULL)
		add_string(meta, "subject_dn", req->subject_dn);
	else
		json_object_object_add(meta, "request_data",
				       request_data(req->csr, req->csr_len));
	add_string(meta, "ca_id", req->ca_id);
	add_string(meta, "profile", req->profile);
	return meta;
}

km_err km_order_certificate(struct km_token *t,
			    const struct km_certificate_request *req,
			    const char *container,
			    const struct km_key_secrets *key, long wait,
			    struct km_order *out)
{
	json_object *order = NULL;
	const char *status;
	km_uuid uuid;
	km_err rv = submit_and_wait(t, "certificate", certificate_meta(req),
				   container, wait, uuid, &order);

	memset(out, 0, sizeof(*out));
	status = km_ok(rv) ? status_of(order) : NULL;
	if (status != NULL && strcmp(status, "ACTIVE") == 0 && req->name[0])
		rv = name_result(t, order, req->name, key);
	if (status != NULL && strcmp(status, "ERROR") == 0)
		km_error("certificate order %s failed: %s", uuid,
			 km_json_string(order, "error_reason")
				 ? km_json_string(order, "error_reason")
				 : "no reason");
	if (km_ok(rv) && !order_of(order, out))
		rv = KM_ERR(BAD_RESPONSE);
	json_object_put(order);
	return rv;
}
