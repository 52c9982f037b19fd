/* SPDX-License-Identifier: MIT */
/*
 * test_kb.c - the diagnosis knowledge base: replies to kinds, kinds to words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diagnosis/kb.h"

/* classify - the kind KB gives a reply of CODE, STATUS and TEXT in context CTX */
static const char *classify(const sd_kb *kb, const char *ctx, int code, const char *status, const char *text)
{
	const char *lines[1] = { text };
	sd_reply r = { .code = code, .nlines = 1, .lines = lines };
	strcpy(r.enhanced, status);
	return sd_kb_classify(kb, ctx, &r);
}

/* test_classify_seed_cases - real vendor replies classify to the right finding kind */
static void test_classify_seed_cases(void **state)
{
	static const struct {
		const char *ctx;
		int code;
		const char *status, *text, *kind;
	} rows[] = {
		/* Postfix */
		{ "rcpt", 554, "5.7.1", "5.7.1 <x@example.net>: Relay access denied", "smtp.relay_denied" },
		{ "rcpt", 454, "4.7.1", "4.7.1 <x@example.net>: Relay access denied", "smtp.relay_denied_temporary" },
		{ "mail", 530, "5.7.0", "5.7.0 Must issue a STARTTLS command first", "smtp.starttls_required" },
		{ "rcpt", 530, "5.7.0", "5.7.0 Authentication required", "smtp.auth_required" },
		{ "auth", 535, "5.7.8", "5.7.8 Error: authentication failed: authentication failure", "smtp.auth_failed" },
		{ "auth", 534, "5.7.9", "5.7.9 Authentication mechanism is too weak", "smtp.auth_mechanism_too_weak" },
		{ "auth", 538, "5.7.11", "5.7.11 Encryption required for requested authentication mechanism",
		  "smtp.encryption_required" },
		{ "auth", 454, "4.7.0", "4.7.0 Temporary authentication failure", "smtp.auth_temporary" },
		{ "auth", 503, "5.5.1", "5.5.1 Error: authentication not enabled", "smtp.auth_disabled" },
		{ "rcpt", 450, "4.2.0", "4.2.0 <a@b>: Recipient address rejected: Greylisted, see http://x", "smtp.greylisted" },
		{ "rcpt", 550, "5.1.1", "5.1.1 <nobody@lab.test>: Recipient address rejected: User unknown in local "
					"recipient table", "smtp.mailbox_unknown" },
		{ "rcpt", 554, "5.7.1", "5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
		  "smtp.blocklisted" },
		{ "rcpt", 554, "5.7.1", "5.7.1 <a@b>: Recipient address rejected: Access denied", "smtp.policy_rejected" },
		{ "mail", 553, "5.1.8", "5.1.8 <a@nowhere.invalid>: Sender address rejected: Domain not found",
		  "smtp.sender_domain_unknown" },
		/* Exchange and others */
		{ "rcpt", 550, "5.7.54", "5.7.54 SMTP; Unable to relay recipient in non-accepted domain", "smtp.relay_denied" },
		{ "rcpt", 550, "5.7.1", "5.7.1 Unable to relay", "smtp.relay_denied" },
		{ "mail", 530, "5.7.57", "5.7.57 Client not authenticated to send mail. [AM0PR00MB0000.eurprd00.prod.outlook.com]",
		  "smtp.submission_auth_required" },
		{ "auth", 535, "5.7.3", "5.7.3 Authentication unsuccessful [AM0PR00MB0000.eurprd00.prod.outlook.com]",
		  "smtp.auth_failed" },
		/* Exchange's proxy failure is no greylisting, though it says "try again later" */
		{ "rcpt", 451, "4.7.0", "4.7.0 Temporary server error. Please try again later. PRX2",
		  "smtp.server_error_temporary" },
		{ "greeting", 421, "4.3.2", "4.3.2 The maximum number of concurrent connections has exceeded a limit, "
					    "closing transmission channel", "smtp.rate_limited" },
		{ "rcpt", 550, "", "relay not permitted", "smtp.relay_denied" },
		{ "rcpt", 550, "5.7.1", "5.7.1 <a@b>... Relaying denied", "smtp.relay_denied" },
		{ "mail", 550, "5.7.60", "5.7.60 SMTP; Client does not have permissions to send as this sender",
		  "smtp.sender_not_permitted" },
		{ "data", 552, "5.3.4", "5.3.4 Message size exceeds fixed limit", "smtp.message_too_big" },
		{ "mail", 421, "4.7.0", "4.7.0 mx.example Error: too many connections from 192.0.2.1", "smtp.rate_limited" },
		{ "rcpt", 451, "4.3.0", "4.3.0 Temporary lookup failure", "smtp.temporary" },
	};
	sd_kb *kb = sd_kb_new();
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *k = classify(kb, rows[i].ctx, rows[i].code, rows[i].status, rows[i].text);
		if (k == NULL || strcmp(k, rows[i].kind) != 0)
			fail_msg("%s %d %s: want %s, got %s", rows[i].ctx, rows[i].code, rows[i].text, rows[i].kind,
				 k != NULL ? k : "NULL");
	}
	/* success and unknown context: no verdict */
	assert_null(classify(kb, "rcpt", 250, "2.1.5", "2.1.5 Ok"));
	assert_null(classify(kb, "rcpt", 0, "", "garbage"));
	sd_kb_free(kb);
}

/* test_explain_by_vendor - the cause and fix of a kind come in the vendor's
 * words, the generic ones otherwise */
static void test_explain_by_vendor(void **state)
{
	sd_kb *kb = sd_kb_new();
	const char *cause, *fix, *generic_cause, *generic_fix;
	(void)state;

	assert_true(sd_kb_explain(kb, "smtp.relay_denied", NULL, &generic_cause, &generic_fix));
	assert_non_null(strstr(generic_cause, "not trusted"));
	assert_non_null(strstr(generic_fix, "587"));
	assert_true(sd_kb_explain(kb, "smtp.relay_denied", "Postfix", &cause, &fix));
	assert_ptr_equal(cause, generic_cause); /* the vendor entry gives only a fix */
	assert_non_null(strstr(fix, "smtpd_relay_restrictions"));
	assert_non_null(strstr(fix, "mynetworks"));
	assert_true(sd_kb_explain(kb, "smtp.relay_denied", "Microsoft Exchange", &cause, &fix));
	assert_non_null(strstr(fix, "Receive Connector"));
	assert_true(sd_kb_explain(kb, "smtp.relay_denied", "Haraka", &cause, &fix));
	assert_ptr_equal(fix, generic_fix);
	assert_false(sd_kb_explain(kb, "nothing.known", "Postfix", &cause, &fix));
	assert_null(cause);
	assert_null(fix);
	/* the seed's connection timeout points to the submission port */
	assert_true(sd_kb_explain(kb, "connect.timeout", NULL, &cause, &fix));
	assert_non_null(strstr(cause, "port 25"));
	char *x = sd_kb_expand(fix, "mx.example", 25);
	assert_non_null(strstr(x, "open port 25 "));
	assert_non_null(strstr(x, "587"));
	free(x);
	sd_kb_free(kb);
}

/* test_profile_entries_win - a profile's knowledge entries override the
 * built-in ones, a later one wins, and new wordings classify */
static void test_profile_entries_win(void **state)
{
	sd_kb *kb = sd_kb_new();
	const char *cause, *fix;
	(void)state;

	sd_kb_add(kb, &(sd_kb_entry){ .kind = "smtp.relay_denied", .vendor = "postfix", .fix = "ask the mail team" });
	assert_true(sd_kb_explain(kb, "smtp.relay_denied", "Postfix", &cause, &fix));
	assert_string_equal(fix, "ask the mail team");
	assert_non_null(strstr(cause, "not trusted")); /* built-in cause still there */
	/* a later entry wins over an earlier one (a child profile over its parent) */
	sd_kb_add(kb, &(sd_kb_entry){ .kind = "smtp.relay_denied", .vendor = "postfix", .fix = "open a ticket" });
	assert_true(sd_kb_explain(kb, "smtp.relay_denied", "Postfix", &cause, &fix));
	assert_string_equal(fix, "open a ticket");
	/* a local wording of a refusal becomes a known kind */
	assert_null(classify(kb, "rcpt", 550, "", "550 you are not our customer"));
	sd_kb_add(kb, &(sd_kb_entry){ .kind = "smtp.relay_denied", .context = "rcpt", .code = "550",
				      .text = "not our customer" });
	assert_string_equal(classify(kb, "rcpt", 550, "", "550 you are not our customer"), "smtp.relay_denied");
	sd_kb_free(kb);
}

/* test_expand - {server} and {port} are expanded in knowledge texts, unknown placeholders kept */
static void test_expand(void **state)
{
	(void)state;
	char *x = sd_kb_expand("{server} on {port}, {port}; {nothing}", "mx.example", 587);
	assert_string_equal(x, "mx.example on 587, 587; {nothing}");
	free(x);
	x = sd_kb_expand("", NULL, 0);
	assert_string_equal(x, "");
	free(x);
}

/* main - run the knowledge base tests */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_seed_cases),
		cmocka_unit_test(test_explain_by_vendor),
		cmocka_unit_test(test_profile_entries_win),
		cmocka_unit_test(test_expand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
