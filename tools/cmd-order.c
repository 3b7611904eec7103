/*
 * Certificate orders through kmp11's vendor mechanism (kmp11.h):
 *   order [URI] (--csr FILE | --stored-key KEY_URI --subject DN)
 *         [--label NAME] [--wait SECONDS]
 *   orders [URI]                      the orders and their status
 * order exits 0 when the certificate was issued, 3 while the order is
 * pending, 1 when it failed.
 */
#include "tools/orders.h"
#include "tools/output.h"

#include <getopt.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <p11-kit/p11-kit.h>
#include <stdlib.h>
#include <string.h>

/* An order object's state and fields. */
struct order_view {
	CK_ULONG status; /* KMP11_ORDER_*, or beyond them when unreadable */
	unsigned char *v[5]; /* request type, label, result, error, message */
};

static void order_read(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		       struct order_view *ov)
{
	static const CK_ATTRIBUTE_TYPE types[] = {
		CKA_KMP11_REQUEST_TYPE, CKA_LABEL, CKA_KMP11_RESULT_REF,
		CKA_KMP11_ORDER_ERROR, CKA_KMP11_ORDER_MESSAGE,
	};
	CK_ATTRIBUTE a = {CKA_KMP11_ORDER_STATUS, &ov->status, sizeof(ov->status)};
	CK_ULONG len;

	ov->status = KMP11_ORDER_ERROR + 1;
	t->f->C_GetAttributeValue(s, o, &a, 1);
	for (size_t i = 0; i < 5; i++)
		if (tool_attr(t, s, o, types[i], &ov->v[i], &len) != CKR_OK)
			ov->v[i] = NULL;
}

static void order_free(struct order_view *ov)
{
	for (size_t i = 0; i < 5; i++)
		free(ov->v[i]);
}

static const char *order_status(const struct order_view *ov)
{
	static const char *const names[] = {"PENDING", "ACTIVE", "ERROR"};

	return ov->status <= KMP11_ORDER_ERROR ? names[ov->status] : "?";
}

/* The field, or dash when empty. */
static const char *field(const unsigned char *v, const char *none)
{
	return v && v[0] ? (const char *)v : none;
}

/* "STATUS request-type 'label' result message-or-error". */
static void order_text(FILE *f, const struct order_view *ov)
{
	fprintf(f, "%s %s '%s' %s %s\n", order_status(ov), field(ov->v[0], "-"),
		field(ov->v[1], ""), field(ov->v[2], "-"),
		field(ov->v[3], field(ov->v[4], "")));
}

static void order_json(struct tool_output *out, const struct order_view *ov)
{
	static const char *const keys[] = {"request_type", "label", "result_ref",
					   "error", "message"};

	tool_json_begin(out);
	tool_json_string(out, "status", order_status(ov));
	for (size_t i = 0; i < 5; i++)
		tool_json_string(out, keys[i], ov->v[i] ? (const char *)ov->v[i] : "");
	tool_json_end(out);
}

/* Prints the order as order_text does; the exit status its state gives. */
static int print_order(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
	static const int exits[] = {TOOL_PENDING, TOOL_OK, TOOL_FAILED};
	struct order_view ov;

	order_read(t, s, o, &ov);
	order_text(stdout, &ov);
	order_free(&ov);
	return ov.status <= KMP11_ORDER_ERROR ? exits[ov.status] : TOOL_FAILED;
}

int tool_order_submit(struct tool *t, CK_SESSION_HANDLE s, struct tool_order *o,
		      CK_OBJECT_HANDLE *made)
{
	CK_MECHANISM m = {CKM_KMP11_CERTIFICATE_ORDER, &o->params, sizeof(o->params)};
	CK_OBJECT_CLASS klass = CKO_KMP11_ORDER;
	CK_ATTRIBUTE templ[] = {{CKA_CLASS, &klass, sizeof(klass)},
				{CKA_LABEL, (void *)o->label,
				 o->label ? strlen(o->label) : 0}};
	CK_RV rv = t->f->C_GenerateKey(s, &m, templ, o->label ? 2 : 1, made);

	if (rv != CKR_OK) {
		tool_error("order: %s", p11_kit_strerror(rv));
		return tool_status_of(rv);
	}
	return print_order(t, s, *made);
}

CK_RV tool_find_one(struct tool *t, CK_SESSION_HANDLE s, P11KitUri *uri,
		      CK_OBJECT_CLASS klass, CK_OBJECT_HANDLE *out)
{
	CK_ATTRIBUTE extra = {CKA_CLASS, &klass, sizeof(klass)};
	CK_ULONG n, count = 0;
	CK_ATTRIBUTE *templ = tool_uri_template(uri, &extra, 1, &n);
	CK_OBJECT_HANDLE *found = NULL;
	CK_RV rv = templ ? tool_find(t, s, templ, n, &found, &count)
			 : CKR_HOST_MEMORY;

	/* Several of one name: the newest is found last. */
	if (rv == CKR_OK && count > 0)
		*out = found[count - 1];
	else if (rv == CKR_OK)
		rv = CKR_OBJECT_HANDLE_INVALID;
	free(templ);
	free(found);
	return rv;
}

static int order_token(struct tool *t, struct tool_token *tok, void *arg)
{
	struct tool_order *o = arg;
	CK_OBJECT_HANDLE made;
	CK_RV rv;

	if (o->uri != NULL &&
	    (rv = tool_find_one(t, tok->session, o->uri, CKO_PRIVATE_KEY,
				&o->params.hKey)) != CKR_OK) {
		tool_error("--stored-key: no private key: %s", p11_kit_strerror(rv));
		return rv == CKR_OBJECT_HANDLE_INVALID ? TOOL_NO_MATCH
						       : tool_status_of(rv);
	}
	return tool_order_submit(t, tok->session, o, &made);
}

static unsigned char *read_all(const char *path, CK_ULONG *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = f ? malloc(65536) : NULL;

	*len = data ? (CK_ULONG)fread(data, 1, 65536, f) : 0;
	if (f != NULL)
		fclose(f);
	if (*len == 0 || *len == 65536) {
		free(data);
		return NULL;
	}
	return data;
}

bool tool_parse_wait(const char *text, CK_ULONG *out)
{
	char *end;
	unsigned long v = strtoul(text, &end, 10);

	*out = v;
	return *text != '\0' && *end == '\0' && v <= 3600;
}

int cmd_order(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"csr", required_argument, NULL, 'c'},
		{"stored-key", required_argument, NULL, 'k'},
		{"subject", required_argument, NULL, 's'},
		{"label", required_argument, NULL, 'l'},
		{"wait", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	struct tool_order o = {.params = {.ulWaitSeconds = 60}};
	const char *csr = NULL, *key = NULL, *subject = NULL;
	P11KitUri *uri = NULL;
	int status = 0;

	for (int c; (c = getopt_long(argc, argv, "c:k:s:l:w:h", opts, NULL)) != -1;) {
		if (c == 'c')
			csr = optarg;
		else if (c == 'k')
			key = optarg;
		else if (c == 's')
			subject = optarg;
		else if (c == 'l')
			o.label = optarg;
		else if (c != 'w' || !tool_parse_wait(optarg, &o.params.ulWaitSeconds))
			status = 2;
	}
	if (status != 0 || argc - optind > 1 || (csr == NULL) == (key == NULL) ||
	    (key != NULL) != (subject != NULL))
		return tool_error("usage: order [URI] (--csr FILE | --stored-key "
				  "KEY_URI --subject DN) [--label NAME] "
				  "[--wait SECONDS]") + 1;
	if (csr != NULL) {
		o.params.ulRequestType = KMP11_REQUEST_CUSTOM;
		if ((o.csr = read_all(csr, &o.params.ulRequestLen)) == NULL)
			return tool_error("%s: cannot read the CSR", csr);
		o.params.pRequest = o.csr;
	} else {
		o.params.ulRequestType = KMP11_REQUEST_STORED_KEY;
		o.params.pSubject = (CK_UTF8CHAR_PTR)subject;
		o.params.ulSubjectLen = strlen(subject);
		if ((o.uri = tool_uri(key)) == NULL)
			status = tool_error("not a PKCS#11 URI: %s", key);
	}
	if (status == 0 && (uri = tool_uri(optind < argc ? argv[optind] : NULL)) == NULL)
		status = tool_error("not a PKCS#11 URI: %s", argv[optind]);
	t->rw = true;
	if (status == 0)
		status = tool_single_token(t, uri, order_token, &o);
	p11_kit_uri_free(uri);
	p11_kit_uri_free(o.uri);
	free(o.csr);
	return status;
}

static int orders_token(struct tool *t, struct tool_token *tok, void *arg)
{
	struct tool_read *r = arg;
	CK_OBJECT_CLASS klass = CKO_KMP11_ORDER;
	CK_ATTRIBUTE templ = {CKA_CLASS, &klass, sizeof(klass)};
	CK_OBJECT_HANDLE *found;
	struct order_view ov;
	CK_ULONG n;
	CK_RV rv = tool_find(t, tok->session, &templ, 1, &found, &n);

	if (rv != CKR_OK)
		return tool_find_failed(rv);
	for (CK_ULONG i = 0; i < n; i++) {
		order_read(t, tok->session, found[i], &ov);
		if (r->out.format == TOOL_JSON)
			order_json(&r->out, &ov);
		else
			order_text(r->out.f, &ov);
		order_free(&ov);
	}
	r->matched += n;
	free(found);
	return 0;
}

int cmd_orders(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	struct tool_read r = {
		.name = "orders",
		.help = "usage: kmp11-tool orders [URI] [-o text|json]\n"
			"The orders of each token the URI selects (default all): "
			"status, request\ntype, label, the container made, and "
			"the message or error, a line\neach, or a JSON array.\n",
		.formats = TOOL_TEXT | TOOL_JSON,
		.what = "order",
		.out.format = TOOL_TEXT,
	};
	int status = -1;

	for (int c; status < 0 && (c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1;)
		status = tool_read_option(&r, c, optarg);
	if (status < 0 && argc - optind > 1)
		status = (tool_error("orders: one URI at most"), TOOL_USAGE);
	if (status >= 0)
		return status;
	r.uri_text = optind < argc ? argv[optind] : NULL;
	return tool_read_run(t, &r, orders_token, &r);
}
