/* The Barbican v1 calls that change things: secrets, containers, orders. */
#ifndef KMP11_BARBICAN_WRITE_H
#define KMP11_BARBICAN_WRITE_H

#include "tokens/barbican.h"

#include <json-c/json.h>

/* Binary payloads travel to Barbican as base64: the text of data, NUL
 * terminated (free it; wipe it first if data was secret). NULL when out
 * of memory. */
char *km_base64(const unsigned char *data, size_t len);

/* POSTs body (a JSON object, not taken) to /<what>; the new resource's
 * uuid from the ref member named ref ("secret_ref"...). */
km_err km_barbican_create(const struct km_endpoint *ep, const char *what,
			  json_object *body, const char *ref, km_uuid out);
/* PUT body (not taken) to /<path>, e.g. "secrets/<uuid>/metadata". */
km_err km_barbican_put(const struct km_endpoint *ep, const char *path,
		       json_object *body);
/* DELETE /<what>/<uuid>; a resource already gone is fine. */
km_err km_barbican_delete(const struct km_endpoint *ep, const char *what,
			  const char *uuid);
/* GET /<what>/<uuid> as JSON (json_object_put it). */
km_err km_barbican_get(const struct km_endpoint *ep, const char *what,
		       const char *uuid, json_object **out);

#endif
