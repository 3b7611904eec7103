#include "module/orders.h"

#include "module/attrs.h"
#include "module/kmp11.h"
#include "module/objects.h"
#include "tokens/crypto-ctx.h"
#include "tokens/barbican-write.h"
#include "tokens/json.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- order objects ---- */

static CK_ULONG status_of(json_object *order)
{
	const char *status = km_json_string(order, "status");

	if (status != NULL && strcmp(status, "ACTIVE") == 0)
		return KMP11_ORDER_ACTIVE;
	if (status != NULL && strcmp(status, "ERROR") == 0)
		return KMP11_ORDER_ERROR;
	return KMP11_ORDER_PENDING;
}

static const char *text(json_object *o, const char *field)
{
	const char *v = km_json_string(o, field);

	return v ? v : "";
}

static CK_ATTRIBUTE *order_attrs(json_object *order, const char *uuid)
{
	struct kmp_builder b = {0};
	json_object *meta = NULL;
	unsigned char id[16];
	char error[512];
	const char *result = km_json_string(order, "container_ref");

	json_object_object_get_ex(order, "meta", &meta);
	snprintf(error, sizeof(error), "%s%s%s", text(order, "error_status_code"),
		 km_json_string(order, "error_status_code") ? ": " : "",
		 text(order, "error_reason"));
	kmp_add_ulong(&b, CKA_CLASS, CKO_KMP11_ORDER);
	kmp_add_bool(&b, CKA_TOKEN, true);
	kmp_add_bool(&b, CKA_PRIVATE, false);
	kmp_add_bool(&b, CKA_MODIFIABLE, false);
	kmp_add_bool(&b, CKA_COPYABLE, false);
	kmp_add_bool(&b, CKA_DESTROYABLE, true);
	kmp_add_string(&b, CKA_LABEL, text(meta, "name"));
	if (km_uuid_bytes(uuid, id))
		kmp_add_bytes(&b, CKA_ID, id, sizeof(id));
	kmp_add_ulong(&b, CKA_KMP11_ORDER_STATUS, status_of(order));
	kmp_add_string(&b, CKA_KMP11_ORDER_MESSAGE, text(order, "sub_status_message"));
	kmp_add_string(&b, CKA_KMP11_ORDER_ERROR, error);
	kmp_add_string(&b, CKA_KMP11_ORDER_REF, text(order, "order_ref"));
	kmp_add_string(&b, CKA_KMP11_RESULT_REF,
		       result ? result : text(order, "secret_ref"));
	kmp_add_string(&b, CKA_KMP11_ORDER_TYPE, text(order, "type"));
	kmp_add_string(&b, CKA_KMP11_REQUEST_TYPE, text(meta, "request_type"));
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
				 json_object *order)
{
	km_uuid uuid;
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE *attrs;
	struct kmp_order *item;

	if (!km_uuid_from_ref(km_json_string(order, "order_ref"), uuid) ||
	    (attrs = order_attrs(order, uuid)) == NULL)
		return NULL;
	h = kmp_object_handle(serial, uuid, KMP_ROLE_ORDER, 0);
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
		memcpy(item->uuid, uuid, sizeof(uuid));
	}
	kmp_attrs_free(item->attrs);
	item->attrs = attrs;
	item->pending = status_of(order) == KMP11_ORDER_PENDING;
	return item;
}

bool kmp_orders_set(struct kmp_orders *o, const char *serial, json_object *list)
{
	struct kmp_orders fresh = {0};

	for (size_t i = 0; i < json_object_array_length(list); i++)
		if (kmp_orders_put(&fresh, serial,
				   json_object_array_get_idx(list, i)) == NULL &&
		    km_json_string(json_object_array_get_idx(list, i), "order_ref")) {
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

static json_object *string_of(const CK_UTF8CHAR *p, CK_ULONG len)
{
	return text_ok(p, len) ? json_object_new_string_len((const char *)p, (int)len)
			       : NULL;
}

static json_object *base64_string(const unsigned char *data, size_t len)
{
	char *b64 = km_base64(data, len);
	json_object *out = b64 ? json_object_new_string(b64) : NULL;

	free(b64);
	return out;
}

/* Barbican wants a PEM CSR, in base64: a DER one is made PEM; anything
 * else goes as it is, for the Key Manager to judge (and to fail the
 * order with its reason). */
static json_object *request_data(const CK_BYTE *csr, CK_ULONG len)
{
	const unsigned char *p = csr;
	X509_REQ *req;
	BIO *b = NULL;
	char *pem;
	long pem_len;
	json_object *out;

	if (csr == NULL || len == 0 || len > 65536)
		return NULL;
	/* d2i frees req when it fails. */
	if ((req = X509_REQ_new_ex(km_libctx(), NULL)) != NULL)
		d2i_X509_REQ(&req, &p, (long)len);
	if (req != NULL && p == csr + len && (b = BIO_new(BIO_s_mem())) != NULL &&
	    PEM_write_bio_X509_REQ(b, req) &&
	    (pem_len = BIO_get_mem_data(b, &pem)) > 0)
		out = base64_string((unsigned char *)pem, (size_t)pem_len);
	else
		out = base64_string(csr, len);
	BIO_free(b);
	X509_REQ_free(req);
	ERR_clear_error();
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

CK_RV kmp_order_request_parse(const CK_MECHANISM *m, const CK_ATTRIBUTE *templ,
			      CK_ULONG n, struct kmp_order_request *out)
{
	static const char *const types[] = {
		[KMP11_REQUEST_CUSTOM] = "custom",
		[KMP11_REQUEST_STORED_KEY] = "stored-key",
		[KMP11_REQUEST_SIMPLE_CMC] = "simple-cmc",
	};
	const CK_KMP11_CERTIFICATE_ORDER_PARAMS *p = m->pParameter;
	json_object *field;
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
	out->meta = json_object_new_object();
	json_object_object_add(out->meta, "request_type",
			       json_object_new_string(out->request_type));
	if (out->label[0])
		json_object_object_add(out->meta, "name",
				       json_object_new_string(out->label));
	out->key = p->hKey;
	if (p->ulRequestType == KMP11_REQUEST_STORED_KEY) {
		field = string_of(p->pSubject, p->ulSubjectLen);
		json_object_object_add(out->meta, "subject_dn", field);
	} else {
		field = request_data(p->pRequest, p->ulRequestLen);
		json_object_object_add(out->meta, "request_data", field);
	}
	if (field == NULL || (p->pCaId && !text_ok(p->pCaId, p->ulCaIdLen)) ||
	    (p->pProfile && !text_ok(p->pProfile, p->ulProfileLen))) {
		json_object_put(out->meta);
		out->meta = NULL;
		return CKR_MECHANISM_PARAM_INVALID;
	}
	if (p->pCaId != NULL)
		json_object_object_add(out->meta, "ca_id",
				       string_of(p->pCaId, p->ulCaIdLen));
	if (p->pProfile != NULL)
		json_object_object_add(out->meta, "profile",
				       string_of(p->pProfile, p->ulProfileLen));
	return CKR_OK;
}
