/* SPDX-License-Identifier: MIT */
/*
 * kb.h - the diagnosis knowledge base: what a server's reply means, and
 * for each kind of problem its likely root cause and fix.
 *
 * Two questions, one table (built in, core/kb_table.c, plus entries from
 * the profile's `diagnoses:`):
 *   classify: reply (context, code, enhanced status, text) -> kind, such
 *             as "smtp.relay_denied";
 *   explain:  kind (or a finding id such as "connect.timeout") and the
 *             server's vendor -> cause and fix.
 * Vendor entries ("postfix", "exchange", ...) replace the generic fix (and
 * cause, when they give one) when the vendor is known: from the profile's
 * `vendor:`, else from the software the banner check named. Profile
 * entries win over built-in ones. The KB is read-only once built and is
 * shared by every target of a run.
 */
#ifndef SD_KB_H
#define SD_KB_H

#include <stddef.h>

#include <smtpdiag/reply.h>

typedef struct sd_kb_entry {
	const char *kind;     /* "smtp.relay_denied", or a finding id */
	/* reply rule (all NULL: an explanation only) */
	const char *context;  /* "mail", "rcpt", "data", "auth", "starttls", "ehlo", "greeting", "*" */
	const char *code;     /* "554", "55x" or "5xx" */
	const char *status;   /* enhanced status code prefix, "5.7.1" or "5.7" */
	const char *text;     /* case-insensitive substring of the reply text */
	const char *vendor;   /* NULL: any server; else matched in the software name */
	const char *cause;    /* may hold {port} and {server} */
	const char *fix;
} sd_kb_entry;

typedef struct sd_kb sd_kb;

/* sd_kb_new - the built-in table */
sd_kb *sd_kb_new(void);
/* sd_kb_add - a profile's entry (strings copied); it wins over built-ins */
void sd_kb_add(sd_kb *kb, const sd_kb_entry *e);
/* sd_kb_classify - the kind of REPLY in CONTEXT, or NULL */
const char *sd_kb_classify(const sd_kb *kb, const char *context, const sd_reply *reply);
/* sd_kb_explain - cause and fix for KIND as VENDOR (may be NULL) would
 * word it; either may come back NULL. 1 if anything was found. */
int sd_kb_explain(const sd_kb *kb, const char *kind, const char *vendor, const char **cause, const char **fix);
/* sd_kb_vendor_matches - VENDOR word ("exchange") in SOFTWARE ("Microsoft Exchange") */
int sd_kb_vendor_matches(const char *vendor, const char *software);
/* sd_kb_expand - TEXT with {port} and {server} replaced; free the result */
char *sd_kb_expand(const char *text, const char *server, unsigned port);
/* sd_kb_references - the CVEs and RFCs a finding id (or kind) concerns,
 * "CVE-2016-2183 RFC 7465" (space-separated pairs of words), or NULL */
const char *sd_kb_references(const char *id);
/* sd_kb_free - NULL is fine */
void sd_kb_free(sd_kb *kb);

/* the built-in entries, in core/kb_table.c */
extern const sd_kb_entry sd_kb_builtin[];
extern const size_t sd_kb_builtin_count;
/* finding id -> references, in core/kb_table.c */
typedef struct sd_kb_ref {
	const char *id;
	const char *refs;     /* "CVE-2011-0411 RFC 3207": each reference two words */
} sd_kb_ref;
extern const sd_kb_ref sd_kb_refs[];
extern const size_t sd_kb_refs_count;

#endif
