#include "tokens/keystone.h"
#include "tokens/errors.h"

#include "tokens/config.h"
#include "tokens/http.h"
#include "tokens/json.h"
#include "tokens/log.h"
#include "tokens/secure.h"

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void add_string(json_object *o, const char *key, const char *value)
{
	if (value != NULL)
		json_object_object_add(o, key, json_object_new_string(value));
}

static json_object *named(const char *name, const char *id,
			  const char *domain_name, const char *domain_id)
{
	json_object *o = json_object_new_object(), *domain;

	add_string(o, "id", id);
	if (id == NULL) {
		add_string(o, "name", name);
		domain = json_object_new_object();
		add_string(domain, "id", domain_id);
		if (domain_id == NULL)
			add_string(domain, "name",
				   domain_name ? domain_name : "Default");
		json_object_object_add(o, "domain", domain);
	}
	return o;
}

static json_object *identity(const struct km_token_config *tc, const char *pin)
{
	json_object *id = json_object_new_object(), *method;
	json_object *methods = json_object_new_array();
	const char *kind;

	if (tc->application_credential_id || tc->application_credential_name) {
		kind = "application_credential";
		method = json_object_new_object();
		add_string(method, "id", tc->application_credential_id);
		if (tc->application_credential_id == NULL) {
			add_string(method, "name",
				   tc->application_credential_name);
			json_object_object_add(
				method, "user",
				named(tc->username, tc->user_id,
				      tc->user_domain_name, tc->user_domain_id));
		}
		add_string(method, "secret",
			   pin ? pin : tc->application_credential_secret);
	} else if (tc->username == NULL && tc->user_id == NULL && tc->token) {
		kind = "token";
		method = json_object_new_object();
		add_string(method, "id", tc->token);
	} else {
		json_object *user = named(tc->username, tc->user_id,
					  tc->user_domain_name,
					  tc->user_domain_id);
		kind = "password";
		add_string(user, "password", pin ? pin : tc->password);
		method = json_object_new_object();
		json_object_object_add(method, "user", user);
	}
	json_object_array_add(methods, json_object_new_string(kind));
	json_object_object_add(id, "methods", methods);
	json_object_object_add(id, kind, method);
	return id;
}

static char *auth_body(const struct km_token_config *tc, const char *pin)
{
	json_object *root = json_object_new_object();
	json_object *auth = json_object_new_object();
	const char *text;
	size_t len;
	char *body;

	json_object_object_add(auth, "identity", identity(tc, pin));
	/* Application credentials carry their own scope. */
	if (tc->application_credential_id == NULL &&
	    tc->application_credential_name == NULL &&
	    (tc->project_id || tc->project_name)) {
		json_object *scope = json_object_new_object();
		json_object_object_add(
			scope, "project",
			named(tc->project_name, tc->project_id,
			      tc->project_domain_name, tc->project_domain_id));
		json_object_object_add(auth, "scope", scope);
	}
	json_object_object_add(root, "auth", auth);
	text = json_object_to_json_string_length(root, JSON_C_TO_STRING_PLAIN,
						 &len);
	body = strdup(text);
	/* The serialization holds the secret: wipe json-c's buffer too. */
	OPENSSL_cleanse((char *)text, len);
	json_object_put(root);
	return body;
}

static char *with_v1(const char *url)
{
	size_t n = strlen(url);
	char *out;

	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n >= 3 && strncmp(url + n - 3, "/v1", 3) == 0)
		return strndup(url, n);
	if ((out = malloc(n + 4)) != NULL)
		snprintf(out, n + 4, "%.*s/v1", (int)n, url);
	return out;
}

static char *endpoint_in(json_object *catalog, const char *interface,
			 const char *region)
{
	size_t n = json_object_is_type(catalog, json_type_array)
			   ? json_object_array_length(catalog) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *svc = json_object_array_get_idx(catalog, i), *eps;
		const char *type = km_json_string(svc, "type");
		if (type == NULL || strcmp(type, "key-manager") != 0 ||
		    !json_object_object_get_ex(svc, "endpoints", &eps) ||
		    !json_object_is_type(eps, json_type_array))
			continue;
		for (size_t j = 0; j < json_object_array_length(eps); j++) {
			json_object *ep = json_object_array_get_idx(eps, j);
			const char *itf = km_json_string(ep, "interface");
			const char *reg = km_json_string(ep, "region_id");
			const char *url = km_json_string(ep, "url");
			if (reg == NULL)
				reg = km_json_string(ep, "region");
			if (url == NULL || itf == NULL ||
			    strcmp(itf, interface) != 0 ||
			    (region != NULL &&
			     (reg == NULL || strcmp(reg, region) != 0)))
				continue;
			return with_v1(url);
		}
	}
	return NULL;
}

char *km_catalog_endpoint(const char *catalog_json, const char *interface,
			  const char *region)
{
	json_object *catalog = json_tokener_parse(catalog_json);
	char *url = endpoint_in(catalog, interface, region);

	json_object_put(catalog);
	return url;
}

/* "2026-11-27T08:23:51.000000Z" (UTC); 0 when absent or malformed. */
static time_t parse_time(const char *text)
{
	struct tm tm = {0};

	if (text == NULL || strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 0;
	return timegm(&tm);
}

/*
 * When to authenticate again, on this host's clock: the token's lifetime
 * by Keystone's own clock (issued_at to expires_at), counted from now, so
 * that a host clock ahead of or behind Keystone's neither renews on every
 * call nor uses an expired token. A quarter of the lifetime, at most
 * KM_RENEW_MARGIN seconds, is kept in hand. 0: the token does not expire.
 */
time_t km_renewal_time(const char *issued_at, const char *expires_at,
		       time_t now)
{
	time_t issued = parse_time(issued_at), expires = parse_time(expires_at);
	time_t life, margin;

	if (expires == 0)
		return 0;
	life = issued != 0 && issued <= expires ? expires - issued
						: expires - now;
	if (life <= 0)
		return now; /* already expired: renew at the next call */
	margin = life / 4 < KM_RENEW_MARGIN ? life / 4 : KM_RENEW_MARGIN;
	return now + life - margin;
}

static km_err read_token(const struct km_token_config *tc, json_object *root,
			 struct km_auth *out)
{
	json_object *token, *project = NULL, *catalog = NULL;

	if (!json_object_object_get_ex(root, "token", &token)) {
		km_error("Keystone: no 'token' in the auth response");
		return KM_ERR(BAD_RESPONSE);
	}
	out->renew_at = km_renewal_time(km_json_string(token, "issued_at"),
					km_json_string(token, "expires_at"),
					time(NULL));
	if (json_object_object_get_ex(token, "project", &project)) {
		const char *id = km_json_string(project, "id");
		const char *name = km_json_string(project, "name");
		out->project_id = id ? strdup(id) : NULL;
		out->project_name = name ? strdup(name) : NULL;
	}
	if (out->project_id == NULL) {
		km_error("Keystone: the token is not scoped to a project");
		return KM_ERR(BAD_RESPONSE);
	}
	if (tc->endpoint != NULL) {
		out->endpoint = with_v1(tc->endpoint);
	} else {
		json_object_object_get_ex(token, "catalog", &catalog);
		out->endpoint = endpoint_in(catalog, tc->interface,
					    tc->region_name);
		if (out->endpoint == NULL) {
			km_error("Keystone: no key-manager endpoint for "
				 "interface %s%s%s in the catalog",
				 tc->interface, tc->region_name ? ", region " : "",
				 tc->region_name ? tc->region_name : "");
			return KM_ERR(BAD_RESPONSE);
		}
	}
	return KM_ERR(OK);
}

/* What Keystone refused, and what to check: said once per failure, in
 * words an operator acts on. */
static void say_refused(const struct km_token_config *tc, const char *pin)
{
	const char *who = tc->username ? tc->username : tc->user_id;

	if (tc->application_credential_id || tc->application_credential_name)
		km_error("Keystone refused application credential '%s' (HTTP 401): "
			 "check its secret (%s)",
			 tc->application_credential_id ? tc->application_credential_id
						       : tc->application_credential_name,
			 pin ? "the PIN" : "OS_APPLICATION_CREDENTIAL_SECRET");
	else if (who != NULL)
		km_error("Keystone refused the credentials of user '%s' (HTTP 401): "
			 "check %s, the user's domain and that it has a role in the "
			 "project", who, pin ? "the PIN (the password)" : "OS_PASSWORD");
	else
		km_error("Keystone refused the token (HTTP 401): OS_TOKEN is "
			 "expired or revoked");
}

km_err km_keystone_auth(struct km_http *http, const struct km_token_config *tc,
			const char *pin, struct km_auth *out)
{
	static const char *const headers[] = {
		"Content-Type: application/json", "Accept: application/json",
		NULL};
	struct km_response r = {.retry_after = -1};
	json_object *root = NULL;
	char url[2048], *body;
	size_t n = strlen(tc->auth_url);
	km_err rv;

	while (n > 0 && tc->auth_url[n - 1] == '/')
		n--;
	snprintf(url, sizeof(url), "%.*s/auth/tokens", (int)n, tc->auth_url);
	if ((body = auth_body(tc, pin)) == NULL)
		return KM_ERR(NO_MEMORY);
	rv = km_http_request(http, "POST", url, headers, body, &r);
	km_free_secret_string(body);
	if (rv.kind == KM_UNREACHABLE)
		km_error("Keystone at %.*s cannot be reached: check OS_AUTH_URL "
			 "(auth_url) and that Keystone runs", (int)n, tc->auth_url);
	if (!km_ok(rv))
		goto done;
	if (r.status == 401) {
		say_refused(tc, pin);
		rv = pin != NULL ? KM_ERR(PIN_REFUSED) : KM_ERR(UNAUTHORIZED);
		goto done;
	}
	if (r.status != 201 && r.status != 200) {
		rv = km_http_failed("Keystone authentication", &r);
		goto done;
	}
	if (r.subject_token == NULL ||
	    (root = json_tokener_parse(r.body)) == NULL) {
		km_error("Keystone: auth response without a token or JSON body");
		rv = KM_ERR(BAD_RESPONSE);
		goto done;
	}
	rv = read_token(tc, root, out);
	if (km_ok(rv)) {
		out->token = r.subject_token;
		r.subject_token = NULL;
		km_info("Keystone: token for project %s, key manager at %s",
			out->project_id, out->endpoint);
	}
done:
	json_object_put(root);
	km_response_clear(&r);
	if (!km_ok(rv))
		km_auth_clear(out);
	return rv;
}

void km_auth_clear(struct km_auth *auth)
{
	km_free_secret_string(auth->token);
	free(auth->project_id);
	free(auth->project_name);
	free(auth->endpoint);
	memset(auth, 0, sizeof(*auth));
}
