/* The change stamp: what marks write, what readers see, and what a
 * hostile neighbour's files in the directory can do (nothing but cost a
 * listing). */
#include "tokens/changes.h"

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

#define SERIAL "0123456789abcdef"


static int make_dir(void **state)
{
	(void)state;
	if (tempdir_make("changes") != 0)
		return -1;
	setenv("KMP11_STATE_DIR", tempdir, 1);
	return 0;
}

static void stamp_path(char *out, size_t size)
{
	snprintf(out, size, "%s/" SERIAL ".changed", tempdir);
}

static void test_marks_differ(void **state)
{
	char before[KM_CHANGES_STAMP_MAX], first[KM_CHANGES_STAMP_MAX],
		second[KM_CHANGES_STAMP_MAX];

	(void)state;
	km_changes_read(SERIAL, before);
	assert_string_equal(before, "");
	km_changes_mark(SERIAL);
	km_changes_read(SERIAL, first);
	assert_string_not_equal(first, "");
	/* Two marks in one instant are still two changes. */
	km_changes_mark(SERIAL);
	km_changes_read(SERIAL, second);
	assert_string_not_equal(second, first);
}

static void test_planted_files(void **state)
{
	char path[128], text[KM_CHANGES_STAMP_MAX];

	(void)state;
	stamp_path(path, sizeof(path));
	unlink(path);
	/* A FIFO would block an open: not a stamp, never waited on. */
	assert_int_equal(mkfifo(path, 0666), 0);
	km_changes_read(SERIAL, text);
	assert_string_equal(text, "");
	km_changes_mark(SERIAL);
	unlink(path);
	/* A link is not followed, to write or to read. */
	assert_int_equal(symlink("/etc/hostname", path), 0);
	km_changes_mark(SERIAL);
	km_changes_read(SERIAL, text);
	assert_string_equal(text, "");
	unlink(path);
}

static void test_open_directory(void **state)
{
	char text[KM_CHANGES_STAMP_MAX];

	(void)state;
	km_changes_mark(SERIAL);
	/* A directory anyone may write in is not trusted. */
	assert_int_equal(chmod(tempdir, 0777), 0);
	km_changes_read(SERIAL, text);
	assert_string_equal(text, "");
	assert_int_equal(chmod(tempdir, 0755), 0);
	km_changes_read(SERIAL, text);
	assert_string_not_equal(text, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marks_differ),
		cmocka_unit_test(test_planted_files),
		cmocka_unit_test(test_open_directory),
	};
	return cmocka_run_group_tests(tests, make_dir, tempdir_remove);
}
