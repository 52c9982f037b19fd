/* SPDX-License-Identifier: MIT */
/*
 * test_banner_id.c - software identification from greetings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "banner/banner_id.h"

/* test_rows - each vendor's greeting row is identified as the right software and version */
static void test_rows(void **state)
{
	static const struct {
		const char *banner, *software, *version;
	} rows[] = {
		{ "mail.example.com ESMTP Postfix (Debian/GNU)", "Postfix", "" },
		{ "mail.example.com ESMTP Postfix (3.7.11)", "Postfix", "3.7.11" },
		{ "mx.example.org ESMTP Exim 4.96 Tue, 01 Oct 2024 10:00:00 +0000", "Exim", "4.96" },
		{ "host.example ESMTP Sendmail 8.15.2/8.15.2; Mon, 1 Jan 2024", "Sendmail", "8.15.2" },
		{ "EX01.corp.example Microsoft ESMTP MAIL Service ready at Mon, 1 Jan 2024 10:00:00 +0100",
		  "Microsoft Exchange", "" },
		{ "AM0PR00MB0000.eurprd00.prod.outlook.com Microsoft ESMTP MAIL Service ready at Mon, 30 Nov 2026 "
		  "12:00:00 +0000", "Microsoft Exchange Online", "" },
		{ "smtp.example Microsoft ESMTP MAIL Service, Version: 6.0.3790.4675 ready",
		  "Microsoft IIS SMTP / Exchange", "6.0.3790.4675" },
		{ "mail.example ESMTP OpenSMTPD", "OpenSMTPD", "" },
		{ "mx.google.com ESMTP a1-20020a.123 - gsmtp", "Google (Gmail)", "" },
		{ "mail.example ESMTP Haraka/3.0.2 ready", "Haraka", "3.0.2" },
		{ "mail.example ESMTP Service (HCL Domino Release 12.0.2) ready", "Domino", "12.0.2" },
		{ "mail.example ESMTP MDaemon 23.0.1; Mon", "MDaemon", "23.0.1" },
		{ "mail.example ESMTP", NULL, "" },
		{ "mail.example ESMTP postfixer ready", NULL, "" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		sd_banner_id id;
		int hit = sd_banner_identify(rows[i].banner, &id);

		print_message("banner '%s'\n", rows[i].banner);
		if (rows[i].software == NULL) {
			if (hit)
				fail_msg("got %s, want no identification", id.software);
			continue;
		}
		assert_true(hit);
		assert_string_equal(id.software, rows[i].software);
		assert_string_equal(id.version, rows[i].version);
	}
}

/* main - run the banner identification tests */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
	};
	return cmocka_run_group_tests_name("banner identification", tests, NULL, NULL);
}
