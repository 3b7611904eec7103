/* libFuzzer: token object templates given to C_CreateObject. The input
 * is a list of attributes: a type (an index into the types below), a
 * length byte, then the value. */
#include "module/newobject.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const CK_ATTRIBUTE_TYPE types[] = {
	CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_LABEL, CKA_ID, CKA_VALUE,
	CKA_KEY_TYPE, CKA_CERTIFICATE_TYPE, CKA_CERTIFICATE_CATEGORY,
	CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
	CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT,
	CKA_EC_PARAMS, CKA_EC_POINT, CKA_VALUE_LEN, CKA_SENSITIVE,
	CKA_VENDOR_DEFINED,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CK_ATTRIBUTE templ[32];
	struct kmp_new_object o;
	CK_ULONG n = 0;
	size_t i = 0;

	while (n < 32 && i + 2 <= size) {
		size_t len = data[i + 1];
		templ[n].type = types[data[i] % (sizeof(types) / sizeof(types[0]))];
		i += 2;
		if (len > size - i)
			len = size - i;
		/* A value byte of 0xff at the length means "no value". */
		templ[n].pValue = data[i - 1] == 0xff ? NULL : (void *)(data + i);
		templ[n].ulValueLen = data[i - 1] == 0xff ? 0 : len;
		i += templ[n].pValue ? len : 0;
		n++;
	}
	kmp_new_object_parse(templ, n, &o);
	kmp_new_object_free(&o);
	return 0;
}
