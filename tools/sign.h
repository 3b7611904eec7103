/* Signatures made by a token key, in the form OpenSSL checks them. */
#ifndef KMP11_TOOL_SIGN_H
#define KMP11_TOOL_SIGN_H

#include "tools/tool.h"

/* SHA-256 with RSA PKCS#1 v1.5 or ECDSA (DER), or pure Ed25519, as pub's
 * type asks; *nid is the signature algorithm. NULL when signed, else why
 * not. */
const char *tool_sign(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
		      EVP_PKEY *pub, const unsigned char *data, size_t len,
		      unsigned char *sig, CK_ULONG *sig_len, int *nid);

/* Whether key is cert's private key: the token signs a random challenge
 * with it, verified with the certificate's public key. NULL when it is,
 * else why not. */
const char *tool_prove_key(struct tool *t, CK_SESSION_HANDLE s,
			   CK_OBJECT_HANDLE key, X509 *cert);

/* A CSR for subject and the public key pub, signed by key on the token
 * (the key never leaves it) and checked against pub; NULL with *why set. */
X509_REQ *tool_csr(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
		   const X509_NAME *subject, EVP_PKEY *pub, const char **why);

#endif
