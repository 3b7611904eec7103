/*
 * kmp11-tool delete URI: the objects the URI names are destroyed; a
 * certificate or key takes its whole container with it. The URI must
 * name objects (object=, id= or type=): "pkcs11:" alone is refused.
 */
#include "tools/tool.h"

#include <p11-kit/p11-kit.h>
#include <stdlib.h>

static int delete_token(struct tool *t, struct tool_token *tok, void *arg)
{
	CK_ULONG n, count, deleted = 0;
	CK_ATTRIBUTE *templ = tool_uri_template(arg, NULL, 0, &n);
	CK_OBJECT_HANDLE *found = NULL;
	CK_RV rv = templ ? tool_find(t, tok->session, templ, n, &found, &count)
			 : CKR_HOST_MEMORY;

	free(templ);
	if (rv == CKR_OK && count == 0)
		rv = CKR_OBJECT_HANDLE_INVALID;
	for (CK_ULONG i = 0; rv == CKR_OK && i < count; i++) {
		char *label = tool_label(t, tok->session, found[i]);
		rv = t->f->C_DestroyObject(tok->session, found[i]);
		if (rv == CKR_OK) {
			printf("deleted '%s'\n", label);
			deleted++;
		}
		free(label);
	}
	free(found);
	if (rv != CKR_OK)
		return tool_error("delete: %s (%lu deleted)", p11_kit_strerror(rv),
				  deleted);
	return 0;
}

int cmd_delete(struct tool *t, int argc, char **argv)
{
	P11KitUri *uri;
	CK_ULONG n = 0;
	CK_ATTRIBUTE *named;
	int status;

	if (argc != 2 || argv[1][0] == '-')
		return tool_error("usage: delete URI") + 1;
	if ((uri = tool_uri(argv[1])) == NULL)
		return tool_error("not a PKCS#11 URI: %s", argv[1]);
	named = tool_uri_template(uri, NULL, 0, &n);
	free(named);
	if (n == 0) {
		p11_kit_uri_free(uri);
		return tool_error("delete: the URI names no object "
				  "(object=, id= or type=)") + 1;
	}
	t->rw = true;
	status = tool_single_token(t, uri, delete_token, uri);
	p11_kit_uri_free(uri);
	return status;
}
