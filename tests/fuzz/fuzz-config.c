/* libFuzzer: kmp11.conf text through the config parser. */
#include "tokens/config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[256];
	struct km_config cfg = {0};

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	km_config_parse_string(&cfg, text, "fuzz.conf", err, sizeof(err));
	km_config_clear(&cfg);
	free(text);
	return 0;
}
