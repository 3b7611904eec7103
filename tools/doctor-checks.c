/* kmp11-tool doctor's checks of a token, and the module log they read. */
#include "tools/doctor.h"
#include "tools/sign.h"

#include <p11-kit/p11-kit.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void doctor_log_begin(struct doctor_log *log)
{
	*log = (struct doctor_log){.saved_stderr = -1};
	fflush(stderr);
	if ((log->file = tmpfile()) == NULL)
		return;
	log->saved_stderr = dup(STDERR_FILENO);
	dup2(fileno(log->file), STDERR_FILENO);
}

/* The message of a log line "kmp11[pid] level: message", or NULL. */
static const char *message(const char *line, const char *level)
{
	const char *p = strstr(line, "] ");

	if (strncmp(line, "kmp11[", 6) != 0 || p == NULL ||
	    strncmp(p + 2, level, strlen(level)) != 0)
		return NULL;
	return p + 2 + strlen(level);
}

void doctor_log_take(struct doctor_log *log)
{
	long end;
	char *line, *save = NULL;
	const char *m;

	free(log->text);
	log->text = NULL;
	log->last_error[0] = '\0';
	if (log->file == NULL || fflush(stderr) != 0 ||
	    fseek(log->file, 0, SEEK_END) != 0 || (end = ftell(log->file)) < log->taken ||
	    (log->text = calloc(1, (size_t)(end - log->taken) + 1)) == NULL ||
	    fseek(log->file, log->taken, SEEK_SET) != 0)
		return;
	log->taken += (long)fread(log->text, 1, (size_t)(end - log->taken), log->file);
	/* The last error, from a copy: strtok_r cuts what it reads. What
	 * is not the module's (the tool's own messages) goes to stderr. */
	line = strdup(log->text);
	for (char *l = line ? strtok_r(line, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		if ((m = message(l, "error: ")) != NULL)
			snprintf(log->last_error, sizeof(log->last_error), "%s", m);
		else if (strncmp(l, "kmp11[", 6) != 0)
			dprintf(log->saved_stderr, "%s\n", l);
	}
	free(line);
}

void doctor_log_end(struct doctor_log *log)
{
	fflush(stderr);
	if (log->saved_stderr >= 0) {
		dup2(log->saved_stderr, STDERR_FILENO);
		close(log->saved_stderr);
	}
	if (log->file != NULL)
		fclose(log->file);
	free(log->text);
	log->text = NULL;
}

/* The rest of the line of the log text after needle, into out; false
 * when no line has it. */
static bool logged(const char *text, const char *needle, char *out, size_t size)
{
	const char *p = text ? strstr(text, needle) : NULL;

	if (p == NULL)
		return false;
	p += strlen(needle);
	snprintf(out, size, "%.*s", (int)strcspn(p, "\n"), p);
	return true;
}

bool doctor_listing(struct tool *t, struct tool_token *tok, const char *name,
		    struct doctor_log *log, int *worst)
{
	CK_OBJECT_HANDLE *found = NULL;
	CK_ULONG count = 0;
	CK_RV rv = tool_find(t, tok->session, NULL, 0, &found, &count);
	char what[128], detail[512];

	free(found);
	doctor_log_take(log);
	snprintf(what, sizeof(what), "%s: Keystone", name);
	if (logged(log->text, "Keystone: token for project ", detail + 25,
		   sizeof(detail) - 25)) {
		memcpy(detail, "token issued for project ", 25);
		doctor_say(worst, DOCTOR_OK, what, detail, NULL);
	} else if (rv != CKR_OK) {
		doctor_say(worst, DOCTOR_FAIL, what,
			   log->last_error[0] ? log->last_error : p11_kit_strerror(rv),
			   NULL); /* the module's message says what to check */
		*worst = TOOL_UNREACHABLE;
		return false;
	}
	snprintf(what, sizeof(what), "%s: listing", name);
	if (rv != CKR_OK) {
		doctor_say(worst, DOCTOR_FAIL, what,
			   log->last_error[0] ? log->last_error : p11_kit_strerror(rv),
			   log->last_error[0] ? NULL /* the message says */
					      : "kmp11-tool -vv list shows each request");
		*worst = TOOL_UNREACHABLE;
		return false;
	}
	if (!logged(log->text, "listed ", detail, sizeof(detail)))
		snprintf(detail, sizeof(detail), "%lu objects", count);
	doctor_say(worst, DOCTOR_OK, what, detail, NULL);
	return true;
}

/* Why the certificate found[i] and its key fail the check, NULL when
 * they pass, and *fix what to do then; *keyless set when it has no key
 * on the token. */
static const char *pair_problem(struct tool *t, struct tool_token *tok,
				CK_OBJECT_HANDLE cert_h, bool *keyless,
				const char **fix)
{
	X509 *cert = tool_certificate(t, tok->session, cert_h);
	CK_OBJECT_HANDLE key;
	CK_ULONG n = 0;
	const char *why;

	*keyless = false;
	*fix = "renew --new-key, or delete the container";
	if (cert == NULL) {
		*fix = "store the certificate again, or delete the container";
		return "the certificate is unreadable";
	}
	if (tool_key_of_certificate(t, tok->session, cert_h, &key, &n) != CKR_OK)
		why = "its key cannot be searched";
	else if (n == 0)
		why = NULL, *keyless = true;
	else
		why = tool_prove_key(t, tok->session, key, cert);
	X509_free(cert);
	return why;
}

/* Each end-entity certificate with a key proves it; those without one
 * are counted. One the Key Manager did not give (a payload, a search)
 * could not be checked: a failure of the Key Manager, never an "ok". */
static void check_pairs(struct tool *t, struct tool_token *tok, const char *name,
			int *worst)
{
	CK_OBJECT_HANDLE *found = NULL;
	CK_ULONG count = 0, matched = 0, keyless = 0, unchecked = 0;
	P11KitUri *all = tool_uri(NULL);
	char what[128], detail[512];
	const char *why, *fix;
	bool none;
	char *label;
	CK_RV rv;

	snprintf(what, sizeof(what), "%s: keys", name);
	t->km_rv = CKR_OK;
	rv = all ? tool_find_leaves(t, tok, all, &found, &count) : CKR_HOST_MEMORY;
	if (rv != CKR_OK) {
		snprintf(detail, sizeof(detail), "the certificates cannot be "
			 "listed: %s", p11_kit_strerror(rv));
		doctor_say(worst, DOCTOR_FAIL, what, detail, NULL);
		*worst = tool_status_of(rv) == TOOL_UNREACHABLE ? TOOL_UNREACHABLE
								 : *worst;
		count = 0;
	}
	for (CK_ULONG i = 0; i < count; i++) {
		t->km_rv = CKR_OK;
		why = pair_problem(t, tok, found[i], &none, &fix);
		keyless += none;
		matched += why == NULL && !none;
		if (why == NULL)
			continue;
		label = tool_label(t, tok->session, found[i]);
		if (t->km_rv != CKR_OK) {
			unchecked++;
			snprintf(detail, sizeof(detail), "'%s': not checked: the "
				 "Key Manager failed (%s)", label,
				 p11_kit_strerror(t->km_rv));
			doctor_say(worst, DOCTOR_FAIL, what, detail, NULL);
			*worst = TOOL_UNREACHABLE;
		} else {
			snprintf(detail, sizeof(detail), "'%s': %s", label, why);
			doctor_say(worst, DOCTOR_FAIL, what, detail, fix);
		}
		free(label);
	}
	t->km_rv = CKR_OK;
	snprintf(detail, sizeof(detail), "%lu certificates match their private "
		 "keys; %lu have none on the token", matched, keyless);
	if (unchecked > 0)
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			 "; %lu could not be checked", unchecked);
	doctor_say(worst, unchecked > 0 ? DOCTOR_FAIL : DOCTOR_OK, what, detail,
		   NULL);
	free(found);
	p11_kit_uri_free(all);
}

/* Debian 12's libp11 (0.4.12, in the pkcs11 engine's package) stops
 * listing private keys at the first EdDSA key, so the engine finds none
 * after it on such a token. */
static bool old_libp11(char *version, size_t size)
{
	FILE *p = popen("dpkg-query -W -f '${Version}' libengine-pkcs11-openssl 2>/dev/null", "r");
	unsigned major = 0, minor = 0, patch = 0;
	bool got = p != NULL && fgets(version, (int)size, p) != NULL &&
		   sscanf(version, "%u.%u.%u", &major, &minor, &patch) == 3;

	if (p != NULL)
		pclose(p);
	return got && major == 0 && (minor < 4 || (minor == 4 && patch < 13));
}

static void check_eddsa(struct tool *t, struct tool_token *tok, const char *name,
			int *worst)
{
	CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
	CK_KEY_TYPE type = CKK_EC_EDWARDS;
	CK_ATTRIBUTE templ[] = {{CKA_CLASS, &klass, sizeof(klass)},
				{CKA_KEY_TYPE, &type, sizeof(type)}};
	CK_OBJECT_HANDLE *found = NULL;
	CK_ULONG count = 0;
	char what[128], version[64] = "", detail[256];

	snprintf(what, sizeof(what), "%s: libp11", name);
	if (tool_find(t, tok->session, templ, 2, &found, &count) == CKR_OK &&
	    count > 0 && old_libp11(version, sizeof(version))) {
		snprintf(detail, sizeof(detail), "libp11 %s (the pkcs11 engine) "
			 "finds no private key on a token with an Ed25519 key, "
			 "and this token has %lu", version, count);
		doctor_say(worst, DOCTOR_WARN, what, detail,
			   "set 'key_types = rsa, ec' on the token the engine "
			   "uses (kmp11.conf(5)), or use pkcs11-provider");
	} else {
		doctor_say(worst, DOCTOR_OK, what, count ? "no EdDSA limit applies"
							 : "no Ed25519 key", NULL);
	}
	free(found);
}

void doctor_keys(struct tool *t, struct tool_token *tok, const char *name,
		 int *worst)
{
	check_pairs(t, tok, name, worst);
	check_eddsa(t, tok, name, worst);
}
