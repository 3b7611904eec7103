/*
 * The PKCS#11 front: one static function list, one lock. Entry points
 * check their arguments, take the lock, call *_inlock helpers and return
 * one rv; the lock is released around every network call. Those that
 * make, change and destroy objects are in object-calls.c.
 */
#include "module/internal.h"

#include "module/adopt.h"
#include "module/attrs.h"
#include "module/cipher.h"
#include "module/digest.h"
#include "module/kmp11.h"
#include "module/mechanisms.h"
#include "module/ops.h"
#include "module/secure-heap.h"
#include "module/sign.h"
#include "tokens/config.h"
#include "tokens/crypto-ctx.h"
#include "tokens/log.h"
#include "tokens/orders.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MANUFACTURER "kmp11"
#define LIBRARY_DESCRIPTION "kmp11 Key Manager PKCS#11 module"
#define MAX_PIN_LEN 1024 /* a Keystone password, as CK_TOKEN_INFO says */

struct kmp_module kmp_gl = {.lock = PTHREAD_MUTEX_INITIALIZER};

static CK_FUNCTION_LIST function_list;

/* ---- fork: no lock is left held in the child ---- */

static void before_fork(void)
{
	pthread_mutex_lock(&kmp_gl.lock);
	for (size_t i = 0; i < kmp_gl.n_slots; i++)
		km_token_lock(kmp_gl.slots[i].token);
}

static void after_fork_in_parent(void)
{
	for (size_t i = kmp_gl.n_slots; i > 0; i--)
		km_token_unlock(kmp_gl.slots[i - 1].token);
	pthread_mutex_unlock(&kmp_gl.lock);
}

/* The threads that were inside calls are not in the child: what they
 * held claimed is released. */
static void after_fork_in_child(void)
{
	kmp_sessions_after_fork(&kmp_gl.sessions);
	for (size_t i = kmp_gl.n_slots; i > 0; i--) {
		km_token_after_fork(kmp_gl.slots[i - 1].token);
		km_token_unlock(kmp_gl.slots[i - 1].token);
	}
	pthread_mutex_unlock(&kmp_gl.lock);
}

static void register_fork_handlers(void)
{
	pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
}

/* ---- initialization ---- */

static void pad(CK_UTF8CHAR *field, size_t size, const char *value)
{
	size_t n = strlen(value);

	memset(field, ' ', size);
	memcpy(field, value, n < size ? n : size);
}

/* "kmp11_conf=<path>" in pReserved (p11-kit's x-init-reserved). */
static char *reserved_config_path(const char *reserved)
{
	const char *p = reserved ? strstr(reserved, "kmp11_conf=") : NULL;

	if (p == NULL)
		return NULL;
	p += strlen("kmp11_conf=");
	return strndup(p, strcspn(p, " \t\n"));
}

static CK_RV check_init_args(const CK_C_INITIALIZE_ARGS *args)
{
	int callbacks = (args->CreateMutex != NULL) + (args->DestroyMutex != NULL) +
			(args->LockMutex != NULL) + (args->UnlockMutex != NULL);

	/* All four or none (v2.40 5.4). kmp11 locks with pthreads only:
	 * callbacks it must use instead (no CKF_OS_LOCKING_OK) it cannot. */
	if (callbacks != 0 && callbacks != 4)
		return CKR_ARGUMENTS_BAD;
	if (callbacks == 4 && !(args->flags & CKF_OS_LOCKING_OK))
		return CKR_CANT_LOCK;
	/* The spec wants pReserved NULL; p11-kit passes its x-init-reserved
	 * string there, which kmp11 reads. A pointer within the first page
	 * is no string: refused, not read. */
	if (args->pReserved != NULL && (uintptr_t)args->pReserved < 4096)
		return CKR_ARGUMENTS_BAD;
	return CKR_OK;
}

static CK_RV create_slots_inlock(struct km_config *cfg, bool no_threads)
{
	struct km_token_config *tc = cfg->tokens, *next;
	size_t n = 0;

	if (cfg->n_tokens > 0 &&
	    (kmp_gl.slots = calloc(cfg->n_tokens, sizeof(*kmp_gl.slots))) == NULL)
		return CKR_HOST_MEMORY;
	for (; tc != NULL; tc = next) {
		next = tc->next;
		tc->next = NULL;
		if ((kmp_gl.slots[n].token = km_token_new(tc, no_threads)) == NULL) {
			km_token_config_free(tc);
			continue;
		}
		n++;
	}
	cfg->tokens = NULL;
	kmp_gl.n_slots = n;
	return n == cfg->n_tokens ? CKR_OK : CKR_HOST_MEMORY;
}

static void free_slots_inlock(void)
{
	for (size_t i = 0; i < kmp_gl.n_slots; i++) {
		free(kmp_gl.slots[i].gone);
		kmp_aliases_clear(&kmp_gl.slots[i].aliases);
		kmp_orders_clear(&kmp_gl.slots[i].orders);
		kmp_objects_free(kmp_gl.slots[i].token, kmp_gl.slots[i].objects);
		km_token_free(kmp_gl.slots[i].token);
	}
	free(kmp_gl.slots);
	kmp_gl.slots = NULL;
	kmp_gl.n_slots = 0;
}

/*
 * At exit, or at dlclose (atexit in a library runs then), kmp11's library
 * context goes if kmp11 is finalized: otherwise a later exit handler may
 * still call C_Finalize (pkcs11-provider's, run by OPENSSL_cleanup), which
 * frees keys made in it. Registered after OpenSSL's own handler, so it runs
 * before OPENSSL_cleanup.
 */
static void release_crypto(void)
{
	bool finalized = false;

	if (pthread_mutex_trylock(&kmp_gl.lock) == 0) {
		finalized = !kmp_gl.initialized;
		pthread_mutex_unlock(&kmp_gl.lock);
	}
	if (finalized)
		km_libctx_free();
}

static void register_crypto_release(void)
{
	atexit(release_crypto);
}

/* The configuration that C_Initialize's arguments and environment name. */
static CK_RV config_id(const char *path, const CK_C_INITIALIZE_ARGS *args,
		       struct kmp_config_id *id)
{
	memset(id, 0, sizeof(*id));
	id->no_threads = args != NULL &&
			 (args->flags & CKF_LIBRARY_CANT_CREATE_OS_THREADS);
	return km_config_fingerprint(path, id->fp) == 0 ? CKR_OK
							 : CKR_HOST_MEMORY;
}

/* The slots of the configuration, set up afresh. */
static CK_RV load_inlock(const char *path, const struct kmp_config_id *id)
{
	struct km_config cfg = {0};
	char err[KM_ERR_SIZE] = "";
	CK_RV rv = CKR_OK;

	if (km_config_load(&cfg, path, err, sizeof(err)) != 0) {
		km_error("configuration: %s", err);
		rv = CKR_GENERAL_ERROR;
	}
	if (rv == CKR_OK && cfg.log_level >= 0 && !secure_getenv("KMP11_DEBUG"))
		km_log_set_level(cfg.log_level);
	if (rv == CKR_OK)
		rv = create_slots_inlock(&cfg, id->no_threads);
	if (rv == CKR_OK) {
		kmp_adopt_remember(id);
		km_info("initialized with %zu token(s)", kmp_gl.n_slots);
	} else {
		free_slots_inlock();
	}
	km_config_clear(&cfg);
	return rv;
}

/* The slots a C_Finalize of this forked process kept, when the
 * configuration is the same; else they go and the configuration is
 * loaded afresh. */
static CK_RV adopt_or_load_inlock(const CK_C_INITIALIZE_ARGS *args)
{
	char *path = args ? reserved_config_path(args->pReserved) : NULL;
	struct kmp_config_id id;
	CK_RV rv = config_id(path, args, &id);

	if (rv == CKR_OK &&
	    kmp_adopt_take(&id, &kmp_gl.slots, &kmp_gl.n_slots)) {
		km_info("C_Initialize after C_Finalize in a forked process: "
			"the %zu token(s) of the parent adopted",
			kmp_gl.n_slots);
	} else {
		free_slots_inlock(); /* what was kept, if anything */
		if (rv == CKR_OK)
			rv = load_inlock(path, &id);
	}
	free(path);
	return rv;
}

static CK_RV kmp_C_Initialize(CK_VOID_PTR init_args)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT, heap_once = PTHREAD_ONCE_INIT,
			      release_once = PTHREAD_ONCE_INIT;
	CK_C_INITIALIZE_ARGS *args = init_args;
	CK_RV rv = CKR_OK;

	if (args != NULL && (rv = check_init_args(args)) != CKR_OK)
		return rv;
	pthread_once(&once, register_fork_handlers);
	km_log_init_from_env();
	pthread_once(&heap_once, kmp_secure_heap_init);
	/* Never the default context instead: the host's openssl.cnf rules it. */
	if (km_libctx() == NULL)
		return CKR_HOST_MEMORY;
	pthread_once(&release_once, register_crypto_release);
	pthread_mutex_lock(&kmp_gl.lock);
	if (kmp_gl.initialized && kmp_gl.pid != getpid()) {
		/* A forked child: keep what the parent fetched. */
		kmp_gl.pid = getpid();
		km_debug("C_Initialize in a forked child: state kept");
	} else if (kmp_gl.initialized) {
		rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
	} else if ((rv = adopt_or_load_inlock(args)) == CKR_OK) {
		kmp_gl.initialized = true;
		kmp_gl.pid = getpid();
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

static void logout_inlock(struct kmp_slot *slot, CK_SLOT_ID id);

/* In a process that inherited the slots and did not set them up (a forked
 * child), they are kept for a C_Initialize to adopt, logged out: what a
 * login fetched goes, as C_Finalize ends every session. */
static void finalize_slots_inlock(void)
{
	if (kmp_gl.pid == getpid()) {
		free_slots_inlock();
		return;
	}
	for (size_t i = 0; i < kmp_gl.n_slots; i++)
		logout_inlock(&kmp_gl.slots[i], i);
	kmp_adopt_keep(kmp_gl.slots, kmp_gl.n_slots);
	kmp_gl.slots = NULL;
	kmp_gl.n_slots = 0;
}

static CK_RV kmp_C_Finalize(CK_VOID_PTR reserved)
{
	CK_RV rv = CKR_OK;

	if (reserved != NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&kmp_gl.lock);
	if (!kmp_gl.initialized) {
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
	} else {
		kmp_sessions_clear(&kmp_gl.sessions);
		kmp_sobjects_clear(&kmp_gl.sobjects);
		finalize_slots_inlock();
		kmp_gl.initialized = false;
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

static CK_RV kmp_C_GetInfo(CK_INFO_PTR info)
{
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	if (!kmp_gl.initialized)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	memset(info, 0, sizeof(*info));
	info->cryptokiVersion.major = 2;
	info->cryptokiVersion.minor = 40;
	pad(info->manufacturerID, sizeof(info->manufacturerID), MANUFACTURER);
	pad(info->libraryDescription, sizeof(info->libraryDescription),
	    LIBRARY_DESCRIPTION);
	info->libraryVersion.major = 0;
	info->libraryVersion.minor = 1;
	return CKR_OK;
}

static CK_RV kmp_C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	*list = &function_list;
	return CKR_OK;
}

/* ---- slots and tokens ---- */

static CK_RV slot_inlock(CK_SLOT_ID id, struct kmp_slot **out)
{
	if (!kmp_gl.initialized)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (id >= kmp_gl.n_slots)
		return CKR_SLOT_ID_INVALID;
	*out = &kmp_gl.slots[id];
	return CKR_OK;
}

static CK_RV kmp_C_GetSlotList(CK_BBOOL token_present, CK_SLOT_ID_PTR list,
			       CK_ULONG_PTR count)
{
	CK_RV rv = CKR_OK;

	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&kmp_gl.lock);
	if (!kmp_gl.initialized)
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
	else if (list != NULL && *count < kmp_gl.n_slots)
		rv = CKR_BUFFER_TOO_SMALL;
	for (size_t i = 0; rv == CKR_OK && list != NULL && i < kmp_gl.n_slots; i++)
		list[i] = i;
	if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
		*count = kmp_gl.n_slots;
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

static CK_RV kmp_C_GetSlotInfo(CK_SLOT_ID id, CK_SLOT_INFO_PTR info)
{
	struct kmp_slot *slot;
	char text[80];
	CK_RV rv;

	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&kmp_gl.lock);
	if ((rv = slot_inlock(id, &slot)) == CKR_OK) {
		memset(info, 0, sizeof(*info));
		snprintf(text, sizeof(text), "kmp11 %s", km_token_label(slot->token));
		pad(info->slotDescription, sizeof(info->slotDescription), text);
		pad(info->manufacturerID, sizeof(info->manufacturerID), MANUFACTURER);
		info->flags = CKF_TOKEN_PRESENT;
		info->firmwareVersion.major = 0;
		info->firmwareVersion.minor = 1;
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

static CK_RV kmp_C_GetTokenInfo(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info)
{
	struct kmp_slot *slot;
	CK_RV rv;

	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&kmp_gl.lock);
	if ((rv = slot_inlock(id, &slot)) == CKR_OK) {
		memset(info, 0, sizeof(*info));
		pad(info->label, sizeof(info->label), km_token_label(slot->token));
		pad(info->manufacturerID, sizeof(info->manufacturerID), MANUFACTURER);
		pad(info->model, sizeof(info->model), "Barbican v1");
		pad(info->serialNumber, sizeof(info->serialNumber),
		    km_token_serial(slot->token));
		info->flags = CKF_TOKEN_INITIALIZED | CKF_RNG;
		if (km_token_config(slot->token)->read_only)
			info->flags |= CKF_WRITE_PROTECTED;
		if (km_token_login_required(slot->token))
			info->flags |= CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED;
		info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
		info->ulSessionCount = kmp_session_count(&kmp_gl.sessions, id, false);
		info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
		info->ulRwSessionCount = kmp_session_count(&kmp_gl.sessions, id, true);
		info->ulMaxPinLen = MAX_PIN_LEN;
		info->ulMinPinLen = 1;
		info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
		info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
		info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
		info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
		info->firmwareVersion.minor = 1;
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

static CK_RV kmp_C_GetMechanismList(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list,
				    CK_ULONG_PTR count)
{
	struct kmp_slot *slot;
	CK_ULONG n = kmp_mechanism_list(NULL);
	CK_RV rv;

	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&kmp_gl.lock);
	rv = slot_inlock(id, &slot);
	pthread_mutex_unlock(&kmp_gl.lock);
	if (rv != CKR_OK)
		return rv;
	if (list != NULL && *count < n)
		rv = CKR_BUFFER_TOO_SMALL;
	else if (list != NULL)
		kmp_mechanism_list(list);
	*count = n;
	return rv;
}

static CK_RV kmp_C_GetMechanismInfo(CK_SLOT_ID id, CK_MECHANISM_TYPE type,
				    CK_MECHANISM_INFO_PTR info)
{
	const struct kmp_mechanism *mech = kmp_mechanism(type);
	struct kmp_slot *slot;
	CK_RV rv;

	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&kmp_gl.lock);
	rv = slot_inlock(id, &slot);
	pthread_mutex_unlock(&kmp_gl.lock);
	if (rv == CKR_OK && mech == NULL)
		rv = CKR_MECHANISM_INVALID;
	if (rv == CKR_OK) {
		info->ulMinKeySize = mech->min_size;
		info->ulMaxKeySize = mech->max_size;
		info->flags = mech->flags;
	}
	return rv;
}

/* ---- sessions and login ---- */

CK_RV session_inlock(CK_SESSION_HANDLE h, struct kmp_session **session,
		     struct kmp_slot **slot)
{
	if (!kmp_gl.initialized)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if ((*session = kmp_session_get(&kmp_gl.sessions, h)) == NULL)
		return CKR_SESSION_HANDLE_INVALID;
	if (slot != NULL)
		*slot = &kmp_gl.slots[(*session)->slot];
	return CKR_OK;
}

static CK_RV kmp_C_OpenSession(CK_SLOT_ID id, CK_FLAGS flags,
			       CK_VOID_PTR app, CK_NOTIFY notify,
			       CK_SESSION_HANDLE_PTR out)
{
	struct kmp_session *session;
	struct kmp_slot *slot;
	CK_RV rv;

	if (out == NULL)
		return CKR_ARGUMENTS_BAD;
	if (!(flags & CKF_SERIAL_SESSION))
		return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	pthread_mutex_lock(&kmp_gl.lock);
	rv = slot_inlock(id, &slot);
	if (rv == CKR_OK && (flags & CKF_RW_SESSION) &&
	    km_token_config(slot->token)->read_only)
		rv = CKR_TOKEN_WRITE_PROTECTED; /* CKF_WRITE_PROTECTED */
	if (rv == CKR_OK) {
		session = kmp_session_open(&kmp_gl.sessions, id, flags);
		if (session == NULL)
			rv = CKR_HOST_MEMORY;
		else
			*out = session->handle;
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

/* The token's login ends: the Keystone secret, the spares that hold
 * keys, the private session objects, and on a login token the private
 * token objects go. */
static void logout_inlock(struct kmp_slot *slot, CK_SLOT_ID id)
{
	slot->logged_in = false;
	km_token_logout(slot->token);
	kmp_session_drop_spares(&kmp_gl.sessions, id);
	kmp_sobjects_logout(&kmp_gl.sobjects, id);
	if (km_token_login_required(slot->token)) {
		kmp_objects_free(slot->token, slot->objects);
		slot->objects = NULL;
	}
}

/* With its last session closed, a token is public again (v2.40 6.7). */
static void last_session_closed_inlock(CK_SLOT_ID id)
{
	struct kmp_slot *slot;

	if (slot_inlock(id, &slot) == CKR_OK && slot->logged_in &&
	    kmp_session_count(&kmp_gl.sessions, id, false) == 0)
		logout_inlock(slot, id);
}

static CK_RV kmp_C_CloseSession(CK_SESSION_HANDLE h)
{
	struct kmp_session *session;
	CK_SLOT_ID id = 0;
	CK_RV rv = CKR_OK;

	pthread_mutex_lock(&kmp_gl.lock);
	if (!kmp_gl.initialized) {
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
	} else if ((session = kmp_session_get(&kmp_gl.sessions, h)) == NULL) {
		rv = CKR_SESSION_HANDLE_INVALID;
	} else {
		id = session->slot;
		kmp_session_close(&kmp_gl.sessions, h);
		kmp_sobjects_close_session(&kmp_gl.sobjects, h);
		last_session_closed_inlock(id);
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

static CK_RV kmp_C_CloseAllSessions(CK_SLOT_ID id)
{
	struct kmp_slot *slot;
	CK_RV rv;

	pthread_mutex_lock(&kmp_gl.lock);
	if ((rv = slot_inlock(id, &slot)) == CKR_OK) {
		kmp_session_close_slot(&kmp_gl.sessions, id);
		kmp_sobjects_close_slot(&kmp_gl.sobjects, id);
		last_session_closed_inlock(id);
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

static CK_RV kmp_C_GetSessionInfo(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info)
{
	struct kmp_session *session;
	struct kmp_slot *slot;
	bool rw;
	CK_RV rv;

	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&kmp_gl.lock);
	if ((rv = session_inlock(h, &session, &slot)) == CKR_OK) {
		rw = session->flags & CKF_RW_SESSION;
		info->slotID = session->slot;
		info->flags = session->flags;
		info->ulDeviceError = 0;
		if (slot->logged_in)
			info->state = rw ? CKS_RW_USER_FUNCTIONS
					 : CKS_RO_USER_FUNCTIONS;
		else
			info->state = rw ? CKS_RW_PUBLIC_SESSION
					 : CKS_RO_PUBLIC_SESSION;
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

static CK_RV kmp_C_Login(CK_SESSION_HANDLE h, CK_USER_TYPE user,
			 CK_UTF8CHAR_PTR pin, CK_ULONG pin_len)
{
	struct kmp_session *session;
	struct kmp_slot *slot;
	struct km_token *token = NULL;
	CK_RV rv;

	pthread_mutex_lock(&kmp_gl.lock);
	rv = session_inlock(h, &session, &slot);
	if (rv == CKR_OK && user == CKU_SO)
		rv = CKR_USER_TYPE_INVALID; /* the Key Manager has no SO */
	else if (rv == CKR_OK && user == CKU_CONTEXT_SPECIFIC)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else if (rv == CKR_OK && user != CKU_USER)
		rv = CKR_USER_TYPE_INVALID;
	else if (rv == CKR_OK && slot->logged_in)
		rv = CKR_USER_ALREADY_LOGGED_IN;
	else if (rv == CKR_OK && km_token_login_required(slot->token))
		token = slot->token;
	else if (rv == CKR_OK)
		slot->logged_in = true; /* complete credentials: no PIN */
	pthread_mutex_unlock(&kmp_gl.lock);
	if (token == NULL)
		return rv;
	/* Longer than ulMaxPinLen is no PIN of this token, and is not read
	 * (C_Login has no CKR_PIN_LEN_RANGE). */
	if (pin == NULL || pin_len == 0 || pin_len > MAX_PIN_LEN)
		return CKR_PIN_INCORRECT;
	rv = km_token_login(token, (const char *)pin, pin_len);
	if (rv == CKR_USER_NOT_LOGGED_IN)
		rv = CKR_PIN_INCORRECT;
	if (rv == CKR_OK) {
		pthread_mutex_lock(&kmp_gl.lock);
		slot->logged_in = true;
		pthread_mutex_unlock(&kmp_gl.lock);
	}
	return rv;
}

static CK_RV kmp_C_Logout(CK_SESSION_HANDLE h)
{
	struct kmp_session *session;
	struct kmp_slot *slot;
	CK_RV rv;

	pthread_mutex_lock(&kmp_gl.lock);
	rv = session_inlock(h, &session, &slot);
	if (rv == CKR_OK && !slot->logged_in)
		rv = CKR_USER_NOT_LOGGED_IN;
	if (rv == CKR_OK)
		logout_inlock(slot, session->slot);
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

/* ---- objects ---- */

/*
 * What a failed Key Manager call means to a PKCS#11 caller reading
 * objects: the codes those functions may return. Refused credentials, a
 * forbidden project or any other failure is a device error (logged where
 * it happened); memory and a deleted object keep their own codes.
 */
CK_RV read_failure(CK_RV rv)
{
	switch (rv) {
	case CKR_OK:
	case CKR_HOST_MEMORY:
	case CKR_DEVICE_MEMORY:
	case CKR_OBJECT_HANDLE_INVALID:
		return rv;
	default:
		return CKR_DEVICE_ERROR;
	}
}

/* The objects of a snapshot, rebuilt when the snapshot is newer. */
struct kmp_objects *objects_inlock(struct kmp_slot *slot,
				   struct km_snapshot *snap,
				   bool force)
{
	struct kmp_objects *o;

	/* A listing older than the table's (another thread adopted a newer
	 * one meanwhile) would bring back what the newer one dropped. */
	if (slot->objects != NULL &&
	    ((slot->objects->snapshot == snap && !force) ||
	     slot->objects->snapshot->generation > snap->generation))
		return slot->objects;
	km_token_snapshot_ref(slot->token, snap);
	if ((o = kmp_objects_build(slot->token, snap)) == NULL) {
		km_token_snapshot_unref(slot->token, snap);
		return NULL;
	}
	kmp_objects_free(slot->token, slot->objects);
	slot->objects = o;
	/* Keys of secrets the listing lost (deleted, or no longer this
	 * user's to read) go, with the contexts that hold them. */
	if (km_token_forget_unlisted(slot->token, snap) > 0)
		kmp_session_drop_spares(&kmp_gl.sessions,
					(CK_SLOT_ID)(slot - kmp_gl.slots));
	return o;
}

/* A token object by handle, or by the handle it had before a write
 * replaced its container. */
struct kmp_object *get_inlock(struct kmp_slot *slot,
			      CK_OBJECT_HANDLE handle)
{
	return kmp_objects_get(slot->objects,
			       kmp_alias_resolve(&slot->aliases, handle));
}

/* A login token's login ended (C_Logout, its last session closed) while
 * the lock was let go: a listing made before must not bring its private
 * objects back. */
bool login_gone_inlock(const struct kmp_slot *slot)
{
	return km_token_login_required(slot->token) && !slot->logged_in;
}

/* After a write: the objects of a new listing. Drops the lock while it
 * lists. */
CK_RV relist_inlock(struct kmp_slot *slot)
{
	struct km_snapshot *snap = NULL;
	CK_RV rv;

	km_token_invalidate(slot->token);
	pthread_mutex_unlock(&kmp_gl.lock);
	rv = km_token_snapshot(slot->token, &snap);
	pthread_mutex_lock(&kmp_gl.lock);
	if (rv == CKR_OK && login_gone_inlock(slot))
		rv = CKR_USER_NOT_LOGGED_IN;
	if (rv == CKR_OK && objects_inlock(slot, snap, false) == NULL)
		rv = CKR_HOST_MEMORY;
	km_token_snapshot_unref(slot->token, snap);
	return rv;
}

/* The handle of an object a write made, once a new listing has it. */
CK_RV made_inlock(struct kmp_slot *slot, const char *uuid,
		  enum kmp_role role, unsigned index, CK_OBJECT_HANDLE *out)
{
	*out = kmp_object_handle(km_token_serial(slot->token), uuid, role, index);
	if (get_inlock(slot, *out) != NULL)
		return CKR_OK;
	km_error("%s is not in the new listing", uuid);
	return CKR_DEVICE_ERROR;
}

/* Fetches what an object needs; no lock held. */
CK_RV fetch_needs(struct km_token *token, struct km_snapshot *snap,
		  const struct kmp_need *needs, size_t n)
{
	const struct km_payload *p;
	CK_RV rv = CKR_OK;

	for (size_t i = 0; rv == CKR_OK && i < n; i++) {
		rv = km_token_payload(token, snap, needs[i].uuid, needs[i].kind,
				      needs[i].passphrase, &p);
		if (rv == CKR_OK)
			km_token_payload_release(token, p);
	}
	return rv;
}

/*
 * Looks an object up, fetching its payloads first when they are missing.
 * Called and returns with the lock held; drops it while fetching. Two
 * rounds: what an object needs can change once a payload proves unusable.
 */
CK_RV object_inlock(struct kmp_slot *slot, CK_OBJECT_HANDLE handle,
		    struct kmp_object **out)
{
	struct kmp_object *obj = get_inlock(slot, handle);
	struct km_snapshot *snap;
	struct kmp_need needs[3];
	CK_RV rv = CKR_OK;
	size_t n;

	for (int round = 0; rv == CKR_OK && obj != NULL && !obj->complete &&
			    round < 2;
	     round++) {
		n = kmp_object_needs(slot->token, obj, needs);
		snap = slot->objects->snapshot;
		km_token_snapshot_ref(slot->token, snap);
		pthread_mutex_unlock(&kmp_gl.lock);
		rv = read_failure(fetch_needs(slot->token, snap, needs, n));
		pthread_mutex_lock(&kmp_gl.lock);
		km_token_snapshot_unref(slot->token, snap);
		/* The table may have been swapped while unlocked. */
		obj = get_inlock(slot, handle);
		if (rv == CKR_OK && obj != NULL &&
		    !kmp_objects_update(slot->token, slot->objects, obj))
			rv = CKR_HOST_MEMORY;
	}
	if (rv != CKR_OK)
		return rv;
	if (obj == NULL)
		return CKR_OBJECT_HANDLE_INVALID;
	*out = obj;
	return CKR_OK;
}

/* Private objects of a login token are visible once logged in. */
static bool visible_inlock(struct kmp_slot *slot, CK_ATTRIBUTE *attrs)
{
	CK_ATTRIBUTE *priv = kmp_attrs_find(attrs, CKA_PRIVATE);

	return slot->logged_in || !km_token_login_required(slot->token) ||
	       priv == NULL || *(CK_BBOOL *)priv->pValue == CK_FALSE;
}

/* A session object the session may see. */
CK_RV sobject_inlock(struct kmp_session *session, struct kmp_slot *slot,
		     CK_OBJECT_HANDLE handle, struct kmp_sobject **out)
{
	struct kmp_sobject *o = kmp_sobject_get(&kmp_gl.sobjects, handle);

	if (o == NULL || o->slot != session->slot || !visible_inlock(slot, o->attrs))
		return CKR_OBJECT_HANDLE_INVALID;
	*out = o;
	return CKR_OK;
}

/* Whether a template asks for what changes while an order is pending. */
static bool asks_order_state(const CK_ATTRIBUTE *templ, CK_ULONG count)
{
	static const CK_ATTRIBUTE_TYPE changing[] = {
		CKA_KMP11_ORDER_STATUS, CKA_KMP11_ORDER_MESSAGE,
		CKA_KMP11_ORDER_ERROR, CKA_KMP11_RESULT_REF,
	};

	for (size_t i = 0; i < sizeof(changing) / sizeof(changing[0]); i++)
		if (kmp_template_find(templ, count, changing[i]) != NULL)
			return true;
	return false;
}

/* An order's attributes; a pending one's state is asked again. Drops
 * the lock while asking. */
static CK_RV order_inlock(struct kmp_slot *slot, CK_OBJECT_HANDLE handle,
			  const CK_ATTRIBUTE *templ, CK_ULONG count,
			  CK_ATTRIBUTE **attrs)
{
	struct kmp_order *order = kmp_orders_get(&slot->orders, handle);
	json_object *now = NULL;
	km_uuid uuid;
	CK_RV rv = CKR_OK;

	if (order->pending && asks_order_state(templ, count)) {
		memcpy(uuid, order->uuid, sizeof(uuid));
		pthread_mutex_unlock(&kmp_gl.lock);
		rv = read_failure(km_order_get(slot->token, uuid, &now));
		pthread_mutex_lock(&kmp_gl.lock);
		if (rv == CKR_OK && kmp_orders_put(&slot->orders,
						   km_token_serial(slot->token),
						   now) == NULL)
			rv = CKR_HOST_MEMORY;
		json_object_put(now);
		order = kmp_orders_get(&slot->orders, handle);
		/* Done: what it made is found from now on. */
		if (rv == CKR_OK && order != NULL && !order->pending)
			rv = relist_inlock(slot);
		order = kmp_orders_get(&slot->orders, handle);
	}
	if (rv == CKR_OK && order == NULL)
		rv = CKR_OBJECT_HANDLE_INVALID;
	if (rv == CKR_OK)
		*attrs = order->attrs;
	return rv;
}

/* The attributes of a token or session object. */
/* Whether every attribute a template asks for is known already. */
static bool all_known(CK_ATTRIBUTE *attrs, const CK_ATTRIBUTE *templ,
		      CK_ULONG count)
{
	for (CK_ULONG i = 0; i < count; i++)
		if (kmp_attrs_find(attrs, templ[i].type) == NULL)
			return false;
	return true;
}

/*
 * The attributes of a token or session object, for a template. A payload
 * is fetched only when the template asks for what the metadata does not
 * give: a client reading CKA_KEY_TYPE, CKA_ID and CKA_LABEL of every key
 * (as libp11 does while it searches) fetches nothing.
 */
static CK_RV attrs_inlock(struct kmp_session *session, struct kmp_slot *slot,
			  CK_OBJECT_HANDLE handle, const CK_ATTRIBUTE *templ,
			  CK_ULONG count, CK_ATTRIBUTE **attrs)
{
	struct kmp_sobject *so;
	struct kmp_object *obj;
	CK_RV rv;

	if (kmp_is_session_handle(handle)) {
		if ((rv = sobject_inlock(session, slot, handle, &so)) == CKR_OK)
			*attrs = so->attrs;
		return rv;
	}
	if (kmp_orders_get(&slot->orders, handle) != NULL)
		return order_inlock(slot, handle, templ, count, attrs);
	obj = get_inlock(slot, handle);
	if (obj != NULL && kmp_object_attrs(slot->token, slot->objects, obj) == NULL)
		return CKR_HOST_MEMORY;
	if (obj != NULL && all_known(obj->attrs, templ, count)) {
		*attrs = obj->attrs;
		return CKR_OK;
	}
	if ((rv = object_inlock(slot, handle, &obj)) == CKR_OK)
		*attrs = obj->attrs;
	return rv;
}

static CK_RV kmp_C_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh,
				     CK_ATTRIBUTE_PTR templ, CK_ULONG count)
{
	struct kmp_session *session;
	CK_ATTRIBUTE *attrs;
	struct kmp_slot *slot;
	CK_RV rv;

	if (templ == NULL && count > 0)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&kmp_gl.lock);
	rv = session_inlock(h, &session, &slot);
	if (rv == CKR_OK)
		rv = attrs_inlock(session, slot, oh, templ, count, &attrs);
	if (rv == CKR_OK)
		rv = kmp_attrs_get(attrs, templ, count);
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

static CK_RV kmp_C_GetObjectSize(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh,
				 CK_ULONG_PTR size)
{
	struct kmp_session *session;
	struct kmp_sobject *so;
	struct kmp_slot *slot;
	CK_RV rv;

	if (size == NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&kmp_gl.lock);
	rv = session_inlock(h, &session, &slot);
	if (rv == CKR_OK && kmp_is_session_handle(oh))
		rv = sobject_inlock(session, slot, oh, &so);
	else if (rv == CKR_OK && get_inlock(slot, oh) == NULL &&
		 kmp_orders_get(&slot->orders, oh) == NULL)
		rv = CKR_OBJECT_HANDLE_INVALID;
	if (rv == CKR_OK)
		*size = CK_UNAVAILABLE_INFORMATION;
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

/* Matches every object the session sees (o NULL: the session objects
 * only); collects the token objects a payload must decide. */
static CK_RV match_inlock(struct kmp_slot *slot, struct kmp_objects *o,
			  CK_ATTRIBUTE_PTR templ, CK_ULONG count,
			  struct kmp_session *session,
			  struct kmp_need **pending, size_t *n_pending)
{
	size_t n_token = o ? o->n : 0;
	CK_OBJECT_HANDLE *found = calloc(n_token + kmp_gl.sobjects.n + 1,
					 sizeof(*found));
	struct kmp_need *needs = NULL;
	size_t n = 0;

	if (found == NULL)
		return CKR_HOST_MEMORY;
	if (pending != NULL &&
	    (needs = calloc(n_token * 3 + 1, sizeof(*needs))) == NULL) {
		free(found);
		return CKR_HOST_MEMORY;
	}
	for (size_t i = 0; i < n_token; i++) {
		struct kmp_object *obj = &o->items[i];
		enum kmp_match m = KMP_NO_MATCH;
		if (obj->role != KMP_ROLE_INTERMEDIATES)
			m = kmp_object_match(slot->token, o, obj, templ, count);
		else if (kmp_template_may_match_intermediate(templ, count))
			m = KMP_UNKNOWN;
		if (m == KMP_MATCH)
			found[n++] = obj->handle;
		else if (m == KMP_UNKNOWN && !obj->complete && needs != NULL)
			*n_pending += kmp_object_needs(slot->token, obj,
						      needs + *n_pending);
	}
	for (size_t i = 0; i < kmp_gl.sobjects.n; i++) {
		struct kmp_sobject *so = &kmp_gl.sobjects.items[i];
		if (so->slot == session->slot && visible_inlock(slot, so->attrs) &&
		    kmp_attrs_match(so->attrs, templ, count) == KMP_MATCH)
			found[n++] = so->handle;
	}
	session->found = found;
	session->n_found = n;
	session->pos = 0;
	if (pending != NULL)
		*pending = needs;
	return CKR_OK;
}

static CK_RV find_inlock(struct kmp_slot *slot, CK_SESSION_HANDLE h,
			 struct kmp_session *session, struct km_snapshot *snap,
			 CK_ATTRIBUTE_PTR templ, CK_ULONG count)
{
	struct kmp_need *pending = NULL;
	size_t n_pending = 0;
	struct kmp_objects *o = objects_inlock(slot, snap, false);
	CK_RV rv;

	if (o == NULL)
		return CKR_HOST_MEMORY;
	rv = match_inlock(slot, o, templ, count, session, &pending, &n_pending);
	if (rv != CKR_OK || n_pending == 0) {
		free(pending);
		return rv;
	}
	/* Some objects need their payload to decide: fetch them off-lock,
	 * then match once more against the completed objects. */
	kmp_session_end_find(session);
	session->finding = true;
	pthread_mutex_unlock(&kmp_gl.lock);
	rv = fetch_needs(slot->token, snap, pending, n_pending);
	pthread_mutex_lock(&kmp_gl.lock);
	free(pending);
	if (rv != CKR_OK)
		km_warning("find: some objects could not be fetched");
	if (kmp_session_get(&kmp_gl.sessions, h) != session)
		return CKR_SESSION_CLOSED;
	if (login_gone_inlock(slot))
		return match_inlock(slot, NULL, templ, count, session, NULL, NULL);
	if ((o = objects_inlock(slot, snap, false)) == NULL)
		return CKR_HOST_MEMORY;
	if (!kmp_objects_complete(slot->token, o) &&
	    (o = objects_inlock(slot, snap, true)) == NULL)
		return CKR_HOST_MEMORY;
	return match_inlock(slot, o, templ, count, session, NULL, NULL);
}

/* Orders are listed afresh by a search for their class, and only then;
 * before the login a login token shows none. */
static CK_RV find_orders(CK_SESSION_HANDLE h, struct kmp_session *session,
			 struct kmp_slot *slot, const CK_ATTRIBUTE *templ,
			 CK_ULONG count)
{
	json_object *list = NULL;
	CK_OBJECT_HANDLE *found = NULL;
	size_t n = 0;
	struct km_snapshot *snap;
	CK_RV rv = km_orders_list(slot->token, &list);

	/* Without a listing the refs stay the orders' own. */
	if (rv == CKR_OK && km_token_snapshot(slot->token, &snap) == CKR_OK) {
		km_orders_follow_copies(list, snap->listing);
		km_token_snapshot_unref(slot->token, snap);
	}

	pthread_mutex_lock(&kmp_gl.lock);
	if (rv == CKR_USER_NOT_LOGGED_IN && !slot->logged_in &&
	    km_token_login_required(slot->token)) {
		kmp_orders_clear(&slot->orders);
		rv = CKR_OK;
	} else if (rv == CKR_OK &&
		   !kmp_orders_set(&slot->orders, km_token_serial(slot->token), list)) {
		rv = CKR_HOST_MEMORY;
	}
	rv = read_failure(rv);
	if (kmp_session_get(&kmp_gl.sessions, h) != session)
		rv = CKR_SESSION_CLOSED;
	else if (rv == CKR_OK &&
		 (found = calloc(slot->orders.n + 1, sizeof(*found))) == NULL)
		rv = CKR_HOST_MEMORY;
	for (size_t i = 0; rv == CKR_OK && i < slot->orders.n; i++)
		if (kmp_attrs_match(slot->orders.items[i].attrs, templ, count) == KMP_MATCH)
			found[n++] = slot->orders.items[i].handle;
	if (rv == CKR_OK) {
		session->found = found;
		session->n_found = n;
		session->pos = 0;
	} else if (rv != CKR_SESSION_CLOSED) {
		kmp_session_end_find(session);
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	json_object_put(list);
	return rv;
}

static CK_RV kmp_C_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR templ,
				   CK_ULONG count)
{
	bool snap_skipped;
	struct kmp_session *session;
	struct km_snapshot *snap = NULL;
	struct kmp_slot *slot;
	struct km_token *token;
	CK_RV rv;

	if (templ == NULL && count > 0)
		return CKR_ARGUMENTS_BAD;
	/* A value to match must be there to be read. */
	for (CK_ULONG i = 0; i < count; i++)
		if (templ[i].pValue == NULL && templ[i].ulValueLen > 0)
			return CKR_ATTRIBUTE_VALUE_INVALID;
	pthread_mutex_lock(&kmp_gl.lock);
	rv = session_inlock(h, &session, &slot);
	if (rv == CKR_OK && session->finding)
		rv = CKR_OPERATION_ACTIVE;
	if (rv == CKR_OK)
		session->finding = true; /* claimed while we list */
	token = rv == CKR_OK ? slot->token : NULL;
	pthread_mutex_unlock(&kmp_gl.lock);
	if (rv != CKR_OK)
		return rv;
	if (kmp_template_wants_orders(templ, count))
		return find_orders(h, session, slot, templ, count);
	/* Session objects only: no need for the Key Manager's listing. */
	snap_skipped = !kmp_template_bool(templ, count, CKA_TOKEN, true);
	rv = snap_skipped ? CKR_USER_NOT_LOGGED_IN : km_token_snapshot(token, &snap);
	pthread_mutex_lock(&kmp_gl.lock);
	/* The session may have been closed while the lock was released. */
	if (kmp_session_get(&kmp_gl.sessions, h) != session) {
		rv = CKR_SESSION_CLOSED;
	} else if ((rv == CKR_USER_NOT_LOGGED_IN || rv == CKR_OK) &&
		   (snap_skipped || login_gone_inlock(slot))) {
		/* No token object visible (before login, a C_Logout while
		 * this listed, or not asked for); session ones are. */
		rv = match_inlock(slot, NULL, templ, count, session, NULL, NULL);
	} else if (rv == CKR_OK) {
		rv = find_inlock(slot, h, session, snap, templ, count);
	} else {
		rv = read_failure(rv);
	}
	if (rv != CKR_SESSION_CLOSED) {
		if (rv != CKR_OK)
			kmp_session_end_find(session);
		else
			session->finding = true;
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	if (snap != NULL)
		km_token_snapshot_unref(token, snap);
	return rv;
}

static CK_RV kmp_C_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out,
			       CK_ULONG max, CK_ULONG_PTR count)
{
	struct kmp_session *session;
	CK_RV rv;

	if (out == NULL || count == NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&kmp_gl.lock);
	rv = session_inlock(h, &session, NULL);
	if (rv == CKR_OK && !session->finding)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	if (rv == CKR_OK) {
		*count = 0;
		while (*count < max && session->pos < session->n_found)
			out[(*count)++] = session->found[session->pos++];
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

static CK_RV kmp_C_FindObjectsFinal(CK_SESSION_HANDLE h)
{
	struct kmp_session *session;
	CK_RV rv;

	pthread_mutex_lock(&kmp_gl.lock);
	rv = session_inlock(h, &session, NULL);
	if (rv == CKR_OK && !session->finding)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	if (rv == CKR_OK)
		kmp_session_end_find(session);
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

/* ---- cryptographic operations ---- */

/* The object attribute that allows each kind of operation. */
static const CK_ATTRIBUTE_TYPE usage_of[KMP_N_OPS] = {
	[KMP_OP_ENCRYPT] = CKA_ENCRYPT,
	[KMP_OP_DECRYPT] = CKA_DECRYPT,
	[KMP_OP_SIGN] = CKA_SIGN,
	[KMP_OP_VERIFY] = CKA_VERIFY,
};

/* Fetches a payload off-lock when it is not cached yet. */
static CK_RV payload_inlock(struct kmp_slot *slot, const char *uuid,
			    enum km_payload_kind kind, const char *passphrase,
			    const struct km_payload **out)
{
	const struct km_payload *fetched;
	struct km_snapshot *snap;
	km_uuid secret;
	CK_RV rv;

	if ((*out = km_token_cached_payload(slot->token, uuid, kind)) != NULL)
		return (*out)->error;
	/* uuid and passphrase live in the listing, which may go with the
	 * last reference below. */
	snprintf(secret, sizeof(secret), "%s", uuid);
	snap = slot->objects->snapshot;
	km_token_snapshot_ref(slot->token, snap);
	pthread_mutex_unlock(&kmp_gl.lock);
	rv = km_token_payload(slot->token, snap, secret, kind, passphrase, &fetched);
	pthread_mutex_lock(&kmp_gl.lock);
	km_token_snapshot_unref(slot->token, snap);
	if (rv != CKR_OK)
		return read_failure(rv);
	/* Dropped meanwhile (C_Logout, a listing without it): not to be
	 * used, though this thread fetched it. */
	*out = km_token_cached_payload(slot->token, secret, kind);
	km_token_payload_release(slot->token, fetched);
	return *out == NULL ? CKR_KEY_HANDLE_INVALID : read_failure((*out)->error);
}

/* The key material of a token key object. */
static CK_RV token_key_inlock(struct kmp_slot *slot, struct kmp_object *obj,
			      CK_OBJECT_CLASS klass, struct kmp_key *key)
{
	const struct km_payload *p;
	struct kmp_need needs[3];
	CK_RV rv;

	if (klass == CKO_SECRET_KEY) {
		rv = payload_inlock(slot, obj->secret, KM_PAYLOAD_BYTES, NULL, &p);
		if (rv == CKR_OK) {
			key->secret = p->bytes;
			key->secret_len = p->len;
		}
		return rv;
	}
	/* A private key's own payload; a public key's first need holds it
	 * (a certificate, a public key or the private key). */
	if (klass == CKO_PRIVATE_KEY)
		p = km_token_cached_payload(slot->token, obj->secret,
					    KM_PAYLOAD_PRIVATE_KEY);
	else
		p = kmp_object_needs(slot->token, obj, needs) > 0
			    ? km_token_cached_payload(slot->token, needs[0].uuid,
						      needs[0].kind)
			    : NULL;
	if (p == NULL)
		return CKR_DEVICE_ERROR;
	key->pkey = p->key ? p->key
		    : p->certificate ? X509_get0_pubkey(p->certificate) : NULL;
	return key->pkey != NULL ? CKR_OK : p->error ? p->error : CKR_DEVICE_ERROR;
}

static bool listing_due_inlock(const struct kmp_slot *slot)
{
	return slot->objects != NULL && km_token_listing_due(slot->token);
}

/*
 * A process that only signs (nginx's workers) still sees a container
 * deleted or its user's access revoked: once per refresh_interval a key's
 * use lists again, and objects_inlock drops the keys the new listing
 * lost. A failed listing keeps the old one. Lets the lock go while it
 * lists: the caller looks its session up again.
 */
static void renew_listing_relocking(struct kmp_slot *slot)
{
	struct km_snapshot *snap = NULL;
	CK_RV rv;

	pthread_mutex_unlock(&kmp_gl.lock);
	rv = km_token_snapshot(slot->token, &snap);
	pthread_mutex_lock(&kmp_gl.lock);
	if (rv == CKR_OK && !login_gone_inlock(slot))
		objects_inlock(slot, snap, false);
	km_token_snapshot_unref(slot->token, snap);
}

/* The key material of a key object (token or session) whose usage
 * attribute (CKA_SIGN, CKA_DERIVE...) allows the operation. */
CK_RV key_inlock(struct kmp_session *session, struct kmp_slot *slot,
		 CK_ATTRIBUTE_TYPE usage, CK_OBJECT_HANDLE kh,
		 struct kmp_key *key)
{
	struct kmp_sobject *so = NULL;
	struct kmp_object *obj = NULL;
	CK_ULONG klass, type;
	CK_ATTRIBUTE *attrs, *allowed;
	CK_RV rv = kmp_is_session_handle(kh) ? sobject_inlock(session, slot, kh, &so)
					     : object_inlock(slot, kh, &obj);

	if (rv == CKR_OBJECT_HANDLE_INVALID)
		return CKR_KEY_HANDLE_INVALID;
	if (rv != CKR_OK)
		return rv;
	attrs = so ? so->attrs : obj->attrs;
	if (!kmp_attrs_find_ulong(attrs, CKA_CLASS, &klass) ||
	    (klass != CKO_PRIVATE_KEY && klass != CKO_PUBLIC_KEY &&
	     klass != CKO_SECRET_KEY))
		return CKR_KEY_HANDLE_INVALID;
	allowed = kmp_attrs_find(attrs, usage);
	if (allowed == NULL || *(CK_BBOOL *)allowed->pValue != CK_TRUE)
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (!kmp_attrs_find_ulong(attrs, CKA_KEY_TYPE, &type))
		return CKR_KEY_TYPE_INCONSISTENT;
	if (so != NULL) {
		*key = so->key;
		return CKR_OK;
	}
	*key = (struct kmp_key){.type = type};
	return token_key_inlock(slot, obj, klass, key);
}

static CK_RV new_op(enum kmp_op_kind kind, const CK_MECHANISM *mechanism,
		    const struct kmp_key *key, struct kmp_op **op)
{
	switch (kind) {
	case KMP_OP_SIGN:
	case KMP_OP_VERIFY:
		return kmp_sign_new(kind, mechanism, key, op);
	case KMP_OP_ENCRYPT:
	case KMP_OP_DECRYPT:
		return kmp_cipher_new(kind, mechanism, key, op);
	case KMP_OP_DIGEST:
		return kmp_digest_new(mechanism, op);
	default:
		return CKR_GENERAL_ERROR;
	}
}

static bool op_active(const struct kmp_session *session, enum kmp_op_kind kind)
{
	return session->ops[kind] != NULL || session->running[kind];
}

/* A key that stays valid without the lock: an OpenSSL reference, or a
 * copy of the secret. */
static bool hold_key(struct kmp_key *key)
{
	unsigned char *copy;

	if (key->pkey != NULL)
		return EVP_PKEY_up_ref(key->pkey) == 1;
	if (key->secret == NULL)
		return true;
	if ((copy = malloc(key->secret_len ? key->secret_len : 1)) == NULL)
		return false;
	memcpy(copy, key->secret, key->secret_len);
	key->secret = copy;
	return true;
}

static void release_key(struct kmp_key *key)
{
	EVP_PKEY_free(key->pkey);
	if (key->secret != NULL)
		OPENSSL_cleanse((void *)key->secret, key->secret_len);
	free((void *)key->secret);
}

/*
 * C_*Init (kh is ignored for digests). The operation is set up by
 * OpenSSL outside the lock, so that sessions do not wait for each other;
 * the session's slot for it is reserved meanwhile.
 */
static CK_RV op_init(CK_SESSION_HANDLE h, enum kmp_op_kind kind,
		     CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE kh)
{
	struct kmp_session *session;
	struct kmp_slot *slot;
	struct kmp_key key = {0};
	struct kmp_op *op = NULL, *spare = NULL;
	CK_RV rv;

	if (mechanism == NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&kmp_gl.lock);
	rv = session_inlock(h, &session, &slot);
	if (rv == CKR_OK && kind != KMP_OP_DIGEST && !kmp_is_session_handle(kh) &&
	    listing_due_inlock(slot)) {
		renew_listing_relocking(slot);
		rv = session_inlock(h, &session, &slot);
	}
	if (rv == CKR_OK && op_active(session, kind))
		rv = CKR_OPERATION_ACTIVE;
	if (rv == CKR_OK && kind != KMP_OP_DIGEST)
		rv = key_inlock(session, slot, usage_of[kind], kh, &key);
	/* Fetching may have released the lock: look again. */
	if (rv == CKR_OK && kmp_session_get(&kmp_gl.sessions, h) != session)
		rv = CKR_SESSION_CLOSED;
	if (rv == CKR_OK && op_active(session, kind))
		rv = CKR_OPERATION_ACTIVE;
	if (rv == CKR_OK && !hold_key(&key))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK) {
		session->running[kind] = true;
		spare = session->spare[kind];
		session->spare[kind] = NULL;
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	if (rv != CKR_OK)
		return rv;
	if (spare != NULL && spare->cls->again(spare, mechanism, &key))
		op = spare;
	else
		rv = new_op(kind, mechanism, &key, &op);
	if (op != spare)
		kmp_op_free(spare);
	release_key(&key);
	pthread_mutex_lock(&kmp_gl.lock);
	if (session_inlock(h, &session, NULL) != CKR_OK) {
		rv = rv == CKR_OK ? CKR_SESSION_CLOSED : rv;
	} else {
		session->running[kind] = false;
		if (rv == CKR_OK) {
			session->ops[kind] = op;
			op = NULL;
		}
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	kmp_op_free(op);
	return rv;
}

/* Takes the session's operation out, so it runs without the lock. */
static CK_RV take_op(CK_SESSION_HANDLE h, enum kmp_op_kind kind,
		     struct kmp_op **op)
{
	struct kmp_session *session;
	CK_RV rv;

	pthread_mutex_lock(&kmp_gl.lock);
	rv = session_inlock(h, &session, NULL);
	if (rv == CKR_OK && session->ops[kind] == NULL)
		rv = session->running[kind] ? CKR_OPERATION_ACTIVE
					    : CKR_OPERATION_NOT_INITIALIZED;
	if (rv == CKR_OK) {
		*op = session->ops[kind];
		session->ops[kind] = NULL;
		session->running[kind] = true;
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

/* Puts the operation back while it stays active, else ends it (kept as
 * the session's spare when it can run again); passes rv through. The
 * session may have been closed meanwhile. */
static CK_RV give_op(CK_SESSION_HANDLE h, struct kmp_op *op, bool keep,
		     CK_RV rv)
{
	struct kmp_session *session;

	pthread_mutex_lock(&kmp_gl.lock);
	if (session_inlock(h, &session, NULL) == CKR_OK) {
		session->running[op->kind] = false;
		if (keep && session->ops[op->kind] == NULL) {
			session->ops[op->kind] = op;
			op = NULL;
		} else if (!keep) {
			kmp_session_keep_spare(session, op);
			op = NULL;
		}
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	kmp_op_free(op);
	return rv;
}

/* take_op for a call whose arguments are checked: bad ones are an error
 * like any other, which ends the operation (v2.40 5.2: every call but a
 * length query or CKR_BUFFER_TOO_SMALL ends a single-part or Final one;
 * an Update that fails ends it too). */
static CK_RV take_op_checked(CK_SESSION_HANDLE h, enum kmp_op_kind kind,
			     bool args_ok, struct kmp_op **op)
{
	CK_RV rv = take_op(h, kind, op);

	if (rv == CKR_OK && !args_ok)
		return give_op(h, *op, false, CKR_ARGUMENTS_BAD);
	return rv;
}

static CK_RV op_single(CK_SESSION_HANDLE h, enum kmp_op_kind kind,
		       CK_BYTE_PTR in, CK_ULONG len, CK_BYTE_PTR out,
		       CK_ULONG_PTR out_len)
{
	struct kmp_op *op;
	bool keep;
	CK_RV rv = take_op_checked(h, kind,
				   (in != NULL || len == 0) && out_len != NULL, &op);

	if (rv != CKR_OK)
		return rv;
	rv = kmp_op_run_single(op, in, len, out, out_len, &keep);
	return give_op(h, op, keep, rv);
}

/* Ciphers' updates have output, into out (its room in *out_len); the
 * others' none (out_len NULL). */
static CK_RV op_update(CK_SESSION_HANDLE h, enum kmp_op_kind kind,
		       CK_BYTE_PTR in, CK_ULONG len, CK_BYTE_PTR out,
		       CK_ULONG_PTR out_len)
{
	bool output = kind == KMP_OP_ENCRYPT || kind == KMP_OP_DECRYPT;
	struct kmp_op *op;
	bool keep;
	CK_RV rv = take_op_checked(h, kind,
				   (in != NULL || len == 0) &&
					   (out_len != NULL || !output),
				   &op);

	if (rv != CKR_OK)
		return rv;
	rv = kmp_op_run_update(op, in, len, out, out_len, &keep);
	return give_op(h, op, keep, rv);
}

static CK_RV op_final(CK_SESSION_HANDLE h, enum kmp_op_kind kind,
		      CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	struct kmp_op *op;
	bool keep;
	CK_RV rv = take_op_checked(h, kind, out_len != NULL, &op);

	if (rv != CKR_OK)
		return rv;
	rv = kmp_op_run_final(op, out, out_len, &keep);
	return give_op(h, op, keep, rv);
}

static CK_RV op_verify(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len,
		       bool single, CK_BYTE_PTR sig, CK_ULONG sig_len)
{
	struct kmp_op *op;
	CK_RV rv = take_op_checked(h, KMP_OP_VERIFY,
				   (data != NULL || len == 0) && sig != NULL, &op);

	if (rv != CKR_OK)
		return rv;
	rv = kmp_op_run_verify(op, data, len, single, sig, sig_len);
	return give_op(h, op, false, rv);
}

/* C_<name>Init, C_<name>, C_<name>Update, C_<name>Final of a cipher. */
#define CIPHER_ENTRY_POINTS(name, kind)                                        \
	static CK_RV kmp_C_##name##Init(CK_SESSION_HANDLE h,                   \
					CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) \
	{                                                                      \
		return op_init(h, kind, m, k);                                 \
	}                                                                      \
	static CK_RV kmp_C_##name(CK_SESSION_HANDLE h, CK_BYTE_PTR in,         \
				  CK_ULONG len, CK_BYTE_PTR out,               \
				  CK_ULONG_PTR out_len)                        \
	{                                                                      \
		return op_single(h, kind, in, len, out, out_len);              \
	}                                                                      \
	static CK_RV kmp_C_##name##Update(CK_SESSION_HANDLE h, CK_BYTE_PTR in, \
					  CK_ULONG len, CK_BYTE_PTR out,       \
					  CK_ULONG_PTR out_len)                \
	{                                                                      \
		return op_update(h, kind, in, len, out, out_len);              \
	}                                                                      \
	static CK_RV kmp_C_##name##Final(CK_SESSION_HANDLE h, CK_BYTE_PTR out, \
					 CK_ULONG_PTR out_len)                 \
	{                                                                      \
		return op_final(h, kind, out, out_len);                        \
	}

CIPHER_ENTRY_POINTS(Encrypt, KMP_OP_ENCRYPT)
CIPHER_ENTRY_POINTS(Decrypt, KMP_OP_DECRYPT)

static CK_RV kmp_C_DigestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m)
{
	return op_init(h, KMP_OP_DIGEST, m, CK_INVALID_HANDLE);
}

static CK_RV kmp_C_Digest(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG len,
			  CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return op_single(h, KMP_OP_DIGEST, in, len, out, out_len);
}

static CK_RV kmp_C_DigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in,
				CK_ULONG len)
{
	return op_update(h, KMP_OP_DIGEST, in, len, NULL, NULL);
}

/* Whether k names a key the session sees (no fetch: the listing's). */
static bool key_known(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k)
{
	struct kmp_session *session;
	struct kmp_sobject *so;
	struct kmp_slot *slot;
	bool known;

	pthread_mutex_lock(&kmp_gl.lock);
	known = session_inlock(h, &session, &slot) == CKR_OK &&
		(kmp_is_session_handle(k) ? sobject_inlock(session, slot, k, &so) == CKR_OK
					  : get_inlock(slot, k) != NULL);
	pthread_mutex_unlock(&kmp_gl.lock);
	return known;
}

/* Key values never leave kmp11, not even into a digest. */
static CK_RV kmp_C_DigestKey(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k)
{
	struct kmp_op *op;
	CK_RV rv = take_op(h, KMP_OP_DIGEST, &op);

	if (rv != CKR_OK)
		return rv;
	return give_op(h, op, false,
		       key_known(h, k) ? CKR_KEY_INDIGESTIBLE : CKR_KEY_HANDLE_INVALID);
}

static CK_RV kmp_C_DigestFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out,
			       CK_ULONG_PTR out_len)
{
	return op_final(h, KMP_OP_DIGEST, out, out_len);
}

static CK_RV kmp_C_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			    CK_OBJECT_HANDLE k)
{
	return op_init(h, KMP_OP_SIGN, m, k);
}

static CK_RV kmp_C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len,
			CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
	return op_single(h, KMP_OP_SIGN, data, len, sig, sig_len);
}

static CK_RV kmp_C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR data,
			      CK_ULONG len)
{
	return op_update(h, KMP_OP_SIGN, data, len, NULL, NULL);
}

static CK_RV kmp_C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig,
			     CK_ULONG_PTR sig_len)
{
	return op_final(h, KMP_OP_SIGN, sig, sig_len);
}

static CK_RV kmp_C_VerifyInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			      CK_OBJECT_HANDLE k)
{
	return op_init(h, KMP_OP_VERIFY, m, k);
}

static CK_RV kmp_C_Verify(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len,
			  CK_BYTE_PTR sig, CK_ULONG sig_len)
{
	return op_verify(h, data, len, true, sig, sig_len);
}

static CK_RV kmp_C_VerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR data,
				CK_ULONG len)
{
	return op_update(h, KMP_OP_VERIFY, data, len, NULL, NULL);
}

static CK_RV kmp_C_VerifyFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig,
			       CK_ULONG sig_len)
{
	return op_verify(h, NULL, 0, false, sig, sig_len);
}

/* ---- random numbers and slot events ---- */

static CK_RV random_session(CK_SESSION_HANDLE h)
{
	struct kmp_session *session;
	CK_RV rv;

	pthread_mutex_lock(&kmp_gl.lock);
	rv = session_inlock(h, &session, NULL);
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

/* OpenSSL's generator: the seed is mixed in, never replaces its own. */
static CK_RV kmp_C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR seed,
			      CK_ULONG len)
{
	CK_RV rv;

	if (seed == NULL && len > 0)
		return CKR_ARGUMENTS_BAD;
	if ((rv = random_session(h)) == CKR_OK)
		km_random_seed(seed, len);
	return rv;
}

static CK_RV kmp_C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR out,
				  CK_ULONG len)
{
	CK_RV rv;

	if (out == NULL && len > 0)
		return CKR_ARGUMENTS_BAD;
	if ((rv = random_session(h)) != CKR_OK)
		return rv;
	return km_random_bytes(out, len) ? CKR_OK : CKR_FUNCTION_FAILED;
}

static bool initialized(void)
{
	bool yes;

	pthread_mutex_lock(&kmp_gl.lock);
	yes = kmp_gl.initialized;
	pthread_mutex_unlock(&kmp_gl.lock);
	return yes;
}

/* Tokens never come and go while initialized: nothing to wait for. */
static CK_RV kmp_C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR slot,
				    CK_VOID_PTR reserved)
{
	if (slot == NULL || reserved != NULL)
		return CKR_ARGUMENTS_BAD;
	if (!initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	return flags & CKF_DONT_BLOCK ? CKR_NO_EVENT : CKR_FUNCTION_NOT_SUPPORTED;
}

/* ---- the rest of the v2.40 interface: not offered (yet) ---- */

/* Before C_Initialize every function answers that first. */
#define NOT_SUPPORTED(name, ...)                                               \
	static CK_RV kmp_##name(__VA_ARGS__)                                   \
	{                                                                      \
		return initialized() ? CKR_FUNCTION_NOT_SUPPORTED              \
				     : CKR_CRYPTOKI_NOT_INITIALIZED;           \
	}

NOT_SUPPORTED(C_InitToken, CK_SLOT_ID a, CK_UTF8CHAR_PTR b, CK_ULONG c,
	      CK_UTF8CHAR_PTR d)
NOT_SUPPORTED(C_InitPIN, CK_SESSION_HANDLE a, CK_UTF8CHAR_PTR b, CK_ULONG c)
NOT_SUPPORTED(C_SetPIN, CK_SESSION_HANDLE a, CK_UTF8CHAR_PTR b, CK_ULONG c,
	      CK_UTF8CHAR_PTR d, CK_ULONG e)
NOT_SUPPORTED(C_GetOperationState, CK_SESSION_HANDLE a, CK_BYTE_PTR b,
	      CK_ULONG_PTR c)
NOT_SUPPORTED(C_SetOperationState, CK_SESSION_HANDLE a, CK_BYTE_PTR b,
	      CK_ULONG c, CK_OBJECT_HANDLE d, CK_OBJECT_HANDLE e)
NOT_SUPPORTED(C_SignRecoverInit, CK_SESSION_HANDLE a, CK_MECHANISM_PTR b,
	      CK_OBJECT_HANDLE c)
NOT_SUPPORTED(C_SignRecover, CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
	      CK_BYTE_PTR d, CK_ULONG_PTR e)
NOT_SUPPORTED(C_VerifyRecoverInit, CK_SESSION_HANDLE a, CK_MECHANISM_PTR b,
	      CK_OBJECT_HANDLE c)
NOT_SUPPORTED(C_VerifyRecover, CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
	      CK_BYTE_PTR d, CK_ULONG_PTR e)
NOT_SUPPORTED(C_DigestEncryptUpdate, CK_SESSION_HANDLE a, CK_BYTE_PTR b,
	      CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e)
NOT_SUPPORTED(C_DecryptDigestUpdate, CK_SESSION_HANDLE a, CK_BYTE_PTR b,
	      CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e)
NOT_SUPPORTED(C_SignEncryptUpdate, CK_SESSION_HANDLE a, CK_BYTE_PTR b,
	      CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e)
NOT_SUPPORTED(C_DecryptVerifyUpdate, CK_SESSION_HANDLE a, CK_BYTE_PTR b,
	      CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e)
NOT_SUPPORTED(C_WrapKey, CK_SESSION_HANDLE a, CK_MECHANISM_PTR b,
	      CK_OBJECT_HANDLE c, CK_OBJECT_HANDLE d, CK_BYTE_PTR e,
	      CK_ULONG_PTR f)
NOT_SUPPORTED(C_UnwrapKey, CK_SESSION_HANDLE a, CK_MECHANISM_PTR b,
	      CK_OBJECT_HANDLE c, CK_BYTE_PTR d, CK_ULONG e, CK_ATTRIBUTE_PTR f,
	      CK_ULONG g, CK_OBJECT_HANDLE_PTR h)

/* Legacy functions: parallel sessions are gone since v2.0. */
static CK_RV kmp_C_GetFunctionStatus(CK_SESSION_HANDLE h)
{
	return CKR_FUNCTION_NOT_PARALLEL;
}

static CK_RV kmp_C_CancelFunction(CK_SESSION_HANDLE h)
{
	return CKR_FUNCTION_NOT_PARALLEL;
}

#define F(name) .name = kmp_##name
static CK_FUNCTION_LIST function_list = {
	.version = {2, 40},
	F(C_Initialize), F(C_Finalize), F(C_GetInfo), F(C_GetFunctionList),
	F(C_GetSlotList), F(C_GetSlotInfo), F(C_GetTokenInfo),
	F(C_GetMechanismList), F(C_GetMechanismInfo), F(C_InitToken),
	F(C_InitPIN), F(C_SetPIN), F(C_OpenSession), F(C_CloseSession),
	F(C_CloseAllSessions), F(C_GetSessionInfo), F(C_GetOperationState),
	F(C_SetOperationState), F(C_Login), F(C_Logout), F(C_CreateObject),
	F(C_CopyObject), F(C_DestroyObject), F(C_GetObjectSize),
	F(C_GetAttributeValue), F(C_SetAttributeValue), F(C_FindObjectsInit),
	F(C_FindObjects), F(C_FindObjectsFinal), F(C_EncryptInit),
	F(C_Encrypt), F(C_EncryptUpdate), F(C_EncryptFinal), F(C_DecryptInit),
	F(C_Decrypt), F(C_DecryptUpdate), F(C_DecryptFinal), F(C_DigestInit),
	F(C_Digest), F(C_DigestUpdate), F(C_DigestKey), F(C_DigestFinal),
	F(C_SignInit), F(C_Sign), F(C_SignUpdate), F(C_SignFinal),
	F(C_SignRecoverInit), F(C_SignRecover), F(C_VerifyInit), F(C_Verify),
	F(C_VerifyUpdate), F(C_VerifyFinal), F(C_VerifyRecoverInit),
	F(C_VerifyRecover), F(C_DigestEncryptUpdate),
	F(C_DecryptDigestUpdate), F(C_SignEncryptUpdate),
	F(C_DecryptVerifyUpdate), F(C_GenerateKey), F(C_GenerateKeyPair),
	F(C_WrapKey), F(C_UnwrapKey), F(C_DeriveKey), F(C_SeedRandom),
	F(C_GenerateRandom), F(C_GetFunctionStatus), F(C_CancelFunction),
	F(C_WaitForSlotEvent),
};

__attribute__((visibility("default"))) CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	return kmp_C_GetFunctionList(list);
}
