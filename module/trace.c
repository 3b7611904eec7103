/*
 * KMP11_DEBUG=5 (trace): every PKCS#11 call logged with its arguments and
 * its return code, so that a user can send a trace without pkcs11-spy.
 * Handles, flags, lengths, mechanism and attribute types only: never a
 * PIN, data, a signature or an attribute's value. C_GetFunctionList hands
 * out this list; each entry costs a branch and a call while tracing is
 * off.
 */
#include "module/trace.h"

#include "tokens/log.h"

#include <stdio.h>

/* Formatting buffers: a call's arguments take at most two of them. */
static _Thread_local char buffers[2][512];

static const char *template_types(int which, const CK_ATTRIBUTE *t,
				  CK_ULONG n)
{
	char *b = buffers[which];
	size_t used = 0;

	b[0] = '\0';
	for (CK_ULONG i = 0; t != NULL && i < n && used < sizeof(buffers[0]); i++)
		used += (size_t)snprintf(b + used, sizeof(buffers[0]) - used,
					 "%s0x%lx/%lu", i ? "," : "", t[i].type,
					 t[i].ulValueLen);
	return b;
}

static const char *mechanism(int which, const CK_MECHANISM *m)
{
	if (m == NULL)
		return "NULL";
	snprintf(buffers[which], sizeof(buffers[0]), "0x%lx/%lu", m->mechanism,
		 m->ulParameterLen);
	return buffers[which];
}

/* An in-out length: its value only where the call reads it (a buffer
 * given); with none it is output only, a length query. */
static const char *length_in(int which, const void *buffer, const CK_ULONG *p)
{
	if (p == NULL)
		return "NULL";
	if (buffer == NULL)
		return "query";
	snprintf(buffers[which], sizeof(buffers[0]), "%lu", *p);
	return buffers[which];
}

#define TEMPLATE(t, n) template_types(0, t, n)
#define MECH(m) mechanism(1, m)
#define ROOM(buffer, p) length_in(1, buffer, p)

/* An entry point that logs its call, then its return code. */
#define TRACED(name, params, args, ...)                                        \
	static CK_RV trace_##name params                                       \
	{                                                                      \
		CK_RV rv;                                                      \
                                                                               \
		if (km_log_level < KM_LOG_TRACE)                               \
			return kmp_function_list.name args;                               \
		km_log_write(KM_LOG_TRACE, #name "(" __VA_ARGS__);             \
		rv = kmp_function_list.name args;                                         \
		km_log_write(KM_LOG_TRACE, #name " = 0x%lx", rv);              \
		return rv;                                                     \
	}

TRACED(C_Initialize, (CK_VOID_PTR a), (a), "%p)", a)
TRACED(C_GetFunctionList, (CK_FUNCTION_LIST_PTR_PTR a), (a), "%p)", (void *)a)
TRACED(C_Finalize, (CK_VOID_PTR a), (a), "%p)", a)
TRACED(C_GetInfo, (CK_INFO_PTR a), (a), "%p)", (void *)a)
TRACED(C_GetSlotList, (CK_BBOOL a, CK_SLOT_ID_PTR b, CK_ULONG_PTR c),
       (a, b, c), "present=%u, list=%p, count=%s)", a, (void *)b, ROOM(b, c))
TRACED(C_GetSlotInfo, (CK_SLOT_ID a, CK_SLOT_INFO_PTR b), (a, b),
       "slot=%lu, %p)", a, (void *)b)
TRACED(C_GetTokenInfo, (CK_SLOT_ID a, CK_TOKEN_INFO_PTR b), (a, b),
       "slot=%lu, %p)", a, (void *)b)
TRACED(C_GetMechanismList, (CK_SLOT_ID a, CK_MECHANISM_TYPE_PTR b,
			    CK_ULONG_PTR c),
       (a, b, c), "slot=%lu, list=%p, count=%s)", a, (void *)b, ROOM(b, c))
TRACED(C_GetMechanismInfo, (CK_SLOT_ID a, CK_MECHANISM_TYPE b,
			    CK_MECHANISM_INFO_PTR c),
       (a, b, c), "slot=%lu, mechanism=0x%lx, %p)", a, b, (void *)c)
TRACED(C_InitToken, (CK_SLOT_ID a, CK_UTF8CHAR_PTR b, CK_ULONG c,
		     CK_UTF8CHAR_PTR d),
       (a, b, c, d), "slot=%lu, pin_len=%lu)", a, c)
TRACED(C_InitPIN, (CK_SESSION_HANDLE a, CK_UTF8CHAR_PTR b, CK_ULONG c),
       (a, b, c), "session=%lu, pin_len=%lu)", a, c)
TRACED(C_SetPIN, (CK_SESSION_HANDLE a, CK_UTF8CHAR_PTR b, CK_ULONG c,
		  CK_UTF8CHAR_PTR d, CK_ULONG e),
       (a, b, c, d, e), "session=%lu, old_len=%lu, new_len=%lu)", a, c, e)
TRACED(C_OpenSession, (CK_SLOT_ID a, CK_FLAGS b, CK_VOID_PTR c, CK_NOTIFY d,
		       CK_SESSION_HANDLE_PTR e),
       (a, b, c, d, e), "slot=%lu, flags=0x%lx, out=%p)", a, b, (void *)e)
TRACED(C_CloseSession, (CK_SESSION_HANDLE a), (a), "session=%lu)", a)
TRACED(C_CloseAllSessions, (CK_SLOT_ID a), (a), "slot=%lu)", a)
TRACED(C_GetSessionInfo, (CK_SESSION_HANDLE a, CK_SESSION_INFO_PTR b),
       (a, b), "session=%lu, %p)", a, (void *)b)
TRACED(C_GetOperationState, (CK_SESSION_HANDLE a, CK_BYTE_PTR b,
			     CK_ULONG_PTR c),
       (a, b, c), "session=%lu)", a)
TRACED(C_SetOperationState, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
			     CK_OBJECT_HANDLE d, CK_OBJECT_HANDLE e),
       (a, b, c, d, e), "session=%lu)", a)
TRACED(C_Login, (CK_SESSION_HANDLE a, CK_USER_TYPE b, CK_UTF8CHAR_PTR c,
		 CK_ULONG d),
       (a, b, c, d), "session=%lu, user=%lu, pin_len=%lu)", a, b, d)
TRACED(C_Logout, (CK_SESSION_HANDLE a), (a), "session=%lu)", a)
TRACED(C_CreateObject, (CK_SESSION_HANDLE a, CK_ATTRIBUTE_PTR b, CK_ULONG c,
			CK_OBJECT_HANDLE_PTR d),
       (a, b, c, d), "session=%lu, template={%s}, out=%p)", a, TEMPLATE(b, c),
       (void *)d)
TRACED(C_CopyObject, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b,
		      CK_ATTRIBUTE_PTR c, CK_ULONG d, CK_OBJECT_HANDLE_PTR e),
       (a, b, c, d, e), "session=%lu, object=%lu, template={%s}, out=%p)", a,
       b, TEMPLATE(c, d), (void *)e)
TRACED(C_DestroyObject, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b), (a, b),
       "session=%lu, object=%lu)", a, b)
TRACED(C_GetObjectSize, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b,
			 CK_ULONG_PTR c),
       (a, b, c), "session=%lu, object=%lu, %p)", a, b, (void *)c)
TRACED(C_GetAttributeValue, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b,
			     CK_ATTRIBUTE_PTR c, CK_ULONG d),
       (a, b, c, d), "session=%lu, object=%lu, template={%s})", a, b,
       TEMPLATE(c, d))
TRACED(C_SetAttributeValue, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b,
			     CK_ATTRIBUTE_PTR c, CK_ULONG d),
       (a, b, c, d), "session=%lu, object=%lu, template={%s})", a, b,
       TEMPLATE(c, d))
TRACED(C_FindObjectsInit, (CK_SESSION_HANDLE a, CK_ATTRIBUTE_PTR b,
			   CK_ULONG c),
       (a, b, c), "session=%lu, template={%s})", a, TEMPLATE(b, c))
TRACED(C_FindObjects, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE_PTR b,
		       CK_ULONG c, CK_ULONG_PTR d),
       (a, b, c, d), "session=%lu, out=%p, max=%lu)", a, (void *)b, c)
TRACED(C_FindObjectsFinal, (CK_SESSION_HANDLE a), (a), "session=%lu)", a)

/* C_<op>Init, C_<op>, C_<op>Update, C_<op>Final of a cipher or a
 * digest-like family: lengths of what goes in, room for what comes out. */
#define TRACED_INIT(name)                                                      \
	TRACED(name, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b,                 \
		      CK_OBJECT_HANDLE c),                                     \
	       (a, b, c), "session=%lu, mechanism=%s, key=%lu)", a, MECH(b), c)
#define TRACED_IN_OUT(name)                                                    \
	TRACED(name, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,          \
		      CK_BYTE_PTR d, CK_ULONG_PTR e),                          \
	       (a, b, c, d, e), "session=%lu, in_len=%lu, out=%p, out_len=%s)", \
	       a, c, (void *)d, ROOM(d, e))
#define TRACED_IN(name)                                                        \
	TRACED(name, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c),         \
	       (a, b, c), "session=%lu, in_len=%lu)", a, c)
#define TRACED_OUT(name)                                                       \
	TRACED(name, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c),     \
	       (a, b, c), "session=%lu, out=%p, out_len=%s)", a, (void *)b,     \
	       ROOM(b, c))

TRACED_INIT(C_EncryptInit)
TRACED_IN_OUT(C_Encrypt)
TRACED_IN_OUT(C_EncryptUpdate)
TRACED_OUT(C_EncryptFinal)
TRACED_INIT(C_DecryptInit)
TRACED_IN_OUT(C_Decrypt)
TRACED_IN_OUT(C_DecryptUpdate)
TRACED_OUT(C_DecryptFinal)
TRACED(C_DigestInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b), (a, b),
       "session=%lu, mechanism=%s)", a, MECH(b))
TRACED_IN_OUT(C_Digest)
TRACED_IN(C_DigestUpdate)
TRACED(C_DigestKey, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b), (a, b),
       "session=%lu, key=%lu)", a, b)
TRACED_OUT(C_DigestFinal)
TRACED_INIT(C_SignInit)
TRACED_IN_OUT(C_Sign)
TRACED_IN(C_SignUpdate)
TRACED_OUT(C_SignFinal)
TRACED_INIT(C_SignRecoverInit)
TRACED_IN_OUT(C_SignRecover)
TRACED_INIT(C_VerifyInit)
TRACED(C_Verify, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
		  CK_BYTE_PTR d, CK_ULONG e),
       (a, b, c, d, e), "session=%lu, in_len=%lu, sig_len=%lu)", a, c, e)
TRACED_IN(C_VerifyUpdate)
TRACED_IN(C_VerifyFinal)
TRACED_INIT(C_VerifyRecoverInit)
TRACED_IN_OUT(C_VerifyRecover)
TRACED_IN_OUT(C_DigestEncryptUpdate)
TRACED_IN_OUT(C_DecryptDigestUpdate)
TRACED_IN_OUT(C_SignEncryptUpdate)
TRACED_IN_OUT(C_DecryptVerifyUpdate)
TRACED(C_GenerateKey, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b,
		       CK_ATTRIBUTE_PTR c, CK_ULONG d, CK_OBJECT_HANDLE_PTR e),
       (a, b, c, d, e), "session=%lu, mechanism=%s, template={%s}, out=%p)",
       a, MECH(b), TEMPLATE(c, d), (void *)e)
TRACED(C_GenerateKeyPair, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b,
			   CK_ATTRIBUTE_PTR c, CK_ULONG d, CK_ATTRIBUTE_PTR e,
			   CK_ULONG f, CK_OBJECT_HANDLE_PTR g,
			   CK_OBJECT_HANDLE_PTR h),
       (a, b, c, d, e, f, g, h),
       "session=%lu, mechanism=%s, public={%s}, private={%lu attributes})",
       a, MECH(b), TEMPLATE(c, d), f)
TRACED(C_WrapKey, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b,
		   CK_OBJECT_HANDLE c, CK_OBJECT_HANDLE d, CK_BYTE_PTR e,
		   CK_ULONG_PTR f),
       (a, b, c, d, e, f), "session=%lu, mechanism=%s, wrapping=%lu, key=%lu)",
       a, MECH(b), c, d)
TRACED(C_UnwrapKey, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b,
		     CK_OBJECT_HANDLE c, CK_BYTE_PTR d, CK_ULONG e,
		     CK_ATTRIBUTE_PTR f, CK_ULONG g, CK_OBJECT_HANDLE_PTR h),
       (a, b, c, d, e, f, g, h),
       "session=%lu, mechanism=%s, unwrapping=%lu, template={%s})", a,
       MECH(b), c, TEMPLATE(f, g))
TRACED(C_DeriveKey, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b,
		     CK_OBJECT_HANDLE c, CK_ATTRIBUTE_PTR d, CK_ULONG e,
		     CK_OBJECT_HANDLE_PTR f),
       (a, b, c, d, e, f), "session=%lu, mechanism=%s, base=%lu, template={%s})",
       a, MECH(b), c, TEMPLATE(d, e))
TRACED(C_SeedRandom, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c),
       (a, b, c), "session=%lu, len=%lu)", a, c)
TRACED(C_GenerateRandom, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c),
       (a, b, c), "session=%lu, len=%lu)", a, c)
TRACED(C_GetFunctionStatus, (CK_SESSION_HANDLE a), (a), "session=%lu)", a)
TRACED(C_CancelFunction, (CK_SESSION_HANDLE a), (a), "session=%lu)", a)
TRACED(C_WaitForSlotEvent, (CK_FLAGS a, CK_SLOT_ID_PTR b, CK_VOID_PTR c),
       (a, b, c), "flags=0x%lx)", a)

#define T(name) .name = trace_##name
CK_FUNCTION_LIST kmp_traced_function_list = {
	.version = {2, 40},
	T(C_Initialize), T(C_Finalize), T(C_GetInfo), T(C_GetFunctionList),
	T(C_GetSlotList),
	T(C_GetSlotInfo), T(C_GetTokenInfo), T(C_GetMechanismList),
	T(C_GetMechanismInfo), T(C_InitToken), T(C_InitPIN), T(C_SetPIN),
	T(C_OpenSession), T(C_CloseSession), T(C_CloseAllSessions),
	T(C_GetSessionInfo), T(C_GetOperationState), T(C_SetOperationState),
	T(C_Login), T(C_Logout), T(C_CreateObject), T(C_CopyObject),
	T(C_DestroyObject), T(C_GetObjectSize), T(C_GetAttributeValue),
	T(C_SetAttributeValue), T(C_FindObjectsInit), T(C_FindObjects),
	T(C_FindObjectsFinal), T(C_EncryptInit), T(C_Encrypt),
	T(C_EncryptUpdate), T(C_EncryptFinal), T(C_DecryptInit), T(C_Decrypt),
	T(C_DecryptUpdate), T(C_DecryptFinal), T(C_DigestInit), T(C_Digest),
	T(C_DigestUpdate), T(C_DigestKey), T(C_DigestFinal), T(C_SignInit),
	T(C_Sign), T(C_SignUpdate), T(C_SignFinal), T(C_SignRecoverInit),
	T(C_SignRecover), T(C_VerifyInit), T(C_Verify), T(C_VerifyUpdate),
	T(C_VerifyFinal), T(C_VerifyRecoverInit), T(C_VerifyRecover),
	T(C_DigestEncryptUpdate), T(C_DecryptDigestUpdate),
	T(C_SignEncryptUpdate), T(C_DecryptVerifyUpdate), T(C_GenerateKey),
	T(C_GenerateKeyPair), T(C_WrapKey), T(C_UnwrapKey), T(C_DeriveKey),
	T(C_SeedRandom), T(C_GenerateRandom), T(C_GetFunctionStatus),
	T(C_CancelFunction), T(C_WaitForSlotEvent),
};
