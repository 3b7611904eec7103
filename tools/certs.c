/* Certificates on a token: the ones a URI names, and the issuers of one. */
#include "tools/output.h"

#include <p11-kit/p11-kit.h>
#include <stdlib.h>
#include <string.h>

X509 *tool_certificate(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
	unsigned char *der;
	const unsigned char *p;
	CK_ULONG len;
	X509 *cert = NULL;
	CK_RV rv = tool_attr(t, s, o, CKA_VALUE, &der, &len);
	char *label, uuid[37];

	if (rv == CKR_OK) {
		p = der;
		cert = d2i_X509(NULL, &p, (long)len);
		free(der);
	}
	if (cert == NULL) {
		label = tool_label(t, s, o);
		if (tool_attr(t, s, o, CKA_ID, &der, &len) != CKR_OK ||
		    !tool_id_uuid(der, len, uuid))
			uuid[0] = '\0';
		free(der);
		tool_error("certificate '%s'%s%s%s: CKA_VALUE: %s", label,
			   uuid[0] ? " (" : "", uuid, uuid[0] ? ")" : "",
			   rv != CKR_OK ? p11_kit_strerror(rv)
					: "not a DER X.509 certificate");
		free(label);
	}
	return cert;
}

CK_RV tool_find_certs(struct tool *t, struct tool_token *tok, P11KitUri *uri,
		      bool leaves, CK_OBJECT_HANDLE **found, CK_ULONG *count)
{
	CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
	CK_ULONG leaf = 1; /* not the intermediates */
	CK_ATTRIBUTE extra[] = {{CKA_CLASS, &klass, sizeof(klass)},
				{CKA_CERTIFICATE_CATEGORY, &leaf, sizeof(leaf)}};
	CK_ULONG n;
	CK_ATTRIBUTE *templ = tool_uri_template(uri, extra, leaves ? 2 : 1, &n);
	CK_RV rv;

	*found = NULL;
	*count = 0;
	if (templ == NULL)
		return CKR_HOST_MEMORY;
	rv = tool_find(t, tok->session, templ, n, found, count);
	free(templ);
	return rv;
}

CK_RV tool_find_leaves(struct tool *t, struct tool_token *tok, P11KitUri *uri,
		       CK_OBJECT_HANDLE **found, CK_ULONG *count)
{
	return tool_find_certs(t, tok, uri, true, found, count);
}

int tool_find_certificates(struct tool *t, struct tool_token *tok,
			   P11KitUri *uri, STACK_OF(X509) **certs)
{
	CK_OBJECT_HANDLE *found;
	CK_ULONG count;
	CK_RV rv = tool_find_certs(t, tok, uri, false, &found, &count);
	X509 *cert;

	*certs = NULL;
	if (rv != CKR_OK)
		return tool_find_failed(rv);
	if ((*certs = sk_X509_new_null()) == NULL) {
		free(found);
		return tool_error("out of memory");
	}
	for (CK_ULONG i = 0; i < count; i++) {
		if ((cert = tool_certificate(t, tok->session, found[i])) == NULL)
			continue; /* said why; the others still count */
		if (!sk_X509_push(*certs, cert))
			X509_free(cert);
	}
	free(found);
	return 0;
}

/* One line, as openssl x509 -subject prints it, UTF-8 kept. */
static char *subject_line(X509 *cert)
{
	BIO *out = BIO_new(BIO_s_mem());
	char *data, *line = NULL;
	long len;

	if (out != NULL &&
	    X509_NAME_print_ex(out, X509_get_subject_name(cert), 0,
			       XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (len = BIO_get_mem_data(out, &data)) >= 0)
		line = strndup(data, (size_t)len);
	BIO_free(out);
	return line;
}

bool tool_cert_facts(X509 *cert, struct tool_cert_facts *f)
{
	const ASN1_TIME *not_after = X509_get0_notAfter(cert);
	ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len;
	struct tm tm;
	int days, secs;
	bool ok = epoch != NULL &&
		  ASN1_TIME_diff(&days, &secs, epoch, not_after) &&
		  ASN1_TIME_to_tm(not_after, &tm) &&
		  X509_digest(cert, EVP_sha256(), md, &md_len);

	ASN1_TIME_free(epoch);
	*f = (struct tool_cert_facts){0};
	if (!ok || (f->subject = subject_line(cert)) == NULL)
		return false;
	f->not_after = (long long)days * 86400 + secs;
	strftime(f->not_after_iso, sizeof(f->not_after_iso),
		 "%Y-%m-%dT%H:%M:%SZ", &tm);
	tool_hex(md, md_len, f->sha256);
	return true;
}

/* The private key with the certificate's CKA_ID: the pair's other half. */
CK_RV tool_key_of_certificate(struct tool *t, CK_SESSION_HANDLE s,
			      CK_OBJECT_HANDLE cert, CK_OBJECT_HANDLE *key,
			      CK_ULONG *count)
{
	CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE templ[] = {{CKA_CLASS, &klass, sizeof(klass)},
				{CKA_ID, NULL, 0}};
	CK_OBJECT_HANDLE *found = NULL;
	unsigned char *id;
	CK_RV rv = tool_attr(t, s, cert, CKA_ID, &id, &templ[1].ulValueLen);

	*count = 0;
	if (rv != CKR_OK)
		return rv;
	templ[1].pValue = id;
	rv = tool_find(t, s, templ, 2, &found, count);
	if (rv == CKR_OK && *count > 0)
		*key = found[*count - 1];
	free(found);
	free(id);
	return rv;
}

static bool self_signed(X509 *cert)
{
	return X509_NAME_cmp(X509_get_subject_name(cert),
			     X509_get_issuer_name(cert)) == 0;
}

/* A certificate of the token whose subject is the issuer of cert and
 * whose key signed it; NULL if none. */
static X509 *issuer_of(struct tool *t, struct tool_token *tok, X509 *cert)
{
	CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
	unsigned char *name = NULL;
	int len = i2d_X509_NAME(X509_get_issuer_name(cert), &name);
	CK_ATTRIBUTE templ[] = {
		{CKA_CLASS, &klass, sizeof(klass)},
		{CKA_SUBJECT, name, len > 0 ? (CK_ULONG)len : 0},
	};
	CK_OBJECT_HANDLE *found = NULL;
	CK_ULONG count = 0;
	X509 *issuer = NULL;

	if (len > 0 && tool_find(t, tok->session, templ, 2, &found, &count) ==
			       CKR_OK)
		for (CK_ULONG i = 0; issuer == NULL && i < count; i++) {
			X509 *c = tool_certificate(t, tok->session, found[i]);
			if (c != NULL && X509_verify(cert, X509_get0_pubkey(c)) == 1)
				issuer = c;
			else
				X509_free(c);
		}
	OPENSSL_free(name);
	free(found);
	return issuer;
}

STACK_OF(X509) *tool_chain(struct tool *t, struct tool_token *tok, X509 *leaf)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509 *cert = leaf, *issuer;

	/* Bounded: a token could hold certificates that issue each other. */
	while (chain != NULL && !self_signed(cert) && sk_X509_num(chain) < 16 &&
	       (issuer = issuer_of(t, tok, cert)) != NULL) {
		if (self_signed(issuer) || !sk_X509_push(chain, issuer)) {
			X509_free(issuer);
			break;
		}
		cert = issuer;
	}
	return chain;
}
