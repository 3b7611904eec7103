/*
 * kmp11-tool expiring --days N [URI]: lists the certificates that expire
 * within N days (or already have); exits 1 when there is any, for
 * monitoring.
 */
#include "tools/tool.h"

#include <getopt.h>
#include <p11-kit/p11-kit.h>
#include <stdlib.h>
#include <string.h>

struct expiring {
	P11KitUri *uri;
	long days;
	int found;
};

static void print_name(X509 *cert)
{
	BIO *out = BIO_new_fp(stdout, BIO_NOCLOSE);

	if (out != NULL)
		X509_NAME_print_ex(out, X509_get_subject_name(cert), 0,
				   XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
	BIO_free(out);
}

static int expiring_token(struct tool *t, struct tool_token *tok, void *arg)
{
	struct expiring *e = arg;
	STACK_OF(X509) *certs;
	int status = tool_find_certificates(t, tok, e->uri, &certs);

	for (int i = 0; status == 0 && i < sk_X509_num(certs); i++) {
		X509 *cert = sk_X509_value(certs, i);
		int days, secs;
		struct tm tm;
		char date[16] = "?";
		if (!ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)))
			continue;
		if (days > e->days || (days == e->days && secs > 0))
			continue;
		if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm))
			strftime(date, sizeof(date), "%Y-%m-%d", &tm);
		printf("%s %s (%d days): ", date,
		       days < 0 || secs < 0 ? "expired" : "expires", days);
		print_name(cert);
		putchar('\n');
		e->found++;
	}
	sk_X509_pop_free(certs, X509_free);
	return status;
}

int cmd_expiring(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"days", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	struct expiring e = {.days = -1};
	char *end;
	int status;

	for (int c; (c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1;) {
		switch (c) {
		case 'd':
			e.days = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || e.days < 0 ||
			    e.days > 100000)
				return tool_error("expiring: --days %s: not "
						  "a number of days", optarg) + 1;
			break;
		case 'h':
			puts("usage: kmp11-tool expiring --days N [URI]\n"
			     "Lists the certificates (of the URI, default "
			     "all) that expire within\nN days or have "
			     "expired. Exit status 1 when there is any, 0 "
			     "when none.");
			return 0;
		default:
			return 2;
		}
	}
	if (e.days < 0)
		return tool_error("expiring: --days N is required") + 1;
	if (argc - optind > 1)
		return tool_error("expiring: one URI at most") + 1;
	if ((e.uri = tool_uri(optind < argc ? argv[optind] : NULL)) == NULL)
		return 2;
	status = tool_each_token(t, e.uri, expiring_token, &e);
	p11_kit_uri_free(e.uri);
	return status != 0 ? status : e.found > 0;
}
