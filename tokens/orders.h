/*
 * Key Manager orders: submitted, waited for, listed, deleted. Barbican
 * runs them asynchronously; an order is PENDING, then ACTIVE (with the
 * secret or container it made) or ERROR (with the reason).
 */
#ifndef KMP11_ORDERS_H
#define KMP11_ORDERS_H

#include "tokens/token.h"

#include <json-c/json.h>

/* POSTs an order (body: {"type", "meta"}; not taken). container, if
 * not NULL, is the uuid of the container its meta refers to
 * (container_ref: a stored-key certificate order's key pair). */
CK_RV km_order_submit(struct km_token *t, json_object *body,
		      const char *container, km_uuid out);
/* The order as the Key Manager has it now. */
CK_RV km_order_get(struct km_token *t, const char *uuid, json_object **out);
/* Polls until the order is no longer PENDING or wait seconds passed;
 * *out is its last state. */
CK_RV km_order_wait(struct km_token *t, const char *uuid, long wait,
		    json_object **out);
/* Every order of the project, oldest first: a JSON array. */
CK_RV km_orders_list(struct km_token *t, json_object **out);
/* Each order whose container kmp11 copied under a name (the listing
 * knows) names the copy instead: what the user sees and can delete. */
void km_orders_follow_copies(json_object *orders, const struct km_listing *l);
CK_RV km_order_delete(struct km_token *t, const char *uuid);

/* "PENDING", "ACTIVE", "ERROR" of an order; NULL if it has none. */
const char *km_order_status(json_object *order);

/* An asymmetric order (RSA), waited for up to wait seconds: the rsa
 * container it makes. CKR_FUNCTION_REJECTED when the order failed,
 * CKR_FUNCTION_FAILED when it is still pending. */
CK_RV km_order_keypair(struct km_token *t, const char *name, int bits,
		       long wait, km_uuid container);

/* A key order (AES, else HMAC-SHA256 for a generic secret) of bits: the
 * symmetric secret it makes. */
CK_RV km_order_key(struct km_token *t, const char *name, bool aes, int bits,
		   long wait, km_uuid secret);
struct km_key_secrets;

/* A certificate order of that meta (taken; container: the uuid of a
 * stored-key order's key pair, or NULL), waited for; *out is its last
 * state (an ERROR is logged with its reason). Barbican names no
 * container it makes: with a name, an ACTIVE order's container gets a
 * named copy holding key too (if not NULL: the key a CSR was made
 * with), and the container_ref in *out names the copy; an error when
 * the copy cannot be made. */
CK_RV km_order_certificate(struct km_token *t, json_object *meta,
			   const char *container, const char *name,
			   const struct km_key_secrets *key, long wait,
			   json_object **out);

#endif
