/*
 * kmp11-tool verify URI [-o text|json]: each certificate the URI names is
 * checked against the private key with its CKA_ID by a signature, made by
 * the token and verified with the certificate's public key.
 */
#include "tools/sign.h"
#include "tools/output.h"

#include <getopt.h>
#include <p11-kit/p11-kit.h>
#include <stdlib.h>
#include <string.h>

struct verify {
	struct tool_read read;
	unsigned long failed;
};

/* Why the certificate of r does not match its private key; NULL when
 * it does. */
static const char *mismatch(struct tool *t, struct tool_token *tok,
			    CK_OBJECT_HANDLE o, const struct tool_record *r)
{
	CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
	CK_ULONG n;
	CK_RV rv;

	if (r->cert == NULL)
		return "the certificate is unreadable";
	if ((rv = tool_key_of_certificate(t, tok->session, o, &key, &n)) !=
	    CKR_OK)
		return p11_kit_strerror(rv);
	if (n == 0)
		return "no private key has the certificate's CKA_ID";
	return tool_prove_key(t, tok->session, key, r->cert);
}

static int verify_one(struct tool *t, struct tool_token *tok,
		      struct verify *v, CK_OBJECT_HANDLE o)
{
	struct tool_record r;
	const char *why;

	if (!tool_record_read(t, tok, o, &r))
		return TOOL_FAILED;
	why = mismatch(t, tok, o, &r);
	v->read.matched++;
	v->failed += why != NULL;
	if (why != NULL)
		tool_error("verify: '%s': %s", r.label, why);
	if (v->read.out.format == TOOL_JSON) {
		tool_json_begin(&v->read.out);
		tool_json_record(&v->read.out, &r);
		tool_json_bool(&v->read.out, "ok", why == NULL);
		tool_json_string(&v->read.out, "reason", why);
		tool_json_end(&v->read.out);
	} else if (why == NULL) {
		fputs("ok: '", v->read.out.f);
		tool_put_text(v->read.out.f, r.label, r.label_len);
		fputs("': the private key matches the certificate\n",
		      v->read.out.f);
	}
	tool_record_free(&r);
	return 0;
}

static int verify_token(struct tool *t, struct tool_token *tok, void *arg)
{
	struct verify *v = arg;
	CK_OBJECT_HANDLE *found;
	CK_ULONG count;
	CK_RV rv = tool_find_leaves(t, tok, v->read.uri, &found, &count);
	int status = 0;

	if (rv != CKR_OK)
		return tool_find_failed(rv);
	for (CK_ULONG i = 0; status == 0 && i < count; i++)
		status = verify_one(t, tok, v, found[i]);
	free(found);
	return status;
}

int cmd_verify(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	struct verify v = {.read = {
		.name = "verify",
		.help = "usage: kmp11-tool verify URI [-o text|json]\n"
			"Checks that each certificate the URI names matches "
			"the private key\nwith its CKA_ID: the token signs a "
			"random challenge with the key\nand the certificate's "
			"public key verifies it. -o json gives a JSON array,\n"
			"an object per certificate with ok and reason. Exit "
			"status 0 when all\nmatch, 1 when some do not, 4 when "
			"no certificate matches the URI.\n",
		.formats = TOOL_TEXT | TOOL_JSON,
		.what = "certificate",
		.must_match = true,
		.out.format = TOOL_TEXT,
	}};
	int status = -1;

	for (int c; status < 0 &&
		    (c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1;)
		status = tool_read_option(&v.read, c, optarg);
	if (status < 0 && argc - optind != 1)
		status = (tool_error("verify: one URI expected"), TOOL_USAGE);
	if (status >= 0)
		return status;
	v.read.uri_text = argv[optind];
	status = tool_read_run(t, &v.read, verify_token, &v);
	return status == 0 && v.failed > 0 ? TOOL_FAILED : status;
}
