/* Token configuration: the config file, the OS_* environment, clouds.yaml. */
#ifndef KMP11_CONFIG_H
#define KMP11_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct km_token_config {
	char *label;
	char *cloud;
	/* Keystone v3 credentials, named as in openrc without "OS_". */
	char *auth_url;
	char *username, *user_id, *password;
	char *user_domain_name, *user_domain_id;
	char *project_name, *project_id;
	char *project_domain_name, *project_domain_id;
	char *application_credential_id, *application_credential_name;
	char *application_credential_secret;
	char *token;
	char *region_name, *interface;
	char *cacert, *cert, *key;
	bool insecure;
	/* Key Manager side. */
	char *endpoint;
	char **containers;     /* fnmatch(3) patterns on container names */
	size_t n_containers;
	char **container_refs; /* listed explicitly, e.g. shared by ACL */
	size_t n_container_refs;
	bool show_secrets;
	unsigned key_types;    /* KM_KEY_* bits of the keys shown; 0: all */
	bool extractable;      /* private keys readable (haproxy-sync) */
	bool read_only;        /* no writes, key generation or deletion */
	long order_wait;       /* seconds C_GenerateKeyPair waits for an order */
	char *key_cache;       /* key types learned: a file, or "none" */
	long refresh_interval; /* seconds */
	long connect_timeout;  /* seconds */
	long timeout;          /* seconds, whole request */
	long max_response;     /* bytes */
	long parallel_requests; /* list pages fetched at once */
	struct km_token_config *next;
};

struct km_config {
	int log_level; /* -1: not set */
	struct km_token_config *tokens;
	size_t n_tokens;
};

#define KM_ERR_SIZE 512

/* Sets one key (file name, or OS_* name) on a token; err says why not. */
int km_token_config_set(struct km_token_config *tc, const char *key,
			const char *value, char *err, size_t err_size);
/* Same, but leaves a key that already has a value. */
int km_token_config_set_default(struct km_token_config *tc, const char *key,
				const char *value, char *err, size_t err_size);
struct km_token_config *km_token_config_new(void);
void km_token_config_free(struct km_token_config *tc);
/* Applies clouds.yaml and defaults, checks what is needed to authenticate. */
int km_token_config_finish(struct km_token_config *tc, char *err,
			   size_t err_size);
/* The credentials hold their secret: no C_Login needed. */
bool km_token_config_has_secret(const struct km_token_config *tc);
/* Whether a container of that name is shown (its `containers` patterns). */
bool km_token_config_shows(const struct km_token_config *tc, const char *name);
/* Every `containers` pattern is a plain name (no fnmatch(3) special
 * character), so the Key Manager can be asked for those names only. */
bool km_token_config_names_only(const struct km_token_config *tc);

/* Parses a config file: 0, or -1 with "file:line: reason" in err. */
int km_config_parse_file(struct km_config *cfg, const char *path, char *err,
			 size_t err_size);
int km_config_parse_string(struct km_config *cfg, const char *text,
			   const char *name, char *err, size_t err_size);
/* One token from OS_* (and OS_CLOUD); 1 if none is set, -1 on error. */
int km_config_from_env(struct km_config *cfg, char *err, size_t err_size);
/* The system-wide file PATH (/etc/kmp11/kmp11.conf): its tokens, or, when
 * it is missing, unreadable by this process or defines no token, one
 * token from OS_* (its [global] settings kept). */
int km_config_load_system(struct km_config *cfg, const char *path,
			  char *err, size_t err_size);
/* KMP11_CONF, the pReserved path, else /etc/kmp11/kmp11.conf, else env. */
int km_config_load(struct km_config *cfg, const char *reserved_path,
		   char *err, size_t err_size);
void km_config_clear(struct km_config *cfg);

#define KM_CONFIG_FINGERPRINT_LEN 32
/*
 * A digest of what km_config_load(reserved_path) reads besides file
 * contents: the path given, KMP11_CONF, every OS_* variable a token takes,
 * OS_CLIENT_CONFIG_FILE, HOME when OS_CLOUD is set, the timeouts' KMP11_*.
 * Two processes with equal fingerprints load the same configuration (from
 * the same files). 0, or -1 when it cannot be computed.
 */
int km_config_fingerprint(const char *reserved_path,
			  unsigned char out[KM_CONFIG_FINGERPRINT_LEN]);

#endif
