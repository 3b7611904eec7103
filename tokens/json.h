/*
 * Typed reads of json-c objects: a member of the wrong type reads as
 * absent, so a response of the wrong shape never crashes a caller.
 */
#ifndef KMP11_JSON_H
#define KMP11_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

/* The string member key of o; NULL if absent, null or not a string. */
const char *km_json_string(json_object *o, const char *key);
/* The integer member key of o; false if absent or not an integer. */
bool km_json_int(json_object *o, const char *key, int64_t *out);

#endif
