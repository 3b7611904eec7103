/*
 * kmp11-tool verify URI: each certificate the URI names is checked
 * against the private key with its CKA_ID by a signature, made by the
 * token and verified with the certificate's public key.
 */
#include "tools/sign.h"
#include "tools/tool.h"

#include <getopt.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <p11-kit/p11-kit.h>
#include <stdlib.h>
#include <string.h>

struct verify {
	P11KitUri *uri;
	int checked, failed;
};

/* Signs a random challenge with key and verifies it with the certificate. */
static const char *prove(struct tool *t, CK_SESSION_HANDLE s,
			 CK_OBJECT_HANDLE key, X509 *cert)
{
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	unsigned char challenge[32], sig[1024];
	CK_ULONG len = sizeof(sig);
	const char *why;
	EVP_MD_CTX *ctx;
	int nid;
	bool ok;

	if (pub == NULL)
		return "the certificate's key type is not supported";
	if (RAND_bytes(challenge, sizeof(challenge)) != 1)
		return "no random challenge";
	if ((why = tool_sign(t, s, key, pub, challenge, sizeof(challenge), sig,
			     &len, &nid)) != NULL)
		return why;
	ctx = EVP_MD_CTX_new();
	ok = ctx != NULL &&
	     EVP_DigestVerifyInit(ctx, NULL,
				  nid == NID_ED25519 ? NULL : EVP_sha256(), NULL,
				  pub) == 1 &&
	     EVP_DigestVerify(ctx, sig, len, challenge, sizeof(challenge)) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? NULL : "the private key does not match the certificate";
}

static void verify_one(struct tool *t, struct tool_token *tok,
		       struct verify *v, CK_OBJECT_HANDLE o)
{
	char *label = tool_label(t, tok->session, o);
	X509 *cert = tool_certificate(t, tok->session, o);
	CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
	CK_ULONG n;
	CK_RV rv;
	const char *why = "the certificate is unreadable";

	if (cert != NULL) {
		rv = tool_key_of_certificate(t, tok->session, o, &key, &n);
		if (rv != CKR_OK)
			why = p11_kit_strerror(rv);
		else if (n == 0)
			why = "no private key has the certificate's CKA_ID";
		else
			why = prove(t, tok->session, key, cert);
	}
	v->checked++;
	if (why == NULL) {
		printf("ok: '%s': the private key matches the certificate\n",
		       label);
	} else {
		v->failed++;
		tool_error("verify: '%s': %s", label, why);
	}
	X509_free(cert);
	free(label);
}

static int verify_token(struct tool *t, struct tool_token *tok, void *arg)
{
	struct verify *v = arg;
	CK_OBJECT_HANDLE *found;
	CK_ULONG count;
	CK_RV rv = tool_find_leaves(t, tok, v->uri, &found, &count);

	if (rv != CKR_OK)
		return tool_error("C_FindObjects: %s", p11_kit_strerror(rv));
	for (CK_ULONG i = 0; i < count; i++)
		verify_one(t, tok, v, found[i]);
	free(found);
	return 0;
}

int cmd_verify(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
					     {0}};
	struct verify v = {0};
	int status;

	for (int c; (c = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
		if (c == 'h') {
			puts("usage: kmp11-tool verify URI\n"
			     "Checks that each certificate the URI names "
			     "matches the private key\nwith its CKA_ID: the "
			     "token signs a random challenge with the key\n"
			     "and the certificate's public key verifies it.");
			return 0;
		}
		return 2;
	}
	if (argc - optind != 1)
		return tool_error("verify: one URI expected") + 1;
	if ((v.uri = tool_uri(argv[optind])) == NULL)
		return 2;
	status = tool_each_token(t, v.uri, verify_token, &v);
	p11_kit_uri_free(v.uri);
	if (status == 0 && v.checked == 0)
		status = tool_error("verify: no certificate matches %s",
				    argv[optind]);
	return status != 0 ? status : v.failed > 0;
}
