/* SPDX-License-Identifier: MIT */
/*
 * test_sasl.c - the auth check's SASL mechanisms against the RFCs' examples.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/sasl.h"

/* test_plain - AUTH PLAIN encodes user and password as RFC 4616 says; bad base64 is refused */
static void test_plain(void **state)
{
	(void)state;
	char *p = sasl_plain("tim", "tanstaaftanstaaf");
	/* base64("\0tim\0tanstaaftanstaaf") */
	assert_string_equal(p, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	size_t n;
	unsigned char *raw = sasl_unb64(p, &n);
	assert_int_equal(n, 1 + 3 + 1 + 16);
	assert_memory_equal(raw, "\0tim\0tanstaaftanstaaf", n);
	free(raw);
	sasl_free_secret(p);
	assert_null(sasl_unb64("not base64!", &n));
	assert_null(sasl_unb64("abc", &n));
}

/* test_cram_md5_rfc2195 - CRAM-MD5 gives RFC 2195's example answer; a bad challenge is refused */
static void test_cram_md5_rfc2195(void **state)
{
	(void)state;
	char *challenge = sasl_b64("<1896.697170952@postoffice.reston.mci.net>", 42);
	char *answer = sasl_cram_md5("tim", "tanstaaftanstaaf", challenge);
	size_t n;
	unsigned char *raw = sasl_unb64(answer, &n);
	assert_string_equal((char *)raw, "tim b913a602c7eda7a495b4e6e7334d3890");
	free(raw);
	free(challenge);
	sasl_free_secret(answer);
	assert_null(sasl_cram_md5("tim", "x", "%%%"));
}

/* scram_case - SCRAM with HASH and CNONCE gives WANT_FINAL for SERVER_FIRST and
 * accepts only SERVER_FINAL */
static void scram_case(const char *hash, const char *cnonce, const char *server_first, const char *want_final,
		       const char *server_final)
{
	sasl_scram sc;
	const char *err = NULL;
	char *first = sasl_scram_first(&sc, hash, "user", cnonce);
	char want_first[128];
	snprintf(want_first, sizeof(want_first), "n,,n=user,r=%s", cnonce);
	assert_string_equal(first, want_first);
	char *final = sasl_scram_final(&sc, server_first, "pencil", &err);
	assert_null(err);
	assert_string_equal(final, want_final);
	assert_int_equal(sasl_scram_verify(&sc, server_final), 1);
	assert_int_equal(sasl_scram_verify(&sc, "v=AAAAAAAAAAAAAAAAAAAAAAAAAAA="), 0);
	assert_int_equal(sasl_scram_verify(&sc, "e=invalid-proof"), -1);
	free(first);
	sasl_free_secret(final);
	sasl_scram_clear(&sc);
}

/* test_scram_rfc5802_rfc7677 - SCRAM-SHA-1 and SCRAM-SHA-256 reproduce RFC
 * 5802's and RFC 7677's examples */
static void test_scram_rfc5802_rfc7677(void **state)
{
	(void)state;
	/* RFC 5802 section 5 */
	scram_case("SHA1", "fyko+d2lbbFgONRv9qkxdawL",
		   "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
		   "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
		   "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
	/* RFC 7677 section 3 */
	scram_case("SHA256", "rOprNGfwEbeRWgbNEkqO",
		   "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		   "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		   "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

/* test_scram_hostile_server - hostile SCRAM challenges (foreign nonce, bad
 * iterations or salt, extensions) are refused */
static void test_scram_hostile_server(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"r=someoneelsesnonce,s=QSXCR+Q6sek8bf92,i=4096",      /* does not extend our nonce */
		"r=abc,s=QSXCR+Q6sek8bf92,i=4096",                   /* exactly our nonce, nothing added */
		"r=abcXYZ,s=QSXCR+Q6sek8bf92,i=0",                   /* no iterations */
		"r=abcXYZ,s=QSXCR+Q6sek8bf92,i=99999999999",         /* absurd iterations */
		"r=abcXYZ,s=not*base64,i=4096",
		"r=abcXYZ,i=4096",                                   /* no salt */
		"m=ext,r=abcXYZ,s=QSXCR+Q6sek8bf92,i=4096",          /* mandatory extension */
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sasl_scram sc;
		const char *err = NULL;
		char *first = sasl_scram_first(&sc, "SHA256", "user", "abc");
		char *final = sasl_scram_final(&sc, bad[i], "pencil", &err);
		if (final != NULL || err == NULL)
			fail_msg("accepted hostile server-first '%s'", bad[i]);
		free(first);
		sasl_scram_clear(&sc);
	}
	/* user names with ',' and '=' are escaped */
	sasl_scram sc;
	char *first = sasl_scram_first(&sc, "SHA256", "a,b=c", "n0nce");
	assert_string_equal(first, "n,,n=a=2Cb=3Dc,r=n0nce");
	free(first);
	sasl_scram_clear(&sc);
}

/* main - run the SASL tests */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_cram_md5_rfc2195),
		cmocka_unit_test(test_scram_rfc5802_rfc7677),
		cmocka_unit_test(test_scram_hostile_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
