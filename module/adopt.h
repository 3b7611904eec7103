/*
 * What a forked process's C_Finalize leaves for the C_Initialize that
 * follows it (OpenSSL 3's pkcs11-provider does both in every child it
 * runs in): the tokens its parent set up, with their listing, Keystone
 * token and fetched payloads, adopted when the configuration is the same
 * (docs/objects.md, "Fork").
 */
#ifndef KMP11_ADOPT_H
#define KMP11_ADOPT_H

#include "module/slot.h"
#include "tokens/config.h"

#include <stdbool.h>

/* The configuration a C_Initialize set the slots up with, fp with the
 * flag that changes how tokens are made; inherited by forked children. */
struct kmp_config_id {
	unsigned char fp[KM_CONFIG_FINGERPRINT_LEN];
	bool no_threads;
};

/* A fresh C_Initialize's configuration; forgets nothing kept. */
void kmp_adopt_remember(const struct kmp_config_id *id);
/* Takes the slots of a C_Finalize in a process that inherited them from
 * the one that set them up. */
void kmp_adopt_keep(struct kmp_slot *slots, size_t n);
/*
 * At C_Initialize: true with the kept slots in *slots and *n when this
 * process kept them and id is the configuration they were set up with;
 * else false, and *slots and *n hold what was kept for the caller to free
 * (NULL and 0 when nothing was).
 */
bool kmp_adopt_take(const struct kmp_config_id *id, struct kmp_slot **slots,
		    size_t *n);

#endif
