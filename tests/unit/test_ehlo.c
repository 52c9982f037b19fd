/* SPDX-License-Identifier: MIT */
/*
 * test_ehlo.c - the EHLO capability parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "smtp/ehlo_parser.h"
#include "smtp/reply_parser.h"

/* parse - the reply parsed from TEXT (asserted to parse) */
static sd_reply *parse(const char *text)
{
	sd_reply *r = sd_reply_parse_text(text, strlen(text));
	assert_non_null(r);
	return r;
}

/* test_postfix - Postfix's EHLO reply gives its domain and capabilities with
 * their parameters and arguments */
static void test_postfix(void **state)
{
	(void)state;
	sd_reply *r = parse("250-mail.lab.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n"
			    "250-ETRN\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n"
			    "250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n");
	sd_ehlo *e = sd_ehlo_parse(r, 1);

	assert_string_equal(e->domain, "mail.lab.test");
	assert_int_equal(e->ncaps, 11);
	const sd_capability *c = sd_ehlo_find(e, "size");
	assert_non_null(c);
	assert_string_equal(c->keyword, "SIZE");
	assert_string_equal(c->params, "10240000");
	assert_int_equal(c->nargs, 1);
	c = sd_ehlo_find(e, "AUTH");
	assert_non_null(c);
	assert_int_equal(c->nargs, 2);
	assert_string_equal(c->args[0], "PLAIN");
	assert_string_equal(c->args[1], "LOGIN");
	assert_non_null(sd_ehlo_find(e, "starttls"));
	assert_null(sd_ehlo_find(e, "REQUIRETLS"));
	assert_int_equal(e->duplicate_keywords, 0);
	sd_ehlo_free(e);
	sd_reply_free(r);
}

/* test_lowercase_and_duplicates - lower-case keywords are found, duplicates
 * counted, AUTH=LOGIN kept as its own keyword */
static void test_lowercase_and_duplicates(void **state)
{
	(void)state;
	/* check_smtp misses a lower-case starttls; we must not */
	sd_reply *r = parse("250-mx.example greets you\r\n250-starttls\r\n250-Size\r\n250-SIZE 5\r\n"
			    "250 AUTH=LOGIN PLAIN\r\n");
	sd_ehlo *e = sd_ehlo_parse(r, 1);

	assert_string_equal(e->domain, "mx.example");
	assert_non_null(sd_ehlo_find(e, "STARTTLS"));
	assert_int_equal(e->duplicate_keywords, 1);
	const sd_capability *c = sd_ehlo_find(e, "AUTH=LOGIN");
	assert_non_null(c);
	assert_string_equal(c->params, "PLAIN");
	sd_ehlo_free(e);
	sd_reply_free(r);
}

/* test_helo_has_no_caps - a HELO reply gives the domain but no capabilities */
static void test_helo_has_no_caps(void **state)
{
	(void)state;
	sd_reply *r = parse("250-old.example\r\n250 STARTTLS\r\n");
	sd_ehlo *e = sd_ehlo_parse(r, 0);

	assert_string_equal(e->domain, "old.example");
	assert_int_equal(e->ncaps, 0);
	assert_null(sd_ehlo_find(e, "STARTTLS"));
	sd_ehlo_free(e);
	sd_reply_free(r);
}

/* issue 19: every parameter a line can hold is kept (a 65th AUTH mechanism
 * was dropped without a word); the cap only bounds lines longer than 8 KiB */
static void test_many_args_capped(void **state)
{
	char text[4096] = "250-x\r\n250 AUTH";
	(void)state;

	for (int i = 0; i < 100; i++)
		strcat(text, " M");
	strcat(text, " LAST\r\n");
	sd_reply *r = parse(text);
	sd_ehlo *e = sd_ehlo_parse(r, 1);
	assert_int_equal(sd_ehlo_find(e, "AUTH")->nargs, 101);
	assert_string_equal(sd_ehlo_find(e, "AUTH")->args[100], "LAST");
	assert_true(SD_EHLO_MAX_ARGS >= 8192 / 2);
	sd_ehlo_free(e);
	sd_reply_free(r);
}

/* test_keyword_first_line - a keyword where the domain belongs is still a
 * capability, the domain is empty and the fault is recorded */
static void test_keyword_first_line(void **state)
{
	(void)state;
	sd_reply *r = parse("250-STARTTLS\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
	sd_ehlo *e = sd_ehlo_parse(r, 1);

	assert_string_equal(e->domain, "");
	assert_string_equal(e->first_line_keyword, "STARTTLS");
	assert_int_equal(e->ncaps, 3);
	assert_non_null(sd_ehlo_find(e, "STARTTLS"));
	sd_ehlo_free(e);
	sd_reply_free(r);
	/* a NetBIOS-style name without dots is a name, not a keyword */
	r = parse("250-EXCH01 Hello [192.0.2.1]\r\n250 STARTTLS\r\n");
	e = sd_ehlo_parse(r, 1);
	assert_string_equal(e->domain, "EXCH01");
	assert_null(e->first_line_keyword);
	assert_int_equal(e->ncaps, 1);
	sd_ehlo_free(e);
	sd_reply_free(r);
}

/* main - run the EHLO parser tests */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postfix),
		cmocka_unit_test(test_lowercase_and_duplicates),
		cmocka_unit_test(test_helo_has_no_caps),
		cmocka_unit_test(test_many_args_capped),
		cmocka_unit_test(test_keyword_first_line),
	};
	return cmocka_run_group_tests_name("EHLO parser", tests, NULL, NULL);
}
