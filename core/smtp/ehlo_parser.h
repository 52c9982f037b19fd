/* SPDX-License-Identifier: MIT */
/*
 * ehlo_parser.h - turn a 250 EHLO reply into a capability table.
 *
 * RFC 5321 4.1.1.1: the first line names the server; every further line is
 * "KEYWORD [params]". Keywords are upper-cased once here so checks compare
 * them exactly; parameters are kept as sent and also split on spaces.
 */
#ifndef SD_EHLO_PARSER_H
#define SD_EHLO_PARSER_H

#include <smtpdiag/session.h>

#define SD_EHLO_MAX_ARGS 4096 /* parameters kept per capability: every one an 8 KiB line
			       * can hold (64 dropped AUTH mechanisms without a word, issue 19) */

/* sd_ehlo_parse - build the table; REPLY must outlive the result. With
 * WITH_CAPS 0 (a HELO reply) only the server name is taken. */
sd_ehlo *sd_ehlo_parse(const sd_reply *reply, int with_caps);
/* sd_ehlo_free - free a table from sd_ehlo_parse; NULL is fine */
void sd_ehlo_free(sd_ehlo *e);

#endif
