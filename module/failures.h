/*
 * What a failure of tokens/ (tokens/errors.h) means to a PKCS#11 caller.
 * Each tokens/ result is turned into a CK_RV once, where it returns into
 * module/ (kmp_rv_of); a family of calls then keeps the codes its
 * functions may return.
 */
#ifndef KMP11_FAILURES_H
#define KMP11_FAILURES_H

#include "tokens/errors.h"

#include <p11-kit/pkcs11.h>

/* The code a failure has before a family narrows it. */
CK_RV kmp_rv_of(km_err e);
/* A read path's failure as the codes its PKCS#11 functions allow:
 * memory, a deleted object and a closed session keep theirs; refused
 * credentials, a forbidden project or any other failure is a device
 * error (logged where it happened). */
CK_RV kmp_read_failure(CK_RV rv);
/* C_Login's: a refused PIN; memory; else a device error. */
CK_RV kmp_login_failure(km_err e);

#endif
