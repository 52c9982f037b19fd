/* SPDX-License-Identifier: MIT */
/*
 * test_cert_name.c - certificate name matching (RFC 6125 6.4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <smtpdiag/tls.h>

/* test_patterns - certificate name patterns match host names as RFC 6125 says
 * (case, trailing dot, one-label wildcards) */
static void test_patterns(void **state)
{
	static const struct {
		const char *pattern, *host;
		int want;
	} rows[] = {
		{ "mail.example.com", "mail.example.com", 1 },
		{ "MAIL.Example.COM", "mail.example.com", 1 },       /* case-insensitive */
		{ "mail.example.com.", "mail.example.com", 1 },      /* trailing dot */
		{ "mail.example.com", "mail.example.com.", 1 },
		{ "mail.example.com", "mx.example.com", 0 },
		{ "mail.example.com", "example.com", 0 },
		{ "*.example.com", "mail.example.com", 1 },
		{ "*.example.com", "MAIL.EXAMPLE.COM", 1 },
		{ "*.example.com", "example.com", 0 },                /* one label, not zero */
		{ "*.example.com", "a.b.example.com", 0 },            /* one label, not two */
		{ "*.example.com", ".example.com", 0 },               /* never an empty label */
		{ "*.com", "example.com", 0 },                        /* too broad */
		{ "*", "localhost", 0 },
		{ "f*.example.com", "foo.example.com", 0 },           /* partial wildcards not honoured */
		{ "mail.*.com", "mail.example.com", 0 },              /* only the left-most label */
		{ "*.*.example.com", "a.b.example.com", 0 },
		{ "xn--bcher-kva.example", "xn--bcher-kva.example", 1 }, /* A-labels compare as ASCII */
		{ "*.xn--bcher-kva.example", "mail.xn--bcher-kva.example", 1 },
		{ "*.example.com", "xn--bcher-kva.example.com", 1 },
		{ "b\xc3\xbc" "cher.example", "b\xc3\xbc" "cher.example", 0 }, /* U-labels: use the A-label */
		{ "", "mail.example.com", 0 },
		{ "mail.example.com", "", 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int got = sd_cert_name_matches(rows[i].pattern, rows[i].host);
		if (got != rows[i].want)
			fail_msg("pattern '%s' host '%s': got %d, want %d", rows[i].pattern, rows[i].host, got,
				 rows[i].want);
	}
}

/* test_cert_hosts - a certificate matches a host by its DNS and IP SANs, and by
 * its CN only when it has no DNS SAN */
static void test_cert_hosts(void **state)
{
	static const char *const sans[] = { "DNS:mail.example.com", "DNS:*.mx.example.com", "IP:192.0.2.25",
					    "IP:2001:db8::25" };
	sd_cert c = { .common_name = "ignored.example.com", .nsans = 4, .sans = sans };
	sd_cert cn_only = { .common_name = "legacy.example.com", .nsans = 0, .sans = NULL };
	static const char *const ip_only[] = { "IP:192.0.2.25" };
	sd_cert ipc = { .common_name = "cn.example.com", .nsans = 1, .sans = ip_only };
	(void)state;

	assert_true(sd_cert_matches_host(&c, "mail.example.com"));
	assert_true(sd_cert_matches_host(&c, "a.mx.example.com"));
	assert_false(sd_cert_matches_host(&c, "ignored.example.com")); /* CN ignored when DNS SANs exist */
	assert_true(sd_cert_matches_host(&c, "192.0.2.25"));
	assert_false(sd_cert_matches_host(&c, "192.0.2.26"));
	assert_true(sd_cert_matches_host(&c, "2001:db8:0::25"));      /* compared as addresses */
	assert_false(sd_cert_matches_host(&c, "2001:db8::26"));
	assert_true(sd_cert_matches_host(&cn_only, "legacy.example.com")); /* no SANs: CN */
	assert_false(sd_cert_matches_host(&cn_only, "other.example.com"));
	assert_true(sd_cert_matches_host(&ipc, "cn.example.com"));     /* no DNS SAN: CN */
	assert_false(sd_cert_matches_host(&cn_only, "192.0.2.25"));    /* an IP never matches a DNS name */
}

/* main - run the certificate name tests */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_cert_hosts),
	};
	return cmocka_run_group_tests_name("certificate names", tests, NULL, NULL);
}
