/* A private directory for a test group: made by the group's setup,
 * removed with what the tests left in it by its teardown. */
#ifndef KMP11_TEST_TEMPDIR_H
#define KMP11_TEST_TEMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static char tempdir[64];

static inline int tempdir_make(const char *name)
{
	snprintf(tempdir, sizeof(tempdir), "/tmp/kmp11-%s.XXXXXX", name);
	return mkdtemp(tempdir) != NULL ? 0 : -1;
}

static inline int tempdir_remove(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tempdir);
	return system(cmd);
}

#endif
