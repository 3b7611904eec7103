/*
 * One Key Manager token: its configuration, Keystone session, listing
 * snapshot and payload cache. Thread-safe; its lock is never held across
 * a network call.
 */
#ifndef KMP11_TOKEN_H
#define KMP11_TOKEN_H

#include "tokens/listing.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>

struct km_token_config;
struct km_token;

/* An immutable listing with a reference count. */
struct km_snapshot {
	struct km_listing *listing;
	char *scope; /* NULL: all the token shows; else the one name listed */
	unsigned generation; /* grows with each refresh */
	unsigned refs;
};

enum km_payload_kind {
	KM_PAYLOAD_CERTIFICATE,
	KM_PAYLOAD_CHAIN,
	KM_PAYLOAD_PRIVATE_KEY,
	KM_PAYLOAD_PUBLIC_KEY,
	KM_PAYLOAD_BYTES,
};

/* A parsed payload; immutable but for its reference count
 * (tokens/cache.h). */
struct km_payload {
	km_uuid uuid;
	enum km_payload_kind kind;
	km_err error; /* KM_OK, or why this object cannot be used */
	X509 *certificate;
	STACK_OF(X509) *chain;
	EVP_PKEY *key;
	unsigned char *bytes; /* secret and opaque values, wiped when freed */
	size_t len;
	unsigned refs; /* under the token's lock */
};

/* Takes the config. no_threads: the application forbids the module's
 * own threads (CKF_LIBRARY_CANT_CREATE_OS_THREADS). */
struct km_token *km_token_new(struct km_token_config *config, bool no_threads);
void km_token_free(struct km_token *t);

const struct km_token_config *km_token_config(const struct km_token *t);
/* 16 characters, derived from the project: stable per project. */
const char *km_token_serial(const struct km_token *t);
const char *km_token_label(const struct km_token *t);
/* The credentials lack their secret: C_Login provides it. */
bool km_token_login_required(const struct km_token *t);
bool km_token_logged_in(struct km_token *t);

/* Checks the PIN with Keystone and keeps it for re-authentication. */
km_err km_token_login(struct km_token *t, const char *pin, size_t pin_len);
/* Forgets the PIN; on a login token also the Keystone token, the listing
 * and the private keys and secret values fetched. */
void km_token_logout(struct km_token *t);

/*
 * The current listing, refreshed first when older than the interval.
 * name NULL: of all the token shows. name set (a search's CKA_LABEL):
 * until such a listing has been made, of what is named so only
 * (km_barbican_list's scope), or of all when nothing is; a listing
 * scoped to one name is not used for another.
 */
km_err km_token_snapshot(struct km_token *t, const char *name,
			 struct km_snapshot **out);
/* Whether refresh_interval has passed since the last listing was tried
 * (done or failed): a process that only signs lists again then, to see
 * revocation without listing at each signature. */
bool km_token_listing_due(struct km_token *t);
/*
 * For a process that only signs, when a listing is due: asks the Key
 * Manager again for the containers (and standalone secrets) whose
 * payloads were fetched, one GET each, instead of listing everything.
 * KM_OK: they are all there, or the Key Manager did not answer (the
 * listing is kept, as a failed refresh keeps it); either way it counts
 * as tried now. KM_NOT_FOUND: nothing was fetched, more would be asked
 * than a listing's pages, one is gone, or the user is refused: a listing
 * is to say what went.
 */
km_err km_token_recheck(struct km_token *t);
void km_token_snapshot_ref(struct km_token *t, struct km_snapshot *s);
void km_token_snapshot_unref(struct km_token *t, struct km_snapshot *s);

/*
 * The payload of a secret, fetched and parsed the first time. passphrase
 * is the uuid of the key's passphrase secret, or "". Returns KM_OK with
 * *out set (out->error says if the payload is unusable) and held for the
 * caller until km_token_payload_release, or the fetch error.
 */
km_err km_token_payload(struct km_token *t, const struct km_snapshot *s,
			const char *uuid, enum km_payload_kind kind,
			const char *passphrase, const struct km_payload **out);
void km_token_payload_release(struct km_token *t, const struct km_payload *p);
/*
 * Already fetched: no network. NULL if not. Not held: valid until the
 * payload is dropped, which only the module does, under its own lock
 * (C_Logout, km_token_forget_unlisted); a caller that lets that lock go
 * holds a reference instead (km_token_payload).
 */
const struct km_payload *km_token_cached_payload(struct km_token *t,
						 const char *uuid,
						 enum km_payload_kind kind);
/* Drops the payloads of secrets the snapshot's listing no longer has
 * (deleted, or no longer this user's to read); returns how many. */
size_t km_token_forget_unlisted(struct km_token *t,
				const struct km_snapshot *s);

/* A Key Manager call of the tokens layer (barbican*.h), run by
 * km_token_call with the token's endpoint and a valid Keystone token; a
 * 401 re-authenticates and calls once more. */
struct km_endpoint;
typedef km_err (*km_call)(const struct km_endpoint *ep, void *arg);
km_err km_token_call(struct km_token *t, km_call call, void *arg);
/* After a write: the next snapshot lists the Key Manager again. */
void km_token_invalidate(struct km_token *t);

/* Held by the module around fork(). */
void km_token_lock(struct km_token *t);
void km_token_unlock(struct km_token *t);
/* In the child, the lock held: a refresh another thread of the parent
 * was making will not finish here. */
void km_token_after_fork(struct km_token *t);

#endif
