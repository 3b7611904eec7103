/*
 * What kind of key each secret holds, for secrets whose metadata does not
 * say (no "algorithm"): learned from their payloads and kept in a file, so
 * that only the first process pays a payload request to tell a client the
 * key type. The file holds "<uuid> <algorithm>" lines: never key material.
 */
#ifndef KMP11_KEYTYPES_H
#define KMP11_KEYTYPES_H

#include "tokens/listing.h"

#include <openssl/evp.h>

struct km_keytypes;

/* The key types kmp11 knows, as bits: a token's key_types
 * (kmp11.conf(5)) is a set of them. */
#define KM_KEY_RSA 1u
#define KM_KEY_EC 2u
#define KM_KEY_ED25519 4u
#define KM_KEY_ED448 8u
#define KM_KEY_EDDSA (KM_KEY_ED25519 | KM_KEY_ED448)
#define KM_KEY_ANY 15u

/* The bit of "rsa", "ec", "ed25519" or "ed448"; 0 for another name. */
unsigned km_key_type_bit(const char *name);
/* What a secret's "algorithm" says its key may be: "ecdsa" is ec,
 * "eddsa" either EdDSA; none, or one kmp11 does not know: any. */
unsigned km_key_types_of_algorithm(const char *algorithm);
/* "rsa", "ec", "ed25519" or "ed448" for a key of that type, else NULL. */
const char *km_key_type_name(const EVP_PKEY *key);

/* Loads path (absent: an empty store); NULL path: a store kept in memory
 * only. Lines that are not "<uuid> <known algorithm>" are skipped; a file
 * or directory another user could have planted or changed is not read
 * (tokens/safefile.h). What it says is a hint: a fetched payload
 * overrules it. */
struct km_keytypes *km_keytypes_open(const char *path);
void km_keytypes_free(struct km_keytypes *k);
/* "rsa", "ec", "ed25519", "ed448", or NULL. */
const char *km_keytypes_get(struct km_keytypes *k, const char *uuid);
/* Remembers it; when it is new, writes the file anew (what other
 * processes added kept), by rename. Thread-safe; no lock is held on the
 * file's I/O. */
void km_keytypes_learn(struct km_keytypes *k, const char *uuid,
		       const char *algorithm);
/* The default file of a token: $XDG_CACHE_HOME/kmp11/<serial>.keytypes,
 * else ~/.cache/kmp11/...; NULL without a home. malloc'd. */
char *km_keytypes_default_path(const char *serial);

#endif
