/* SPDX-License-Identifier: MIT */
/*
 * test_mta_sts.c - MTA-STS TXT records and policies, TLS-RPT records:
 * what senders accept, and the exact reason for what they do not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mta_sts/mta_sts_parse.h"

/* has_problem - is problem ID among the N problems at P */
static int has_problem(const sd_sts_problem *p, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].id, id) == 0)
			return 1;
	return 0;
}

/* test_txt - MTA-STS TXT records parse with their id; non-records and a NUL inside are refused */
static void test_txt(void **state)
{
	sd_sts_txt t;
	(void)state;

	assert_int_equal(sd_sts_txt_parse("v=STSv1; id=20160831085700Z;", strlen("v=STSv1; id=20160831085700Z;"), &t), 0);
	assert_string_equal(t.id, "20160831085700Z");
	assert_int_equal(sd_sts_txt_parse("v=STSv1;id=abc", strlen("v=STSv1;id=abc"), &t), 0);
	assert_int_equal(sd_sts_txt_parse("v=STSv1 ;  id=abc ; ext_1=value", strlen("v=STSv1 ;  id=abc ; ext_1=value"), &t), 0);
	assert_true(sd_sts_is_record("v=STSv1; id=1"));
	assert_true(sd_sts_is_record("v=STSv1"));
	assert_false(sd_sts_is_record("v=STSv10; id=1"));
	assert_false(sd_sts_is_record("v=spf1 -all"));
	/* issue 19: a NUL is a problem, not the end of the record; no id is taken from it */
	static const char nul[] = "v=STSv1; id=abc\0garbage; x";
	assert_int_equal(sd_sts_txt_parse(nul, sizeof(nul) - 1, &t), -1);
	assert_true(has_problem(t.problems, t.nproblems, "txt_nul"));
	assert_string_equal(t.id, "");

	static const struct {
		const char *txt, *problem;
	} bad[] = {
		{ "v=STSv1", "id_missing" },
		{ "v=STSv1;", "id_missing" },
		{ "v=STSv1; id=", "id_invalid" },
		{ "v=STSv1; id=not_alphanumeric!", "id_invalid" },
		{ "v=STSv1; id=123456789012345678901234567890123", "id_invalid" }, /* 33 characters */
		{ "v=STSv1; id=1; id=2", "id_repeated" },
		{ "id=1; v=STSv1", "txt_version" },
		{ "v=STSv2; id=1", "txt_version" },
		{ "v=STSv1; id=1; garbage", "txt_syntax" },
		{ "v=STSv1; id=1; =x", "txt_syntax" },
		{ "v=STSv1; id=1; ext=a b", "txt_syntax" },
		{ "v=STSv1; id=1;; ", "txt_syntax" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sd_sts_txt_parse(bad[i].txt, strlen(bad[i].txt), &t) != -1)
			fail_msg("'%s' accepted", bad[i].txt);
		if (!has_problem(t.problems, t.nproblems, bad[i].problem))
			fail_msg("'%s': want %s, got %s", bad[i].txt, bad[i].problem,
				 t.nproblems ? t.problems[0].id : "nothing");
	}
}

/* test_policy_good - good MTA-STS policies parse (CRLF or LF, unknown fields, trimmed values) */
static void test_policy_good(void **state)
{
	sd_sts_policy p;
	(void)state;

	const char *good = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
			   "mx: backupmx.example.com\r\nmax_age: 604800\r\n";
	assert_int_equal(sd_sts_policy_parse(good, strlen(good), &p), 0);
	assert_int_equal(p.mode, SD_STS_MODE_ENFORCE);
	assert_int_equal(p.max_age, 604800);
	assert_int_equal(p.nmx, 3);
	assert_string_equal(p.mx[1], "*.example.net");
	assert_int_equal(p.nproblems, 0);

	/* LF only: usable, with a remark; unknown fields ignored; value whitespace trimmed */
	const char *lf = "version: STSv1\nmode:testing\nmx:  mail.example.com  \nmax_age: 86400\nfuture: x\n";
	assert_int_equal(sd_sts_policy_parse(lf, strlen(lf), &p), 0);
	assert_int_equal(p.mode, SD_STS_MODE_TESTING);
	assert_string_equal(p.mx[0], "mail.example.com");
	assert_true(has_problem(p.problems, p.nproblems, "line_ends"));

	/* ABNF literals are case-insensitive (RFC 5234 2.3) */
	const char *upper = "version: STSV1\r\nmode: Enforce\r\nmx: a.example\r\nmax_age: 1\r\n";
	assert_int_equal(sd_sts_policy_parse(upper, strlen(upper), &p), 0);
	assert_int_equal(p.mode, SD_STS_MODE_ENFORCE);

	/* mode none needs no mx; no final newline */
	const char *none = "version: STSv1\r\nmode: none\r\nmax_age: 0";
	assert_int_equal(sd_sts_policy_parse(none, strlen(none), &p), 0);
	assert_int_equal(p.mode, SD_STS_MODE_NONE);
	assert_int_equal(p.max_age, 0);
}

/* test_policy_bad - each malformed MTA-STS policy is refused with its problem id */
static void test_policy_bad(void **state)
{
	sd_sts_policy p;
	(void)state;

	static const struct {
		const char *body, *problem;
	} bad[] = {
		{ "mode: enforce\r\nmx: a.example\r\nmax_age: 1\r\n", "version_missing" },
		{ "version: STSv2\r\nmode: enforce\r\nmx: a.example\r\nmax_age: 1\r\n", "version_invalid" },
		{ "version: STSv1\r\nmx: a.example\r\nmax_age: 1\r\n", "mode_missing" },
		{ "version: STSv1\r\nmode: strict\r\nmx: a.example\r\nmax_age: 1\r\n", "mode_invalid" },
		{ "version: STSv1\r\nmode: enforce\r\nmx: a.example\r\n", "max_age_missing" },
		{ "version: STSv1\r\nmode: enforce\r\nmx: a.example\r\nmax_age: 31557601\r\n", "max_age_invalid" },
		{ "version: STSv1\r\nmode: enforce\r\nmx: a.example\r\nmax_age: -1\r\n", "max_age_invalid" },
		{ "version: STSv1\r\nmode: enforce\r\nmx: a.example\r\nmax_age: 1d\r\n", "max_age_invalid" },
		{ "version: STSv1\r\nmode: enforce\r\nmx: a.example\r\nmax_age: 99999999999\r\n", "max_age_invalid" },
		{ "version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n", "mx_missing" },
		{ "version: STSv1\r\nmode: testing\r\nmx: bad_host!\r\nmax_age: 86400\r\n", "mx_invalid" },
		{ "version: STSv1\r\nmode: enforce\r\nmx: *.*.example\r\nmax_age: 86400\r\n", "mx_invalid" },
		{ "version: STSv1\r\nmode: enforce\r\nmx: localhost\r\nmax_age: 86400\r\n", "mx_invalid" },
		{ "version: STSv1\r\nmode: enforce\r\nmode: none\r\nmx: a.example\r\nmax_age: 1\r\n", "field_repeated" },
		{ "version: STSv1\r\nmode enforce\r\nmx: a.example\r\nmax_age: 1\r\n", "policy_syntax" },
		{ "<html><body>Not here</body></html>", "policy_syntax" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sd_sts_policy_parse(bad[i].body, strlen(bad[i].body), &p) != -1)
			fail_msg("policy %zu accepted: %s", i, bad[i].body);
		if (!has_problem(p.problems, p.nproblems, bad[i].problem))
			fail_msg("policy %zu: want %s, got %s (%s)", i, bad[i].problem,
				 p.nproblems ? p.problems[0].id : "nothing", p.nproblems ? p.problems[0].text : "");
	}
	/* a NUL inside, and a 2 KB line */
	const char nul[] = "version: STSv1\r\nmode: enforce\0\r\nmx: a.example\r\nmax_age: 1\r\n";
	assert_int_equal(sd_sts_policy_parse(nul, sizeof(nul) - 1, &p), -1);
	char *big = malloc(2100);
	memset(big, 'x', 2099);
	big[2099] = '\0';
	assert_int_equal(sd_sts_policy_parse(big, strlen(big), &p), -1);
	assert_true(has_problem(p.problems, p.nproblems, "policy_syntax"));
	free(big);
	/* nothing at all */
	assert_int_equal(sd_sts_policy_parse("", 0, &p), -1);
	assert_true(has_problem(p.problems, p.nproblems, "version_missing"));
}

/* test_mx_patterns - policy mx patterns match MX names (case, trailing dot,
 * one-label wildcards only) */
static void test_mx_patterns(void **state)
{
	(void)state;
	assert_true(sd_sts_mx_matches("mail.example.com", "mail.example.com"));
	assert_true(sd_sts_mx_matches("mail.example.com", "MAIL.Example.com."));
	assert_true(sd_sts_mx_matches("*.example.com", "mx1.example.com"));
	assert_false(sd_sts_mx_matches("*.example.com", "example.com"));
	assert_false(sd_sts_mx_matches("*.example.com", "a.b.example.com"));  /* one label only */
	assert_false(sd_sts_mx_matches("*.example.com", "mx1.example.com.evil.net"));
	assert_false(sd_sts_mx_matches("mail.example.com", "mail2.example.com"));
	assert_false(sd_sts_mx_matches("example.com", "mail.example.com"));
}

/* issue 19: a cap that protects memory must not change the verdict */
static void test_policy_caps(void **state)
{
	sd_sts_policy p;
	char body[8192];
	size_t n = 0;
	(void)state;

	n += (size_t)snprintf(body + n, sizeof(body) - n, "version: STSv1\r\nmode: enforce\r\nmax_age: 604800\r\n");
	for (int i = 0; i < 99; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "mx: other%d.example.net\r\n", i);
	n += (size_t)snprintf(body + n, sizeof(body) - n, "mx: mail.example.com\r\n");
	assert_int_equal(sd_sts_policy_parse(body, n, &p), 0);
	assert_int_equal(p.nmx, SD_STS_MAX_MX);
	assert_int_equal(p.nmx_total, 100);
	assert_true(sd_sts_policy_covers(body, n, "mail.example.com"));
	assert_false(sd_sts_policy_covers(body, n, "mail2.example.com"));

	/* an extension line longer than the line buffer is ignored, as senders do */
	n = (size_t)snprintf(body, sizeof(body), "version: STSv1\r\nmode: testing\r\nmax_age: 604800\r\nmx: a.example.com\r\next: ");
	memset(body + n, 'x', 1000);
	n += 1000;
	n += (size_t)snprintf(body + n, sizeof(body) - n, "\r\n");
	assert_int_equal(sd_sts_policy_parse(body, n, &p), 0);
}

/* test_tlsrpt - TLS-RPT records parse with their rua addresses, and bad ones
 * give their problem ids */
static void test_tlsrpt(void **state)
{
	sd_tlsrpt t;
	(void)state;

	assert_int_equal(sd_tlsrpt_parse("v=TLSRPTv1; rua=mailto:reports@example.com", strlen("v=TLSRPTv1; rua=mailto:reports@example.com"), &t), 0);
	assert_int_equal(t.nrua, 1);
	assert_int_equal(sd_tlsrpt_parse("v=TLSRPTv1;rua=mailto:a@example.com, https://r.example.com/tls;", strlen("v=TLSRPTv1;rua=mailto:a@example.com, https://r.example.com/tls;"), &t), 0);
	assert_int_equal(t.nrua, 2);
	assert_string_equal(t.rua[1], "https://r.example.com/tls");
	assert_true(sd_tlsrpt_is_record("v=TLSRPTv1;rua=x"));
	assert_false(sd_tlsrpt_is_record("v=TLSRPTv10; rua=x"));

	static const struct {
		const char *txt, *problem;
	} bad[] = {
		{ "v=TLSRPTv1", "rua_missing" },
		{ "v=TLSRPTv1; rua=http://r.example.com/x", "rua_scheme" },
		{ "v=TLSRPTv1; rua=mailto:nobody", "rua_invalid" },
		{ "v=TLSRPTv1; rua=mailto:@example.com", "rua_invalid" },
		{ "v=TLSRPTv1; rua=https://", "rua_invalid" },
		{ "v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com", "rua_repeated" },
		{ "rua=mailto:a@example.com; v=TLSRPTv1", "version" },
	};
	/* a NUL inside the record is never its end (issue 19): what follows it counts */
	static const char nul[] = "v=TLSRPTv1; rua=mailto:a@example.com\0,ftp://x.example";
	assert_int_equal(sd_tlsrpt_parse(nul, sizeof(nul) - 1, &t), -1);
	assert_true(has_problem(t.problems, t.nproblems, "nul"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sd_tlsrpt_parse(bad[i].txt, strlen(bad[i].txt), &t) != -1)
			fail_msg("'%s' accepted", bad[i].txt);
		if (!has_problem(t.problems, t.nproblems, bad[i].problem))
			fail_msg("'%s': want %s, got %s", bad[i].txt, bad[i].problem,
				 t.nproblems ? t.problems[0].id : "nothing");
	}
}

/* main - run the MTA-STS and TLS-RPT parser tests */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txt),
		cmocka_unit_test(test_policy_good),
		cmocka_unit_test(test_policy_bad),
		cmocka_unit_test(test_mx_patterns),
		cmocka_unit_test(test_policy_caps),
		cmocka_unit_test(test_tlsrpt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
