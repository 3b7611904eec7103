#include "module/failures.h"

/* A switch with no default: a kind added to tokens/errors.h and not
 * here is a compiler warning (-Wswitch), not a silent CKR_OK. */
CK_RV kmp_rv_of(km_err e)
{
	switch (e.kind) {
	case KM_OK:
		return CKR_OK;
	case KM_NO_MEMORY:
		return CKR_HOST_MEMORY;
	case KM_TOO_LARGE:
	case KM_NO_ROOM: /* the token is full */
		return CKR_DEVICE_MEMORY;
	case KM_UNAUTHORIZED:
	case KM_NOT_LOGGED_IN:
		return CKR_USER_NOT_LOGGED_IN;
	case KM_PIN_REFUSED:
		return CKR_PIN_INCORRECT;
	case KM_FORBIDDEN: /* a user who may read but not write: an observer */
		return CKR_TOKEN_WRITE_PROTECTED;
	case KM_NOT_FOUND:
		return CKR_OBJECT_HANDLE_INVALID;
	case KM_REFUSED: /* each write says which argument carried it */
		return CKR_DATA_INVALID;
	case KM_TOO_LONG:
		return CKR_ARGUMENTS_BAD;
	case KM_IN_USE:
		return CKR_ACTION_PROHIBITED;
	case KM_ORDER_FAILED:
		return CKR_FUNCTION_REJECTED;
	case KM_ORDER_NOT_DONE:
	case KM_ORDER_UNNAMED: /* not the request's fault: nothing to blame */
		return CKR_FUNCTION_FAILED;
	case KM_INTERNAL:
		return CKR_GENERAL_ERROR;
	case KM_UNREACHABLE:
	case KM_BAD_RESPONSE:
	case KM_SERVER:
	case KM_BAD_PAYLOAD:
		break;
	}
	return CKR_DEVICE_ERROR;
}

CK_RV kmp_read_failure(CK_RV rv)
{
	switch (rv) {
	case CKR_OK:
	case CKR_HOST_MEMORY:
	case CKR_DEVICE_MEMORY:
	case CKR_OBJECT_HANDLE_INVALID:
	case CKR_SESSION_CLOSED:
		return rv;
	default:
		return CKR_DEVICE_ERROR;
	}
}

CK_RV kmp_login_failure(km_err e)
{
	CK_RV rv = kmp_rv_of(e);

	if (e.kind == KM_UNAUTHORIZED || e.kind == KM_PIN_REFUSED ||
	    e.kind == KM_NOT_LOGGED_IN)
		return CKR_PIN_INCORRECT;
	/* C_Login's own codes; any other failure is the device's. */
	return rv == CKR_OK || rv == CKR_HOST_MEMORY || rv == CKR_DEVICE_MEMORY
		       ? rv : CKR_DEVICE_ERROR;
}
