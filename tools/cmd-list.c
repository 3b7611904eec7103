/* kmp11-tool list [URI]: tokens and their objects, with expiry dates. */
#include "tools/tool.h"

#include <getopt.h>
#include <p11-kit/p11-kit.h>
#include <stdlib.h>
#include <string.h>

static const char *class_name(CK_OBJECT_CLASS c)
{
	switch (c) {
	case CKO_CERTIFICATE: return "cert";
	case CKO_PRIVATE_KEY: return "private";
	case CKO_PUBLIC_KEY: return "public";
	case CKO_SECRET_KEY: return "secret-key";
	case CKO_DATA: return "data";
	default: return "other";
	}
}

/* The URI of an object: its token, class, id and label. */
static char *object_uri(struct tool *t, struct tool_token *tok,
			CK_OBJECT_HANDLE o, CK_OBJECT_CLASS klass)
{
	P11KitUri *uri = p11_kit_uri_new();
	CK_ATTRIBUTE a;
	unsigned char *value;
	CK_ULONG len;
	char *text = NULL;

	if (uri == NULL)
		return NULL;
	*p11_kit_uri_get_token_info(uri) = tok->info;
	a = (CK_ATTRIBUTE){CKA_CLASS, &klass, sizeof(klass)};
	p11_kit_uri_set_attribute(uri, &a);
	for (int i = 0; i < 2; i++) {
		CK_ATTRIBUTE_TYPE type = i == 0 ? CKA_ID : CKA_LABEL;
		if (tool_attr(t, tok->session, o, type, &value, &len) != CKR_OK)
			continue;
		a = (CK_ATTRIBUTE){type, value, len};
		p11_kit_uri_set_attribute(uri, &a);
		free(value);
	}
	if (p11_kit_uri_format(uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, &text) !=
	    P11_KIT_URI_OK)
		text = NULL;
	p11_kit_uri_free(uri);
	return text;
}

/* "expires YYYY-MM-DD" of a certificate object, or blanks. */
static void expiry(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		   char out[24])
{
	X509 *cert = tool_certificate(t, s, o);
	struct tm tm;

	strcpy(out, "");
	if (cert != NULL && ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm))
		strftime(out, 24, "expires %Y-%m-%d", &tm);
	X509_free(cert);
}

static int list_token(struct tool *t, struct tool_token *tok, void *arg)
{
	P11KitUri *uri = arg;
	CK_ULONG n, count;
	CK_ATTRIBUTE *templ = p11_kit_uri_get_attributes(uri, &n);
	CK_OBJECT_HANDLE *found;
	CK_RV rv;

	printf("token %.*s (serial %.*s)\n",
	       (int)p11_kit_space_strlen(tok->info.label,
					 sizeof(tok->info.label)),
	       tok->info.label,
	       (int)p11_kit_space_strlen(tok->info.serialNumber,
					 sizeof(tok->info.serialNumber)),
	       tok->info.serialNumber);
	rv = tool_find(t, tok->session, templ, n, &found, &count);
	if (rv != CKR_OK)
		return tool_error("C_FindObjects: %s", p11_kit_strerror(rv));
	for (CK_ULONG i = 0; i < count; i++) {
		CK_OBJECT_CLASS klass = (CK_OBJECT_CLASS)-1;
		CK_ATTRIBUTE a = {CKA_CLASS, &klass, sizeof(klass)};
		char when[24] = "";
		char *text;

		t->f->C_GetAttributeValue(tok->session, found[i], &a, 1);
		if (klass == CKO_CERTIFICATE)
			expiry(t, tok->session, found[i], when);
		text = object_uri(t, tok, found[i], klass);
		printf("  %-10s %-18s %s\n", class_name(klass), when,
		       text ? text : "?");
		free(text);
	}
	free(found);
	return 0;
}

int cmd_list(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
					     {0}};
	P11KitUri *uri;
	int status;

	for (int c; (c = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
		if (c == 'h') {
			puts("usage: kmp11-tool list [URI]\n"
			     "Lists the tokens the URI selects (default all) "
			     "and their objects\nthat match it: class, "
			     "expiry of certificates, and the object's URI.");
			return 0;
		}
		return 2;
	}
	if (argc - optind > 1)
		return tool_error("list: one URI at most") + 1;
	if ((uri = tool_uri(optind < argc ? argv[optind] : NULL)) == NULL)
		return 2;
	status = tool_each_token(t, uri, list_token, uri);
	p11_kit_uri_free(uri);
	return status;
}
