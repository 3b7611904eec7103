/*
 * kmp11-tool doctor [URI]: checks the chain from configuration to keys,
 * one line per check ("ok", "warn" or "FAIL", what, and for a failure
 * what to do): the configuration found and its mode, the module started,
 * then per token Keystone's answer, the Key Manager in its catalog, the
 * listing, every certificate against its key, and the libp11 engine
 * against Ed25519 keys. Exits 0 when nothing failed, 5 when the Key
 * Manager could not be used, else 1.
 *
 * The module says what happened in its log: the doctor reads it (at
 * level info) from a temporary file that stands in for stderr while the
 * module works.
 */
#include "tools/doctor.h"

#include <fcntl.h>
#include <p11-kit/p11-kit.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct doctor {
	P11KitUri *uri;
	struct doctor_log log;
	int worst; /* TOOL_OK, TOOL_FAILED or TOOL_UNREACHABLE */
};

void doctor_say(int *worst, enum doctor_level level, const char *what,
		const char *detail, const char *fix)
{
	static const char *const words[] = {"ok", "warn", "FAIL"};

	printf("%-4s %s: %s%s%s\n", words[level], what, detail,
	       fix ? "; fix: " : "", fix ? fix : "");
	if (level == DOCTOR_FAIL && *worst == TOOL_OK)
		*worst = TOOL_FAILED;
}

/* Where the module takes its configuration from, and whether a file
 * holding credentials is private to its owner. */
static void check_config(int *worst)
{
	const char *path = getenv("KMP11_CONF"), *none = "no file";
	char detail[4200];
	struct stat st;

	/* As the module: a system file this user cannot read is skipped. */
	if (path == NULL && access("/etc/kmp11/kmp11.conf", F_OK) == 0) {
		if (faccessat(AT_FDCWD, "/etc/kmp11/kmp11.conf", R_OK,
			      AT_EACCESS) == 0)
			path = "/etc/kmp11/kmp11.conf";
		else
			none = "/etc/kmp11/kmp11.conf not readable by you";
	}
	if (path == NULL) {
		snprintf(detail, sizeof(detail), "%s: one token from %s", none,
			 getenv("OS_CLOUD") ? "OS_CLOUD and clouds.yaml"
					    : "the OS_* environment");
		doctor_say(worst, getenv("OS_CLOUD") || getenv("OS_AUTH_URL")
					  ? DOCTOR_OK : DOCTOR_FAIL,
			   "configuration", detail,
			   getenv("OS_CLOUD") || getenv("OS_AUTH_URL")
				   ? NULL
				   : "source an openrc file, set OS_CLOUD, or "
				     "write /etc/kmp11/kmp11.conf (kmp11.conf(5))");
		return;
	}
	if (stat(path, &st) != 0 || access(path, R_OK) != 0) {
		snprintf(detail, sizeof(detail), "%s: %m", path);
		doctor_say(worst, DOCTOR_FAIL, "configuration", detail,
			   "create it or point KMP11_CONF at the right file");
		return;
	}
	snprintf(detail, sizeof(detail), "%s (mode %03o)", path,
		 (unsigned)(st.st_mode & 0777));
	doctor_say(worst, st.st_mode & 077 ? DOCTOR_WARN : DOCTOR_OK,
		   "configuration", detail,
		   st.st_mode & 077 ? "it may hold passwords: chmod 600 it" : NULL);
}

static int check_token(struct tool *t, struct tool_token *tok, void *arg)
{
	struct doctor *d = arg;
	char name[64];

	snprintf(name, sizeof(name), "token %.*s",
		 (int)p11_kit_space_strlen(tok->info.label, sizeof(tok->info.label)),
		 tok->info.label);
	if (doctor_listing(t, tok, name, &d->log, &d->worst))
		doctor_keys(t, tok, name, &d->worst);
	return 0; /* every token is checked */
}

int cmd_doctor(struct tool *t, int argc, char **argv)
{
	struct doctor d = {.worst = TOOL_OK};
	int status;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		tool_error("usage: doctor [URI]");
		return TOOL_USAGE;
	}
	if ((d.uri = tool_uri(argc == 2 ? argv[1] : NULL)) == NULL)
		return TOOL_USAGE;
	check_config(&d.worst);
	setenv("KMP11_DEBUG", "info", 1); /* what the checks read */
	doctor_log_begin(&d.log);
	status = tool_load(t, t->module_path);
	doctor_log_take(&d.log);
	if (status != TOOL_OK) {
		doctor_say(&d.worst, DOCTOR_FAIL, "module",
			   d.log.last_error[0] ? d.log.last_error : "not loaded",
			   "see kmp11.conf(5)");
	} else {
		doctor_say(&d.worst, DOCTOR_OK, "module", "started", NULL);
		if (tool_each_token(t, d.uri, check_token, &d) != TOOL_OK) {
			doctor_log_take(&d.log);
			doctor_say(&d.worst, DOCTOR_FAIL, "tokens",
				   d.log.last_error[0] ? d.log.last_error
						       : "none could be opened",
				   "see 'kmp11-tool list'");
		}
	}
	doctor_log_end(&d.log);
	p11_kit_uri_free(d.uri);
	return d.worst;
}
