#include "tokens/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

int km_log_level = KM_LOG_OFF;
static int log_to_syslog;

static const char *const level_names[] = {"off",  "error", "warning",
					  "info", "debug", "trace"};

int km_log_parse_level(const char *text)
{
	char *end;
	long n;

	if (text == NULL || *text == '\0')
		return -1;
	for (int i = 0; i <= KM_LOG_TRACE; i++)
		if (strcasecmp(text, level_names[i]) == 0)
			return i;
	n = strtol(text, &end, 10);
	if (*end != '\0' || n < KM_LOG_OFF || n > KM_LOG_TRACE)
		return -1;
	return (int)n;
}

void km_log_set_level(int level) { km_log_level = level; }

void km_log_use_syslog(int on) { log_to_syslog = on; }

void km_log_init_from_env(void)
{
	const char *debug = secure_getenv("KMP11_DEBUG");
	const char *target = secure_getenv("KMP11_LOG");
	int level;

	if (debug != NULL) {
		level = km_log_parse_level(debug);
		km_log_level = level < 0 ? KM_LOG_DEBUG : level;
	}
	if (target != NULL && strcmp(target, "syslog") == 0)
		log_to_syslog = 1;
}

void km_log_write(int level, const char *fmt, ...)
{
	static const int syslog_priority[] = {LOG_ERR,  LOG_ERR,   LOG_WARNING,
					      LOG_INFO, LOG_DEBUG, LOG_DEBUG};
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_to_syslog)
		syslog(syslog_priority[level], "kmp11: %s", line);
	else
		fprintf(stderr, "kmp11[%ld] %s: %s\n", (long)getpid(),
			level_names[level], line);
}
