/* SPDX-License-Identifier: MIT */
/*
 * test_ehlo_id.c - software identification from the EHLO reply alone (the
 * banner made anonymous): each lab vendor's real default reply, Exchange's
 * documented ones, and near misses that must not be named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ehlo/ehlo_id.h"

#define KW(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* count - keywords before the NULL */
static size_t count(const char *const *kws)
{
	size_t n = 0;
	while (kws[n] != NULL)
		n++;
	return n;
}

/* test_rows - each vendor's EHLO reply is identified as the right software with
 * the right confidence */
static void test_rows(void **state)
{
	const struct {
		const char *what, *rest;
		const char *const *kws;
		const char *software, *confidence;
	} rows[] = {
		/* Exim 4.96 (Debian), as the lab's Exim answers */
		{ "Exim default", "Hello localhost [127.0.0.1]",
		  KW("SIZE 52428800", "8BITMIME", "PIPELINING", "CHUNKING", "STARTTLS", "HELP"), "Exim", "medium" },
		{ "Exim with PIPECONNECT", "Hello mx.example [192.0.2.1]",
		  KW("SIZE 52428800", "8BITMIME", "PIPELINING", "PIPECONNECT", "CHUNKING", "HELP"), "Exim", "high" },
		/* Sendmail 8.17 */
		{ "Sendmail", "Hello localhost [127.0.0.1], pleased to meet you",
		  KW("ENHANCEDSTATUSCODES", "PIPELINING", "EXPN", "VERB", "8BITMIME", "SIZE", "DSN", "ETRN",
		     "AUTH PLAIN LOGIN", "STARTTLS", "DELIVERBY", "HELP"),
		  "Sendmail", "high" },
		{ "Sendmail without VERB/DELIVERBY, VRFY on", "Hello x [192.0.2.1], pleased to meet you",
		  KW("ENHANCEDSTATUSCODES", "PIPELINING", "8BITMIME", "SIZE", "DSN", "VRFY", "HELP"), "Sendmail",
		  "low" },
		/* OpenSMTPD 6.8 */
		{ "OpenSMTPD", "Hello [127.0.0.1] [127.0.0.1], pleased to meet you",
		  KW("8BITMIME", "ENHANCEDSTATUSCODES", "SIZE 36700160", "DSN", "STARTTLS", "HELP"), "OpenSMTPD",
		  "medium" },
		/* chasquid 1.11 */
		{ "chasquid", "- Your hour of destiny has come.",
		  KW("8BITMIME", "PIPELINING", "SMTPUTF8", "ENHANCEDSTATUSCODES", "SIZE 52428800", "STARTTLS",
		     "HELP"),
		  "chasquid", "high" },
		/* Exchange 2016/2019 and Exchange Online (Microsoft's documentation) */
		{ "Exchange on-premises", "Hello [192.0.2.1]",
		  KW("SIZE 37748736", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "STARTTLS", "X-ANONYMOUSTLS",
		     "AUTH NTLM", "X-EXPS GSSAPI NTLM", "8BITMIME", "BINARYMIME", "CHUNKING", "XRDST"),
		  "Microsoft Exchange", "high" },
		{ "Exchange Online", "Hello [192.0.2.1]",
		  KW("SIZE 157286400", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "STARTTLS", "8BITMIME",
		     "BINARYMIME", "CHUNKING", "SMTPUTF8"),
		  "Microsoft Exchange", "medium" },
		/* Postfix 3.7: the host name alone on the first line */
		{ "Postfix", "",
		  KW("PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "STARTTLS", "ENHANCEDSTATUSCODES", "8BITMIME",
		     "DSN", "SMTPUTF8", "CHUNKING"),
		  "Postfix", "low" },
		/* near misses: named by nothing */
		{ "Postfix with VRFY and ETRN off", "",
		  KW("PIPELINING", "SIZE 10240000", "STARTTLS", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN"), NULL,
		  NULL },
		{ "Exim's wording but ENHANCEDSTATUSCODES (a proxy's set)", "Hello x [192.0.2.1]",
		  KW("PIPELINING", "ENHANCEDSTATUSCODES", "HELP"), NULL, NULL },
		{ "'Hello [ip]' without BINARYMIME/CHUNKING", "Hello [192.0.2.1]", KW("PIPELINING", "STARTTLS"), NULL,
		  NULL },
		{ "a gateway's own words", "at your service", KW("PIPELINING", "8BITMIME", "STARTTLS"), NULL, NULL },
		{ "no text, no keywords", NULL, KW(NULL), NULL, NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		sd_ehlo_id id;
		int hit = sd_ehlo_identify(rows[i].rest, rows[i].kws, count(rows[i].kws), &id);

		print_message("%s\n", rows[i].what);
		if (rows[i].software == NULL) {
			if (hit || id.software != NULL)
				fail_msg("%s: got %s, want no identification", rows[i].what, id.software);
			continue;
		}
		assert_int_equal(hit, 1);
		assert_string_equal(id.software, rows[i].software);
		assert_string_equal(id.confidence, rows[i].confidence);
		/* evidence: at least one line, NULL-terminated within the array */
		assert_non_null(id.evidence[0]);
		size_t k = 0;
		while (k < sizeof(id.evidence) / sizeof(id.evidence[0]) && id.evidence[k] != NULL)
			k++;
		assert_true(k < sizeof(id.evidence) / sizeof(id.evidence[0]));
	}
}

/* test_case - keywords are compared without regard to case (RFC 5321 2.4) */
static void test_case(void **state)
{
	sd_ehlo_id id;
	(void)state;
	assert_int_equal(sd_ehlo_identify("hello x [192.0.2.1]", KW("pipelining", "help", "pipeconnect"), 3, &id), 1);
	assert_string_equal(id.software, "Exim");
	assert_string_equal(id.confidence, "high");
	assert_int_equal(sd_ehlo_identify("", KW("x-anonymoustls"), 1, &id), 1);
	assert_string_equal(id.software, "Microsoft Exchange");
}

/* main - run the EHLO identification tests */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_case),
	};
	return cmocka_run_group_tests_name("EHLO identification", tests, NULL, NULL);
}
