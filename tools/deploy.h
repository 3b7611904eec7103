/* Putting a certificate where a server takes it: a file, haproxy. */
#ifndef KMP11_TOOL_DEPLOY_H
#define KMP11_TOOL_DEPLOY_H

#include "tools/tool.h"

#include <openssl/bio.h>

/* Writes path through a temporary file (mode 0644) that fill(t, out, arg)
 * fills, renamed into place when fill returns 0, so that a server that
 * reloads meanwhile never reads half a file. Returns fill's status. */
int tool_write_file(struct tool *t, const char *path,
		    int (*fill)(struct tool *, BIO *, void *), void *arg);
/* The same into path, or on standard output when path is NULL. */
int tool_write_output(struct tool *t, const char *path,
		      int (*fill)(struct tool *, BIO *, void *), void *arg);
/* The certificate the URI names (the newest) and its chain, as PEM, into
 * path; with key_uri, then the provider's key block of its key (below). */
int tool_export_file(struct tool *t, P11KitUri *uri, const char *uri_text,
		     const char *path, bool key_uri);
/* The PKCS#11 PROVIDER URI PEM block (pkcs11-provider's key file) naming,
 * by its container's id, the newest private key the URI matches; into out
 * or, atomically, into path. TOOL_NO_MATCH when there is none. */
int tool_provider_key(struct tool *t, P11KitUri *uri, const char *uri_text,
		      BIO *out);
int tool_provider_key_file(struct tool *t, P11KitUri *uri,
			   const char *uri_text, const char *path);
/* The certificate, chain and (extractable) key the URI names, pushed into
 * a running haproxy as crt over its runtime API socket. */
int tool_haproxy_push(struct tool *t, P11KitUri *uri, const char *uri_text,
		      const char *socket, const char *crt);

#endif
