#include "tokens/errors.h"

#include "tokens/http.h"
#include "tokens/log.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

km_err km_status_error(long status)
{
	if (status >= 200 && status < 300)
		return KM_ERR(OK);
	switch (status) {
	case 400:
		return KM_ERR(REFUSED);
	case 401:
		return KM_ERR(UNAUTHORIZED);
	case 403:
		return KM_ERR(FORBIDDEN);
	case 404:
		return KM_ERR(NOT_FOUND);
	case 413:
		return KM_ERR(NO_ROOM);
	default:
		return KM_ERR(SERVER);
	}
}

static const char *message_of(json_object *o)
{
	static const char *const fields[] = {"description", "message", "title"};
	json_object *v;

	for (size_t i = 0; i < 3; i++)
		if (json_object_object_get_ex(o, fields[i], &v) &&
		    json_object_is_type(v, json_type_string))
			return json_object_get_string(v);
	return NULL;
}

void km_error_message(const char *body, char *out, size_t size)
{
	json_object *root, *inner;
	const char *msg = NULL;

	out[0] = '\0';
	if (body == NULL || size == 0 ||
	    (root = json_tokener_parse(body)) == NULL)
		return;
	/* Barbican: {"code","title","description"}; Keystone: {"error":{}}. */
	if (json_object_is_type(root, json_type_object)) {
		msg = message_of(root);
		if (msg == NULL && json_object_object_get_ex(root, "error", &inner))
			msg = message_of(inner);
	}
	if (msg != NULL) {
		snprintf(out, size, "%s", msg);
		/* Keep the log line one printable line. */
		for (char *c = out; *c; c++)
			if (!isprint((unsigned char)*c))
				*c = ' ';
	}
	json_object_put(root);
}

km_err km_http_failed(const char *what, const struct km_response *r)
{
	char msg[256];

	km_error_message(r->body, msg, sizeof(msg));
	km_error("%s: HTTP %ld%s%s", what, r->status, msg[0] ? ": " : "", msg);
	/* Barbican refuses with 403 both what policy forbids and what
	 * exceeds the project's quotas: the token is full then. */
	if (r->status == 403 && strstr(msg, "quota") != NULL)
		return KM_ERR(NO_ROOM);
	return km_status_error(r->status);
}
