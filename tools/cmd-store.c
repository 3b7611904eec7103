/*
 * kmp11-tool store [URI] --cert FILE --key FILE [--chain FILE]
 * [--label NAME] [--force]: a certificate, its private key and its chain
 * written to the token, which makes them one certificate container. A
 * certificate the token has already (under any label) is refused without
 * --force: finding it reads every certificate of the token once.
 */
#include "tools/templates.h"
#include "tools/tool.h"

#include <getopt.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <p11-kit/p11-kit.h>
#include <string.h>

struct store {
	X509 *cert;
	STACK_OF(X509) *chain;
	EVP_PKEY *key;
	const char *label;
	bool force; /* store a certificate the token already has */
};

/* No passphrase prompt: an encrypted key file is an error. */
static int no_passphrase(char *buf, int size, int rw, void *u)
{
	(void)buf, (void)size, (void)rw, (void)u;
	return -1;
}

/* Every certificate of a PEM file, appended to certs. */
static int read_certs(const char *path, STACK_OF(X509) *certs)
{
	BIO *b = BIO_new_file(path, "r");
	X509 *x;
	int n = 0;

	while (b != NULL && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL &&
	       sk_X509_push(certs, x))
		n++;
	BIO_free(b);
	ERR_clear_error();
	return n > 0 ? 0 : tool_error("%s: no PEM certificate", path);
}

static int read_key(const char *path, EVP_PKEY **key)
{
	BIO *b = BIO_new_file(path, "r");

	*key = b ? PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL) : NULL;
	BIO_free(b);
	ERR_clear_error();
	return *key ? 0 : tool_error("%s: no unencrypted PEM private key", path);
}

/* One C_CreateObject; the template is freed. */
static int create(struct tool *t, CK_SESSION_HANDLE s, struct tool_template *tp,
		  bool built, const char *what)
{
	CK_OBJECT_HANDLE h;
	CK_RV rv = built ? t->f->C_CreateObject(s, tp->attrs, tp->n, &h)
			 : CKR_HOST_MEMORY;

	tool_template_free(tp);
	if (rv == CKR_OK)
		return TOOL_OK;
	tool_error("writing the %s: %s", what, p11_kit_strerror(rv));
	return tool_status_of(rv);
}

/* The certificate is on the token already (under any label): storing it
 * again makes a second container that only --force asks for. */
static int already_stored(struct tool *t, CK_SESSION_HANDLE s, X509 *cert)
{
	CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der);
	CK_ATTRIBUTE templ[] = {{CKA_CLASS, &klass, sizeof(klass)},
				{CKA_VALUE, der, len > 0 ? (CK_ULONG)len : 0}};
	CK_OBJECT_HANDLE *found = NULL;
	CK_ULONG n = 0;
	char *label, uuid[37];
	unsigned char *id;
	CK_ULONG id_len;
	CK_RV rv = len > 0 ? tool_find(t, s, templ, 2, &found, &n) : CKR_HOST_MEMORY;
	int status = TOOL_OK;

	if (rv != CKR_OK) {
		tool_error("store: %s", p11_kit_strerror(rv));
		status = tool_status_of(rv);
	} else if (n > 0) {
		label = tool_label(t, s, found[n - 1]);
		if (tool_attr(t, s, found[n - 1], CKA_ID, &id, &id_len) != CKR_OK ||
		    !tool_id_uuid(id, id_len, uuid))
			strcpy(uuid, "?");
		status = tool_error("store: the certificate is stored already, as "
				    "'%s' (%s); --force stores another copy",
				    label, uuid);
		free(label);
		free(id);
	}
	OPENSSL_free(der);
	free(found);
	return status;
}

static int store_token(struct tool *t, struct tool_token *tok, void *arg)
{
	struct store *st = arg;
	struct tool_template tp;
	int status;

	if (!X509_check_private_key(st->cert, st->key))
		return tool_error("the key is not the certificate's");
	if (!st->force && (status = already_stored(t, tok->session, st->cert)) != 0)
		return status;
	/* One label and no CKA_ID: kmp11 pairs the key, the certificate of
	 * its public key and the chain that issued it into one container,
	 * whose objects show its uuid as their CKA_ID. */
	status = create(t, tok->session, &tp,
			tool_template_key(&tp, st->key, st->label),
			"private key");
	if (status == 0)
		status = create(t, tok->session, &tp,
				tool_template_cert(&tp, st->cert, st->label, false),
				"certificate");
	for (int i = 0; status == 0 && i < sk_X509_num(st->chain); i++)
		status = create(t, tok->session, &tp,
				tool_template_cert(&tp, sk_X509_value(st->chain, i),
						   st->label, true),
				"chain");
	if (status == 0)
		printf("stored '%s': certificate, key and %d chain certificates\n",
		       st->label, sk_X509_num(st->chain));
	return status;
}

int cmd_store(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"cert", required_argument, NULL, 'c'},
		{"key", required_argument, NULL, 'k'},
		{"chain", required_argument, NULL, 'C'},
		{"label", required_argument, NULL, 'l'},
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	const char *cert = NULL, *key = NULL, *chain = NULL;
	char cn[256];
	STACK_OF(X509) *certs = sk_X509_new_null();
	struct store st = {.chain = sk_X509_new_null()};
	P11KitUri *uri = NULL;
	int status = 0;

	for (int c; (c = getopt_long(argc, argv, "c:k:C:l:fh", opts, NULL)) != -1;) {
		if (c == 'f')
			st.force = true;
		else if (c == 'c')
			cert = optarg;
		else if (c == 'k')
			key = optarg;
		else if (c == 'C')
			chain = optarg;
		else if (c == 'l')
			st.label = optarg;
		else
			status = 2;
	}
	if (status != 0 || cert == NULL || key == NULL || argc - optind > 1) {
		sk_X509_free(certs);
		sk_X509_free(st.chain);
		tool_error("usage: store [URI] --cert FILE --key FILE "
			   "[--chain FILE] [--label NAME] [--force]");
		return TOOL_USAGE;
	}
	/* The certificate file may carry the chain after the certificate. */
	status = read_certs(cert, certs);
	if (status == 0 && chain != NULL)
		status = read_certs(chain, st.chain);
	if (status == 0)
		status = read_key(key, &st.key);
	if (status == 0) {
		st.cert = sk_X509_shift(certs);
		while (sk_X509_num(certs) > 0)
			sk_X509_unshift(st.chain, sk_X509_pop(certs));
		if (st.label == NULL &&
		    X509_NAME_get_text_by_NID(X509_get_subject_name(st.cert),
					      NID_commonName, cn, sizeof(cn)) > 0)
			st.label = cn;
		if (st.label == NULL)
			status = tool_error("the certificate has no CN: give --label");
	}
	if (status == 0 && (uri = tool_uri(optind < argc ? argv[optind] : NULL)) == NULL)
		status = tool_error("not a PKCS#11 URI: %s", argv[optind]);
	t->rw = true;
	if (status == 0)
		status = tool_single_token(t, uri, store_token, &st);
	p11_kit_uri_free(uri);
	X509_free(st.cert);
	EVP_PKEY_free(st.key);
	sk_X509_pop_free(certs, X509_free);
	sk_X509_pop_free(st.chain, X509_free);
	return status;
}
