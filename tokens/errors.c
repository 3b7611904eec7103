#include "tokens/errors.h"

#include "tokens/log.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

CK_RV km_status_to_rv(long status)
{
	if (status >= 200 && status < 300)
		return CKR_OK;
	switch (status) {
	case 400: /* the request's content: each write says which part */
		return CKR_DATA_INVALID;
	case 401:
		return CKR_USER_NOT_LOGGED_IN;
	case 403: /* a user who may read but not write: an observer */
		return CKR_TOKEN_WRITE_PROTECTED;
	case 404:
		return CKR_OBJECT_HANDLE_INVALID;
	case 413:
		return CKR_DEVICE_MEMORY;
	default:
		return CKR_DEVICE_ERROR;
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

CK_RV km_http_failed(const char *what, const struct km_response *r)
{
	char msg[256];

	km_error_message(r->body, msg, sizeof(msg));
	km_error("%s: HTTP %ld%s%s", what, r->status, msg[0] ? ": " : "", msg);
	/* Barbican refuses with 403 both what policy forbids and what
	 * exceeds the project's quotas: the token is full then. */
	if (r->status == 403 && strstr(msg, "quota") != NULL)
		return CKR_DEVICE_MEMORY;
	return km_status_to_rv(r->status);
}
