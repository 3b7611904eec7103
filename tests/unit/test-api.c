/*
 * The PKCS#11 front through its function list, with no Key Manager
 * reachable: argument checks, session and operation state, session
 * objects and the operations that need no token object.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
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

/* A token whose Keystone does not answer: nothing is fetched. */
static int setup(void **state)
{
	return offline_setup("[token]\nlabel = offline\n"
			     "auth_url = http://127.0.0.1:1/v3\n"
			     "username = u\npassword = p\nproject_name = x\n"
			     "connect_timeout = 1\ntimeout = 1\n");
}

static int teardown(void **state)
{
	offline_teardown();
	return 0;
}

static void test_initialization(void **state)
{
	CK_C_INITIALIZE_ARGS half = {.CreateMutex = (CK_CREATEMUTEX)1};
	CK_C_INITIALIZE_ARGS callbacks = {
		.CreateMutex = (CK_CREATEMUTEX)1, .DestroyMutex = (CK_DESTROYMUTEX)1,
		.LockMutex = (CK_LOCKMUTEX)1, .UnlockMutex = (CK_UNLOCKMUTEX)1};
	CK_SESSION_HANDLE s;
	CK_ULONG n;

	assert_int_equal(f->C_GetSlotList(CK_TRUE, NULL, &n),
			 CKR_CRYPTOKI_NOT_INITIALIZED);
	assert_int_equal(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
			 CKR_CRYPTOKI_NOT_INITIALIZED);
	/* Mutex callbacks: all four or none; to be used instead of OS
	 * locking, which kmp11 cannot. */
	assert_int_equal(f->C_Initialize(&half), CKR_ARGUMENTS_BAD);
	assert_int_equal(f->C_Initialize(&callbacks), CKR_CANT_LOCK);
	callbacks.flags = CKF_OS_LOCKING_OK;
	assert_int_equal(f->C_Initialize(&callbacks), CKR_OK);
	assert_int_equal(f->C_Finalize(NULL), CKR_OK);
	assert_int_equal(offline_init(), CKR_OK);
	assert_int_equal(offline_init(), CKR_CRYPTOKI_ALREADY_INITIALIZED);
	assert_int_equal(f->C_Finalize((void *)1), CKR_ARGUMENTS_BAD);
	assert_int_equal(f->C_Finalize(NULL), CKR_OK);
	assert_int_equal(f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
}

static void test_slots_and_sessions(void **state)
{
	CK_SLOT_ID slots[2];
	CK_ULONG n = 0;
	CK_SESSION_HANDLE s, s2;
	CK_SESSION_INFO info;
	CK_TOKEN_INFO token;
	CK_SLOT_ID event;

	assert_int_equal(offline_init(), CKR_OK);
	assert_int_equal(f->C_GetSlotList(CK_TRUE, NULL, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(f->C_GetSlotList(CK_TRUE, slots, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 1);
	assert_int_equal(f->C_GetTokenInfo(7, &token), CKR_SLOT_ID_INVALID);
	assert_int_equal(f->C_GetTokenInfo(0, &token), CKR_OK);
	assert_false(token.flags & CKF_WRITE_PROTECTED);
	assert_true(token.flags & CKF_RNG);
	/* Sessions must be serial. */
	assert_int_equal(f->C_OpenSession(0, 0, NULL, NULL, &s),
			 CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	assert_int_equal(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
			 CKR_OK);
	assert_int_equal(f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION,
					  NULL, NULL, &s2), CKR_OK);
	assert_int_equal(f->C_GetSessionInfo(s, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(f->C_GetSessionInfo(s2, &info), CKR_OK);
	assert_int_equal(info.state, CKS_RW_PUBLIC_SESSION);
	/* No SO (docs/conformance.md), but first C_Login's own answers that
	 * need none (v2.40 5.6): a read-only session open, a user logged in. */
	assert_int_equal(f->C_Login(s2, CKU_SO, (CK_UTF8CHAR *)"x", 1),
			 CKR_SESSION_READ_ONLY_EXISTS);
	assert_int_equal(f->C_CloseSession(s), CKR_OK);
	assert_int_equal(f->C_Login(s2, CKU_SO, (CK_UTF8CHAR *)"x", 1),
			 CKR_USER_TYPE_INVALID);
	assert_int_equal(f->C_Login(s2, CKU_USER, NULL, 0), CKR_OK);
	assert_int_equal(f->C_Login(s2, CKU_SO, (CK_UTF8CHAR *)"x", 1),
			 CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
	assert_int_equal(f->C_Logout(s2), CKR_OK);
	assert_int_equal(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
			 CKR_OK);
	assert_int_equal(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &event, NULL),
			 CKR_NO_EVENT);
	assert_int_equal(f->C_WaitForSlotEvent(0, &event, NULL),
			 CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(f->C_CloseSession(s), CKR_OK);
	assert_int_equal(f->C_CloseSession(s), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(f->C_CloseAllSessions(0), CKR_OK);
	assert_int_equal(f->C_GetSessionInfo(s2, &info), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(f->C_Finalize(NULL), CKR_OK);
}

static void test_operation_state(void **state)
{
	CK_MECHANISM sha = {CKM_SHA256, NULL, 0}, md5 = {CKM_MD5, NULL, 0};
	CK_SESSION_HANDLE s;
	unsigned char out[64], rnd[16] = {0}, zero[16] = {0};
	CK_ULONG len = sizeof(out);

	assert_int_equal(offline_init(), CKR_OK);
	assert_int_equal(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
			 CKR_OK);
	assert_int_equal(f->C_DigestFinal(s, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(f->C_DigestInit(s, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(f->C_DigestInit(s, &md5), CKR_MECHANISM_INVALID);
	assert_int_equal(f->C_DigestInit(s, &sha), CKR_OK);
	assert_int_equal(f->C_DigestInit(s, &sha), CKR_OPERATION_ACTIVE);
	/* An error, which ends the operation (v2.40 5.2). */
	assert_int_equal(f->C_Digest(s, (CK_BYTE *)"abc", 3, NULL, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(f->C_DigestUpdate(s, (CK_BYTE *)"abc", 3),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(f->C_DigestInit(s, &sha), CKR_OK);
	assert_int_equal(f->C_DigestUpdate(s, (CK_BYTE *)"abc", 3), CKR_OK);
	/* Too small keeps the operation; the right size ends it. */
	len = 8;
	assert_int_equal(f->C_DigestFinal(s, out, &len), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(len, 32);
	assert_int_equal(f->C_DigestFinal(s, out, &len), CKR_OK);
	assert_int_equal(f->C_DigestFinal(s, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(f->C_DigestKey(s, 1), CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(f->C_GenerateRandom(s, NULL, 4), CKR_ARGUMENTS_BAD);
	assert_int_equal(f->C_GenerateRandom(s, rnd, sizeof(rnd)), CKR_OK);
	assert_memory_not_equal(rnd, zero, sizeof(rnd));
	assert_int_equal(f->C_SignFinal(s, out, &len), CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(f->C_Finalize(NULL), CKR_OK);
}

static void test_session_objects(void **state)
{
	CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
	CK_KEY_TYPE aes = CKK_AES;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	unsigned char key[16] = {9}, iv[16] = {0}, out[64], value[16];
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &secret, sizeof(secret)},
			    {CKA_KEY_TYPE, &aes, sizeof(aes)},
			    {CKA_VALUE, key, sizeof(key)},
			    {CKA_PRIVATE, &no, 1},
			    {CKA_TOKEN, &no, 1}};
	CK_MECHANISM cbc = {CKM_AES_CBC_PAD, iv, sizeof(iv)};
	CK_ATTRIBUTE get = {CKA_VALUE, value, sizeof(value)};
	CK_ATTRIBUTE sensitive = {CKA_SENSITIVE, &yes, 1};
	CK_ATTRIBUTE unextractable = {CKA_EXTRACTABLE, &no, 1};
	CK_BBOOL flag = CK_TRUE;
	CK_ATTRIBUTE always = {CKA_ALWAYS_SENSITIVE, &flag, 1};
	CK_ATTRIBUTE fixed = {CKA_MODIFIABLE, &no, 1};
	CK_ATTRIBUTE no_bits = {CKA_MODULUS_BITS, NULL, sizeof(CK_ULONG)};
	CK_MECHANISM rsa_gen = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
	CK_OBJECT_HANDLE h2;
	CK_ATTRIBUTE session_aes[] = {{CKA_CLASS, &secret, sizeof(secret)},
				      {CKA_KEY_TYPE, &aes, sizeof(aes)},
				      {CKA_TOKEN, &no, 1}};
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h, found;
	CK_ULONG len = sizeof(out), n = 0;

	assert_int_equal(offline_init(), CKR_OK);
	assert_int_equal(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
			 CKR_OK);
	/* A token object is a write to the Key Manager. */
	t[4].pValue = &yes;
	assert_int_equal(f->C_CreateObject(s, t, 5, &h), CKR_SESSION_READ_ONLY);
	t[4].pValue = &no;
	assert_int_equal(f->C_CreateObject(s, t, 5, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(f->C_CreateObject(s, t, 5, &h), CKR_OK);
	/* A copy has the same value; none goes to the Key Manager or
	 * changes CKA_SENSITIVE, CKA_EXTRACTABLE or CKA_PRIVATE. */
	assert_int_equal(f->C_CopyObject(s, h, NULL, 0, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(f->C_CopyObject(s, h, &t[4], 1, &found), CKR_OK);
	assert_int_not_equal(found, h);
	assert_int_equal(f->C_GetAttributeValue(s, found, &get, 1), CKR_OK);
	assert_memory_equal(value, key, sizeof(key));
	assert_int_equal(f->C_DestroyObject(s, found), CKR_OK);
	/* CKA_SENSITIVE only goes up and CKA_EXTRACTABLE only down, by a
	 * copy or a change (v2.40 4.9); the value is hidden from then on. */
	assert_int_equal(f->C_CopyObject(s, h, &sensitive, 1, &found), CKR_OK);
	assert_int_equal(f->C_GetAttributeValue(s, found, &get, 1),
			 CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(get.ulValueLen, CK_UNAVAILABLE_INFORMATION);
	get.ulValueLen = sizeof(value);
	sensitive.pValue = &no;
	assert_int_equal(f->C_SetAttributeValue(s, found, &sensitive, 1),
			 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(f->C_CopyObject(s, found, &sensitive, 1, &h2),
			 CKR_ATTRIBUTE_READ_ONLY);
	sensitive.pValue = &yes;
	assert_int_equal(f->C_DestroyObject(s, found), CKR_OK);
	assert_int_equal(f->C_CopyObject(s, h, NULL, 0, &found), CKR_OK);
	assert_int_equal(f->C_SetAttributeValue(s, found, &unextractable, 1), CKR_OK);
	assert_int_equal(f->C_GetAttributeValue(s, found, &get, 1),
			 CKR_ATTRIBUTE_SENSITIVE);
	get.ulValueLen = sizeof(value);
	unextractable.pValue = &yes;
	assert_int_equal(f->C_SetAttributeValue(s, found, &unextractable, 1),
			 CKR_ATTRIBUTE_READ_ONLY);
	unextractable.pValue = &no;
	assert_int_equal(f->C_GetAttributeValue(s, found, &always, 1), CKR_OK);
	assert_int_equal(flag, CK_FALSE); /* it was not always sensitive */
	assert_int_equal(f->C_SetAttributeValue(s, found, &sensitive, 1), CKR_OK);
	assert_int_equal(f->C_DestroyObject(s, found), CKR_OK);
	/* A copy may lose CKA_MODIFIABLE, and not get it back. */
	assert_int_equal(f->C_CopyObject(s, h, &fixed, 1, &found), CKR_OK);
	fixed.pValue = &yes;
	assert_int_equal(f->C_CopyObject(s, found, &fixed, 1, &h2),
			 CKR_ATTRIBUTE_READ_ONLY);
	fixed.pValue = &no;
	assert_int_equal(f->C_DestroyObject(s, found), CKR_OK);
	/* A value that is not there, in a key pair's template. */
	assert_int_equal(f->C_GenerateKeyPair(s, &rsa_gen, &no_bits, 1, NULL, 0,
					      &h2, &found),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	t[4].pValue = &yes;
	assert_int_equal(f->C_CopyObject(s, h, &t[4], 1, &found),
			 CKR_TEMPLATE_INCONSISTENT);
	t[4].pValue = &no;
	assert_int_equal(f->C_CopyObject(s, 0x1234, NULL, 0, &found),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(f->C_GetAttributeValue(s, h, &get, 1), CKR_OK);
	assert_memory_equal(value, key, sizeof(key));
	/* Found without the (unreachable) Key Manager's listing. */
	assert_int_equal(f->C_FindObjectsInit(s, session_aes, 3), CKR_OK);
	assert_int_equal(f->C_FindObjects(s, &found, 1, &n), CKR_OK);
	assert_int_equal(f->C_FindObjectsFinal(s), CKR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(found, h);
	assert_int_equal(f->C_EncryptInit(s, &cbc, h), CKR_OK);
	assert_int_equal(f->C_Encrypt(s, (CK_BYTE *)"sixteen bytes!!", 15, out, &len),
			 CKR_OK);
	assert_int_equal(len, 16);
	assert_int_equal(f->C_SignInit(s, &cbc, h), CKR_MECHANISM_INVALID);
	assert_int_equal(f->C_EncryptInit(s, &cbc, 0x1234), CKR_KEY_HANDLE_INVALID);
	assert_int_equal(f->C_DestroyObject(s, h), CKR_OK);
	assert_int_equal(f->C_DestroyObject(s, h), CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(f->C_GetAttributeValue(s, h, &get, 1),
			 CKR_OBJECT_HANDLE_INVALID);
	/* An object dies with the session that made it. */
	assert_int_equal(f->C_CreateObject(s, t, 5, &h), CKR_OK);
	assert_int_equal(f->C_CloseSession(s), CKR_OK);
	assert_int_equal(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
			 CKR_OK);
	assert_int_equal(f->C_GetAttributeValue(s, h, &get, 1),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(f->C_Finalize(NULL), CKR_OK);
}

/* A session object of an RSA key's public half. */
static CK_OBJECT_HANDLE rsa_public(CK_SESSION_HANDLE s, EVP_PKEY *key)
{
	CK_OBJECT_CLASS klass = CKO_PUBLIC_KEY;
	CK_KEY_TYPE type = CKK_RSA;
	CK_BBOOL no = CK_FALSE;
	unsigned char n[256], e[8];
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &klass, sizeof(klass)},
			    {CKA_KEY_TYPE, &type, sizeof(type)},
			    {CKA_TOKEN, &no, 1},
			    {CKA_MODULUS, n, 0},
			    {CKA_PUBLIC_EXPONENT, e, 0}};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;

	assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &bn_n), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &bn_e), 1);
	t[3].ulValueLen = (CK_ULONG)BN_bn2bin(bn_n, n);
	t[4].ulValueLen = (CK_ULONG)BN_bn2bin(bn_e, e);
	BN_free(bn_n);
	BN_free(bn_e);
	assert_int_equal(f->C_CreateObject(s, t, 5, &h), CKR_OK);
	return h;
}

static void pss_sign(EVP_PKEY *key, const char *msg, int salt,
		     unsigned char sig[256])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx;
	size_t len = 256;

	assert_int_equal(EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL, key), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &len, (const unsigned char *)msg,
					strlen(msg)), 1);
	EVP_MD_CTX_free(ctx);
}

static CK_RV verify_data(CK_SESSION_HANDLE s, CK_MECHANISM *m,
			 CK_OBJECT_HANDLE k, const unsigned char *data,
			 CK_ULONG len, unsigned char *sig)
{
	CK_RV rv = f->C_VerifyInit(s, m, k);

	return rv != CKR_OK ? rv : f->C_Verify(s, (CK_BYTE *)data, len, sig, 256);
}

static CK_RV verify(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE k,
		    const char *msg, unsigned char *sig)
{
	return verify_data(s, m, k, (const unsigned char *)msg, strlen(msg), sig);
}

/*
 * A session runs its next operation on the last one's prepared context
 * only for the same mechanism, parameter and key: each change below gives
 * the answer of a new operation.
 */
static void test_operation_reuse(void **state)
{
	static const char msg[] = "one message, many verifications";
	EVP_PKEY *key = EVP_RSA_gen(2048), *other = EVP_RSA_gen(2048);
	unsigned char sig32[256], sig20[256];
	CK_RSA_PKCS_PSS_PARAMS p32 = {CKM_SHA256, CKG_MGF1_SHA256, 32},
			       p20 = {CKM_SHA256, CKG_MGF1_SHA256, 20};
	CK_MECHANISM m32 = {CKM_SHA256_RSA_PKCS_PSS, &p32, sizeof(p32)},
		     m20 = {CKM_SHA256_RSA_PKCS_PSS, &p20, sizeof(p20)},
		     pkcs = {CKM_SHA256_RSA_PKCS, NULL, 0},
		     raw32 = {CKM_RSA_PKCS_PSS, &p32, sizeof(p32)},
		     raw20 = {CKM_RSA_PKCS_PSS, &p20, sizeof(p20)};
	unsigned char digest[32];
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h, h_other;

	(void)state;
	pss_sign(key, msg, 32, sig32);
	pss_sign(key, msg, 20, sig20);
	assert_int_equal(offline_init(), CKR_OK);
	assert_int_equal(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
			 CKR_OK);
	h = rsa_public(s, key);
	h_other = rsa_public(s, other);
	assert_int_equal(verify(s, &m32, h, msg, sig32), CKR_OK);
	assert_int_equal(verify(s, &m32, h, msg, sig32), CKR_OK);
	sig32[7] ^= 1;
	assert_int_equal(verify(s, &m32, h, msg, sig32), CKR_SIGNATURE_INVALID);
	sig32[7] ^= 1;
	assert_int_equal(verify(s, &m32, h, msg, sig32), CKR_OK);
	/* Another salt length, mechanism, key. */
	assert_int_equal(verify(s, &m20, h, msg, sig32), CKR_SIGNATURE_INVALID);
	assert_int_equal(verify(s, &m20, h, msg, sig20), CKR_OK);
	assert_int_equal(verify(s, &pkcs, h, msg, sig20), CKR_SIGNATURE_INVALID);
	assert_int_equal(verify(s, &m20, h_other, msg, sig20),
			 CKR_SIGNATURE_INVALID);
	/* The same over the digest (the raw mechanism, as TLS servers sign),
	 * whose key context is kept rather than copied. */
	EVP_Digest(msg, strlen(msg), digest, NULL, EVP_sha256(), NULL);
	assert_int_equal(verify_data(s, &raw32, h, digest, 32, sig32), CKR_OK);
	assert_int_equal(verify_data(s, &raw32, h, digest, 32, sig32), CKR_OK);
	assert_int_equal(verify_data(s, &raw20, h, digest, 32, sig32),
			 CKR_SIGNATURE_INVALID);
	assert_int_equal(verify_data(s, &raw20, h, digest, 31, sig20),
			 CKR_DATA_LEN_RANGE);
	assert_int_equal(verify_data(s, &raw20, h, digest, 32, sig20), CKR_OK);
	assert_int_equal(verify_data(s, &raw20, h_other, digest, 32, sig20),
			 CKR_SIGNATURE_INVALID);
	/* In parts, then single-part again: a reused operation starts anew. */
	assert_int_equal(f->C_VerifyInit(s, &m20, h), CKR_OK);
	assert_int_equal(f->C_VerifyUpdate(s, (CK_BYTE *)msg, 3), CKR_OK);
	assert_int_equal(f->C_VerifyUpdate(s, (CK_BYTE *)msg + 3, strlen(msg) - 3),
			 CKR_OK);
	assert_int_equal(f->C_VerifyFinal(s, sig20, 256), CKR_OK);
	assert_int_equal(verify(s, &m20, h, msg, sig20), CKR_OK);
	/* A key destroyed: its handle is refused, whatever the session kept. */
	assert_int_equal(f->C_DestroyObject(s, h), CKR_OK);
	assert_int_equal(verify(s, &m20, h, msg, sig20), CKR_KEY_HANDLE_INVALID);
	assert_int_equal(f->C_Finalize(NULL), CKR_OK);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

/* Misuse that crashed or overran (issue 16): each answers its code. */
static void test_misuse(void **state)
{
	CK_C_INITIALIZE_ARGS junk = {.pReserved = (void *)1};
	CK_MECHANISM gen = {CKM_AES_KEY_GEN, NULL, 0}, rsa = {CKM_RSA_PKCS, NULL, 0},
		     sha = {CKM_SHA256, NULL, 0};
	CK_RSA_PKCS_PSS_PARAMS wrap = {CKM_SHA256, CKG_MGF1_SHA256, (CK_ULONG)-2};
	CK_MECHANISM pss = {CKM_RSA_PKCS_PSS, &wrap, sizeof(wrap)};
	CK_ATTRIBUTE label = {CKA_LABEL, NULL, 7};
	EVP_PKEY *key = EVP_RSA_gen(2048);
	unsigned char out[512];
	CK_ULONG len = sizeof(out);
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;

	(void)state;
	/* A pointer within the first page is no x-init-reserved string. */
	assert_int_equal(f->C_Initialize(&junk), CKR_ARGUMENTS_BAD);
	/* What kmp11 does not offer still says first that it is not set up. */
	assert_int_equal(f->C_InitToken(0, NULL, 0, NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
	assert_int_equal(offline_init(), CKR_OK);
	assert_int_equal(f->C_InitToken(0, NULL, 0, NULL), CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
			 CKR_OK);
	/* The template is not read before it is checked. */
	assert_int_equal(f->C_GenerateKey(s, &gen, NULL, 1, &h), CKR_ARGUMENTS_BAD);
	/* A value to match must be there. */
	assert_int_equal(f->C_FindObjectsInit(s, &label, 1), CKR_ATTRIBUTE_VALUE_INVALID);
	h = rsa_public(s, key);
	/* RSA is single-part: Final has nothing to call. */
	assert_int_equal(f->C_EncryptInit(s, &rsa, h), CKR_OK);
	assert_int_equal(f->C_EncryptFinal(s, out, &len), CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(f->C_EncryptFinal(s, out, &len), CKR_OPERATION_NOT_INITIALIZED);
	/* A salt length near 2^64 is no "maximum salt". */
	assert_int_equal(f->C_VerifyInit(s, &pss, h), CKR_MECHANISM_PARAM_INVALID);
	/* A key no one has is not "indigestible": it is no key. */
	assert_int_equal(f->C_DigestInit(s, &sha), CKR_OK);
	assert_int_equal(f->C_DigestKey(s, 0x7777), CKR_KEY_HANDLE_INVALID);
	assert_int_equal(f->C_DigestInit(s, &sha), CKR_OK);
	assert_int_equal(f->C_DigestKey(s, h), CKR_KEY_INDIGESTIBLE);

	assert_int_equal(f->C_Finalize(NULL), CKR_OK);
	EVP_PKEY_free(key);
}

/* Mechanisms v2.40 and v3.0 list for single-part signatures only: an
 * Update or a Final is CKR_FUNCTION_NOT_SUPPORTED and ends the
 * operation (docs/conformance.md); the single-part call still works. */
static void test_single_part_signatures(void **state)
{
	static const unsigned char p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
					     0xce, 0x3d, 0x03, 0x01, 0x07},
				   ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
	CK_ULONG bits = 1024;
	CK_ATTRIBUTE rsa_t = {CKA_MODULUS_BITS, &bits, sizeof(bits)},
		     ec_t = {CKA_EC_PARAMS, (void *)p256, sizeof(p256)},
		     ed_t = {CKA_EC_PARAMS, (void *)ed25519, sizeof(ed25519)};
	CK_MECHANISM rsa_gen = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0},
		     ec_gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0},
		     ed_gen = {CKM_EC_EDWARDS_KEY_PAIR_GEN, NULL, 0};
	struct {
		CK_MECHANISM_TYPE mech;
		CK_MECHANISM *gen;
		CK_ATTRIBUTE *templ;
	} cases[] = {
		{CKM_RSA_PKCS, &rsa_gen, &rsa_t}, {CKM_RSA_X_509, &rsa_gen, &rsa_t},
		{CKM_ECDSA, &ec_gen, &ec_t}, {CKM_EDDSA, &ed_gen, &ed_t},
	};
	unsigned char data[32] = {1}, out[256];
	CK_ULONG len = sizeof(out);
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE pub, priv, rsa = CK_INVALID_HANDLE;

	(void)state;
	assert_int_equal(offline_init(), CKR_OK);
	assert_int_equal(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
			 CKR_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CK_MECHANISM m = {cases[i].mech, NULL, 0};
		assert_int_equal(f->C_GenerateKeyPair(s, cases[i].gen,
						      cases[i].templ, 1, NULL, 0,
						      &pub, &priv), CKR_OK);
		assert_int_equal(f->C_SignInit(s, &m, priv), CKR_OK);
		assert_int_equal(f->C_SignUpdate(s, data, sizeof(data)),
				 CKR_FUNCTION_NOT_SUPPORTED);
		assert_int_equal(f->C_Sign(s, data, sizeof(data), out, &len),
				 CKR_OPERATION_NOT_INITIALIZED);
		assert_int_equal(f->C_SignInit(s, &m, priv), CKR_OK);
		assert_int_equal(f->C_SignFinal(s, out, &len),
				 CKR_FUNCTION_NOT_SUPPORTED);
		assert_int_equal(f->C_VerifyInit(s, &m, pub), CKR_OK);
		assert_int_equal(f->C_VerifyUpdate(s, data, sizeof(data)),
				 CKR_FUNCTION_NOT_SUPPORTED);
		assert_int_equal(f->C_VerifyInit(s, &m, pub), CKR_OK);
		assert_int_equal(f->C_VerifyFinal(s, out, len),
				 CKR_FUNCTION_NOT_SUPPORTED);
		assert_int_equal(f->C_SignInit(s, &m, priv), CKR_OK);
		len = sizeof(out);
		assert_int_equal(f->C_Sign(s, data, sizeof(data), out, &len), CKR_OK);
		if (cases[i].gen == &rsa_gen)
			rsa = priv;
	}
	/* Raw RSA of no input: nothing was buffered to copy (UBSan). */
	assert_int_equal(f->C_SignInit(s, &(CK_MECHANISM){CKM_RSA_X_509, NULL, 0},
				       rsa), CKR_OK);
	len = sizeof(out);
	assert_int_equal(f->C_Sign(s, data, 0, out, &len), CKR_OK);
	assert_int_equal(f->C_Finalize(NULL), CKR_OK);
}

/* v2.40 4.7: CKA_LOCAL is TRUE for a key C_GenerateKey made, with its
 * mechanism in CKA_KEY_GEN_MECHANISM; FALSE for one given whole. */
static void test_generated_keys_are_local(void **state)
{
	CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
	CK_KEY_TYPE aes = CKK_AES;
	CK_ULONG len = 16;
	unsigned char value[16] = {1};
	CK_ATTRIBUTE gen_t = {CKA_VALUE_LEN, &len, sizeof(len)},
		     given_t[] = {{CKA_CLASS, &secret, sizeof(secret)},
				  {CKA_KEY_TYPE, &aes, sizeof(aes)},
				  {CKA_VALUE, value, sizeof(value)}};
	CK_MECHANISM_TYPE gens[] = {CKM_AES_KEY_GEN, CKM_GENERIC_SECRET_KEY_GEN},
			  mech;
	CK_BBOOL local;
	CK_ATTRIBUTE read[] = {{CKA_LOCAL, &local, 1},
			       {CKA_KEY_GEN_MECHANISM, &mech, sizeof(mech)}};
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;

	(void)state;
	assert_int_equal(offline_init(), CKR_OK);
	assert_int_equal(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
			 CKR_OK);
	for (size_t i = 0; i < 2; i++) {
		CK_MECHANISM m = {gens[i], NULL, 0};
		assert_int_equal(f->C_GenerateKey(s, &m, &gen_t, 1, &h), CKR_OK);
		assert_int_equal(f->C_GetAttributeValue(s, h, read, 2), CKR_OK);
		assert_int_equal(local, CK_TRUE);
		assert_int_equal(mech, gens[i]);
	}
	assert_int_equal(f->C_CreateObject(s, given_t, 3, &h), CKR_OK);
	assert_int_equal(f->C_GetAttributeValue(s, h, read, 2), CKR_OK);
	assert_int_equal(local, CK_FALSE);
	assert_int_equal(mech, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(f->C_Finalize(NULL), CKR_OK);
}

/* AES-CBC-PAD decryption in parts: every size the module announces is
 * enough for what it then writes (OpenSSL holds a block back). */
static void test_cbc_pad_parts(void **state)
{
	CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
	CK_KEY_TYPE aes = CKK_AES;
	CK_BBOOL no = CK_FALSE;
	unsigned char key[16] = {7}, iv[16] = {0}, plain[21] = "twenty-one bytes of d",
		      sealed[48], out[64];
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &secret, sizeof(secret)},
			    {CKA_KEY_TYPE, &aes, sizeof(aes)},
			    {CKA_VALUE, key, sizeof(key)},
			    {CKA_TOKEN, &no, 1}};
	CK_MECHANISM cbc = {CKM_AES_CBC_PAD, iv, sizeof(iv)};
	CK_ULONG len = sizeof(sealed), size, room, done = 0;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	unsigned char *buf;

	(void)state;
	assert_int_equal(offline_init(), CKR_OK);
	assert_int_equal(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
			 CKR_OK);
	assert_int_equal(f->C_CreateObject(s, t, 4, &h), CKR_OK);
	assert_int_equal(f->C_EncryptInit(s, &cbc, h), CKR_OK);
	assert_int_equal(f->C_Encrypt(s, plain, sizeof(plain), sealed, &len), CKR_OK);
	assert_int_equal(len, 32);
	assert_int_equal(f->C_DecryptInit(s, &cbc, h), CKR_OK);
	/* 16, then 8, then 8, then the end: each into a buffer of exactly
	 * the size announced (ASan sees a byte more). */
	for (CK_ULONG at = 0, part = 16; at <= 32; at += part, part = 8) {
		if (at < 32)
			assert_int_equal(f->C_DecryptUpdate(s, sealed + at, part, NULL, &room),
					 CKR_OK);
		else
			assert_int_equal(f->C_DecryptFinal(s, NULL, &room), CKR_OK);
		buf = malloc(room ? room : 1);
		size = room;
		if (at < 32)
			assert_int_equal(f->C_DecryptUpdate(s, sealed + at, part, buf, &size),
					 CKR_OK);
		else
			assert_int_equal(f->C_DecryptFinal(s, buf, &size), CKR_OK);
		assert_true(size <= room && done + size <= sizeof(out));
		memcpy(out + done, buf, size);
		done += size;
		free(buf);
	}
	assert_int_equal(done, sizeof(plain));
	assert_memory_equal(out, plain, sizeof(plain));
	assert_int_equal(f->C_Finalize(NULL), CKR_OK);
}

static void test_unreachable_key_manager(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
	CK_ATTRIBUTE t = {CKA_CLASS, &klass, sizeof(klass)};

	assert_int_equal(offline_init(), CKR_OK);
	assert_int_equal(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
			 CKR_OK);
	/* Keystone is not there: a device error, not a hang or a crash. */
	assert_int_equal(f->C_FindObjectsInit(s, &t, 1), CKR_DEVICE_ERROR);
	assert_int_equal(f->C_FindObjectsInit(s, NULL, 1), CKR_ARGUMENTS_BAD);
	assert_int_equal(f->C_Finalize(NULL), CKR_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initialization),
		cmocka_unit_test(test_slots_and_sessions),
		cmocka_unit_test(test_operation_state),
		cmocka_unit_test(test_session_objects),
		cmocka_unit_test(test_operation_reuse),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_single_part_signatures),
		cmocka_unit_test(test_generated_keys_are_local),
		cmocka_unit_test(test_cbc_pad_parts),
		cmocka_unit_test(test_unreachable_key_manager),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
