/*
 * Many threads signing at once, each on its own session, through the
 * module's function list; every signature is verified by the module too.
 *
 *   sign-threads MODULE LABEL THREADS SIGNATURES
 *
 * Exit 0 when every signature and verification succeeded. Built into the
 * ThreadSanitizer run (tests/sanitizers.sh) as well as the normal one.
 */
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static CK_FUNCTION_LIST *f;
static CK_SLOT_ID slot;
static const char *label;
static long per_thread;

/* The first object of a class with the label; 0 if none. */
static CK_OBJECT_HANDLE find(CK_SESSION_HANDLE s, CK_OBJECT_CLASS klass)
{
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &klass, sizeof(klass)},
			    {CKA_LABEL, (void *)label, strlen(label)}};
	CK_OBJECT_HANDLE h = 0;
	CK_ULONG n = 0;

	if (f->C_FindObjectsInit(s, t, 2) == CKR_OK) {
		f->C_FindObjects(s, &h, 1, &n);
		f->C_FindObjectsFinal(s);
	}
	return n == 1 ? h : 0;
}

static CK_MECHANISM_TYPE mechanism_for(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE k)
{
	CK_KEY_TYPE type = 0;
	CK_ATTRIBUTE a = {CKA_KEY_TYPE, &type, sizeof(type)};

	f->C_GetAttributeValue(s, k, &a, 1);
	return type == CKK_EC ? CKM_ECDSA_SHA256
	       : type == CKK_EC_EDWARDS ? CKM_EDDSA : CKM_SHA256_RSA_PKCS;
}

static void *worker(void *arg)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE priv, pub;
	unsigned char data[64], sig[1024];
	long failures = 0;
	CK_MECHANISM m = {0, NULL, 0};

	if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
		return (void *)(per_thread + 1);
	priv = find(s, CKO_PRIVATE_KEY);
	pub = find(s, CKO_PUBLIC_KEY);
	if (priv == 0 || pub == 0) {
		f->C_CloseSession(s);
		return (void *)(per_thread + 1);
	}
	m.mechanism = mechanism_for(s, priv);
	for (long i = 0; i < per_thread; i++) {
		CK_ULONG len = sizeof(sig);
		snprintf((char *)data, sizeof(data), "thread %p message %ld", arg, i);
		if (f->C_SignInit(s, &m, priv) != CKR_OK ||
		    f->C_Sign(s, data, sizeof(data), sig, &len) != CKR_OK ||
		    f->C_VerifyInit(s, &m, pub) != CKR_OK ||
		    f->C_Verify(s, data, sizeof(data), sig, len) != CKR_OK)
			failures++;
	}
	f->C_CloseSession(s);
	return (void *)failures;
}

int main(int argc, char **argv)
{
	CK_C_INITIALIZE_ARGS init = {.flags = CKF_OS_LOCKING_OK};
	CK_C_GetFunctionList get;
	CK_ULONG n_slots = 1;
	long threads, failures = 0;
	pthread_t *ids;
	void *dl;

	if (argc != 5)
		return fprintf(stderr, "usage: %s MODULE LABEL THREADS SIGNATURES\n",
			       argv[0]), 2;
	label = argv[2];
	threads = atol(argv[3]);
	per_thread = atol(argv[4]);
	if ((dl = dlopen(argv[1], RTLD_NOW)) == NULL ||
	    (get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList")) == NULL ||
	    get(&f) != CKR_OK || f->C_Initialize(&init) != CKR_OK ||
	    f->C_GetSlotList(CK_TRUE, &slot, &n_slots) != CKR_OK || n_slots < 1)
		return fprintf(stderr, "sign-threads: cannot load %s\n", argv[1]), 1;
	if ((ids = calloc((size_t)threads, sizeof(*ids))) == NULL)
		return 1;
	for (long i = 0; i < threads; i++)
		pthread_create(&ids[i], NULL, worker, (void *)(i + 1));
	for (long i = 0; i < threads; i++) {
		void *r;
		pthread_join(ids[i], &r);
		failures += (long)r;
	}
	free(ids);
	f->C_Finalize(NULL);
	if (failures != 0) {
		fprintf(stderr, "sign-threads: %ld failures\n", failures);
		return 1;
	}
	printf("ok - %ld threads x %ld signatures and verifications on %s\n",
	       threads, per_thread, label);
	return 0;
}
