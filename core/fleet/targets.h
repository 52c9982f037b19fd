/* SPDX-License-Identifier: MIT */
/*
 * targets.h - what a run audits: --server, --domain and --targets lists.
 *
 * One target per entry, written as
 *     [server] NAME[:PORT] [ADDRESS[,ADDRESS...]]
 *     domain DOMAIN
 * NAME may be a host name, an IPv4 literal, or an IPv6 literal (bare, or in
 * brackets when a port follows: [2001:db8::25]:2525). ADDRESS pins the
 * addresses to connect to (as --address does) while NAME stays the name
 * used for SNI, certificate matching and the report. A bare entry is a
 * server unless the list's default kind says domain (--target-type).
 * In a file, '#' starts a comment and blank lines are skipped.
 */
#ifndef SD_TARGETS_H
#define SD_TARGETS_H

#include <stddef.h>
#include <stdio.h>

typedef enum { SD_TARGET_SERVER = 0, SD_TARGET_DOMAIN } sd_target_kind;

typedef struct sd_target_spec {
	sd_target_kind kind;
	char *name;          /* host name / literal, or the domain */
	unsigned port;       /* 0: the profile's or --port */
	char *address;       /* pinned address list, or NULL */
	char *origin;        /* "targets.txt:12" or "--server", for messages */
	char *unit;          /* a plan's unit key (--plan), written into its report; else NULL */
} sd_target_spec;

typedef struct sd_target_list {
	sd_target_spec *v;
	size_t n;
} sd_target_list;

/* sd_target_parse - one entry (no comment, no line break); 0, or -1 with
 * a one-line *err (without the origin) */
int sd_target_parse(const char *text, sd_target_kind dflt, sd_target_spec *out, char **err);
/* sd_target_list_add - parse TEXT and append it; ORIGIN is copied; -1 *err
 * is prefixed with ORIGIN */
int sd_target_list_add(sd_target_list *l, const char *text, sd_target_kind dflt, const char *origin,
		       char **err);
/* sd_target_list_read - every entry of F (named FNAME in messages: "-" is
 * standard input); -1 and "FNAME:LINE: ..." on the first bad line */
int sd_target_list_read(sd_target_list *l, FILE *f, const char *fname, sd_target_kind dflt, char **err);
/* sd_target_list_clear - free the entries */
void sd_target_list_clear(sd_target_list *l);

#endif
