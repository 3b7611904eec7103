/*
 * The PKCS#11 front through its function list, with no Key Manager
 * reachable: argument checks, session and operation state, session
 * objects and the operations that need no token object.
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

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

static CK_FUNCTION_LIST *f;
static char conf_path[] = "/tmp/kmp11-test-api-XXXXXX";
static char reserved[128];

/* A token whose Keystone does not answer: nothing is fetched. */
static int setup(void **state)
{
	int fd = mkstemp(conf_path);
	const char *text = "[token]\nlabel = offline\n"
			   "auth_url = http://127.0.0.1:1/v3\n"
			   "username = u\npassword = p\nproject_name = x\n"
			   "connect_timeout = 1\ntimeout = 1\n";

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	close(fd);
	snprintf(reserved, sizeof(reserved), "kmp11_conf=%s", conf_path);
	return C_GetFunctionList(&f) == CKR_OK ? 0 : -1;
}

static int teardown(void **state)
{
	unlink(conf_path);
	return 0;
}

static CK_RV init(void)
{
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK,
				     .pReserved = reserved};
	return f->C_Initialize(&args);
}

static void test_initialization(void **state)
{
	CK_C_INITIALIZE_ARGS half = {.CreateMutex = (CK_CREATEMUTEX)1};
	CK_SESSION_HANDLE s;
	CK_ULONG n;

	assert_int_equal(f->C_GetSlotList(CK_TRUE, NULL, &n),
			 CKR_CRYPTOKI_NOT_INITIALIZED);
	assert_int_equal(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
			 CKR_CRYPTOKI_NOT_INITIALIZED);
	/* Mutex callbacks: all four or none. */
	assert_int_equal(f->C_Initialize(&half), CKR_ARGUMENTS_BAD);
	assert_int_equal(init(), CKR_OK);
	assert_int_equal(init(), CKR_CRYPTOKI_ALREADY_INITIALIZED);
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

	assert_int_equal(init(), CKR_OK);
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
	assert_int_equal(f->C_Login(s, CKU_SO, (CK_UTF8CHAR *)"x", 1),
			 CKR_USER_TYPE_INVALID);
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

	assert_int_equal(init(), CKR_OK);
	assert_int_equal(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
			 CKR_OK);
	assert_int_equal(f->C_DigestFinal(s, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(f->C_DigestInit(s, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(f->C_DigestInit(s, &md5), CKR_MECHANISM_INVALID);
	assert_int_equal(f->C_DigestInit(s, &sha), CKR_OK);
	assert_int_equal(f->C_DigestInit(s, &sha), CKR_OPERATION_ACTIVE);
	assert_int_equal(f->C_Digest(s, (CK_BYTE *)"abc", 3, NULL, NULL),
			 CKR_ARGUMENTS_BAD);
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
	CK_ATTRIBUTE session_aes[] = {{CKA_CLASS, &secret, sizeof(secret)},
				      {CKA_KEY_TYPE, &aes, sizeof(aes)},
				      {CKA_TOKEN, &no, 1}};
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h, found;
	CK_ULONG len = sizeof(out), n = 0;

	assert_int_equal(init(), CKR_OK);
	assert_int_equal(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
			 CKR_OK);
	/* A token object is a write to the Key Manager. */
	t[4].pValue = &yes;
	assert_int_equal(f->C_CreateObject(s, t, 5, &h), CKR_SESSION_READ_ONLY);
	t[4].pValue = &no;
	assert_int_equal(f->C_CreateObject(s, t, 5, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(f->C_CreateObject(s, t, 5, &h), CKR_OK);
	/* No copy could weaken CKA_SENSITIVE or CKA_EXTRACTABLE. */
	assert_int_equal(f->C_CopyObject(s, h, NULL, 0, &found),
			 CKR_FUNCTION_NOT_SUPPORTED);
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

static void test_unreachable_key_manager(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
	CK_ATTRIBUTE t = {CKA_CLASS, &klass, sizeof(klass)};

	assert_int_equal(init(), CKR_OK);
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
		cmocka_unit_test(test_unreachable_key_manager),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
