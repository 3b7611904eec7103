/* kmp11-tool list [URI] [-o text|json]: tokens and their objects. */
#include "tools/output.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void print_text(FILE *f, const struct tool_record *r)
{
	char when[24] = "";

	if (r->cert != NULL)
		snprintf(when, sizeof(when), "expires %.10s",
			 r->facts.not_after_iso);
	fprintf(f, "  %-10s %-18s %s\n", tool_class_name(r->klass), when,
		r->uri ? r->uri : "?");
}

static int list_object(struct tool *t, struct tool_token *tok,
		       struct tool_read *l, CK_OBJECT_HANDLE o)
{
	struct tool_record r;

	if (!tool_record_read(t, tok, o, &r))
		return TOOL_FAILED;
	if (l->out.format == TOOL_JSON) {
		tool_json_begin(&l->out);
		tool_json_record(&l->out, &r);
		tool_json_end(&l->out);
	} else {
		print_text(l->out.f, &r);
	}
	tool_record_free(&r);
	return 0;
}

static int list_token(struct tool *t, struct tool_token *tok, void *arg)
{
	struct tool_read *l = arg;
	CK_ULONG n, count;
	CK_ATTRIBUTE *templ = p11_kit_uri_get_attributes(l->uri, &n);
	CK_OBJECT_HANDLE *found;
	CK_RV rv = tool_find(t, tok->session, templ, n, &found, &count);
	int status = 0;

	if (rv != CKR_OK)
		return tool_find_failed(rv);
	if (l->out.format == TOOL_TEXT) {
		char label[33], serial[17];
		tool_token_text(tok, label, serial);
		fprintf(l->out.f, "token %s (serial %s)\n", label, serial);
	}
	for (CK_ULONG i = 0; status == 0 && i < count; i++)
		status = list_object(t, tok, l, found[i]);
	l->matched += count;
	free(found);
	return status;
}

int cmd_list(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	struct tool_read l = {
		.name = "list",
		.help = "usage: kmp11-tool list [URI] [-o text|json]\n"
			"Lists the tokens the URI selects (default all) and "
			"their objects that match\nit: class, expiry of "
			"certificates, and the object's URI; -o json gives a "
			"JSON\narray, an object per PKCS#11 object. Exit "
			"status 4 when the URI names objects\nand none "
			"matches.\n",
		.formats = TOOL_TEXT | TOOL_JSON,
		.what = "object",
		.out.format = TOOL_TEXT,
	};
	int status = -1;

	for (int c; status < 0 &&
		    (c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1;)
		status = tool_read_option(&l, c, optarg);
	if (status < 0 && argc - optind > 1)
		status = (tool_error("list: one URI at most"), TOOL_USAGE);
	if (status >= 0)
		return status;
	l.uri_text = optind < argc ? argv[optind] : NULL;
	return tool_read_run(t, &l, list_token, &l);
}
