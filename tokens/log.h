/* Logging: off unless KMP11_DEBUG or the config asks; never secrets. */
#ifndef KMP11_LOG_H
#define KMP11_LOG_H

enum km_log_level {
	KM_LOG_OFF = 0,
	KM_LOG_ERROR = 1,
	KM_LOG_WARNING = 2,
	KM_LOG_INFO = 3,
	KM_LOG_DEBUG = 4,
	KM_LOG_TRACE = 5, /* and every PKCS#11 call (module/trace.c) */
};

extern int km_log_level;

/* Reads KMP11_DEBUG (a level 0-5 or a name) and KMP11_LOG (stderr|syslog). */
void km_log_init_from_env(void);
void km_log_set_level(int level);
int km_log_parse_level(const char *text);
void km_log_use_syslog(int on);
void km_log_write(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Cheap when off: the arguments are not evaluated. */
#define km_log(level, ...)                                                     \
	do {                                                                   \
		if ((level) <= km_log_level)                                   \
			km_log_write((level), __VA_ARGS__);                    \
	} while (0)
#define km_error(...) km_log(KM_LOG_ERROR, __VA_ARGS__)
#define km_warning(...) km_log(KM_LOG_WARNING, __VA_ARGS__)
#define km_info(...) km_log(KM_LOG_INFO, __VA_ARGS__)
#define km_debug(...) km_log(KM_LOG_DEBUG, __VA_ARGS__)

#endif
