/* SPDX-License-Identifier: MIT */
/*
 * test_util.c - the cuts of long text for one-line results: sd_word_prefix
 * (between words) and sd_clause_prefix (before a clause, never inside a
 * parenthesis: a --nagios status line cut "(null sender ..." left one open).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/util.h"

/* test_word_prefix - whole strings stay, cuts fall between words */
static void test_word_prefix(void **state)
{
	(void)state;
	assert_int_equal(sd_word_prefix("short", 10), 5);
	assert_int_equal(sd_word_prefix("one two three", 9), 7);     /* "one two" */
	assert_int_equal(sd_word_prefix("abcdefghijkl", 5), 5);      /* one long word: cut */
}

/* test_clause_prefix - before a clause outside parentheses */
static void test_clause_prefix(void **state)
{
	(void)state;
	const char *relay = "3 address forms accepted (null sender, external, local part only), "
			    "the server relays for anyone";
	size_t n = sd_clause_prefix(relay, 50);
	/* the comma inside the parenthesis is not a clause: cut before '(' */
	assert_int_equal(n, strlen("3 address forms accepted"));
	assert_memory_equal(relay, "3 address forms accepted", n);

	const char *suites = "12 anonymous suites accepted: TLS_DH_anon_WITH_AES_256_GCM_SHA384 (ADH-AES256-GCM-SHA384), "
			     "TLS_DH_anon_WITH_AES_128_GCM_SHA256 (ADH-AES128-GCM-SHA256)";
	n = sd_clause_prefix(suites, 100);
	/* the last ',' outside parentheses before 100 bytes */
	assert_true(n > 40 && n < 100);
	assert_int_equal(suites[n], ',');
	size_t open = 0;
	for (size_t i = 0; i < n; i++)
		open += suites[i] == '(' ? 1 : suites[i] == ')' ? (size_t)-1 : 0;
	assert_int_equal(open, 0);

	assert_int_equal(sd_clause_prefix("fits", 10), 4);
	/* no clause in reach: between words, and not inside an open parenthesis */
	n = sd_clause_prefix("word word word (inside the parenthesis many words)", 30);
	assert_int_equal(n, strlen("word word word"));
}

/* main - run the tests */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_word_prefix),
		cmocka_unit_test(test_clause_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
