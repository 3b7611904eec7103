/*
 * Writing to the Key Manager: RSA key pairs ordered from it, renames,
 * deletions. Each leaves nothing half-made: a failed
 * step deletes what the earlier ones created.
 */
#ifndef KMP11_WRITES_H
#define KMP11_WRITES_H

#include "tokens/token.h"

/* An asymmetric order (RSA), waited for up to wait seconds: the rsa
 * container it makes. CKR_FUNCTION_REJECTED when the order failed. */
CK_RV km_order_keypair(struct km_token *t, const char *name, int bits,
		       long wait, km_uuid container);
/* A container and its secrets; CKR_ACTION_PROHIBITED (logged with the
 * consumers' names) when services are registered as its consumers. */
CK_RV km_delete_container(struct km_token *t, const char *uuid);
CK_RV km_delete_secret(struct km_token *t, const char *uuid);
/* A container of the same secrets under a new name (a new uuid); the old
 * one is deleted. CKR_ACTION_PROHIBITED when it has consumers. */
CK_RV km_rename_container(struct km_token *t, const char *uuid,
			  const char *name, km_uuid renamed);

#endif
