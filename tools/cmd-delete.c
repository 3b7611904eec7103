/*
 * kmp11-tool delete URI [--force] [--dry-run]: the containers (and
 * standalone secrets) whose objects the URI names are deleted, one line
 * each. A container whose private key another container holds too (a
 * renewal that kept its key) is refused without --force; with it, the
 * module deletes the container and keeps the shared key. The URI must
 * name objects (object=, id= or type=): "pkcs11:" alone is refused.
 */
#include "tools/orders.h"
#include "tools/output.h"

#include <getopt.h>
#include <p11-kit/p11-kit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One container (or standalone secret) to delete: an object of it. */
struct victim {
	CK_OBJECT_HANDLE object;
	unsigned char *id;
	CK_ULONG id_len;
	char *label;
};

struct deletion {
	P11KitUri *uri;
	bool force, dry_run;
	struct victim *v;
	CK_ULONG n;
};

static bool same_id(const struct victim *v, const unsigned char *id, CK_ULONG len)
{
	return v->id_len == len && (len == 0 || memcmp(v->id, id, len) == 0);
}

static bool is_victim(const struct deletion *d, const unsigned char *id, CK_ULONG len)
{
	for (CK_ULONG i = 0; i < d->n; i++)
		if (same_id(&d->v[i], id, len))
			return true;
	return false;
}

/* The objects found, one per CKA_ID: a container's objects share it. */
static CK_RV gather(struct tool *t, CK_SESSION_HANDLE s, struct deletion *d,
		    const CK_OBJECT_HANDLE *found, CK_ULONG count)
{
	unsigned char *id;
	CK_ULONG len;
	CK_RV rv = CKR_OK;

	if ((d->v = calloc(count + 1, sizeof(*d->v))) == NULL)
		return CKR_HOST_MEMORY;
	for (CK_ULONG i = 0; rv == CKR_OK && i < count; i++) {
		if ((rv = tool_attr(t, s, found[i], CKA_ID, &id, &len)) != CKR_OK)
			break;
		if (is_victim(d, id, len)) {
			free(id);
			continue;
		}
		d->v[d->n++] = (struct victim){found[i], id, len,
					       tool_label(t, s, found[i])};
	}
	return rv;
}

/* "'label' (uuid)" of a victim, the label escaped as text output's
 * fields are: a label cannot break the one line a deletion prints. */
static void name(const struct victim *v, char *out, size_t size)
{
	/* One byte kept back: a full stream leaves no terminator. */
	FILE *f = fmemopen(out, size - 1, "w");
	char uuid[37];

	memset(out, 0, size);
	if (f == NULL)
		return;
	fputc('\'', f);
	tool_put_text(f, v->label, strlen(v->label));
	fputc('\'', f);
	if (tool_id_uuid(v->id, v->id_len, uuid))
		fprintf(f, " (%s)", uuid);
	fclose(f);
}

/* The names of the other containers that hold v's private key, into
 * out; false when none does. A search that fails says so in out: the
 * refusal then stands (fail closed). */
static bool shared_with(struct tool *t, CK_SESSION_HANDLE s,
			const struct deletion *d, const struct victim *v,
			char *out, size_t size)
{
	CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE templ[] = {{CKA_CLASS, &klass, sizeof(klass)},
				{CKA_ID, v->id, v->id_len}};
	CK_OBJECT_HANDLE *keys = NULL, *holders = NULL;
	CK_ULONG n_keys = 0, n = 0, len, used = 0;
	unsigned char *secret = NULL, *id;
	char holder[256];
	CK_RV rv;

	out[0] = '\0';
	rv = tool_find(t, s, templ, 2, &keys, &n_keys);
	if (rv == CKR_OK && n_keys > 0 &&
	    (rv = tool_attr(t, s, keys[0], CKA_KMP11_SECRET_ID, &secret, &len)) == CKR_OK) {
		templ[1] = (CK_ATTRIBUTE){CKA_KMP11_SECRET_ID, secret, len};
		rv = tool_find(t, s, templ, 2, &holders, &n);
	}
	if (rv != CKR_OK)
		snprintf(out, size, "containers that could not be searched (%s)",
			 p11_kit_strerror(rv));
	for (CK_ULONG i = 0; i < n && used < size; i++) {
		if (tool_attr(t, s, holders[i], CKA_ID, &id, &len) != CKR_OK)
			continue;
		if (!is_victim(d, id, len)) {
			struct victim h = {holders[i], id, len,
					   tool_label(t, s, holders[i])};
			name(&h, holder, sizeof(holder));
			used += (CK_ULONG)snprintf(out + used, size - used, "%s%s",
						   used ? ", " : "", holder);
			free(h.label);
		}
		free(id);
	}
	free(keys);
	free(holders);
	free(secret);
	return out[0] != '\0';
}

/* Without --force, nothing is deleted when a container shares its key
 * with one that stays. */
static int check_shared(struct tool *t, CK_SESSION_HANDLE s, const struct deletion *d)
{
	char who[512], what[256];
	int status = TOOL_OK;

	for (CK_ULONG i = 0; i < d->n; i++)
		if (shared_with(t, s, d, &d->v[i], who, sizeof(who))) {
			name(&d->v[i], what, sizeof(what));
			status = tool_error("delete: %s: its private key is also "
					    "held by %s; --force deletes this "
					    "container and keeps the key", what, who);
		}
	return status;
}

static int destroy_all(struct tool *t, CK_SESSION_HANDLE s, const struct deletion *d)
{
	char what[256];
	CK_RV rv;

	for (CK_ULONG i = 0; i < d->n; i++) {
		name(&d->v[i], what, sizeof(what));
		if (d->dry_run) {
			printf("would delete %s\n", what);
			continue;
		}
		if ((rv = t->f->C_DestroyObject(s, d->v[i].object)) != CKR_OK) {
			tool_error("delete %s: %s (%lu deleted before)", what,
				   p11_kit_strerror(rv), i);
			return tool_status_of(rv);
		}
		printf("deleted %s\n", what);
	}
	return TOOL_OK;
}

static int delete_token(struct tool *t, struct tool_token *tok, void *arg)
{
	struct deletion *d = arg;
	CK_ULONG n, count = 0;
	CK_ATTRIBUTE *templ = tool_uri_template(d->uri, NULL, 0, &n);
	CK_OBJECT_HANDLE *found = NULL;
	CK_RV rv = templ ? tool_find(t, tok->session, templ, n, &found, &count)
			 : CKR_HOST_MEMORY;
	int status;

	free(templ);
	if (rv == CKR_OK)
		rv = gather(t, tok->session, d, found, count);
	free(found);
	if (rv != CKR_OK) {
		tool_error("delete: %s", p11_kit_strerror(rv));
		return tool_status_of(rv);
	}
	if (d->n == 0) {
		tool_error("delete: no object matches the URI");
		return TOOL_NO_MATCH;
	}
	status = d->force ? TOOL_OK : check_shared(t, tok->session, d);
	return status == TOOL_OK ? destroy_all(t, tok->session, d) : status;
}

int cmd_delete(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{"dry-run", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	struct deletion d = {0};
	CK_ULONG n = 0;
	int status = TOOL_OK;

	for (int c; (c = getopt_long(argc, argv, "fnh", opts, NULL)) != -1;) {
		if (c == 'f')
			d.force = true;
		else if (c == 'n')
			d.dry_run = true;
		else
			status = TOOL_USAGE;
	}
	if (status != TOOL_OK || argc - optind != 1) {
		tool_error("usage: delete URI [--force] [--dry-run]");
		return TOOL_USAGE;
	}
	if ((d.uri = tool_uri(argv[optind])) == NULL)
		return TOOL_USAGE;
	free(tool_uri_template(d.uri, NULL, 0, &n));
	if (n == 0) {
		p11_kit_uri_free(d.uri);
		tool_error("delete: the URI names no object (object=, id= or type=)");
		return TOOL_USAGE;
	}
	t->rw = !d.dry_run;
	status = tool_single_token(t, d.uri, delete_token, &d);
	for (CK_ULONG i = 0; i < d.n; i++) {
		free(d.v[i].id);
		free(d.v[i].label);
	}
	free(d.v);
	p11_kit_uri_free(d.uri);
	return status;
}
