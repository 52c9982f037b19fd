/* SPDX-License-Identifier: MIT */
/*
 * fuzz_reply.c - the SMTP reply parser, fed line by line as the connection
 * reader does (CRLF or bare LF ends a line), and as a whole text.
 */
#include <string.h>

#include "fuzz.h"
#include "smtp/reply_parser.h"

/* LLVMFuzzerTestOneInput - fuzz target: feed the input's lines to a reply
 * parser with a small line cap */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	sd_reply_parser p;
	size_t start = 0;

	sd_reply_parser_init(&p, 8);   /* small, so the drop path runs too */
	for (size_t i = 0; i <= size; i++) {
		if (i < size && text[i] != '\n')
			continue;
		size_t len = i - start;
		unsigned flags = 0;
		if (len > 0 && text[start + len - 1] == '\r')
			len--;
		else if (i < size)
			flags |= SD_REPLY_BARE_LF;
		if (memchr(text + start, '\0', len) != NULL)
			flags |= SD_REPLY_NUL;
		sd_parse_status st = sd_reply_parser_feed(&p, text + start, len, flags);
		start = i + 1;
		if (st == SD_PARSE_OVERFLOW)
			break;
		if (st == SD_PARSE_DONE) {
			sd_reply *r = sd_reply_parser_take(&p);
			char enh[32];
			if (r->nlines > 0)
				sd_reply_enhanced(r->lines[0], r->code / 100, enh);
			sd_reply_free(r);
			sd_reply_parser_init(&p, 8);
		}
	}
	sd_reply_parser_clear(&p);
	sd_reply_free(sd_reply_parse_text(text, size));
	return 0;
}
