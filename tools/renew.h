/* Renewals, by renew and by expiring --renew. */
#ifndef KMP11_TOOL_RENEW_H
#define KMP11_TOOL_RENEW_H

#include "tools/tool.h"

struct tool_renewal {
	P11KitUri *uri;
	CK_OBJECT_HANDLE cert; /* the certificate to renew */
	CK_ULONG wait;         /* seconds the order is waited for */
	bool new_key;          /* a new key like the old, not the same */
	const char *deploy_hook; /* sh command run after a renewal, or NULL */
};

/* Renews how->cert on the token's session (read-write); prints the
 * order and returns its exit status, or the hook's failure. */
int tool_renew(struct tool *t, struct tool_token *tok,
	       const struct tool_renewal *how);

#endif
