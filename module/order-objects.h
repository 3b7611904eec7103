/*
 * Key Manager orders as token objects (CKO_KMP11_ORDER, kmp11.h), and
 * the certificate order mechanism's parameter read into an order.
 */
#ifndef KMP11_MODULE_ORDER_OBJECTS_H
#define KMP11_MODULE_ORDER_OBJECTS_H

#include "tokens/listing.h"
#include "tokens/orders.h"

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

/* Adds the order or updates the one of that uuid; NULL when out of
 * memory. */
struct kmp_order *kmp_orders_put(struct kmp_orders *o, const char *serial,
				 const struct km_order *order);
/* The orders of a listing replace the table's; false when out of memory
 * (the table is then left as it was). */
bool kmp_orders_set(struct kmp_orders *o, const char *serial,
		    const struct km_order_list *list);
struct kmp_order *kmp_orders_get(struct kmp_orders *o, CK_OBJECT_HANDLE h);
void kmp_orders_remove(struct kmp_orders *o, CK_OBJECT_HANDLE h);
void kmp_orders_clear(struct kmp_orders *o);

/* Whether a template asks for orders: its CKA_CLASS is CKO_KMP11_ORDER. */
bool kmp_template_wants_orders(const CK_ATTRIBUTE *templ, CK_ULONG n);

/* The certificate order parameter, checked. */
struct kmp_order_request {
	const char *request_type; /* the Key Manager's name */
	char *subject_dn;         /* stored-key */
	const unsigned char *csr; /* the others: in the caller's parameter */
	size_t csr_len;
	char *ca_id, *profile; /* NULL when not given */
	CK_OBJECT_HANDLE key;  /* stored-key: the key pair; CSRs: the key
				* the CSR was made with, or
				* CK_INVALID_HANDLE */
	long wait;
	char label[128];
};

/* CKR_MECHANISM_PARAM_INVALID for a parameter of the wrong size or
 * content, CKR_TEMPLATE_INCONSISTENT / CKR_ATTRIBUTE_VALUE_INVALID for
 * the template. Free with kmp_order_request_free. */
CK_RV kmp_order_request_parse(const CK_MECHANISM *m, const CK_ATTRIBUTE *templ,
			      CK_ULONG n, struct kmp_order_request *out);
void kmp_order_request_free(struct kmp_order_request *r);
/* The request for the Key Manager; valid while r and the mechanism
 * parameter it was parsed from are. */
struct km_certificate_request kmp_order_request_km(const struct kmp_order_request *r);

#endif
