/*
 * kmp11-tool renew CERT_URI [--new-key] [--wait SECONDS]
 * [--deploy-hook CMD]: a new certificate for the subject of the one the
 * URI names (the newest of several), issued by the Key Manager's CA into
 * a new container of the same name that holds its key: the same key
 * (the token signs the CSR), or with --new-key a new one like it. Exits
 * as order does; the hook runs after an issued renewal.
 */
#include "tools/orders.h"
#include "tools/renew.h"
#include "tools/sign.h"

#include <getopt.h>
#include <p11-kit/p11-kit.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* The key the renewal's CSR is made with: the certificate's own, or a
 * new one (*made then set, for the cleanup). */
static int renewal_key(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE cert_h,
		       X509 *cert, const char *label, const struct tool_renewal *how,
		       CK_OBJECT_HANDLE *key, EVP_PKEY **pub, bool *made)
{
	const char *why;
	CK_ULONG n = 0;
	CK_RV rv;

	*made = false;
	if (how->new_key) {
		*pub = tool_new_key_like(t, s, X509_get0_pubkey(cert), label, key, &why);
		*made = *pub != NULL;
		return *pub ? TOOL_OK : tool_error("renew '%s': no new key: %s", label, why);
	}
	rv = tool_key_of_certificate(t, s, cert_h, key, &n);
	if (rv != CKR_OK) {
		tool_error("renew '%s': %s", label, p11_kit_strerror(rv));
		return tool_status_of(rv);
	}
	if (n == 0)
		return tool_error("renew '%s': no private key has the certificate's "
				  "CKA_ID; renew --new-key gives it one", label);
	*pub = X509_get_pubkey(cert);
	return *pub ? TOOL_OK : tool_error("renew '%s': out of memory", label);
}

/* The new container's uuid: the end of the order's result ref. */
static char *result_uuid(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE order)
{
	unsigned char *ref;
	CK_ULONG len;
	char *slash, *uuid;

	if (tool_attr(t, s, order, CKA_KMP11_RESULT_REF, &ref, &len) != CKR_OK)
		return strdup("");
	slash = strrchr((char *)ref, '/');
	uuid = strdup(slash ? slash + 1 : (char *)ref);
	free(ref);
	return uuid;
}

/* The URI of the new certificate: its token, id and label, encoded as
 * RFC 7512 says (a label is anyone's text). malloc'd, or NULL. */
static char *renewed_uri(const struct tool_token *tok, const char *label,
			 const char *uuid)
{
	CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
	unsigned char id[16];
	CK_ATTRIBUTE a[] = {{CKA_CLASS, &klass, sizeof(klass)},
			    {CKA_LABEL, (void *)label, strlen(label)},
			    {CKA_ID, id, sizeof(id)}};
	P11KitUri *uri = p11_kit_uri_new();
	char *text = NULL;
	size_t n = tool_uuid_id(uuid, id) ? 3 : 2;

	if (uri == NULL)
		return NULL;
	*p11_kit_uri_get_token_info(uri) = tok->info;
	for (size_t i = 0; i < n; i++)
		p11_kit_uri_set_attribute(uri, &a[i]);
	if (p11_kit_uri_format(uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, &text) != P11_KIT_URI_OK)
		text = NULL;
	p11_kit_uri_free(uri);
	return text;
}

/* Runs the deploy hook with what was renewed in its environment. */
static int deploy_hook(const struct tool_renewal *how, struct tool_token *tok,
		       const char *label, const char *uuid)
{
	char token[33], *uri = renewed_uri(tok, label, uuid);
	int status;

	snprintf(token, sizeof(token), "%.*s",
		 (int)p11_kit_space_strlen(tok->info.label, sizeof(tok->info.label)),
		 tok->info.label);
	setenv("KMP11_RENEWED_TOKEN", token, 1);
	setenv("KMP11_RENEWED_LABEL", label, 1);
	setenv("KMP11_RENEWED_UUID", uuid, 1);
	setenv("KMP11_RENEWED_URI", uri ? uri : "", 1);
	free(uri);
	fflush(stdout);
	status = system(how->deploy_hook);
	if (status == 0)
		return TOOL_OK;
	return tool_error("renew '%s': renewed (%s), but the deploy hook failed "
			  "(%s %d): %s", label, uuid,
			  WIFEXITED(status) ? "exit" : "status",
			  WIFEXITED(status) ? WEXITSTATUS(status) : status,
			  how->deploy_hook);
}

/* The key pair a new key was made in goes: the issued certificate's
 * container holds the key now, or no certificate will (a failed order;
 * a pending one, which kmp11 does not finish: renew again). */
static void drop_key_pair(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
			  const char *label, int status)
{
	CK_RV rv = t->f->C_DestroyObject(s, key);

	if (rv != CKR_OK)
		tool_error("renew '%s': the key pair made for it stays (%s): "
			   "delete '%s.new-key' once done", label,
			   p11_kit_strerror(rv), label);
	else if (status == TOOL_PENDING)
		tool_error("renew '%s': the order is pending; kmp11 does not "
			   "finish it: its new key is deleted, renew again once "
			   "the CA answers", label);
}

/* Orders the renewal of the certificate with key; a new key that did
 * not make it into a certificate is deleted, and one that did leaves its
 * key pair container (the certificate's container holds it now). */
static int order_renewal(struct tool *t, struct tool_token *tok, X509 *cert,
			 const char *label, const struct tool_renewal *how)
{
	CK_OBJECT_HANDLE cert_h = how->cert, key, order;
	struct tool_order o = {.params = {.ulRequestType = KMP11_REQUEST_CUSTOM,
					  .ulWaitSeconds = how->wait},
			       .label = label};
	EVP_PKEY *pub = NULL;
	X509_REQ *req = NULL;
	const char *why = NULL;
	char *uuid;
	bool made;
	int len, status = renewal_key(t, tok->session, cert_h, cert, label, how,
				      &key, &pub, &made);

	if (status == TOOL_OK &&
	    (req = tool_csr(t, tok->session, key, X509_get_subject_name(cert),
			    pub, &why)) == NULL)
		status = tool_read_status(t, tool_error("renew '%s': %s", label, why));
	if (status == TOOL_OK && (len = i2d_X509_REQ(req, &o.csr)) <= 0)
		status = tool_error("renew '%s': out of memory", label);
	if (status == TOOL_OK) {
		o.params.pRequest = o.csr;
		o.params.ulRequestLen = (CK_ULONG)len;
		o.params.hKey = key; /* the new container holds it too */
		status = tool_order_submit(t, tok->session, &o, &order);
	}
	if (made)
		drop_key_pair(t, tok->session, key, label, status);
	if (status == TOOL_OK && how->deploy_hook != NULL) {
		uuid = result_uuid(t, tok->session, order);
		status = deploy_hook(how, tok, label, uuid);
		free(uuid);
	}
	X509_REQ_free(req);
	EVP_PKEY_free(pub);
	OPENSSL_free(o.csr);
	return status;
}

int tool_renew(struct tool *t, struct tool_token *tok, const struct tool_renewal *how)
{
	X509 *cert = tool_certificate(t, tok->session, how->cert);
	char *label = tool_label(t, tok->session, how->cert);
	int status = cert ? order_renewal(t, tok, cert, label, how)
			  : tool_read_status(t, TOOL_FAILED);

	X509_free(cert);
	free(label);
	return status;
}

static int renew_token(struct tool *t, struct tool_token *tok, void *arg)
{
	struct tool_renewal *how = arg;
	CK_RV rv = tool_find_one(t, tok->session, how->uri, CKO_CERTIFICATE,
				 &how->cert);

	if (rv == CKR_OBJECT_HANDLE_INVALID) {
		tool_error("renew: no certificate matches the URI");
		return TOOL_NO_MATCH;
	}
	if (rv != CKR_OK) {
		tool_error("renew: %s", p11_kit_strerror(rv));
		return tool_status_of(rv);
	}
	return tool_renew(t, tok, how);
}

int cmd_renew(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"wait", required_argument, NULL, 'w'},
		{"new-key", no_argument, NULL, 'n'},
		{"deploy-hook", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	struct tool_renewal how = {.wait = 60};
	int status = 0;

	for (int c; (c = getopt_long(argc, argv, "w:nd:h", opts, NULL)) != -1;) {
		if (c == 'n')
			how.new_key = true;
		else if (c == 'd')
			how.deploy_hook = optarg;
		else if (c != 'w' || !tool_parse_wait(optarg, &how.wait))
			status = TOOL_USAGE;
	}
	if (status != 0 || argc - optind != 1) {
		tool_error("usage: renew CERT_URI [--new-key] [--wait SECONDS] "
			   "[--deploy-hook CMD]");
		return TOOL_USAGE;
	}
	if ((how.uri = tool_uri(argv[optind])) == NULL)
		return TOOL_USAGE;
	t->rw = true;
	status = tool_single_token(t, how.uri, renew_token, &how);
	p11_kit_uri_free(how.uri);
	return status;
}
