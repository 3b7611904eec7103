/*
 * Handles that moved: when a write replaces a container (a certificate
 * completing its key pair, a rename), the handles an application holds
 * for its objects keep working in this process, as aliases of the new
 * objects' handles.
 */
#ifndef KMP11_ALIASES_H
#define KMP11_ALIASES_H

#include <p11-kit/pkcs11.h>
#include <stdbool.h>
#include <stddef.h>

struct kmp_aliases {
	struct kmp_alias {
		CK_OBJECT_HANDLE from, to;
	} *items;
	size_t n, cap;
};

/* false when out of memory (the old handle then just goes invalid). */
bool kmp_alias_add(struct kmp_aliases *a, CK_OBJECT_HANDLE from,
		   CK_OBJECT_HANDLE to);
/* Where a handle went, following moves; h itself if it never moved. */
CK_OBJECT_HANDLE kmp_alias_resolve(const struct kmp_aliases *a,
				   CK_OBJECT_HANDLE h);
void kmp_aliases_clear(struct kmp_aliases *a);

#endif
