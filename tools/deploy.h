/* Putting a certificate where a server takes it: a file, haproxy. */
#ifndef KMP11_TOOL_DEPLOY_H
#define KMP11_TOOL_DEPLOY_H

#include "tools/tool.h"

/* The certificate the URI names (the newest) and its chain, as PEM, into
 * path through a temporary file renamed into place. */
int tool_export_file(struct tool *t, P11KitUri *uri, const char *uri_text,
		     const char *path);
/* The certificate, chain and (extractable) key the URI names, pushed into
 * a running haproxy as crt over its runtime API socket. */
int tool_haproxy_push(struct tool *t, P11KitUri *uri, const char *uri_text,
		      const char *socket, const char *crt);

#endif
