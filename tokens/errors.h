/*
 * What went wrong in tokens/, in its own words. module/ alone decides
 * which CKR_ code each entry point answers (module/failures.h); the
 * reason, with the service's own message, is logged where it happened.
 * A struct, so that a kind cannot pass for a CK_RV unnoticed.
 */
#ifndef KMP11_ERRORS_H
#define KMP11_ERRORS_H

#include <stdbool.h>
#include <stddef.h>

struct km_response;

enum km_error_kind {
	KM_OK = 0,
	KM_NO_MEMORY,	  /* this process's memory */
	KM_UNREACHABLE,	  /* no answer: DNS, connection, TLS, timeout */
	KM_TOO_LARGE,	  /* an answer longer than max_response */
	KM_BAD_RESPONSE,  /* an answer of a shape kmp11 cannot read */
	KM_SERVER,	  /* 5xx, or a status the call does not expect */
	KM_UNAUTHORIZED,  /* 401: the configured credentials, or a revoked token */
	KM_PIN_REFUSED,	  /* Keystone refused the PIN given to C_Login */
	KM_NOT_LOGGED_IN, /* a login token without its PIN (yet, or any more) */
	KM_FORBIDDEN,	  /* 403: the user's role may not */
	KM_NO_ROOM,	  /* the project's quota (403), or a payload too big (413) */
	KM_NOT_FOUND,	  /* 404 */
	KM_REFUSED,	  /* 400: the request's content */
	KM_TOO_LONG,	  /* a name too long for the request's URL */
	KM_IN_USE,	  /* a deletion of what registered consumers use */
	KM_ORDER_FAILED,  /* an order that ended in ERROR */
	KM_ORDER_NOT_DONE, /* an order not done within the wait */
	KM_ORDER_UNNAMED, /* an order issued whose named container could not be made */
	KM_BAD_PAYLOAD,	  /* a payload that does not parse, or is incomplete */
	KM_INTERNAL,	  /* a request tokens/ should never have been given */
};

typedef struct {
	enum km_error_kind kind;
} km_err;

#define KM_ERR(kind) ((km_err){KM_##kind})

static inline bool km_ok(km_err e)
{
	return e.kind == KM_OK;
}

/* The kind of a Key Manager or Keystone HTTP status. */
km_err km_status_error(long status);
/* Logs "what: HTTP status: message" (the service's JSON message) and
 * returns its kind: km_status_error's, or KM_NO_ROOM for a quota. */
km_err km_http_failed(const char *what, const struct km_response *r);
/* The message of an OpenStack error body, cut to size; "" if none. */
void km_error_message(const char *body, char *out, size_t size);

#endif
