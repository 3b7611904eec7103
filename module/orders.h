/*
 * Key Manager orders as token objects (CKO_KMP11_ORDER, kmp11.h), and
 * the certificate order mechanism's parameter read into an order.
 */
#ifndef KMP11_MODULE_ORDERS_H
#define KMP11_MODULE_ORDERS_H

#include "tokens/listing.h"

#include <json-c/json.h>
#include <p11-kit/pkcs11.h>
#include <stdbool.h>

struct kmp_order {
	CK_OBJECT_HANDLE handle;
	km_uuid uuid;
	CK_ATTRIBUTE *attrs;
	bool pending; /* its status is asked again when read */
};

/* The orders of a slot, as last listed or made. */
struct kmp_orders {
	struct kmp_order *items;
	size_t n, cap;
};

/* Adds the order (JSON as the Key Manager gives it) or updates the one
 * of that uuid; NULL when out of memory or the JSON lacks its ref. */
struct kmp_order *kmp_orders_put(struct kmp_orders *o, const char *serial,
				 json_object *order);
/* The orders of a listing (a JSON array) replace the table's; false
 * when out of memory (the table is then left as it was). */
bool kmp_orders_set(struct kmp_orders *o, const char *serial,
		    json_object *list);
struct kmp_order *kmp_orders_get(struct kmp_orders *o, CK_OBJECT_HANDLE h);
void kmp_orders_remove(struct kmp_orders *o, CK_OBJECT_HANDLE h);
void kmp_orders_clear(struct kmp_orders *o);

/* Whether a template asks for orders: its CKA_CLASS is CKO_KMP11_ORDER. */
bool kmp_template_wants_orders(const CK_ATTRIBUTE *templ, CK_ULONG n);

/* The certificate order parameter, checked. */
struct kmp_order_request {
	const char *request_type; /* Barbican's name */
	json_object *meta;        /* everything but the stored key's container */
	CK_OBJECT_HANDLE key;     /* stored-key: the key pair; CSRs: the
				   * key the CSR was made with, or
				   * CK_INVALID_HANDLE */
	long wait;
	char label[128];
};

/* CKR_MECHANISM_PARAM_INVALID for a parameter of the wrong size or
 * content, CKR_TEMPLATE_INCONSISTENT / CKR_ATTRIBUTE_VALUE_INVALID for
 * the template. Free meta with json_object_put. */
CK_RV kmp_order_request_parse(const CK_MECHANISM *m, const CK_ATTRIBUTE *templ,
			      CK_ULONG n, struct kmp_order_request *out);

#endif
