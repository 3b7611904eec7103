/* The record of an object that list, expiring and verify print. */
#include "tools/output.h"

#include <p11-kit/p11-kit.h>
#include <stdlib.h>
#include <string.h>

const char *tool_class_name(CK_OBJECT_CLASS c)
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

/* The URI of an object: its token, class, id and label (those it has). */
static char *object_uri(const struct tool_token *tok, CK_OBJECT_CLASS klass,
			unsigned char *id, CK_ULONG id_len, char *label,
			CK_ULONG label_len)
{
	P11KitUri *uri = p11_kit_uri_new();
	CK_ATTRIBUTE a[] = {{CKA_CLASS, &klass, sizeof(klass)},
			    {CKA_ID, id, id_len},
			    {CKA_LABEL, label, label_len}};
	char *text = NULL;

	if (uri == NULL)
		return NULL;
	*p11_kit_uri_get_token_info(uri) = tok->info;
	for (size_t i = 0; i < 3; i++)
		if (a[i].pValue != NULL && a[i].ulValueLen > 0)
			p11_kit_uri_set_attribute(uri, &a[i]);
	if (p11_kit_uri_format(uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, &text) !=
	    P11_KIT_URI_OK)
		text = NULL;
	p11_kit_uri_free(uri);
	return text;
}

/* A CK_ULONG attribute; unset when the object has none. */
static void ulong_attr(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		       CK_ATTRIBUTE_TYPE type, CK_ULONG *value)
{
	CK_ATTRIBUTE a = {type, value, sizeof(*value)};

	t->f->C_GetAttributeValue(s, o, &a, 1);
}

/* The certificate and its facts; NULL with a message when unreadable. */
static X509 *certificate(struct tool *t, CK_SESSION_HANDLE s,
			 CK_OBJECT_HANDLE o, struct tool_record *r)
{
	X509 *cert = tool_certificate(t, s, o);

	if (cert != NULL && !tool_cert_facts(cert, &r->facts)) {
		tool_error("certificate '%s': no usable notAfter", r->label);
		X509_free(cert);
		cert = NULL;
	}
	return cert;
}

static void space_text(char *out, const unsigned char *field, size_t size)
{
	sprintf(out, "%.*s", (int)p11_kit_space_strlen(field, size), field);
}

void tool_token_text(const struct tool_token *tok, char label[33],
		     char serial[17])
{
	space_text(label, tok->info.label, sizeof(tok->info.label));
	space_text(serial, tok->info.serialNumber,
		   sizeof(tok->info.serialNumber));
}

bool tool_record_read(struct tool *t, struct tool_token *tok,
		      CK_OBJECT_HANDLE o, struct tool_record *r)
{
	CK_SESSION_HANDLE s = tok->session;
	unsigned char *id = NULL;
	CK_ULONG id_len = 0;

	*r = (struct tool_record){.klass = (CK_OBJECT_CLASS)-1};
	tool_token_text(tok, r->token, r->serial);
	ulong_attr(t, s, o, CKA_CLASS, &r->klass);
	if (tool_attr(t, s, o, CKA_LABEL, (unsigned char **)&r->label,
		      &r->label_len) != CKR_OK) {
		r->label = strdup("");
		r->label_len = 0;
	}
	if (tool_attr(t, s, o, CKA_ID, &id, &id_len) != CKR_OK)
		id_len = 0;
	if ((r->id = malloc(2 * id_len + 1)) != NULL)
		tool_hex(id, id_len, r->id);
	if (!tool_id_uuid(id, id_len, r->uuid))
		r->uuid[0] = '\0';
	r->uri = object_uri(tok, r->klass, id, id_len, r->label, r->label_len);
	free(id);
	if (r->label == NULL || r->id == NULL) {
		tool_record_free(r);
		tool_error("out of memory");
		return false;
	}
	if (r->klass == CKO_CERTIFICATE) {
		ulong_attr(t, s, o, CKA_CERTIFICATE_CATEGORY, &r->category);
		r->cert = certificate(t, s, o, r);
	}
	return true;
}

void tool_record_free(struct tool_record *r)
{
	free(r->label);
	free(r->id);
	free(r->uri);
	free(r->facts.subject);
	X509_free(r->cert);
	*r = (struct tool_record){0};
}

void tool_json_record(struct tool_output *o, const struct tool_record *r)
{
	const bool cert = r->cert != NULL;

	tool_json_string(o, "token", r->token);
	tool_json_string(o, "serial", r->serial);
	tool_json_string(o, "class", tool_class_name(r->klass));
	tool_json_bytes(o, "label", r->label, r->label_len);
	tool_json_string(o, "id", r->id);
	tool_json_string(o, "uuid", r->uuid[0] ? r->uuid : NULL);
	tool_json_string(o, "uri", r->uri);
	if (r->klass != CKO_CERTIFICATE)
		return;
	tool_json_string(o, "subject", cert ? r->facts.subject : NULL);
	tool_json_string(o, "not_after", cert ? r->facts.not_after_iso : NULL);
	tool_json_number(o, "category", (long long)r->category);
	tool_json_string(o, "sha256", cert ? r->facts.sha256 : NULL);
}
