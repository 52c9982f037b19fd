/* SPDX-License-Identifier: MIT */
/*
 * util.h - small string helpers shared by the core (no SMTP knowledge).
 */
#ifndef SD_UTIL_H
#define SD_UTIL_H

#include <stdarg.h>
#include <stddef.h>

/* sd_xstrdup - strdup that aborts on out-of-memory (the tool cannot go on) */
char *sd_xstrdup(const char *s);
/* sd_xstrndup - strndup that aborts on out-of-memory */
char *sd_xstrndup(const char *s, size_t n);
/* sd_xcalloc - calloc that aborts on out-of-memory */
void *sd_xcalloc(size_t n, size_t size);
/* sd_xrealloc - realloc that aborts on out-of-memory */
void *sd_xrealloc(void *p, size_t size);
/* sd_vasprintf - vasprintf returning the string, aborting on OOM */
char *sd_vasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* sd_asprintf - asprintf returning the string, aborting on OOM */
char *sd_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* sd_strlcpy - bounded copy that always terminates; returns strlen(src) */
size_t sd_strlcpy(char *dst, const char *src, size_t size);
/* sd_word_prefix - the length of the longest prefix of S of at most MAX bytes
 * that ends between words (before a space, or after a ',' or ';'), so a
 * value is never cut in the middle; MAX when S has no such point early
 * enough (one word longer than MAX), and never inside a UTF-8 sequence */
size_t sd_word_prefix(const char *s, size_t max);
/* sd_clause_prefix - the length of the longest prefix of S of at most MAX
 * bytes that ends before a clause (before a ';', ',', ':' or '(' that is
 * outside parentheses), trailing spaces dropped, so a cut never leaves a
 * parenthesis opened in the last two thirds of MAX open; sd_word_prefix's
 * answer when no such point lies there */
size_t sd_clause_prefix(const char *s, size_t max);
/* sd_strip_final_dot - drop the one trailing dot of an absolute domain name
 * ("mail.example." -> "mail.example") in place: SNI (RFC 6066 3), EHLO names
 * and name comparisons use the name without it; "." stays; NULL is fine */
void sd_strip_final_dot(char *name);
/* sd_printable - copy S into a new string with control bytes shown as \xNN */
char *sd_printable(const char *s);
/* sd_dns_txt_tag - the trimmed value of tag NAME in a "tag=value;" TXT record
 * (public: include/smtpdiag/dns.h); 1 found, 0 not */
int sd_dns_txt_tag(const char *rec, const char *name, const char **value, size_t *len);
/* sd_escape - LEN bytes of network data as a new string: control bytes,
 * NUL included, DEL and backslash shown as \xNN, never cut at a NUL */
char *sd_escape(const void *data, size_t len);
/* sd_format_ms - "0.4 ms", "12 ms", "3.20 s" into BUF */
const char *sd_format_ms(double ms, char *buf, size_t size);

#endif
