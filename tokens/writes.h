/*
 * Writing to the Key Manager: renames, copies and deletions of containers
 * and secrets. Each leaves nothing half-made: a failed
 * step deletes what the earlier ones created.
 */
#ifndef KMP11_WRITES_H
#define KMP11_WRITES_H

#include "tokens/token.h"

/* A container and the secrets no other container holds (tokens/holders.h);
 * KM_IN_USE (logged with the consumers' names) when services
 * are registered as its consumers. KM_OK once the container is gone,
 * even when some of its secrets could not be deleted (logged). */
km_err km_delete_container(struct km_token *t, const char *uuid);
km_err km_delete_secret(struct km_token *t, const char *uuid);
/* A container of the same secrets under a new name (a new uuid); the old
 * one is deleted. KM_IN_USE when it has consumers. */
km_err km_rename_container(struct km_token *t, const char *uuid,
			   const char *name, km_uuid renamed);

/* The secrets of a private key: its own and its passphrase's ("" if
 * none). */
struct km_key_secrets {
	km_uuid private_key, passphrase;
};

/* A container of the same secrets under another name; both stay. key,
 * if not NULL, joins the copy (the key a certificate was issued for). */
km_err km_copy_container(struct km_token *t, const char *uuid, const char *name,
			 const struct km_key_secrets *key, km_uuid copy);

#endif
