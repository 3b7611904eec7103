/*
 * Key Manager orders: submitted, waited for, listed, deleted. Barbican
 * runs them asynchronously; an order is PENDING, then ACTIVE (with the
 * secret or container it made) or ERROR (with the reason).
 */
#ifndef KMP11_ORDERS_H
#define KMP11_ORDERS_H

#include "tokens/token.h"

#include <stdbool.h>
#include <stddef.h>

enum km_order_state { KM_ORDER_PENDING, KM_ORDER_ACTIVE, KM_ORDER_ERROR };

/* An order as the Key Manager reports it; strings never NULL. */
struct km_order {
	km_uuid uuid;
	enum km_order_state state;
	char *ref;          /* the order's own */
	char *type;         /* "certificate", "asymmetric", "key" */
	char *request_type; /* a certificate order's: "custom", ... */
	char *name;
	char *message;    /* the Key Manager's words on its progress */
	char *error;      /* "status code: reason" of a failed one */
	char *result_ref; /* what it made: a container, else a secret */
};

struct km_order_list {
	struct km_order *items;
	size_t n;
};

void km_order_clear(struct km_order *o);
void km_order_list_clear(struct km_order_list *l);

/* A certificate order's request (docs/vendor.md). */
struct km_certificate_request {
	const char *request_type; /* "custom", "stored-key", "simple-cmc" */
	const char *name;         /* "" for none */
	const char *subject_dn;   /* stored-key */
	const unsigned char *csr; /* the others: PEM or DER */
	size_t csr_len;
	const char *ca_id, *profile; /* NULL for the Key Manager's default */
};

/* The order as the Key Manager has it now. */
km_err km_order_get(struct km_token *t, const char *uuid, struct km_order *out);
/* Every order of the project, oldest first (those without a usable ref
 * left out). */
km_err km_orders_list(struct km_token *t, struct km_order_list *out);
/* Each order whose container kmp11 copied under a name (the listing
 * knows) names the copy instead: what the user sees and can delete. */
void km_orders_follow_copies(struct km_order_list *orders,
			     const struct km_listing *l);
km_err km_order_delete(struct km_token *t, const char *uuid);

/* An asymmetric order (RSA), waited for up to wait seconds: the rsa
 * container it makes. KM_ORDER_FAILED when the order failed,
 * KM_ORDER_NOT_DONE when it is still pending. */
km_err km_order_keypair(struct km_token *t, const char *name, int bits,
			long wait, km_uuid container);

/* A key order (AES, else HMAC-SHA256 for a generic secret) of bits: the
 * symmetric secret it makes. */
km_err km_order_key(struct km_token *t, const char *name, bool aes, int bits,
		    long wait, km_uuid secret);
struct km_key_secrets;

/* A certificate order (container: the uuid of a stored-key order's key
 * pair, or NULL), waited for; *out is its last state (an ERROR is logged
 * with its reason). Barbican names no container it makes: with a name,
 * an ACTIVE order's container gets a named copy holding key too (if not
 * NULL: the key a CSR was made with), and out's result_ref names the
 * copy; KM_ORDER_UNNAMED when the copy cannot be made. KM_REFUSED when the
 * Key Manager refuses the request (HTTP 400). */
km_err km_order_certificate(struct km_token *t,
			    const struct km_certificate_request *req,
			    const char *container,
			    const struct km_key_secrets *key, long wait,
			    struct km_order *out);

#endif
