/* Keystone v3: authentication and the key-manager endpoint. */
#ifndef KMP11_KEYSTONE_H
#define KMP11_KEYSTONE_H

#include <p11-kit/pkcs11.h>
#include <time.h>

struct km_http;
struct km_token_config;

struct km_auth {
	char *token; /* secret: wiped when freed */
	time_t expires;
	char *project_id;
	char *project_name;
	char *endpoint; /* Key Manager base URL ending in /v1 */
};

/*
 * Authenticates with the token's credentials; pin, when not NULL, is the
 * password or application-credential secret the config left out.
 * CKR_PIN_INCORRECT when Keystone rejects a PIN.
 */
CK_RV km_keystone_auth(struct km_http *http, const struct km_token_config *tc,
		       const char *pin, struct km_auth *out);
/* Finds the key-manager endpoint in a token's catalog (a JSON array). */
char *km_catalog_endpoint(const char *catalog_json, const char *interface,
			  const char *region);
void km_auth_clear(struct km_auth *auth);

#endif
