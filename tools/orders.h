/*
 * Certificate orders through kmp11's vendor mechanism (kmp11.h), shared
 * by the order and renew commands.
 */
#ifndef KMP11_TOOL_ORDERS_H
#define KMP11_TOOL_ORDERS_H

#include "tools/tool.h"
/* After tool.h: it needs the PKCS#11 types. */
#include "module/kmp11.h"

struct tool_order {
	CK_KMP11_CERTIFICATE_ORDER_PARAMS params;
	const char *label;
	P11KitUri *uri; /* stored-key: the key; renew: the certificate */
	unsigned char *csr;
};

/* Submits the order and prints it ("STATUS request-type 'label' result
 * message-or-error"); *made is the order object. Returns the exit status
 * its state gives: TOOL_OK issued, TOOL_PENDING, TOOL_FAILED. */
int tool_order_submit(struct tool *t, CK_SESSION_HANDLE s, struct tool_order *o,
		      CK_OBJECT_HANDLE *made);
/* The one object of a class the URI names on the token, the newest of
 * several; CKR_OBJECT_HANDLE_INVALID when there is none. */
CK_RV tool_find_one(struct tool *t, CK_SESSION_HANDLE s, P11KitUri *uri,
		    CK_OBJECT_CLASS klass, CK_OBJECT_HANDLE *out);
/* --wait SECONDS: 0 to 3600. */
bool tool_parse_wait(const char *text, CK_ULONG *out);

/* A key pair on the token of the type and size (or curve) of like, named
 * "<label>.new-key" (else label, when the token shows no such name),
 * made as C_GenerateKeyPair makes token keys (RSA by a Key Manager order,
 * EC and Ed25519 by kmp11); NULL with *why set, else its public key. */
EVP_PKEY *tool_new_key_like(struct tool *t, CK_SESSION_HANDLE s, EVP_PKEY *like,
			    const char *label, CK_OBJECT_HANDLE *priv,
			    const char **why);

#endif
