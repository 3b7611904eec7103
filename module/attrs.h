/* CKA_INVALID-terminated attribute arrays and the helpers around them. */
#ifndef KMP11_ATTRS_H
#define KMP11_ATTRS_H

#include <p11-kit/pkcs11.h>
#include <stdbool.h>
#include <stddef.h>

#define KMP_CKA_INVALID ((CK_ATTRIBUTE_TYPE)-1)

/* An attribute that exists but whose value is never revealed. */
#define KMP_SENSITIVE_LEN CK_UNAVAILABLE_INFORMATION

struct kmp_builder {
	CK_ATTRIBUTE *attrs;
	size_t n, cap;
	bool failed; /* out of memory somewhere: finish returns NULL */
};

void kmp_add_bytes(struct kmp_builder *b, CK_ATTRIBUTE_TYPE type,
		   const void *value, size_t len);
void kmp_add_ulong(struct kmp_builder *b, CK_ATTRIBUTE_TYPE type,
		   CK_ULONG value);
void kmp_add_bool(struct kmp_builder *b, CK_ATTRIBUTE_TYPE type, bool value);
void kmp_add_string(struct kmp_builder *b, CK_ATTRIBUTE_TYPE type,
		    const char *value);
void kmp_add_sensitive(struct kmp_builder *b, CK_ATTRIBUTE_TYPE type);
/* Terminates and packs the array and its values into one block (free
 * it with kmp_attrs_free); NULL if anything failed (all freed then). */
CK_ATTRIBUTE *kmp_builder_finish(struct kmp_builder *b);

CK_ATTRIBUTE *kmp_attrs_find(CK_ATTRIBUTE *attrs, CK_ATTRIBUTE_TYPE type);
/* The first attribute of a type in a caller's template of n; NULL if none. */
const CK_ATTRIBUTE *kmp_template_find(const CK_ATTRIBUTE *templ, CK_ULONG n,
				      CK_ATTRIBUTE_TYPE type);
struct kmp_bytes {
	const unsigned char *data;
	size_t len;
};

/* Whether an attribute of a caller's template has a value to read: a
 * length with no pointer, or CK_UNAVAILABLE_INFORMATION (what
 * C_GetAttributeValue answers for no value), is none. */
bool kmp_template_value_ok(const CK_ATTRIBUTE *a);
/* The value of an attribute of a caller's template; {NULL, 0} if absent. */
struct kmp_bytes kmp_template_bytes(const CK_ATTRIBUTE *templ, CK_ULONG n,
				    CK_ATTRIBUTE_TYPE type);
/* A CK_ULONG of a caller's template: CKR_TEMPLATE_INCOMPLETE when absent,
 * CKR_ATTRIBUTE_VALUE_INVALID when not CK_ULONG-sized. */
CK_RV kmp_template_ulong(const CK_ATTRIBUTE *templ, CK_ULONG n,
			 CK_ATTRIBUTE_TYPE type, CK_ULONG *out);
/* A boolean of a caller's template; fallback when absent or not one byte. */
bool kmp_template_bool(const CK_ATTRIBUTE *templ, CK_ULONG n,
		       CK_ATTRIBUTE_TYPE type, bool fallback);
/* A new array: attrs with the values of changes (replaced or added);
 * NULL when out of memory. attrs is left as it is. */
CK_ATTRIBUTE *kmp_attrs_with(CK_ATTRIBUTE *attrs, const CK_ATTRIBUTE *changes,
			     CK_ULONG n);
bool kmp_attrs_find_ulong(CK_ATTRIBUTE *attrs, CK_ATTRIBUTE_TYPE type,
			  CK_ULONG *out);
/* A boolean attribute's value; dflt when the array has none. */
CK_BBOOL kmp_attrs_bool(const CK_ATTRIBUTE *attrs, CK_ATTRIBUTE_TYPE type,
			CK_BBOOL dflt);
size_t kmp_attrs_count(const CK_ATTRIBUTE *attrs);
void kmp_attrs_free(CK_ATTRIBUTE *attrs);

enum kmp_match { KMP_MATCH, KMP_NO_MATCH, KMP_UNKNOWN };
/* KMP_UNKNOWN: the template names an attribute the array lacks. */
enum kmp_match kmp_attrs_match(CK_ATTRIBUTE *attrs, const CK_ATTRIBUTE *templ,
			       CK_ULONG count);

/* C_GetAttributeValue on one array, with the v2.40 5.7 rules. */
CK_RV kmp_attrs_get(CK_ATTRIBUTE *attrs, CK_ATTRIBUTE_PTR templ,
		    CK_ULONG count);

#endif
