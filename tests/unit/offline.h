/* The module through its function list, configured by a file given in
 * pReserved (p11-kit's "kmp11_conf=<path>"), for tokens whose Keystone
 * does not answer (auth_url http://127.0.0.1:1): nothing is fetched. */
#ifndef KMP11_TEST_OFFLINE_H
#define KMP11_TEST_OFFLINE_H

#include <p11-kit/pkcs11.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

static CK_FUNCTION_LIST *f;
static char offline_conf[] = "/tmp/kmp11-offline-XXXXXX";
static char offline_reserved[128];

/* For a group's setup: the config file of the text, and f. */
static inline int offline_setup(const char *text)
{
	int fd = mkstemp(offline_conf);
	ssize_t len = (ssize_t)strlen(text);
	bool written = fd >= 0 && write(fd, text, (size_t)len) == len;

	if (fd >= 0)
		close(fd);
	if (!written)
		return -1;
	snprintf(offline_reserved, sizeof(offline_reserved), "kmp11_conf=%s",
		 offline_conf);
	return C_GetFunctionList(&f) == CKR_OK ? 0 : -1;
}

static inline void offline_teardown(void)
{
	unlink(offline_conf);
}

static inline CK_RV offline_init(void)
{
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK,
				     .pReserved = offline_reserved};
	return f->C_Initialize(&args);
}

#endif
