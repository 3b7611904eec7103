/* Message digests: CKM_SHA_1, CKM_SHA224 .. CKM_SHA512. */
#ifndef KMP11_DIGEST_H
#define KMP11_DIGEST_H

#include "module/op.h"

CK_RV kmp_digest_new(const CK_MECHANISM *mechanism, struct kmp_op **out);

#endif
