#include "tokens/token.h"

#include "tokens/barbican.h"
#include "tokens/changes.h"
#include "tokens/config.h"
#include "tokens/crypto-ctx.h"
#include "tokens/http.h"
#include "tokens/hash.h"
#include "tokens/keystone.h"
#include "tokens/cache.h"
#include "tokens/keytypes.h"
#include "tokens/log.h"
#include "tokens/payload.h"
#include "tokens/secure.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct km_token {
	struct km_token_config *config;
	struct km_http *http;
	char serial[17];
	char *label;
	pthread_mutex_t lock; /* guards what follows */
	struct km_auth auth;
	char *pin; /* the secret given to C_Login, wiped when dropped */
	struct km_snapshot *snapshot;
	time_t listed_at;
	time_t tried_at; /* the last refresh, done or failed */
	/* The change stamp the snapshot's listing began under. */
	char stamp[KM_CHANGES_STAMP_MAX];
	unsigned generation;
	bool refreshing;
	struct km_cache cache;
	struct km_keytypes *keytypes;
};

static void derive_serial(struct km_token *t)
{
	const struct km_token_config *c = t->config;
	unsigned char md[SHA256_DIGEST_LENGTH];
	char basis[4096];

	if (c->project_id != NULL && strlen(c->project_id) >= 16) {
		memcpy(t->serial, c->project_id, 16);
		t->serial[16] = '\0';
		return;
	}
	/* Without a project id, the project's name in its domain and cloud
	 * (or the application credential, which is scoped) names it. */
	snprintf(basis, sizeof(basis), "%s|%s|%s|%s|%s", c->auth_url,
		 c->project_domain_id ? c->project_domain_id
				      : c->project_domain_name ? c->project_domain_name : "",
		 c->project_name ? c->project_name : "",
		 c->project_id ? c->project_id : "",
		 c->application_credential_id ? c->application_credential_id
					      : c->application_credential_name ? c->application_credential_name : "");
	if (!EVP_Digest(basis, strlen(basis), md, NULL, km_digest("SHA256"), NULL))
		memset(md, 0, sizeof(md));
	for (int i = 0; i < 8; i++)
		snprintf(t->serial + 2 * i, 3, "%02x", md[i]);
}

/* key_cache: a file, "none" (this process only), or the default file. */
static void open_key_types(struct km_token *t)
{
	const char *configured = t->config->key_cache;
	char *path = configured == NULL ? km_keytypes_default_path(t->serial)
		     : strcmp(configured, "none") == 0 ? NULL
						       : strdup(configured);

	t->keytypes = km_keytypes_open(path);
	free(path);
}

struct km_token *km_token_new(struct km_token_config *config, bool no_threads)
{
	struct km_token *t = calloc(1, sizeof(*t));
	struct km_http_options opts = {
		.connect_timeout = config->connect_timeout,
		.timeout = config->timeout,
		.max_response = config->max_response,
		.cacert = config->cacert,
		.cert = config->cert,
		.key = config->key,
		.insecure = config->insecure,
		.resolve_inline = no_threads,
		/* Idempotent requests: 3 tries, 200 then 400 ms apart (or
		 * what a 429's Retry-After says, up to the timeout). */
		.max_attempts = 3,
		.backoff_ms = 200,
		.max_parallel = config->parallel_requests,
	};
	const char *label = config->label ? config->label
			    : config->project_name ? config->project_name
						   : "kmp11";

	if (t == NULL)
		return NULL;
	t->config = config;
	if ((t->http = km_http_new(&opts)) == NULL ||
	    (t->label = strdup(label)) == NULL) {
		km_http_free(t->http);
		free(t);
		return NULL;
	}
	derive_serial(t);
	open_key_types(t);
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

static void snapshot_free(struct km_snapshot *s)
{
	km_listing_free(s->listing);
	free(s->scope);
	free(s);
}

void km_token_free(struct km_token *t)
{
	if (t == NULL)
		return;
	km_cache_clear(&t->cache);
	if (t->snapshot != NULL && --t->snapshot->refs == 0)
		snapshot_free(t->snapshot);
	km_auth_clear(&t->auth);
	km_free_secret_string(t->pin);
	km_http_free(t->http);
	km_keytypes_free(t->keytypes);
	pthread_mutex_destroy(&t->lock);
	km_token_config_free(t->config);
	free(t->label);
	free(t);
}

const struct km_token_config *km_token_config(const struct km_token *t)
{
	return t->config;
}

const char *km_token_serial(const struct km_token *t) { return t->serial; }

const char *km_token_label(const struct km_token *t) { return t->label; }

bool km_token_login_required(const struct km_token *t)
{
	return !km_token_config_has_secret(t->config);
}

bool km_token_logged_in(struct km_token *t)
{
	bool in;

	pthread_mutex_lock(&t->lock);
	in = t->pin != NULL;
	pthread_mutex_unlock(&t->lock);
	return in;
}

void km_token_lock(struct km_token *t)
{
	pthread_mutex_lock(&t->lock);
	km_http_lock(t->http);
}

void km_token_unlock(struct km_token *t)
{
	km_http_unlock(t->http);
	pthread_mutex_unlock(&t->lock);
}

void km_token_after_fork(struct km_token *t) { t->refreshing = false; }

/* Swaps a fresh auth in; the old one is wiped. */
static void publish_auth(struct km_token *t, struct km_auth *fresh)
{
	pthread_mutex_lock(&t->lock);
	km_auth_clear(&t->auth);
	t->auth = *fresh;
	pthread_mutex_unlock(&t->lock);
	memset(fresh, 0, sizeof(*fresh));
}

/*
 * Copies what a request needs (token, endpoint) out of the lock,
 * authenticating first when there is no valid Keystone token.
 */
static km_err current_auth(struct km_token *t, bool force, char **token,
			   char **endpoint)
{
	struct km_auth fresh = {0};
	char *pin = NULL;
	km_err rv = KM_ERR(OK);
	bool valid;

	pthread_mutex_lock(&t->lock);
	valid = !force && t->auth.token != NULL &&
		(t->auth.renew_at == 0 || t->auth.renew_at > time(NULL));
	if (!valid && km_token_login_required(t) && t->pin == NULL)
		rv = KM_ERR(NOT_LOGGED_IN);
	else if (!valid && t->pin != NULL && (pin = strdup(t->pin)) == NULL)
		rv = KM_ERR(NO_MEMORY);
	pthread_mutex_unlock(&t->lock);
	if (!km_ok(rv))
		return rv;
	if (!valid) {
		rv = km_keystone_auth(t->http, t->config, pin, &fresh);
		km_free_secret_string(pin);
		if (!km_ok(rv))
			return rv;
		publish_auth(t, &fresh);
	}
	pthread_mutex_lock(&t->lock);
	*token = t->auth.token ? strdup(t->auth.token) : NULL;
	*endpoint = t->auth.endpoint ? strdup(t->auth.endpoint) : NULL;
	pthread_mutex_unlock(&t->lock);
	if (*token == NULL || *endpoint == NULL) {
		km_free_secret_string(*token);
		free(*endpoint);
		return KM_ERR(NO_MEMORY);
	}
	return KM_ERR(OK);
}

/* Runs a Key Manager call; a 401 re-authenticates and retries once. */
static km_err with_auth(struct km_token *t, km_call call, void *arg)
{
	km_err rv = KM_ERR(OK);

	for (int attempt = 0; attempt < 2; attempt++) {
		char *token = NULL, *endpoint = NULL;
		struct km_endpoint ep;
		rv = current_auth(t, attempt > 0, &token, &endpoint);
		if (!km_ok(rv))
			return rv;
		ep = (struct km_endpoint){t->http, endpoint, token};
		rv = call(&ep, arg);
		km_free_secret_string(token);
		free(endpoint);
		if (rv.kind != KM_UNAUTHORIZED)
			break;
		km_info("token %s: Key Manager answered 401, "
			"authenticating again", t->label);
	}
	return rv;
}

km_err km_token_call(struct km_token *t, km_call call, void *arg)
{
	return with_auth(t, call, arg);
}

void km_token_invalidate(struct km_token *t)
{
	km_changes_mark(t->serial);
	pthread_mutex_lock(&t->lock);
	t->listed_at = 0;
	pthread_mutex_unlock(&t->lock);
}

km_err km_token_login(struct km_token *t, const char *pin, size_t pin_len)
{
	struct km_auth fresh = {0};
	char *copy = strndup(pin, pin_len);
	km_err rv;

	if (copy == NULL)
		return KM_ERR(NO_MEMORY);
	rv = km_keystone_auth(t->http, t->config, copy, &fresh);
	if (!km_ok(rv)) {
		km_free_secret_string(copy);
		return rv;
	}
	publish_auth(t, &fresh);
	pthread_mutex_lock(&t->lock);
	km_free_secret_string(t->pin);
	t->pin = copy;
	pthread_mutex_unlock(&t->lock);
	return KM_ERR(OK);
}

static bool is_private(const struct km_payload *p, const void *arg)
{
	(void)arg;
	return p->kind == KM_PAYLOAD_PRIVATE_KEY || p->kind == KM_PAYLOAD_BYTES;
}

void km_token_logout(struct km_token *t)
{
	struct km_snapshot *listing = NULL;

	pthread_mutex_lock(&t->lock);
	km_free_secret_string(t->pin);
	t->pin = NULL;
	if (km_token_login_required(t)) {
		/* What the login showed and fetched goes with it. */
		km_auth_clear(&t->auth);
		listing = t->snapshot;
		t->snapshot = NULL;
		km_cache_evict(&t->cache, is_private, NULL);
	}
	pthread_mutex_unlock(&t->lock);
	km_token_snapshot_unref(t, listing);
}

struct list_args {
	const struct km_token_config *config;
	const char *scope; /* NULL once everything is listed */
	struct km_listing *listing;
};

/* A name nothing has may be another kind of label (a certificate's CN,
 * a UUID): then everything is listed. */
static km_err list_call(const struct km_endpoint *ep, void *arg)
{
	struct list_args *c = arg;
	km_err rv = km_barbican_list(ep, c->config, c->scope, &c->listing);

	if (km_ok(rv) && c->scope != NULL &&
	    !km_listing_has_name(c->listing, c->scope)) {
		km_listing_free(c->listing);
		c->listing = NULL;
		c->scope = NULL;
		rv = km_barbican_list(ep, c->config, NULL, &c->listing);
	}
	return rv;
}

/* Whether s answers a search for name (NULL: for anything). */
static bool covers(const struct km_snapshot *s, const char *name)
{
	return s != NULL && (s->scope == NULL ||
			     (name != NULL && strcmp(s->scope, name) == 0));
}

/* stamp: the change stamp now (read before the lock: a file); "" when
 * this process can read none, which says nothing of a change. */
static bool fresh_enough(struct km_token *t, const char *stamp)
{
	return t->snapshot != NULL &&
	       time(NULL) - t->listed_at < t->config->refresh_interval &&
	       (stamp[0] == '\0' || strcmp(stamp, t->stamp) == 0);
}

/* Key secrets without an "algorithm" get the one learned before. */
static void fill_key_types(struct km_token *t, struct km_listing *l)
{
	const char *a;

	for (size_t i = 0; i < l->n_secrets; i++) {
		struct km_secret_meta *m = &l->secrets[i];
		if (m->algorithm == NULL &&
		    (m->type == KM_SECRET_PRIVATE || m->type == KM_SECRET_PUBLIC) &&
		    (a = km_keytypes_get(t->keytypes, m->uuid)) != NULL)
			m->algorithm_hinted = (m->algorithm = strdup(a)) != NULL;
	}
}

/* Remembers the type of a key whose secret's metadata does not say, or
 * corrects what key_cache said. */
static void learn_key_type(struct km_token *t, const struct km_snapshot *s,
			   const struct km_payload *p)
{
	const struct km_secret_meta *m = km_listing_secret(s->listing, p->uuid);
	const char *name;

	if (m == NULL || (m->algorithm != NULL && !m->algorithm_hinted) ||
	    p->key == NULL || (name = km_key_type_name(p->key)) == NULL)
		return;
	km_keytypes_learn(t->keytypes, p->uuid, name);
}

/* The Key Manager refuses this user now, after a fresh authentication:
 * a role removed, a password changed, an application credential revoked
 * (Keystone's 401), or reading forbidden (Barbican's 403). */
static bool refused(km_err rv)
{
	return rv.kind == KM_UNAUTHORIZED || rv.kind == KM_NOT_LOGGED_IN ||
	       rv.kind == KM_PIN_REFUSED || rv.kind == KM_FORBIDDEN;
}

/* A listing of nothing replaces one the user may no longer read: its
 * objects go, and the module drops their keys as it takes it in. */
static km_err refused_listing(struct km_token *t, km_err rv,
			      struct km_listing **out)
{
	bool had;

	pthread_mutex_lock(&t->lock);
	had = t->snapshot != NULL && !(km_token_login_required(t) && t->pin == NULL);
	pthread_mutex_unlock(&t->lock);
	if (!had || !refused(rv))
		return rv;
	km_error("token %s: the Key Manager refuses this user the project now: "
		 "its objects and the keys fetched from them are dropped until "
		 "access returns", t->label);
	return (*out = calloc(1, sizeof(**out))) != NULL ? KM_ERR(OK)
							 : KM_ERR(NO_MEMORY);
}

/* began: the change stamp read before listing, so that a change marked
 * while this lists is seen by the next search. owner: this thread set
 * t->refreshing, and only it clears it (one a full listing runs beside
 * must not open the way to a second scoped one). */
static km_err refresh(struct km_token *t, const char began[KM_CHANGES_STAMP_MAX],
		      const char *scope, bool owner)
{
	struct list_args call = {t->config, scope, NULL};
	struct km_snapshot *s, *old = NULL;
	km_err rv;

	rv = with_auth(t, list_call, &call);
	if (!km_ok(rv))
		rv = refused_listing(t, rv, &call.listing);
	if (km_ok(rv) && (s = calloc(1, sizeof(*s))) == NULL)
		rv = KM_ERR(NO_MEMORY);
	if (km_ok(rv) && call.scope != NULL &&
	    (s->scope = strdup(call.scope)) == NULL) {
		free(s);
		rv = KM_ERR(NO_MEMORY);
	}
	pthread_mutex_lock(&t->lock);
	if (owner)
		t->refreshing = false;
	t->tried_at = time(NULL);
	/* A login that ended while this listed takes the listing along. */
	if (km_ok(rv) && km_token_login_required(t) && t->pin == NULL) {
		snapshot_free(s);
		rv = KM_ERR(NOT_LOGGED_IN);
	} else if (km_ok(rv) && s->scope != NULL && covers(t->snapshot, NULL)) {
		/* Another thread listed everything meanwhile: that stays. */
		snapshot_free(s);
	} else if (km_ok(rv)) {
		fill_key_types(t, call.listing);
		s->listing = call.listing;
		call.listing = NULL;
		s->generation = ++t->generation;
		s->refs = 1;
		if (t->snapshot != NULL && --t->snapshot->refs == 0)
			old = t->snapshot;
		t->snapshot = s;
		t->listed_at = time(NULL);
		memcpy(t->stamp, began, sizeof(t->stamp));
	}
	pthread_mutex_unlock(&t->lock);
	km_listing_free(call.listing);
	if (old != NULL)
		snapshot_free(old);
	return rv;
}

bool km_token_listing_due(struct km_token *t)
{
	time_t interval = t->config->refresh_interval;
	bool due;

	pthread_mutex_lock(&t->lock);
	due = t->snapshot != NULL && !t->refreshing &&
	      time(NULL) - t->tried_at >= (interval > 0 ? interval : 1);
	pthread_mutex_unlock(&t->lock);
	return due;
}

/* One object a signer uses: a container, or a standalone secret. */
struct in_use {
	const char *what; /* "containers" or "secrets" */
	km_uuid uuid;
};

static bool fetched(const struct km_cache *c, const char *uuid)
{
	static const enum km_payload_kind kinds[] = {
		KM_PAYLOAD_CERTIFICATE, KM_PAYLOAD_CHAIN, KM_PAYLOAD_PRIVATE_KEY,
		KM_PAYLOAD_PUBLIC_KEY, KM_PAYLOAD_BYTES};

	for (size_t i = 0; uuid[0] != '\0' && i < 5; i++)
		if (km_cache_get(c, uuid, kinds[i]) != NULL)
			return true;
	return false;
}

static void add_in_use(struct in_use *u, size_t *n, const char *what,
		       const char *uuid)
{
	u[*n].what = what;
	memcpy(u[(*n)++].uuid, uuid, sizeof(km_uuid));
}

/* Under the lock: the containers and standalone secrets of the current
 * listing whose payloads were fetched; NULL for none or no memory. */
static struct in_use *objects_in_use(struct km_token *t, size_t *n)
{
	const struct km_listing *l = t->snapshot ? t->snapshot->listing : NULL;
	struct in_use *u;

	*n = 0;
	if (l == NULL || (u = calloc(l->n_containers + l->n_secrets + 1,
				     sizeof(*u))) == NULL)
		return NULL;
	for (size_t i = 0; i < l->n_containers; i++) {
		const struct km_container *c = &l->containers[i];
		if (fetched(&t->cache, c->certificate) ||
		    fetched(&t->cache, c->private_key) ||
		    fetched(&t->cache, c->public_key) ||
		    fetched(&t->cache, c->intermediates))
			add_in_use(u, n, "containers", c->uuid);
	}
	for (size_t i = 0; i < l->n_secrets; i++)
		if (!l->secrets[i].referenced &&
		    fetched(&t->cache, l->secrets[i].uuid))
			add_in_use(u, n, "secrets", l->secrets[i].uuid);
	return u;
}

struct recheck_args {
	struct in_use *objects;
	size_t n;
};

static km_err recheck_call(const struct km_endpoint *ep, void *arg)
{
	const struct recheck_args *c = arg;
	km_err rv = KM_ERR(OK);

	for (size_t i = 0; km_ok(rv) && i < c->n; i++)
		rv = km_barbican_exists(ep, c->objects[i].what, c->objects[i].uuid);
	return rv;
}

/* What listing s again would cost, in requests: pages of 100, or by
 * name two a name and one a secret held (tokens/barbican.h). */
static size_t listing_cost(const struct km_token *t, const struct km_snapshot *s)
{
	const struct km_listing *l = s->listing;

	if (s->scope == NULL && !km_token_config_names_only(t->config))
		return (l->n_containers + 99) / 100 + (l->n_secrets + 99) / 100;
	return 2 * (s->scope != NULL ? 1 : t->config->n_containers) +
	       l->n_secrets;
}

enum claim { CHECK_BUSY, CHECK_LIST, CHECK_TAKEN };

/* Under the lock: the objects to check into c, claimed by this thread as
 * a refresh is (t->refreshing); or another thread is at it; or a listing
 * is due instead (nothing fetched, or more to ask than a listing costs). */
static enum claim claim_check(struct km_token *t, struct recheck_args *c)
{
	struct in_use *objects;

	if (t->refreshing)
		return CHECK_BUSY;
	objects = objects_in_use(t, &c->n);
	if (objects == NULL || c->n == 0 || c->n > listing_cost(t, t->snapshot)) {
		free(objects);
		return CHECK_LIST;
	}
	c->objects = objects;
	t->refreshing = true;
	return CHECK_TAKEN;
}

km_err km_token_recheck(struct km_token *t)
{
	struct recheck_args call = {NULL, 0};
	enum claim claim;
	bool list;
	km_err rv;

	pthread_mutex_lock(&t->lock);
	claim = claim_check(t, &call);
	pthread_mutex_unlock(&t->lock);
	if (claim != CHECK_TAKEN)
		return claim == CHECK_BUSY ? KM_ERR(OK) : KM_ERR(NOT_FOUND);
	rv = with_auth(t, recheck_call, &call);
	free(call.objects);
	/* One gone, or the user refused: the listing says what went. */
	list = rv.kind == KM_NOT_FOUND || refused(rv);
	pthread_mutex_lock(&t->lock);
	t->refreshing = false;
	if (!list && rv.kind != KM_NO_MEMORY)
		t->tried_at = time(NULL);
	pthread_mutex_unlock(&t->lock);
	if (list)
		return KM_ERR(NOT_FOUND);
	if (rv.kind == KM_NO_MEMORY)
		return rv;
	if (!km_ok(rv))
		km_warning("token %s: the Key Manager did not answer the check "
			   "of the objects in use; keeping the listing", t->label);
	return KM_ERR(OK);
}

km_err km_token_snapshot(struct km_token *t, const char *name,
			 struct km_snapshot **out)
{
	char stamp[KM_CHANGES_STAMP_MAX];
	bool must_refresh, covered, owner;
	const char *scope;
	km_err rv = KM_ERR(OK);

	/* A token of plain names lists only those already: all of them, so
	 * that a search of each is answered from one listing. */
	if (km_token_config_names_only(t->config))
		name = NULL;
	km_changes_read(t->serial, stamp);
	pthread_mutex_lock(&t->lock);
	covered = covers(t->snapshot, name);
	/* Scoped only until everything is listed, to one name, and by one
	 * thread at a time: one scoped to another name could end last. */
	scope = (t->snapshot == NULL && !t->refreshing) ||
			(covered && t->snapshot->scope != NULL)
		? name : NULL;
	/* One thread refreshes; the others keep reading the old snapshot,
	 * if it answers them. */
	must_refresh = !covered || (!fresh_enough(t, stamp) && !t->refreshing);
	owner = must_refresh && !t->refreshing;
	if (owner)
		t->refreshing = true;
	pthread_mutex_unlock(&t->lock);
	if (must_refresh)
		rv = refresh(t, stamp, scope, owner);
	pthread_mutex_lock(&t->lock);
	if (!km_ok(rv) && covers(t->snapshot, name))
		km_warning("token %s: refresh failed, keeping the previous "
			   "listing", t->label);
	if (covers(t->snapshot, name)) {
		t->snapshot->refs++;
		*out = t->snapshot;
		rv = KM_ERR(OK);
	} else if (km_ok(rv)) {
		/* A C_Logout took the listing while this made it. */
		rv = KM_ERR(NOT_LOGGED_IN);
	}
	pthread_mutex_unlock(&t->lock);
	return rv;
}

void km_token_snapshot_ref(struct km_token *t, struct km_snapshot *s)
{
	pthread_mutex_lock(&t->lock);
	s->refs++;
	pthread_mutex_unlock(&t->lock);
}

void km_token_snapshot_unref(struct km_token *t, struct km_snapshot *s)
{
	bool last;

	if (s == NULL)
		return;
	pthread_mutex_lock(&t->lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&t->lock);
	if (last)
		snapshot_free(s);
}

const struct km_payload *km_token_cached_payload(struct km_token *t,
						 const char *uuid,
						 enum km_payload_kind kind)
{
	const struct km_payload *p;

	pthread_mutex_lock(&t->lock);
	p = km_cache_get(&t->cache, uuid, kind);
	pthread_mutex_unlock(&t->lock);
	return p;
}

/* The cached payload with a reference for the caller; NULL if none. */
static const struct km_payload *held(struct km_token *t, const char *uuid,
				     enum km_payload_kind kind)
{
	struct km_payload *p;

	pthread_mutex_lock(&t->lock);
	if ((p = km_cache_get(&t->cache, uuid, kind)) != NULL)
		p->refs++;
	pthread_mutex_unlock(&t->lock);
	return p;
}

/* Publishes p (the caller's reference) unless another thread was first;
 * *out: the one kept, with a reference for the caller. A login that ended
 * while p was fetched takes p along. */
static km_err publish(struct km_token *t, struct km_payload *p,
		      const struct km_payload **out)
{
	struct km_payload *kept = NULL;
	km_err rv = KM_ERR(OK);

	pthread_mutex_lock(&t->lock);
	if (km_token_login_required(t) && t->pin == NULL)
		rv = KM_ERR(NOT_LOGGED_IN);
	else if ((kept = km_cache_put(&t->cache, p)) == NULL)
		rv = KM_ERR(NO_MEMORY);
	else
		kept->refs++; /* p: the table's and the caller's */
	if (kept != p)
		km_payload_unref(p);
	pthread_mutex_unlock(&t->lock);
	*out = kept;
	return rv;
}

void km_token_payload_release(struct km_token *t, const struct km_payload *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&t->lock);
	km_payload_unref((struct km_payload *)p);
	pthread_mutex_unlock(&t->lock);
}

/* In none of the listing's secrets or containers. */
static bool unlisted(const struct km_payload *p, const void *arg)
{
	const struct km_listing *l = arg;

	if (km_listing_secret(l, p->uuid) != NULL)
		return false;
	/* A secret of another project that a listed container holds. */
	for (size_t i = 0; i < l->n_containers; i++) {
		const struct km_container *c = &l->containers[i];
		const char *held_by[] = {c->certificate, c->private_key,
					 c->public_key, c->passphrase,
					 c->intermediates};
		for (size_t j = 0; j < sizeof(held_by) / sizeof(held_by[0]); j++)
			if (strcmp(held_by[j], p->uuid) == 0)
				return false;
	}
	return true;
}

size_t km_token_forget_unlisted(struct km_token *t,
				const struct km_snapshot *s)
{
	size_t n;

	pthread_mutex_lock(&t->lock);
	n = km_cache_evict(&t->cache, unlisted, s->listing);
	pthread_mutex_unlock(&t->lock);
	if (n > 0)
		km_info("token %s: %zu payloads dropped: their secrets are no "
			"longer listed", t->label, n);
	return n;
}

struct payload_args {
	const char *uuid;
	const char *content_type;
	struct km_response response;
};

static km_err payload_call(const struct km_endpoint *ep, void *arg)
{
	struct payload_args *c = arg;
	return km_barbican_payload(ep, c->uuid, c->content_type, &c->response);
}

struct meta_args {
	const char *uuid;
	struct km_listing listing;
};

static km_err meta_call(const struct km_endpoint *ep, void *arg)
{
	struct meta_args *c = arg;
	return km_barbican_secret(ep, c->uuid, &c->listing);
}

/* Fetches the raw payload of a secret, in its default content type. */
static km_err fetch(struct km_token *t, const struct km_snapshot *s,
		    const char *uuid, struct km_response *out)
{
	const struct km_secret_meta *meta = km_listing_secret(s->listing, uuid);
	struct meta_args m = {uuid, {0}};
	struct payload_args p = {uuid, NULL, {.retry_after = -1}};
	km_err rv = KM_ERR(OK);

	/* A secret of another project (shared by ACL) is not in our list. */
	if (meta == NULL) {
		rv = with_auth(t, meta_call, &m);
		meta = m.listing.n_secrets ? &m.listing.secrets[0] : NULL;
	}
	if (km_ok(rv)) {
		p.content_type = meta ? meta->content_type : NULL;
		rv = with_auth(t, payload_call, &p);
	}
	km_listing_clear(&m.listing);
	if (km_ok(rv))
		*out = p.response;
	else
		km_response_clear(&p.response);
	return rv;
}

static const char *const kind_names[] = {"certificate", "certificate chain",
					 "private key", "public key", "value"};

static void parse_into(struct km_payload *p, const struct km_response *r,
		       const char *passphrase)
{
	const unsigned char *data = (const unsigned char *)r->body;

	switch (p->kind) {
	case KM_PAYLOAD_CERTIFICATE:
		p->certificate = km_parse_certificate(data, r->len);
		break;
	case KM_PAYLOAD_CHAIN:
		p->chain = km_parse_chain(data, r->len);
		break;
	case KM_PAYLOAD_PRIVATE_KEY:
		p->key = km_parse_private_key(data, r->len, passphrase);
		break;
	case KM_PAYLOAD_PUBLIC_KEY:
		p->key = km_parse_public_key(data, r->len);
		break;
	case KM_PAYLOAD_BYTES:
		if ((p->bytes = malloc(r->len ? r->len : 1)) != NULL) {
			memcpy(p->bytes, data, r->len);
			p->len = r->len;
		}
		break;
	}
	if (p->certificate == NULL && p->chain == NULL && p->key == NULL &&
	    p->bytes == NULL) {
		p->error = KM_ERR(BAD_PAYLOAD);
		km_error("secret %s: payload is not a usable %s%s", p->uuid,
			 kind_names[p->kind],
			 p->kind == KM_PAYLOAD_PRIVATE_KEY && passphrase == NULL
				 ? " (no passphrase in the container)" : "");
	}
}

km_err km_token_payload(struct km_token *t, const struct km_snapshot *s,
			const char *uuid, enum km_payload_kind kind,
			const char *passphrase, const struct km_payload **out)
{
	struct km_response body = {.retry_after = -1};
	struct km_response pass = {.retry_after = -1};
	struct km_payload *p;
	km_err rv;

	if ((*out = held(t, uuid, kind)) != NULL)
		return KM_ERR(OK);
	rv = fetch(t, s, uuid, &body);
	if (km_ok(rv) && passphrase != NULL && passphrase[0] != '\0')
		rv = fetch(t, s, passphrase, &pass);
	if (km_ok(rv) && (p = calloc(1, sizeof(*p))) == NULL)
		rv = KM_ERR(NO_MEMORY);
	if (km_ok(rv)) {
		memcpy(p->uuid, uuid, sizeof(p->uuid));
		p->kind = kind;
		p->refs = 1;
		parse_into(p, &body, pass.body);
		if (kind == KM_PAYLOAD_PRIVATE_KEY || kind == KM_PAYLOAD_PUBLIC_KEY)
			learn_key_type(t, s, p);
		rv = publish(t, p, out);
	}
	km_response_clear(&body);
	km_response_clear(&pass);
	return rv;
}
