/*
 * kmp11-tool: a command-line companion that uses kmp11 the way any
 * PKCS#11 application does, through the module's function list.
 */
#ifndef KMP11_TOOL_H
#define KMP11_TOOL_H

#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>
#include <stdbool.h>
#include <stdio.h>

struct tool {
	void *dl;
	CK_FUNCTION_LIST *f;
	const char *module_path; /* --module, or NULL */
	const char *pin_file; /* --pin-file */
	bool rw;              /* sessions are read-write: the command writes */
	/* The first failure of the Key Manager met reading an object (a
	 * payload it could not give), CKR_OK when none: a command that
	 * skipped or judged the object then says it could not check, never
	 * that it found nothing wrong. */
	CK_RV km_rv;
};

/* One token that a URI selects, with an open session (logged in when the
 * token needs it and a PIN was given). */
struct tool_token {
	CK_SLOT_ID slot;
	CK_TOKEN_INFO info;
	CK_SESSION_HANDLE session;
};

/*
 * Exit statuses, the same for every command; kmp11-tool(1) documents them
 * for scripts.
 */
enum tool_status {
	TOOL_OK = 0,
	TOOL_FAILED = 1,      /* the command failed; stderr says why */
	TOOL_USAGE = 2,       /* bad options or arguments, a malformed URI */
	TOOL_PENDING = 3,     /* order, renew: the order is still pending */
	TOOL_NO_MATCH = 4,    /* the URI matched no token or no object */
	TOOL_UNREACHABLE = 5, /* the Key Manager could not be used: down,
			       * refusing the credentials, or failing */
	TOOL_EXPIRING = 6,    /* expiring: a certificate expires within the
			       * period (or has expired) */
};

/* Prints "kmp11-tool: <message>" on stderr; returns TOOL_FAILED. */
int tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The exit status of a failed PKCS#11 call: TOOL_UNREACHABLE when the
 * Key Manager could not be used, else TOOL_FAILED. */
int tool_status_of(CK_RV rv);
/* Notes rv in t->km_rv when it says the Key Manager could not be used
 * (and none was noted yet); returns rv. */
CK_RV tool_note(struct tool *t, CK_RV rv);
/* TOOL_UNREACHABLE with a message when a read met a failure of the Key
 * Manager (t->km_rv), else status. */
int tool_read_status(struct tool *t, int status);

/* Loads and initializes the module; path NULL means $KMP11_MODULE, else
 * the installed kmp11.so. */
int tool_load(struct tool *t, const char *path);
void tool_unload(struct tool *t);

/* Parses a PKCS#11 URI ("pkcs11:" when text is NULL). */
P11KitUri *tool_uri(const char *text);

/* The URI's object attributes, those of extra replacing the URI's of the
 * same type; malloc'd, pointing into uri and extra. NULL when out of
 * memory. */
CK_ATTRIBUTE *tool_uri_template(P11KitUri *uri, const CK_ATTRIBUTE *extra,
			       CK_ULONG n_extra, CK_ULONG *n);

/*
 * Calls fn for each token the URI matches, with a session open on it;
 * stops at the first non-zero return and returns it. Returns
 * TOOL_NO_MATCH when no token matches.
 */
int tool_each_token(struct tool *t, P11KitUri *uri,
		    int (*fn)(struct tool *, struct tool_token *, void *),
		    void *arg);

/* The same for the one token the URI matches; TOOL_NO_MATCH or
 * TOOL_USAGE with a message when it matches none or several. */
int tool_single_token(struct tool *t, P11KitUri *uri,
		      int (*fn)(struct tool *, struct tool_token *, void *),
		      void *arg);

/* The objects of a session that match a template; *out is malloc'd. */
CK_RV tool_find(struct tool *t, CK_SESSION_HANDLE s,
		const CK_ATTRIBUTE *templ, CK_ULONG n,
		CK_OBJECT_HANDLE **out, CK_ULONG *count);
/* One attribute, malloc'd (NUL-terminated for convenience). */
CK_RV tool_attr(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		CK_ATTRIBUTE_TYPE type, unsigned char **value, CK_ULONG *len);
/* The text of a CKA_ID that is a Key Manager uuid (16 bytes); false for
 * another CKA_ID. */
bool tool_id_uuid(const unsigned char *id, CK_ULONG len, char out[37]);
/* The CKA_ID of a Key Manager uuid's text; false for another text. */
bool tool_uuid_id(const char *uuid, unsigned char id[16]);
/* The label of an object as a string, "" if it has none; malloc'd. */
char *tool_label(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o);

/* The X.509 certificate of a certificate object; NULL with a message. */
X509 *tool_certificate(struct tool *t, CK_SESSION_HANDLE s,
		       CK_OBJECT_HANDLE o);
/*
 * The certificates a URI names (CKA_CLASS is forced to certificate),
 * one token at a time. *certs holds owned X509 pointers; it is NULL
 * when the status is not 0 (freeing it then is harmless).
 */
int tool_find_certificates(struct tool *t, struct tool_token *tok,
			   P11KitUri *uri, STACK_OF(X509) **certs);
/* The end-entity certificates (category 1) a URI names. */
CK_RV tool_find_leaves(struct tool *t, struct tool_token *tok, P11KitUri *uri,
		       CK_OBJECT_HANDLE **found, CK_ULONG *count);
/* The private key with a certificate's CKA_ID, the last if several;
 * *count says how many there were. */
CK_RV tool_key_of_certificate(struct tool *t, CK_SESSION_HANDLE s,
			      CK_OBJECT_HANDLE cert, CK_OBJECT_HANDLE *key,
			      CK_ULONG *count);
/* A private key of an extractable token as an OpenSSL key; NULL with
 * *why set. */
EVP_PKEY *tool_private_key(struct tool *t, CK_SESSION_HANDLE s,
			   CK_OBJECT_HANDLE o, const char **why);
/* The issuers of leaf found on the token, nearest first, up to and not
 * including a self-signed root. */
STACK_OF(X509) *tool_chain(struct tool *t, struct tool_token *tok, X509 *leaf);

/* Subcommands: argc/argv start at the subcommand's own name. */
int cmd_list(struct tool *t, int argc, char **argv);
int cmd_export_cert(struct tool *t, int argc, char **argv);
int cmd_verify(struct tool *t, int argc, char **argv);
int cmd_expiring(struct tool *t, int argc, char **argv);
int cmd_haproxy_sync(struct tool *t, int argc, char **argv);
int cmd_store(struct tool *t, int argc, char **argv);
int cmd_order(struct tool *t, int argc, char **argv);
int cmd_orders(struct tool *t, int argc, char **argv);
int cmd_renew(struct tool *t, int argc, char **argv);
int cmd_delete(struct tool *t, int argc, char **argv);
int cmd_deploy(struct tool *t, int argc, char **argv);
int cmd_provider_key(struct tool *t, int argc, char **argv);
/* Loads the module itself (tool_load), to report its failure as a check. */
int cmd_doctor(struct tool *t, int argc, char **argv);

#endif
