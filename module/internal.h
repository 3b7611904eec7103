/*
 * The module's state and the helpers its entry points share: one lock
 * (kmp_gl.lock) guards all of it; *_inlock helpers are called with it held
 * and say when they drop it around a network call. module.c has the
 * function list and most entry points; object-calls.c those that make,
 * change and destroy objects.
 */
#ifndef KMP11_INTERNAL_H
#define KMP11_INTERNAL_H

#include "module/aliases.h"
#include "module/objects.h"
#include "module/op.h"
#include "module/orders.h"
#include "module/session.h"
#include "module/sobjects.h"
#include "tokens/token.h"

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

struct kmp_slot {
	struct km_token *token;
	struct kmp_objects *objects; /* of the latest snapshot seen */
	bool logged_in;
	/* Objects deleted with their container by the destruction of
	 * another one: destroying them too is then a success. */
	CK_OBJECT_HANDLE *gone;
	size_t n_gone;
	struct kmp_aliases aliases; /* handles of replaced containers */
	struct kmp_orders orders;   /* as last listed or made */
};

struct kmp_module {
	pthread_mutex_t lock;
	bool initialized;
	pid_t pid;
	struct kmp_slot *slots;
	size_t n_slots;
	struct kmp_sessions sessions;
	struct kmp_sobjects sobjects;
};

extern struct kmp_module kmp_gl;

/* The session (and its slot) of a handle; CKR_SESSION_HANDLE_INVALID. */
CK_RV session_inlock(CK_SESSION_HANDLE h, struct kmp_session **session,
			    struct kmp_slot **slot);
/* A login token logged out while the lock was let go. */
bool login_gone_inlock(const struct kmp_slot *slot);
/* A read path's failure as the codes its PKCS#11 functions allow. */
CK_RV read_failure(CK_RV rv);
/* The objects of a snapshot, rebuilt when the snapshot is newer. */
struct kmp_objects *objects_inlock(struct kmp_slot *slot,
					  struct km_snapshot *snap,
					  bool force);
/* A token object by handle, or by the handle it had before a write
 * replaced its container. */
struct kmp_object *get_inlock(struct kmp_slot *slot,
				     CK_OBJECT_HANDLE handle);
/* After a write: the objects of a new listing (drops the lock). */
CK_RV relist_inlock(struct kmp_slot *slot);
/* The handle of an object a write made, once a new listing has it. */
CK_RV made_inlock(struct kmp_slot *slot, const char *uuid,
			 enum kmp_role role, unsigned index, CK_OBJECT_HANDLE *out);
/* Fetches what an object needs; no lock held. */
CK_RV fetch_needs(struct km_token *token, struct km_snapshot *snap,
			 const struct kmp_need *needs, size_t n);
/* An object, its payloads fetched first when missing (drops the lock). */
CK_RV object_inlock(struct kmp_slot *slot, CK_OBJECT_HANDLE handle,
			   struct kmp_object **out);
/* A session object the session may see. */
CK_RV sobject_inlock(struct kmp_session *session, struct kmp_slot *slot,
			    CK_OBJECT_HANDLE handle, struct kmp_sobject **out);
/* The key material of a key object whose usage attribute allows it. */
CK_RV key_inlock(struct kmp_session *session, struct kmp_slot *slot,
			CK_ATTRIBUTE_TYPE usage, CK_OBJECT_HANDLE kh,
			struct kmp_key *key);

/* The entry points of object-calls.c. */
CK_RV kmp_C_CreateObject(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR templ,
			 CK_ULONG count, CK_OBJECT_HANDLE_PTR out);
CK_RV kmp_C_DestroyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh);
CK_RV kmp_C_CopyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh,
		       CK_ATTRIBUTE_PTR templ, CK_ULONG count,
		       CK_OBJECT_HANDLE_PTR out);
CK_RV kmp_C_DeriveKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mechanism,
		      CK_OBJECT_HANDLE base, CK_ATTRIBUTE_PTR templ,
		      CK_ULONG count, CK_OBJECT_HANDLE_PTR out);
CK_RV kmp_C_SetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh,
			      CK_ATTRIBUTE_PTR templ, CK_ULONG count);
CK_RV kmp_C_GenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			    CK_ATTRIBUTE_PTR pub, CK_ULONG n_pub,
			    CK_ATTRIBUTE_PTR priv, CK_ULONG n_priv,
			    CK_OBJECT_HANDLE_PTR pub_out,
			    CK_OBJECT_HANDLE_PTR priv_out);
CK_RV kmp_C_GenerateKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			CK_ATTRIBUTE_PTR templ, CK_ULONG count,
			CK_OBJECT_HANDLE_PTR out);

#endif
