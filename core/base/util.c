/* SPDX-License-Identifier: MIT */
/*
 * util.c - small string helpers shared by the core (no SMTP knowledge).
 *
 * Out-of-memory is the one condition the tool does not try to survive: the
 * x-allocators print a line and abort rather than let every caller invent
 * a half-working path.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"

/* oom - say the program ran out of memory on stderr and abort */
static void oom(void)
{
	fputs("smtp-diag: out of memory\n", stderr);
	abort();
}

/* sd_xstrdup - strdup or abort */
char *sd_xstrdup(const char *s)
{
	char *d = strdup(s != NULL ? s : "");

	if (d == NULL)
		oom();
	return d;
}

/* sd_xstrndup - strndup or abort */
char *sd_xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (d == NULL)
		oom();
	return d;
}

/* sd_xcalloc - calloc or abort */
void *sd_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n != 0 ? n : 1, size != 0 ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

/* sd_xrealloc - realloc or abort */
void *sd_xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size != 0 ? size : 1);

	if (q == NULL)
		oom();
	return q;
}

/* sd_vasprintf - format into a new string or abort */
char *sd_vasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	return s;
}

/* sd_asprintf - format into a new string or abort */
char *sd_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = sd_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* sd_strip_final_dot - "mail.example." -> "mail.example" */
void sd_strip_final_dot(char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;

	if (n > 1 && name[n - 1] == '.' && name[n - 2] != '.')
		name[n - 1] = '\0';
}

/* sd_strlcpy - bounded, always-terminated copy */
size_t sd_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

/* sd_printable - escape control bytes and DEL as \xNN for terminals */
char *sd_printable(const char *s)
{
	size_t n = strlen(s);
	char *out = sd_xcalloc(n * 4 + 1, 1);
	char *o = out;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			o += sprintf(o, "\\x%02x", c);
		else
			*o++ = (char)c;
	}
	*o = '\0';
	return out;
}

/* sd_dns_txt_tag - the first tag NAME of "tag=value;" record REC: its value,
 * spaces and tabs around it trimmed, as a pointer into REC and a length */
int sd_dns_txt_tag(const char *rec, const char *name, const char **value, size_t *len)
{
	size_t nl = strlen(name);

	for (const char *p = rec; p != NULL && *p != '\0'; p = strchr(p, ';') != NULL ? strchr(p, ';') + 1 : NULL) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, name, nl) != 0)
			continue;
		const char *q = p + nl;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '=')
			continue;
		q++;
		while (*q == ' ' || *q == '\t')
			q++;
		size_t n = strcspn(q, ";");
		while (n > 0 && (q[n - 1] == ' ' || q[n - 1] == '\t'))
			n--;
		*value = q;
		*len = n;
		return 1;
	}
	return 0;
}

/* sd_escape - length-counted bytes as printable text, NUL shown as \x00 */
char *sd_escape(const void *data, size_t len)
{
	const unsigned char *d = data;
	char *out = sd_xcalloc(len * 4 + 1, 1), *o = out;

	for (size_t i = 0; i < len; i++) {
		if (d[i] < 0x20 || d[i] == 0x7f || d[i] == '\\')
			o += sprintf(o, "\\x%02x", d[i]);
		else
			*o++ = (char)d[i];
	}
	*o = '\0';
	return out;
}

/* sd_format_ms - human duration: sub-ms with one decimal, seconds past 10 s */
const char *sd_format_ms(double ms, char *buf, size_t size)
{
	if (ms < 0)
		snprintf(buf, size, "n/a");
	else if (ms < 10)
		snprintf(buf, size, "%.1f ms", ms);
	else if (ms < 10000)
		snprintf(buf, size, "%.0f ms", ms);
	else
		snprintf(buf, size, "%.2f s", ms / 1000.0);
	return buf;
}

/* sd_word_prefix - longest prefix of at most MAX bytes ending between words */
size_t sd_word_prefix(const char *s, size_t max)
{
	size_t len = strlen(s), best = 0;

	if (len <= max)
		return len;
	for (size_t i = 1; i <= max; i++)
		if (s[i] == ' ' || s[i - 1] == ',' || s[i - 1] == ';')
			best = i;
	if (best > max / 3)
		return best;
	best = max;   /* one long token: cut it, but not inside a UTF-8 character */
	while (best > 0 && ((unsigned char)s[best] & 0xC0) == 0x80)
		best--;
	return best;
}

/* sd_clause_prefix - S cut before a clause outside parentheses (see util.h) */
size_t sd_clause_prefix(const char *s, size_t max)
{
	size_t len = strlen(s), best = 0;
	int depth = 0;

	if (len <= max)
		return len;
	for (size_t i = 0; i < max; i++) {
		char c = s[i];
		if (depth == 0 && i > max / 3 && (c == ';' || c == ',' || c == ':' || c == '('))
			best = i;
		depth += c == '(' ? 1 : c == ')' && depth > 0 ? -1 : 0;
	}
	/* no clause point past the first third: between words (a parenthesis
	 * opened after the first third would have been one) */
	if (best == 0)
		best = sd_word_prefix(s, max);
	while (best > 0 && s[best - 1] == ' ')
		best--;
	return best;
}
