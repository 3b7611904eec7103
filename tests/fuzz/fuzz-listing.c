/* libFuzzer: Key Manager list pages (JSON) through the listing. The first
 * byte picks containers or secrets. */
#include "tokens/listing.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct km_listing *l = calloc(1, sizeof(*l));
	char *json;
	long total;
	size_t added;

	if (l == NULL || size == 0 || (json = malloc(size)) == NULL) {
		free(l);
		return 0;
	}
	memcpy(json, data + 1, size - 1);
	json[size - 1] = '\0';
	if (data[0] & 1)
		km_listing_add_containers(l, json, &total, &added);
	else
		km_listing_add_secrets(l, json, &total, &added);
	km_listing_finish(l);
	km_listing_free(l);
	free(json);
	return 0;
}
