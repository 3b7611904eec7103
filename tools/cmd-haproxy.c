/*
 * kmp11-tool haproxy-sync URI --socket PATH --crt NAME [--watch SECONDS]:
 * pushes a certificate container (certificate, chain, key) into a running
 * haproxy through its runtime API ("set ssl cert" + "commit ssl cert"),
 * once or again whenever a renewed container appears under the name.
 * The key only exists in memory here and in haproxy; it needs a token
 * with "extractable = yes".
 */
#include "tools/deploy.h"

#include <errno.h>
#include <getopt.h>
#include <openssl/pem.h>
#include <p11-kit/p11-kit.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct sync {
	P11KitUri *uri;
	const char *uri_text, *socket, *crt;
	BIO *pem;               /* certificate, chain and key, as haproxy wants */
	unsigned char *pushed;  /* DER of the certificate pushed last */
	int pushed_len;
	unsigned char *found;   /* DER of the certificate found this round */
	int found_len;
	char subject[256];
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig) { stopping = sig; }

/* Collects the newest matching certificate, its chain and its key into
 * s->pem; nothing when an earlier token had one. */
static int collect_token(struct tool *t, struct tool_token *tok, void *arg)
{
	struct sync *s = arg;
	CK_OBJECT_HANDLE *found, key;
	CK_ULONG count, n_keys = 0;
	STACK_OF(X509) *chain = NULL;
	EVP_PKEY *pkey = NULL;
	X509 *cert = NULL;
	const char *why = NULL;
	CK_RV rv;

	if (s->found != NULL)
		return 0;
	if ((rv = tool_find_leaves(t, tok, s->uri, &found, &count)) != CKR_OK) {
		tool_error("C_FindObjects: %s", p11_kit_strerror(rv));
		return tool_status_of(rv);
	}
	if (count == 0) {
		free(found);
		return 0;
	}
	/* Of several, the last: the newest container of that name. */
	if ((cert = tool_certificate(t, tok->session, found[count - 1])) == NULL)
		why = "its certificate is unreadable";
	else if (tool_key_of_certificate(t, tok->session, found[count - 1],
					 &key, &n_keys) != CKR_OK ||
		 n_keys == 0)
		why = "no private key has the certificate's CKA_ID";
	else if ((pkey = tool_private_key(t, tok->session, key, &why)) != NULL)
		chain = tool_chain(t, tok, cert);
	free(found);
	if (pkey != NULL && chain != NULL) {
		bool ok = PEM_write_bio_X509(s->pem, cert);
		for (int i = 0; ok && i < sk_X509_num(chain); i++)
			ok = PEM_write_bio_X509(s->pem, sk_X509_value(chain, i));
		if (ok && PEM_write_bio_PrivateKey(s->pem, pkey, NULL, NULL, 0,
						   NULL, NULL) &&
		    (s->found_len = i2d_X509(cert, &s->found)) > 0)
			X509_NAME_oneline(X509_get_subject_name(cert),
					  s->subject, sizeof(s->subject));
		else
			why = "cannot encode the certificate and key";
	}
	sk_X509_pop_free(chain, X509_free);
	EVP_PKEY_free(pkey);
	X509_free(cert);
	if (why != NULL)
		return tool_read_status(t, tool_error("haproxy-sync: %s: %s",
						      s->uri_text, why));
	return 0;
}

static bool write_all(int fd, const char *data, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, data, len)) < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		data += w;
		len -= (size_t)w;
	}
	return true;
}

/* One runtime API command; haproxy answers and closes. The answer, which
 * never holds the key, goes to reply. */
static bool haproxy_command(const char *path, const char *cmd, BIO *payload,
			    char *reply, size_t reply_size)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct timeval timeout = {.tv_sec = 10};
	char *data = NULL;
	long len = payload ? BIO_get_mem_data(payload, &data) : 0;
	size_t got = 0;
	ssize_t r;
	int fd;
	bool ok;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(reply, reply_size, "socket path too long");
		return false;
	}
	strcpy(addr.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		snprintf(reply, reply_size, "cannot connect to %s: %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	/* A payload follows "<<" and ends with an empty line. */
	ok = write_all(fd, cmd, strlen(cmd)) &&
	     (payload == NULL || (write_all(fd, " <<\n", 4) &&
				  write_all(fd, data, (size_t)len))) &&
	     write_all(fd, "\n", 1);
	if (!ok)
		snprintf(reply, reply_size, "cannot send the command: %s",
			 strerror(errno));
	while (ok && got + 1 < reply_size &&
	       (r = read(fd, reply + got, reply_size - 1 - got)) > 0)
		got += (size_t)r;
	if (ok)
		reply[got] = '\0';
	close(fd);
	return ok;
}

/* Pushes s->pem as a new version of s->crt and commits it. */
static int push(struct sync *s)
{
	char cmd[4200], reply[4096], ignored[256];

	snprintf(cmd, sizeof(cmd), "set ssl cert %s", s->crt);
	if (!haproxy_command(s->socket, cmd, s->pem, reply, sizeof(reply)) ||
	    strstr(reply, "Transaction") == NULL)
		return tool_error("haproxy-sync: set ssl cert %s: %s", s->crt,
				  reply);
	snprintf(cmd, sizeof(cmd), "commit ssl cert %s", s->crt);
	if (!haproxy_command(s->socket, cmd, NULL, reply, sizeof(reply)) ||
	    strstr(reply, "Success") == NULL) {
		snprintf(cmd, sizeof(cmd), "abort ssl cert %s", s->crt);
		haproxy_command(s->socket, cmd, NULL, ignored, sizeof(ignored));
		return tool_error("haproxy-sync: commit ssl cert %s: %s",
				  s->crt, reply);
	}
	printf("pushed %s to haproxy as %s\n", s->subject, s->crt);
	fflush(stdout);
	return 0;
}

/* One round: read the container, push it when it is not the one pushed. */
static int sync_once(struct tool *t, struct sync *s)
{
	int status;

	t->km_rv = CKR_OK; /* each round says what it met */
	s->pem = BIO_new(BIO_s_secmem());
	if (s->pem == NULL)
		return tool_error("out of memory");
	status = tool_each_token(t, s->uri, collect_token, s);
	if (status == 0 && s->found == NULL) {
		tool_error("haproxy-sync: no certificate matches %s", s->uri_text);
		status = TOOL_NO_MATCH;
	}
	if (status == 0 && (s->pushed == NULL || s->found_len != s->pushed_len ||
			    memcmp(s->found, s->pushed, (size_t)s->found_len))) {
		if ((status = push(s)) == 0) {
			OPENSSL_free(s->pushed);
			s->pushed = s->found;
			s->pushed_len = s->found_len;
			s->found = NULL;
		}
	}
	OPENSSL_free(s->found);
	s->found = NULL;
	BIO_free(s->pem); /* a secure-heap BIO: cleared when freed */
	return status;
}

int tool_haproxy_push(struct tool *t, P11KitUri *uri, const char *uri_text,
		      const char *socket, const char *crt)
{
	struct sync s = {.uri = uri, .uri_text = uri_text, .socket = socket,
			 .crt = crt};
	int status;

	signal(SIGPIPE, SIG_IGN);
	status = sync_once(t, &s);
	OPENSSL_free(s.pushed);
	return status;
}

static int usage(void)
{
	puts("usage: kmp11-tool haproxy-sync URI --socket PATH --crt NAME "
	     "[--watch SECONDS]\n"
	     "Pushes the certificate the URI names (the newest of several), "
	     "its chain\nand its private key into a running haproxy through "
	     "its runtime API\nsocket (level admin): 'set ssl cert NAME' then "
	     "'commit ssl cert NAME',\nNAME being a crt haproxy loaded at "
	     "start. With --watch, checks again\nevery SECONDS and pushes "
	     "whenever a renewed container appears. The\nkey must be "
	     "extractable: 'extractable = yes' on its token.");
	return 0;
}

int cmd_haproxy_sync(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"crt", required_argument, NULL, 'c'},
		{"watch", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	struct sync s = {0};
	long watch = 0;
	char *end;
	int status;

	for (int c; (c = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
		switch (c) {
		case 's':
			s.socket = optarg;
			break;
		case 'c':
			s.crt = optarg;
			break;
		case 'w':
			watch = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || watch < 1 ||
			    watch > 86400)
				return tool_error("haproxy-sync: --watch %s: "
						  "not 1..86400 seconds",
						  optarg) + 1;
			break;
		case 'h':
			return usage();
		default:
			return 2;
		}
	}
	if (argc - optind != 1 || s.socket == NULL || s.crt == NULL)
		return tool_error("haproxy-sync: URI, --socket and --crt are "
				  "required") + 1;
	if (strpbrk(s.crt, " \n") != NULL)
		return tool_error("haproxy-sync: --crt %s: no spaces or new "
				  "lines", s.crt) + 1;
	s.uri_text = argv[optind];
	if ((s.uri = tool_uri(s.uri_text)) == NULL)
		return 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	status = sync_once(t, &s);
	/* Watching survives a failed round: the Key Manager or haproxy
	 * may be back by the next one. */
	while (watch > 0 && !stopping) {
		struct timespec left = {.tv_sec = watch};
		while (nanosleep(&left, &left) != 0 && !stopping)
			;
		if (!stopping)
			status = sync_once(t, &s);
	}
	OPENSSL_free(s.pushed);
	p11_kit_uri_free(s.uri);
	return status;
}
