/*
 * What the read commands (list, expiring, verify) share: the record of an
 * object and the formats scripts read it in (text, JSON, Prometheus).
 */
#ifndef KMP11_TOOL_OUTPUT_H
#define KMP11_TOOL_OUTPUT_H

#include "tools/tool.h"

enum tool_format {
	TOOL_TEXT = 1 << 0,
	TOOL_JSON = 1 << 1,
	TOOL_PROMETHEUS = 1 << 2,
};

/* -o's value, one of the formats in allowed (a mask); TOOL_USAGE with a
 * message when it is none of them, else 0. */
int tool_format_parse(const char *cmd, const char *text, unsigned allowed,
		      enum tool_format *out);

/*
 * A command's standard output, held until the command ends: one that
 * fails midway prints no half document for a script to take as whole.
 * In JSON the document is an array, a record per object.
 */
struct tool_output {
	enum tool_format format;
	FILE *f; /* where the command writes */
	char *buf;
	size_t len;
	unsigned long records; /* JSON: records begun */
	unsigned fields;       /* JSON: fields of the current record */
};

/* TOOL_FAILED with a message when out of memory, else 0. */
int tool_output_open(struct tool_output *o, enum tool_format format);
/* Ends the document and writes it on stdout if complete (the command did
 * not fail), else drops it. TOOL_FAILED with a message when it could not
 * be written, else 0. */
int tool_output_close(struct tool_output *o, bool complete);

/* JSON records: begin, fields, end. A NULL string is null. */
void tool_json_begin(struct tool_output *o);
void tool_json_end(struct tool_output *o);
void tool_json_string(struct tool_output *o, const char *key,
		      const char *value);
void tool_json_bytes(struct tool_output *o, const char *key,
		     const char *value, size_t len);
void tool_json_number(struct tool_output *o, const char *key, long long value);
void tool_json_bool(struct tool_output *o, const char *key, bool value);

/*
 * Escaped text. Bytes that are not UTF-8 become U+FFFD in every format,
 * so that any label makes a valid document.
 */
/* A Prometheus label value, quoted: backslash, quote and newline escaped. */
void tool_put_prometheus(FILE *f, const char *value, size_t len);
/* A field of text output: control characters as '?', so that a label
 * cannot break a line or its tab-separated fields. */
void tool_put_text(FILE *f, const char *value, size_t len);
/* The n bytes of b in hex into out (2n + 1 chars). */
void tool_hex(const unsigned char *b, size_t n, char *out);

/* What a certificate says, for output. */
struct tool_cert_facts {
	long long not_after;    /* Unix seconds */
	char not_after_iso[24]; /* 2026-12-01T10:00:00Z */
	char *subject;          /* one line, malloc'd */
	char sha256[65];        /* of the DER, hex */
};

/* The facts of cert (certs.c); false when its notAfter is unusable or
 * out of memory. */
bool tool_cert_facts(X509 *cert, struct tool_cert_facts *f);

/* An object as the read commands print it. */
struct tool_record {
	char token[33], serial[17]; /* its token's label and serial */
	CK_OBJECT_CLASS klass;
	char *label; /* "" if none; label_len bytes, any of them */
	CK_ULONG label_len;
	char *id;       /* CKA_ID in hex, "" if none */
	char uuid[37];  /* CKA_ID as a Key Manager uuid, "" if it is none */
	char *uri;      /* NULL if it could not be made */
	/* Certificates: the certificate, NULL if unreadable (said why). */
	X509 *cert;
	CK_ULONG category;
	struct tool_cert_facts facts;
};

/* The token's label and serial, without their padding. */
void tool_token_text(const struct tool_token *tok, char label[33],
		     char serial[17]);
/* "cert", "private", "public", "secret-key", "data" or "other". */
const char *tool_class_name(CK_OBJECT_CLASS klass);
/* Reads the record of o; false with a message when out of memory. */
bool tool_record_read(struct tool *t, struct tool_token *tok,
		      CK_OBJECT_HANDLE o, struct tool_record *r);
void tool_record_free(struct tool_record *r);
/* The record's fields in the current JSON record: token, serial, class,
 * label, id, uuid, uri; for certificates also subject, not_after,
 * category, sha256. */
void tool_json_record(struct tool_output *o, const struct tool_record *r);

/*
 * A read command: its options and URI, its output, and its callback on
 * each token the URI selects.
 */
struct tool_read {
	const char *name;   /* the command's */
	const char *help;   /* what --help prints */
	unsigned formats;   /* what -o may choose */
	const char *what;   /* what it looks for: "object", "certificate" */
	bool must_match;    /* finding none is TOOL_NO_MATCH even when the URI
			     * names no objects (else only when it does) */
	const char *header; /* written first, or NULL */
	const char *uri_text;
	P11KitUri *uri;
	struct tool_output out;
	unsigned long matched; /* counted by the callback */
};

/* An option of getopt's (c, arg) common to the read commands, -o and
 * --help: -1 to go on, else the exit status (0 after --help; TOOL_USAGE
 * for a bad -o or an option the command does not know). */
int tool_read_option(struct tool_read *r, int c, const char *arg);
/* Runs fn(t, token, arg) on each token with r->out open, and ends the
 * output; the status: TOOL_USAGE for a bad URI, fn's failure,
 * TOOL_NO_MATCH when nothing matched that should have, else 0. */
int tool_read_run(struct tool *t, struct tool_read *r,
		  int (*fn)(struct tool *, struct tool_token *, void *),
		  void *arg);
/* A failed search reported: its message, and its exit status. */
int tool_find_failed(CK_RV rv);
/* The certificates a URI names (certs.c), only the end-entity ones
 * (category 1) if leaves. */
CK_RV tool_find_certs(struct tool *t, struct tool_token *tok, P11KitUri *uri,
		      bool leaves, CK_OBJECT_HANDLE **found, CK_ULONG *count);

#endif
