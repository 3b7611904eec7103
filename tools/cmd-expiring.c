/*
 * kmp11-tool expiring --days N [URI] [-o text|json|prometheus] [--all]
 * [--renew [--new-key] [--deploy-hook CMD]]: the certificates that expire
 * within N days (or have), for monitoring: exit status 6 when there is
 * any. Prometheus output gives every certificate's notAfter, for alerts
 * to compute the period themselves. A certificate that a newer container
 * of its name replaces (a renewal's old one) counts only with --all.
 * --renew renews each end-entity certificate within the period, as renew
 * does; the exit status is then the renewals'.
 */
#include "tools/orders.h"
#include "tools/output.h"
#include "tools/renew.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define METRIC "kmp11_certificate_not_after_seconds"

static const char help[] =
	"usage: kmp11-tool expiring --days N [URI] [-o text|json|prometheus] "
	"[--all]\n"
	"                           [--renew [--new-key] [--deploy-hook CMD]]\n"
	"Lists the certificates (of the URI, default all) that expire within N "
	"days\nor have expired, each once: text (tab-separated not_after, state, "
	"label,\nURI, subject) or a JSON array. -o prometheus gives the notAfter "
	"of every\ncertificate as a gauge, for node_exporter's textfile "
	"collector; --days is\noptional then. Exit status 6 when some "
	"certificate expires within the period,\n0 when none, 4 when the URI "
	"names objects and no certificate matches. A certificate a newer "
	"container of\nits name replaces counts with --all only. --renew "
	"renews each end-entity\ncertificate within the period as 'renew' "
	"does (text output); the exit\nstatus is then the renewals': 0, 1 "
	"when one failed, 3 when one is pending,\n6 when only certificates "
	"it cannot renew (intermediates) are within.\n";

struct expiring {
	struct tool_read read;
	long days; /* -1: not given */
	long long now;
	unsigned long expiring;
	bool all;        /* also the certificates newer containers replace */
	bool renewing;   /* --renew */
	struct tool_renewal renewal;
	int renewed;     /* the renewals' worst status */
	unsigned long unrenewable; /* within the period, not renewable */
	/* The certificates reported on the current token, by sha256 and
	 * uuid: an intermediate comes with each container that has it. */
	char (*seen)[65 + 37];
	size_t n_seen;
};

/* Whether r was not reported yet on this token; e->seen has room. */
static bool first_sighting(struct expiring *e, const struct tool_record *r)
{
	char key[sizeof(*e->seen)];

	snprintf(key, sizeof(key), "%s%s", r->facts.sha256, r->uuid);
	for (size_t i = 0; i < e->n_seen; i++)
		if (strcmp(e->seen[i], key) == 0)
			return false;
	strcpy(e->seen[e->n_seen++], key);
	return true;
}

/* Room in e->seen for the count certificates of a token. */
static int make_room(struct expiring *e, CK_ULONG count)
{
	void *grown = realloc(e->seen, (count + 1) * sizeof(*e->seen));

	if (grown == NULL)
		return tool_error("out of memory");
	e->seen = grown;
	e->n_seen = 0;
	return 0;
}

/* "expired", or the time left in its largest unit: "expires-in=3d". */
static void state(char *out, size_t size, long long left)
{
	static const struct {
		long long seconds;
		char unit;
	} units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}};
	size_t i = 0;

	if (left <= 0) {
		snprintf(out, size, "expired");
		return;
	}
	while (i < 2 && left < units[i].seconds)
		i++;
	snprintf(out, size, "expires-in=%lld%c", left / units[i].seconds,
		 units[i].unit);
}

/* not_after, state, label, URI, subject; tab-separated. */
static void print_text(FILE *f, const struct tool_record *r, long long left)
{
	char when[40]; /* "expires-in=" and a long long */

	state(when, sizeof(when), left);
	fprintf(f, "%s\t%s\t", r->facts.not_after_iso, when);
	tool_put_text(f, r->label, r->label_len);
	fprintf(f, "\t%s\t", r->uri ? r->uri : "?");
	tool_put_text(f, r->facts.subject, strlen(r->facts.subject));
	fputc('\n', f);
}

static void print_json(struct tool_output *o, const struct tool_record *r,
		       long long left)
{
	tool_json_begin(o);
	tool_json_record(o, r);
	tool_json_number(o, "seconds_left", left);
	tool_json_bool(o, "expired", left <= 0);
	tool_json_end(o);
}

static void print_prometheus(FILE *f, const struct tool_record *r)
{
	const char *names[] = {"token", "label", "uuid", "sha256"};
	const char *values[] = {r->token, r->label, r->uuid, r->facts.sha256};
	const size_t lens[] = {strlen(r->token), r->label_len, strlen(r->uuid),
			       strlen(r->facts.sha256)};

	fputs(METRIC "{", f);
	for (size_t i = 0; i < 4; i++) {
		fprintf(f, "%s%s=", i > 0 ? "," : "", names[i]);
		tool_put_prometheus(f, values[i], lens[i]);
	}
	fprintf(f, "} %lld\n", r->facts.not_after);
}

/* Of two statuses, the one a script must hear about first. */
static int worse(int a, int b)
{
	static const int rank[] = {[TOOL_OK] = 0, [TOOL_PENDING] = 1,
				   [TOOL_FAILED] = 2, [TOOL_USAGE] = 2,
				   [TOOL_NO_MATCH] = 2, [TOOL_UNREACHABLE] = 3,
				   [TOOL_EXPIRING] = 1};

	return rank[b] > rank[a] ? b : a;
}

/* An end-entity certificate within the period is renewed: the other
 * tokens and certificates are renewed whatever befalls this one. */
static void renew_due(struct tool *t, struct tool_token *tok,
		      struct expiring *e, const struct tool_record *r,
		      CK_OBJECT_HANDLE o)
{
	if (o == CK_INVALID_HANDLE)
		return; /* replaced: its renewal exists */
	if (r->category != 1) {
		e->unrenewable++;
		return;
	}
	e->renewal.cert = o;
	fflush(stdout);
	e->renewed = worse(e->renewed, tool_renew(t, tok, &e->renewal));
}

static void report(struct tool *t, struct tool_token *tok, struct expiring *e,
		   const struct tool_record *r, CK_OBJECT_HANDLE o)
{
	long long left = r->facts.not_after - e->now;
	bool within = e->days >= 0 && left <= e->days * 86400LL;

	e->expiring += within;
	if (within && e->renewing)
		renew_due(t, tok, e, r, o);
	if (e->read.out.format == TOOL_PROMETHEUS)
		print_prometheus(e->read.out.f, r);
	else if (within && e->read.out.format == TOOL_JSON)
		print_json(&e->read.out, r, left);
	else if (within)
		print_text(e->read.out.f, r, left);
}

/* An end-entity certificate that a later one of its name replaces:
 * servers take the newest container of a name, found last. */
static bool replaced(const struct tool_record *r, CK_ULONG n, CK_ULONG i)
{
	if (r[i].category != 1)
		return false;
	for (CK_ULONG j = i + 1; j < n; j++)
		if (r[j].category == 1 && r[j].label_len == r[i].label_len &&
		    memcmp(r[j].label, r[i].label, r[i].label_len) == 0)
			return true;
	return false;
}

static int expiring_token(struct tool *t, struct tool_token *tok, void *arg)
{
	struct expiring *e = arg;
	CK_OBJECT_HANDLE *found;
	CK_ULONG count, read = 0;
	CK_RV rv = tool_find_certs(t, tok, e->read.uri, false, &found, &count);
	struct tool_record *r = NULL;
	int status;

	if (rv != CKR_OK)
		return tool_find_failed(rv);
	status = make_room(e, count);
	if (status == 0 && (r = calloc(count + 1, sizeof(*r))) == NULL)
		status = tool_error("out of memory");
	for (; status == 0 && read < count; read++)
		if (!tool_record_read(t, tok, found[read], &r[read]))
			status = TOOL_FAILED;
	for (CK_ULONG i = 0; status == 0 && i < count; i++) {
		bool old = replaced(r, count, i);
		/* The old one of a renewal is reported with --all, never
		 * renewed again. */
		if (r[i].cert != NULL && (e->all || !old) && first_sighting(e, &r[i]))
			report(t, tok, e, &r[i], old ? CK_INVALID_HANDLE : found[i]);
	}
	for (CK_ULONG i = 0; i < read; i++)
		tool_record_free(&r[i]);
	free(r);
	e->read.matched += count;
	free(found);
	return status;
}

/* --days N: 0 to 100000; -1 to go on, or TOOL_USAGE with a message. */
static int parse_days(const char *text, long *days)
{
	char *end;

	*days = strtol(text, &end, 10);
	if (*text != '\0' && *end == '\0' && *days >= 0 && *days <= 100000)
		return -1;
	tool_error("expiring: --days %s: not a number of days (0 to 100000)",
		   text);
	return TOOL_USAGE;
}

/* --all, and the renewal's options; -1 to go on, or TOOL_USAGE. */
static int renewal_option(struct expiring *e, int c, const char *arg)
{
	switch (c) {
	case 'd':
		return parse_days(arg, &e->days);
	case 'a':
		e->all = true;
		return -1;
	case 'r':
		e->renewing = true;
		return -1;
	case 'n':
		e->renewal.new_key = true;
		return -1;
	case 'H': /* empty: none, as systemd passes an unset variable */
		e->renewal.deploy_hook = arg[0] ? arg : NULL;
		return -1;
	default:
		if (tool_parse_wait(arg, &e->renewal.wait))
			return -1;
		tool_error("expiring: --wait %s: not 0 to 3600 seconds", arg);
		return TOOL_USAGE;
	}
}

int cmd_expiring(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"days", required_argument, NULL, 'd'},
		{"output", required_argument, NULL, 'o'},
		{"all", no_argument, NULL, 'a'},
		{"renew", no_argument, NULL, 'r'},
		{"new-key", no_argument, NULL, 'n'},
		{"deploy-hook", required_argument, NULL, 'H'},
		{"wait", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	struct expiring e = {.read = {
		.name = "expiring",
		.help = help,
		.formats = TOOL_TEXT | TOOL_JSON | TOOL_PROMETHEUS,
		.what = "certificate",
		.out.format = TOOL_TEXT,
	}, .days = -1, .renewal = {.wait = 60}};
	int status = -1;

	for (int c; status < 0 &&
		    (c = getopt_long(argc, argv, "d:o:h", opts, NULL)) != -1;)
		status = c == 'd' || c == 'a' || c == 'r' || c == 'n' || c == 'H' ||
				 c == 'w'
			 ? renewal_option(&e, c, optarg)
			 : tool_read_option(&e.read, c, optarg);
	if (status < 0 && e.renewing && (e.days < 0 || e.read.out.format != TOOL_TEXT))
		status = (tool_error("expiring: --renew needs --days and prints "
				     "the orders as text"), TOOL_USAGE);
	if (status < 0 && e.days < 0 && e.read.out.format != TOOL_PROMETHEUS)
		status = (tool_error("expiring: --days N is required"),
			  TOOL_USAGE);
	if (status < 0 && argc - optind > 1)
		status = (tool_error("expiring: one URI at most"), TOOL_USAGE);
	if (status >= 0)
		return status;
	if (e.read.out.format == TOOL_PROMETHEUS)
		e.read.header = "# HELP " METRIC " When the certificate "
				"expires (notAfter), in Unix seconds.\n"
				"# TYPE " METRIC " gauge\n";
	e.read.uri_text = optind < argc ? argv[optind] : NULL;
	e.now = (long long)time(NULL);
	t->rw = e.renewing;
	status = tool_read_run(t, &e.read, expiring_token, &e);
	free(e.seen);
	if (status != 0 || e.expiring == 0)
		return status;
	if (!e.renewing)
		return TOOL_EXPIRING;
	return e.renewed == TOOL_OK && e.unrenewable > 0 ? TOOL_EXPIRING : e.renewed;
}
