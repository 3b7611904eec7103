/* Buffers that may hold key material, passwords or tokens. */
#ifndef KMP11_SECURE_H
#define KMP11_SECURE_H

#include <stddef.h>

/* Wipes then frees a NUL-terminated string (NULL is fine). */
void km_free_secret_string(char *s);
/* Wipes len bytes then frees. */
void km_free_secret(void *p, size_t len);
/* Replaces *slot by a copy of value, wiping the old one. */
int km_set_secret_string(char **slot, const char *value);

#endif
