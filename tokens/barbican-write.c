#include "tokens/barbican-write.h"
#include "tokens/errors.h"

#include "tokens/json.h"
#include "tokens/log.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static km_err call(const struct km_endpoint *ep, const char *method,
		   const char *url, const char *body, struct km_response *r)
{
	char auth[8192];
	const char *headers[] = {auth, "Accept: application/json",
				 "Content-Type: application/json", NULL};
	km_err rv;

	snprintf(auth, sizeof(auth), "X-Auth-Token: %s", ep->token);
	rv = km_http_request(ep->http, method, url, headers, body, r);
	OPENSSL_cleanse(auth, sizeof(auth));
	return rv;
}

char *km_base64(const unsigned char *data, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out != NULL)
		EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

km_err km_barbican_create(const struct km_endpoint *ep, const char *what,
			  json_object *body, const char *ref, km_uuid out)
{
	struct km_response r = {.retry_after = -1};
	json_object *answer = NULL;
	char url[4096];
	size_t len = 0;
	/* The body may hold a key: its text is wiped after the call. */
	const char *text = json_object_to_json_string_length(
		body, JSON_C_TO_STRING_PLAIN, &len);
	km_err rv;

	snprintf(url, sizeof(url), "%s/%s", ep->base, what);
	rv = call(ep, "POST", url, text, &r);
	OPENSSL_cleanse((char *)text, len);
	if (km_ok(rv) && r.status != 201 && r.status != 202)
		rv = km_http_failed(url, &r);
	if (km_ok(rv) && ((answer = json_tokener_parse(r.body)) == NULL ||
			     !km_uuid_from_ref(km_json_string(answer, ref), out))) {
		km_error("POST %s: no %s in the answer", url, ref);
		rv = KM_ERR(BAD_RESPONSE);
	}
	json_object_put(answer);
	km_response_clear(&r);
	return rv;
}

km_err km_barbican_put(const struct km_endpoint *ep, const char *path,
		       json_object *body)
{
	struct km_response r = {.retry_after = -1};
	char url[4096];
	km_err rv;

	snprintf(url, sizeof(url), "%s/%s", ep->base, path);
	rv = call(ep, "PUT", url, json_object_to_json_string_ext(
					     body, JSON_C_TO_STRING_PLAIN), &r);
	if (km_ok(rv) && (r.status < 200 || r.status > 204))
		rv = km_http_failed(url, &r);
	km_response_clear(&r);
	return rv;
}

km_err km_barbican_delete(const struct km_endpoint *ep, const char *what,
			  const char *uuid)
{
	struct km_response r = {.retry_after = -1};
	char url[4096];
	km_err rv;

	snprintf(url, sizeof(url), "%s/%s/%s", ep->base, what, uuid);
	rv = call(ep, "DELETE", url, NULL, &r);
	if (km_ok(rv) && r.status != 204 && r.status != 404)
		rv = km_http_failed(url, &r);
	km_response_clear(&r);
	return rv;
}

km_err km_barbican_get(const struct km_endpoint *ep, const char *what,
		       const char *uuid, json_object **out)
{
	struct km_response r = {.retry_after = -1};
	char url[4096];
	km_err rv;

	snprintf(url, sizeof(url), "%s/%s/%s", ep->base, what, uuid);
	rv = call(ep, "GET", url, NULL, &r);
	if (km_ok(rv) && r.status != 200)
		rv = km_http_failed(url, &r);
	if (km_ok(rv) && (*out = json_tokener_parse(r.body)) == NULL) {
		km_error("GET %s: the answer is not JSON", url);
		rv = KM_ERR(BAD_RESPONSE);
	}
	km_response_clear(&r);
	return rv;
}
