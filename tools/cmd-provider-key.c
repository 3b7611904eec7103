/*
 * kmp11-tool provider-key URI|LABEL [-o FILE]: the key file that servers
 * without OSSL_STORE support (nginx 1.22, haproxy 2.6) load through
 * OpenSSL 3's pkcs11-provider. It holds no key, only a PEM block naming
 * one: "PKCS#11 PROVIDER URI", the DER of
 *
 *     SEQUENCE { VisibleString "PKCS#11 Provider URI v1.0",
 *                UTF8String    <the key's pkcs11: URI> }
 *
 * which the provider's decoder turns into the key in kmp11.
 *
 * The URI written names the newest private key the argument matches by
 * token, label and CKA_ID (its container's uuid): pkcs11-provider takes
 * the first of several matches, the oldest container, where kmp11 and
 * libp11 mean the newest. Pinned to one container, the file follows a
 * renewal when it is written again, as `deploy --provider-key` does.
 */
#include "tools/deploy.h"
#include "tools/orders.h"
#include "tools/output.h"

#include <getopt.h>
#include <openssl/asn1t.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#define URI_PEM_NAME "PKCS#11 PROVIDER URI"
#define URI_PEM_VERSION "PKCS#11 Provider URI v1.0"

typedef struct {
	ASN1_VISIBLESTRING *version;
	ASN1_UTF8STRING *uri;
} KEY_URI;

ASN1_SEQUENCE(KEY_URI) = {
	ASN1_SIMPLE(KEY_URI, version, ASN1_VISIBLESTRING),
	ASN1_SIMPLE(KEY_URI, uri, ASN1_UTF8STRING),
} static_ASN1_SEQUENCE_END(KEY_URI)

/* The PEM block naming uri; false when out of memory or not written. */
static bool write_uri_pem(BIO *out, const char *uri)
{
	ASN1_VISIBLESTRING version = {
		.type = V_ASN1_VISIBLESTRING,
		.length = (int)strlen(URI_PEM_VERSION),
		.data = (unsigned char *)URI_PEM_VERSION};
	ASN1_UTF8STRING text = {.type = V_ASN1_UTF8STRING,
				.length = (int)strlen(uri),
				.data = (unsigned char *)uri};
	KEY_URI value = {.version = &version, .uri = &text};
	unsigned char *der = NULL;
	int len = ASN1_item_i2d((ASN1_VALUE *)&value, &der,
				ASN1_ITEM_rptr(KEY_URI));
	bool ok = len > 0 && PEM_write_bio(out, URI_PEM_NAME, "", der, len) > 0;

	OPENSSL_free(der);
	return ok;
}

struct provider_key {
	P11KitUri *uri;
	BIO *out;
	bool done;
};

static int key_token(struct tool *t, struct tool_token *tok, void *arg)
{
	struct provider_key *k = arg;
	CK_OBJECT_HANDLE key;
	struct tool_record r;
	CK_RV rv;

	if (k->done)
		return 0; /* an earlier token had it */
	/* Of several, the newest container of that name. */
	rv = tool_find_one(t, tok->session, k->uri, CKO_PRIVATE_KEY, &key);
	if (rv == CKR_OBJECT_HANDLE_INVALID)
		return 0; /* maybe on the next token */
	if (rv != CKR_OK)
		return tool_find_failed(rv);
	if (!tool_record_read(t, tok, key, &r))
		return TOOL_FAILED;
	k->done = r.uri != NULL && write_uri_pem(k->out, r.uri);
	tool_record_free(&r);
	return k->done ? 0 : tool_error("provider-key: cannot write the PEM");
}

int tool_provider_key(struct tool *t, P11KitUri *uri, const char *uri_text,
		      BIO *out)
{
	struct provider_key k = {.uri = uri, .out = out};
	int status = tool_each_token(t, uri, key_token, &k);

	if (status == 0 && !k.done) {
		tool_error("provider-key: no private key matches %s", uri_text);
		status = TOOL_NO_MATCH;
	}
	return status;
}

struct key_file {
	P11KitUri *uri;
	const char *uri_text;
};

static int fill_key_file(struct tool *t, BIO *out, void *arg)
{
	struct key_file *f = arg;

	return tool_provider_key(t, f->uri, f->uri_text, out);
}

int tool_provider_key_file(struct tool *t, P11KitUri *uri,
			   const char *uri_text, const char *path)
{
	struct key_file f = {.uri = uri, .uri_text = uri_text};

	return tool_write_file(t, path, fill_key_file, &f);
}

/* A URI, or a label: the objects of that label. */
static P11KitUri *uri_or_label(const char *arg)
{
	P11KitUri *uri;
	CK_ATTRIBUTE label = {CKA_LABEL, (void *)arg, strlen(arg)};

	if (strncmp(arg, "pkcs11:", 7) == 0)
		return tool_uri(arg);
	if ((uri = tool_uri(NULL)) != NULL &&
	    p11_kit_uri_set_attribute(uri, &label) != P11_KIT_URI_OK) {
		tool_error("out of memory");
		p11_kit_uri_free(uri);
		uri = NULL;
	}
	return uri;
}

static int usage(FILE *out, int status)
{
	fputs("usage: kmp11-tool provider-key URI|LABEL [-o FILE]\n"
	      "Writes the key file of OpenSSL 3's pkcs11-provider (a PKCS#11 "
	      "PROVIDER URI\nPEM block) naming the newest private key the URI "
	      "or label matches, by\nits container's id: nginx's "
	      "ssl_certificate_key, haproxy's crt file.\n",
	      out);
	return status;
}

int cmd_provider_key(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	const char *output = NULL;
	struct key_file f;
	int c, status;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) == 'o')
		output = optarg;
	if (c == 'h')
		return usage(stdout, TOOL_OK);
	if (c != -1)
		return TOOL_USAGE;
	if (argc - optind != 1) {
		tool_error("provider-key: one URI or label expected");
		return TOOL_USAGE;
	}
	f.uri_text = argv[optind];
	if ((f.uri = uri_or_label(f.uri_text)) == NULL)
		return TOOL_USAGE;
	status = tool_write_output(t, output, fill_key_file, &f);
	p11_kit_uri_free(f.uri);
	return status;
}
