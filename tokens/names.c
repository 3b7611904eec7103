#include "tokens/names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPEN " (id "

char *km_container_name(const char *label, const unsigned char *id,
			size_t id_len)
{
	size_t len = strlen(label), used;
	char *name;

	if (id_len > KM_ID_MAX)
		return NULL;
	if ((name = malloc(len + sizeof(OPEN) + 2 * id_len + 1)) == NULL)
		return NULL;
	memcpy(name, label, len + 1);
	if (id_len == 0)
		return name;
	used = len + (size_t)sprintf(name + len, OPEN);
	for (size_t i = 0; i < id_len; i++)
		used += (size_t)sprintf(name + used, "%02x", id[i]);
	strcpy(name + used, ")");
	return name;
}

static int hex_digit(char c)
{
	const char *digits = "0123456789abcdef", *p;

	return c != '\0' && (p = strchr(digits, c)) != NULL ? (int)(p - digits) : -1;
}

void km_container_name_split(char *name, unsigned char id[KM_ID_MAX],
			     size_t *id_len)
{
	char *open = name ? strstr(name, OPEN) : NULL, *next;
	size_t digits;

	*id_len = 0;
	/* The last occurrence: a label may hold the text too. */
	while (open != NULL && (next = strstr(open + 1, OPEN)) != NULL)
		open = next;
	if (open == NULL)
		return;
	digits = strlen(open + strlen(OPEN));
	/* Lower-case hex, whole bytes, then ")" and the end. */
	if (digits < 3 || digits % 2 == 0 || (digits - 1) / 2 > KM_ID_MAX ||
	    open[strlen(OPEN) + digits - 1] != ')')
		return;
	for (size_t i = 0; i + 1 < digits; i++)
		if (hex_digit(open[strlen(OPEN) + i]) < 0)
			return;
	for (size_t i = 0; i + 1 < digits; i += 2)
		id[i / 2] = (unsigned char)(hex_digit(open[strlen(OPEN) + i]) << 4 |
					    hex_digit(open[strlen(OPEN) + i + 1]));
	*id_len = (digits - 1) / 2;
	*open = '\0';
}

bool km_container_name_fits(const char *label, size_t id_len)
{
	unsigned char id[KM_ID_MAX];
	size_t len = strlen(label), found;
	char *copy;

	if (id_len > KM_ID_MAX ||
	    len + (id_len ? sizeof(OPEN) + 2 * id_len : 0) > KM_NAME_MAX)
		return false;
	if (id_len > 0 || (copy = strdup(label)) == NULL)
		return id_len > 0;
	km_container_name_split(copy, id, &found);
	free(copy);
	return found == 0;
}
