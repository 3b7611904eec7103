#include "tokens/uuid.h"

#include <ctype.h>
#include <string.h>

bool km_uuid_from_ref(const char *ref, km_uuid out)
{
	const char *slash;
	size_t n;

	out[0] = '\0';
	if (ref == NULL)
		return false;
	n = strlen(ref);
	while (n > 0 && ref[n - 1] == '/')
		n--;
	slash = memrchr(ref, '/', n);
	slash = slash ? slash + 1 : ref;
	if ((size_t)(ref + n - slash) != KM_UUID_LEN)
		return false;
	for (size_t i = 0; i < KM_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? slash[i] != '-' : !isxdigit((unsigned char)slash[i]))
			return false;
		out[i] = (char)tolower((unsigned char)slash[i]);
	}
	out[KM_UUID_LEN] = '\0';
	return true;
}

bool km_uuid_bytes(const char *uuid, unsigned char out[16])
{
	size_t j = 0;

	for (size_t i = 0; uuid[i] != '\0' && j < 32; i++) {
		int v;
		if (uuid[i] == '-')
			continue;
		if (!isxdigit((unsigned char)uuid[i]))
			return false;
		v = isdigit((unsigned char)uuid[i])
			    ? uuid[i] - '0'
			    : tolower((unsigned char)uuid[i]) - 'a' + 10;
		out[j / 2] = (unsigned char)(j % 2 ? (out[j / 2] | v) : v << 4);
		j++;
	}
	return j == 32;
}

bool km_uuid_is(const char *uuid, const void *id, size_t id_len)
{
	unsigned char bytes[16];

	return uuid != NULL && id != NULL && id_len == sizeof(bytes) &&
	       km_uuid_bytes(uuid, bytes) && memcmp(bytes, id, id_len) == 0;
}
