/*
 * The cryptographic entry points: the Init, single-part, Update and
 * Final families of encryption, decryption, digests, signatures and
 * verification, and random numbers. An operation runs without the lock:
 * C_*Init reserves the session's slot for its kind while OpenSSL sets it
 * up; every later call takes it out of the session and gives it back.
 */
#include "module/calls.h"
#include "module/slot.h"

#include "module/cipher.h"
#include "module/digest.h"
#include "module/ops.h"
#include "module/sign.h"
#include "tokens/crypto-ctx.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

/* The object attribute that allows each kind of operation. */
static const CK_ATTRIBUTE_TYPE usage_of[KMP_N_OPS] = {
	[KMP_OP_ENCRYPT] = CKA_ENCRYPT,
	[KMP_OP_DECRYPT] = CKA_DECRYPT,
	[KMP_OP_SIGN] = CKA_SIGN,
	[KMP_OP_VERIFY] = CKA_VERIFY,
};

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
	struct kmp_call call;
	struct kmp_key key = {0};
	struct kmp_op *op = NULL, *spare = NULL;
	CK_RV rv;

	if (mechanism == NULL)
		return kmp_session_or(h, CKR_ARGUMENTS_BAD);
	pthread_mutex_lock(&kmp_gl.lock);
	rv = kmp_call_inlock(&call, h);
	if (rv == CKR_OK && kind != KMP_OP_DIGEST && !kmp_is_session_handle(kh))
		rv = kmp_renew_listing_relocking(&call);
	if (rv == CKR_OK && op_active(call.session, kind))
		rv = CKR_OPERATION_ACTIVE;
	if (rv == CKR_OK && kind != KMP_OP_DIGEST)
		rv = kmp_key_relocking(&call, usage_of[kind], kh, &key);
	/* Another call may have started one while the lock was let go. */
	if (rv == CKR_OK && op_active(call.session, kind))
		rv = CKR_OPERATION_ACTIVE;
	if (rv == CKR_OK && !hold_key(&key))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK) {
		call.session->running[kind] = true;
		spare = call.session->spare[kind];
		call.session->spare[kind] = NULL;
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
	if (kmp_call_inlock(&call, h) != CKR_OK) {
		rv = rv == CKR_OK ? CKR_SESSION_CLOSED : rv;
	} else {
		call.session->running[kind] = false;
		if (rv == CKR_OK) {
			call.session->ops[kind] = op;
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
	struct kmp_call call;
	CK_RV rv;

	pthread_mutex_lock(&kmp_gl.lock);
	rv = kmp_call_inlock(&call, h);
	if (rv == CKR_OK && call.session->ops[kind] == NULL)
		rv = call.session->running[kind] ? CKR_OPERATION_ACTIVE
						 : CKR_OPERATION_NOT_INITIALIZED;
	if (rv == CKR_OK) {
		*op = call.session->ops[kind];
		call.session->ops[kind] = NULL;
		call.session->running[kind] = true;
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
	struct kmp_call call;

	pthread_mutex_lock(&kmp_gl.lock);
	if (kmp_call_inlock(&call, h) == CKR_OK) {
		call.session->running[op->kind] = false;
		if (keep && call.session->ops[op->kind] == NULL) {
			call.session->ops[op->kind] = op;
			op = NULL;
		} else if (!keep) {
			kmp_session_keep_spare(call.session, op);
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
	CK_RV kmp_C_##name##Init(CK_SESSION_HANDLE h,                   \
					CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) \
	{                                                                      \
		return op_init(h, kind, m, k);                                 \
	}                                                                      \
	CK_RV kmp_C_##name(CK_SESSION_HANDLE h, CK_BYTE_PTR in,         \
				  CK_ULONG len, CK_BYTE_PTR out,               \
				  CK_ULONG_PTR out_len)                        \
	{                                                                      \
		return op_single(h, kind, in, len, out, out_len);              \
	}                                                                      \
	CK_RV kmp_C_##name##Update(CK_SESSION_HANDLE h, CK_BYTE_PTR in, \
					  CK_ULONG len, CK_BYTE_PTR out,       \
					  CK_ULONG_PTR out_len)                \
	{                                                                      \
		return op_update(h, kind, in, len, out, out_len);              \
	}                                                                      \
	CK_RV kmp_C_##name##Final(CK_SESSION_HANDLE h, CK_BYTE_PTR out, \
					 CK_ULONG_PTR out_len)                 \
	{                                                                      \
		return op_final(h, kind, out, out_len);                        \
	}

CIPHER_ENTRY_POINTS(Encrypt, KMP_OP_ENCRYPT)
CIPHER_ENTRY_POINTS(Decrypt, KMP_OP_DECRYPT)

CK_RV kmp_C_DigestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m)
{
	return op_init(h, KMP_OP_DIGEST, m, CK_INVALID_HANDLE);
}

CK_RV kmp_C_Digest(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG len,
			  CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return op_single(h, KMP_OP_DIGEST, in, len, out, out_len);
}

CK_RV kmp_C_DigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in,
				CK_ULONG len)
{
	return op_update(h, KMP_OP_DIGEST, in, len, NULL, NULL);
}

/* Whether k names a key the session sees (no fetch: the listing's). */
static bool key_known(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k)
{
	struct kmp_target t;
	struct kmp_call call;
	bool known;

	pthread_mutex_lock(&kmp_gl.lock);
	known = kmp_call_inlock(&call, h) == CKR_OK &&
		(kmp_resolve_inlock(&call, k, &t) == KMP_HANDLE_SESSION_OBJECT ||
		 t.kind == KMP_HANDLE_TOKEN_OBJECT);
	pthread_mutex_unlock(&kmp_gl.lock);
	return known;
}

/* Key values never leave kmp11, not even into a digest. */
CK_RV kmp_C_DigestKey(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k)
{
	struct kmp_op *op;
	CK_RV rv = take_op(h, KMP_OP_DIGEST, &op);

	if (rv != CKR_OK)
		return rv;
	return give_op(h, op, false,
		       key_known(h, k) ? CKR_KEY_INDIGESTIBLE : CKR_KEY_HANDLE_INVALID);
}

CK_RV kmp_C_DigestFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out,
			       CK_ULONG_PTR out_len)
{
	return op_final(h, KMP_OP_DIGEST, out, out_len);
}

CK_RV kmp_C_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			    CK_OBJECT_HANDLE k)
{
	return op_init(h, KMP_OP_SIGN, m, k);
}

CK_RV kmp_C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len,
			CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
	return op_single(h, KMP_OP_SIGN, data, len, sig, sig_len);
}

CK_RV kmp_C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR data,
			      CK_ULONG len)
{
	return op_update(h, KMP_OP_SIGN, data, len, NULL, NULL);
}

CK_RV kmp_C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig,
			     CK_ULONG_PTR sig_len)
{
	return op_final(h, KMP_OP_SIGN, sig, sig_len);
}

CK_RV kmp_C_VerifyInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			      CK_OBJECT_HANDLE k)
{
	return op_init(h, KMP_OP_VERIFY, m, k);
}

CK_RV kmp_C_Verify(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len,
			  CK_BYTE_PTR sig, CK_ULONG sig_len)
{
	return op_verify(h, data, len, true, sig, sig_len);
}

CK_RV kmp_C_VerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR data,
				CK_ULONG len)
{
	return op_update(h, KMP_OP_VERIFY, data, len, NULL, NULL);
}

CK_RV kmp_C_VerifyFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig,
			       CK_ULONG sig_len)
{
	return op_verify(h, NULL, 0, false, sig, sig_len);
}

/* ---- random numbers ---- */

static CK_RV random_session(CK_SESSION_HANDLE h)
{
	struct kmp_call call;
	CK_RV rv;

	pthread_mutex_lock(&kmp_gl.lock);
	rv = kmp_call_inlock(&call, h);
	pthread_mutex_unlock(&kmp_gl.lock);
	return rv;
}

/* OpenSSL's generator: the seed is mixed in, never replaces its own. */
CK_RV kmp_C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR seed,
			      CK_ULONG len)
{
	CK_RV rv;

	if (seed == NULL && len > 0)
		return kmp_session_or(h, CKR_ARGUMENTS_BAD);
	if ((rv = random_session(h)) == CKR_OK)
		km_random_seed(seed, len);
	return rv;
}

CK_RV kmp_C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR out,
				  CK_ULONG len)
{
	CK_RV rv;

	if (out == NULL && len > 0)
		return kmp_session_or(h, CKR_ARGUMENTS_BAD);
	if ((rv = random_session(h)) != CKR_OK)
		return rv;
	return km_random_bytes(out, len) ? CKR_OK : CKR_FUNCTION_FAILED;
}

