/* What each tokens/ failure answers to PKCS#11 callers (module/failures.c). */
#include "module/failures.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static CK_RV of(enum km_error_kind kind)
{
	return kmp_rv_of((km_err){kind});
}

static void test_kinds(void **state)
{
	(void)state;
	assert_int_equal(of(KM_OK), CKR_OK);
	assert_int_equal(of(KM_NO_MEMORY), CKR_HOST_MEMORY);
	assert_int_equal(of(KM_UNREACHABLE), CKR_DEVICE_ERROR);
	assert_int_equal(of(KM_TOO_LARGE), CKR_DEVICE_MEMORY);
	assert_int_equal(of(KM_BAD_RESPONSE), CKR_DEVICE_ERROR);
	assert_int_equal(of(KM_SERVER), CKR_DEVICE_ERROR);
	assert_int_equal(of(KM_UNAUTHORIZED), CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(of(KM_PIN_REFUSED), CKR_PIN_INCORRECT);
	assert_int_equal(of(KM_NOT_LOGGED_IN), CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(of(KM_FORBIDDEN), CKR_TOKEN_WRITE_PROTECTED);
	assert_int_equal(of(KM_NO_ROOM), CKR_DEVICE_MEMORY);
	assert_int_equal(of(KM_NOT_FOUND), CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(of(KM_REFUSED), CKR_DATA_INVALID);
	assert_int_equal(of(KM_TOO_LONG), CKR_ARGUMENTS_BAD);
	assert_int_equal(of(KM_IN_USE), CKR_ACTION_PROHIBITED);
	assert_int_equal(of(KM_ORDER_FAILED), CKR_FUNCTION_REJECTED);
	assert_int_equal(of(KM_ORDER_NOT_DONE), CKR_FUNCTION_FAILED);
	assert_int_equal(of(KM_ORDER_UNNAMED), CKR_FUNCTION_FAILED);
	assert_int_equal(of(KM_BAD_PAYLOAD), CKR_DEVICE_ERROR);
	assert_int_equal(of(KM_INTERNAL), CKR_GENERAL_ERROR);
}

/* Reads answer only what C_FindObjectsInit, C_GetAttributeValue and the
 * operations' Init may: a refused user is a device error there. */
static void test_reads(void **state)
{
	(void)state;
	assert_int_equal(kmp_read_failure(of(KM_UNAUTHORIZED)), CKR_DEVICE_ERROR);
	assert_int_equal(kmp_read_failure(of(KM_FORBIDDEN)), CKR_DEVICE_ERROR);
	assert_int_equal(kmp_read_failure(of(KM_REFUSED)), CKR_DEVICE_ERROR);
	assert_int_equal(kmp_read_failure(of(KM_NOT_FOUND)), CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(kmp_read_failure(of(KM_NO_ROOM)), CKR_DEVICE_MEMORY);
	assert_int_equal(kmp_read_failure(of(KM_NO_MEMORY)), CKR_HOST_MEMORY);
	assert_int_equal(kmp_read_failure(CKR_SESSION_CLOSED), CKR_SESSION_CLOSED);
}

/* C_Login: every refusal of the credentials is the PIN's; what Keystone
 * refuses otherwise (a 400, a 403) is no code C_Login has. */
static void test_login(void **state)
{
	(void)state;
	assert_int_equal(kmp_login_failure(KM_ERR(OK)), CKR_OK);
	assert_int_equal(kmp_login_failure(KM_ERR(PIN_REFUSED)), CKR_PIN_INCORRECT);
	assert_int_equal(kmp_login_failure(KM_ERR(UNAUTHORIZED)), CKR_PIN_INCORRECT);
	assert_int_equal(kmp_login_failure(KM_ERR(NOT_LOGGED_IN)), CKR_PIN_INCORRECT);
	assert_int_equal(kmp_login_failure(KM_ERR(NO_MEMORY)), CKR_HOST_MEMORY);
	assert_int_equal(kmp_login_failure(KM_ERR(TOO_LARGE)), CKR_DEVICE_MEMORY);
	assert_int_equal(kmp_login_failure(KM_ERR(NO_ROOM)), CKR_DEVICE_MEMORY);
	assert_int_equal(kmp_login_failure(KM_ERR(REFUSED)), CKR_DEVICE_ERROR);
	assert_int_equal(kmp_login_failure(KM_ERR(FORBIDDEN)), CKR_DEVICE_ERROR);
	assert_int_equal(kmp_login_failure(KM_ERR(UNREACHABLE)), CKR_DEVICE_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_reads),
		cmocka_unit_test(test_login),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
