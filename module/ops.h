/* Running an operation by the spec's rules; *keep says whether it is
 * still active after the call (size queries, too small buffers, updates). */
#ifndef KMP11_OPS_H
#define KMP11_OPS_H

#include "module/op.h"

/* C_Encrypt, C_Decrypt, C_Digest, C_Sign. */
CK_RV kmp_op_run_single(struct kmp_op *op, const unsigned char *in,
			CK_ULONG len, unsigned char *out, CK_ULONG *out_len,
			bool *keep);
/* C_*Update; out_len NULL for operations without output. */
CK_RV kmp_op_run_update(struct kmp_op *op, const unsigned char *in,
			CK_ULONG len, unsigned char *out, CK_ULONG *out_len,
			bool *keep);
/* C_*Final. */
CK_RV kmp_op_run_final(struct kmp_op *op, unsigned char *out,
		       CK_ULONG *out_len, bool *keep);
/* C_Verify (single: data is the whole message) and C_VerifyFinal; both
 * end the operation. */
CK_RV kmp_op_run_verify(struct kmp_op *op, const unsigned char *data,
			CK_ULONG len, bool single, const unsigned char *sig,
			CK_ULONG sig_len);

#endif
