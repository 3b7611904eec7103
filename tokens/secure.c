#include "tokens/secure.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

void km_free_secret(void *p, size_t len)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}

void km_free_secret_string(char *s)
{
	if (s != NULL)
		km_free_secret(s, strlen(s));
}

int km_set_secret_string(char **slot, const char *value)
{
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return -1;
	km_free_secret_string(*slot);
	*slot = copy;
	return 0;
}
