/* SPDX-License-Identifier: MIT */
/*
 * kb.c - the diagnosis knowledge base: matching replies and explaining kinds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diagnosis/kb.h"
#include "base/util.h"

typedef struct kb_item {
	sd_kb_entry e;
	int user;             /* from a profile: wins over built-ins */
	int owned;            /* strings belong to the KB */
} kb_item;

struct sd_kb {
	kb_item *items;
	size_t n;
};

/* sd_kb_new - a knowledge base holding the built-in entries */
sd_kb *sd_kb_new(void)
{
	sd_kb *kb = sd_xcalloc(1, sizeof(*kb));

	kb->items = sd_xcalloc(sd_kb_builtin_count ? sd_kb_builtin_count : 1, sizeof(kb_item));
	for (size_t i = 0; i < sd_kb_builtin_count; i++)
		kb->items[kb->n++].e = sd_kb_builtin[i];
	return kb;
}

/* dup_or_null - a copy of S, or NULL for NULL */
static const char *dup_or_null(const char *s)
{
	return s != NULL ? sd_xstrdup(s) : NULL;
}

/* sd_kb_add - add a copy of entry E to KB as a user entry */
void sd_kb_add(sd_kb *kb, const sd_kb_entry *e)
{
	kb->items = sd_xrealloc(kb->items, (kb->n + 1) * sizeof(kb_item));
	kb_item *it = &kb->items[kb->n++];
	it->user = it->owned = 1;
	it->e = (sd_kb_entry){ dup_or_null(e->kind),   dup_or_null(e->context), dup_or_null(e->code),
			       dup_or_null(e->status), dup_or_null(e->text),    dup_or_null(e->vendor),
			       dup_or_null(e->cause),  dup_or_null(e->fix) };
}

/* sd_kb_free - free KB and the entries it owns (NULL is fine) */
void sd_kb_free(sd_kb *kb)
{
	if (kb == NULL)
		return;
	for (size_t i = 0; i < kb->n; i++) {
		sd_kb_entry *e = &kb->items[i].e;
		if (!kb->items[i].owned)
			continue;
		free((char *)e->kind);
		free((char *)e->context);
		free((char *)e->code);
		free((char *)e->status);
		free((char *)e->text);
		free((char *)e->vendor);
		free((char *)e->cause);
		free((char *)e->fix);
	}
	free(kb->items);
	free(kb);
}

/* code_score - "554" exact 3, "55x" 2, "5xx" 1, no match -1 */
static int code_score(const char *pat, int code)
{
	char c[4];
	int score = 3;

	if (code < 100 || code > 999 || strlen(pat) != 3)
		return -1;
	c[0] = (char)('0' + code / 100);
	c[1] = (char)('0' + code / 10 % 10);
	c[2] = (char)('0' + code % 10);
	for (int i = 0; i < 3; i++) {
		if (pat[i] == 'x' || pat[i] == 'X')
			score--;
		else if (pat[i] != c[i])
			return -1;
	}
	return score;
}

/* status_matches - "5.7.1" matches prefix "5.7" on a dot boundary */
static int status_matches(const char *prefix, const char *status)
{
	size_t l = strlen(prefix);
	return strncmp(prefix, status, l) == 0 && (status[l] == '\0' || status[l] == '.');
}

/* text_matches - does any line of reply R contain NEEDLE, case-insensitively */
static int text_matches(const char *needle, const sd_reply *r)
{
	for (size_t i = 0; i < r->nlines; i++)
		if (strcasestr(r->lines[i], needle) != NULL)
			return 1;
	return 0;
}

/* sd_kb_classify - the most specific reply rule that matches */
const char *sd_kb_classify(const sd_kb *kb, const char *context, const sd_reply *reply)
{
	const char *best = NULL;
	int best_score = -1;

	if (kb == NULL || reply == NULL || reply->code == 0)
		return NULL;
	for (size_t i = 0; i < kb->n; i++) {
		const sd_kb_entry *e = &kb->items[i].e;
		int score = kb->items[i].user ? 1000 : 0;

		if (e->context == NULL || e->kind == NULL)
			continue; /* an explanation, not a reply rule */
		if (strcmp(e->context, "*") != 0) {
			if (context == NULL || strcasecmp(e->context, context) != 0)
				continue;
			score += 6; /* a rule written for this command beats a generic one */
		}
		if (e->code != NULL) {
			int c = code_score(e->code, reply->code);
			if (c < 0)
				continue;
			score += c;
		}
		if (e->status != NULL) {
			if (!status_matches(e->status, reply->enhanced))
				continue;
			score += 4 + (int)strlen(e->status);
		}
		if (e->text != NULL) {
			if (!text_matches(e->text, reply))
				continue;
			score += 20;
		}
		if (score > best_score || (kb->items[i].user && score == best_score)) {
			best_score = score;
			best = e->kind;
		}
	}
	return best;
}

/* sd_kb_references - the built-in references of a finding id */
const char *sd_kb_references(const char *id)
{
	for (size_t i = 0; id != NULL && i < sd_kb_refs_count; i++)
		if (strcmp(sd_kb_refs[i].id, id) == 0)
			return sd_kb_refs[i].refs;
	return NULL;
}

/* sd_kb_vendor_matches - does SOFTWARE name the (non-empty) VENDOR, case-insensitively */
int sd_kb_vendor_matches(const char *vendor, const char *software)
{
	return vendor != NULL && software != NULL && *vendor != '\0' && strcasestr(software, vendor) != NULL;
}

/* sd_kb_explain - in order: profile+vendor, profile, built-in+vendor, built-in */
int sd_kb_explain(const sd_kb *kb, const char *kind, const char *vendor, const char **cause, const char **fix)
{
	*cause = *fix = NULL;
	if (kb == NULL || kind == NULL)
		return 0;
	for (int pass = 0; pass < 4 && (*cause == NULL || *fix == NULL); pass++) {
		int want_user = pass < 2, want_vendor = pass % 2 == 0;
		for (size_t k = 0; k < kb->n; k++) {
			/* profile entries: the last written wins (a child over what it extends) */
			size_t i = want_user ? kb->n - 1 - k : k;
			const sd_kb_entry *e = &kb->items[i].e;
			if (kb->items[i].user != want_user || e->kind == NULL || strcmp(e->kind, kind) != 0)
				continue;
			if (want_vendor ? !sd_kb_vendor_matches(e->vendor, vendor) : e->vendor != NULL)
				continue;
			if (*cause == NULL && e->cause != NULL)
				*cause = e->cause;
			if (*fix == NULL && e->fix != NULL)
				*fix = e->fix;
		}
	}
	return *cause != NULL || *fix != NULL;
}

/* sd_kb_expand - {port} and {server} */
char *sd_kb_expand(const char *text, const char *server, unsigned port)
{
	size_t cap = strlen(text) + 1, len = 0;
	char *out = sd_xrealloc(NULL, cap);

	for (const char *p = text; *p != '\0';) {
		char num[16];
		const char *rep = NULL;
		size_t skip = 0;
		if (strncmp(p, "{port}", 6) == 0) {
			snprintf(num, sizeof(num), "%u", port);
			rep = num;
			skip = 6;
		} else if (strncmp(p, "{server}", 8) == 0) {
			rep = server != NULL ? server : "the server";
			skip = 8;
		}
		size_t add = rep != NULL ? strlen(rep) : 1;
		if (len + add + 1 > cap) {
			cap = (len + add + 1) * 2;
			out = sd_xrealloc(out, cap);
		}
		if (rep != NULL) {
			memcpy(out + len, rep, add);
			p += skip;
		} else {
			out[len] = *p++;
		}
		len += add;
	}
	out[len] = '\0';
	return out;
}
