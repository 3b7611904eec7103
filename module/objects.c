#include "module/objects.h"

#include "module/keyattrs.h"
#include "module/kmp11.h"
#include "tokens/config.h"
#include "tokens/hash.h"
#include "tokens/keytypes.h"
#include "tokens/log.h"
#include "tokens/payload.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

CK_OBJECT_HANDLE kmp_object_handle(const char *serial, const char *uuid,
				   enum kmp_role role, unsigned index)
{
	uint64_t h = km_fnv1a_str(KM_FNV_BASIS, serial);

	h = km_fnv1a_str(km_fnv1a_str(h, "|"), uuid);
	h = km_fnv1a_word(km_fnv1a_word(h, (uint64_t)role), (uint64_t)index);
	/* Token objects keep the top bit clear; 0 is CK_INVALID_HANDLE. */
	h &= (uint64_t)(CK_ULONG)-1 >> 1;
	return h == 0 ? 1 : (CK_OBJECT_HANDLE)h;
}

/* ---- which payloads an object needs ---- */

/* Whether a payload was fetched and found unusable. */
static bool payload_failed(struct km_token *t, const char *uuid,
			   enum km_payload_kind kind)
{
	const struct km_payload *p = km_token_cached_payload(t, uuid, kind);

	return p != NULL && !km_ok(p->error);
}

size_t kmp_object_needs(struct km_token *t, const struct kmp_object *obj,
			struct kmp_need out[3])
{
	const struct km_container *c = obj->container;
	size_t n = 0;

	switch (obj->role) {
	case KMP_ROLE_CERTIFICATE:
		out[n++] = (struct kmp_need){obj->secret, KM_PAYLOAD_CERTIFICATE, NULL};
		break;
	case KMP_ROLE_INTERMEDIATE:
	case KMP_ROLE_INTERMEDIATES:
		out[n++] = (struct kmp_need){obj->secret, KM_PAYLOAD_CHAIN, NULL};
		break;
	case KMP_ROLE_PRIVATE_KEY:
		out[n++] = (struct kmp_need){obj->secret, KM_PAYLOAD_PRIVATE_KEY,
					     c ? c->passphrase : NULL};
		/* The certificate names the key and proves the pair. */
		if (c != NULL && c->certificate[0])
			out[n++] = (struct kmp_need){c->certificate,
						     KM_PAYLOAD_CERTIFICATE, NULL};
		break;
	case KMP_ROLE_PUBLIC_KEY:
		/* From the certificate, unless it proved unusable and the
		 * container has the private key to derive it from. */
		if (c != NULL && c->certificate[0] &&
		    !(payload_failed(t, c->certificate, KM_PAYLOAD_CERTIFICATE) &&
		      c->private_key[0] && !c->public_key[0]))
			out[n++] = (struct kmp_need){c->certificate,
						     KM_PAYLOAD_CERTIFICATE, NULL};
		else if (obj->secret == NULL || c == NULL || c->public_key[0])
			out[n++] = (struct kmp_need){obj->secret,
						     KM_PAYLOAD_PUBLIC_KEY, NULL};
		else
			out[n++] = (struct kmp_need){obj->secret,
						     KM_PAYLOAD_PRIVATE_KEY,
						     c->passphrase};
		break;
	case KMP_ROLE_DATA:
		out[n++] = (struct kmp_need){obj->secret, KM_PAYLOAD_BYTES, NULL};
		break;
	case KMP_ROLE_SECRET_KEY:
	case KMP_ROLE_ORDER:
		break;
	}
	return n;
}

/* ---- attributes ---- */

struct build_ctx {
	struct km_token *token;
	const struct km_listing *listing;
	bool login_required;
	bool extractable; /* private keys readable: the token opted in */
	bool writable;    /* not read_only: objects may be renamed, deleted */
};

static struct build_ctx context(struct km_token *t, struct km_snapshot *s)
{
	return (struct build_ctx){
		.token = t,
		.listing = s->listing,
		.login_required = km_token_login_required(t),
		.extractable = km_token_config(t)->extractable,
		.writable = !km_token_config(t)->read_only,
	};
}

static const struct km_payload *cached(struct build_ctx *ctx,
				       const struct kmp_need *need)
{
	return km_token_cached_payload(ctx->token, need->uuid, need->kind);
}

/* What C_SetAttributeValue and C_DestroyObject do, said before they
 * are called: on a writable token a container's objects can be renamed
 * (CKA_LABEL) and deleted, a standalone secret deleted; an intermediate
 * neither (it belongs to its container's chain). */
static void add_storage(const struct build_ctx *ctx, struct kmp_builder *b,
			CK_OBJECT_CLASS klass, bool is_private,
			const struct kmp_object *obj)
{
	bool ours = ctx->writable && obj != NULL &&
		    obj->role != KMP_ROLE_INTERMEDIATE;

	kmp_add_ulong(b, CKA_CLASS, klass);
	kmp_add_bool(b, CKA_TOKEN, true);
	kmp_add_bool(b, CKA_PRIVATE, is_private);
	kmp_add_bool(b, CKA_MODIFIABLE, ours && obj->container != NULL);
	kmp_add_bool(b, CKA_COPYABLE, false);
	kmp_add_bool(b, CKA_DESTROYABLE, ours);
}

static void add_uuid_id(struct kmp_builder *b, const char *uuid)
{
	unsigned char id[16];

	if (km_uuid_bytes(uuid, id))
		kmp_add_bytes(b, CKA_ID, id, sizeof(id));
}

/* A container's objects: the CKA_ID its name carries, else its uuid. */
static void add_container_id(struct kmp_builder *b, const struct km_container *c)
{
	if (c->id_len > 0)
		kmp_add_bytes(b, CKA_ID, c->id, c->id_len);
	else
		add_uuid_id(b, c->uuid);
}

/* The container name, else the certificate's CN, else the UUID text;
 * NULL while the certificate that would decide it is not fetched. */
static char *container_label(struct build_ctx *ctx,
			     const struct km_container *c)
{
	const struct km_payload *cert;

	if (c->name != NULL && c->name[0] != '\0')
		return strdup(c->name);
	if (c->certificate[0]) {
		cert = km_token_cached_payload(ctx->token, c->certificate,
					       KM_PAYLOAD_CERTIFICATE);
		if (cert == NULL)
			return NULL;
		if (cert->certificate != NULL) {
			char *cn = kmp_certificate_cn(cert->certificate);
			if (cn != NULL)
				return cn;
		}
	}
	return strdup(c->uuid);
}

static void add_label(struct build_ctx *ctx, struct kmp_builder *b,
		      const struct kmp_object *obj)
{
	const struct km_secret_meta *meta;
	char *label;

	if (obj->container != NULL) {
		if ((label = container_label(ctx, obj->container)) != NULL)
			kmp_add_string(b, CKA_LABEL, label);
		free(label);
		return;
	}
	meta = km_listing_secret(ctx->listing, obj->secret);
	kmp_add_string(b, CKA_LABEL,
		       meta && meta->name && meta->name[0] ? meta->name
							   : obj->secret);
}

static void add_certificate_object(struct build_ctx *ctx,
				   struct kmp_builder *b,
				   const struct kmp_object *obj,
				   const struct km_payload *p)
{
	add_storage(ctx, b, CKO_CERTIFICATE, false, obj);
	kmp_add_ulong(b, CKA_CERTIFICATE_TYPE, CKC_X_509);
	kmp_add_ulong(b, CKA_CERTIFICATE_CATEGORY, 1);
	kmp_add_bool(b, CKA_TRUSTED, false);
	add_label(ctx, b, obj);
	if (obj->container != NULL)
		add_container_id(b, obj->container);
	else
		add_uuid_id(b, obj->secret);
	if (p != NULL && p->certificate != NULL)
		kmp_add_certificate(b, p->certificate);
}

static void add_intermediate_object(const struct build_ctx *ctx,
				    struct kmp_builder *b,
				    const struct kmp_object *obj, X509 *cert)
{
	char *cn = kmp_certificate_cn(cert);

	add_storage(ctx, b, CKO_CERTIFICATE, false, obj);
	kmp_add_ulong(b, CKA_CERTIFICATE_TYPE, CKC_X_509);
	/* Category 2 (authority) and trusted: what chain builders look up. */
	kmp_add_ulong(b, CKA_CERTIFICATE_CATEGORY, 2);
	kmp_add_bool(b, CKA_TRUSTED, true);
	kmp_add_string(b, CKA_LABEL, cn ? cn : "intermediate");
	free(cn);
	kmp_add_key_id(b, cert);
	kmp_add_certificate(b, cert);
}

static void add_key_flags(struct kmp_builder *b, CK_KEY_TYPE type,
			  bool is_private, bool extractable)
{
	bool rsa = type == CKK_RSA;

	kmp_add_bool(b, CKA_LOCAL, false);
	kmp_add_ulong(b, CKA_KEY_GEN_MECHANISM, CK_UNAVAILABLE_INFORMATION);
	kmp_add_bytes(b, CKA_START_DATE, NULL, 0);
	kmp_add_bytes(b, CKA_END_DATE, NULL, 0);
	kmp_add_bool(b, CKA_DERIVE, is_private && type == CKK_EC);
	if (is_private) {
		kmp_add_bool(b, CKA_SIGN, true);
		kmp_add_bool(b, CKA_SIGN_RECOVER, false);
		kmp_add_bool(b, CKA_DECRYPT, rsa);
		kmp_add_bool(b, CKA_UNWRAP, false);
		kmp_add_bool(b, CKA_SENSITIVE, !extractable);
		kmp_add_bool(b, CKA_EXTRACTABLE, extractable);
		kmp_add_bool(b, CKA_ALWAYS_SENSITIVE, false);
		kmp_add_bool(b, CKA_NEVER_EXTRACTABLE, false);
		kmp_add_bool(b, CKA_WRAP_WITH_TRUSTED, false);
		kmp_add_bool(b, CKA_ALWAYS_AUTHENTICATE, false);
	} else {
		kmp_add_bool(b, CKA_VERIFY, true);
		kmp_add_bool(b, CKA_VERIFY_RECOVER, false);
		kmp_add_bool(b, CKA_ENCRYPT, rsa);
		kmp_add_bool(b, CKA_WRAP, false);
		kmp_add_bool(b, CKA_TRUSTED, false);
	}
}

/* The key, the certificate of its container when it has one. */
static void add_key_object(struct build_ctx *ctx, struct kmp_builder *b,
			   const struct kmp_object *obj, EVP_PKEY *key,
			   X509 *cert)
{
	bool is_private = obj->role == KMP_ROLE_PRIVATE_KEY;
	const struct km_secret_meta *meta;
	CK_KEY_TYPE type;
	bool paired = true;

	add_storage(ctx, b, is_private ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY,
		    is_private && ctx->login_required, obj);
	add_label(ctx, b, obj);
	if (key != NULL && cert != NULL && is_private &&
	    !km_key_matches_certificate(key, cert)) {
		/* Not paired: its own id, so no client takes it for the
		 * certificate's key. */
		km_error("container %s: the private key does not match the "
			 "certificate", obj->container->uuid);
		paired = false;
	}
	if (obj->container != NULL && paired)
		add_container_id(b, obj->container);
	else
		add_uuid_id(b, obj->secret);
	if (cert != NULL && paired)
		kmp_add_subject(b, cert);
	if (key != NULL) {
		type = kmp_key_type(key);
		kmp_add_key(b, key,
			    !is_private		? KMP_PUBLIC_HALF
			    : ctx->extractable ? KMP_PRIVATE_EXTRACTABLE
						: KMP_PRIVATE_SENSITIVE);
	} else {
		meta = km_listing_secret(ctx->listing, obj->secret);
		type = kmp_key_type_from_algorithm(meta ? meta->algorithm : NULL);
		if (type == CK_UNAVAILABLE_INFORMATION)
			return; /* the flags depend on the type */
		kmp_add_ulong(b, CKA_KEY_TYPE, type);
	}
	add_key_flags(b, type, is_private, ctx->extractable);
}

static void add_secret_key_object(struct build_ctx *ctx, struct kmp_builder *b,
				  const struct kmp_object *obj)
{
	const struct km_secret_meta *meta =
		km_listing_secret(ctx->listing, obj->secret);
	bool aes = meta && meta->algorithm && strcmp(meta->algorithm, "aes") == 0;

	add_storage(ctx, b, CKO_SECRET_KEY, ctx->login_required, obj);
	add_label(ctx, b, obj);
	add_uuid_id(b, obj->secret);
	kmp_add_ulong(b, CKA_KEY_TYPE, aes ? CKK_AES : CKK_GENERIC_SECRET);
	if (meta != NULL && meta->bit_length > 0)
		kmp_add_ulong(b, CKA_VALUE_LEN, (CK_ULONG)meta->bit_length / 8);
	kmp_add_sensitive(b, CKA_VALUE);
	kmp_add_bool(b, CKA_SENSITIVE, true);
	kmp_add_bool(b, CKA_EXTRACTABLE, false);
	kmp_add_bool(b, CKA_ENCRYPT, aes);
	kmp_add_bool(b, CKA_DECRYPT, aes);
	kmp_add_bool(b, CKA_SIGN, true);
	kmp_add_bool(b, CKA_VERIFY, true);
	kmp_add_bool(b, CKA_LOCAL, false);
}

static void add_data_object(struct build_ctx *ctx, struct kmp_builder *b,
			    const struct kmp_object *obj,
			    const struct km_payload *p)
{
	add_storage(ctx, b, CKO_DATA, ctx->login_required, obj);
	add_label(ctx, b, obj);
	kmp_add_string(b, CKA_APPLICATION, "kmp11");
	kmp_add_bytes(b, CKA_OBJECT_ID, NULL, 0);
	if (p != NULL && p->bytes != NULL)
		kmp_add_bytes(b, CKA_VALUE, p->bytes, p->len);
}

static EVP_PKEY *key_of(const struct km_payload *p)
{
	if (p == NULL)
		return NULL;
	if (p->key != NULL)
		return p->key;
	return p->certificate ? X509_get0_pubkey(p->certificate) : NULL;
}

/* Sets obj->attrs from metadata and whatever payloads are cached. */
static bool build_attrs(struct build_ctx *ctx, struct kmp_object *obj)
{
	struct kmp_builder b = {0};
	struct kmp_need needs[3];
	const struct km_payload *p[3] = {NULL, NULL, NULL};
	size_t n = kmp_object_needs(ctx->token, obj, needs);
	CK_ATTRIBUTE *attrs;

	obj->complete = true;
	for (size_t i = 0; i < n; i++)
		if ((p[i] = cached(ctx, &needs[i])) == NULL)
			obj->complete = false;
	switch (obj->role) {
	case KMP_ROLE_CERTIFICATE:
		add_certificate_object(ctx, &b, obj, p[0]);
		break;
	case KMP_ROLE_PRIVATE_KEY:
		add_key_object(ctx, &b, obj, key_of(p[0]),
			       p[1] ? p[1]->certificate : NULL);
		break;
	case KMP_ROLE_PUBLIC_KEY:
		add_key_object(ctx, &b, obj, key_of(p[0]),
			       p[0] ? p[0]->certificate : NULL);
		break;
	case KMP_ROLE_INTERMEDIATE:
		add_intermediate_object(
			ctx, &b, obj, sk_X509_value(p[0]->chain, (int)obj->index));
		break;
	case KMP_ROLE_INTERMEDIATES:
	case KMP_ROLE_ORDER:
		return true;
	case KMP_ROLE_SECRET_KEY:
		add_secret_key_object(ctx, &b, obj);
		break;
	case KMP_ROLE_DATA:
		add_data_object(ctx, &b, obj, p[0]);
		break;
	}
	if (obj->secret != NULL)
		kmp_add_string(&b, CKA_KMP11_SECRET_ID, obj->secret);
	if ((attrs = kmp_builder_finish(&b)) == NULL)
		return false;
	kmp_attrs_free(obj->attrs);
	obj->attrs = attrs;
	return true;
}

/* ---- key_types ---- */

/* The types a fetched payload's key has; any when it is not fetched. */
static unsigned payload_key_types(struct build_ctx *ctx, const char *uuid,
				  enum km_payload_kind kind)
{
	const struct km_payload *p;
	const char *name;

	if (uuid[0] == '\0' ||
	    (p = km_token_cached_payload(ctx->token, uuid, kind)) == NULL ||
	    key_of(p) == NULL)
		return KM_KEY_ANY;
	name = km_key_type_name(key_of(p));
	return name != NULL ? km_key_type_bit(name) : 0;
}

static unsigned meta_key_types(struct build_ctx *ctx, const char *uuid)
{
	const struct km_secret_meta *m = km_listing_secret(ctx->listing, uuid);

	return m != NULL ? km_key_types_of_algorithm(m->algorithm) : KM_KEY_ANY;
}

/*
 * What the key of a container (or the standalone key secret) may be,
 * from what is known without a request: the first source that says, the
 * key's own secret first (a fetched payload, then its algorithm, the Key
 * Manager's or key_cache's), then the public key's, then the
 * certificate's key.
 */
static unsigned key_types_of(struct build_ctx *ctx,
			     const struct km_container *c, const char *secret)
{
	const struct km_secret_meta *m;
	unsigned types[5];
	size_t n = 0;

	if (c == NULL) {
		m = km_listing_secret(ctx->listing, secret);
		types[n++] = payload_key_types(ctx, secret,
					       m && m->type == KM_SECRET_PUBLIC
						       ? KM_PAYLOAD_PUBLIC_KEY
						       : KM_PAYLOAD_PRIVATE_KEY);
		types[n++] = meta_key_types(ctx, secret);
	} else {
		types[n++] = payload_key_types(ctx, c->private_key,
					       KM_PAYLOAD_PRIVATE_KEY);
		types[n++] = meta_key_types(ctx, c->private_key);
		types[n++] = payload_key_types(ctx, c->public_key,
					       KM_PAYLOAD_PUBLIC_KEY);
		types[n++] = meta_key_types(ctx, c->public_key);
		types[n++] = payload_key_types(ctx, c->certificate,
					       KM_PAYLOAD_CERTIFICATE);
	}
	for (size_t i = 0; i < n; i++)
		if (types[i] != KM_KEY_ANY)
			return types[i];
	return KM_KEY_ANY;
}

enum key_shown { KEY_SHOWN, KEY_LEFT_OUT, KEY_PENDING };

/* Whether the token's key_types shows a key, or its payload must tell. */
static enum key_shown key_shown(struct build_ctx *ctx,
				const struct km_container *c, const char *secret)
{
	unsigned shown = km_token_config(ctx->token)->key_types, types;

	if (shown == 0)
		return KEY_SHOWN;
	types = key_types_of(ctx, c, secret);
	if ((types & shown) == 0)
		return KEY_LEFT_OUT;
	return (types & ~shown) == 0 ? KEY_SHOWN : KEY_PENDING;
}

/* ---- the table ---- */

struct table {
	struct kmp_object *items;
	size_t n, cap;
	bool failed;
};

static struct kmp_object *add_object(struct table *t, const char *serial,
				     const struct km_container *c,
				     const char *secret, enum kmp_role role,
				     unsigned index)
{
	struct kmp_object *grown;

	if (t->failed)
		return NULL;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		if ((grown = realloc(t->items, cap * sizeof(*grown))) == NULL) {
			t->failed = true;
			return NULL;
		}
		t->items = grown;
		t->cap = cap;
	}
	t->items[t->n++] = (struct kmp_object){
		.handle = kmp_object_handle(serial, c ? c->uuid : secret, role,
					    index),
		.role = role,
		.index = index,
		.container = c,
		.secret = secret,
	};
	return &t->items[t->n - 1];
}

/* A key object, unless key_types leaves it out. */
static void add_key(struct build_ctx *ctx, struct table *t, const char *serial,
		    const struct km_container *c, const char *secret,
		    enum kmp_role role)
{
	enum key_shown shown = key_shown(ctx, c, c ? NULL : secret);
	struct kmp_object *obj;

	if (shown != KEY_LEFT_OUT &&
	    (obj = add_object(t, serial, c, secret, role, 0)) != NULL)
		obj->type_pending = shown == KEY_PENDING;
}

static void add_intermediates(struct build_ctx *ctx, struct table *t,
			      const char *serial, const struct km_container *c)
{
	const struct km_payload *chain = km_token_cached_payload(
		ctx->token, c->intermediates, KM_PAYLOAD_CHAIN);

	if (chain == NULL) {
		add_object(t, serial, c, c->intermediates,
			   KMP_ROLE_INTERMEDIATES, 0);
		return;
	}
	for (int i = 0; chain->chain != NULL && i < sk_X509_num(chain->chain);
	     i++)
		add_object(t, serial, c, c->intermediates,
			   KMP_ROLE_INTERMEDIATE, (unsigned)i);
}

static void add_container(struct build_ctx *ctx, struct table *t,
			  const char *serial, const struct km_container *c)
{
	if (c->certificate[0])
		add_object(t, serial, c, c->certificate, KMP_ROLE_CERTIFICATE, 0);
	if (c->private_key[0])
		add_key(ctx, t, serial, c, c->private_key, KMP_ROLE_PRIVATE_KEY);
	if (c->public_key[0])
		add_key(ctx, t, serial, c, c->public_key, KMP_ROLE_PUBLIC_KEY);
	else if (c->private_key[0])
		/* The public half comes from the certificate or the key. */
		add_key(ctx, t, serial, c, c->private_key, KMP_ROLE_PUBLIC_KEY);
	if (c->intermediates[0])
		add_intermediates(ctx, t, serial, c);
}

static void add_standalone(struct build_ctx *ctx, struct table *t,
			   const char *serial, const struct km_secret_meta *s)
{
	static const enum kmp_role roles[] = {
		[KM_SECRET_OPAQUE] = KMP_ROLE_DATA,
		[KM_SECRET_CERTIFICATE] = KMP_ROLE_CERTIFICATE,
		[KM_SECRET_PRIVATE] = KMP_ROLE_PRIVATE_KEY,
		[KM_SECRET_PUBLIC] = KMP_ROLE_PUBLIC_KEY,
		[KM_SECRET_SYMMETRIC] = KMP_ROLE_SECRET_KEY,
		[KM_SECRET_PASSPHRASE] = KMP_ROLE_DATA,
	};

	if (s->type == KM_SECRET_PRIVATE || s->type == KM_SECRET_PUBLIC)
		add_key(ctx, t, serial, NULL, s->uuid, roles[s->type]);
	else
		add_object(t, serial, NULL, s->uuid, roles[s->type], 0);
}

static bool build_index(struct kmp_objects *o)
{
	size_t size = 16;

	while (size < o->n * 2)
		size *= 2;
	if ((o->index = calloc(size, sizeof(size_t))) == NULL)
		return false;
	o->index_size = size;
	for (size_t i = 0; i < o->n; i++) {
		size_t j = (size_t)o->items[i].handle & (size - 1);
		if (o->items[i].role == KMP_ROLE_INTERMEDIATES)
			continue;
		while (o->index[j] != 0)
			j = (j + 1) & (size - 1);
		o->index[j] = i + 1;
	}
	return true;
}

struct kmp_objects *kmp_objects_build(struct km_token *token,
				      struct km_snapshot *s)
{
	struct build_ctx ctx = context(token, s);
	const char *serial = km_token_serial(token);
	struct kmp_objects *o = calloc(1, sizeof(*o));
	struct table t = {0};
	bool ok;

	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < s->listing->n_containers; i++)
		add_container(&ctx, &t, serial, &s->listing->containers[i]);
	if (km_token_config(token)->show_secrets)
		for (size_t i = 0; i < s->listing->n_secrets; i++)
			if (!s->listing->secrets[i].referenced)
				add_standalone(&ctx, &t, serial,
					       &s->listing->secrets[i]);
	o->items = t.items;
	o->n = t.n;
	o->snapshot = s;
	/* Attributes are built when first asked for: a listing of thousands
	 * keeps only what its clients looked at. */
	ok = !t.failed && build_index(o);
	if (!ok) {
		o->snapshot = NULL;
		kmp_objects_free(token, o);
		return NULL;
	}
	return o;
}

void kmp_objects_free(struct km_token *t, struct kmp_objects *o)
{
	if (o == NULL)
		return;
	for (size_t i = 0; i < o->n; i++)
		kmp_attrs_free(o->items[i].attrs);
	free(o->items);
	free(o->index);
	km_token_snapshot_unref(t, o->snapshot);
	free(o);
}

struct kmp_object *kmp_objects_get(struct kmp_objects *o,
				   CK_OBJECT_HANDLE handle)
{
	size_t j;

	if (o == NULL || o->index_size == 0)
		return NULL;
	for (j = (size_t)handle & (o->index_size - 1); o->index[j] != 0;
	     j = (j + 1) & (o->index_size - 1))
		if (o->items[o->index[j] - 1].handle == handle)
			return &o->items[o->index[j] - 1];
	return NULL;
}

bool kmp_objects_update(struct km_token *t, struct kmp_objects *o,
			struct kmp_object *obj)
{
	struct build_ctx ctx = context(t, o->snapshot);

	return obj->complete || build_attrs(&ctx, obj);
}

bool kmp_objects_complete(struct km_token *t, struct kmp_objects *o)
{
	struct build_ctx ctx = context(t, o->snapshot);

	for (size_t i = 0; i < o->n; i++) {
		struct kmp_object *obj = &o->items[i];
		/* Its type is known now: key_types shows it or not. */
		if (obj->type_pending &&
		    key_shown(&ctx, obj->container,
			      obj->container ? NULL : obj->secret) != KEY_PENDING)
			return false;
		/* Not built yet: built from the new payloads when asked. */
		if (obj->complete ||
		    (obj->attrs == NULL && obj->role != KMP_ROLE_INTERMEDIATES))
			continue;
		/* A fetched chain adds objects: the table changes shape. */
		if (obj->role == KMP_ROLE_INTERMEDIATES &&
		    km_token_cached_payload(t, obj->secret, KM_PAYLOAD_CHAIN))
			return false;
		if (!kmp_objects_update(t, o, obj))
			return false;
	}
	return true;
}

CK_ATTRIBUTE *kmp_object_attrs(struct km_token *t, struct kmp_objects *o,
			       struct kmp_object *obj)
{
	struct build_ctx ctx;

	if (obj->attrs == NULL) {
		ctx = context(t, o->snapshot);
		build_attrs(&ctx, obj);
	}
	return obj->attrs;
}

static CK_OBJECT_CLASS class_of(enum kmp_role role)
{
	switch (role) {
	case KMP_ROLE_PRIVATE_KEY:
		return CKO_PRIVATE_KEY;
	case KMP_ROLE_PUBLIC_KEY:
		return CKO_PUBLIC_KEY;
	case KMP_ROLE_SECRET_KEY:
		return CKO_SECRET_KEY;
	case KMP_ROLE_DATA:
		return CKO_DATA;
	default:
		return CKO_CERTIFICATE;
	}
}

static bool carries_id(const struct km_container *c, const CK_ATTRIBUTE *a)
{
	if (c->id_len == 0)
		return km_uuid_is(c->uuid, a->pValue, a->ulValueLen);
	return a->ulValueLen == c->id_len && memcmp(a->pValue, c->id, c->id_len) == 0;
}

/* What the listing alone says an object is not: another class, another
 * container name, another id (a key's is its container's, or its
 * secret's uuid when it proves not to be the certificate's). */
static bool ruled_out(const struct kmp_object *obj, const CK_ATTRIBUTE *templ,
		      CK_ULONG n)
{
	const struct km_container *c = obj->container;
	const CK_ATTRIBUTE *a;
	CK_ULONG klass;

	if (kmp_template_ulong(templ, n, CKA_CLASS, &klass) == CKR_OK &&
	    klass != class_of(obj->role))
		return true;
	if (c == NULL || obj->role == KMP_ROLE_INTERMEDIATE)
		return false;
	if ((a = kmp_template_find(templ, n, CKA_LABEL)) != NULL && a->pValue != NULL &&
	    c->name != NULL && c->name[0] != '\0' &&
	    (a->ulValueLen != strlen(c->name) ||
	     (a->ulValueLen > 0 && memcmp(a->pValue, c->name, a->ulValueLen) != 0)))
		return true;
	if ((a = kmp_template_find(templ, n, CKA_ID)) != NULL && a->pValue != NULL &&
	    !carries_id(c, a) && !km_uuid_is(obj->secret, a->pValue, a->ulValueLen))
		return true;
	return (a = kmp_template_find(templ, n, CKA_KMP11_SECRET_ID)) != NULL &&
	       a->pValue != NULL && obj->secret != NULL &&
	       (a->ulValueLen != strlen(obj->secret) ||
		memcmp(a->pValue, obj->secret, a->ulValueLen) != 0);
}

/* libp11 0.4.12 (the pkcs11 engine of Debian 12) lists private keys
 * with their class alone, reads each one's CKA_KEY_TYPE, and at the
 * first it cannot use (EdDSA) drops what it found: no key is found. */
static bool old_libp11_listing(const CK_ATTRIBUTE *templ, CK_ULONG n)
{
	CK_ULONG klass;

	return n == 1 && kmp_template_ulong(templ, n, CKA_CLASS, &klass) == CKR_OK &&
	       klass == CKO_PRIVATE_KEY;
}

/* More than one type is possible: only a payload tells. */
static bool type_unknown(struct km_token *t, struct kmp_objects *o,
			 const struct kmp_object *obj)
{
	struct build_ctx ctx = context(t, o->snapshot);
	unsigned types = key_types_of(&ctx, obj->container,
				      obj->container ? NULL : obj->secret);

	return (types & (types - 1)) != 0;
}

static void warn_old_libp11(struct km_token *t, CK_ATTRIBUTE *attrs)
{
	static atomic_bool warned;
	CK_ULONG type;
	CK_ATTRIBUTE *label = kmp_attrs_find(attrs, CKA_LABEL);

	if (!kmp_attrs_find_ulong(attrs, CKA_KEY_TYPE, &type) ||
	    type != CKK_EC_EDWARDS || atomic_exchange(&warned, true))
		return;
	km_warning("token %s: a search for every private key, as libp11 "
		   "0.4.12 (Debian 12's pkcs11 engine) makes, finds the EdDSA "
		   "key '%.*s': that libp11 then finds no private key at all; "
		   "set 'key_types = rsa, ec' on the token (kmp11.conf(5)), "
		   "or use pkcs11-provider", km_token_label(t),
		   label ? (int)label->ulValueLen : 0,
		   label ? (const char *)label->pValue : "");
}

enum kmp_match kmp_object_match(struct km_token *t, struct kmp_objects *o,
				struct kmp_object *obj,
				const CK_ATTRIBUTE *templ, CK_ULONG n)
{
	bool old_libp11 = obj->role == KMP_ROLE_PRIVATE_KEY &&
			  old_libp11_listing(templ, n);
	CK_ATTRIBUTE *attrs;
	enum kmp_match m;

	if (ruled_out(obj, templ, n))
		return KMP_NO_MATCH;
	if (!obj->complete &&
	    (obj->type_pending || (old_libp11 && type_unknown(t, o, obj))))
		return KMP_UNKNOWN;
	if ((attrs = kmp_object_attrs(t, o, obj)) == NULL) {
		km_error("out of memory building an object's attributes");
		return KMP_NO_MATCH;
	}
	m = kmp_attrs_match(attrs, templ, n);
	if (m == KMP_MATCH && old_libp11)
		warn_old_libp11(t, attrs);
	return m;
}

bool kmp_template_may_match_intermediate(const CK_ATTRIBUTE *templ,
					 CK_ULONG count)
{
	for (CK_ULONG i = 0; i < count; i++) {
		CK_ULONG v;
		if (templ[i].pValue == NULL)
			continue;
		if (templ[i].type == CKA_CLASS &&
		    templ[i].ulValueLen == sizeof(v) &&
		    (memcpy(&v, templ[i].pValue, sizeof(v)), v != CKO_CERTIFICATE))
			return false;
		if (templ[i].type == CKA_CERTIFICATE_CATEGORY &&
		    templ[i].ulValueLen == sizeof(v) &&
		    (memcpy(&v, templ[i].pValue, sizeof(v)), v != 2))
			return false;
		if (templ[i].type == CKA_TRUSTED && templ[i].ulValueLen == 1 &&
		    *(CK_BBOOL *)templ[i].pValue == CK_FALSE)
			return false;
	}
	return true;
}
