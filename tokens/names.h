/*
 * A container's name in the Key Manager: its label, then " (id <hex>)"
 * when its objects were given a CKA_ID of their own (C_GenerateKeyPair,
 * C_CreateObject, C_SetAttributeValue), so that a listing shows every
 * object's CKA_ID without a request per secret. Without the suffix the
 * objects' CKA_ID is the container's UUID.
 */
#ifndef KMP11_NAMES_H
#define KMP11_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define KM_ID_MAX 64 /* bytes of a CKA_ID kept in a name */
#define KM_NAME_MAX 255 /* Barbican's limit on a container's name */

/* label, and id when id_len > 0; malloc'd, NULL without memory or for an
 * id longer than KM_ID_MAX. */
char *km_container_name(const char *label, const unsigned char *id,
			size_t id_len);
/* Whether label and an id of id_len bytes make a name that reads back
 * as them: at most Barbican's 255 characters, and, without an id, a
 * label that does not itself end like the suffix. */
bool km_container_name_fits(const char *label, size_t id_len);
/* Cuts the suffix off name, in place, its id into id (*id_len 0 when
 * there is none). */
void km_container_name_split(char *name, unsigned char id[KM_ID_MAX],
			     size_t *id_len);

#endif
