/* kmp11-tool doctor: its checks, and the module's log they read. */
#ifndef KMP11_TOOL_DOCTOR_H
#define KMP11_TOOL_DOCTOR_H

#include "tools/tool.h"

enum doctor_level { DOCTOR_OK, DOCTOR_WARN, DOCTOR_FAIL };

/* One line: "ok|warn|FAIL what: detail[; fix: fix]"; a FAIL makes *worst
 * TOOL_FAILED unless it is worse already. */
void doctor_say(int *worst, enum doctor_level level, const char *what,
		const char *detail, const char *fix);

/* The module's log, written to a temporary file that stands in for
 * stderr from begin to end. */
struct doctor_log {
	FILE *file;
	int saved_stderr;
	long taken; /* how much take() has returned */
	char *text; /* what the last take() returned */
	char last_error[512];
};
void doctor_log_begin(struct doctor_log *log);
/* The log written since the last take, in log->text; last_error is its
 * last error's message, or "" when there was none. */
void doctor_log_take(struct doctor_log *log);
void doctor_log_end(struct doctor_log *log);

/* Keystone, the catalog and the listing of a token, from a search of
 * every object and the log it wrote; false when it could not list. */
bool doctor_listing(struct tool *t, struct tool_token *tok, const char *name,
		    struct doctor_log *log, int *worst);
/* Every end-entity certificate against its key, and the libp11 engine
 * against Ed25519 keys. */
void doctor_keys(struct tool *t, struct tool_token *tok, const char *name,
		 int *worst);

#endif
