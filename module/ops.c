/*
 * The spec's rules for running an operation (v2.40 sections 5.2, 5.8-5.12):
 * the buffer-size protocol and when a call ends the operation. These run
 * outside the module lock, on an operation taken out of its session.
 */
#include "module/ops.h"

/* Too small or absent output: the length, and the operation lives on. */
static bool size_only(CK_ULONG need, unsigned char *out, CK_ULONG *out_len,
		      CK_RV *rv)
{
	if (out != NULL && *out_len >= need)
		return false;
	*rv = out == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
	*out_len = need;
	return true;
}

CK_RV kmp_op_run_single(struct kmp_op *op, const unsigned char *in,
			CK_ULONG len, unsigned char *out, CK_ULONG *out_len,
			bool *keep)
{
	CK_ULONG room;
	CK_RV rv;

	*keep = false;
	/* Update was called: the single-part call ends it, with a code
	 * v2.40 lists for C_Sign, C_Encrypt... (as SoftHSM answers). */
	if (op->started)
		return CKR_OPERATION_NOT_INITIALIZED;
	if ((*keep = size_only(op->cls->output_size(op, len, true), out, out_len,
				&rv)))
		return rv;
	if (op->cls->single != NULL)
		return op->cls->single(op, in, len, out, out_len);
	room = *out_len;
	rv = op->cls->update(op, in, len, out, out_len);
	if (rv == CKR_OK) {
		/* What update wrote, then what final adds after it. */
		CK_ULONG done = *out_len;
		room -= done;
		rv = op->cls->final(op, out + done, &room);
		*out_len = done + room;
	}
	return rv;
}

CK_RV kmp_op_run_update(struct kmp_op *op, const unsigned char *in,
			CK_ULONG len, unsigned char *out, CK_ULONG *out_len,
			bool *keep)
{
	CK_ULONG none = 0;
	CK_RV rv;

	*keep = false;
	if (op->single_part)
		return CKR_FUNCTION_NOT_SUPPORTED;
	if (out_len != NULL &&
	    (*keep = size_only(op->cls->output_size(op, len, false), out,
			       out_len, &rv)))
		return rv;
	rv = op->cls->update(op, in, len, out, out_len ? out_len : &none);
	op->started = true;
	*keep = rv == CKR_OK;
	return rv;
}

CK_RV kmp_op_run_final(struct kmp_op *op, unsigned char *out,
		       CK_ULONG *out_len, bool *keep)
{
	CK_RV rv;

	*keep = false;
	if (op->single_part)
		return CKR_FUNCTION_NOT_SUPPORTED;
	if ((*keep = size_only(op->cls->output_size(op, 0, true), out, out_len,
			       &rv)))
		return rv;
	return op->cls->final(op, out, out_len);
}

CK_RV kmp_op_run_verify(struct kmp_op *op, const unsigned char *data,
			CK_ULONG len, bool single, const unsigned char *sig,
			CK_ULONG sig_len)
{
	CK_ULONG none = 0;
	CK_RV rv = CKR_OK;

	if (single && op->started)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (!single && op->single_part)
		return CKR_FUNCTION_NOT_SUPPORTED;
	if (single)
		rv = op->cls->update(op, data, len, NULL, &none);
	return rv == CKR_OK ? op->cls->verify(op, sig, sig_len) : rv;
}
