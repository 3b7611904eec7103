/* The function list that logs every call at KMP11_DEBUG=5 (trace). */
#ifndef KMP11_TRACE_H
#define KMP11_TRACE_H

#include <p11-kit/pkcs11.h>

/* The module's entry points (module.c). */
extern CK_FUNCTION_LIST kmp_function_list;
/* What applications get (trace.c): each entry calls kmp_function_list's,
 * logging the call and its return code while the log level is trace. */
extern CK_FUNCTION_LIST kmp_traced_function_list;

#endif
