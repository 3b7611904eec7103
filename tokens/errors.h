/* What an HTTP failure of Keystone or the Key Manager means, and says. */
#ifndef KMP11_ERRORS_H
#define KMP11_ERRORS_H

#include "tokens/http.h"

/* The CKR_ code for a Key Manager or Keystone HTTP status. */
CK_RV km_status_to_rv(long status);
/* Logs "what: HTTP status: message" (the service's JSON message) and
 * returns km_status_to_rv(status). */
CK_RV km_http_failed(const char *what, const struct km_response *r);
/* The message of an OpenStack error body, cut to size; "" if none. */
void km_error_message(const char *body, char *out, size_t size);

#endif
