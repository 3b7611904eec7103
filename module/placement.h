/*
 * Where a token object made with C_CreateObject (or a key pair made in
 * the module) goes in the Key Manager. A certificate and a private key
 * with one CKA_ID end up in one certificate container, whichever comes
 * first and in whichever process: the first is stored as a half (a
 * certificate container with only the certificate, or a generic key-pair
 * container) with its CKA_ID in its secret's metadata; the second finds
 * it, and a full container replaces the half. Intermediates with that
 * CKA_ID join the container's chain.
 */
#ifndef KMP11_MODULE_PLACEMENT_H
#define KMP11_MODULE_PLACEMENT_H

#include "module/newobject.h"
#include "tokens/token.h"

struct kmp_stored {
	km_uuid uuid;   /* the container, or the standalone secret */
	bool standalone;
	unsigned index; /* an intermediate's place in its chain */
	km_uuid replaced; /* the half container it completed, or "" */
	unsigned replaced_chain; /* how many intermediates that one had */
};

/* Stores o; the snapshot (not locked, immutable) is searched for its
 * other half. No module lock held: this calls the Key Manager. */
CK_RV kmp_store_object(struct km_token *t, struct km_snapshot *snap,
		       const struct kmp_new_object *o, struct kmp_stored *out);

/* A key pair as a generic container (private_key, public_key). */
CK_RV kmp_store_key_pair(struct km_token *t, EVP_PKEY *key, const char *name,
			 km_uuid out);

#endif
