/*
 * Session objects' attributes: which a template may give for each class
 * (v2.40 4.4-4.10), the defaults of the rest, and the values an object's
 * key or certificate gives itself. module/sobjects.c keeps the objects.
 */
#ifndef KMP11_SOBJECT_BUILD_H
#define KMP11_SOBJECT_BUILD_H

#include "module/sobjects.h"

/* C_CreateObject: checks the template of a public, private or secret
 * key, an X.509 certificate or a data object, and sets o's attributes
 * and key. On failure o may hold parts: kmp_sobject_release it. */
CK_RV kmp_sobject_build(struct kmp_sobject *o, const CK_ATTRIBUTE *templ,
			CK_ULONG n);
/* A key of klass from o->key.pkey and the template's other attributes;
 * made_by: the generating mechanism, or CK_UNAVAILABLE_INFORMATION. */
CK_RV kmp_sobject_build_key(struct kmp_sobject *o, const CK_ATTRIBUTE *templ,
			     CK_ULONG n, CK_OBJECT_CLASS klass,
			     CK_MECHANISM_TYPE made_by);
/* A public key of its own for a pair's public half: the private numbers
 * stay with the private one. NULL without memory. */
EVP_PKEY *kmp_public_half(EVP_PKEY *key);
/* What C_SetAttributeValue may change on a session object of those
 * attributes, well-formed and once: CKR_ATTRIBUTE_TYPE_INVALID for one it
 * does not have, CKR_ATTRIBUTE_READ_ONLY, CKR_ATTRIBUTE_VALUE_INVALID,
 * CKR_TEMPLATE_INCONSISTENT otherwise. */
CK_RV kmp_sobject_check_changes(CK_ATTRIBUTE *attrs, const CK_ATTRIBUTE *templ,
				CK_ULONG n);
/* What C_CopyObject may change on a copy of an object of those
 * attributes: its label, id and dates, CKA_MODIFIABLE, CKA_COPYABLE and
 * CKA_DESTROYABLE to FALSE only; CKA_TOKEN TRUE
 * (a copy into the Key Manager) is CKR_TEMPLATE_INCONSISTENT; CKA_PRIVATE,
 * CKA_SENSITIVE and CKA_EXTRACTABLE stay what they are
 * (CKR_ATTRIBUTE_READ_ONLY otherwise), so a copy weakens nothing. */
/* Once a key is sensitive or unextractable its secret values read as
 * CK_UNAVAILABLE_INFORMATION: wiped from attrs. */
void kmp_sobject_hide_secrets(CK_ATTRIBUTE *attrs);
CK_RV kmp_sobject_check_copy(CK_ATTRIBUTE *attrs,
			     const CK_ATTRIBUTE *templ, CK_ULONG n);
/* Frees what o holds, its key wiped. */
void kmp_sobject_release(struct kmp_sobject *o);

#endif
