#include "tokens/clouds.h"
#include "tokens/config.h"
#include "tokens/keytypes.h"
#include "tokens/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int parse(const char *text, struct km_config *cfg, char *err)
{
	memset(cfg, 0, sizeof(*cfg));
	return km_config_parse_string(cfg, text, "t.conf", err, KM_ERR_SIZE);
}

static void test_two_tokens(void **state)
{
	struct km_config cfg;
	char err[KM_ERR_SIZE] = "";

	assert_int_equal(parse("# c\n[token]\nlabel = a\nauth_url = http://k/v3\n"
			       "username = u\npassword = p\n"
			       "containers = www-*, api-*\nrefresh_interval = 10\n"
			       "[token]\nOS_AUTH_URL = http://k/v3\n"
			       "OS_APPLICATION_CREDENTIAL_ID = id\n",
			       &cfg, err), 0);
	assert_int_equal(cfg.n_tokens, 2);
	assert_string_equal(cfg.tokens->label, "a");
	assert_int_equal(cfg.tokens->n_containers, 2);
	assert_string_equal(cfg.tokens->containers[1], "api-*");
	assert_int_equal(cfg.tokens->refresh_interval, 10);
	assert_int_equal(cfg.tokens->timeout, 30);
	assert_int_equal(cfg.tokens->parallel_requests, 4);
	assert_true(km_token_config_has_secret(cfg.tokens));
	/* No secret: C_Login brings it. */
	assert_false(km_token_config_has_secret(cfg.tokens->next));
	km_config_clear(&cfg);
}

static bool names_only(const char *containers)
{
	struct km_config cfg;
	char text[256], err[KM_ERR_SIZE] = "";
	bool only;

	snprintf(text, sizeof(text), "[token]\nauth_url = http://k/v3\n"
		 "username = u\npassword = p\n%s\n", containers);
	assert_int_equal(parse(text, &cfg, err), 0);
	only = km_token_config_names_only(cfg.tokens);
	km_config_clear(&cfg);
	return only;
}

/* Only plain names are asked of the Key Manager by name. */
static void test_names_only(void **state)
{
	assert_true(names_only("containers = www, api (id 0a0b)"));
	assert_true(names_only("containers = web_1"));
	assert_false(names_only(""));
	assert_false(names_only("containers = www, api-*"));
	assert_false(names_only("containers = w?w"));
	assert_false(names_only("containers = [w]ww"));
	assert_false(names_only("containers = w\\ww"));
}

static void expect_error(const char *text, const char *want)
{
	struct km_config cfg;
	char err[KM_ERR_SIZE] = "";

	assert_int_equal(parse(text, &cfg, err), -1);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
	km_config_clear(&cfg);
}

static void test_errors_name_file_and_line(void **state)
{
	expect_error("[token]\nauth_url = x\nbogus = 1\n", "t.conf:3: unknown key 'bogus'");
	expect_error("[token]\nauth_url\n", "t.conf:2: expected 'key = value'");
	expect_error("username = u\n", "t.conf:1: 'username' outside a [token]");
	expect_error("[tokens]\n", "t.conf:1: unknown section [tokens]");
	expect_error("[token\n", "t.conf:1: section header without ']'");
	expect_error("[token]\nauth_url = x\nusername = u\ntimeout = -3\n",
		     "t.conf:4: timeout: expected a positive number");
	expect_error("[token]\nauth_url = x\nusername = u\nparallel_requests = 65\n",
		     "t.conf:4: parallel_requests: expected a positive number up to 64");
	expect_error("[token]\nauth_url = x\nusername = u\ninsecure = maybe\n",
		     "t.conf:4: insecure: expected yes or no");
	expect_error("\n[token]\nusername = u\n[token]\n",
		     "t.conf:2: no auth_url");
	expect_error("[global]\nlog_level = loud\n", "t.conf:2: log_level");
}

/* key_types: a set of names, added line by line; none set is every
 * type (0). */
static void test_key_types(void **state)
{
	struct km_config cfg;
	char err[KM_ERR_SIZE] = "";

	assert_int_equal(parse("[token]\nauth_url = x\nusername = u\n"
			       "key_types = rsa,ec\n[token]\nauth_url = x\n"
			       "username = u\nkey_types = ed25519\n"
			       "key_types = ed448\n[token]\nauth_url = x\n"
			       "username = u\n",
			       &cfg, err), 0);
	assert_int_equal(cfg.tokens->key_types, KM_KEY_RSA | KM_KEY_EC);
	assert_int_equal(cfg.tokens->next->key_types, KM_KEY_EDDSA);
	assert_int_equal(cfg.tokens->next->next->key_types, 0);
	km_config_clear(&cfg);
	expect_error("[token]\nauth_url = x\nusername = u\n\nkey_types = rsa, dsa\n",
		     "t.conf:5: key_types: expected rsa, ec, ed25519 or ed448, "
		     "separated by commas, got 'dsa'");
	expect_error("[token]\nauth_url = x\nkey_types = RSA\n", "t.conf:3: key_types: "
		     "expected rsa, ec, ed25519 or ed448, separated by commas, got 'RSA'");
	expect_error("[token]\nkey_types = ,\n", "t.conf:2: key_types: expected "
		     "rsa, ec, ed25519 or ed448, separated by commas, got ','");
	expect_error("[token]\nkey_types =\n", "t.conf:2: key_types: expected "
		     "rsa, ec, ed25519 or ed448, separated by commas, got ''");
	(void)state;
}

static void test_env(void **state)
{
	struct km_config cfg = {0};
	char err[KM_ERR_SIZE] = "";

	setenv("OS_AUTH_URL", "http://k:5000/v3", 1);
	setenv("OS_USERNAME", "u", 1);
	setenv("OS_PASSWORD", "p", 1);
	setenv("OS_PROJECT_NAME", "proj", 1);
	setenv("OS_INSECURE", "true", 1);
	assert_int_equal(km_config_from_env(&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.tokens->project_name, "proj");
	assert_true(cfg.tokens->insecure);
	assert_string_equal(cfg.tokens->interface, "public");
	km_config_clear(&cfg);
	setenv("OS_INSECURE", "perhaps", 1);
	assert_int_equal(km_config_from_env(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "environment: insecure"));
	km_config_clear(&cfg);
	unsetenv("OS_INSECURE");
}

static void set_env_user(void)
{
	setenv("OS_AUTH_URL", "http://k:5000/v3", 1);
	setenv("OS_USERNAME", "u", 1);
	setenv("OS_PASSWORD", "p", 1);
	setenv("OS_PROJECT_NAME", "envproj", 1);
}

static void write_system_file(char *path, const char *text, mode_t mode)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* The system-wide file as the package installs it, a commented example:
 * its [global] applies, the token comes from OS_*. A file with a token
 * still wins over the environment. */
static void test_system_file_without_token(void **state)
{
	struct km_config cfg = {.log_level = -1};
	char example[] = "/tmp/kmp11-system-XXXXXX";
	char real[] = "/tmp/kmp11-system-XXXXXX", err[KM_ERR_SIZE] = "";

	set_env_user();
	write_system_file(example, "# [token]\n# username = certs\n"
				   "[global]\nlog_level = warning\n", 0640);
	assert_int_equal(km_config_load_system(&cfg, example, err, sizeof(err)),
			 0);
	assert_int_equal(cfg.n_tokens, 1);
	assert_string_equal(cfg.tokens->project_name, "envproj");
	assert_int_equal(cfg.log_level, KM_LOG_WARNING);
	km_config_clear(&cfg);
	write_system_file(real, "[token]\nauth_url = http://a/v3\nusername = f\n"
				"password = p\nproject_name = fileproj\n", 0600);
	assert_int_equal(km_config_load_system(&cfg, real, err, sizeof(err)), 0);
	assert_int_equal(cfg.n_tokens, 1);
	assert_string_equal(cfg.tokens->project_name, "fileproj");
	km_config_clear(&cfg);
	unlink(example);
	unlink(real);
}

/* A system-wide file only root reads: another user's process runs on its
 * own OS_* instead of failing C_Initialize. As root, the check runs under
 * the effective uid of nobody. */
static void test_system_file_unreadable(void **state)
{
	struct km_config cfg = {.log_level = -1};
	char path[] = "/tmp/kmp11-system-XXXXXX", err[KM_ERR_SIZE] = "";
	bool root = geteuid() == 0;
	int rv;

	set_env_user();
	write_system_file(path, "[token]\nauth_url = http://a/v3\nusername = f\n"
				"password = p\nproject_name = fileproj\n",
			  root ? 0600 : 0);
	if (root)
		assert_int_equal(seteuid(65534), 0);
	rv = km_config_load_system(&cfg, path, err, sizeof(err));
	if (root)
		assert_int_equal(seteuid(0), 0);
	assert_int_equal(rv, 0);
	assert_int_equal(cfg.n_tokens, 1);
	assert_string_equal(cfg.tokens->project_name, "envproj");
	km_config_clear(&cfg);
	unlink(path);
}

static void test_clouds_yaml(void **state)
{
	char path[] = "/tmp/kmp11-clouds-XXXXXX", err[KM_ERR_SIZE] = "";
	int fd = mkstemp(path);
	const char *yaml = "clouds:\n  lab:\n    auth:\n      auth_url: http://k/v3\n"
			   "      username: u\n      password: p\n"
			   "    region_name: R1\n    verify: false\n";
	struct km_token_config *tc = km_token_config_new();

	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (int)strlen(yaml));
	close(fd);
	assert_int_equal(km_token_config_set(tc, "region_name", "mine", err,
					     sizeof(err)), 0);
	assert_int_equal(km_clouds_apply_file(tc, path, "lab", err, sizeof(err)), 0);
	assert_string_equal(tc->auth_url, "http://k/v3");
	assert_string_equal(tc->region_name, "mine"); /* set keys win */
	assert_true(tc->insecure);
	assert_int_equal(km_clouds_apply_file(tc, path, "nope", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no cloud 'nope'"));
	km_token_config_free(tc);
	unlink(path);
}

/* Malformed clouds.yaml: the error names the file and the line. */
static void test_clouds_yaml_errors(void **state)
{
	static const struct {
		const char *yaml, *said;
	} cases[] = {
		{"clouds:\n  lab:\n    auth: [unclosed\n", ":4: "},
		{"clouds:\n  lab:\n    auth:\n      auth_url: [a, b]\n", ":4: auth_url: expected a string"},
		{"clouds:\n\tlab: {}\n", ":2: "},
	};
	char path[] = "/tmp/kmp11-clouds-XXXXXX", err[KM_ERR_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct km_token_config *tc = km_token_config_new();
		int fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, cases[i].yaml, strlen(cases[i].yaml)),
				 (int)strlen(cases[i].yaml));
		close(fd);
		err[0] = '\0';
		assert_int_equal(km_clouds_apply_file(tc, path, "lab", err, sizeof(err)), -1);
		assert_non_null(strstr(err, path));
		if (strstr(err, cases[i].said) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].said);
		km_token_config_free(tc);
		unlink(path);
		memcpy(path + strlen(path) - 6, "XXXXXX", 6);
	}
}

/* Equal fingerprints: the same configuration, for a forked child to
 * adopt its parent's tokens without reading the files again. */
static bool same_fingerprint(const unsigned char *before, const char *reserved)
{
	unsigned char now[KM_CONFIG_FINGERPRINT_LEN];

	assert_int_equal(km_config_fingerprint(reserved, now), 0);
	return memcmp(before, now, sizeof(now)) == 0;
}

static void test_fingerprint(void **state)
{
	unsigned char fp[KM_CONFIG_FINGERPRINT_LEN];

	(void)state;
	set_env_user();
	setenv("KMP11_CONF", "/etc/kmp11/a.conf", 1);
	setenv("HOME", "/root", 1);
	unsetenv("OS_CLOUD");
	assert_int_equal(km_config_fingerprint(NULL, fp), 0);
	assert_true(same_fingerprint(fp, NULL));
	assert_false(same_fingerprint(fp, "/etc/kmp11/b.conf"));
	unsetenv("HOME"); /* nginx's workers have none */
	assert_true(same_fingerprint(fp, NULL));
	setenv("OS_PASSWORD", "changed", 1);
	assert_false(same_fingerprint(fp, NULL));
	setenv("OS_PASSWORD", "p", 1);
	setenv("KMP11_CONF", "/etc/kmp11/b.conf", 1);
	assert_false(same_fingerprint(fp, NULL));
	setenv("KMP11_CONF", "/etc/kmp11/a.conf", 1);
	setenv("OS_CLOUD", "lab", 1); /* clouds.yaml: under HOME */
	assert_int_equal(km_config_fingerprint(NULL, fp), 0);
	setenv("HOME", "/home/other", 1);
	assert_false(same_fingerprint(fp, NULL));
	unsetenv("OS_CLOUD");
	unsetenv("KMP11_CONF");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_tokens),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_key_types),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_system_file_without_token),
		cmocka_unit_test(test_system_file_unreadable),
		cmocka_unit_test(test_clouds_yaml),
		cmocka_unit_test(test_clouds_yaml_errors),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_names_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
