/* HTTPS client for Keystone and the Key Manager (libcurl). */
#ifndef KMP11_HTTP_H
#define KMP11_HTTP_H

#include "tokens/errors.h"

#include <stdbool.h>
#include <stddef.h>

struct km_http_options {
	long connect_timeout; /* seconds */
	long timeout;         /* seconds, one attempt */
	long max_response;    /* bytes */
	const char *cacert, *cert, *key;
	bool insecure;
	int max_attempts;     /* idempotent requests */
	/* Resolve host names in the calling thread: the application set
	 * CKF_LIBRARY_CANT_CREATE_OS_THREADS, and libcurl's resolver would
	 * otherwise start one. */
	bool resolve_inline;
	long backoff_ms;      /* first retry delay, doubled each time */
	long max_parallel;    /* km_http_get_many's requests at once */
};

struct km_response {
	long status;
	char *body; /* NUL-terminated; may hold key material */
	size_t len;
	size_t cap;
	char *subject_token; /* Keystone's X-Subject-Token header */
	long retry_after;    /* seconds, -1 if absent */
};

struct km_http;

struct km_http *km_http_new(const struct km_http_options *opts);
void km_http_free(struct km_http *http);

/*
 * One request; GET is retried on transport errors, 429 and 5xx. KM_OK
 * when a response arrived (whatever its status), KM_UNREACHABLE when
 * none did, KM_TOO_LARGE when it was bigger than max_response.
 */
km_err km_http_request(struct km_http *http, const char *method,
		       const char *url, const char *const *headers,
		       const char *body, struct km_response *out);

/* Receives each of km_http_get_many's responses as it ends: rv as
 * km_http_request's; r is wiped after. Anything but KM_OK stops the
 * requests not yet made. */
typedef km_err (*km_http_done)(void *ctx, size_t index, km_err rv,
			       struct km_response *r);

/*
 * GETs of urls[0..n-1], up to max_parallel at once over libcurl's multi
 * interface, in the calling thread (no thread is made, as with
 * km_http_request). A request a retry may mend (no response, 429, 5xx)
 * is made again alone, with km_http_request's retries. Returns KM_OK or
 * the first error done returned.
 */
km_err km_http_get_many(struct km_http *http, const char *const *urls,
			size_t n, const char *const *headers, km_http_done done,
			void *ctx);

/* Wipes and frees the body (it may hold secrets) and the token. */
void km_response_clear(struct km_response *r);

/* "host:port:addr[,addr...]" for CURLOPT_RESOLVE, resolved with
 * getaddrinfo in the calling thread; NULL for an IP literal host or when
 * the name does not resolve (libcurl then reports it). free() it. */
char *km_resolve_entry(const char *url);

/* Held around fork() so that the child never inherits a held lock. */
void km_http_lock(struct km_http *http);
void km_http_unlock(struct km_http *http);

/* Bumped in the child after fork: network state from before is not used. */
unsigned km_fork_id(void);

#endif
