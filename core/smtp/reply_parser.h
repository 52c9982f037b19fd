/* SPDX-License-Identifier: MIT */
/*
 * reply_parser.h - build an sd_reply from reply lines, one line at a time.
 *
 * RFC 5321 4.2: "250-text" continues a reply, "250 text" (or a bare "250")
 * ends it. The parser checks each line, keeps at most max_lines lines of
 * text, and flags every irregularity in sd_reply.flags instead of failing,
 * so a check can say what exactly was wrong. Only a line that is not a reply
 * at all (no three digits) ends the reply early with code 0.
 */
#ifndef SD_REPLY_PARSER_H
#define SD_REPLY_PARSER_H

#include <stddef.h>

#include <smtpdiag/reply.h>

#define SD_REPLY_MAX_LINES 512          /* lines kept per reply */
#define SD_REPLY_HARD_LINES 100000      /* lines accepted per reply at all */
#define SD_REPLY_MAX_BYTES (1024 * 1024) /* bytes accepted per reply */
#define SD_REPLY_RFC_LINE 510           /* text octets before CRLF allowed by RFC */

typedef struct sd_reply_parser {
	sd_reply reply;    /* public view; reply.lines aliases `lines` */
	char **lines;
	size_t max_lines;
	size_t seen_lines; /* including dropped ones */
	size_t bytes;
	int done;
} sd_reply_parser;

typedef enum {
	SD_PARSE_MORE = 0,    /* feed the next line */
	SD_PARSE_DONE = 1,    /* reply complete */
	SD_PARSE_OVERFLOW = -1 /* too many lines or bytes: give up on the peer */
} sd_parse_status;

/* sd_reply_parser_init - start an empty reply */
void sd_reply_parser_init(sd_reply_parser *p, size_t max_lines);
/* sd_reply_parser_feed - add one line (without CRLF); LINE_FLAGS from the reader */
sd_parse_status sd_reply_parser_feed(sd_reply_parser *p, const char *line, size_t len,
				     unsigned line_flags);
/* sd_reply_parser_take - hand the finished reply over (free with sd_reply_free) */
sd_reply *sd_reply_parser_take(sd_reply_parser *p);
/* sd_reply_parser_clear - free a parser that was not taken */
void sd_reply_parser_clear(sd_reply_parser *p);
/* sd_reply_parse_text - parse a whole CRLF/LF-separated reply (tests, fuzzing) */
sd_reply *sd_reply_parse_text(const char *text, size_t len);
/* sd_reply_free - free a reply made by this module; NULL is fine */
void sd_reply_free(sd_reply *r);
/* sd_reply_enhanced - extract an RFC 3463 code of class CLASS from TEXT into
 * OUT (size >= 16); returns its length in TEXT (0 if none) */
size_t sd_reply_enhanced(const char *text, int class_digit, char *out);

#endif
