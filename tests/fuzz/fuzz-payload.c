/* libFuzzer: payloads through the certificate, chain and key parsers. */
#include "tokens/payload.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	X509 *cert = km_parse_certificate(data, size);
	STACK_OF(X509) *chain = km_parse_chain(data, size);
	EVP_PKEY *key = km_parse_private_key(data, size, "passphrase");
	EVP_PKEY *pub = km_parse_public_key(data, size);

	if (key != NULL && cert != NULL)
		km_key_matches_certificate(key, cert);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	EVP_PKEY_free(key);
	EVP_PKEY_free(pub);
	return 0;
}
