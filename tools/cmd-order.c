/*
 * Certificate orders through kmp11's vendor mechanism (kmp11.h):
 *   order [URI] (--csr FILE | --stored-key KEY_URI --subject DN)
 *         [--label NAME] [--wait SECONDS]
 *   renew CERT_URI [--wait SECONDS]   the same name, subject and key
 *   orders [URI]                      the orders and their status
 * order and renew exit 0 when the certificate was issued, 3 while the
 * order is pending, 1 when it failed.
 */
#include "tools/sign.h"
#include "tools/tool.h"
/* After tool.h: it needs the PKCS#11 types. */
#include "module/kmp11.h"

#include <getopt.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <p11-kit/p11-kit.h>
#include <stdlib.h>
#include <string.h>

struct order {
	CK_KMP11_CERTIFICATE_ORDER_PARAMS params;
	const char *label;
	P11KitUri *uri; /* stored-key: the key; renew: the certificate */
	unsigned char *csr;
};

/* "STATUS request-type label result message-or-error"; the exit status
 * the order's state gives. */
static int print_order(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
	static const char *const names[] = {"PENDING", "ACTIVE", "ERROR"};
	static const int exits[] = {3, 0, 1};
	CK_ULONG status = KMP11_ORDER_ERROR + 1;
	CK_ATTRIBUTE a = {CKA_KMP11_ORDER_STATUS, &status, sizeof(status)};
	unsigned char *v[5] = {0};
	static const CK_ATTRIBUTE_TYPE types[] = {
		CKA_KMP11_REQUEST_TYPE, CKA_LABEL, CKA_KMP11_RESULT_REF,
		CKA_KMP11_ORDER_ERROR, CKA_KMP11_ORDER_MESSAGE,
	};
	CK_ULONG len;

	t->f->C_GetAttributeValue(s, o, &a, 1);
	for (size_t i = 0; i < 5; i++)
		if (tool_attr(t, s, o, types[i], &v[i], &len) != CKR_OK)
			v[i] = NULL;
	printf("%s %s '%s' %s %s\n",
	       status <= KMP11_ORDER_ERROR ? names[status] : "?",
	       v[0] && v[0][0] ? (char *)v[0] : "-", v[1] ? (char *)v[1] : "",
	       v[2] && v[2][0] ? (char *)v[2] : "-",
	       v[3] && v[3][0] ? (char *)v[3] : v[4] ? (char *)v[4] : "");
	for (size_t i = 0; i < 5; i++)
		free(v[i]);
	return status <= KMP11_ORDER_ERROR ? exits[status] : 1;
}

static int submit(struct tool *t, CK_SESSION_HANDLE s, struct order *o)
{
	CK_MECHANISM m = {CKM_KMP11_CERTIFICATE_ORDER, &o->params, sizeof(o->params)};
	CK_OBJECT_CLASS klass = CKO_KMP11_ORDER;
	CK_ATTRIBUTE templ[] = {{CKA_CLASS, &klass, sizeof(klass)},
				{CKA_LABEL, (void *)o->label,
				 o->label ? strlen(o->label) : 0}};
	CK_OBJECT_HANDLE h;
	CK_RV rv = t->f->C_GenerateKey(s, &m, templ, o->label ? 2 : 1, &h);

	if (rv != CKR_OK)
		return tool_error("order: %s", p11_kit_strerror(rv));
	return print_order(t, s, h);
}

/* The one object of a class the URI names on the token. */
static CK_RV find_one(struct tool *t, CK_SESSION_HANDLE s, P11KitUri *uri,
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
	struct order *o = arg;
	CK_RV rv;

	if (o->uri != NULL &&
	    (rv = find_one(t, tok->session, o->uri, CKO_PRIVATE_KEY,
			   &o->params.hKey)) != CKR_OK)
		return tool_error("--stored-key: no private key: %s",
				  p11_kit_strerror(rv));
	return submit(t, tok->session, o);
}

/* A CSR of the certificate's subject and key, signed on the token. */
static int renew_token(struct tool *t, struct tool_token *tok, void *arg)
{
	struct order *o = arg;
	CK_OBJECT_HANDLE cert_h, key;
	CK_ULONG n = 0;
	X509 *cert = NULL;
	X509_REQ *req = NULL;
	const char *why = NULL;
	char *label = NULL;
	int len, status;
	CK_RV rv = find_one(t, tok->session, o->uri, CKO_CERTIFICATE, &cert_h);

	if (rv != CKR_OK)
		return tool_error("renew: no certificate: %s", p11_kit_strerror(rv));
	if ((cert = tool_certificate(t, tok->session, cert_h)) == NULL)
		return 1;
	rv = tool_key_of_certificate(t, tok->session, cert_h, &key, &n);
	if (rv != CKR_OK || n == 0)
		why = rv != CKR_OK ? p11_kit_strerror(rv)
				   : "no private key has the certificate's CKA_ID";
	else
		req = tool_csr(t, tok->session, key, cert, &why);
	o->params.hKey = key; /* the new container holds it too */
	X509_free(cert);
	if (req == NULL)
		return tool_error("renew: %s", why);
	o->csr = NULL;
	len = i2d_X509_REQ(req, &o->csr);
	X509_REQ_free(req);
	if (len <= 0)
		return tool_error("renew: out of memory");
	o->params.ulRequestType = KMP11_REQUEST_CUSTOM;
	o->params.pRequest = o->csr;
	o->params.ulRequestLen = (CK_ULONG)len;
	o->label = label = tool_label(t, tok->session, cert_h);
	status = submit(t, tok->session, o);
	free(label);
	return status;
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

static bool parse_wait(const char *text, CK_ULONG *out)
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
	struct order o = {.params = {.ulWaitSeconds = 60}};
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
		else if (c != 'w' || !parse_wait(optarg, &o.params.ulWaitSeconds))
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

int cmd_renew(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"wait", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	struct order o = {.params = {.ulWaitSeconds = 60}};
	int status = 0;

	for (int c; (c = getopt_long(argc, argv, "w:h", opts, NULL)) != -1;)
		if (c != 'w' || !parse_wait(optarg, &o.params.ulWaitSeconds))
			status = 2;
	if (status != 0 || argc - optind != 1)
		return tool_error("usage: renew CERT_URI [--wait SECONDS]") + 1;
	if ((o.uri = tool_uri(argv[optind])) == NULL)
		return tool_error("not a PKCS#11 URI: %s", argv[optind]);
	t->rw = true;
	status = tool_single_token(t, o.uri, renew_token, &o);
	p11_kit_uri_free(o.uri);
	OPENSSL_free(o.csr);
	return status;
}

static int orders_token(struct tool *t, struct tool_token *tok, void *arg)
{
	CK_OBJECT_CLASS klass = CKO_KMP11_ORDER;
	CK_ATTRIBUTE templ = {CKA_CLASS, &klass, sizeof(klass)};
	CK_OBJECT_HANDLE *found;
	CK_ULONG n;
	CK_RV rv = tool_find(t, tok->session, &templ, 1, &found, &n);

	(void)arg;
	if (rv != CKR_OK)
		return tool_error("listing the orders: %s", p11_kit_strerror(rv));
	for (CK_ULONG i = 0; i < n; i++)
		print_order(t, tok->session, found[i]);
	free(found);
	return 0;
}

int cmd_orders(struct tool *t, int argc, char **argv)
{
	P11KitUri *uri;
	int status;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return tool_error("usage: orders [URI]") + 1;
	if ((uri = tool_uri(argc == 2 ? argv[1] : NULL)) == NULL)
		return tool_error("not a PKCS#11 URI: %s", argv[1]);
	status = tool_each_token(t, uri, orders_token, NULL);
	p11_kit_uri_free(uri);
	return status;
}
