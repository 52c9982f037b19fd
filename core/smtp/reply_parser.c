/* SPDX-License-Identifier: MIT */
/*
 * reply_parser.c - build an sd_reply from reply lines, one line at a time.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/reply_parser.h"
#include "base/util.h"

/* sd_reply_parser_init - start an empty reply */
void sd_reply_parser_init(sd_reply_parser *p, size_t max_lines)
{
	memset(p, 0, sizeof(*p));
	p->max_lines = max_lines > 0 ? max_lines : SD_REPLY_MAX_LINES;
}

/* digits3 - do the LEN bytes of S start with three digits (a reply code) */
static int digits3(const char *s, size_t len)
{
	return len >= 3 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	       isdigit((unsigned char)s[2]);
}

/* sd_reply_enhanced - "X.Y.Z" at the start of TEXT, X = CLASS_DIGIT */
size_t sd_reply_enhanced(const char *text, int class_digit, char *out)
{
	const char *s = text;
	size_t n;

	out[0] = '\0';
	if (s[0] != '0' + class_digit || s[1] != '.')
		return 0;
	s += 2;
	for (int part = 0; part < 2; part++) {
		n = 0;
		while (isdigit((unsigned char)s[n]))
			n++;
		if (n < 1 || n > 3)
			return 0;
		s += n;
		if (part == 0) {
			if (*s != '.')
				return 0;
			s++;
		}
	}
	if (*s != '\0' && *s != ' ')
		return 0;
	n = (size_t)(s - text);
	memcpy(out, text, n);
	out[n] = '\0';
	return n;
}

/* keep_line - append a copy of TEXT to P's reply, or flag it truncated once it
 * has max_lines lines */
static void keep_line(sd_reply_parser *p, const char *text, size_t len)
{
	if (p->reply.nlines >= p->max_lines) {
		p->reply.flags |= SD_REPLY_TRUNCATED;
		return;
	}
	p->lines = sd_xrealloc(p->lines, (p->reply.nlines + 1) * sizeof(char *));
	p->lines[p->reply.nlines++] = sd_xstrndup(text, len);
	p->reply.lines = (const char *const *)p->lines;
}

/* sd_reply_parser_feed - add one line */
sd_parse_status sd_reply_parser_feed(sd_reply_parser *p, const char *line, size_t len,
				     unsigned line_flags)
{
	p->reply.flags |= line_flags;
	p->seen_lines++;
	p->bytes += len + 2;
	if (len > SD_REPLY_RFC_LINE)
		p->reply.flags |= SD_REPLY_LONG_LINE;

	if (!digits3(line, len)) {
		/* not a reply line: keep the text for diagnosis and stop */
		p->reply.flags |= SD_REPLY_BAD_SYNTAX;
		if (p->seen_lines == 1)
			p->reply.code = 0;
		keep_line(p, line, len);
		p->done = 1;
		return SD_PARSE_DONE;
	}
	int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (p->seen_lines == 1) {
		p->reply.code = code;
		if (line[0] < '2' || line[0] > '5' || line[1] > '5')
			p->reply.flags |= SD_REPLY_BAD_CODE;
	} else if (code != p->reply.code) {
		p->reply.flags |= SD_REPLY_MIXED_CODES;
	}

	int last;
	const char *text;
	size_t tlen;
	if (len == 3) {
		last = 1;
		text = line + 3;
		tlen = 0;
	} else if (line[3] == ' ' || line[3] == '-') {
		last = line[3] == ' ';
		text = line + 4;
		tlen = len - 4;
	} else {
		/* "250text": not RFC syntax; treat as the last line */
		p->reply.flags |= SD_REPLY_BAD_SYNTAX;
		last = 1;
		text = line + 3;
		tlen = len - 3;
	}
	keep_line(p, text, tlen);
	if (p->seen_lines == 1 && p->reply.code >= 200 && p->reply.code < 600)
		sd_reply_enhanced(p->lines[0], p->reply.code / 100, p->reply.enhanced);

	if (last) {
		p->done = 1;
		return SD_PARSE_DONE;
	}
	if (p->seen_lines >= SD_REPLY_HARD_LINES || p->bytes >= SD_REPLY_MAX_BYTES)
		return SD_PARSE_OVERFLOW;
	return SD_PARSE_MORE;
}

/* A reply handed out owns its line array; the public part comes first. */
typedef struct owned_reply {
	sd_reply pub;
	char **lines;
} owned_reply;

/* sd_reply_parser_take - move the reply out of the parser */
sd_reply *sd_reply_parser_take(sd_reply_parser *p)
{
	owned_reply *o = sd_xcalloc(1, sizeof(*o));

	o->pub = p->reply;
	o->lines = p->lines;
	o->pub.lines = (const char *const *)o->lines;
	p->lines = NULL;
	memset(&p->reply, 0, sizeof(p->reply));
	return &o->pub;
}

/* sd_reply_parser_clear - free an untaken parser */
void sd_reply_parser_clear(sd_reply_parser *p)
{
	for (size_t i = 0; i < p->reply.nlines; i++)
		free(p->lines[i]);
	free(p->lines);
	p->lines = NULL;
	p->reply.nlines = 0;
}

/* sd_reply_free - free a reply made by sd_reply_parser_take */
void sd_reply_free(sd_reply *r)
{
	owned_reply *o = (owned_reply *)r;

	if (o == NULL)
		return;
	for (size_t i = 0; i < o->pub.nlines; i++)
		free(o->lines[i]);
	free(o->lines);
	free(o);
}

/* sd_reply_parse_text - parse a reply held in memory */
sd_reply *sd_reply_parse_text(const char *text, size_t len)
{
	sd_reply_parser p;
	size_t pos = 0;

	sd_reply_parser_init(&p, SD_REPLY_MAX_LINES);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;
		size_t n = end - pos;
		unsigned fl = 0;

		if (nl != NULL && n > 0 && text[end - 1] == '\r')
			n--;
		else if (nl != NULL)
			fl |= SD_REPLY_BARE_LF;
		char *line = sd_xcalloc(n + 1, 1);
		memcpy(line, text + pos, n);
		for (size_t i = 0; i < n; i++)
			if (line[i] == '\0') {
				line[i] = '?';
				fl |= SD_REPLY_NUL;
			}
		sd_parse_status st = sd_reply_parser_feed(&p, line, n, fl);
		free(line);
		pos = nl != NULL ? end + 1 : len;
		if (st != SD_PARSE_MORE)
			break;
	}
	if (p.seen_lines == 0) {
		sd_reply_parser_clear(&p);
		return NULL;
	}
	return sd_reply_parser_take(&p);
}
