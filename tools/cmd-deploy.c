/*
 * kmp11-tool deploy CERT_URI [--nginx FILE | --file FILE]
 * [--provider-key KEYFILE] [--check CMD] [--reload CMD]
 * [--haproxy-socket PATH --haproxy-crt NAME]: puts the
 * certificate the URI names (the newest of several) where servers take
 * it, in one step a script or a deploy hook runs after a renewal.
 *
 * A file gets the certificate and its chain atomically, and the key file
 * of pkcs11-provider names the key of the same container (its id changes
 * with each renewal, see cmd-provider-key.c); then the check
 * command runs (nginx: "nginx -t -q", which loads the key through the
 * module as the reload will) and, when it fails, the previous file is put
 * back and nothing is reloaded; then the reload command. haproxy gets the
 * certificate, chain and (extractable) key over its runtime API.
 */
#include "tools/deploy.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct deploy {
	P11KitUri *uri;
	const char *uri_text;
	const char *file, *check, *reload;
	const char *key_file; /* pkcs11-provider's, or NULL */
	const char *socket, *crt;
};

static int run(const char *what, const char *cmd)
{
	int status;

	fflush(stdout);
	status = system(cmd);
	if (status == 0)
		return TOOL_OK;
	return tool_error("deploy: the %s command failed (%s %d): %s", what,
			  WIFEXITED(status) ? "exit" : "status",
			  WIFEXITED(status) ? WEXITSTATUS(status) : status, cmd);
}

/* The whole file into *data (NULL when there is none); false when it
 * exists and cannot be read. */
static bool slurp(const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *grown;
	size_t cap = 0, got;

	*data = NULL;
	*len = 0;
	if (f == NULL)
		return errno == ENOENT;
	do {
		if (*len == cap) {
			if ((grown = realloc(*data, cap + 65536)) == NULL)
				break;
			*data = grown;
			cap += 65536;
		}
		got = fread(*data + *len, 1, cap - *len, f);
		*len += got;
	} while (got > 0);
	if (ferror(f) || *len == cap) { /* a read error, or out of memory */
		free(*data);
		*data = NULL;
		fclose(f);
		return false;
	}
	fclose(f);
	return true;
}

/* The file as it was before: its content back in place, atomically, or
 * no file when there was none. */
static bool restore(const char *path, const char *data, size_t len)
{
	char tmp[4096];
	FILE *f;
	bool ok;

	if (data == NULL)
		return unlink(path) == 0;
	snprintf(tmp, sizeof(tmp), "%s.kmp11-restore", path);
	if ((f = fopen(tmp, "wb")) == NULL)
		return false;
	ok = fwrite(data, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	return ok && rename(tmp, path) == 0;
}

/* A file deploy writes, and what it held before (NULL: no file). */
struct saved {
	const char *path;
	char *data;
	size_t len;
};

/* Every written file back as it was, or a message saying which is not. */
static void restore_all(const struct saved *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tool_error("deploy: %s %s", s[i].path,
			   restore(s[i].path, s[i].data, s[i].len)
				   ? "is back as it was; nothing was reloaded"
				   : "could not be put back as it was");
}

/* The certificate file, and the provider's key file when it is another;
 * all of them or, put back, none. */
static int write_files(struct tool *t, const struct deploy *d,
		       const struct saved *s, size_t n)
{
	bool combined = d->key_file != NULL && n == 1;
	int status = tool_export_file(t, d->uri, d->uri_text, d->file, combined);

	if (status == TOOL_OK && n == 2)
		status = tool_provider_key_file(t, d->uri, d->uri_text,
						d->key_file);
	if (status == TOOL_OK && d->check != NULL &&
	    (status = run("check", d->check)) != TOOL_OK)
		restore_all(s, n);
	else if (status != TOOL_OK && n == 2)
		restore_all(s, 1); /* the certificate without its key */
	return status;
}

static int deploy_file(struct tool *t, const struct deploy *d)
{
	struct saved s[2] = {{.path = d->file}, {.path = d->key_file}};
	size_t n = d->key_file && strcmp(d->key_file, d->file) != 0 ? 2 : 1;
	int status = TOOL_OK;

	for (size_t i = 0; i < n && status == TOOL_OK; i++)
		if (!slurp(s[i].path, &s[i].data, &s[i].len))
			status = tool_error("deploy: %s cannot be read: %m; "
					    "nothing changed", s[i].path);
	if (status == TOOL_OK)
		status = write_files(t, d, s, n);
	if (status == TOOL_OK && d->reload != NULL)
		status = run("reload", d->reload);
	if (status == TOOL_OK)
		printf("deployed %s to %s\n", d->uri_text, d->file);
	if (status == TOOL_OK && n == 2)
		printf("deployed the key of %s to %s\n", d->uri_text, d->key_file);
	for (size_t i = 0; i < n; i++)
		free(s[i].data);
	return status;
}

static int usage(FILE *out, int status)
{
	fputs("usage: kmp11-tool deploy CERT_URI [--nginx FILE | --file FILE]\n"
	      "         [--provider-key KEYFILE] [--check CMD] [--reload CMD]\n"
	      "         [--haproxy-socket PATH --haproxy-crt NAME]\n"
	      "Writes the certificate the URI names (the newest) and its chain "
	      "to FILE\natomically, runs the check command (--nginx: 'nginx -t "
	      "-q'), puts the\nprevious file back if it fails, else runs the "
	      "reload command (--nginx:\n'nginx -s reload'). --provider-key "
	      "also writes the key's PKCS#11 PROVIDER\nURI block "
	      "(pkcs11-provider's key file), after the chain when KEYFILE "
	      "is\nFILE. Pushes certificate, chain and extractable key into "
	      "haproxy over\nits runtime API.\n",
	      out);
	return status;
}

/* Options into d; TOOL_USAGE when they do not make a deployment. */
static int parse(int argc, char **argv, struct deploy *d)
{
	static const struct option opts[] = {
		{"nginx", required_argument, NULL, 'N'},
		{"file", required_argument, NULL, 'f'},
		{"check", required_argument, NULL, 'c'},
		{"reload", required_argument, NULL, 'r'},
		{"provider-key", required_argument, NULL, 'k'},
		{"haproxy-socket", required_argument, NULL, 's'},
		{"haproxy-crt", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	bool nginx = false;

	for (int c; (c = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
		switch (c) {
		case 'N': nginx = true; /* fall through */
		case 'f': d->file = optarg; break;
		case 'c': d->check = optarg; break;
		case 'r': d->reload = optarg; break;
		case 'k': d->key_file = optarg; break;
		case 's': d->socket = optarg; break;
		case 'C': d->crt = optarg; break;
		case 'h': return usage(stdout, -1);
		default: return TOOL_USAGE;
		}
	}
	if (nginx && d->check == NULL)
		d->check = "nginx -t -q";
	if (nginx && d->reload == NULL)
		d->reload = "nginx -s reload";
	if (argc - optind != 1 || (d->socket == NULL) != (d->crt == NULL) ||
	    (d->file == NULL && d->socket == NULL) ||
	    (d->file == NULL && (d->check || d->reload || d->key_file)))
		return usage(stderr, TOOL_USAGE);
	d->uri_text = argv[optind];
	return (d->uri = tool_uri(d->uri_text)) ? TOOL_OK : TOOL_USAGE;
}

int cmd_deploy(struct tool *t, int argc, char **argv)
{
	struct deploy d = {0};
	int status = parse(argc, argv, &d);

	if (status != TOOL_OK)
		return status < 0 ? TOOL_OK : status;
	if (d.file != NULL)
		status = deploy_file(t, &d);
	if (status == TOOL_OK && d.socket != NULL)
		status = tool_haproxy_push(t, d.uri, d.uri_text, d.socket, d.crt);
	p11_kit_uri_free(d.uri);
	return status;
}
