/* SPDX-License-Identifier: MIT */
/*
 * test_reply.c - the reply parser (RFC 5321 4.2), one row per case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "smtp/reply_parser.h"

typedef struct row {
	const char *name;
	const char *text;
	int code;
	const char *enhanced;
	size_t nlines;
	const char *last_line;
	unsigned flags;
} row;

static const row rows[] = {
	{ "single line", "220 mail.example.com ESMTP\r\n", 220, "", 1, "mail.example.com ESMTP", 0 },
	{ "bare code", "250\r\n", 250, "", 1, "", 0 },
	{ "multi-line", "250-mail.example.com\r\n250-PIPELINING\r\n250 SIZE 1000\r\n", 250, "", 3, "SIZE 1000", 0 },
	{ "enhanced code", "550 5.7.1 Relaying denied\r\n", 550, "5.7.1", 1, "5.7.1 Relaying denied", 0 },
	{ "enhanced code, 3-digit parts", "451 4.123.456 try later\r\n", 451, "4.123.456", 1, "4.123.456 try later", 0 },
	{ "enhanced class must match", "550 4.7.1 odd\r\n", 550, "", 1, "4.7.1 odd", 0 },
	{ "not enhanced: version-like", "220 5.7.1x ready\r\n", 220, "", 1, "5.7.1x ready", 0 },
	{ "mixed codes", "250-a\r\n251 b\r\n", 250, "", 2, "b", SD_REPLY_MIXED_CODES },
	{ "bare LF", "220 hi\n", 220, "", 1, "hi", SD_REPLY_BARE_LF },
	{ "not SMTP", "SSH-2.0-OpenSSH_9.2\r\n", 0, "", 1, "SSH-2.0-OpenSSH_9.2", SD_REPLY_BAD_SYNTAX },
	{ "no separator", "220mail ready\r\n", 220, "", 1, "mail ready", SD_REPLY_BAD_SYNTAX },
	{ "code out of range", "999 what\r\n", 999, "", 1, "what", SD_REPLY_BAD_CODE },
	{ "code 1xx", "199 early\r\n", 199, "", 1, "early", SD_REPLY_BAD_CODE },
	{ "garbage in continuation", "250-ok\r\nxyz\r\n", 250, "", 2, "xyz", SD_REPLY_BAD_SYNTAX },
	{ "421 closing", "421 4.3.2 Service shutting down\r\n", 421, "4.3.2", 1, "4.3.2 Service shutting down", 0 },
};

/* test_rows - each sample reply parses to its code, enhanced code, lines and flags */
static void test_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const row *w = &rows[i];
		sd_reply *r = sd_reply_parse_text(w->text, strlen(w->text));

		print_message("case: %s\n", w->name);
		assert_non_null(r);
		assert_int_equal(r->code, w->code);
		assert_string_equal(r->enhanced, w->enhanced);
		assert_int_equal(r->nlines, w->nlines);
		assert_string_equal(r->lines[r->nlines - 1], w->last_line);
		assert_int_equal(r->flags, w->flags);
		sd_reply_free(r);
	}
}

/* test_long_line_flag - a line longer than RFC 5321 allows is flagged */
static void test_long_line_flag(void **state)
{
	char buf[700];
	(void)state;

	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "220 ", 4);
	memcpy(buf + sizeof(buf) - 2, "\r\n", 2);
	sd_reply *r = sd_reply_parse_text(buf, sizeof(buf));
	assert_non_null(r);
	assert_int_equal(r->code, 220);
	assert_true(r->flags & SD_REPLY_LONG_LINE);
	sd_reply_free(r);
}

/* test_nul_bytes - NUL bytes in a reply are replaced by '?' and flagged */
static void test_nul_bytes(void **state)
{
	static const char text[] = "220 a\0b\r\n";
	(void)state;

	sd_reply *r = sd_reply_parse_text(text, sizeof(text) - 1);
	assert_non_null(r);
	assert_string_equal(r->lines[0], "a?b");
	assert_true(r->flags & SD_REPLY_NUL);
	sd_reply_free(r);
}

/* test_line_cap - a reply with more lines than kept completes, truncated to the cap and flagged */
static void test_line_cap(void **state)
{
	sd_reply_parser p;
	(void)state;

	/* more lines than kept: the reply completes, flagged, with the cap kept */
	sd_reply_parser_init(&p, 3);
	for (int i = 0; i < 10; i++)
		assert_int_equal(sd_reply_parser_feed(&p, "250-x", 5, 0), SD_PARSE_MORE);
	assert_int_equal(sd_reply_parser_feed(&p, "250 end", 7, 0), SD_PARSE_DONE);
	sd_reply *r = sd_reply_parser_take(&p);
	assert_int_equal(r->nlines, 3);
	assert_true(r->flags & SD_REPLY_TRUNCATED);
	sd_reply_free(r);
}

/* test_endless_reply_overflows - a reply that never ends overflows at the hard line limit */
static void test_endless_reply_overflows(void **state)
{
	sd_reply_parser p;
	sd_parse_status st = SD_PARSE_MORE;
	size_t i;
	(void)state;

	sd_reply_parser_init(&p, SD_REPLY_MAX_LINES);
	for (i = 0; i < SD_REPLY_HARD_LINES + 10 && st == SD_PARSE_MORE; i++)
		st = sd_reply_parser_feed(&p, "250-more", 8, 0);
	assert_int_equal(st, SD_PARSE_OVERFLOW);
	assert_true(i <= SD_REPLY_HARD_LINES);
	sd_reply_parser_clear(&p);
}

/* test_enhanced_helper - enhanced status codes are read from a line start,
 * malformed ones refused */
static void test_enhanced_helper(void **state)
{
	char out[16];
	(void)state;

	assert_int_equal(sd_reply_enhanced("2.0.0 Ok", 2, out), 5);
	assert_string_equal(out, "2.0.0");
	assert_int_equal(sd_reply_enhanced("2.0.0", 2, out), 5);
	assert_int_equal(sd_reply_enhanced("2.0000.0 x", 2, out), 0);
	assert_int_equal(sd_reply_enhanced("2..0 x", 2, out), 0);
	assert_int_equal(sd_reply_enhanced("", 2, out), 0);
}

/* main - run the reply parser tests */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_long_line_flag),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_line_cap),
		cmocka_unit_test(test_endless_reply_overflows),
		cmocka_unit_test(test_enhanced_helper),
	};
	return cmocka_run_group_tests_name("reply parser", tests, NULL, NULL);
}
