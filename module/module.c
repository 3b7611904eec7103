/*
 * The PKCS#11 front: one static function list, one lock. Entry points
 * check their arguments, take the lock, call *_inlock helpers and return
 * one rv; the lock is released around every network call. Those that
 * make, change and destroy objects are in object-calls.c.
 */
#include "module/calls.h"
#include "module/failures.h"
#include "module/slot.h"

#include "module/adopt.h"
#include "module/attrs.h"
#include "module/cipher.h"
#include "module/digest.h"
#include "module/kmp11.h"
#include "module/mechanisms.h"
#include "module/ops.h"
#include "module/secure-heap.h"
#include "module/sign.h"
#include "module/trace.h"
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
	pthread_once(&once, kmp_register_fork_handlers);
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
	*list = &kmp_traced_function_list;
	return CKR_OK;
}

/* ---- slots and tokens ---- */

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
	if ((rv = kmp_slot_inlock(id, &slot)) == CKR_OK) {
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
	if ((rv = kmp_slot_inlock(id, &slot)) == CKR_OK) {
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
		if (slot->pin_count_low)
			info->flags |= CKF_USER_PIN_COUNT_LOW;
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
	rv = kmp_slot_inlock(id, &slot);
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
	rv = kmp_slot_inlock(id, &slot);
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
	rv = kmp_slot_inlock(id, &slot);
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
 * keys, the private session objects, and on a login token the token
 * objects and orders go. */
static void logout_inlock(struct kmp_slot *slot, CK_SLOT_ID id)
{
	slot->logged_in = false;
	km_token_logout(slot->token);
	kmp_session_drop_spares(&kmp_gl.sessions, id);
	kmp_sobjects_logout(&kmp_gl.sobjects, id);
	if (km_token_login_required(slot->token)) {
		kmp_objects_free(slot->token, slot->objects);
		slot->objects = NULL;
		kmp_orders_clear(&slot->orders);
	}
}

/* With its last session closed, a token is public again (v2.40 6.7). */
static void last_session_closed_inlock(CK_SLOT_ID id)
{
	struct kmp_slot *slot;

	if (kmp_slot_inlock(id, &slot) == CKR_OK && slot->logged_in &&
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
	if ((rv = kmp_slot_inlock(id, &slot)) == CKR_OK) {
		kmp_session_close_slot(&kmp_gl.sessions, id);
		kmp_sobjects_close_slot(&kmp_gl.sobjects, id);
		last_session_closed_inlock(id);
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

static CK_RV kmp_C_GetSessionInfo(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info)
{
	struct kmp_call call;
	bool rw;
	CK_RV rv;

	if (info == NULL)
		return kmp_session_or(h, CKR_ARGUMENTS_BAD);
	pthread_mutex_lock(&kmp_gl.lock);
	if ((rv = kmp_call_inlock(&call, h)) == CKR_OK) {
		rw = call.session->flags & CKF_RW_SESSION;
		info->slotID = call.slot_id;
		info->flags = call.session->flags;
		info->ulDeviceError = 0;
		if (call.slot->logged_in)
			info->state = rw ? CKS_RW_USER_FUNCTIONS
					 : CKS_RO_USER_FUNCTIONS;
		else
			info->state = rw ? CKS_RW_PUBLIC_SESSION
					 : CKS_RO_PUBLIC_SESSION;
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

/* The Key Manager has no SO, so CKU_SO is refused (CKR_USER_TYPE_INVALID,
 * docs/conformance.md), but first for the reasons v2.40 5.6 C_Login gives
 * that need no SO to hold: a read-only session of the token, a user
 * logged in. */
static CK_RV so_login_inlock(const struct kmp_call *call)
{
	size_t all = kmp_session_count(&kmp_gl.sessions, call->slot_id, false);

	if (all > kmp_session_count(&kmp_gl.sessions, call->slot_id, true))
		return CKR_SESSION_READ_ONLY_EXISTS;
	if (call->slot->logged_in)
		return CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
	return CKR_USER_TYPE_INVALID;
}

static CK_RV kmp_C_Login(CK_SESSION_HANDLE h, CK_USER_TYPE user,
			 CK_UTF8CHAR_PTR pin, CK_ULONG pin_len)
{
	struct kmp_call call;
	struct kmp_slot *slot = NULL;
	struct km_token *token = NULL;
	CK_RV rv;

	pthread_mutex_lock(&kmp_gl.lock);
	if ((rv = kmp_call_inlock(&call, h)) == CKR_OK)
		slot = call.slot;
	if (rv == CKR_OK && user == CKU_SO)
		rv = so_login_inlock(&call);
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
		rv = CKR_PIN_INCORRECT;
	else
		rv = kmp_login_failure(km_token_login(token, (const char *)pin,
						      pin_len));
	if (rv == CKR_PIN_INCORRECT) {
		pthread_mutex_lock(&kmp_gl.lock);
		slot->pin_count_low = true;
		pthread_mutex_unlock(&kmp_gl.lock);
	}
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&kmp_gl.lock);
	if (kmp_call_again_inlock(&call) == CKR_OK) {
		slot->logged_in = true;
		slot->pin_count_low = false;
	} else {
		/* Its session closed meanwhile: no login without one. */
		if (!slot->logged_in)
			km_token_logout(token);
		rv = CKR_SESSION_CLOSED;
	}
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

static CK_RV kmp_C_Logout(CK_SESSION_HANDLE h)
{
	struct kmp_call call;
	CK_RV rv;

	pthread_mutex_lock(&kmp_gl.lock);
	rv = kmp_call_inlock(&call, h);
	if (rv == CKR_OK && !call.slot->logged_in)
		rv = CKR_USER_NOT_LOGGED_IN;
	if (rv == CKR_OK)
		logout_inlock(call.slot, call.slot_id);
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

/* ---- slot events ---- */

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
CK_FUNCTION_LIST kmp_function_list = {
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
