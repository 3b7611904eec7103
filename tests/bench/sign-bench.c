/*
 * Signatures per second through a PKCS#11 module's C_Sign, against raw
 * OpenSSL EVP on the same key in the same process; 1 and 2 threads.
 *
 *   sign-bench SECONDS KEY.pem LABEL MODULE [PIN] [MODULE PIN]...
 *
 * For each mechanism the key allows (RSA: PKCS#1 v1.5 and PSS over
 * SHA-256, PSS over a digest; EC: ECDSA SHA-256 and over a digest, as TLS
 * libraries sign; Ed25519: EdDSA), prints one line per
 * contender: "openssl", then each module by file name: signatures per
 * second of wall time and per second of CPU time, medians of 5 rounds
 * that alternate the contenders. Each thread has its own session
 * and signs a 64-byte message (a 32-byte digest) over and over.
 */
#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <p11-kit/pkcs11.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mech {
	const char *name;
	CK_MECHANISM_TYPE type;
	int pss; /* RSA-PSS SHA-256, salt = 32 */
	const EVP_MD *(*md)(void);
	/* Signs a SHA-256 digest, as TLS libraries do through PKCS#11;
	 * OpenSSL's baseline then sets up an EVP_PKEY_CTX per signature. */
	int digest_input;
};

struct run {
	double seconds;
	const struct mech *mech;
	EVP_PKEY *key;           /* openssl */
	CK_FUNCTION_LIST *f;     /* a module */
	CK_SLOT_ID slot;
	const char *label;
	atomic_long count;
	atomic_long cpu_ns; /* CPU time the workers' signing loops used */
	atomic_int failed;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* This thread's CPU time: what a signature costs, whatever else the
 * shared machine runs meanwhile (wall time counts that too). */
static long thread_cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* RSA-PSS with a 32-byte salt, when the mechanism is PSS. */
static int pss_padding(const struct run *r, EVP_PKEY_CTX *pctx)
{
	return !r->mech->pss ||
	       (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1);
}

static int sign_openssl(struct run *r, const unsigned char *msg)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char sig[1024];
	size_t len = sizeof(sig);
	int ok = ctx != NULL &&
		 EVP_DigestSignInit(ctx, &pctx, r->mech->md ? r->mech->md() : NULL,
				    NULL, r->key) == 1 &&
		 pss_padding(r, pctx) &&
		 EVP_DigestSign(ctx, sig, &len, msg, 64) == 1;

	EVP_MD_CTX_free(ctx);
	return ok;
}

static int sign_openssl_digest(struct run *r, const unsigned char *digest)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, r->key, NULL);
	unsigned char sig[1024];
	size_t len = sizeof(sig);
	int ok = ctx != NULL && EVP_PKEY_sign_init(ctx) == 1 &&
		 (!r->mech->pss ||
		  EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1) &&
		 pss_padding(r, ctx) &&
		 EVP_PKEY_sign(ctx, sig, &len, digest, 32) == 1;

	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static CK_OBJECT_HANDLE find_key(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s,
				 const char *label)
{
	CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &klass, sizeof(klass)},
			    {CKA_LABEL, (void *)label, strlen(label)}};
	CK_OBJECT_HANDLE h[16];
	CK_ULONG n = 0;

	if (f->C_FindObjectsInit(s, t, 2) != CKR_OK)
		return 0;
	f->C_FindObjects(s, h, 16, &n);
	f->C_FindObjectsFinal(s);
	return n > 0 ? h[n - 1] : 0; /* the newest of a name */
}

static void *worker(void *arg)
{
	struct run *r = arg;
	CK_RSA_PKCS_PSS_PARAMS pss = {CKM_SHA256, CKG_MGF1_SHA256, 32};
	CK_MECHANISM m = {r->mech->type, r->mech->pss ? &pss : NULL,
			  r->mech->pss ? sizeof(pss) : 0};
	CK_SESSION_HANDLE s = 0;
	CK_OBJECT_HANDLE key = 0;
	unsigned char msg[64] = "kmp11 benchmark", sig[1024];
	CK_ULONG msg_len = r->mech->digest_input ? 32 : 64;
	long n = 0, cpu;
	double end;

	if (r->f != NULL &&
	    (r->f->C_OpenSession(r->slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK ||
	     (key = find_key(r->f, s, r->label)) == 0)) {
		atomic_store(&r->failed, 1);
		return NULL;
	}
	cpu = thread_cpu_ns();
	for (end = now() + r->seconds; now() < end; n++) {
		CK_ULONG len = sizeof(sig);
		msg[0] = (unsigned char)n;
		if (r->f == NULL ? !(r->mech->digest_input ? sign_openssl_digest(r, msg)
							   : sign_openssl(r, msg))
				 : r->f->C_SignInit(s, &m, key) != CKR_OK ||
					   r->f->C_Sign(s, msg, msg_len, sig, &len) != CKR_OK) {
			atomic_store(&r->failed, 1);
			break;
		}
	}
	atomic_fetch_add(&r->cpu_ns, thread_cpu_ns() - cpu);
	if (r->f != NULL)
		r->f->C_CloseSession(s);
	atomic_fetch_add(&r->count, n);
	return NULL;
}

/* Signatures per second of wall time; *per_cpu: per second of CPU time. */
static double measure(struct run *r, int threads, double *per_cpu)
{
	pthread_t ids[8];

	atomic_store(&r->count, 0);
	atomic_store(&r->cpu_ns, 0);
	atomic_store(&r->failed, 0);
	for (int i = 0; i < threads; i++)
		pthread_create(&ids[i], NULL, worker, r);
	for (int i = 0; i < threads; i++)
		pthread_join(ids[i], NULL);
	*per_cpu = atomic_load(&r->failed) || atomic_load(&r->cpu_ns) <= 0
			   ? -1.0
			   : (double)atomic_load(&r->count) * 1e9 / (double)atomic_load(&r->cpu_ns);
	return atomic_load(&r->failed) ? -1.0
				       : (double)atomic_load(&r->count) / r->seconds;
}

static CK_FUNCTION_LIST *load(const char *path, const char *pin,
			      const char *label, CK_SLOT_ID *slot)
{
	CK_C_INITIALIZE_ARGS init = {.flags = CKF_OS_LOCKING_OK};
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST *f;
	void *dl = dlopen(path, RTLD_NOW);

	CK_RV rv;

	if (dl == NULL || (get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList")) == NULL ||
	    get(&f) != CKR_OK)
		return NULL;
	rv = f->C_Initialize(&init);
	if ((rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) ||
	    f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return NULL;
	/* The first slot whose token holds the key. */
	for (CK_ULONG i = 0; i < n; i++) {
		CK_SESSION_HANDLE s;
		if (f->C_OpenSession(slots[i], CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
			continue;
		if (pin != NULL && *pin)
			f->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin));
		if (find_key(f, s, label) != 0) {
			*slot = slots[i];
			return f; /* stays logged in: login is per application */
		}
		f->C_CloseSession(s);
	}
	return NULL;
}

#define ROUNDS 5
#define MAX_CONTENDERS 8

struct contender {
	const char *name;
	CK_FUNCTION_LIST *f; /* NULL: raw OpenSSL */
	CK_SLOT_ID slot;
	double rates[ROUNDS], cpu_rates[ROUNDS];
};

static int by_rate(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static const struct mech rsa[] = {
		{"RSA PKCS#1 v1.5 SHA-256", CKM_SHA256_RSA_PKCS, 0, EVP_sha256, 0},
		{"RSA PSS SHA-256", CKM_SHA256_RSA_PKCS_PSS, 1, EVP_sha256, 0},
		{"RSA PSS over a SHA-256 digest (TLS 1.3)", CKM_RSA_PKCS_PSS, 1,
		 EVP_sha256, 1},
		{NULL, 0, 0, NULL, 0}};
	static const struct mech ecdsa[] = {
		{"ECDSA P-256 SHA-256", CKM_ECDSA_SHA256, 0, EVP_sha256, 0},
		{"ECDSA P-256 over a SHA-256 digest (TLS)", CKM_ECDSA, 0, NULL, 1},
		{NULL, 0, 0, NULL, 0}};
	static const struct mech eddsa[] = {{"Ed25519", CKM_EDDSA, 0, NULL, 0},
					    {NULL, 0, 0, NULL, 0}};
	struct contender c[MAX_CONTENDERS] = {{.name = "openssl"}};
	struct run r = {0};
	const struct mech *mechs;
	FILE *pem;
	int id, n = 1;

	if (argc < 5)
		return fprintf(stderr, "usage: %s SECONDS KEY.pem LABEL MODULE [PIN]...\n",
			       argv[0]), 2;
	r.seconds = atof(argv[1]) / ROUNDS;
	r.label = argv[3];
	if ((pem = fopen(argv[2], "r")) == NULL ||
	    (r.key = PEM_read_PrivateKey(pem, NULL, NULL, NULL)) == NULL)
		return fprintf(stderr, "cannot read %s\n", argv[2]), 1;
	fclose(pem);
	for (int i = 4; i < argc && n < MAX_CONTENDERS; i += 2, n++) {
		const char *pin = i + 1 < argc ? argv[i + 1] : NULL;
		const char *name = strrchr(argv[i], '/');
		c[n].name = name ? name + 1 : argv[i];
		if ((c[n].f = load(argv[i], pin, r.label, &c[n].slot)) == NULL)
			return fprintf(stderr, "%s: no key %s\n", argv[i], r.label), 1;
	}
	id = EVP_PKEY_get_base_id(r.key);
	mechs = id == EVP_PKEY_RSA ? rsa : id == EVP_PKEY_EC ? ecdsa : eddsa;
	/* Rounds alternate the contenders, so that a drift of the machine
	 * (frequency, other load) touches them alike; the median is kept. */
	for (const struct mech *m = mechs; m->name != NULL; m++) {
		r.mech = m;
		for (int threads = 1; threads <= 2; threads++) {
			for (int round = 0; round < ROUNDS; round++)
				for (int i = 0; i < n; i++) {
					r.f = c[i].f;
					r.slot = c[i].slot;
					c[i].rates[round] = measure(&r, threads,
								    &c[i].cpu_rates[round]);
				}
			for (int i = 0; i < n; i++) {
				qsort(c[i].rates, ROUNDS, sizeof(double), by_rate);
				qsort(c[i].cpu_rates, ROUNDS, sizeof(double), by_rate);
				printf("%s\t%d\t%s\t%.0f\t%.0f\n", m->name, threads,
				       c[i].name, c[i].rates[ROUNDS / 2],
				       c[i].cpu_rates[ROUNDS / 2]);
			}
			fflush(stdout);
		}
	}
	EVP_PKEY_free(r.key);
	return 0;
}
