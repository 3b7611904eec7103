/*
 * C_CloseSession while other threads use the session: one renames a
 * container back and forth (a Key Manager write, then a new listing),
 * one reads a certificate's value and searches, one signs. Every call
 * must answer a code the spec allows for a session closed under it; run
 * under ThreadSanitizer and AddressSanitizer (tests/sanitizers.sh) it
 * also shows no race and no use of the freed session.
 *
 *   close-race MODULE LABEL_A LABEL_B ROUNDS [PIN]
 *
 * The token is writable; one container of an EC certificate and key is
 * named LABEL_A or LABEL_B. With PIN, each session logs in first: the
 * token needs a login, and closing its last session logs out under the
 * other threads' calls.
 */
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static CK_FUNCTION_LIST *f;
static const char *labels[2], *pin;
static atomic_int failures;
/* Calls that succeeded: a run that did none tested nothing. */
static atomic_int renames, reads, signatures;

struct round {
	CK_SESSION_HANDLE s;
	atomic_int label; /* index in labels of the container's name now */
};

static bool closed(CK_RV rv)
{
	return rv == CKR_SESSION_CLOSED || rv == CKR_SESSION_HANDLE_INVALID;
}

/* rv must be one of the codes listed (0-terminated after CKR_OK). */
static bool expect(const char *what, CK_RV rv, const CK_RV *allowed)
{
	if (rv == CKR_OK || closed(rv))
		return true;
	for (; *allowed != CKR_OK; allowed++)
		if (rv == *allowed)
			return true;
	fprintf(stderr, "close-race: %s: 0x%lx\n", what, rv);
	atomic_fetch_add(&failures, 1);
	return false;
}

static const CK_RV none[] = {CKR_OK};
static const CK_RV busy_or_renamed[] = {CKR_OPERATION_ACTIVE,
					CKR_OBJECT_HANDLE_INVALID,
					CKR_KEY_HANDLE_INVALID, CKR_OK};

/* The object of a class named label; 0 when none (or the search
 * failed: another thread's search, or the session went). */
static CK_OBJECT_HANDLE find(CK_SESSION_HANDLE s, CK_OBJECT_CLASS klass,
			     const char *label, CK_RV *rv)
{
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &klass, sizeof(klass)},
			    {CKA_LABEL, (void *)label, strlen(label)}};
	CK_OBJECT_HANDLE h = 0;
	CK_ULONG n = 0;

	if ((*rv = f->C_FindObjectsInit(s, t, 2)) != CKR_OK)
		return 0;
	if ((*rv = f->C_FindObjects(s, &h, 1, &n)) == CKR_OK)
		*rv = f->C_FindObjectsFinal(s);
	return *rv == CKR_OK && n == 1 ? h : 0;
}

static void *renamer(void *arg)
{
	struct round *r = arg;
	CK_RV rv = CKR_OK;

	while (!closed(rv)) {
		int now = atomic_load(&r->label);
		CK_OBJECT_HANDLE cert = find(r->s, CKO_CERTIFICATE, labels[now], &rv);
		CK_ATTRIBUTE to = {CKA_LABEL, (void *)labels[!now], strlen(labels[!now])};

		if (!expect("find", rv, busy_or_renamed) || cert == 0)
			continue;
		rv = f->C_SetAttributeValue(r->s, cert, &to, 1);
		/* CKR_SESSION_CLOSED leaves unsaid whether it was renamed:
		 * the next round looks. */
		if (rv == CKR_OK) {
			atomic_store(&r->label, !now);
			atomic_fetch_add(&renames, 1);
		}
		expect("C_SetAttributeValue", rv, busy_or_renamed);
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct round *r = arg;
	unsigned char value[4096];
	CK_RV rv = CKR_OK;

	while (!closed(rv)) {
		CK_OBJECT_HANDLE cert = find(r->s, CKO_CERTIFICATE,
					     labels[atomic_load(&r->label)], &rv);
		CK_ATTRIBUTE a = {CKA_VALUE, value, sizeof(value)};

		if (!expect("find", rv, busy_or_renamed) || cert == 0)
			continue;
		rv = f->C_GetAttributeValue(r->s, cert, &a, 1);
		if (rv == CKR_OK)
			atomic_fetch_add(&reads, 1);
		expect("C_GetAttributeValue", rv, busy_or_renamed);
	}
	return NULL;
}

static void *signer(void *arg)
{
	struct round *r = arg;
	CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
	unsigned char data[32] = {0}, sig[256];
	CK_OBJECT_HANDLE key = 0;
	CK_RV rv = CKR_OK;

	while (!closed(rv)) {
		CK_ULONG len = sizeof(sig);

		if (key == 0) {
			key = find(r->s, CKO_PRIVATE_KEY,
				   labels[atomic_load(&r->label)], &rv);
			expect("find", rv, busy_or_renamed);
			continue;
		}
		rv = f->C_SignInit(r->s, &m, key);
		if (rv != CKR_OK) {
			/* Renamed away: the key is found by its new name. */
			expect("C_SignInit", rv, busy_or_renamed);
			key = 0;
			continue;
		}
		rv = f->C_Sign(r->s, data, sizeof(data), sig, &len);
		if (rv == CKR_OK)
			atomic_fetch_add(&signatures, 1);
		expect("C_Sign", rv, none);
	}
	return NULL;
}

/* A read-write session, logged in when there is a PIN. */
static CK_RV open_session(CK_SLOT_ID slot, CK_SESSION_HANDLE *s)
{
	CK_RV rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
				    NULL, NULL, s);

	if (rv == CKR_OK && pin != NULL &&
	    (rv = f->C_Login(*s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin))) != CKR_OK)
		f->C_CloseSession(*s);
	return rv;
}

/* Which of the two names the container has now; -1 when neither. */
static int current_label(CK_SLOT_ID slot)
{
	CK_SESSION_HANDLE s;
	int label = -1;
	CK_RV rv;

	if ((rv = open_session(slot, &s)) != CKR_OK) {
		fprintf(stderr, "close-race: a session: 0x%lx\n", rv);
		return -1;
	}
	for (int i = 0; label < 0 && i < 2; i++)
		if (find(s, CKO_CERTIFICATE, labels[i], &rv) != 0)
			label = i;
	f->C_CloseSession(s);
	if (label < 0)
		fprintf(stderr, "close-race: no certificate named %s or %s\n",
			labels[0], labels[1]);
	return label;
}

static int run_round(CK_SLOT_ID slot, int i, bool last)
{
	struct round r = {.label = current_label(slot)};
	void *(*workers[])(void *) = {renamer, reader, signer};
	pthread_t t[3];
	/* From before the first rename ends to after a few; the last
	 * round long enough for renames under a sanitizer and a login. */
	long ms = last ? 4000 : 50 + i * 337 % 1500;
	struct timespec wait = {ms / 1000, ms % 1000 * 1000000L};
	CK_RV rv;

	if (r.label < 0)
		return 1;
	if ((rv = open_session(slot, &r.s)) != CKR_OK) {
		fprintf(stderr, "close-race: C_OpenSession: 0x%lx\n", rv);
		return 1;
	}
	for (int w = 0; w < 3; w++)
		pthread_create(&t[w], NULL, workers[w], &r);
	nanosleep(&wait, NULL);
	if ((rv = f->C_CloseSession(r.s)) != CKR_OK) {
		fprintf(stderr, "close-race: C_CloseSession: 0x%lx\n", rv);
		atomic_fetch_add(&failures, 1);
	}
	for (int w = 0; w < 3; w++)
		pthread_join(t[w], NULL);
	return 0;
}

int main(int argc, char **argv)
{
	CK_C_INITIALIZE_ARGS init = {.flags = CKF_OS_LOCKING_OK};
	CK_C_GetFunctionList get;
	CK_SLOT_ID slot;
	CK_ULONG n = 1;
	int rounds;
	void *lib;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: close-race MODULE LABEL_A LABEL_B ROUNDS [PIN]\n");
		return 2;
	}
	pin = argc == 6 ? argv[5] : NULL;
	labels[0] = argv[2];
	labels[1] = argv[3];
	rounds = atoi(argv[4]);
	if ((lib = dlopen(argv[1], RTLD_NOW)) == NULL ||
	    (get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList")) == NULL ||
	    get(&f) != CKR_OK || f->C_Initialize(&init) != CKR_OK ||
	    f->C_GetSlotList(CK_TRUE, &slot, &n) != CKR_OK || n < 1) {
		fprintf(stderr, "close-race: cannot load %s\n", argv[1]);
		return 1;
	}
	for (int i = 0; i < rounds; i++)
		if (run_round(slot, i, i == rounds - 1) != 0)
			return 1;
	f->C_Finalize(NULL);
	printf("%d rounds: %d renames, %d reads, %d signatures; %d unexpected codes\n",
	       rounds, atomic_load(&renames), atomic_load(&reads),
	       atomic_load(&signatures), atomic_load(&failures));
	return atomic_load(&failures) == 0 && atomic_load(&renames) > 0 &&
	       atomic_load(&reads) > 0 && atomic_load(&signatures) > 0 ? 0 : 1;
}
