#include "module/aliases.h"

#include <stdlib.h>

bool kmp_alias_add(struct kmp_aliases *a, CK_OBJECT_HANDLE from,
		   CK_OBJECT_HANDLE to)
{
	if (from == to)
		return true;
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 8;
		struct kmp_alias *grown = realloc(a->items, cap * sizeof(*grown));
		if (grown == NULL)
			return false;
		a->items = grown;
		a->cap = cap;
	}
	a->items[a->n++] = (struct kmp_alias){from, to};
	return true;
}

CK_OBJECT_HANDLE kmp_alias_resolve(const struct kmp_aliases *a,
				   CK_OBJECT_HANDLE h)
{
	/* Each move is newer than the ones before: one pass follows a
	 * chain of them (a certificate completed, then renamed). */
	for (size_t i = 0; i < a->n; i++)
		if (a->items[i].from == h)
			h = a->items[i].to;
	return h;
}

void kmp_aliases_clear(struct kmp_aliases *a)
{
	free(a->items);
	*a = (struct kmp_aliases){0};
}
