/*
 * Storing objects in the Key Manager: new secrets, put in a container
 * with secrets it already holds, replacing containers that were halves
 * of it. Nothing is left half-made: when a step fails, the secrets this
 * call created are deleted again.
 */
#ifndef KMP11_STORE_H
#define KMP11_STORE_H

#include "tokens/token.h"

#include <stddef.h>

/* One secret of a container: a new one, or one the Key Manager has. */
struct km_new_secret {
	const char *ref_name;  /* its name in the container ("certificate"...) */
	const char *uuid;      /* an existing secret; then the rest is unused */
	const char *type;      /* secret_type: "certificate", "private"... */
	const char *algorithm; /* NULL: none */
	int bits;              /* 0: none */
	const unsigned char *payload;
	size_t len;
	bool text;        /* text/plain (PEM); else octet-stream, base64 */
	const char *cka_id; /* hex, kept in the secret's metadata; NULL: none */
};

struct km_new_container {
	const char *type; /* "certificate", "generic"; NULL: one standalone secret */
	const char *name;
	const struct km_new_secret *secrets;
	size_t n;
	/* The container it completes: deleted once it exists (its secrets
	 * are kept, but drop); NULL: none. */
	const char *replaces;
	const char *drop;
};

/* Stores c; out is the container's uuid (the secret's for a standalone
 * one). */
km_err km_store(struct km_token *t, const struct km_new_container *c,
		km_uuid out);

/* The CKA_ID (hex) kmp11 kept in a secret's metadata; "" when none. */
km_err km_secret_cka_id(struct km_token *t, const char *uuid, char *out,
			size_t size);

#endif
