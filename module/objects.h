/*
 * The token objects of one listing snapshot: which objects a container or
 * secret gives, their handles, and their attributes (from metadata first,
 * completed from payloads once fetched).
 */
#ifndef KMP11_OBJECTS_H
#define KMP11_OBJECTS_H

#include "module/attrs.h"
#include "tokens/token.h"

enum kmp_role {
	KMP_ROLE_CERTIFICATE,
	KMP_ROLE_PRIVATE_KEY,
	KMP_ROLE_PUBLIC_KEY,
	KMP_ROLE_INTERMEDIATE,
	KMP_ROLE_INTERMEDIATES, /* not fetched yet: no handle, no attributes */
	KMP_ROLE_SECRET_KEY,
	KMP_ROLE_DATA,
	KMP_ROLE_ORDER, /* not in the table: module/orders.h */
};

struct kmp_object {
	CK_OBJECT_HANDLE handle;
	enum kmp_role role;
	unsigned index; /* of an intermediate in its chain */
	const struct km_container *container; /* NULL: a standalone secret */
	const char *secret;                   /* uuid of its payload */
	CK_ATTRIBUTE *attrs; /* NULL until first asked for */
	bool complete; /* built, with every payload it needs fetched */
	/* A key the token's key_types may leave out, whose type a payload
	 * must tell: a search fetches it, and the table is built again. */
	bool type_pending;
};

struct kmp_objects {
	struct km_snapshot *snapshot; /* holds a reference */
	struct kmp_object *items;
	size_t n;
	size_t *index; /* open addressing: handle -> item + 1 */
	size_t index_size;
};

/* A payload an object needs. */
struct kmp_need {
	const char *uuid;
	enum km_payload_kind kind;
	const char *passphrase;
};

/* Builds the objects of a snapshot (taking a reference) from what the
 * token already has cached; NULL when out of memory. Keys of a type the
 * token's key_types leaves out are not among them (their certificates
 * are). */
struct kmp_objects *kmp_objects_build(struct km_token *t,
				      struct km_snapshot *s);
void kmp_objects_free(struct km_token *t, struct kmp_objects *o);
struct kmp_object *kmp_objects_get(struct kmp_objects *o,
				   CK_OBJECT_HANDLE handle);
/* The payloads an object needs, given what the token's cache already
 * knows; returns how many (at most 3). */
size_t kmp_object_needs(struct km_token *t, const struct kmp_object *obj,
			struct kmp_need out[3]);
/* Rebuilds one object's attributes from the payloads cached since it was
 * built; false when out of memory (the object keeps its old ones). */
bool kmp_objects_update(struct km_token *t, struct kmp_objects *o,
			struct kmp_object *obj);
/* Updates every incomplete object; false when the table must be built
 * again instead (a chain arrived and adds objects, a key's type decides
 * whether key_types shows it, or out of memory). */
bool kmp_objects_complete(struct km_token *t, struct kmp_objects *o);
/* The attributes of an object, built from metadata and the cached
 * payloads the first time they are asked for; NULL when out of memory. */
CK_ATTRIBUTE *kmp_object_attrs(struct km_token *t, struct kmp_objects *o,
			       struct kmp_object *obj);
/* kmp_attrs_match for an object; its attributes are not built when the
 * listing alone rules the template out (class, container name, id).
 * KMP_UNKNOWN, for its payloads to be fetched, for a key whose type
 * must be known first: one key_types may leave out, or any private key
 * of unknown type when the template is old libp11's listing of them all
 * (which reads each one's type at once). When such a listing finds an
 * EdDSA key, a warning says once that old libp11 stops at it. */
enum kmp_match kmp_object_match(struct km_token *t, struct kmp_objects *o,
				struct kmp_object *obj,
				const CK_ATTRIBUTE *templ, CK_ULONG n);
/* Whether a template may match a not-yet-fetched intermediates entry. */
bool kmp_template_may_match_intermediate(const CK_ATTRIBUTE *templ,
					 CK_ULONG count);

/* Stable handle of an object: a hash of the token and object identity. */
CK_OBJECT_HANDLE kmp_object_handle(const char *serial, const char *uuid,
				   enum kmp_role role, unsigned index);

#endif
