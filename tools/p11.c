/* Loading the module, selecting tokens by URI, finding and reading objects. */
#include "tools/tool.h"

#include <ctype.h>
#include <dlfcn.h>
#include <openssl/crypto.h>
#include <p11-kit/p11-kit.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int tool_error(const char *fmt, ...)
{
	char line[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One line per message, whatever a label holds (a newline, a tab):
	 * scripts and journals read standard error line by line. */
	for (char *c = line; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	fprintf(stderr, "kmp11-tool: %s\n", line);
	return TOOL_FAILED;
}

int tool_status_of(CK_RV rv)
{
	switch (rv) {
	case CKR_DEVICE_ERROR:
	case CKR_DEVICE_REMOVED:
	case CKR_TOKEN_NOT_PRESENT:
	case CKR_PIN_INCORRECT:
	case CKR_USER_NOT_LOGGED_IN: /* Keystone refused the credentials */
		return TOOL_UNREACHABLE;
	default:
		return TOOL_FAILED;
	}
}

CK_RV tool_note(struct tool *t, CK_RV rv)
{
	if (t->km_rv == CKR_OK && tool_status_of(rv) == TOOL_UNREACHABLE)
		t->km_rv = rv;
	return rv;
}

int tool_read_status(struct tool *t, int status)
{
	if (t->km_rv == CKR_OK || status == TOOL_UNREACHABLE ||
	    status == TOOL_USAGE)
		return status;
	tool_error("the Key Manager failed while objects were read (%s): "
		   "they could not be checked", p11_kit_strerror(t->km_rv));
	return TOOL_UNREACHABLE;
}

int tool_load(struct tool *t, const char *path)
{
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
	CK_C_GetFunctionList get;
	CK_RV rv;

	if (path == NULL)
		path = getenv("KMP11_MODULE");
	if (path == NULL)
		path = KMP11_MODULE_PATH;
	if ((t->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return tool_error("cannot load %s: %s", path, dlerror());
	get = (CK_C_GetFunctionList)dlsym(t->dl, "C_GetFunctionList");
	if (get == NULL || get(&t->f) != CKR_OK) {
		dlclose(t->dl);
		t->f = NULL;
		return tool_error("%s is not a PKCS#11 module", path);
	}
	if ((rv = t->f->C_Initialize(&args)) != CKR_OK) {
		dlclose(t->dl);
		t->f = NULL; /* nothing to finalize */
		return tool_error("%s: C_Initialize: %s", path,
				  p11_kit_strerror(rv));
	}
	return 0;
}

void tool_unload(struct tool *t)
{
	t->f->C_Finalize(NULL);
	dlclose(t->dl);
}

P11KitUri *tool_uri(const char *text)
{
	P11KitUri *uri = p11_kit_uri_new();
	int r;

	if (uri == NULL)
		return NULL;
	r = p11_kit_uri_parse(text ? text : "pkcs11:",
			      P11_KIT_URI_FOR_OBJECT_ON_TOKEN, uri);
	if (r != P11_KIT_URI_OK) {
		tool_error("%s: %s", text, p11_kit_uri_message(r));
		p11_kit_uri_free(uri);
		return NULL;
	}
	return uri;
}

static bool has_type(const CK_ATTRIBUTE *a, CK_ULONG n, CK_ATTRIBUTE_TYPE type)
{
	for (CK_ULONG i = 0; i < n; i++)
		if (a[i].type == type)
			return true;
	return false;
}

CK_ATTRIBUTE *tool_uri_template(P11KitUri *uri, const CK_ATTRIBUTE *extra,
			       CK_ULONG n_extra, CK_ULONG *n)
{
	CK_ATTRIBUTE *from = p11_kit_uri_get_attributes(uri, n);
	CK_ATTRIBUTE *templ = calloc(*n + n_extra + 1, sizeof(*templ));
	CK_ULONG j = 0;

	if (templ == NULL)
		return NULL;
	for (CK_ULONG i = 0; i < *n; i++)
		if (!has_type(extra, n_extra, from[i].type))
			templ[j++] = from[i];
	if (n_extra > 0)
		memcpy(templ + j, extra, n_extra * sizeof(*extra));
	*n = j + n_extra;
	return templ;
}

/* Reads the first line of a PIN file; NULL with a message. */
static char *read_pin_file(const char *path)
{
	char line[1024];
	FILE *f;
	char *pin = NULL;

	if (strncmp(path, "file:", 5) == 0)
		path += 5;
	if ((f = fopen(path, "r")) == NULL) {
		tool_error("PIN file %s cannot be read", path);
		return NULL;
	}
	if (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		pin = strdup(line);
	}
	OPENSSL_cleanse(line, sizeof(line));
	fclose(f);
	if (pin == NULL)
		tool_error("PIN file %s is empty", path);
	return pin;
}

static CK_RV login(struct tool *t, struct tool_token *tok, P11KitUri *uri)
{
	const char *value = p11_kit_uri_get_pin_value(uri);
	const char *source = p11_kit_uri_get_pin_source(uri);
	char *pin = NULL;
	CK_RV rv;

	if (value != NULL)
		pin = strdup(value);
	else if (source != NULL || t->pin_file != NULL)
		pin = read_pin_file(source ? source : t->pin_file);
	else
		return CKR_USER_NOT_LOGGED_IN;
	if (pin == NULL)
		return CKR_PIN_INCORRECT;
	rv = t->f->C_Login(tok->session, CKU_USER, (CK_UTF8CHAR *)pin,
			   strlen(pin));
	OPENSSL_cleanse(pin, strlen(pin));
	free(pin);
	return rv == CKR_USER_ALREADY_LOGGED_IN ? CKR_OK : rv;
}

static int with_token(struct tool *t, P11KitUri *uri, struct tool_token *tok,
		      int (*fn)(struct tool *, struct tool_token *, void *),
		      void *arg)
{
	int label_len = (int)p11_kit_space_strlen(tok->info.label,
						  sizeof(tok->info.label));
	CK_RV rv;
	int status;

	rv = t->f->C_OpenSession(tok->slot,
				 CKF_SERIAL_SESSION | (t->rw ? CKF_RW_SESSION : 0),
				 NULL, NULL, &tok->session);
	if (rv != CKR_OK) {
		tool_error("token %.*s: C_OpenSession: %s", label_len,
			   tok->info.label, p11_kit_strerror(rv));
		return tool_status_of(rv);
	}
	if (tok->info.flags & CKF_LOGIN_REQUIRED &&
	    (rv = login(t, tok, uri)) != CKR_OK) {
		t->f->C_CloseSession(tok->session);
		if (rv == CKR_USER_NOT_LOGGED_IN) {
			tool_error("token %.*s needs a PIN: give pin-source in "
				   "the URI or --pin-file", label_len, tok->info.label);
			return TOOL_USAGE;
		}
		tool_error("token %.*s: C_Login: %s", label_len, tok->info.label,
			   p11_kit_strerror(rv));
		return tool_status_of(rv);
	}
	status = fn(t, tok, arg);
	t->f->C_CloseSession(tok->session);
	return status;
}

/* The tokens the URI matches, with their slots; *n of them. */
/* The file the module reads its tokens from, as kmp11.conf(5) says. */
static const char *configuration(void)
{
	const char *path = getenv("KMP11_CONF");

	return path != NULL && path[0] != '\0' ? path : "/etc/kmp11/kmp11.conf";
}

static int matching_tokens(struct tool *t, P11KitUri *uri,
			   struct tool_token **out, CK_ULONG *n)
{
	CK_SLOT_ID *slots = NULL;
	CK_ULONG count = 0;
	CK_RV rv = t->f->C_GetSlotList(CK_TRUE, NULL, &count);

	*n = 0;
	if (rv == CKR_OK && count > 0 &&
	    ((slots = calloc(count, sizeof(*slots))) == NULL ||
	     (*out = calloc(count, sizeof(**out))) == NULL))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK && count > 0)
		rv = t->f->C_GetSlotList(CK_TRUE, slots, &count);
	for (CK_ULONG i = 0; rv == CKR_OK && i < count; i++) {
		struct tool_token tok = {.slot = slots[i]};
		if ((rv = t->f->C_GetTokenInfo(slots[i], &tok.info)) == CKR_OK &&
		    p11_kit_uri_match_token_info(uri, &tok.info))
			(*out)[(*n)++] = tok;
	}
	free(slots);
	if (rv != CKR_OK) {
		tool_error("listing the tokens: %s", p11_kit_strerror(rv));
		return tool_status_of(rv);
	}
	if (count == 0) {
		tool_error("no token is configured: %s defines none and the "
			   "OS_* environment gives none (kmp11.conf(5))",
			   configuration());
		return TOOL_FAILED;
	}
	if (*n == 0) {
		tool_error("no token matches the URI");
		return TOOL_NO_MATCH;
	}
	return TOOL_OK;
}

int tool_each_token(struct tool *t, P11KitUri *uri,
		    int (*fn)(struct tool *, struct tool_token *, void *),
		    void *arg)
{
	struct tool_token *tokens = NULL;
	CK_ULONG n;
	int status = matching_tokens(t, uri, &tokens, &n);

	for (CK_ULONG i = 0; status == 0 && i < n; i++)
		status = with_token(t, uri, &tokens[i], fn, arg);
	free(tokens);
	return status;
}

int tool_single_token(struct tool *t, P11KitUri *uri,
		      int (*fn)(struct tool *, struct tool_token *, void *),
		      void *arg)
{
	struct tool_token *tokens = NULL;
	CK_ULONG n;
	int status = matching_tokens(t, uri, &tokens, &n);

	if (status == 0 && n > 1) {
		tool_error("the URI matches %lu tokens: name one (token= or "
			   "serial=)", n);
		status = TOOL_USAGE;
	}
	if (status == 0)
		status = with_token(t, uri, &tokens[0], fn, arg);
	free(tokens);
	return status;
}

CK_RV tool_find(struct tool *t, CK_SESSION_HANDLE s,
		const CK_ATTRIBUTE *templ, CK_ULONG n,
		CK_OBJECT_HANDLE **out, CK_ULONG *count)
{
	CK_OBJECT_HANDLE *found = NULL, *grown;
	CK_ULONG cap = 0, got;
	CK_RV rv;

	*count = 0;
	rv = t->f->C_FindObjectsInit(s, (CK_ATTRIBUTE *)templ, n);
	if (rv != CKR_OK)
		return rv;
	do {
		if (*count == cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(found, cap * sizeof(*found));
			if (grown == NULL) {
				rv = CKR_HOST_MEMORY;
				break;
			}
			found = grown;
		}
		rv = t->f->C_FindObjects(s, found + *count, cap - *count, &got);
		*count += got;
	} while (rv == CKR_OK && got > 0);
	t->f->C_FindObjectsFinal(s);
	if (tool_note(t, rv) != CKR_OK) {
		free(found);
		found = NULL;
		*count = 0;
	}
	*out = found;
	return rv;
}

CK_RV tool_attr(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		CK_ATTRIBUTE_TYPE type, unsigned char **value, CK_ULONG *len)
{
	CK_ATTRIBUTE a = {type, NULL, 0};
	CK_RV rv = tool_note(t, t->f->C_GetAttributeValue(s, o, &a, 1));

	*value = NULL;
	if (rv != CKR_OK)
		return rv;
	if ((a.pValue = malloc(a.ulValueLen + 1)) == NULL)
		return CKR_HOST_MEMORY;
	if ((rv = tool_note(t, t->f->C_GetAttributeValue(s, o, &a, 1))) != CKR_OK) {
		free(a.pValue);
		return rv;
	}
	((unsigned char *)a.pValue)[a.ulValueLen] = '\0';
	*value = a.pValue;
	*len = a.ulValueLen;
	return CKR_OK;
}

char *tool_label(struct tool *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
	unsigned char *label;
	CK_ULONG len;

	if (tool_attr(t, s, o, CKA_LABEL, &label, &len) != CKR_OK)
		return strdup("");
	return (char *)label;
}

bool tool_id_uuid(const unsigned char *id, CK_ULONG len, char out[37])
{
	char *o = out;

	if (len != 16)
		return false;
	for (CK_ULONG i = 0; i < len; i++) {
		o += sprintf(o, "%02x", id[i]);
		if (i == 3 || i == 5 || i == 7 || i == 9)
			*o++ = '-';
	}
	*o = '\0';
	return true;
}

bool tool_uuid_id(const char *uuid, unsigned char id[16])
{
	size_t nibbles = 0;

	if (strlen(uuid) != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = uuid[i];
		if (dash != (c == '-') || (!dash && !isxdigit((unsigned char)c)))
			return false;
		if (dash)
			continue;
		int v = isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
		id[nibbles / 2] = (unsigned char)(nibbles % 2 ? id[nibbles / 2] << 4 | v : v);
		nibbles++;
	}
	return true;
}
