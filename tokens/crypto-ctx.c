#include "tokens/crypto-ctx.h"

#include "tokens/log.h"

#include <openssl/provider.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const digest_names[] = {"SHA1", "SHA224", "SHA256",
					   "SHA384", "SHA512"};
static const char *const cipher_names[] = {
	"AES-128-ECB", "AES-192-ECB", "AES-256-ECB",
	"AES-128-CBC", "AES-192-CBC", "AES-256-CBC",
	"AES-128-CTR", "AES-192-CTR", "AES-256-CTR",
	"AES-128-GCM", "AES-192-GCM", "AES-256-GCM",
};

/* Written once under pthread_once, read-only afterwards. */
static struct {
	OSSL_LIB_CTX *libctx;
	OSSL_PROVIDER *provider;
	EVP_MD *digests[N(digest_names)];
	EVP_CIPHER *ciphers[N(cipher_names)];
} crypto;

static void release(OSSL_LIB_CTX *libctx)
{
	for (size_t i = 0; i < N(digest_names); i++) {
		EVP_MD_free(crypto.digests[i]);
		crypto.digests[i] = NULL;
	}
	for (size_t i = 0; i < N(cipher_names); i++) {
		EVP_CIPHER_free(crypto.ciphers[i]);
		crypto.ciphers[i] = NULL;
	}
	OSSL_PROVIDER_unload(crypto.provider);
	crypto.provider = NULL;
	OSSL_LIB_CTX_free(libctx);
}

/* All fetched at once: a few hundred microseconds, once per process, and
 * no lock needed to read them afterwards. */
static void create(void)
{
	OSSL_LIB_CTX *libctx = OSSL_LIB_CTX_new();
	bool ok = libctx != NULL &&
		  (crypto.provider = OSSL_PROVIDER_load(libctx, "default")) != NULL;

	for (size_t i = 0; ok && i < N(digest_names); i++)
		ok = (crypto.digests[i] = EVP_MD_fetch(libctx, digest_names[i],
						       NULL)) != NULL;
	for (size_t i = 0; ok && i < N(cipher_names); i++)
		ok = (crypto.ciphers[i] = EVP_CIPHER_fetch(libctx, cipher_names[i],
							   NULL)) != NULL;
	if (ok) {
		crypto.libctx = libctx;
		return;
	}
	km_error("OpenSSL: kmp11's library context could not be set up");
	release(libctx);
}

OSSL_LIB_CTX *km_libctx(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, create);
	return crypto.libctx;
}

void km_libctx_free(void)
{
	OSSL_LIB_CTX *libctx = km_libctx();

	crypto.libctx = NULL;
	release(libctx);
}

static int find(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; name != NULL && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

const EVP_MD *km_digest(const char *name)
{
	int i = find(digest_names, N(digest_names), name);

	return i < 0 || km_libctx() == NULL ? NULL : crypto.digests[i];
}

const EVP_CIPHER *km_cipher(const char *name)
{
	int i = find(cipher_names, N(cipher_names), name);

	return i < 0 || km_libctx() == NULL ? NULL : crypto.ciphers[i];
}

/* The context's generator itself, not RAND_bytes_ex: that one hands the
 * request to a RAND_METHOD an engine of the host may have set. */
bool km_random_bytes(unsigned char *out, size_t len)
{
	EVP_RAND_CTX *rand = km_libctx() ? RAND_get0_public(km_libctx()) : NULL;

	return len == 0 ||
	       (rand != NULL && EVP_RAND_generate(rand, out, len, 0, 0, NULL, 0) == 1);
}

/* Mixed in as additional input: it never replaces OpenSSL's entropy. */
void km_random_seed(const unsigned char *seed, size_t len)
{
	EVP_RAND_CTX *rand = km_libctx() ? RAND_get0_primary(km_libctx()) : NULL;

	if (rand != NULL && len > 0)
		EVP_RAND_reseed(rand, 0, NULL, 0, seed, len);
}

X509 *km_certificate_der(const unsigned char **p, long len)
{
	X509 *x = km_libctx() ? X509_new_ex(km_libctx(), NULL) : NULL;

	/* d2i frees x when it fails. */
	return x != NULL ? d2i_X509(&x, p, len) : NULL;
}
