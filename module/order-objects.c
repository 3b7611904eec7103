#include "module/order-objects.h"

#include "module/attrs.h"
#include "module/kmp11.h"
#include "module/objects.h"

#include <stdlib.h>
#include <string.h>

/* ---- order objects ---- */

static CK_ULONG status_of(const struct km_order *order)
{
	static const CK_ULONG status[] = {
		[KM_ORDER_PENDING] = KMP11_ORDER_PENDING,
		[KM_ORDER_ACTIVE] = KMP11_ORDER_ACTIVE,
		[KM_ORDER_ERROR] = KMP11_ORDER_ERROR,
	};

	return status[order->state];
}

static CK_ATTRIBUTE *order_attrs(const struct km_order *order)
{
	struct kmp_builder b = {0};
	unsigned char id[16];

	kmp_add_ulong(&b, CKA_CLASS, CKO_KMP11_ORDER);
	kmp_add_bool(&b, CKA_TOKEN, true);
	kmp_add_bool(&b, CKA_PRIVATE, false);
	kmp_add_bool(&b, CKA_MODIFIABLE, false);
	kmp_add_bool(&b, CKA_COPYABLE, false);
	kmp_add_bool(&b, CKA_DESTROYABLE, true);
	kmp_add_string(&b, CKA_LABEL, order->name);
	if (km_uuid_bytes(order->uuid, id))
		kmp_add_bytes(&b, CKA_ID, id, sizeof(id));
	kmp_add_ulong(&b, CKA_KMP11_ORDER_STATUS, status_of(order));
	kmp_add_string(&b, CKA_KMP11_ORDER_MESSAGE, order->message);
	kmp_add_string(&b, CKA_KMP11_ORDER_ERROR, order->error);
	kmp_add_string(&b, CKA_KMP11_ORDER_REF, order->ref);
	kmp_add_string(&b, CKA_KMP11_RESULT_REF, order->result_ref);
	kmp_add_string(&b, CKA_KMP11_ORDER_TYPE, order->type);
	kmp_add_string(&b, CKA_KMP11_REQUEST_TYPE, order->request_type);
	return kmp_builder_finish(&b);
}

struct kmp_order *kmp_orders_get(struct kmp_orders *o, CK_OBJECT_HANDLE h)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->items[i].handle == h)
			return &o->items[i];
	return NULL;
}

struct kmp_order *kmp_orders_put(struct kmp_orders *o, const char *serial,
				 const struct km_order *order)
{
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE *attrs;
	struct kmp_order *item;

	if ((attrs = order_attrs(order)) == NULL)
		return NULL;
	h = kmp_object_handle(serial, order->uuid, KMP_ROLE_ORDER, 0);
	if ((item = kmp_orders_get(o, h)) == NULL) {
		if (o->n == o->cap) {
			size_t cap = o->cap ? 2 * o->cap : 16;
			struct kmp_order *grown = realloc(o->items, cap * sizeof(*grown));
			if (grown == NULL) {
				kmp_attrs_free(attrs);
				return NULL;
			}
			o->items = grown;
			o->cap = cap;
		}
		item = &o->items[o->n++];
		*item = (struct kmp_order){.handle = h};
		memcpy(item->uuid, order->uuid, sizeof(item->uuid));
	}
	kmp_attrs_free(item->attrs);
	item->attrs = attrs;
	item->pending = order->state == KM_ORDER_PENDING;
	return item;
}

bool kmp_orders_set(struct kmp_orders *o, const char *serial,
		    const struct km_order_list *list)
{
	struct kmp_orders fresh = {0};

	for (size_t i = 0; i < list->n; i++)
		if (kmp_orders_put(&fresh, serial, &list->items[i]) == NULL) {
			kmp_orders_clear(&fresh);
			return false;
		}
	kmp_orders_clear(o);
	*o = fresh;
	return true;
}

void kmp_orders_remove(struct kmp_orders *o, CK_OBJECT_HANDLE h)
{
	struct kmp_order *item = kmp_orders_get(o, h);

	if (item == NULL)
		return;
	kmp_attrs_free(item->attrs);
	*item = o->items[--o->n];
}

void kmp_orders_clear(struct kmp_orders *o)
{
	for (size_t i = 0; i < o->n; i++)
		kmp_attrs_free(o->items[i].attrs);
	free(o->items);
	*o = (struct kmp_orders){0};
}

bool kmp_template_wants_orders(const CK_ATTRIBUTE *templ, CK_ULONG n)
{
	CK_ULONG klass;

	return kmp_template_ulong(templ, n, CKA_CLASS, &klass) == CKR_OK &&
	       klass == CKO_KMP11_ORDER;
}

/* ---- the certificate order parameter ---- */

/* A text field of the parameter: given, not too long, no NUL. */
static bool text_ok(const CK_UTF8CHAR *p, CK_ULONG len)
{
	return p != NULL && len > 0 && len <= 4096 && memchr(p, '\0', len) == NULL;
}

/* A text field of the parameter as a string; NULL when it is no text
 * (*bad set) or not given. */
static char *string_of(const CK_UTF8CHAR *p, CK_ULONG len, bool *bad)
{
	char *out;

	if (p == NULL)
		return NULL;
	if (!text_ok(p, len) || (out = strndup((const char *)p, len)) == NULL) {
		*bad = true;
		return NULL;
	}
	return out;
}

static CK_RV template_label(const CK_ATTRIBUTE *templ, CK_ULONG n,
			    struct kmp_order_request *out)
{
	struct kmp_bytes label = kmp_template_bytes(templ, n, CKA_LABEL);
	CK_ULONG klass;
	CK_RV rv = kmp_template_ulong(templ, n, CKA_CLASS, &klass);

	if (rv == CKR_ATTRIBUTE_VALUE_INVALID || (rv == CKR_OK && klass != CKO_KMP11_ORDER))
		return CKR_TEMPLATE_INCONSISTENT;
	if (!kmp_template_bool(templ, n, CKA_TOKEN, true))
		return CKR_TEMPLATE_INCONSISTENT; /* orders live in the Key Manager */
	for (CK_ULONG i = 0; i < n; i++)
		if (templ[i].type != CKA_CLASS && templ[i].type != CKA_TOKEN &&
		    templ[i].type != CKA_LABEL)
			return CKR_ATTRIBUTE_TYPE_INVALID;
	if (label.len >= sizeof(out->label) || (label.len > 0 && memchr(label.data, '\0', label.len)))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (label.len > 0)
		memcpy(out->label, label.data, label.len);
	out->label[label.len] = '\0';
	return CKR_OK;
}

void kmp_order_request_free(struct kmp_order_request *r)
{
	free(r->subject_dn);
	free(r->ca_id);
	free(r->profile);
	memset(r, 0, sizeof(*r));
}

CK_RV kmp_order_request_parse(const CK_MECHANISM *m, const CK_ATTRIBUTE *templ,
			      CK_ULONG n, struct kmp_order_request *out)
{
	static const char *const types[] = {
		[KMP11_REQUEST_CUSTOM] = "custom",
		[KMP11_REQUEST_STORED_KEY] = "stored-key",
		[KMP11_REQUEST_SIMPLE_CMC] = "simple-cmc",
	};
	const CK_KMP11_CERTIFICATE_ORDER_PARAMS *p = m->pParameter;
	bool bad = false;
	CK_RV rv;

	memset(out, 0, sizeof(*out));
	if ((rv = template_label(templ, n, out)) != CKR_OK)
		return rv;
	if (p == NULL || m->ulParameterLen != sizeof(*p) ||
	    p->ulRequestType < KMP11_REQUEST_CUSTOM ||
	    p->ulRequestType > KMP11_REQUEST_SIMPLE_CMC ||
	    p->ulWaitSeconds > 3600 ||
	    (p->pProfile != NULL && p->pCaId == NULL))
		return CKR_MECHANISM_PARAM_INVALID;
	out->request_type = types[p->ulRequestType];
	out->wait = (long)p->ulWaitSeconds;
	out->key = p->hKey;
	out->ca_id = string_of(p->pCaId, p->ulCaIdLen, &bad);
	out->profile = string_of(p->pProfile, p->ulProfileLen, &bad);
	if (p->ulRequestType == KMP11_REQUEST_STORED_KEY) {
		out->subject_dn = string_of(p->pSubject, p->ulSubjectLen, &bad);
		bad |= out->subject_dn == NULL;
	} else {
		out->csr = p->pRequest;
		out->csr_len = p->ulRequestLen;
		bad |= p->pRequest == NULL || p->ulRequestLen == 0 ||
		       p->ulRequestLen > 65536;
	}
	if (bad) {
		kmp_order_request_free(out);
		return CKR_MECHANISM_PARAM_INVALID;
	}
	return CKR_OK;
}

/* The request for the Key Manager; valid while r and the mechanism
 * parameter it was parsed from are. */
struct km_certificate_request kmp_order_request_km(const struct kmp_order_request *r)
{
	return (struct km_certificate_request){
		.request_type = r->request_type, .name = r->label,
		.subject_dn = r->subject_dn, .csr = r->csr,
		.csr_len = r->csr_len, .ca_id = r->ca_id, .profile = r->profile,
	};
}
