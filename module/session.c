#include "module/session.h"

#include <stdlib.h>

struct kmp_session *kmp_session_open(struct kmp_sessions *s, CK_SLOT_ID slot,
				     CK_FLAGS flags)
{
	struct kmp_session *session, **grown;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		if ((grown = realloc(s->items, cap * sizeof(*grown))) == NULL)
			return NULL;
		s->items = grown;
		s->cap = cap;
	}
	if ((session = calloc(1, sizeof(*session))) == NULL)
		return NULL;
	/* Handles are never reused within a process, so a stale one fails. */
	session->handle = ++s->last;
	session->slot = slot;
	session->flags = flags;
	s->items[s->n++] = session;
	return session;
}

struct kmp_session *kmp_session_get(struct kmp_sessions *s,
				    CK_SESSION_HANDLE handle)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->items[i]->handle == handle)
			return s->items[i];
	return NULL;
}

void kmp_session_end_find(struct kmp_session *session)
{
	free(session->found);
	session->found = NULL;
	session->n_found = session->pos = 0;
	session->finding = false;
}

void kmp_sessions_after_fork(struct kmp_sessions *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct kmp_session *session = s->items[i];
		if (session->finding && session->found == NULL)
			session->finding = false;
		for (int k = 0; k < KMP_N_OPS; k++)
			session->running[k] = false;
	}
}

static void drop_spares(struct kmp_session *session)
{
	for (int i = 0; i < KMP_N_OPS; i++) {
		kmp_op_free(session->spare[i]);
		session->spare[i] = NULL;
	}
}

static void session_free(struct kmp_session *session)
{
	kmp_session_end_find(session);
	for (int i = 0; i < KMP_N_OPS; i++)
		kmp_op_free(session->ops[i]);
	drop_spares(session);
	free(session);
}

void kmp_session_keep_spare(struct kmp_session *session, struct kmp_op *op)
{
	if (op->cls->again == NULL) {
		kmp_op_free(op);
		return;
	}
	kmp_op_free(session->spare[op->kind]);
	session->spare[op->kind] = op;
}

void kmp_session_drop_spares(struct kmp_sessions *s, CK_SLOT_ID slot)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->items[i]->slot == slot)
			drop_spares(s->items[i]);
}

bool kmp_session_close(struct kmp_sessions *s, CK_SESSION_HANDLE handle)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->items[i]->handle != handle)
			continue;
		session_free(s->items[i]);
		s->items[i] = s->items[--s->n];
		return true;
	}
	return false;
}

size_t kmp_session_close_slot(struct kmp_sessions *s, CK_SLOT_ID slot)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->items[i]->slot == slot)
			session_free(s->items[i]);
		else
			s->items[n++] = s->items[i];
	}
	s->n = n;
	return n;
}

size_t kmp_session_count(const struct kmp_sessions *s, CK_SLOT_ID slot,
			 bool rw_only)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->items[i]->slot == slot &&
		    (!rw_only || (s->items[i]->flags & CKF_RW_SESSION)))
			n++;
	return n;
}

void kmp_sessions_clear(struct kmp_sessions *s)
{
	for (size_t i = 0; i < s->n; i++)
		session_free(s->items[i]);
	free(s->items);
	s->items = NULL;
	s->n = s->cap = 0;
}
