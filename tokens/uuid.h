/* The Key Manager's UUIDs: as text, at the end of refs, as CKA_ID bytes. */
#ifndef KMP11_UUID_H
#define KMP11_UUID_H

#include <stdbool.h>
#include <stddef.h>

#define KM_UUID_LEN 36
typedef char km_uuid[KM_UUID_LEN + 1]; /* "" when absent */

/* The UUID at the end of a Barbican ref (".../secrets/<uuid>"). */
bool km_uuid_from_ref(const char *ref, km_uuid out);
/* 16 raw bytes of a UUID's text, for CKA_ID. */
bool km_uuid_bytes(const char *uuid, unsigned char out[16]);
/* Whether a CKA_ID is the 16 bytes of a UUID (NULL: none is). */
bool km_uuid_is(const char *uuid, const void *id, size_t id_len);

#endif
