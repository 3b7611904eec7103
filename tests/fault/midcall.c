/*
 * A C_Logout or a fork() while another thread waits for the Key Manager
 * inside a call (the fault server's "slow" mode answers listings and
 * payloads after a second).
 *
 *   midcall MODULE logout   (KMP11_CONF: one login token on the server)
 *   - a search that was listing when the login ended must not bring the
 *     token's private objects back, and the token is public afterwards;
 *   - a payload that was being fetched is not kept: after the next login
 *     it is fetched again (faults.py counts the server's payload
 *     requests: 2);
 *
 *   midcall MODULE fork     (KMP11_CONF: a token, refresh_interval = 1)
 *   - a child forked while a search of the parent lists (a refresh of a
 *     stale listing) searches on the same session, and lists again
 *     itself (faults.py counts the listings: 3).
 *
 * Exit 0 when the checks here held.
 */
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static CK_FUNCTION_LIST *f;
static CK_SESSION_HANDLE searcher;

struct search {
	CK_RV init, find;
	CK_ULONG found;
};

static CK_OBJECT_HANDLE certificate;

/* Reads the certificate's value: its payload is fetched if not kept. */
static void *read_value(void *arg)
{
	unsigned char value[4096];
	CK_ATTRIBUTE a = {CKA_VALUE, value, sizeof(value)};

	*(CK_RV *)arg = f->C_GetAttributeValue(searcher, certificate, &a, 1);
	return NULL;
}

static void *search(void *arg)
{
	struct search *r = arg;
	CK_OBJECT_HANDLE h[8];

	r->init = f->C_FindObjectsInit(searcher, NULL, 0);
	r->find = r->init == CKR_OK ? f->C_FindObjects(searcher, h, 8, &r->found)
				    : r->init;
	certificate = r->found > 0 ? h[0] : CK_INVALID_HANDLE;
	f->C_FindObjectsFinal(searcher);
	return NULL;
}

static int failed(const char *what, unsigned long got)
{
	fprintf(stderr, "midcall: %s (%#lx)\n", what, got);
	return 1;
}

static int logout_midcall(CK_SESSION_HANDLE other)
{
	struct search r = {0};
	pthread_t thread;
	CK_SESSION_INFO info;
	CK_RV rv;

	if ((rv = f->C_Login(other, CKU_USER, (CK_UTF8CHAR *)"pin", 3)) != CKR_OK)
		return failed("C_Login", rv);
	pthread_create(&thread, NULL, search, &r);
	usleep(300 * 1000); /* the search is waiting for the listing */
	if ((rv = f->C_Logout(other)) != CKR_OK)
		return failed("C_Logout", rv);
	pthread_join(thread, NULL);
	if (r.find != CKR_OK)
		return failed("the search after C_Logout failed", r.find);
	if (r.found != 0)
		return failed("the search found private objects after C_Logout",
			      r.found);
	if ((rv = f->C_GetSessionInfo(searcher, &info)) != CKR_OK ||
	    info.state != CKS_RO_PUBLIC_SESSION)
		return failed("the session is not public after C_Logout",
			      rv ? rv : info.state);
	/* Logged in again, the objects are there. */
	if ((rv = f->C_Login(other, CKU_USER, (CK_UTF8CHAR *)"pin", 3)) != CKR_OK)
		return failed("C_Login again", rv);
	search(&r);
	if (r.find != CKR_OK || r.found == 0)
		return failed("logged in again, the search found nothing", r.find);

	/* A C_Logout while the certificate's payload is fetched; then the
	 * next login reads it again. */
	pthread_create(&thread, NULL, read_value, &rv);
	usleep(300 * 1000);
	f->C_Logout(other);
	pthread_join(thread, NULL);
	if ((rv = f->C_Login(other, CKU_USER, (CK_UTF8CHAR *)"pin", 3)) != CKR_OK)
		return failed("C_Login a third time", rv);
	search(&r);
	read_value(&rv);
	printf("ok - a C_Logout while a search lists: nothing private found, "
	       "the session public\n");
	return 0;
}

static int fork_midcall(void)
{
	struct search r = {0}, child = {0};
	pthread_t thread;
	int status;
	pid_t pid;

	search(&r);
	if (r.find != CKR_OK || r.found == 0)
		return failed("the first search", r.find);
	sleep(2); /* past refresh_interval: the next search lists */
	pthread_create(&thread, NULL, search, &r);
	usleep(300 * 1000);
	if ((pid = fork()) == 0) {
		search(&child);
		if (child.find != CKR_OK || child.found == 0)
			_exit(failed("the forked child's search", child.find));
		_exit(0);
	}
	pthread_join(thread, NULL);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return 1;
	printf("ok - a child forked while a search lists searches on the same "
	       "session\n");
	return 0;
}

int main(int argc, char **argv)
{
	CK_C_INITIALIZE_ARGS init = {.flags = CKF_OS_LOCKING_OK};
	CK_C_GetFunctionList get;
	CK_SESSION_HANDLE other;
	CK_SLOT_ID slot;
	CK_ULONG n = 1;
	void *dl;
	int rv;

	if (argc != 3 || (strcmp(argv[2], "logout") != 0 &&
			  strcmp(argv[2], "fork") != 0))
		return fprintf(stderr, "usage: %s MODULE logout|fork\n", argv[0]), 2;
	if ((dl = dlopen(argv[1], RTLD_NOW)) == NULL ||
	    (get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList")) == NULL ||
	    get(&f) != CKR_OK || f->C_Initialize(&init) != CKR_OK ||
	    f->C_GetSlotList(CK_TRUE, &slot, &n) != CKR_OK || n < 1 ||
	    f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &searcher) != CKR_OK ||
	    f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &other) != CKR_OK)
		return fprintf(stderr, "midcall: cannot load %s\n", argv[1]), 1;
	rv = strcmp(argv[2], "fork") == 0 ? fork_midcall() : logout_midcall(other);
	f->C_Finalize(NULL);
	return rv;
}
