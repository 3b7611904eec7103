#include "tokens/config.h"

#include "tokens/clouds.h"
#include "tokens/crypto-ctx.h"
#include "tokens/keytypes.h"
#include "tokens/log.h"
#include "tokens/secure.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_CONFIG_PATH "/etc/kmp11/kmp11.conf"

enum key_type { KEY_STRING, KEY_SECRET, KEY_BOOL, KEY_SECONDS, KEY_BYTES,
		KEY_COUNT, KEY_LIST, KEY_KEY_TYPES };

struct key_spec {
	const char *name;
	enum key_type type;
	size_t offset;
	size_t count_offset; /* KEY_LIST only */
	bool from_env;       /* also read from OS_<NAME> */
};

#define STR(f, env) {#f, KEY_STRING, offsetof(struct km_token_config, f), 0, env}
#define SECRET(f) {#f, KEY_SECRET, offsetof(struct km_token_config, f), 0, true}
#define NUM(f, t) {#f, t, offsetof(struct km_token_config, f), 0, false}
#define LIST(f)                                                                \
	{#f, KEY_LIST, offsetof(struct km_token_config, f),                    \
	 offsetof(struct km_token_config, n_##f), false}

/* Every key is documented in docs/kmp11.conf.5. */
static const struct key_spec keys[] = {
	STR(label, false),
	STR(cloud, true),
	STR(auth_url, true),
	STR(username, true),
	STR(user_id, true),
	SECRET(password),
	STR(user_domain_name, true),
	STR(user_domain_id, true),
	STR(project_name, true),
	STR(project_id, true),
	STR(project_domain_name, true),
	STR(project_domain_id, true),
	STR(application_credential_id, true),
	STR(application_credential_name, true),
	SECRET(application_credential_secret),
	SECRET(token),
	STR(region_name, true),
	STR(interface, true),
	STR(cacert, true),
	STR(cert, true),
	STR(key, true),
	{"insecure", KEY_BOOL, offsetof(struct km_token_config, insecure), 0,
	 true},
	STR(endpoint, false),
	STR(key_cache, false),
	LIST(containers),
	LIST(container_refs),
	NUM(show_secrets, KEY_BOOL),
	NUM(key_types, KEY_KEY_TYPES),
	NUM(extractable, KEY_BOOL),
	NUM(read_only, KEY_BOOL),
	NUM(order_wait, KEY_SECONDS),
	NUM(refresh_interval, KEY_SECONDS),
	NUM(connect_timeout, KEY_SECONDS),
	NUM(timeout, KEY_SECONDS),
	NUM(max_response, KEY_BYTES),
	NUM(parallel_requests, KEY_COUNT),
};

static const struct key_spec *find_key(const char *name)
{
	char lower[64];
	size_t n = strlen(name);

	/* An env-style block: OS_USERNAME is username. */
	if (strncmp(name, "OS_", 3) == 0) {
		name += 3;
		n -= 3;
	}
	if (n >= sizeof(lower))
		return NULL;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, lower) == 0)
			return &keys[i];
	return NULL;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *out = false, 0;
	}
	return -1;
}

static int parse_positive(const char *v, long max, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n <= 0 || n > max)
		return -1;
	*out = n;
	return 0;
}

static int append_list(char ***list, size_t *count, const char *value)
{
	char *copy = strdup(value), *save = NULL;
	int rv = 0;

	if (copy == NULL)
		return -1;
	for (char *item = strtok_r(copy, ", \t", &save); item != NULL;
	     item = strtok_r(NULL, ", \t", &save)) {
		char **grown = realloc(*list, (*count + 1) * sizeof(char *));
		if (grown == NULL || (grown[*count] = strdup(item)) == NULL) {
			if (grown != NULL)
				*list = grown;
			rv = -1;
			break;
		}
		*list = grown;
		(*count)++;
	}
	free(copy);
	return rv;
}

/* "rsa, ec": the bits of the names, added to *types. */
static int parse_key_types(const char *value, unsigned *types, char *err,
			   size_t err_size)
{
	char *copy = strdup(value), *save = NULL, *item;
	unsigned bits = 0, bit;
	int rv = 0;

	if (copy == NULL)
		return -1;
	for (item = strtok_r(copy, ", \t", &save); item != NULL;
	     item = strtok_r(NULL, ", \t", &save)) {
		if ((bit = km_key_type_bit(item)) == 0)
			break;
		bits |= bit;
	}
	if (item != NULL || bits == 0) {
		snprintf(err, err_size, "key_types: expected rsa, ec, ed25519 "
			 "or ed448, separated by commas, got '%s'",
			 item != NULL ? item : value);
		rv = -1;
	} else {
		*types |= bits;
	}
	free(copy);
	return rv;
}

static int set_key(struct km_token_config *tc, const struct key_spec *k,
		   const char *value, char *err, size_t err_size)
{
	char *base = (char *)tc;
	char **str = (char **)(base + k->offset);

	switch (k->type) {
	case KEY_STRING:
		free(*str);
		*str = strdup(value);
		return *str == NULL ? -1 : 0;
	case KEY_SECRET:
		return km_set_secret_string(str, value);
	case KEY_BOOL:
		if (parse_bool(value, (bool *)(base + k->offset)) == 0)
			return 0;
		snprintf(err, err_size, "%s: expected yes or no, got '%s'",
			 k->name, value);
		return -1;
	case KEY_SECONDS:
	case KEY_BYTES:
	case KEY_COUNT:
		if (parse_positive(value, k->type == KEY_SECONDS ? 86400 * 365
					  : k->type == KEY_BYTES ? 1L << 30
								 : 64,
				   (long *)(base + k->offset)) == 0)
			return 0;
		snprintf(err, err_size, "%s: expected a positive number%s, "
			 "got '%s'", k->name,
			 k->type == KEY_SECONDS ? " of seconds"
			 : k->type == KEY_BYTES ? " of bytes"
						: " up to 64",
			 value);
		return -1;
	case KEY_LIST:
		return append_list((char ***)str,
				   (size_t *)(base + k->count_offset), value);
	case KEY_KEY_TYPES:
		return parse_key_types(value, (unsigned *)(base + k->offset), err,
				       err_size);
	}
	return -1;
}

static bool key_is_set(const struct km_token_config *tc,
		       const struct key_spec *k)
{
	const char *base = (const char *)tc;

	switch (k->type) {
	case KEY_STRING:
	case KEY_SECRET:
		return *(char *const *)(base + k->offset) != NULL;
	case KEY_BOOL:
		return *(const bool *)(base + k->offset);
	case KEY_LIST:
		return *(const size_t *)(base + k->count_offset) != 0;
	case KEY_KEY_TYPES:
		return *(const unsigned *)(base + k->offset) != 0;
	default:
		return *(const long *)(base + k->offset) != 0;
	}
}

int km_token_config_set(struct km_token_config *tc, const char *key,
			const char *value, char *err, size_t err_size)
{
	const struct key_spec *k = find_key(key);

	if (k == NULL) {
		snprintf(err, err_size, "unknown key '%s'", key);
		return -1;
	}
	if (set_key(tc, k, value, err, err_size) != 0) {
		if (err[0] == '\0')
			snprintf(err, err_size, "out of memory");
		return -1;
	}
	return 0;
}

int km_token_config_set_default(struct km_token_config *tc, const char *key,
				const char *value, char *err, size_t err_size)
{
	const struct key_spec *k = find_key(key);

	if (k != NULL && key_is_set(tc, k))
		return 0;
	return km_token_config_set(tc, key, value, err, err_size);
}

struct km_token_config *km_token_config_new(void)
{
	return calloc(1, sizeof(struct km_token_config));
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

void km_token_config_free(struct km_token_config *tc)
{
	if (tc == NULL)
		return;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char **str = (char **)((char *)tc + keys[i].offset);
		if (keys[i].type == KEY_SECRET)
			km_free_secret_string(*str);
		else if (keys[i].type == KEY_STRING)
			free(*str);
	}
	free_list(tc->containers, tc->n_containers);
	free_list(tc->container_refs, tc->n_container_refs);
	free(tc);
}

bool km_token_config_shows(const struct km_token_config *tc, const char *name)
{
	if (tc->n_containers == 0)
		return true;
	for (size_t i = 0; i < tc->n_containers; i++)
		if (fnmatch(tc->containers[i], name ? name : "", 0) == 0)
			return true;
	return false;
}

bool km_token_config_names_only(const struct km_token_config *tc)
{
	for (size_t i = 0; i < tc->n_containers; i++)
		if (tc->containers[i][0] == '\0' ||
		    strpbrk(tc->containers[i], "*?[\\") != NULL)
			return false;
	return tc->n_containers > 0;
}

bool km_token_config_has_secret(const struct km_token_config *tc)
{
	return tc->password != NULL || tc->application_credential_secret != NULL ||
	       tc->token != NULL;
}

/* A default from the environment (kmp11-tool sets short ones): a whole
 * number of seconds, 1 to 3600, else fallback. */
static long env_seconds(const char *name, long fallback)
{
	const char *text = secure_getenv(name);
	char *end;
	long v;

	if (text == NULL || *text == '\0')
		return fallback;
	v = strtol(text, &end, 10);
	if (*end != '\0' || v < 1 || v > 3600) {
		km_warning("%s=%s: not 1 to 3600 seconds; %ld is used", name,
			   text, fallback);
		return fallback;
	}
	return v;
}

int km_token_config_finish(struct km_token_config *tc, char *err,
			   size_t err_size)
{
	if (tc->cloud != NULL && km_clouds_apply(tc, tc->cloud, err, err_size) != 0)
		return -1;
	if (tc->auth_url == NULL) {
		snprintf(err, err_size, "no auth_url (OS_AUTH_URL) for token%s%s",
			 tc->label ? " " : "", tc->label ? tc->label : "");
		return -1;
	}
	if (tc->application_credential_id == NULL &&
	    tc->application_credential_name == NULL && tc->token == NULL &&
	    tc->username == NULL && tc->user_id == NULL) {
		snprintf(err, err_size, "no user, application credential or "
			 "token to authenticate with");
		return -1;
	}
	if (tc->interface == NULL && (tc->interface = strdup("public")) == NULL)
		return -1;
	if (tc->refresh_interval == 0)
		tc->refresh_interval = 300;
	if (tc->connect_timeout == 0)
		tc->connect_timeout = env_seconds("KMP11_CONNECT_TIMEOUT", 5);
	if (tc->timeout == 0)
		tc->timeout = env_seconds("KMP11_TIMEOUT", 30);
	if (tc->order_wait == 0)
		tc->order_wait = 60;
	if (tc->max_response == 0)
		tc->max_response = 16L << 20;
	if (tc->parallel_requests == 0)
		tc->parallel_requests = 4;
	if (tc->insecure)
		km_warning("token %s: TLS verification is OFF (insecure)",
			   tc->label ? tc->label : "(unnamed)");
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

struct parser {
	struct km_config *cfg;
	struct km_token_config **tail;
	struct km_token_config *current;
	unsigned current_line; /* where the current [token] starts */
	unsigned lineno;
	bool in_global;
};

static int finish_current(struct parser *p, char *err, size_t err_size)
{
	if (p->current == NULL)
		return 0;
	if (km_token_config_finish(p->current, err, err_size) != 0)
		return -1;
	*p->tail = p->current;
	p->tail = &p->current->next;
	p->current = NULL;
	p->cfg->n_tokens++;
	return 0;
}

static int parse_section(struct parser *p, char *line, char *err,
			 size_t err_size)
{
	char *name;
	size_t n = strlen(line);

	if (line[n - 1] != ']') {
		snprintf(err, err_size, "section header without ']'");
		return -1;
	}
	line[n - 1] = '\0';
	name = trim(line + 1);
	if (finish_current(p, err, err_size) != 0) {
		/* The error belongs to the section that just ended. */
		p->lineno = p->current_line;
		return -1;
	}
	p->in_global = strcmp(name, "global") == 0;
	if (p->in_global)
		return 0;
	if (strcmp(name, "token") != 0) {
		snprintf(err, err_size, "unknown section [%s] "
			 "(expected [global] or [token])", name);
		return -1;
	}
	p->current_line = p->lineno;
	if ((p->current = km_token_config_new()) == NULL) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	return 0;
}

static int parse_global(struct parser *p, const char *key, const char *value,
			char *err, size_t err_size)
{
	if (strcmp(key, "log_level") == 0) {
		p->cfg->log_level = km_log_parse_level(value);
		if (p->cfg->log_level >= 0)
			return 0;
		snprintf(err, err_size, "log_level: expected off, error, "
			 "warning, info, debug or trace, got '%s'", value);
		return -1;
	}
	if (strcmp(key, "log_target") == 0) {
		if (strcmp(value, "stderr") == 0 || strcmp(value, "syslog") == 0) {
			km_log_use_syslog(strcmp(value, "syslog") == 0);
			return 0;
		}
		snprintf(err, err_size, "log_target: expected stderr or syslog, "
			 "got '%s'", value);
		return -1;
	}
	snprintf(err, err_size, "unknown key '%s' in [global]", key);
	return -1;
}

static int parse_line(struct parser *p, char *line, char *err, size_t err_size)
{
	char *eq, *key, *value;

	line = trim(line);
	if (*line == '\0' || *line == '#' || *line == ';')
		return 0;
	if (*line == '[')
		return parse_section(p, line, err, err_size);
	if ((eq = strchr(line, '=')) == NULL) {
		snprintf(err, err_size, "expected 'key = value'");
		return -1;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	if (*key == '\0') {
		snprintf(err, err_size, "missing key before '='");
		return -1;
	}
	if (p->in_global)
		return parse_global(p, key, value, err, err_size);
	if (p->current == NULL) {
		snprintf(err, err_size, "'%s' outside a [token] section", key);
		return -1;
	}
	return km_token_config_set(p->current, key, value, err, err_size);
}

int km_config_parse_string(struct km_config *cfg, const char *text,
			   const char *name, char *err, size_t err_size)
{
	struct parser p = {.cfg = cfg, .tail = &cfg->tokens};
	size_t size = strlen(text) + 1;
	char *copy = strdup(text), *line, *save, reason[KM_ERR_SIZE];
	int rv = 0;

	if (copy == NULL)
		return -1;
	while (*p.tail != NULL)
		p.tail = &(*p.tail)->next;
	/* strsep keeps empty lines, so line numbers stay right. */
	save = copy;
	while (rv == 0 && (line = strsep(&save, "\n")) != NULL) {
		p.lineno++;
		reason[0] = '\0';
		if (parse_line(&p, line, reason, sizeof(reason)) != 0) {
			snprintf(err, err_size, "%s:%u: %s", name, p.lineno,
				 reason[0] ? reason : "out of memory");
			rv = -1;
		}
	}
	reason[0] = '\0';
	if (rv == 0 && finish_current(&p, reason, sizeof(reason)) != 0) {
		snprintf(err, err_size, "%s:%u: %s", name, p.current_line,
			 reason[0] ? reason : "out of memory");
		rv = -1;
	}
	km_token_config_free(p.current);
	km_free_secret(copy, size);
	return rv;
}

static char *read_file(const char *path, size_t *size, char *err,
		       size_t err_size)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	long n;

	if (f == NULL) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    n > (1L << 20) || fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, err_size, "%s: not a regular file under 1 MiB",
			 path);
	} else if ((buf = malloc((size_t)n + 1)) == NULL ||
		   fread(buf, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, err_size, "%s: cannot read", path);
		free(buf);
		buf = NULL;
	} else {
		buf[n] = '\0';
		*size = (size_t)n + 1;
	}
	fclose(f);
	return buf;
}

static bool config_holds_secret(const struct km_config *cfg)
{
	for (const struct km_token_config *tc = cfg->tokens; tc; tc = tc->next)
		if (km_token_config_has_secret(tc))
			return true;
	return false;
}

int km_config_parse_file(struct km_config *cfg, const char *path, char *err,
			 size_t err_size)
{
	struct stat st;
	size_t size = 0;
	char *text = read_file(path, &size, err, err_size);
	int rv;

	if (text == NULL)
		return -1;
	if (memchr(text, '\0', size - 1) != NULL) {
		snprintf(err, err_size, "%s: contains a NUL byte", path);
		km_free_secret(text, size);
		return -1;
	}
	rv = km_config_parse_string(cfg, text, path, err, err_size);
	km_free_secret(text, size);
	if (rv == 0 && stat(path, &st) == 0 && (st.st_mode & 044) != 0 &&
	    config_holds_secret(cfg))
		km_warning("%s holds a secret and is readable by others "
			   "(mode %03o): chmod 600 it", path,
			   (unsigned)(st.st_mode & 0777));
	return rv;
}

/* The OS_* variable of a key: OS_AUTH_URL for auth_url. */
static void env_name(const char *key, char *name, size_t size)
{
	snprintf(name, size, "OS_%s", key);
	for (char *c = name; *c; c++)
		*c = (char)toupper((unsigned char)*c);
}

int km_config_from_env(struct km_config *cfg, char *err, size_t err_size)
{
	struct km_token_config *tc;
	char name[80], reason[KM_ERR_SIZE] = "";
	bool any = false;

	if ((tc = km_token_config_new()) == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *value;
		if (!keys[i].from_env)
			continue;
		env_name(keys[i].name, name, sizeof(name));
		if ((value = secure_getenv(name)) == NULL || *value == '\0')
			continue;
		any = true;
		if (km_token_config_set(tc, name, value, reason,
					sizeof(reason)) != 0)
			goto fail;
	}
	if (!any) {
		km_token_config_free(tc);
		return 1;
	}
	if (km_token_config_finish(tc, reason, sizeof(reason)) != 0)
		goto fail;
	tc->next = cfg->tokens;
	cfg->tokens = tc;
	cfg->n_tokens++;
	return 0;
fail:
	snprintf(err, err_size, "environment: %s", reason);
	km_token_config_free(tc);
	return -1;
}

static int config_from_env_or_none(struct km_config *cfg, char *err,
				   size_t err_size)
{
	int rv = km_config_from_env(cfg, err, err_size);

	if (rv == 1) {
		km_info("no config file and no OS_* environment: no token");
		rv = 0;
	}
	return rv;
}

int km_config_load_system(struct km_config *cfg, const char *path,
			  char *err, size_t err_size)
{
	int rv;

	if (access(path, F_OK) != 0)
		return config_from_env_or_none(cfg, err, err_size);
	/* Root's tokens stay root's: another user runs on its own OS_*. */
	if (faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) != 0 &&
	    errno == EACCES) {
		km_info("%s: not readable by this user: tokens from the OS_* "
			"environment", path);
		return config_from_env_or_none(cfg, err, err_size);
	}
	rv = km_config_parse_file(cfg, path, err, err_size);
	if (rv != 0 || cfg->n_tokens > 0)
		return rv;
	/* The commented example the package installs: [global] applies,
	 * the tokens come from the environment as without a file. */
	km_info("%s defines no token: tokens from the OS_* environment", path);
	return config_from_env_or_none(cfg, err, err_size);
}

int km_config_load(struct km_config *cfg, const char *reserved_path,
		   char *err, size_t err_size)
{
	const char *path = reserved_path ? reserved_path : secure_getenv("KMP11_CONF");

	cfg->log_level = -1;
	if (path != NULL && *path != '\0')
		return km_config_parse_file(cfg, path, err, err_size);
	return km_config_load_system(cfg, DEFAULT_CONFIG_PATH, err, err_size);
}

void km_config_clear(struct km_config *cfg)
{
	while (cfg->tokens != NULL) {
		struct km_token_config *next = cfg->tokens->next;
		km_token_config_free(cfg->tokens);
		cfg->tokens = next;
	}
	cfg->n_tokens = 0;
}

/* "name", then its value or, unset, a byte no value holds. */
static bool digest_var(EVP_MD_CTX *md, const char *name, const char *value)
{
	return EVP_DigestUpdate(md, name, strlen(name) + 1) &&
	       (value != NULL ? EVP_DigestUpdate(md, value, strlen(value) + 1)
			      : EVP_DigestUpdate(md, "\xff", 1));
}

static bool digest_env(EVP_MD_CTX *md, const char *name)
{
	return digest_var(md, name, secure_getenv(name));
}

int km_config_fingerprint(const char *reserved_path,
			  unsigned char out[KM_CONFIG_FINGERPRINT_LEN])
{
	static const char *const others[] = {
		"KMP11_CONF", "OS_CLIENT_CONFIG_FILE", "KMP11_CONNECT_TIMEOUT",
		"KMP11_TIMEOUT"};
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char name[80];
	bool ok = md != NULL && EVP_DigestInit_ex(md, km_digest("SHA256"), NULL) &&
		  digest_var(md, "pReserved", reserved_path);

	for (size_t i = 0; ok && i < sizeof(others) / sizeof(others[0]); i++)
		ok = digest_env(md, others[i]);
	for (size_t i = 0; ok && i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!keys[i].from_env)
			continue;
		env_name(keys[i].name, name, sizeof(name));
		ok = digest_env(md, name);
	}
	/* clouds.yaml is looked for under HOME only for OS_CLOUD: a process
	 * without HOME (nginx's workers) loads the same without it. */
	if (ok && secure_getenv("OS_CLOUD") != NULL)
		ok = digest_env(md, "HOME");
	ok = ok && EVP_DigestFinal_ex(md, out, NULL);
	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}
