/* kmp11-tool export-cert URI [-o FILE]: certificate and chain as PEM. */
#include "tools/deploy.h"

#include <getopt.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct export {
	P11KitUri *uri;
	const char *uri_text;
	bool chain;
	BIO *out;
	bool key_uri; /* the provider's key block after the chain */
	bool done;
};

static int export_token(struct tool *t, struct tool_token *tok, void *arg)
{
	struct export *e = arg;
	STACK_OF(X509) *certs, *chain = NULL;
	X509 *leaf;
	int status;

	if (e->done)
		return 0; /* an earlier token had it */
	if ((status = tool_find_certificates(t, tok, e->uri, &certs)) != 0)
		return status;
	if (sk_X509_num(certs) == 0) {
		sk_X509_pop_free(certs, X509_free);
		return 0; /* maybe on the next token */
	}
	/* Of several, the last: the newest container of that name. */
	leaf = sk_X509_value(certs, sk_X509_num(certs) - 1);
	if (e->chain)
		chain = tool_chain(t, tok, leaf);
	/* A certificate or issuer the Key Manager did not give: the newest
	 * of the name, or the chain, may be what is missing. */
	if ((status = tool_read_status(t, 0)) != 0) {
		sk_X509_pop_free(chain, X509_free);
		sk_X509_pop_free(certs, X509_free);
		return status;
	}
	status = !PEM_write_bio_X509(e->out, leaf);
	for (int i = 0; status == 0 && i < sk_X509_num(chain); i++)
		status = !PEM_write_bio_X509(e->out, sk_X509_value(chain, i));
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(certs, X509_free);
	if (status != 0)
		return tool_error("export-cert: cannot write the PEM");
	e->done = true;
	return 0;
}

static int export_all(struct tool *t, struct export *e)
{
	int status = tool_read_status(t, tool_each_token(t, e->uri, export_token, e));

	if (status == 0 && !e->done) {
		tool_error("export-cert: no certificate matches %s", e->uri_text);
		status = TOOL_NO_MATCH;
	}
	return status;
}

int tool_write_file(struct tool *t, const char *path,
		    int (*fill)(struct tool *, BIO *, void *), void *arg)
{
	size_t len = strlen(path);
	char *tmp = malloc(len + 8);
	int fd = -1, status;
	BIO *out = NULL;

	if (tmp == NULL)
		return tool_error("out of memory");
	snprintf(tmp, len + 8, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0 || (out = BIO_new_fd(fd, BIO_CLOSE)) == NULL) {
		status = tool_error("cannot create %s", tmp);
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return status;
	}
	status = fill(t, out, arg);
	if (status == 0 && BIO_flush(out) != 1)
		status = tool_error("cannot write %s", tmp);
	BIO_free(out);
	if (status == 0 && (chmod(tmp, 0644) != 0 || rename(tmp, path) != 0))
		status = tool_error("cannot write %s", path);
	if (status != 0)
		unlink(tmp);
	free(tmp);
	return status;
}

int tool_write_output(struct tool *t, const char *path,
		      int (*fill)(struct tool *, BIO *, void *), void *arg)
{
	BIO *out;
	int status;

	if (path != NULL)
		return tool_write_file(t, path, fill, arg);
	if ((out = BIO_new_fp(stdout, BIO_NOCLOSE)) == NULL)
		return tool_error("out of memory");
	status = fill(t, out, arg);
	BIO_free(out);
	return status;
}

static int export_fill(struct tool *t, BIO *out, void *arg)
{
	struct export *e = arg;
	int status;

	e->out = out;
	status = export_all(t, e);
	if (status == 0 && e->key_uri)
		status = tool_provider_key(t, e->uri, e->uri_text, out);
	return status;
}

int tool_export_file(struct tool *t, P11KitUri *uri, const char *uri_text,
		     const char *path, bool key_uri)
{
	struct export e = {.uri = uri, .uri_text = uri_text, .chain = true,
			   .key_uri = key_uri};

	return tool_write_file(t, path, export_fill, &e);
}

int cmd_export_cert(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"no-chain", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	struct export e = {.chain = true};
	const char *output = NULL;
	int status;

	for (int c; (c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1;) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'n':
			e.chain = false;
			break;
		case 'h':
			puts("usage: kmp11-tool export-cert URI [-o FILE] "
			     "[--no-chain]\n"
			     "Writes the certificate the URI names, then its "
			     "issuers found on the\ntoken (not the root), as "
			     "PEM: the certificate file of a TLS server.\n"
			     "Of several matches, the last (newest) wins.");
			return 0;
		default:
			return 2;
		}
	}
	if (argc - optind != 1) {
		tool_error("export-cert: one URI expected");
		return TOOL_USAGE;
	}
	e.uri_text = argv[optind];
	if ((e.uri = tool_uri(e.uri_text)) == NULL)
		return 2;
	status = tool_write_output(t, output, export_fill, &e);
	p11_kit_uri_free(e.uri);
	return status;
}
