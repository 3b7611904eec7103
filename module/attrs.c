#include "module/attrs.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

static CK_ATTRIBUTE *next_slot(struct kmp_builder *b)
{
	if (b->failed)
		return NULL;
	if (b->n + 1 >= b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		CK_ATTRIBUTE *grown = realloc(b->attrs, cap * sizeof(*grown));
		if (grown == NULL) {
			b->failed = true;
			return NULL;
		}
		b->attrs = grown;
		b->cap = cap;
	}
	return &b->attrs[b->n];
}

void kmp_add_bytes(struct kmp_builder *b, CK_ATTRIBUTE_TYPE type,
		   const void *value, size_t len)
{
	CK_ATTRIBUTE *a = next_slot(b);
	void *copy;

	if (a == NULL)
		return;
	/* malloc(0) may answer NULL: keep one byte so NULL means failure. */
	if ((copy = malloc(len ? len : 1)) == NULL) {
		b->failed = true;
		return;
	}
	if (len > 0)
		memcpy(copy, value, len);
	a->type = type;
	a->pValue = copy;
	a->ulValueLen = len;
	b->n++;
}

void kmp_add_ulong(struct kmp_builder *b, CK_ATTRIBUTE_TYPE type,
		   CK_ULONG value)
{
	kmp_add_bytes(b, type, &value, sizeof(value));
}

void kmp_add_bool(struct kmp_builder *b, CK_ATTRIBUTE_TYPE type, bool value)
{
	CK_BBOOL v = value ? CK_TRUE : CK_FALSE;
	kmp_add_bytes(b, type, &v, sizeof(v));
}

void kmp_add_string(struct kmp_builder *b, CK_ATTRIBUTE_TYPE type,
		    const char *value)
{
	kmp_add_bytes(b, type, value, strlen(value));
}

void kmp_add_sensitive(struct kmp_builder *b, CK_ATTRIBUTE_TYPE type)
{
	CK_ATTRIBUTE *a = next_slot(b);

	if (a == NULL)
		return;
	a->type = type;
	a->pValue = NULL;
	a->ulValueLen = KMP_SENSITIVE_LEN;
	b->n++;
}

/* The builder's own values, one allocation each. */
static void free_building(struct kmp_builder *b)
{
	for (size_t i = 0; b->attrs != NULL && i < b->n; i++) {
		if (b->attrs[i].pValue != NULL)
			OPENSSL_cleanse(b->attrs[i].pValue, b->attrs[i].ulValueLen);
		free(b->attrs[i].pValue);
	}
	free(b->attrs);
	memset(b, 0, sizeof(*b));
}

/* Values whose size is a multiple of 8 (CK_ULONGs) keep 8-byte alignment:
 * they are laid out first; the others (booleans, strings) follow packed. */
static bool wide(const CK_ATTRIBUTE *a)
{
	return a->ulValueLen != KMP_SENSITIVE_LEN && a->ulValueLen > 0 &&
	       a->ulValueLen % 8 == 0;
}

static unsigned char *place(CK_ATTRIBUTE *packed, const struct kmp_builder *b,
			    unsigned char *values, bool wide_ones)
{
	for (size_t i = 0; i < b->n; i++) {
		if (b->attrs[i].ulValueLen == KMP_SENSITIVE_LEN ||
		    wide(&b->attrs[i]) != wide_ones)
			continue;
		memcpy(values, b->attrs[i].pValue, b->attrs[i].ulValueLen);
		packed[i].pValue = values;
		values += b->attrs[i].ulValueLen;
	}
	return values;
}

/*
 * Packs the array and every value into one allocation: a listing holds
 * thousands of these, and one block costs far less than a dozen small
 * ones.
 */
CK_ATTRIBUTE *kmp_builder_finish(struct kmp_builder *b)
{
	size_t size = (b->n + 1) * sizeof(CK_ATTRIBUTE);
	CK_ATTRIBUTE *packed = NULL;
	unsigned char *values;

	for (size_t i = 0; !b->failed && i < b->n; i++)
		if (b->attrs[i].ulValueLen != KMP_SENSITIVE_LEN)
			size += b->attrs[i].ulValueLen;
	if (!b->failed && (packed = malloc(size ? size : 1)) != NULL) {
		if (b->n > 0)
			memcpy(packed, b->attrs, b->n * sizeof(*packed));
		/* An empty value points at the end: never NULL, never read. */
		values = (unsigned char *)packed + (b->n + 1) * sizeof(*packed);
		for (size_t i = 0; i < b->n; i++)
			if (packed[i].ulValueLen != KMP_SENSITIVE_LEN)
				packed[i].pValue = values;
		values = place(packed, b, values, true);
		place(packed, b, values, false);
		packed[b->n] = (CK_ATTRIBUTE){KMP_CKA_INVALID, NULL, 0};
	}
	free_building(b);
	return packed;
}

CK_ATTRIBUTE *kmp_attrs_find(CK_ATTRIBUTE *attrs, CK_ATTRIBUTE_TYPE type)
{
	for (; attrs != NULL && attrs->type != KMP_CKA_INVALID; attrs++)
		if (attrs->type == type)
			return attrs;
	return NULL;
}

bool kmp_attrs_find_ulong(CK_ATTRIBUTE *attrs, CK_ATTRIBUTE_TYPE type,
			  CK_ULONG *out)
{
	CK_ATTRIBUTE *a = kmp_attrs_find(attrs, type);

	if (a == NULL || a->ulValueLen != sizeof(CK_ULONG))
		return false;
	memcpy(out, a->pValue, sizeof(CK_ULONG));
	return true;
}

CK_BBOOL kmp_attrs_bool(const CK_ATTRIBUTE *attrs, CK_ATTRIBUTE_TYPE type,
			CK_BBOOL dflt)
{
	const CK_ATTRIBUTE *a = kmp_attrs_find((CK_ATTRIBUTE *)attrs, type);

	return a != NULL && a->ulValueLen == sizeof(CK_BBOOL)
		       ? *(const CK_BBOOL *)a->pValue : dflt;
}

size_t kmp_attrs_count(const CK_ATTRIBUTE *attrs)
{
	size_t n = 0;

	while (attrs != NULL && attrs[n].type != KMP_CKA_INVALID)
		n++;
	return n;
}

void kmp_attrs_free(CK_ATTRIBUTE *attrs)
{
	/* Values live in the same block: wiped, then freed with it. */
	for (CK_ATTRIBUTE *a = attrs; a != NULL && a->type != KMP_CKA_INVALID;
	     a++)
		if (a->pValue != NULL)
			OPENSSL_cleanse(a->pValue, a->ulValueLen);
	free(attrs);
}

enum kmp_match kmp_attrs_match(CK_ATTRIBUTE *attrs, const CK_ATTRIBUTE *templ,
			       CK_ULONG count)
{
	enum kmp_match result = KMP_MATCH;

	for (CK_ULONG i = 0; i < count; i++) {
		CK_ATTRIBUTE *a = kmp_attrs_find(attrs, templ[i].type);
		if (a == NULL) {
			result = KMP_UNKNOWN;
			continue;
		}
		/* Sensitive values never match: that would reveal them. */
		if (a->ulValueLen == KMP_SENSITIVE_LEN ||
		    a->ulValueLen != templ[i].ulValueLen ||
		    (a->ulValueLen > 0 &&
		     (templ[i].pValue == NULL ||
		      memcmp(a->pValue, templ[i].pValue, a->ulValueLen) != 0)))
			return KMP_NO_MATCH;
	}
	return result;
}

/* PKCS#11 v2.40 section 5.7: every attribute is processed; the return
 * value reports one of the failures. */
CK_RV kmp_attrs_get(CK_ATTRIBUTE *attrs, CK_ATTRIBUTE_PTR templ,
		    CK_ULONG count)
{
	CK_RV rv = CKR_OK;

	for (CK_ULONG i = 0; i < count; i++) {
		CK_ATTRIBUTE *a = kmp_attrs_find(attrs, templ[i].type);
		if (a == NULL) {
			templ[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			rv = CKR_ATTRIBUTE_TYPE_INVALID;
		} else if (a->ulValueLen == KMP_SENSITIVE_LEN) {
			templ[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			if (rv != CKR_ATTRIBUTE_TYPE_INVALID)
				rv = CKR_ATTRIBUTE_SENSITIVE;
		} else if (templ[i].pValue == NULL) {
			templ[i].ulValueLen = a->ulValueLen;
		} else if (templ[i].ulValueLen < a->ulValueLen) {
			templ[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			if (rv == CKR_OK)
				rv = CKR_BUFFER_TOO_SMALL;
		} else {
			memcpy(templ[i].pValue, a->pValue, a->ulValueLen);
			templ[i].ulValueLen = a->ulValueLen;
		}
	}
	return rv;
}

const CK_ATTRIBUTE *kmp_template_find(const CK_ATTRIBUTE *templ, CK_ULONG n,
				      CK_ATTRIBUTE_TYPE type)
{
	for (CK_ULONG i = 0; i < n; i++)
		if (templ[i].type == type)
			return &templ[i];
	return NULL;
}

bool kmp_template_value_ok(const CK_ATTRIBUTE *a)
{
	return (a->pValue != NULL || a->ulValueLen == 0) &&
	       a->ulValueLen != CK_UNAVAILABLE_INFORMATION;
}

struct kmp_bytes kmp_template_bytes(const CK_ATTRIBUTE *templ, CK_ULONG n,
				    CK_ATTRIBUTE_TYPE type)
{
	const CK_ATTRIBUTE *a = kmp_template_find(templ, n, type);

	return a && a->pValue ? (struct kmp_bytes){a->pValue, a->ulValueLen}
			      : (struct kmp_bytes){NULL, 0};
}

CK_RV kmp_template_ulong(const CK_ATTRIBUTE *templ, CK_ULONG n,
			 CK_ATTRIBUTE_TYPE type, CK_ULONG *out)
{
	const CK_ATTRIBUTE *a = kmp_template_find(templ, n, type);

	if (a == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	if (a->pValue == NULL || a->ulValueLen != sizeof(CK_ULONG))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	memcpy(out, a->pValue, sizeof(*out));
	return CKR_OK;
}

bool kmp_template_bool(const CK_ATTRIBUTE *templ, CK_ULONG n,
		       CK_ATTRIBUTE_TYPE type, bool fallback)
{
	const CK_ATTRIBUTE *a = kmp_template_find(templ, n, type);

	if (a == NULL || a->pValue == NULL || a->ulValueLen != 1)
		return fallback;
	return *(const CK_BBOOL *)a->pValue == CK_TRUE;
}

CK_ATTRIBUTE *kmp_attrs_with(CK_ATTRIBUTE *attrs, const CK_ATTRIBUTE *changes,
			     CK_ULONG n)
{
	struct kmp_builder b = {0};
	const CK_ATTRIBUTE *c;

	for (CK_ATTRIBUTE *a = attrs; a->type != KMP_CKA_INVALID; a++) {
		if ((c = kmp_template_find(changes, n, a->type)) != NULL)
			kmp_add_bytes(&b, c->type, c->pValue, c->ulValueLen);
		else if (a->ulValueLen == KMP_SENSITIVE_LEN)
			kmp_add_sensitive(&b, a->type);
		else
			kmp_add_bytes(&b, a->type, a->pValue, a->ulValueLen);
	}
	for (CK_ULONG i = 0; i < n; i++)
		if (kmp_attrs_find(attrs, changes[i].type) == NULL &&
		    kmp_template_find(changes, i, changes[i].type) == NULL)
			kmp_add_bytes(&b, changes[i].type, changes[i].pValue,
				      changes[i].ulValueLen);
	return kmp_builder_finish(&b);
}
