/* The read commands' output: formats, escaping, the record of an object. */
#include "tools/output.h"

#include <p11-kit/p11-kit.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum tool_format format;
} formats[] = {
	{"text", TOOL_TEXT},
	{"json", TOOL_JSON},
	{"prometheus", TOOL_PROMETHEUS},
};

int tool_format_parse(const char *cmd, const char *text, unsigned allowed,
		      enum tool_format *out)
{
	char names[64] = "";

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (!(allowed & formats[i].format))
			continue;
		if (strcmp(text, formats[i].name) == 0) {
			*out = formats[i].format;
			return 0;
		}
		strcat(strcat(names, names[0] ? ", " : ""), formats[i].name);
	}
	tool_error("%s: -o %s: the formats are %s", cmd, text, names);
	return TOOL_USAGE;
}

int tool_output_open(struct tool_output *o, enum tool_format format)
{
	*o = (struct tool_output){.format = format};
	if ((o->f = open_memstream(&o->buf, &o->len)) == NULL)
		return tool_error("out of memory");
	if (format == TOOL_JSON)
		fputc('[', o->f);
	return 0;
}

int tool_output_close(struct tool_output *o, bool complete)
{
	bool written = true;

	if (o->format == TOOL_JSON)
		fputs(o->records > 0 ? "\n]\n" : "]\n", o->f);
	if (fclose(o->f) != 0) /* the stream's memory ran out */
		written = !complete;
	else if (complete)
		written = fwrite(o->buf, 1, o->len, stdout) == o->len &&
			  fflush(stdout) == 0;
	free(o->buf);
	return written ? 0 : tool_error("cannot write the output");
}

/* The length of the UTF-8 character at s (n > 0 bytes left); 0 when the
 * bytes are none: a stray or cut byte, overlong, a surrogate, too high. */
static size_t utf8_char(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned long c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff)))
		return 0;
	if (len == 4 && (c < 0x10000 || c > 0x10ffff))
		return 0;
	return len;
}

/* The escape of an ASCII byte, or NULL to write it as it is. */
typedef const char *escape_fn(unsigned char c, char buf[8]);

static void put_escaped(FILE *f, const char *value, size_t n, escape_fn *escape)
{
	const unsigned char *s = (const unsigned char *)value;
	const char *e;
	char buf[8];

	for (size_t i = 0, len; i < n; i += len) {
		if ((len = utf8_char(s + i, n - i)) == 0) {
			fputs("\xef\xbf\xbd", f); /* U+FFFD */
			len = 1;
		} else if (len == 1 && (e = escape(s[i], buf)) != NULL) {
			fputs(e, f);
		} else {
			fwrite(s + i, 1, len, f);
		}
	}
}

static const char *prometheus_escape(unsigned char c, char buf[8])
{
	(void)buf;
	switch (c) {
	case '\\': return "\\\\";
	case '"': return "\\\"";
	case '\n': return "\\n";
	default: return NULL;
	}
}

static const char *json_escape(unsigned char c, char buf[8])
{
	const char *e = prometheus_escape(c, buf);

	if (e != NULL || (c >= 0x20 && c != 0x7f))
		return e;
	snprintf(buf, 8, "\\u%04x", c);
	return buf;
}

static const char *text_escape(unsigned char c, char buf[8])
{
	(void)buf;
	return c < 0x20 || c == 0x7f ? "?" : NULL;
}

void tool_put_prometheus(FILE *f, const char *value, size_t len)
{
	fputc('"', f);
	put_escaped(f, value, len, prometheus_escape);
	fputc('"', f);
}

void tool_put_text(FILE *f, const char *value, size_t len)
{
	put_escaped(f, value, len, text_escape);
}

void tool_hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

void tool_json_begin(struct tool_output *o)
{
	fputs(o->records++ > 0 ? ",\n{" : "\n{", o->f);
	o->fields = 0;
}

void tool_json_end(struct tool_output *o)
{
	fputc('}', o->f);
}

/* Keys are the commands' own names: nothing to escape. */
static void json_key(struct tool_output *o, const char *key)
{
	fprintf(o->f, "%s\"%s\":", o->fields++ > 0 ? "," : "", key);
}

void tool_json_bytes(struct tool_output *o, const char *key,
		     const char *value, size_t len)
{
	json_key(o, key);
	if (value == NULL) {
		fputs("null", o->f);
		return;
	}
	fputc('"', o->f);
	put_escaped(o->f, value, len, json_escape);
	fputc('"', o->f);
}

void tool_json_string(struct tool_output *o, const char *key,
		      const char *value)
{
	tool_json_bytes(o, key, value, value ? strlen(value) : 0);
}

void tool_json_number(struct tool_output *o, const char *key, long long value)
{
	json_key(o, key);
	fprintf(o->f, "%lld", value);
}

void tool_json_bool(struct tool_output *o, const char *key, bool value)
{
	json_key(o, key);
	fputs(value ? "true" : "false", o->f);
}

int tool_read_option(struct tool_read *r, int c, const char *arg)
{
	if (c == 'h') {
		fputs(r->help, stdout);
		return TOOL_OK;
	}
	if (c == 'o' && tool_format_parse(r->name, arg, r->formats,
					  &r->out.format) == 0)
		return -1;
	return TOOL_USAGE;
}

/* Whether the URI names objects (has object attributes), so that
 * matching none is worth an exit status of its own. */
static bool names_objects(P11KitUri *uri)
{
	CK_ULONG n;

	p11_kit_uri_get_attributes(uri, &n);
	return n > 0;
}

int tool_read_run(struct tool *t, struct tool_read *r,
		  int (*fn)(struct tool *, struct tool_token *, void *),
		  void *arg)
{
	int status, written;

	if ((r->uri = tool_uri(r->uri_text)) == NULL)
		return TOOL_USAGE;
	if ((status = tool_output_open(&r->out, r->out.format)) != 0) {
		p11_kit_uri_free(r->uri);
		return status;
	}
	if (r->header != NULL)
		fputs(r->header, r->out.f);
	status = tool_read_status(t, tool_each_token(t, r->uri, fn, arg));
	if (status == 0 && r->matched == 0 &&
	    (r->must_match || names_objects(r->uri))) {
		tool_error("no %s matches %s", r->what,
			   r->uri_text ? r->uri_text : "pkcs11:");
		status = TOOL_NO_MATCH;
	}
	written = tool_output_close(&r->out, status == 0 ||
						     status == TOOL_NO_MATCH);
	p11_kit_uri_free(r->uri);
	return written != 0 ? written : status;
}

int tool_find_failed(CK_RV rv)
{
	tool_error("C_FindObjects: %s", p11_kit_strerror(rv));
	return tool_status_of(rv);
}
