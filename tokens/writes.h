/*
 * Writing to the Key Manager: renames, copies and deletions of containers
 * and secrets. Each leaves nothing half-made: a failed
 * step deletes what the earlier ones created.
 */
#ifndef KMP11_WRITES_H
#define KMP11_WRITES_H

#include "tokens/token.h"

/* A container and the secrets no other container holds (tokens/holders.h);
 * CKR_ACTION_PROHIBITED (logged with the consumers' names) when services
 * are registered as its consumers. CKR_OK once the container is gone,
 * even when some of its secrets could not be deleted (logged). */
CK_RV km_delete_container(struct km_token *t, const char *uuid);
CK_RV km_delete_secret(struct km_token *t, const char *uuid);
/* A container of the same secrets under a new name (a new uuid); the old
 * one is deleted. CKR_ACTION_PROHIBITED when it has consumers. */
CK_RV km_rename_container(struct km_token *t, const char *uuid,
			  const char *name, km_uuid renamed);

/* The secrets of a private key: its own and its passphrase's ("" if
 * none). */
struct km_key_secrets {
	km_uuid private_key, passphrase;
};

/* A container of the same secrets under another name; both stay. key,
 * if not NULL, joins the copy (the key a certificate was issued for). */
CK_RV km_copy_container(struct km_token *t, const char *uuid, const char *name,
			const struct km_key_secrets *key, km_uuid copy);

#endif
