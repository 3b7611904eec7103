/* Keystone v3: authentication and the key-manager endpoint. */
#ifndef KMP11_KEYSTONE_H
#define KMP11_KEYSTONE_H

#include "tokens/errors.h"

#include <time.h>

struct km_http;
struct km_token_config;

struct km_auth {
	char *token; /* secret: wiped when freed */
	time_t renew_at; /* this host's time; 0: never */
	char *project_id;
	char *project_name;
	char *endpoint; /* Key Manager base URL ending in /v1 */
};

/*
 * Authenticates with the token's credentials; pin, when not NULL, is the
 * password or application-credential secret the config left out.
 * KM_PIN_REFUSED when Keystone rejects a PIN.
 */
km_err km_keystone_auth(struct km_http *http, const struct km_token_config *tc,
			const char *pin, struct km_auth *out);
/* Finds the key-manager endpoint in a token's catalog (a JSON array). */
char *km_catalog_endpoint(const char *catalog_json, const char *interface,
			  const char *region);
void km_auth_clear(struct km_auth *auth);

/* At most this long before a token expires, it is renewed. */
#define KM_RENEW_MARGIN 60
/* When a token issued and expiring at these times (Keystone's clock, ISO
 * 8601 UTC) should be renewed, on this host's clock read at now. */
time_t km_renewal_time(const char *issued_at, const char *expires_at,
		       time_t now);

#endif
