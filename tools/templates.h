/*
 * The PKCS#11 templates kmp11-tool writes with C_CreateObject: a private
 * key from its OpenSSL form (its components, as pkcs11-tool writes them),
 * a certificate. Key bytes are wiped when the template is freed.
 */
#ifndef KMP11_TOOL_TEMPLATES_H
#define KMP11_TOOL_TEMPLATES_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>
#include <stdbool.h>

#define TOOL_TEMPLATE_MAX 20

struct tool_template {
	CK_ATTRIBUTE attrs[TOOL_TEMPLATE_MAX];
	CK_ULONG n;
	bool failed;
	/* Values the attributes point to. */
	CK_OBJECT_CLASS klass;
	CK_KEY_TYPE key_type;
	CK_CERTIFICATE_TYPE cert_type;
	CK_ULONG category;
	CK_BBOOL yes;
	unsigned char *owned[TOOL_TEMPLATE_MAX];
	size_t owned_len[TOOL_TEMPLATE_MAX], n_owned;
};

/* false when the key type is not RSA, EC or Ed25519, or out of memory. */
bool tool_template_key(struct tool_template *t, EVP_PKEY *key,
		       const char *label);
bool tool_template_cert(struct tool_template *t, X509 *cert, const char *label,
			bool authority);
void tool_template_free(struct tool_template *t);

#endif
