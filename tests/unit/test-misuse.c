/*
 * The API-misuse matrix (issue 16): every function of the function list
 * under the misuse a caller can commit: each pointer argument NULL in
 * turn, invalid slot, session and object handles, the wrong session
 * state, counts of 0 and huge, CK_UNAVAILABLE_INFORMATION lengths. Each
 * answer is asserted exactly, one of the return values the spec lists
 * for the function (v2.40 section 5, v3.0 section 5), or the deviation
 * docs/conformance.md documents.
 *
 * No Key Manager answers (Keystone on 127.0.0.1:1): token objects are
 * out of reach; session objects and session keys made here stand in.
 * Three tokens: "open" (complete credentials), "locked" (no password: a
 * login is required, and cannot succeed) and "sealed" (read_only).
 */
#include <p11-kit/pkcs11.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/offline.h"

enum { OPEN, LOCKED, SEALED };

static unsigned long checked; /* calls whose answer was asserted */

/* One asserted call: the call's text names it when it fails. */
#define EXPECT(want, call)                                                     \
	do {                                                                   \
		CK_RV got_ = (call);                                           \
		checked++;                                                     \
		if (got_ != (CK_RV)(want))                                     \
			fail_msg("%s: 0x%lx, not %s (0x%lx)", #call, got_,     \
				 #want, (CK_RV)(want));                        \
	} while (0)

static void expect_named(const char *name, const char *misuse, CK_RV got,
			 CK_RV want)
{
	checked++;
	if (got != want)
		fail_msg("%s with %s: 0x%lx, not 0x%lx", name, misuse, got, want);
}

/* ---- fixture ---- */

static int setup(void **state)
{
	static const char text[] =
		"[token]\nlabel = open\n"
		"auth_url = http://127.0.0.1:1/v3\n"
		"username = u\npassword = p\nproject_name = x\n"
		"connect_timeout = 1\ntimeout = 1\n"
		"[token]\nlabel = locked\n"
		"auth_url = http://127.0.0.1:1/v3\n"
		"username = u\nproject_name = x\n"
		"connect_timeout = 1\ntimeout = 1\n"
		"[token]\nlabel = sealed\nread_only = yes\n"
		"auth_url = http://127.0.0.1:1/v3\n"
		"username = u\npassword = p\nproject_name = x\n"
		"connect_timeout = 1\ntimeout = 1\n";

	(void)state;
	return offline_setup(text);
}

static int teardown(void **state)
{
	(void)state;
	offline_teardown();
	print_message("%lu calls checked\n", checked);
	return 0;
}

/* After each test, whatever it left: a failed one stops midway. */
static int finalize(void **state)
{
	(void)state;
	f->C_Finalize(NULL);
	return 0;
}

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY, data_class = CKO_DATA;
static CK_KEY_TYPE aes_type = CKK_AES, generic_type = CKK_GENERIC_SECRET;
static unsigned char key16[16] = {1, 2, 3}, iv[16];
static unsigned char p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
			       0x3d, 0x03, 0x01, 0x07};
static CK_ULONG bits1024 = 1024, len16 = 16;

/* Mechanisms, with what their operations need. */
static CK_MECHANISM sha256 = {CKM_SHA256, NULL, 0},
		    cbc_pad = {CKM_AES_CBC_PAD, iv, sizeof(iv)},
		    cbc = {CKM_AES_CBC, iv, sizeof(iv)},
		    hmac = {CKM_SHA256_HMAC, NULL, 0},
		    rsa_pkcs = {CKM_RSA_PKCS, NULL, 0},
		    sha256_rsa = {CKM_SHA256_RSA_PKCS, NULL, 0},
		    aes_gen = {CKM_AES_KEY_GEN, NULL, 0},
		    rsa_gen = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0},
		    ec_gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
static unsigned char point[65] = {4};
static CK_ECDH1_DERIVE_PARAMS ecdh_params = {CKD_NULL, 0, NULL, sizeof(point),
					     point};
static CK_MECHANISM ecdh = {CKM_ECDH1_DERIVE, &ecdh_params, sizeof(ecdh_params)};

/* Templates. */
static CK_ATTRIBUTE aes_t[] = {{CKA_CLASS, &secret_class, sizeof(secret_class)},
			       {CKA_KEY_TYPE, &aes_type, sizeof(aes_type)},
			       {CKA_VALUE, key16, sizeof(key16)},
			       {CKA_PRIVATE, &no, 1}};
static CK_ATTRIBUTE hmac_t[] = {{CKA_CLASS, &secret_class, sizeof(secret_class)},
				{CKA_KEY_TYPE, &generic_type, sizeof(generic_type)},
				{CKA_VALUE, key16, sizeof(key16)},
				{CKA_PRIVATE, &no, 1}};
static CK_ATTRIBUTE data_t[] = {{CKA_CLASS, &data_class, sizeof(data_class)},
				{CKA_VALUE, key16, sizeof(key16)},
				{CKA_PRIVATE, &no, 1}};
static CK_ATTRIBUTE aes_gen_t[] = {{CKA_VALUE_LEN, &len16, sizeof(len16)},
				   {CKA_PRIVATE, &no, 1}};
static CK_ATTRIBUTE rsa_pub_t[] = {{CKA_MODULUS_BITS, &bits1024, sizeof(bits1024)}};
static CK_ATTRIBUTE rsa_priv_t[] = {{CKA_PRIVATE, &no, 1}};
static CK_ATTRIBUTE ec_pub_t[] = {{CKA_EC_PARAMS, p256, sizeof(p256)}};
static CK_ATTRIBUTE ec_priv_t[] = {{CKA_DERIVE, &yes, 1}, {CKA_PRIVATE, &no, 1}};
static CK_ATTRIBUTE session_only[] = {{CKA_TOKEN, &no, 1}};

/* Buffers every call may write to. */
static unsigned char in[64], out[1024];
static CK_OBJECT_HANDLE found[8];

/*
 * What a test works on: sessions of the three tokens, session objects
 * of the open one, and handles that name nothing (any more).
 */
struct fixture {
	CK_SESSION_HANDLE ro, rw, locked, sealed, closed;
	CK_OBJECT_HANDLE aes, hmac, data, rsa_pub, rsa_priv, ec_pub, ec_priv;
	CK_OBJECT_HANDLE destroyed, orphan, elsewhere;
};

static CK_SESSION_HANDLE open_session(CK_SLOT_ID slot, CK_FLAGS flags)
{
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;

	EXPECT(CKR_OK, f->C_OpenSession(slot, CKF_SERIAL_SESSION | flags, NULL,
					NULL, &s));
	return s;
}

static CK_OBJECT_HANDLE create(CK_SESSION_HANDLE s, CK_ATTRIBUTE *t, CK_ULONG n)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;

	EXPECT(CKR_OK, f->C_CreateObject(s, t, n, &h));
	return h;
}

static void set_up(struct fixture *x)
{
	CK_SESSION_HANDLE other;

	assert_int_equal(offline_init(), CKR_OK);
	x->ro = open_session(OPEN, 0);
	x->rw = open_session(OPEN, CKF_RW_SESSION);
	x->locked = open_session(LOCKED, 0);
	x->sealed = open_session(SEALED, 0);
	x->closed = open_session(OPEN, 0);
	EXPECT(CKR_OK, f->C_CloseSession(x->closed));
	/* Session objects: any session may make them, read-only ones too. */
	x->aes = create(x->ro, aes_t, 4);
	x->hmac = create(x->ro, hmac_t, 4);
	x->data = create(x->ro, data_t, 3);
	EXPECT(CKR_OK, f->C_GenerateKeyPair(x->ro, &rsa_gen, rsa_pub_t, 1,
					    rsa_priv_t, 1, &x->rsa_pub,
					    &x->rsa_priv));
	EXPECT(CKR_OK, f->C_GenerateKeyPair(x->ro, &ec_gen, ec_pub_t, 1,
					    ec_priv_t, 2, &x->ec_pub,
					    &x->ec_priv));
	x->destroyed = create(x->ro, aes_t, 4);
	EXPECT(CKR_OK, f->C_DestroyObject(x->ro, x->destroyed));
	other = open_session(OPEN, 0);
	x->orphan = create(other, aes_t, 4);
	EXPECT(CKR_OK, f->C_CloseSession(other));
	x->elsewhere = create(x->sealed, aes_t, 4);
}

static void tear_down(void)
{
	EXPECT(CKR_OK, f->C_Finalize(NULL));
}

/* ---- every function, by what it is given ---- */

/* What a call of the table runs against. */
struct target {
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE o; /* an object, or a key */
};

/* Arguments valid but for the target: each call's answer is about it. */
#define CALL(fn, ...)                                                          \
	static CK_RV call_##fn(const struct target *t)                         \
	{                                                                      \
		(void)t;                                                       \
		return f->fn(__VA_ARGS__);                                     \
	}
#define LEN(n) (&(CK_ULONG){n})

CALL(C_Finalize, NULL)
CALL(C_GetInfo, &(CK_INFO){0})
CALL(C_GetSlotList, CK_TRUE, NULL, LEN(0))
CALL(C_GetSlotInfo, t->slot, &(CK_SLOT_INFO){0})
CALL(C_GetTokenInfo, t->slot, &(CK_TOKEN_INFO){0})
CALL(C_GetMechanismList, t->slot, NULL, LEN(0))
CALL(C_GetMechanismInfo, t->slot, CKM_SHA256, &(CK_MECHANISM_INFO){0})
CALL(C_InitToken, t->slot, (CK_UTF8CHAR *)"pin", 3,
     (CK_UTF8CHAR *)"label                           ")
CALL(C_InitPIN, t->s, (CK_UTF8CHAR *)"pin", 3)
CALL(C_SetPIN, t->s, (CK_UTF8CHAR *)"old", 3, (CK_UTF8CHAR *)"new", 3)
CALL(C_OpenSession, t->slot, CKF_SERIAL_SESSION, NULL, NULL,
     &(CK_SESSION_HANDLE){0})
CALL(C_CloseSession, t->s)
CALL(C_CloseAllSessions, t->slot)
CALL(C_GetSessionInfo, t->s, &(CK_SESSION_INFO){0})
CALL(C_GetOperationState, t->s, out, LEN(sizeof(out)))
CALL(C_SetOperationState, t->s, out, 16, t->o, t->o)
CALL(C_Login, t->s, CKU_USER, (CK_UTF8CHAR *)"pin", 3)
CALL(C_Logout, t->s)
CALL(C_CreateObject, t->s, aes_t, 4, &(CK_OBJECT_HANDLE){0})
CALL(C_CopyObject, t->s, t->o, session_only, 1, &(CK_OBJECT_HANDLE){0})
CALL(C_DestroyObject, t->s, t->o)
CALL(C_GetObjectSize, t->s, t->o, LEN(0))
CALL(C_GetAttributeValue, t->s, t->o,
     (&(CK_ATTRIBUTE){CKA_LABEL, out, sizeof(out)}), 1)
CALL(C_SetAttributeValue, t->s, t->o,
     (&(CK_ATTRIBUTE){CKA_LABEL, "new", 3}), 1)
CALL(C_FindObjectsInit, t->s, session_only, 1)
CALL(C_FindObjects, t->s, found, 8, LEN(0))
CALL(C_FindObjectsFinal, t->s)
CALL(C_EncryptInit, t->s, &cbc_pad, t->o)
CALL(C_Encrypt, t->s, in, 16, out, LEN(sizeof(out)))
CALL(C_EncryptUpdate, t->s, in, 16, out, LEN(sizeof(out)))
CALL(C_EncryptFinal, t->s, out, LEN(sizeof(out)))
CALL(C_DecryptInit, t->s, &cbc_pad, t->o)
CALL(C_Decrypt, t->s, in, 16, out, LEN(sizeof(out)))
CALL(C_DecryptUpdate, t->s, in, 16, out, LEN(sizeof(out)))
CALL(C_DecryptFinal, t->s, out, LEN(sizeof(out)))
CALL(C_DigestInit, t->s, &sha256)
CALL(C_Digest, t->s, in, 16, out, LEN(sizeof(out)))
CALL(C_DigestUpdate, t->s, in, 16)
CALL(C_DigestFinal, t->s, out, LEN(sizeof(out)))
CALL(C_SignInit, t->s, &hmac, t->o)
CALL(C_Sign, t->s, in, 16, out, LEN(sizeof(out)))
CALL(C_SignUpdate, t->s, in, 16)
CALL(C_SignFinal, t->s, out, LEN(sizeof(out)))
CALL(C_SignRecoverInit, t->s, &rsa_pkcs, t->o)
CALL(C_SignRecover, t->s, in, 16, out, LEN(sizeof(out)))
CALL(C_VerifyInit, t->s, &hmac, t->o)
CALL(C_Verify, t->s, in, 16, out, 32)
CALL(C_VerifyUpdate, t->s, in, 16)
CALL(C_VerifyFinal, t->s, out, 32)
CALL(C_VerifyRecoverInit, t->s, &rsa_pkcs, t->o)
CALL(C_VerifyRecover, t->s, out, 128, in, LEN(sizeof(in)))
CALL(C_DigestEncryptUpdate, t->s, in, 16, out, LEN(sizeof(out)))
CALL(C_DecryptDigestUpdate, t->s, in, 16, out, LEN(sizeof(out)))
CALL(C_SignEncryptUpdate, t->s, in, 16, out, LEN(sizeof(out)))
CALL(C_DecryptVerifyUpdate, t->s, in, 16, out, LEN(sizeof(out)))
CALL(C_GenerateKey, t->s, &aes_gen, aes_gen_t, 2, &(CK_OBJECT_HANDLE){0})
CALL(C_GenerateKeyPair, t->s, &rsa_gen, rsa_pub_t, 1, rsa_priv_t, 1,
     &(CK_OBJECT_HANDLE){0}, &(CK_OBJECT_HANDLE){0})
CALL(C_WrapKey, t->s, &rsa_pkcs, t->o, t->o, out, LEN(sizeof(out)))
CALL(C_UnwrapKey, t->s, &rsa_pkcs, t->o, in, 16, aes_t, 2,
     &(CK_OBJECT_HANDLE){0})
CALL(C_DeriveKey, t->s, &ecdh, t->o, aes_gen_t, 2, &(CK_OBJECT_HANDLE){0})
CALL(C_SeedRandom, t->s, in, 16)
CALL(C_GenerateRandom, t->s, out, 16)
CALL(C_GetFunctionStatus, t->s)
CALL(C_CancelFunction, t->s)
CALL(C_WaitForSlotEvent, CKF_DONT_BLOCK, &(CK_SLOT_ID){0}, NULL)

/* C_DigestKey needs a digest going to get to its key. */
static CK_RV call_C_DigestKey(const struct target *t)
{
	f->C_DigestInit(t->s, &sha256);
	return f->C_DigestKey(t->s, t->o);
}

/* What a function takes that can be invalid. */
enum takes { NOTHING, SLOT, SESSION };

/* The answer to an invalid slot or session (n/a: NOTHING), and to an
 * invalid object or key handle (0: takes none). */
struct entry {
	const char *name;
	CK_RV (*call)(const struct target *t);
	enum takes takes;
	CK_RV bad_handle, bad_object;
};

/* Stubs answer that they are stubs, whatever they are given: "this stub
 * should simply return the value CKR_FUNCTION_NOT_SUPPORTED" (v2.40 5.1;
 * docs/conformance.md lists them). */
#define STUB CKR_FUNCTION_NOT_SUPPORTED
/* v2.40 5.16: the legacy parallel functions "should simply return
 * CKR_FUNCTION_NOT_PARALLEL", even before C_Initialize. */
#define LEGACY CKR_FUNCTION_NOT_PARALLEL
#define SLOT_BAD CKR_SLOT_ID_INVALID
#define SESSION_BAD CKR_SESSION_HANDLE_INVALID
#define OBJECT_BAD CKR_OBJECT_HANDLE_INVALID
#define KEY_BAD CKR_KEY_HANDLE_INVALID
#define E(fn, takes, handle, object) {#fn, call_##fn, takes, handle, object}

static const struct entry functions[] = {
	E(C_Finalize, NOTHING, 0, 0),
	E(C_GetInfo, NOTHING, 0, 0),
	E(C_GetSlotList, NOTHING, 0, 0),
	E(C_GetSlotInfo, SLOT, SLOT_BAD, 0),
	E(C_GetTokenInfo, SLOT, SLOT_BAD, 0),
	E(C_GetMechanismList, SLOT, SLOT_BAD, 0),
	E(C_GetMechanismInfo, SLOT, SLOT_BAD, 0),
	E(C_InitToken, SLOT, STUB, 0),
	E(C_InitPIN, SESSION, STUB, 0),
	E(C_SetPIN, SESSION, STUB, 0),
	E(C_OpenSession, SLOT, SLOT_BAD, 0),
	E(C_CloseSession, SESSION, SESSION_BAD, 0),
	E(C_CloseAllSessions, SLOT, SLOT_BAD, 0),
	E(C_GetSessionInfo, SESSION, SESSION_BAD, 0),
	E(C_GetOperationState, SESSION, STUB, 0),
	E(C_SetOperationState, SESSION, STUB, STUB),
	E(C_Login, SESSION, SESSION_BAD, 0),
	E(C_Logout, SESSION, SESSION_BAD, 0),
	E(C_CreateObject, SESSION, SESSION_BAD, 0),
	E(C_CopyObject, SESSION, SESSION_BAD, OBJECT_BAD),
	E(C_DestroyObject, SESSION, SESSION_BAD, OBJECT_BAD),
	E(C_GetObjectSize, SESSION, SESSION_BAD, OBJECT_BAD),
	E(C_GetAttributeValue, SESSION, SESSION_BAD, OBJECT_BAD),
	E(C_SetAttributeValue, SESSION, SESSION_BAD, OBJECT_BAD),
	E(C_FindObjectsInit, SESSION, SESSION_BAD, 0),
	E(C_FindObjects, SESSION, SESSION_BAD, 0),
	E(C_FindObjectsFinal, SESSION, SESSION_BAD, 0),
	E(C_EncryptInit, SESSION, SESSION_BAD, KEY_BAD),
	E(C_Encrypt, SESSION, SESSION_BAD, 0),
	E(C_EncryptUpdate, SESSION, SESSION_BAD, 0),
	E(C_EncryptFinal, SESSION, SESSION_BAD, 0),
	E(C_DecryptInit, SESSION, SESSION_BAD, KEY_BAD),
	E(C_Decrypt, SESSION, SESSION_BAD, 0),
	E(C_DecryptUpdate, SESSION, SESSION_BAD, 0),
	E(C_DecryptFinal, SESSION, SESSION_BAD, 0),
	E(C_DigestInit, SESSION, SESSION_BAD, 0),
	E(C_Digest, SESSION, SESSION_BAD, 0),
	E(C_DigestUpdate, SESSION, SESSION_BAD, 0),
	E(C_DigestKey, SESSION, SESSION_BAD, KEY_BAD),
	E(C_DigestFinal, SESSION, SESSION_BAD, 0),
	E(C_SignInit, SESSION, SESSION_BAD, KEY_BAD),
	E(C_Sign, SESSION, SESSION_BAD, 0),
	E(C_SignUpdate, SESSION, SESSION_BAD, 0),
	E(C_SignFinal, SESSION, SESSION_BAD, 0),
	E(C_SignRecoverInit, SESSION, STUB, STUB),
	E(C_SignRecover, SESSION, STUB, 0),
	E(C_VerifyInit, SESSION, SESSION_BAD, KEY_BAD),
	E(C_Verify, SESSION, SESSION_BAD, 0),
	E(C_VerifyUpdate, SESSION, SESSION_BAD, 0),
	E(C_VerifyFinal, SESSION, SESSION_BAD, 0),
	E(C_VerifyRecoverInit, SESSION, STUB, STUB),
	E(C_VerifyRecover, SESSION, STUB, 0),
	E(C_DigestEncryptUpdate, SESSION, STUB, 0),
	E(C_DecryptDigestUpdate, SESSION, STUB, 0),
	E(C_SignEncryptUpdate, SESSION, STUB, 0),
	E(C_DecryptVerifyUpdate, SESSION, STUB, 0),
	E(C_GenerateKey, SESSION, SESSION_BAD, 0),
	E(C_GenerateKeyPair, SESSION, SESSION_BAD, 0),
	E(C_WrapKey, SESSION, STUB, STUB),
	E(C_UnwrapKey, SESSION, STUB, STUB),
	E(C_DeriveKey, SESSION, SESSION_BAD, KEY_BAD),
	E(C_SeedRandom, SESSION, SESSION_BAD, 0),
	E(C_GenerateRandom, SESSION, SESSION_BAD, 0),
	E(C_GetFunctionStatus, SESSION, LEGACY, 0),
	E(C_CancelFunction, SESSION, LEGACY, 0),
	E(C_WaitForSlotEvent, NOTHING, 0, 0),
};
#define N_FUNCTIONS (sizeof(functions) / sizeof(functions[0]))

/* The function list has every function the table calls, and the table
 * every function but C_Initialize and C_GetFunctionList. */
static void test_table_is_complete(void **state)
{
	(void)state;
	assert_int_equal(N_FUNCTIONS + 2,
			 (sizeof(CK_FUNCTION_LIST) - offsetof(CK_FUNCTION_LIST,
							      C_Initialize)) /
				 sizeof(CK_C_Initialize));
}

/* Before C_Initialize and after C_Finalize, every function says so
 * first (v2.40 5.4: CKR_CRYPTOKI_NOT_INITIALIZED), stubs included. */
static void not_initialized(const char *when)
{
	const struct target t = {0, 1, 1};

	for (size_t i = 0; i < N_FUNCTIONS; i++)
		expect_named(functions[i].name, when, functions[i].call(&t),
			     functions[i].bad_handle == LEGACY
				     ? LEGACY : CKR_CRYPTOKI_NOT_INITIALIZED);
}

static void test_general(void **state)
{
	CK_C_INITIALIZE_ARGS junk = {.pReserved = (void *)1};
	CK_C_INITIALIZE_ARGS half = {.CreateMutex = (CK_CREATEMUTEX)1,
				     .LockMutex = (CK_LOCKMUTEX)1};
	CK_INFO info;

	(void)state;
	not_initialized("no C_Initialize");
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GetFunctionList(NULL));
	/* pReserved: p11-kit's string, never a pointer into the first page
	 * (docs/conformance.md). */
	EXPECT(CKR_ARGUMENTS_BAD, f->C_Initialize(&junk));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_Initialize(&half));
	EXPECT(CKR_OK, offline_init());
	EXPECT(CKR_CRYPTOKI_ALREADY_INITIALIZED, offline_init());
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GetInfo(NULL));
	EXPECT(CKR_OK, f->C_GetInfo(&info));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_Finalize(&info));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_WaitForSlotEvent(CKF_DONT_BLOCK, NULL, NULL));
	EXPECT(CKR_ARGUMENTS_BAD,
	       f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &(CK_SLOT_ID){0}, &info));
	EXPECT(CKR_OK, f->C_Finalize(NULL));
	not_initialized("C_Finalize done");
}

/* Invalid slots, sessions and objects, each function that takes one. */
static void test_invalid_handles(void **state)
{
	struct fixture x;
	CK_SLOT_ID slots[] = {3, 99999, CK_UNAVAILABLE_INFORMATION};
	CK_SESSION_HANDLE sessions[3];
	CK_OBJECT_HANDLE objects[6];
	char what[64];

	(void)state;
	set_up(&x);
	sessions[0] = CK_INVALID_HANDLE;
	sessions[1] = 99999;
	sessions[2] = x.closed;
	objects[0] = CK_INVALID_HANDLE;
	objects[1] = 99999;
	objects[2] = x.destroyed;
	objects[3] = x.orphan;	  /* its session was closed */
	objects[4] = x.elsewhere; /* another token's */
	objects[5] = (CK_OBJECT_HANDLE)1 << 63 | 4242; /* never made */
	for (size_t i = 0; i < N_FUNCTIONS; i++) {
		const struct entry *e = &functions[i];
		for (size_t j = 0; e->takes == SLOT && j < 3; j++) {
			struct target t = {slots[j], x.ro, x.aes};
			snprintf(what, sizeof(what), "slot %lu", slots[j]);
			expect_named(e->name, what, e->call(&t), e->bad_handle);
		}
		for (size_t j = 0; e->takes == SESSION && j < 3; j++) {
			struct target t = {OPEN, sessions[j], x.aes};
			snprintf(what, sizeof(what), "session 0x%lx", sessions[j]);
			expect_named(e->name, what, e->call(&t), e->bad_handle);
		}
		for (size_t j = 0; e->bad_object != 0 && j < 6; j++) {
			struct target t = {OPEN, x.ro, objects[j]};
			snprintf(what, sizeof(what), "object 0x%lx", objects[j]);
			expect_named(e->name, what, e->call(&t), e->bad_object);
		}
	}
	/* A closed session's handle is not given out again at once. */
	EXPECT(CKR_SESSION_HANDLE_INVALID, f->C_CloseSession(x.closed));
	tear_down();
}

/* Bad arguments with a bad session: v2.40 5.1.7 ranks the session's
 * CKR_SESSION_HANDLE_INVALID (5.1.2) above CKR_ARGUMENTS_BAD (5.1.6). */
static void test_session_outranks_arguments(void **state)
{
	struct fixture x;
	CK_OBJECT_HANDLE h;
	CK_ULONG n;
	CK_ATTRIBUTE unread = {CKA_LABEL, NULL, 7};
	CK_MECHANISM sha = {CKM_SHA256, NULL, 0};

	(void)state;
	set_up(&x);
	EXPECT(SESSION_BAD, f->C_GetSessionInfo(x.closed, NULL));
	EXPECT(SESSION_BAD, f->C_CreateObject(x.closed, NULL, 4, &h));
	EXPECT(SESSION_BAD, f->C_CreateObject(x.closed, aes_t, 4, NULL));
	EXPECT(SESSION_BAD, f->C_CopyObject(x.closed, x.aes, NULL, 1, &h));
	EXPECT(SESSION_BAD, f->C_GetObjectSize(x.closed, x.aes, NULL));
	EXPECT(SESSION_BAD, f->C_GetAttributeValue(x.closed, x.aes, NULL, 1));
	EXPECT(SESSION_BAD, f->C_SetAttributeValue(x.closed, x.aes, NULL, 1));
	EXPECT(SESSION_BAD, f->C_FindObjectsInit(x.closed, NULL, 1));
	EXPECT(SESSION_BAD, f->C_FindObjectsInit(x.closed, &unread, 1));
	EXPECT(SESSION_BAD, f->C_FindObjects(x.closed, NULL, 1, &n));
	EXPECT(SESSION_BAD, f->C_DigestInit(x.closed, NULL));
	EXPECT(SESSION_BAD, f->C_SignInit(x.closed, NULL, x.hmac));
	EXPECT(SESSION_BAD, f->C_Digest(x.closed, NULL, 4, NULL, NULL));
	EXPECT(SESSION_BAD, f->C_GenerateKey(x.closed, NULL, NULL, 1, &h));
	EXPECT(SESSION_BAD, f->C_GenerateKeyPair(x.closed, NULL, NULL, 0, NULL,
						 0, &h, NULL));
	EXPECT(SESSION_BAD, f->C_DeriveKey(x.closed, &sha, x.ec_priv, NULL, 1, &h));
	EXPECT(SESSION_BAD, f->C_SeedRandom(x.closed, NULL, 4));
	EXPECT(SESSION_BAD, f->C_GenerateRandom(x.closed, NULL, 4));
	tear_down();
}

/* ---- each pointer argument NULL in turn; counts 0 and huge ---- */

#define HUGE_COUNT ((CK_ULONG)1 << 40)

static void test_slots_and_tokens(void **state)
{
	CK_SLOT_ID slots[3];
	CK_MECHANISM_TYPE mechs[64];
	CK_TOKEN_INFO token;
	CK_ULONG n;

	(void)state;
	assert_int_equal(offline_init(), CKR_OK);
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GetSlotList(CK_TRUE, NULL, NULL));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GetSlotList(CK_FALSE, slots, NULL));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GetSlotInfo(OPEN, NULL));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GetTokenInfo(OPEN, NULL));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GetMechanismList(OPEN, NULL, NULL));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GetMechanismList(OPEN, mechs, NULL));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GetMechanismInfo(OPEN, CKM_SHA256, NULL));
	/* Counts: 0 is too small and gets the size; huge is room enough. */
	n = 0;
	EXPECT(CKR_BUFFER_TOO_SMALL, f->C_GetSlotList(CK_TRUE, slots, &n));
	assert_int_equal(n, 3);
	n = HUGE_COUNT;
	EXPECT(CKR_OK, f->C_GetSlotList(CK_TRUE, slots, &n));
	assert_int_equal(n, 3);
	n = 0;
	EXPECT(CKR_BUFFER_TOO_SMALL, f->C_GetMechanismList(OPEN, mechs, &n));
	assert_true(n > 0 && n <= 64);
	n = 64;
	EXPECT(CKR_OK, f->C_GetMechanismList(OPEN, mechs, &n));
	EXPECT(CKR_MECHANISM_INVALID,
	       f->C_GetMechanismInfo(OPEN, CKM_MD5, &(CK_MECHANISM_INFO){0}));
	EXPECT(CKR_MECHANISM_INVALID,
	       f->C_GetMechanismInfo(OPEN, CK_UNAVAILABLE_INFORMATION,
				     &(CK_MECHANISM_INFO){0}));
	EXPECT(CKR_OK, f->C_GetTokenInfo(LOCKED, &token));
	assert_true(token.flags & CKF_LOGIN_REQUIRED);
	EXPECT(CKR_OK, f->C_GetTokenInfo(SEALED, &token));
	assert_true(token.flags & CKF_WRITE_PROTECTED);
	/* No SO, no PIN of its own (docs/conformance.md). */
	EXPECT(CKR_FUNCTION_NOT_SUPPORTED, f->C_InitToken(OPEN, NULL, 0, NULL));
	tear_down();
}

static void test_sessions(void **state)
{
	struct fixture x;
	CK_SESSION_INFO info;
	CK_TOKEN_INFO token;
	CK_SESSION_HANDLE s;

	(void)state;
	set_up(&x);
	EXPECT(CKR_ARGUMENTS_BAD,
	       f->C_OpenSession(OPEN, CKF_SERIAL_SESSION, NULL, NULL, NULL));
	/* v2.40 5.6: CKF_SERIAL_SESSION must be set. */
	EXPECT(CKR_SESSION_PARALLEL_NOT_SUPPORTED,
	       f->C_OpenSession(OPEN, CKF_RW_SESSION, NULL, NULL, &s));
	/* A write-protected token opens no read-write session. */
	EXPECT(CKR_TOKEN_WRITE_PROTECTED,
	       f->C_OpenSession(SEALED, CKF_SERIAL_SESSION | CKF_RW_SESSION,
				NULL, NULL, &s));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GetSessionInfo(x.ro, NULL));
	EXPECT(CKR_OK, f->C_GetSessionInfo(x.ro, &info));
	assert_int_equal(info.state, CKS_RO_PUBLIC_SESSION);
	EXPECT(CKR_OK, f->C_GetSessionInfo(x.rw, &info));
	assert_int_equal(info.state, CKS_RW_PUBLIC_SESSION);
	EXPECT(CKR_FUNCTION_NOT_SUPPORTED, f->C_GetOperationState(x.ro, NULL, NULL));
	/* Not logged in; a user type that is none; no SO; no operation to
	 * log in for (v2.40 5.6 C_Login). */
	EXPECT(CKR_USER_NOT_LOGGED_IN, f->C_Logout(x.ro));
	EXPECT(CKR_USER_TYPE_INVALID,
	       f->C_Login(x.ro, 42, (CK_UTF8CHAR *)"pin", 3));
	/* CKU_SO with a read-only session of the token open: v2.40 5.6
	 * C_Login's own answer, that needs no SO to hold (more in
	 * test-api.c). */
	EXPECT(CKR_SESSION_READ_ONLY_EXISTS,
	       f->C_Login(x.rw, CKU_SO, (CK_UTF8CHAR *)"pin", 3));
	EXPECT(CKR_OPERATION_NOT_INITIALIZED,
	       f->C_Login(x.ro, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR *)"pin", 3));
	/* Complete credentials: no PIN needed, none read. */
	EXPECT(CKR_OK, f->C_Login(x.ro, CKU_USER, NULL, 0));
	EXPECT(CKR_USER_ALREADY_LOGGED_IN,
	       f->C_Login(x.rw, CKU_USER, (CK_UTF8CHAR *)"pin", 3));
	EXPECT(CKR_OK, f->C_GetSessionInfo(x.ro, &info));
	assert_int_equal(info.state, CKS_RO_USER_FUNCTIONS);
	EXPECT(CKR_OK, f->C_GetSessionInfo(x.rw, &info));
	assert_int_equal(info.state, CKS_RW_USER_FUNCTIONS);
	EXPECT(CKR_OK, f->C_Logout(x.rw));
	EXPECT(CKR_USER_NOT_LOGGED_IN, f->C_Logout(x.ro));
	/* The login token: a PIN that is none, of length 0, of a length
	 * beyond ulMaxPinLen (C_Login has no CKR_PIN_LEN_RANGE). */
	EXPECT(CKR_OK, f->C_GetTokenInfo(LOCKED, &token));
	assert_false(token.flags & CKF_USER_PIN_COUNT_LOW);
	EXPECT(CKR_PIN_INCORRECT, f->C_Login(x.locked, CKU_USER, NULL, 3));
	/* v2.40 3.2: set once a wrong user PIN was given since the last
	 * successful login (tests/integration/mapping.py clears it). */
	EXPECT(CKR_OK, f->C_GetTokenInfo(LOCKED, &token));
	assert_true(token.flags & CKF_USER_PIN_COUNT_LOW);
	EXPECT(CKR_OK, f->C_GetTokenInfo(OPEN, &token));
	assert_false(token.flags & CKF_USER_PIN_COUNT_LOW);
	EXPECT(CKR_PIN_INCORRECT,
	       f->C_Login(x.locked, CKU_USER, (CK_UTF8CHAR *)"pin", 0));
	EXPECT(CKR_PIN_INCORRECT,
	       f->C_Login(x.locked, CKU_USER, (CK_UTF8CHAR *)"pin",
			  CK_UNAVAILABLE_INFORMATION));
	/* Keystone does not answer: a device error, and still logged out. */
	EXPECT(CKR_DEVICE_ERROR,
	       f->C_Login(x.locked, CKU_USER, (CK_UTF8CHAR *)"pin", 3));
	EXPECT(CKR_OK, f->C_GetSessionInfo(x.locked, &info));
	assert_int_equal(info.state, CKS_RO_PUBLIC_SESSION);
	EXPECT(CKR_USER_NOT_LOGGED_IN, f->C_Logout(x.locked));
	/* Closing all of one token's sessions leaves the others'. */
	EXPECT(CKR_OK, f->C_CloseAllSessions(OPEN));
	EXPECT(CKR_SESSION_HANDLE_INVALID, f->C_GetSessionInfo(x.ro, &info));
	EXPECT(CKR_OK, f->C_GetSessionInfo(x.sealed, &info));
	EXPECT(CKR_OK, f->C_CloseAllSessions(OPEN));
	tear_down();
}

static void test_objects(void **state)
{
	struct fixture x;
	CK_OBJECT_HANDLE h;
	CK_ULONG size;
	CK_ATTRIBUTE label = {CKA_LABEL, out, sizeof(out)},
		     unknown = {CKA_VENDOR_DEFINED | 0x4242, out, 0},
		     exponent = {CKA_PRIVATE_EXPONENT, out, sizeof(out)},
		     value = {CKA_VALUE, out, sizeof(key16) - 1};

	(void)state;
	set_up(&x);
	EXPECT(CKR_ARGUMENTS_BAD, f->C_CreateObject(x.ro, NULL, 4, &h));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_CreateObject(x.ro, NULL, HUGE_COUNT, &h));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_CreateObject(x.ro, aes_t, 4, NULL));
	/* No class: nothing to make (v2.40 4.2). */
	EXPECT(CKR_TEMPLATE_INCOMPLETE, f->C_CreateObject(x.ro, NULL, 0, &h));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_CopyObject(x.ro, x.aes, NULL, 1, &h));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_CopyObject(x.ro, x.aes, session_only, 1, NULL));
	EXPECT(CKR_OK, f->C_CopyObject(x.ro, x.aes, NULL, 0, &h));
	EXPECT(CKR_OK, f->C_DestroyObject(x.ro, h));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GetObjectSize(x.ro, x.aes, NULL));
	EXPECT(CKR_OK, f->C_GetObjectSize(x.ro, x.aes, &size));
	assert_true(size == CK_UNAVAILABLE_INFORMATION);
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GetAttributeValue(x.ro, x.aes, NULL, 1));
	EXPECT(CKR_ARGUMENTS_BAD,
	       f->C_GetAttributeValue(x.ro, x.aes, NULL, HUGE_COUNT));
	EXPECT(CKR_OK, f->C_GetAttributeValue(x.ro, x.aes, NULL, 0));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_SetAttributeValue(x.ro, x.aes, NULL, 1));
	EXPECT(CKR_ARGUMENTS_BAD,
	       f->C_SetAttributeValue(x.ro, x.aes, NULL, HUGE_COUNT));
	EXPECT(CKR_OK, f->C_SetAttributeValue(x.ro, x.aes, NULL, 0));
	/* A buffer said to be of CK_UNAVAILABLE_INFORMATION bytes is large
	 * enough: the value's length is written, and no more. */
	label.ulValueLen = CK_UNAVAILABLE_INFORMATION;
	EXPECT(CKR_OK, f->C_GetAttributeValue(x.ro, x.data, &label, 1));
	assert_int_equal(label.ulValueLen, 0);
	/* What it cannot give is answered CK_UNAVAILABLE_INFORMATION (v2.40
	 * 5.7): no such attribute, a sensitive one, a buffer too small. */
	unknown.ulValueLen = sizeof(out);
	EXPECT(CKR_ATTRIBUTE_TYPE_INVALID,
	       f->C_GetAttributeValue(x.ro, x.data, &unknown, 1));
	assert_true(unknown.ulValueLen == CK_UNAVAILABLE_INFORMATION);
	EXPECT(CKR_ATTRIBUTE_SENSITIVE,
	       f->C_GetAttributeValue(x.ro, x.rsa_priv, &exponent, 1));
	assert_true(exponent.ulValueLen == CK_UNAVAILABLE_INFORMATION);
	EXPECT(CKR_BUFFER_TOO_SMALL,
	       f->C_GetAttributeValue(x.ro, x.data, &value, 1));
	assert_true(value.ulValueLen == CK_UNAVAILABLE_INFORMATION);
	tear_down();
}

/* ---- templates whose lengths are lies ---- */

static void test_template_lengths(void **state)
{
	struct fixture x;
	CK_OBJECT_HANDLE h;
	unsigned char name[8] = "name";
	CK_ULONG huge = CK_UNAVAILABLE_INFORMATION;
	CK_ATTRIBUTE labelled[] = {{CKA_CLASS, &data_class, sizeof(data_class)},
				   {CKA_LABEL, name, CK_UNAVAILABLE_INFORMATION},
				   {CKA_PRIVATE, &no, 1}};
	CK_ATTRIBUTE long_secret[] = {
		{CKA_CLASS, &secret_class, sizeof(secret_class)},
		{CKA_KEY_TYPE, &generic_type, sizeof(generic_type)},
		{CKA_VALUE, key16, CK_UNAVAILABLE_INFORMATION},
		{CKA_PRIVATE, &no, 1}};
	CK_ATTRIBUTE long_token_data[] = {
		{CKA_CLASS, &data_class, sizeof(data_class)},
		{CKA_TOKEN, &yes, 1},
		{CKA_VALUE, key16, CK_UNAVAILABLE_INFORMATION}};
	CK_ATTRIBUTE relabel = {CKA_LABEL, name, CK_UNAVAILABLE_INFORMATION};
	CK_ATTRIBUTE search[] = {{CKA_TOKEN, &no, 1},
				 {CKA_LABEL, name, CK_UNAVAILABLE_INFORMATION}};
	CK_ATTRIBUTE huge_len[] = {{CKA_VALUE_LEN, &huge, sizeof(huge)},
				   {CKA_PRIVATE, &no, 1}};
	CK_ATTRIBUTE huge_bits[] = {{CKA_MODULUS_BITS, &huge, sizeof(huge)}};
	CK_MECHANISM long_iv = {CKM_AES_CBC_PAD, iv, CK_UNAVAILABLE_INFORMATION};
	CK_ULONG n = 1;

	(void)state;
	set_up(&x);
	/* v2.40 5.7: an attribute value that is not one of its type's. */
	EXPECT(CKR_ATTRIBUTE_VALUE_INVALID, f->C_CreateObject(x.ro, labelled, 3, &h));
	EXPECT(CKR_ATTRIBUTE_VALUE_INVALID,
	       f->C_CreateObject(x.ro, long_secret, 4, &h));
	/* A token object's template is read before the Key Manager is. */
	EXPECT(CKR_ATTRIBUTE_VALUE_INVALID,
	       f->C_CreateObject(x.rw, long_token_data, 3, &h));
	EXPECT(CKR_ATTRIBUTE_VALUE_INVALID,
	       f->C_SetAttributeValue(x.ro, x.data, &relabel, 1));
	EXPECT(CKR_ATTRIBUTE_VALUE_INVALID,
	       f->C_CopyObject(x.ro, x.data, &relabel, 1, &h));
	/* A search for a value no object can have finds none. */
	EXPECT(CKR_OK, f->C_FindObjectsInit(x.ro, search, 2));
	EXPECT(CKR_OK, f->C_FindObjects(x.ro, found, 8, &n));
	assert_int_equal(n, 0);
	EXPECT(CKR_OK, f->C_FindObjectsFinal(x.ro));
	EXPECT(CKR_ATTRIBUTE_VALUE_INVALID,
	       f->C_GenerateKey(x.ro, &aes_gen, huge_len, 2, &h));
	EXPECT(CKR_ATTRIBUTE_VALUE_INVALID,
	       f->C_GenerateKeyPair(x.ro, &rsa_gen, huge_bits, 1, rsa_priv_t, 1,
				    &h, &h));
	EXPECT(CKR_MECHANISM_PARAM_INVALID, f->C_EncryptInit(x.ro, &long_iv, x.aes));
	tear_down();
}

/* ---- session state: read-only, not logged in, write-protected ---- */

static void test_session_state(void **state)
{
	struct fixture x;
	CK_OBJECT_HANDLE h, h2;
	CK_ATTRIBUTE token_aes[] = {{CKA_CLASS, &secret_class, sizeof(secret_class)},
				    {CKA_KEY_TYPE, &aes_type, sizeof(aes_type)},
				    {CKA_VALUE, key16, sizeof(key16)},
				    {CKA_TOKEN, &yes, 1}};
	CK_ATTRIBUTE token_gen[] = {{CKA_VALUE_LEN, &len16, sizeof(len16)},
				    {CKA_TOKEN, &yes, 1}};
	CK_ATTRIBUTE token_pub[] = {{CKA_MODULUS_BITS, &bits1024, sizeof(bits1024)},
				    {CKA_TOKEN, &yes, 1},
				    {CKA_LABEL, "pair", 4}};
	CK_ATTRIBUTE private_data[] = {{CKA_CLASS, &data_class, sizeof(data_class)},
				       {CKA_PRIVATE, &yes, 1}};
	CK_ATTRIBUTE label = {CKA_LABEL, "renamed", 7};
	CK_ATTRIBUTE to_token = {CKA_TOKEN, &yes, 1};

	(void)state;
	set_up(&x);
	/* Token objects from a read-only session (v2.40 5.7). */
	EXPECT(CKR_SESSION_READ_ONLY, f->C_CreateObject(x.ro, token_aes, 4, &h));
	EXPECT(CKR_SESSION_READ_ONLY,
	       f->C_GenerateKey(x.ro, &aes_gen, token_gen, 2, &h));
	EXPECT(CKR_SESSION_READ_ONLY,
	       f->C_GenerateKeyPair(x.ro, &rsa_gen, token_pub, 3, rsa_priv_t, 1,
				    &h, &h2));
	/* ... and on a write-protected token. */
	EXPECT(CKR_TOKEN_WRITE_PROTECTED,
	       f->C_CreateObject(x.sealed, token_aes, 4, &h));
	/* A copy never goes to the Key Manager (docs/conformance.md). */
	EXPECT(CKR_TEMPLATE_INCONSISTENT, f->C_CopyObject(x.rw, x.aes, &to_token, 1, &h));
	/* Session objects: changed and destroyed from read-only sessions. */
	EXPECT(CKR_OK, f->C_SetAttributeValue(x.ro, x.data, &label, 1));
	EXPECT(CKR_ATTRIBUTE_READ_ONLY, f->C_SetAttributeValue(x.ro, x.data, &to_token, 1));
	h = create(x.sealed, aes_t, 4);
	EXPECT(CKR_OK, f->C_DestroyObject(x.sealed, h));
	/* Private objects of a login token before the login (v2.40 4.4). */
	EXPECT(CKR_USER_NOT_LOGGED_IN,
	       f->C_CreateObject(x.locked, private_data, 2, &h));
	EXPECT(CKR_USER_NOT_LOGGED_IN,
	       f->C_GenerateKey(x.locked, &aes_gen, aes_gen_t, 1, &h));
	EXPECT(CKR_USER_NOT_LOGGED_IN,
	       f->C_GenerateKeyPair(x.locked, &rsa_gen, rsa_pub_t, 1, NULL, 0,
				    &h, &h2));
	/* Public ones are fine. */
	EXPECT(CKR_OK, f->C_GenerateKey(x.locked, &aes_gen, aes_gen_t, 2, &h));
	EXPECT(CKR_OK, f->C_DestroyObject(x.locked, h));
	/* An object of one token is no handle in another's session. */
	EXPECT(CKR_OBJECT_HANDLE_INVALID, f->C_DestroyObject(x.locked, x.aes));
	tear_down();
}

/* Objects that say no: CKA_MODIFIABLE, CKA_COPYABLE, CKA_DESTROYABLE
 * FALSE (v2.40 4.4: CKR_ACTION_PROHIBITED). */
static void test_object_permissions(void **state)
{
	struct fixture x;
	CK_ATTRIBUTE fixed[] = {{CKA_CLASS, &data_class, sizeof(data_class)},
				{CKA_PRIVATE, &no, 1},
				{CKA_MODIFIABLE, &no, 1},
				{CKA_COPYABLE, &no, 1},
				{CKA_DESTROYABLE, &no, 1}};
	CK_ATTRIBUTE label = {CKA_LABEL, out, 1};
	CK_OBJECT_HANDLE h, copy;

	(void)state;
	set_up(&x);
	h = create(x.ro, fixed, 5);
	EXPECT(CKR_ACTION_PROHIBITED, f->C_SetAttributeValue(x.ro, h, &label, 1));
	EXPECT(CKR_ACTION_PROHIBITED, f->C_CopyObject(x.ro, h, NULL, 0, &copy));
	EXPECT(CKR_ACTION_PROHIBITED, f->C_DestroyObject(x.ro, h));
	EXPECT(CKR_OK, f->C_GetAttributeValue(x.ro, h, &label, 1));
	tear_down();
}

/* ---- find ---- */

static void test_find(void **state)
{
	struct fixture x;
	CK_ULONG n = 99;
	CK_ATTRIBUTE null_value[] = {{CKA_TOKEN, &no, 1}, {CKA_LABEL, NULL, 4}};

	(void)state;
	set_up(&x);
	EXPECT(CKR_OPERATION_NOT_INITIALIZED, f->C_FindObjects(x.ro, found, 8, &n));
	EXPECT(CKR_OPERATION_NOT_INITIALIZED, f->C_FindObjectsFinal(x.ro));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_FindObjectsInit(x.ro, NULL, 1));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_FindObjectsInit(x.ro, NULL, HUGE_COUNT));
	/* docs/conformance.md: a value to match must be there. */
	EXPECT(CKR_ATTRIBUTE_VALUE_INVALID, f->C_FindObjectsInit(x.ro, null_value, 2));
	/* Every object: the token's too, whose listing fails. */
	EXPECT(CKR_DEVICE_ERROR, f->C_FindObjectsInit(x.ro, NULL, 0));
	EXPECT(CKR_OPERATION_NOT_INITIALIZED, f->C_FindObjectsFinal(x.ro));
	EXPECT(CKR_OK, f->C_FindObjectsInit(x.ro, session_only, 1));
	EXPECT(CKR_OPERATION_ACTIVE, f->C_FindObjectsInit(x.ro, session_only, 1));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_FindObjects(x.ro, NULL, 8, &n));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_FindObjects(x.ro, found, 8, NULL));
	EXPECT(CKR_OK, f->C_FindObjects(x.ro, found, 0, &n));
	assert_int_equal(n, 0);
	EXPECT(CKR_OK, f->C_FindObjects(x.ro, found, HUGE_COUNT, &n));
	assert_int_equal(n, 7); /* those of set_up on the open token */
	EXPECT(CKR_OK, f->C_FindObjects(x.ro, found, 8, &n));
	assert_int_equal(n, 0);
	/* Each session searches on its own. */
	EXPECT(CKR_OPERATION_NOT_INITIALIZED, f->C_FindObjectsFinal(x.rw));
	EXPECT(CKR_OK, f->C_FindObjectsFinal(x.ro));
	EXPECT(CKR_OPERATION_NOT_INITIALIZED, f->C_FindObjectsFinal(x.ro));
	EXPECT(CKR_OPERATION_NOT_INITIALIZED, f->C_FindObjects(x.ro, found, 8, &n));
	tear_down();
}

/* ---- cryptographic operations, family by family ---- */

/* An operation family: Init, the single-part call, Update and Final of
 * one mechanism and key. Verify's "output" is its signature. */
struct family {
	const char *name;
	CK_RV (*init)(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key);
	CK_RV (*single)(CK_SESSION_HANDLE s);
	CK_RV (*update)(CK_SESSION_HANDLE s);
	CK_RV (*final)(CK_SESSION_HANDLE s);
	CK_RV (*null_in)(CK_SESSION_HANDLE s);	 /* single, no input */
	CK_RV (*null_len)(CK_SESSION_HANDLE s);	 /* single, no length */
	CK_RV (*null_update)(CK_SESSION_HANDLE s);
	CK_RV (*null_final)(CK_SESSION_HANDLE s);
};

static unsigned char mac[32];

#define OP(name, init_call, single_call, update_call, final_call, null_in_call, \
	   null_len_call, null_update_call, null_final_call)                     \
	static CK_RV name##_init(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE k)      \
	{                                                                      \
		return init_call;                                              \
	}                                                                      \
	static CK_RV name##_single(CK_SESSION_HANDLE s) { return single_call; } \
	static CK_RV name##_update(CK_SESSION_HANDLE s) { return update_call; } \
	static CK_RV name##_final(CK_SESSION_HANDLE s) { return final_call; }   \
	static CK_RV name##_null_in(CK_SESSION_HANDLE s) { return null_in_call; } \
	static CK_RV name##_null_len(CK_SESSION_HANDLE s)                      \
	{                                                                      \
		return null_len_call;                                          \
	}                                                                      \
	static CK_RV name##_null_update(CK_SESSION_HANDLE s)                   \
	{                                                                      \
		return null_update_call;                                       \
	}                                                                      \
	static CK_RV name##_null_final(CK_SESSION_HANDLE s)                    \
	{                                                                      \
		return null_final_call;                                        \
	}

OP(encrypt, f->C_EncryptInit(s, &cbc_pad, k),
   f->C_Encrypt(s, in, 16, out, LEN(sizeof(out))),
   f->C_EncryptUpdate(s, in, 16, out, LEN(sizeof(out))),
   f->C_EncryptFinal(s, out, LEN(sizeof(out))),
   f->C_Encrypt(s, NULL, 16, out, LEN(sizeof(out))),
   f->C_Encrypt(s, in, 16, out, NULL),
   f->C_EncryptUpdate(s, in, 16, out, NULL),
   f->C_EncryptFinal(s, out, NULL))
OP(decrypt, f->C_DecryptInit(s, &cbc, k),
   f->C_Decrypt(s, in, 32, out, LEN(sizeof(out))),
   f->C_DecryptUpdate(s, in, 32, out, LEN(sizeof(out))),
   f->C_DecryptFinal(s, out, LEN(sizeof(out))),
   f->C_Decrypt(s, NULL, 32, out, LEN(sizeof(out))),
   f->C_Decrypt(s, in, 32, out, NULL),
   f->C_DecryptUpdate(s, NULL, 32, out, LEN(sizeof(out))),
   f->C_DecryptFinal(s, out, NULL))
OP(digest, f->C_DigestInit(s, &sha256), f->C_Digest(s, in, 16, out, LEN(sizeof(out))),
   f->C_DigestUpdate(s, in, 16), f->C_DigestFinal(s, out, LEN(sizeof(out))),
   f->C_Digest(s, NULL, 16, out, LEN(sizeof(out))),
   f->C_Digest(s, in, 16, out, NULL), f->C_DigestUpdate(s, NULL, 16),
   f->C_DigestFinal(s, out, NULL))
OP(sign, f->C_SignInit(s, &hmac, k), f->C_Sign(s, in, 16, mac, LEN(sizeof(mac))),
   f->C_SignUpdate(s, in, 16), f->C_SignFinal(s, mac, LEN(sizeof(mac))),
   f->C_Sign(s, NULL, 16, mac, LEN(sizeof(mac))),
   f->C_Sign(s, in, 16, mac, NULL), f->C_SignUpdate(s, NULL, 16),
   f->C_SignFinal(s, mac, NULL))
OP(verify, f->C_VerifyInit(s, &hmac, k), f->C_Verify(s, in, 16, mac, sizeof(mac)),
   f->C_VerifyUpdate(s, in, 16), f->C_VerifyFinal(s, mac, sizeof(mac)),
   f->C_Verify(s, NULL, 16, mac, sizeof(mac)),
   f->C_Verify(s, in, 16, NULL, sizeof(mac)), f->C_VerifyUpdate(s, NULL, 16),
   f->C_VerifyFinal(s, NULL, sizeof(mac)))

#define FAMILY(name)                                                           \
	{#name,             name##_init,     name##_single,                   \
	 name##_update,     name##_final,    name##_null_in,                  \
	 name##_null_len,   name##_null_update, name##_null_final}
static const struct family families[] = {
	FAMILY(encrypt), FAMILY(decrypt), FAMILY(digest), FAMILY(sign),
	FAMILY(verify),
};

/* A session with the family's operation going, from its Init. */
static void start(const struct family *fam, CK_SESSION_HANDLE s,
		  CK_OBJECT_HANDLE key)
{
	expect_named(fam->name, "Init", fam->init(s, key), CKR_OK);
}

static void ended(const struct family *fam, CK_SESSION_HANDLE s,
		  const char *after)
{
	expect_named(fam->name, after, fam->final(s), CKR_OPERATION_NOT_INITIALIZED);
}

static void test_operation_state(void **state)
{
	struct fixture x;

	(void)state;
	set_up(&x);
	/* The MAC the verify family checks. */
	EXPECT(CKR_OK, f->C_SignInit(x.ro, &hmac, x.hmac));
	EXPECT(CKR_OK, f->C_Sign(x.ro, in, 16, mac, LEN(sizeof(mac))));
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const struct family *fam = &families[i];
		CK_OBJECT_HANDLE key = fam->init == sign_init || fam->init == verify_init
					       ? x.hmac : x.aes;
		/* Nothing going (v2.40 5.2: CKR_OPERATION_NOT_INITIALIZED). */
		expect_named(fam->name, "no Init", fam->single(x.ro),
			     CKR_OPERATION_NOT_INITIALIZED);
		expect_named(fam->name, "no Init", fam->update(x.ro),
			     CKR_OPERATION_NOT_INITIALIZED);
		expect_named(fam->name, "no Init", fam->final(x.ro),
			     CKR_OPERATION_NOT_INITIALIZED);
		/* Init while going; in another session it is another's. */
		start(fam, x.ro, key);
		expect_named(fam->name, "Init twice", fam->init(x.ro, key),
			     CKR_OPERATION_ACTIVE);
		ended(fam, x.rw, "Init in another session");
		/* Single-part after Update: not the call of an operation in
		 * parts, and it ends it (v2.40 5.12: C_Sign always does). */
		expect_named(fam->name, "Update", fam->update(x.ro), CKR_OK);
		expect_named(fam->name, "single-part after Update",
			     fam->single(x.ro), CKR_OPERATION_NOT_INITIALIZED);
		expect_named(fam->name, "Final after that", fam->final(x.ro),
			     CKR_OPERATION_NOT_INITIALIZED);
		/* Each pointer NULL in turn: an error, which ends the
		 * operation (v2.40 5.8: "always terminates ... unless it
		 * returns CKR_BUFFER_TOO_SMALL"; Update: "results in an
		 * error terminates"). */
		start(fam, x.ro, key);
		expect_named(fam->name, "no input", fam->null_in(x.ro), CKR_ARGUMENTS_BAD);
		ended(fam, x.ro, "no input");
		start(fam, x.ro, key);
		expect_named(fam->name, "no output length", fam->null_len(x.ro),
			     CKR_ARGUMENTS_BAD);
		ended(fam, x.ro, "no output length");
		start(fam, x.ro, key);
		expect_named(fam->name, "Update without input or output length",
			     fam->null_update(x.ro), CKR_ARGUMENTS_BAD);
		ended(fam, x.ro, "Update without input");
		start(fam, x.ro, key);
		expect_named(fam->name, "Final without output (length)",
			     fam->null_final(x.ro), CKR_ARGUMENTS_BAD);
		ended(fam, x.ro, "Final without output");
		/* A whole operation, and then it is over. */
		start(fam, x.ro, key);
		expect_named(fam->name, "Update", fam->update(x.ro), CKR_OK);
		expect_named(fam->name, "Final", fam->final(x.ro), CKR_OK);
		ended(fam, x.ro, "Final");
		/* A closed session's operation is gone with it. */
		start(fam, x.rw, key);
		EXPECT(CKR_OK, f->C_CloseSession(x.rw));
		x.rw = open_session(OPEN, CKF_RW_SESSION);
		ended(fam, x.rw, "its session closed");
	}
	tear_down();
}

/* Init of each family: no mechanism, a mechanism that is none, a key
 * that is not one or not for this. */
static void test_operation_init(void **state)
{
	struct fixture x;
	CK_MECHANISM md5 = {CKM_MD5, NULL, 0},
		     nonsense = {CK_UNAVAILABLE_INFORMATION, NULL, 0},
		     short_iv = {CKM_AES_CBC_PAD, iv, 8},
		     no_iv = {CKM_AES_CBC_PAD, NULL, 16};
	CK_ATTRIBUTE no_sign = {CKA_SIGN, &no, 1};
	CK_OBJECT_HANDLE h;

	(void)state;
	set_up(&x);
	EXPECT(CKR_ARGUMENTS_BAD, f->C_EncryptInit(x.ro, NULL, x.aes));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_DecryptInit(x.ro, NULL, x.aes));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_DigestInit(x.ro, NULL));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_SignInit(x.ro, NULL, x.hmac));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_VerifyInit(x.ro, NULL, x.hmac));
	EXPECT(CKR_MECHANISM_INVALID, f->C_DigestInit(x.ro, &md5));
	EXPECT(CKR_MECHANISM_INVALID, f->C_DigestInit(x.ro, &nonsense));
	EXPECT(CKR_MECHANISM_INVALID, f->C_EncryptInit(x.ro, &nonsense, x.aes));
	EXPECT(CKR_MECHANISM_INVALID, f->C_SignInit(x.ro, &nonsense, x.hmac));
	EXPECT(CKR_MECHANISM_PARAM_INVALID, f->C_EncryptInit(x.ro, &short_iv, x.aes));
	EXPECT(CKR_MECHANISM_PARAM_INVALID, f->C_DecryptInit(x.ro, &no_iv, x.aes));
	/* Not a key: a data object (v2.40 5.8: CKR_KEY_HANDLE_INVALID). */
	EXPECT(CKR_KEY_HANDLE_INVALID, f->C_EncryptInit(x.ro, &cbc_pad, x.data));
	EXPECT(CKR_KEY_HANDLE_INVALID, f->C_SignInit(x.ro, &hmac, x.data));
	/* A key of another type than the mechanism's. */
	EXPECT(CKR_KEY_TYPE_INCONSISTENT, f->C_EncryptInit(x.ro, &cbc_pad, x.rsa_pub));
	EXPECT(CKR_KEY_TYPE_INCONSISTENT, f->C_SignInit(x.ro, &sha256_rsa, x.ec_priv));
	/* Not asserted: HMAC with an AES key, which kmp11 accepts (any
	 * secret key, docs/mechanisms.md) where the mechanisms' spec names
	 * generic secret keys; docs/conformance.md does not list it. */
	/* A key whose attributes do not allow it. */
	h = create(x.ro, hmac_t, 4);
	EXPECT(CKR_OK, f->C_SetAttributeValue(x.ro, h, &no_sign, 1));
	EXPECT(CKR_KEY_FUNCTION_NOT_PERMITTED, f->C_SignInit(x.ro, &hmac, h));
	EXPECT(CKR_KEY_FUNCTION_NOT_PERMITTED, f->C_SignInit(x.ro, &sha256_rsa, x.rsa_pub));
	EXPECT(CKR_KEY_FUNCTION_NOT_PERMITTED, f->C_VerifyInit(x.ro, &sha256_rsa, x.rsa_priv));
	/* Nothing was left going by a failed Init. */
	EXPECT(CKR_OPERATION_NOT_INITIALIZED, f->C_EncryptFinal(x.ro, out, LEN(sizeof(out))));
	EXPECT(CKR_OPERATION_NOT_INITIALIZED, f->C_SignFinal(x.ro, out, LEN(sizeof(out))));
	EXPECT(CKR_OPERATION_NOT_INITIALIZED, f->C_DigestFinal(x.ro, out, LEN(sizeof(out))));
	tear_down();
}

/* Lengths: 0, CK_UNAVAILABLE_INFORMATION, too small, and input that no
 * block fits. */
static void test_operation_lengths(void **state)
{
	struct fixture x;
	CK_ULONG len;

	(void)state;
	set_up(&x);
	/* A digest of nothing; a null input of length 0 is no input. */
	EXPECT(CKR_OK, f->C_DigestInit(x.ro, &sha256));
	EXPECT(CKR_OK, f->C_DigestUpdate(x.ro, NULL, 0));
	len = CK_UNAVAILABLE_INFORMATION; /* as large as it gets */
	EXPECT(CKR_OK, f->C_DigestFinal(x.ro, out, &len));
	assert_int_equal(len, 32);
	/* Too small: the length, and the operation goes on (v2.40 5.2). */
	EXPECT(CKR_OK, f->C_EncryptInit(x.ro, &cbc_pad, x.aes));
	len = 0;
	EXPECT(CKR_BUFFER_TOO_SMALL, f->C_Encrypt(x.ro, in, 0, out, &len));
	assert_int_equal(len, 16);
	EXPECT(CKR_OK, f->C_Encrypt(x.ro, in, 0, out, &len));
	assert_int_equal(len, 16);
	/* Unpadded CBC: whole blocks only. */
	EXPECT(CKR_OK, f->C_EncryptInit(x.ro, &cbc, x.aes));
	EXPECT(CKR_DATA_LEN_RANGE, f->C_Encrypt(x.ro, in, 15, out, LEN(sizeof(out))));
	EXPECT(CKR_OK, f->C_DecryptInit(x.ro, &cbc, x.aes));
	EXPECT(CKR_ENCRYPTED_DATA_LEN_RANGE,
	       f->C_Decrypt(x.ro, in, 15, out, LEN(sizeof(out))));
	/* A signature of the wrong length is no signature (v2.40 5.12). */
	EXPECT(CKR_OK, f->C_VerifyInit(x.ro, &hmac, x.hmac));
	EXPECT(CKR_SIGNATURE_LEN_RANGE, f->C_Verify(x.ro, in, 16, mac, 31));
	/* DigestKey of a key that is no secret key's value to digest. */
	EXPECT(CKR_OK, f->C_DigestInit(x.ro, &sha256));
	EXPECT(CKR_KEY_INDIGESTIBLE, f->C_DigestKey(x.ro, x.rsa_priv));
	tear_down();
}

/* ---- keys ---- */

static void test_key_management(void **state)
{
	struct fixture x;
	CK_OBJECT_HANDLE h, h2;
	CK_ATTRIBUTE derive_aes[] = {
		{CKA_CLASS, &secret_class, sizeof(secret_class)},
		{CKA_KEY_TYPE, &aes_type, sizeof(aes_type)},
		{CKA_VALUE, key16, sizeof(key16)},
		{CKA_PRIVATE, &no, 1},
		{CKA_DERIVE, &yes, 1}};

	(void)state;
	set_up(&x);
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GenerateKey(x.ro, NULL, aes_gen_t, 2, &h));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GenerateKey(x.ro, &aes_gen, NULL, 2, &h));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GenerateKey(x.ro, &aes_gen, NULL, HUGE_COUNT, &h));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GenerateKey(x.ro, &aes_gen, aes_gen_t, 2, NULL));
	/* No CKA_VALUE_LEN: no size to make. */
	EXPECT(CKR_TEMPLATE_INCOMPLETE, f->C_GenerateKey(x.ro, &aes_gen, NULL, 0, &h));
	EXPECT(CKR_MECHANISM_INVALID, f->C_GenerateKey(x.ro, &sha256, aes_gen_t, 2, &h));
	/* A bad session outranks a bad mechanism (v2.40 5.1.7). */
	EXPECT(CKR_SESSION_HANDLE_INVALID,
	       f->C_GenerateKey(x.closed, &sha256, aes_gen_t, 2, &h));
	EXPECT(CKR_SESSION_HANDLE_INVALID,
	       f->C_GenerateKeyPair(x.closed, &aes_gen, rsa_pub_t, 1, rsa_priv_t,
				    1, &h, &h2));
	EXPECT(CKR_SESSION_HANDLE_INVALID,
	       f->C_DeriveKey(x.closed, &sha256, x.ec_priv, aes_gen_t, 2, &h));
	EXPECT(CKR_ARGUMENTS_BAD,
	       f->C_GenerateKeyPair(x.ro, NULL, rsa_pub_t, 1, rsa_priv_t, 1, &h, &h2));
	EXPECT(CKR_ARGUMENTS_BAD,
	       f->C_GenerateKeyPair(x.ro, &rsa_gen, NULL, 1, rsa_priv_t, 1, &h, &h2));
	EXPECT(CKR_ARGUMENTS_BAD,
	       f->C_GenerateKeyPair(x.ro, &rsa_gen, rsa_pub_t, 1, NULL, 1, &h, &h2));
	EXPECT(CKR_ARGUMENTS_BAD,
	       f->C_GenerateKeyPair(x.ro, &rsa_gen, rsa_pub_t, 1, NULL, HUGE_COUNT,
				    &h, &h2));
	EXPECT(CKR_ARGUMENTS_BAD,
	       f->C_GenerateKeyPair(x.ro, &rsa_gen, rsa_pub_t, 1, rsa_priv_t, 1,
				    NULL, &h2));
	EXPECT(CKR_ARGUMENTS_BAD,
	       f->C_GenerateKeyPair(x.ro, &rsa_gen, rsa_pub_t, 1, rsa_priv_t, 1,
				    &h, NULL));
	/* No CKA_MODULUS_BITS; no curve. */
	EXPECT(CKR_TEMPLATE_INCOMPLETE,
	       f->C_GenerateKeyPair(x.ro, &rsa_gen, NULL, 0, NULL, 0, &h, &h2));
	EXPECT(CKR_TEMPLATE_INCOMPLETE,
	       f->C_GenerateKeyPair(x.ro, &ec_gen, NULL, 0, NULL, 0, &h, &h2));
	EXPECT(CKR_MECHANISM_INVALID,
	       f->C_GenerateKeyPair(x.ro, &aes_gen, rsa_pub_t, 1, rsa_priv_t, 1,
				    &h, &h2));
	EXPECT(CKR_ARGUMENTS_BAD,
	       f->C_DeriveKey(x.ro, NULL, x.ec_priv, aes_gen_t, 2, &h));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_DeriveKey(x.ro, &ecdh, x.ec_priv, NULL, 2, &h));
	EXPECT(CKR_ARGUMENTS_BAD,
	       f->C_DeriveKey(x.ro, &ecdh, x.ec_priv, aes_gen_t, 2, NULL));
	EXPECT(CKR_MECHANISM_INVALID,
	       f->C_DeriveKey(x.ro, &sha256, x.ec_priv, aes_gen_t, 2, &h));
	/* A base key of another type; a point that is none. */
	h2 = create(x.ro, derive_aes, 5);
	EXPECT(CKR_KEY_TYPE_INCONSISTENT,
	       f->C_DeriveKey(x.ro, &ecdh, h2, aes_gen_t, 2, &h));
	EXPECT(CKR_MECHANISM_PARAM_INVALID,
	       f->C_DeriveKey(x.ro, &ecdh, x.ec_priv, aes_gen_t, 2, &h));
	EXPECT(CKR_FUNCTION_NOT_SUPPORTED,
	       f->C_WrapKey(x.ro, &rsa_pkcs, x.rsa_pub, x.aes, NULL, LEN(0)));
	tear_down();
}

/* ---- random numbers ---- */

static void test_random(void **state)
{
	struct fixture x;

	(void)state;
	set_up(&x);
	EXPECT(CKR_ARGUMENTS_BAD, f->C_SeedRandom(x.ro, NULL, 16));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_SeedRandom(x.ro, NULL, HUGE_COUNT));
	EXPECT(CKR_OK, f->C_SeedRandom(x.ro, NULL, 0));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GenerateRandom(x.ro, NULL, 16));
	EXPECT(CKR_ARGUMENTS_BAD, f->C_GenerateRandom(x.ro, NULL, HUGE_COUNT));
	EXPECT(CKR_OK, f->C_GenerateRandom(x.ro, NULL, 0));
	EXPECT(CKR_OK, f->C_GenerateRandom(x.ro, out, 0));
	tear_down();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_table_is_complete, finalize),
		cmocka_unit_test_teardown(test_general, finalize),
		cmocka_unit_test_teardown(test_invalid_handles, finalize),
		cmocka_unit_test_teardown(test_session_outranks_arguments, finalize),
		cmocka_unit_test_teardown(test_slots_and_tokens, finalize),
		cmocka_unit_test_teardown(test_sessions, finalize),
		cmocka_unit_test_teardown(test_objects, finalize),
		cmocka_unit_test_teardown(test_template_lengths, finalize),
		cmocka_unit_test_teardown(test_session_state, finalize),
		cmocka_unit_test_teardown(test_object_permissions, finalize),
		cmocka_unit_test_teardown(test_find, finalize),
		cmocka_unit_test_teardown(test_operation_state, finalize),
		cmocka_unit_test_teardown(test_operation_init, finalize),
		cmocka_unit_test_teardown(test_operation_lengths, finalize),
		cmocka_unit_test_teardown(test_key_management, finalize),
		cmocka_unit_test_teardown(test_random, finalize),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
