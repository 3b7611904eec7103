#include "tokens/http.h"

#include "tokens/curl-memory.h"
#include "tokens/log.h"
#include "tokens/secure.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define POOL_SIZE 8

struct pooled {
	CURL *curl;
	unsigned fork_id;
};

struct km_http {
	struct km_http_options opts;
	char *cacert, *cert, *key;
	pthread_mutex_t lock; /* guards the pool only, never held on I/O */
	struct pooled pool[POOL_SIZE];
	size_t n_pool;
	/* km_http_get_many's, kept for its connections: one caller at a
	 * time uses it, another makes one of its own. */
	CURLM *multi;
	unsigned multi_fork_id;
	bool multi_busy;
};

static volatile unsigned fork_generation;
static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void after_fork_in_child(void) { fork_generation++; }

static void global_init(void)
{
	km_curl_global_init();
	pthread_atfork(NULL, NULL, after_fork_in_child);
}

unsigned km_fork_id(void) { return fork_generation; }

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

struct km_http *km_http_new(const struct km_http_options *opts)
{
	struct km_http *http;

	pthread_once(&global_once, global_init);
	if ((http = calloc(1, sizeof(*http))) == NULL)
		return NULL;
	http->opts = *opts;
	http->cacert = dup_or_null(opts->cacert);
	http->cert = dup_or_null(opts->cert);
	http->key = dup_or_null(opts->key);
	http->opts.cacert = http->cacert;
	http->opts.cert = http->cert;
	http->opts.key = http->key;
	if (http->opts.max_attempts <= 0)
		http->opts.max_attempts = 3;
	if (http->opts.backoff_ms <= 0)
		http->opts.backoff_ms = 200;
	if (http->opts.max_parallel <= 0)
		http->opts.max_parallel = 1;
	pthread_mutex_init(&http->lock, NULL);
	return http;
}

void km_http_free(struct km_http *http)
{
	if (http == NULL)
		return;
	for (size_t i = 0; i < http->n_pool; i++)
		/* A parent's connection is left alone: closing it from the
		 * child would end the parent's TLS session. */
		if (http->pool[i].fork_id == km_fork_id())
			curl_easy_cleanup(http->pool[i].curl);
	if (http->multi != NULL && http->multi_fork_id == km_fork_id())
		curl_multi_cleanup(http->multi);
	pthread_mutex_destroy(&http->lock);
	free(http->cacert);
	free(http->cert);
	free(http->key);
	free(http);
}

void km_http_lock(struct km_http *http) { pthread_mutex_lock(&http->lock); }

void km_http_unlock(struct km_http *http)
{
	pthread_mutex_unlock(&http->lock);
}

static CURL *take_handle(struct km_http *http)
{
	CURL *curl = NULL;

	pthread_mutex_lock(&http->lock);
	while (curl == NULL && http->n_pool > 0) {
		struct pooled *p = &http->pool[--http->n_pool];
		if (p->fork_id == km_fork_id())
			curl = p->curl;
	}
	pthread_mutex_unlock(&http->lock);
	return curl != NULL ? curl : curl_easy_init();
}

static void give_back(struct km_http *http, CURL *curl)
{
	pthread_mutex_lock(&http->lock);
	if (http->n_pool < POOL_SIZE) {
		http->pool[http->n_pool].curl = curl;
		http->pool[http->n_pool++].fork_id = km_fork_id();
		curl = NULL;
	}
	pthread_mutex_unlock(&http->lock);
	if (curl != NULL)
		curl_easy_cleanup(curl);
}

struct sink {
	struct km_response *r;
	size_t max;
	bool too_big;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct sink *s = ctx;
	struct km_response *r = s->r;
	size_t n = size * nmemb;

	if (r->len + n > s->max) {
		s->too_big = true;
		return 0;
	}
	if (r->len + n + 1 > r->cap) {
		/* Grow by copy-and-wipe: realloc could leave key bytes behind. */
		size_t cap = r->cap ? r->cap : 4096;
		char *grown;
		while (cap < r->len + n + 1)
			cap *= 2;
		if ((grown = malloc(cap)) == NULL)
			return 0;
		if (r->body != NULL)
			memcpy(grown, r->body, r->len);
		km_free_secret(r->body, r->cap);
		r->body = grown;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

static const char *header_value(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);

	if (n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return NULL;
	line += k + 1;
	while (*line == ' ' || *line == '\t')
		line++;
	return line;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ctx)
{
	struct km_response *r = ctx;
	size_t n = size * nmemb;
	const char *v;
	size_t len;

	if ((v = header_value(line, n, "X-Subject-Token")) != NULL) {
		len = n - (size_t)(v - line);
		while (len > 0 && isspace((unsigned char)v[len - 1]))
			len--;
		km_free_secret_string(r->subject_token);
		r->subject_token = strndup(v, len);
	} else if ((v = header_value(line, n, "Retry-After")) != NULL) {
		r->retry_after = strtol(v, NULL, 10);
	}
	return n;
}

void km_response_clear(struct km_response *r)
{
	km_free_secret(r->body, r->cap);
	km_free_secret_string(r->subject_token);
	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
}

static void set_options(struct km_http *http, CURL *curl, const char *method,
			const char *url, struct curl_slist *headers,
			const char *body, struct sink *sink)
{
	const struct km_http_options *o = &http->opts;

	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, o->connect_timeout);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, o->timeout);
	curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)o->max_response);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
	curl_easy_setopt(curl, CURLOPT_CAINFO, o->cacert);
	curl_easy_setopt(curl, CURLOPT_SSLCERT, o->cert);
	curl_easy_setopt(curl, CURLOPT_SSLKEY, o->key);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	if (body != NULL)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, sink->r);
}

static bool retryable(km_err rv, long status)
{
	if (rv.kind == KM_UNREACHABLE)
		return true;
	return km_ok(rv) && (status == 429 || status == 500 ||
				status == 502 || status == 503 || status == 504);
}

static bool is_ip_literal(const char *host)
{
	unsigned char addr[16];

	return host[0] == '[' || inet_pton(AF_INET, host, addr) == 1 ||
	       inet_pton(AF_INET6, host, addr) == 1;
}

/* Appends the addresses of res to out, comma-separated. */
static bool append_addresses(char *out, size_t size, const struct addrinfo *res)
{
	char text[INET6_ADDRSTRLEN];
	size_t used = strlen(out);
	int n;

	for (const struct addrinfo *a = res; a != NULL; a = a->ai_next) {
		const void *in = a->ai_family == AF_INET
			? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
			: (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
		if (inet_ntop(a->ai_family, in, text, sizeof(text)) == NULL)
			continue;
		n = snprintf(out + used, size - used, "%s%s%s%s",
			     out[used - 1] == ':' ? "" : ",",
			     a->ai_family == AF_INET6 ? "[" : "", text,
			     a->ai_family == AF_INET6 ? "]" : "");
		if (n < 0 || (size_t)n >= size - used)
			return false;
		used += (size_t)n;
	}
	return out[used - 1] != ':';
}

char *km_resolve_entry(const char *url)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *entry = NULL;
	size_t size;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
		    CURLUE_OK ||
	    is_ip_literal(host) || getaddrinfo(host, port, &hints, &res) != 0)
		goto out;
	size = strlen(host) + strlen(port) + 1024;
	if ((entry = malloc(size)) != NULL) {
		snprintf(entry, size, "%s:%s:", host, port);
		if (!append_addresses(entry, size, res)) {
			free(entry);
			entry = NULL;
		}
	}
out:
	if (res != NULL)
		freeaddrinfo(res);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return entry;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* One request's state while libcurl runs it. */
struct transfer {
	CURL *curl;
	struct sink sink;
	struct curl_slist *resolved;
	char why[CURL_ERROR_SIZE];
};

static void transfer_start(struct km_http *http, struct transfer *x,
			   const char *method, const char *url,
			   struct curl_slist *headers, const char *body,
			   struct km_response *out)
{
	char *entry;

	km_response_clear(out);
	x->sink = (struct sink){out, (size_t)http->opts.max_response, false};
	x->why[0] = '\0';
	x->resolved = NULL;
	set_options(http, x->curl, method, url, headers, body, &x->sink);
	/* libcurl's own words say which TLS check failed, and why. */
	curl_easy_setopt(x->curl, CURLOPT_ERRORBUFFER, x->why);
	/* Names resolved here, in this thread, fill libcurl's DNS cache so
	 * that it starts no resolver thread. */
	if (http->opts.resolve_inline && (entry = km_resolve_entry(url)) != NULL) {
		x->resolved = curl_slist_append(NULL, entry);
		free(entry);
	}
	curl_easy_setopt(x->curl, CURLOPT_RESOLVE, x->resolved);
}

/* The handle keeps no pointer into x. */
static void transfer_detach(struct transfer *x)
{
	curl_easy_setopt(x->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(x->curl, CURLOPT_RESOLVE, NULL);
	curl_slist_free_all(x->resolved);
	x->resolved = NULL;
}

static km_err transfer_end(struct km_http *http, struct transfer *x,
			   CURLcode code, const char *method, const char *url)
{
	struct km_response *out = x->sink.r;

	transfer_detach(x);
	if (x->sink.too_big || code == CURLE_FILESIZE_EXCEEDED) {
		km_error("%s %s: response larger than %ld bytes", method, url,
			 http->opts.max_response);
		return KM_ERR(TOO_LARGE);
	}
	if (code != CURLE_OK) {
		km_error("%s %s: %s", method, url,
			 x->why[0] ? x->why : curl_easy_strerror(code));
		return KM_ERR(UNREACHABLE);
	}
	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &out->status);
	km_debug("http: %s %s -> %ld", method, url, out->status);
	if (out->body == NULL && on_body("", 1, 0, &x->sink) != 0)
		return KM_ERR(NO_MEMORY);
	return out->body != NULL ? KM_ERR(OK) : KM_ERR(NO_MEMORY);
}

static km_err attempt(struct km_http *http, CURL *curl, const char *method,
		      const char *url, struct curl_slist *headers,
		      const char *body, struct km_response *out)
{
	struct transfer x = {.curl = curl};

	transfer_start(http, &x, method, url, headers, body, out);
	return transfer_end(http, &x, curl_easy_perform(curl), method, url);
}

/* The header list may hold a token: wiped, then freed. */
static void free_header_list(struct curl_slist *list)
{
	for (struct curl_slist *l = list; l != NULL; l = l->next)
		OPENSSL_cleanse(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

/* headers as libcurl's list; false when out of memory (*list then NULL). */
static bool header_list(const char *const *headers, struct curl_slist **list)
{
	struct curl_slist *grown;

	*list = NULL;
	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
		if ((grown = curl_slist_append(*list, headers[i])) == NULL) {
			free_header_list(*list);
			*list = NULL;
			return false;
		}
		*list = grown;
	}
	return true;
}

/* Back to the pool, holding no pointer to the caller's headers or body. */
static void release(struct km_http *http, CURL *curl)
{
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, NULL);
	give_back(http, curl);
}

km_err km_http_request(struct km_http *http, const char *method,
		       const char *url, const char *const *headers,
		       const char *body, struct km_response *out)
{
	struct curl_slist *list;
	bool idempotent = strcmp(method, "GET") == 0 ||
			  strcmp(method, "HEAD") == 0;
	long delay = http->opts.backoff_ms;
	CURL *curl;
	km_err rv = KM_ERR(NO_MEMORY);

	if (!header_list(headers, &list) || (curl = take_handle(http)) == NULL)
		goto out;
	for (int n = 1;; n++) {
		rv = attempt(http, curl, method, url, list, body, out);
		if (!idempotent || n >= http->opts.max_attempts ||
		    !retryable(rv, out->status))
			break;
		/* Compared in seconds: a huge Retry-After cannot overflow. */
		if (km_ok(rv) && out->retry_after > 0)
			delay = (out->retry_after > http->opts.timeout
					 ? http->opts.timeout
					 : out->retry_after) * 1000;
		km_warning("%s %s: %s, retry %d in %ld ms", method, url,
			   km_ok(rv) ? "server error" : "no response", n,
			   delay);
		sleep_ms(delay);
		delay *= 2;
	}
	release(http, curl);
out:
	free_header_list(list);
	return rv;
}

static CURLM *take_multi(struct km_http *http)
{
	CURLM *multi = NULL;

	pthread_mutex_lock(&http->lock);
	if (http->multi != NULL && !http->multi_busy &&
	    http->multi_fork_id == km_fork_id()) {
		multi = http->multi;
		http->multi_busy = true;
	}
	pthread_mutex_unlock(&http->lock);
	return multi != NULL ? multi : curl_multi_init();
}

static void give_back_multi(struct km_http *http, CURLM *multi)
{
	pthread_mutex_lock(&http->lock);
	if (multi == http->multi) {
		http->multi_busy = false;
		multi = NULL;
	} else if (http->multi == NULL || http->multi_fork_id != km_fork_id()) {
		/* A parent's is left alone, as its pooled handles are. */
		http->multi = multi;
		http->multi_fork_id = km_fork_id();
		http->multi_busy = false;
		multi = NULL;
	}
	pthread_mutex_unlock(&http->lock);
	if (multi != NULL)
		curl_multi_cleanup(multi);
}

/* One of km_http_get_many's requests in flight. */
struct slot {
	struct transfer x;
	struct km_response r;
	size_t index;
	bool busy;
};

static km_err start_next(struct km_http *http, CURLM *multi, struct slot *s,
			 const char *url, struct curl_slist *headers)
{
	km_err rv;

	if ((s->x.curl = take_handle(http)) == NULL)
		return KM_ERR(NO_MEMORY);
	transfer_start(http, &s->x, "GET", url, headers, NULL, &s->r);
	curl_easy_setopt(s->x.curl, CURLOPT_PRIVATE, (char *)s);
	if (curl_multi_add_handle(multi, s->x.curl) == CURLM_OK) {
		s->busy = true;
		return KM_ERR(OK);
	}
	rv = transfer_end(http, &s->x, CURLE_FAILED_INIT, "GET", url);
	release(http, s->x.curl);
	return rv;
}

/* A finished request: retried alone (km_http_request's retries) when a
 * retry may mend it, then handed to done. */
static km_err finished(struct km_http *http, CURLM *multi, CURLMsg *msg,
		       const char *const *urls, const char *const *headers,
		       km_http_done done, void *ctx)
{
	char *private;
	struct slot *s;
	km_err rv;

	curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &private);
	s = (struct slot *)private;
	curl_multi_remove_handle(multi, s->x.curl);
	rv = transfer_end(http, &s->x, msg->data.result, "GET", urls[s->index]);
	release(http, s->x.curl);
	s->busy = false;
	if (retryable(rv, s->r.status)) {
		km_warning("GET %s: %s, again alone", urls[s->index],
			   km_ok(rv) ? "server error" : "no response");
		rv = km_http_request(http, "GET", urls[s->index], headers,
				     NULL, &s->r);
	}
	rv = done(ctx, s->index, rv, &s->r);
	km_response_clear(&s->r);
	return rv;
}

/* Requests still in flight when done() stopped the rest: their handles
 * are in the middle of a transfer, so they are not pooled again. */
static void abandon(CURLM *multi, struct slot *slots, size_t width)
{
	for (size_t i = 0; i < width; i++) {
		if (!slots[i].busy)
			continue;
		curl_multi_remove_handle(multi, slots[i].x.curl);
		transfer_detach(&slots[i].x);
		curl_easy_cleanup(slots[i].x.curl);
		km_response_clear(&slots[i].r);
	}
}

static struct slot *free_slot(struct slot *slots, size_t width)
{
	for (size_t i = 0; i < width; i++)
		if (!slots[i].busy)
			return &slots[i];
	return NULL;
}

km_err km_http_get_many(struct km_http *http, const char *const *urls,
			size_t n, const char *const *headers, km_http_done done,
			void *ctx)
{
	size_t width = n < (size_t)http->opts.max_parallel
			       ? n : (size_t)http->opts.max_parallel;
	struct slot *slots = calloc(width ? width : 1, sizeof(*slots)), *s;
	struct curl_slist *list = NULL;
	CURLM *multi = NULL;
	CURLMsg *msg;
	size_t next = 0;
	int running = 1, left;
	km_err rv = KM_ERR(NO_MEMORY);

	if (slots == NULL || !header_list(headers, &list) ||
	    (multi = take_multi(http)) == NULL)
		goto out;
	rv = KM_ERR(OK);
	while (km_ok(rv) && (running > 0 || next < n)) {
		while (km_ok(rv) && next < n &&
		       (s = free_slot(slots, width)) != NULL) {
			s->index = next;
			s->r.retry_after = -1;
			rv = start_next(http, multi, s, urls[next++], list);
			if (!km_ok(rv)) {
				rv = done(ctx, s->index, rv, &s->r);
				km_response_clear(&s->r);
			}
		}
		if (!km_ok(rv) ||
		    curl_multi_perform(multi, &running) != CURLM_OK) {
			rv = !km_ok(rv) ? rv : KM_ERR(UNREACHABLE);
			break;
		}
		while (km_ok(rv) &&
		       (msg = curl_multi_info_read(multi, &left)) != NULL)
			if (msg->msg == CURLMSG_DONE)
				rv = finished(http, multi, msg, urls, headers,
					      done, ctx);
		if (km_ok(rv) && running > 0)
			curl_multi_poll(multi, NULL, 0, 1000, NULL);
	}
	abandon(multi, slots, width);
	give_back_multi(http, multi);
out:
	free(slots);
	free_header_list(list);
	return rv;
}
