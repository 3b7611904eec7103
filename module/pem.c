#include "module/pem.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

/* The text of a memory BIO as a C string; the BIO is freed. */
static char *text_of(BIO *b, bool written)
{
	char *data, *pem = NULL;
	long len;

	if (b != NULL && written && (len = BIO_get_mem_data(b, &data)) > 0 &&
	    (pem = malloc((size_t)len + 1)) != NULL) {
		memcpy(pem, data, (size_t)len);
		pem[len] = '\0';
	}
	BIO_free(b); /* a secure-heap BIO is cleared when freed */
	ERR_clear_error();
	return pem;
}

char *kmp_pem_key(EVP_PKEY *key, bool private)
{
	BIO *b = BIO_new(BIO_s_secmem());

	return text_of(b, b != NULL &&
			       (private ? PEM_write_bio_PKCS8PrivateKey(
						  b, key, NULL, NULL, 0, NULL, NULL)
					: PEM_write_bio_PUBKEY(b, key)));
}

char *kmp_pem_certificates(STACK_OF(X509) *chain, X509 *last)
{
	BIO *b = BIO_new(BIO_s_mem());
	bool written = b != NULL;

	for (int i = 0; written && chain != NULL && i < sk_X509_num(chain); i++)
		written = PEM_write_bio_X509(b, sk_X509_value(chain, i));
	return text_of(b, written && PEM_write_bio_X509(b, last));
}

void kmp_pem_free(char *pem)
{
	if (pem != NULL)
		OPENSSL_cleanse(pem, strlen(pem));
	free(pem);
}
