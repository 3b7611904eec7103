/*
 * A Keystone and Key Manager in memory, for the API fuzzer: the tokens
 * layer's HTTP client (tokens/http.h) answered from fixed bytes, so that
 * the whole module runs, token objects included, with no network.
 *
 * Keystone gives a token for the password FAKE_KM_PIN only. The Key
 * Manager holds two certificate containers (EC and RSA, with their
 * keys) and three standalone secrets (AES, opaque, Ed25519); a write
 * (POST, PUT, DELETE) is refused with 403.
 */
#include "tests/fuzz/fake-km.h"
#include "tests/fuzz/fixture-keys.h"
#include "tokens/http.h"
#include "tokens/secure.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE "http://km.fuzz"

struct secret {
	const char *uuid, *type, *algorithm, *name;
	int bits;
	const void *payload;
	size_t len;
};

static const unsigned char aes_value[32] = {0x2b, 0x7e, 0x15, 0x16, 0x28,
					    0xae, 0xd2, 0xa6, 0xab, 0xf7};
static const char opaque_value[] = "fuzz data";

#define UUID(n) "00000000-0000-4000-8000-0000000000" #n
#define PEM(x) x, sizeof(x) - 1
static const struct secret secrets[] = {
	{UUID(11), "certificate", "ec", NULL, 256, PEM(FIXTURE_EC_CERT)},
	{UUID(12), "private", "ec", NULL, 256, PEM(FIXTURE_EC_KEY)},
	{UUID(21), "certificate", "rsa", NULL, 1024, PEM(FIXTURE_RSA_CERT)},
	{UUID(22), "private", "rsa", NULL, 1024, PEM(FIXTURE_RSA_KEY)},
	{UUID(31), "symmetric", "aes", "fuzz-aes", 256, aes_value,
	 sizeof(aes_value)},
	{UUID(32), "opaque", NULL, "fuzz-data", 0, opaque_value,
	 sizeof(opaque_value) - 1},
	{UUID(33), "private", "ed25519", "fuzz-ed", 256, PEM(FIXTURE_ED_KEY)},
};
#define N_SECRETS (sizeof(secrets) / sizeof(secrets[0]))

struct container {
	const char *uuid, *name, *certificate, *private_key;
};

static const struct container containers[] = {
	{UUID(01), "fuzz-ec", UUID(11), UUID(12)},
	{UUID(02), "fuzz-rsa", UUID(21), UUID(22)},
};
#define N_CONTAINERS (sizeof(containers) / sizeof(containers[0]))

struct km_http {
	int unused;
};

/* "<base>/v1/<what>/<uuid>" */
static json_object *ref(const char *what, const char *uuid)
{
	char url[128];

	snprintf(url, sizeof(url), BASE "/v1/%s/%s", what, uuid);
	return json_object_new_string(url);
}

static json_object *secret_meta(const struct secret *s)
{
	json_object *o = json_object_new_object(), *types = json_object_new_object();

	json_object_object_add(o, "secret_ref", ref("secrets", s->uuid));
	json_object_object_add(o, "secret_type", json_object_new_string(s->type));
	if (s->algorithm != NULL)
		json_object_object_add(o, "algorithm",
				       json_object_new_string(s->algorithm));
	if (s->bits > 0)
		json_object_object_add(o, "bit_length", json_object_new_int(s->bits));
	json_object_object_add(o, "name", s->name ? json_object_new_string(s->name)
						  : NULL);
	json_object_object_add(types, "default",
			       json_object_new_string("application/octet-stream"));
	json_object_object_add(o, "content_types", types);
	json_object_object_add(o, "created",
			       json_object_new_string("2026-01-01T00:00:00"));
	return o;
}

static json_object *secret_ref(const char *name, const char *uuid)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "secret_ref", ref("secrets", uuid));
	return o;
}

static json_object *container_meta(const struct container *c)
{
	json_object *o = json_object_new_object(), *refs = json_object_new_array();

	json_object_object_add(o, "container_ref", ref("containers", c->uuid));
	json_object_object_add(o, "name", json_object_new_string(c->name));
	json_object_object_add(o, "type", json_object_new_string("certificate"));
	json_object_object_add(o, "created",
			       json_object_new_string("2026-01-01T00:00:00"));
	json_object_array_add(refs, secret_ref("certificate", c->certificate));
	json_object_array_add(refs, secret_ref("private_key", c->private_key));
	json_object_object_add(o, "secret_refs", refs);
	return o;
}

/* A page of every item at offset 0, none after (total says how many). */
static json_object *page(const char *url, const char *what)
{
	json_object *o = json_object_new_object(), *items = json_object_new_array();
	bool first = strstr(url, "offset=0") != NULL;
	size_t n = strcmp(what, "containers") == 0 ? N_CONTAINERS
		   : strcmp(what, "secrets") == 0  ? N_SECRETS : 0;

	for (size_t i = 0; first && i < n; i++)
		json_object_array_add(items, what[0] == 'c'
						     ? container_meta(&containers[i])
						     : secret_meta(&secrets[i]));
	json_object_object_add(o, what, items);
	json_object_object_add(o, "total", json_object_new_int((int)n));
	return o;
}

static json_object *keystone_token(void)
{
	json_object *o = json_object_new_object(), *token = json_object_new_object(),
		    *project = json_object_new_object(),
		    *catalog = json_object_new_array(), *svc = json_object_new_object(),
		    *eps = json_object_new_array(), *ep = json_object_new_object();

	json_object_object_add(ep, "interface", json_object_new_string("public"));
	json_object_object_add(ep, "region", json_object_new_string("RegionOne"));
	json_object_object_add(ep, "url", json_object_new_string(BASE));
	json_object_array_add(eps, ep);
	json_object_object_add(svc, "type", json_object_new_string("key-manager"));
	json_object_object_add(svc, "endpoints", eps);
	json_object_array_add(catalog, svc);
	json_object_object_add(project, "id", json_object_new_string("fuzz"));
	json_object_object_add(project, "name", json_object_new_string("fuzz"));
	json_object_object_add(token, "expires_at",
			       json_object_new_string("2099-01-01T00:00:00.000000Z"));
	json_object_object_add(token, "project", project);
	json_object_object_add(token, "catalog", catalog);
	json_object_object_add(o, "token", token);
	return o;
}

static void respond(struct km_response *out, long status, const void *body,
		    size_t len)
{
	out->status = status;
	out->cap = len + 1;
	if ((out->body = malloc(out->cap)) == NULL) {
		out->cap = 0;
		return;
	}
	memcpy(out->body, body, len);
	out->body[len] = '\0';
	out->len = len;
}

static void respond_json(struct km_response *out, long status, json_object *o)
{
	const char *text = json_object_to_json_string(o);

	respond(out, status, text, strlen(text));
	json_object_put(o);
}

static const struct secret *secret_named(const char *path)
{
	for (size_t i = 0; i < N_SECRETS; i++)
		if (strncmp(path, secrets[i].uuid, strlen(secrets[i].uuid)) == 0)
			return &secrets[i];
	return NULL;
}

static void get(const char *url, struct km_response *out)
{
	static const char not_found[] = "{\"title\": \"Not Found\"}";
	const char *path = strncmp(url, BASE "/v1/", strlen(BASE "/v1/")) == 0
				   ? url + strlen(BASE "/v1/") : "";
	const struct secret *s;

	if (strncmp(path, "secrets/", 8) == 0 && (s = secret_named(path + 8))) {
		if (strstr(path, "/payload") != NULL)
			respond(out, 200, s->payload, s->len);
		else
			respond_json(out, 200, secret_meta(s));
	} else if (strncmp(path, "containers/", 11) == 0) {
		for (size_t i = 0; i < N_CONTAINERS; i++)
			if (strncmp(path + 11, containers[i].uuid, 36) == 0)
				return respond_json(out, 200,
						    container_meta(&containers[i]));
		respond(out, 404, not_found, strlen(not_found));
	} else if (strncmp(path, "containers?", 11) == 0) {
		respond_json(out, 200, page(url, "containers"));
	} else if (strncmp(path, "secrets?", 8) == 0) {
		respond_json(out, 200, page(url, "secrets"));
	} else if (strncmp(path, "orders?", 7) == 0) {
		respond_json(out, 200, page(url, "orders"));
	} else {
		respond(out, 404, not_found, strlen(not_found));
	}
}

km_err km_http_request(struct km_http *http, const char *method,
		       const char *url, const char *const *headers,
		       const char *body, struct km_response *out)
{
	static const char refused[] = "{\"title\": \"Forbidden\"}";

	(void)http;
	(void)headers;
	memset(out, 0, sizeof(*out));
	out->retry_after = -1;
	if (strstr(url, "/auth/tokens") != NULL) {
		if (body != NULL && strstr(body, "\"password\"") != NULL &&
		    strstr(body, "\"" FAKE_KM_PIN "\"") == NULL) {
			respond(out, 401, refused, strlen(refused));
			return KM_ERR(OK);
		}
		out->subject_token = strdup("fuzz-token");
		respond_json(out, 201, keystone_token());
	} else if (strcmp(method, "GET") == 0) {
		get(url, out);
	} else {
		respond(out, 403, refused, strlen(refused));
	}
	return out->body != NULL ? KM_ERR(OK) : KM_ERR(NO_MEMORY);
}

/* One at a time: the answers are the same, in order. */
km_err km_http_get_many(struct km_http *http, const char *const *urls,
			size_t n, const char *const *headers, km_http_done done,
			void *ctx)
{
	struct km_response r;
	km_err rv = KM_ERR(OK);

	for (size_t i = 0; km_ok(rv) && i < n; i++) {
		rv = done(ctx, i, km_http_request(http, "GET", urls[i], headers,
						  NULL, &r), &r);
		km_response_clear(&r);
	}
	return rv;
}

/* ---- the rest of tokens/http.h, with nothing to do ---- */

struct km_http *km_http_new(const struct km_http_options *opts)
{
	(void)opts;
	return calloc(1, sizeof(struct km_http));
}

void km_http_free(struct km_http *http) { free(http); }

void km_http_lock(struct km_http *http) { (void)http; }

void km_http_unlock(struct km_http *http) { (void)http; }

unsigned km_fork_id(void) { return 0; }

char *km_resolve_entry(const char *url)
{
	(void)url;
	return NULL;
}

void km_response_clear(struct km_response *r)
{
	km_free_secret(r->body, r->cap);
	km_free_secret_string(r->subject_token);
	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
}
