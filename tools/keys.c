/*
 * A private key read out of an extractable token, rebuilt as an OpenSSL
 * key from its PKCS#11 components. Scratch copies are wiped.
 */
#include "module/keybuild.h"
#include "tools/tool.h"

#include <openssl/crypto.h>
#include <p11-kit/p11-kit.h>
#include <stdlib.h>

#define MAX_PARTS 8

/* Reads types into parts (malloc'd); wipe_parts frees them. */
static CK_RV read_parts(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
			const CK_ATTRIBUTE_TYPE *types, size_t n,
			struct kmp_bytes *parts)
{
	CK_RV rv = CKR_OK;

	for (size_t i = 0; rv == CKR_OK && i < n; i++) {
		unsigned char *value;
		CK_ULONG len;
		rv = tool_attr(t, s, o, types[i], &value, &len);
		if (rv == CKR_OK)
			parts[i] = (struct kmp_bytes){value, len};
	}
	return rv;
}

static void wipe_parts(struct kmp_bytes *parts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (parts[i].data != NULL)
			OPENSSL_cleanse((void *)parts[i].data, parts[i].len);
		free((void *)parts[i].data);
	}
}

EVP_PKEY *tool_private_key(struct tool *t, CK_SESSION_HANDLE s,
			   CK_OBJECT_HANDLE o, const char **why)
{
	static const CK_ATTRIBUTE_TYPE rsa[] = {
		CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT,
		CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2,
		CKA_COEFFICIENT};
	static const CK_ATTRIBUTE_TYPE ec[] = {CKA_EC_PARAMS, CKA_EC_POINT,
					       CKA_VALUE};
	struct kmp_bytes parts[MAX_PARTS] = {{0}};
	CK_KEY_TYPE type = CK_UNAVAILABLE_INFORMATION;
	CK_BBOOL extractable = CK_FALSE;
	CK_ATTRIBUTE a[] = {{CKA_KEY_TYPE, &type, sizeof(type)},
			    {CKA_EXTRACTABLE, &extractable, 1}};
	EVP_PKEY *key = NULL;
	CK_RV rv = t->f->C_GetAttributeValue(s, o, a, 2);

	*why = NULL;
	if (rv == CKR_OK && !extractable) {
		*why = "the key is not extractable: its token needs "
		       "'extractable = yes' in kmp11.conf";
		return NULL;
	}
	if (rv == CKR_OK && type == CKK_RSA &&
	    (rv = read_parts(t, s, o, rsa, 8, parts)) == CKR_OK)
		key = kmp_rsa_key(NULL, parts[0], parts[1], parts + 2);
	else if (rv == CKR_OK && (type == CKK_EC || type == CKK_EC_EDWARDS) &&
		 (rv = read_parts(t, s, o, ec, 3, parts)) == CKR_OK)
		key = kmp_ec_key(NULL, parts[0], parts[1], parts[2]);
	else if (rv == CKR_OK)
		*why = "unsupported key type";
	wipe_parts(parts, MAX_PARTS);
	if (rv != CKR_OK)
		*why = p11_kit_strerror(rv);
	else if (key == NULL && *why == NULL)
		*why = "its components do not make a valid key";
	return key;
}
