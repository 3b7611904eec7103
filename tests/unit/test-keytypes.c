/* The key type cache: what it keeps, what it merges from other
 * processes, and what a neighbour's planted files can do (nothing). */
#include "tokens/keytypes.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/tempdir.h"

#define A "00000000-0000-0000-0000-00000000000a"
#define B "00000000-0000-0000-0000-00000000000b"

static char path[96];

static int make_dir(void **state)
{
	(void)state;
	if (tempdir_make("keytypes") != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/types", tempdir);
	return 0;
}

static void write_file(const char *p, const char *text, mode_t mode)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
}

static void read_file(const char *p, char *out, size_t size)
{
	FILE *f = fopen(p, "r");
	size_t n = f ? fread(out, 1, size - 1, f) : 0;

	out[n] = '\0';
	if (f)
		fclose(f);
}

/* The type a fresh process reads from the file. */
static const char *reread(const char *uuid)
{
	static char type[16];
	struct km_keytypes *k = km_keytypes_open(path);
	const char *a = km_keytypes_get(k, uuid);

	snprintf(type, sizeof(type), "%s", a ? a : "");
	km_keytypes_free(k);
	return type;
}

static void test_learned_and_kept(void **state)
{
	struct km_keytypes *k = km_keytypes_open(path);
	struct stat st;

	(void)state;
	km_keytypes_learn(k, A, "ec");
	km_keytypes_learn(k, B, "nonsense"); /* not a key type: ignored */
	assert_string_equal(km_keytypes_get(k, A), "ec");
	assert_null(km_keytypes_get(k, B));
	km_keytypes_free(k);
	assert_string_equal(reread(A), "ec");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

/* A payload overrules what the file said; others' lines stay. */
static void test_corrected_and_merged(void **state)
{
	struct km_keytypes *mine, *theirs;
	char text[256];

	(void)state;
	write_file(path, A " rsa\njunk line\n" B " nonsense\n", 0600);
	mine = km_keytypes_open(path);
	theirs = km_keytypes_open(path);
	assert_string_equal(km_keytypes_get(mine, A), "rsa");
	assert_null(km_keytypes_get(mine, B));
	km_keytypes_learn(theirs, B, "ed25519");
	km_keytypes_learn(mine, A, "ec");
	km_keytypes_free(mine);
	km_keytypes_free(theirs);
	read_file(path, text, sizeof(text));
	assert_non_null(strstr(text, A " ec\n"));
	assert_non_null(strstr(text, B " ed25519\n"));
	assert_null(strstr(text, "junk"));
}

/* A link planted at the path is neither read nor written through. */
static void test_planted_link(void **state)
{
	char target[128], text[128];
	struct km_keytypes *k;
	struct stat st;

	(void)state;
	snprintf(target, sizeof(target), "%s/target", tempdir);
	write_file(target, A " rsa\n", 0600);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
	k = km_keytypes_open(path);
	assert_null(km_keytypes_get(k, A));
	km_keytypes_learn(k, B, "ec");
	km_keytypes_free(k);
	read_file(target, text, sizeof(text));
	assert_string_equal(text, A " rsa\n");
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(reread(B), "ec");
}

/* A file others may write, or another user's, is not believed. */
static void test_untrusted_file(void **state)
{
	(void)state;
	unlink(path);
	write_file(path, A " rsa\n", 0666);
	assert_string_equal(reread(A), "");
	if (geteuid() != 0)
		return;
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_string_equal(reread(A), "");
}

/* In a directory others may write, nothing is read or written. */
static void test_untrusted_dir(void **state)
{
	struct km_keytypes *k;
	char text[128];

	(void)state;
	unlink(path);
	write_file(path, A " rsa\n", 0600);
	assert_int_equal(chmod(tempdir, 0777), 0);
	assert_string_equal(reread(A), "");
	k = km_keytypes_open(path);
	km_keytypes_learn(k, B, "ec");
	km_keytypes_free(k);
	read_file(path, text, sizeof(text));
	assert_string_equal(text, A " rsa\n");
	assert_int_equal(chmod(tempdir, 0700), 0);
}

/* Without a file, the store lives in memory. */
static void test_memory_only(void **state)
{
	struct km_keytypes *k = km_keytypes_open(NULL);

	(void)state;
	km_keytypes_learn(k, A, "rsa");
	assert_string_equal(km_keytypes_get(k, A), "rsa");
	km_keytypes_free(k);
}

/* What a secret's algorithm says for key_types. */
static void test_algorithm_types(void **state)
{
	(void)state;
	assert_int_equal(km_key_types_of_algorithm("rsa"), KM_KEY_RSA);
	assert_int_equal(km_key_types_of_algorithm("ec"), KM_KEY_EC);
	assert_int_equal(km_key_types_of_algorithm("ecdsa"), KM_KEY_EC);
	assert_int_equal(km_key_types_of_algorithm("ed25519"), KM_KEY_ED25519);
	assert_int_equal(km_key_types_of_algorithm("ed448"), KM_KEY_ED448);
	assert_int_equal(km_key_types_of_algorithm("eddsa"), KM_KEY_EDDSA);
	/* Only the payload can tell. */
	assert_int_equal(km_key_types_of_algorithm(NULL), KM_KEY_ANY);
	assert_int_equal(km_key_types_of_algorithm("rsa2048"), KM_KEY_ANY);
	assert_int_equal(km_key_type_bit("dsa"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learned_and_kept),
		cmocka_unit_test(test_corrected_and_merged),
		cmocka_unit_test(test_planted_link),
		cmocka_unit_test(test_untrusted_file),
		cmocka_unit_test(test_untrusted_dir),
		cmocka_unit_test(test_memory_only),
		cmocka_unit_test(test_algorithm_types),
	};

	return cmocka_run_group_tests(tests, make_dir, tempdir_remove);
}
