/* SPDX-License-Identifier: MIT */
/*
 * test_ntlm.c - decoding NTLM CHALLENGE_MESSAGEs, real-shaped and hostile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/ntlm_parse.h"

typedef struct buf {
	unsigned char b[1024];
	size_t n;
} buf;

/* put - append the N bytes at D to M */
static void put(buf *m, const void *d, size_t n)
{
	memcpy(m->b + m->n, d, n);
	m->n += n;
}

/* le16 - store V at P as a little-endian 16-bit number */
static void le16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

/* le32 - store V at P as a little-endian 32-bit number */
static void le32(unsigned char *p, unsigned v)
{
	le16(p, v & 0xffff);
	le16(p + 2, v >> 16);
}

/* utf16 - S as UTF-16LE (ASCII only) into OUT; its length in bytes */
static size_t utf16(const char *s, unsigned char *out)
{
	size_t n = 0;
	for (; *s; s++) {
		out[n++] = (unsigned char)*s;
		out[n++] = 0;
	}
	return n;
}

/* av - append an AV pair ID with value V in UTF-16LE to the target info INFO */
static void av(buf *info, unsigned id, const char *v)
{
	unsigned char h[4], d[256];
	size_t l = utf16(v, d);
	le16(h, id);
	le16(h + 2, (unsigned)l);
	put(info, h, 4);
	put(info, d, l);
}

/* challenge - an Exchange-like type 2 message */
static void challenge(buf *m, int with_version)
{
	buf info = { .n = 0 };
	unsigned char target[64], hdr[56] = { 0 };
	size_t tl = utf16("CORP", target);

	av(&info, 2, "CORP");
	av(&info, 1, "EXCH01");
	av(&info, 4, "corp.example.local");
	av(&info, 3, "exch01.corp.example.local");
	av(&info, 5, "example.local");
	put(&info, "\0\0\0\0", 4);
	memcpy(hdr, "NTLMSSP\0", 8);
	le32(hdr + 8, 2);
	le16(hdr + 12, (unsigned)tl);
	le16(hdr + 14, (unsigned)tl);
	le32(hdr + 16, 56);
	le32(hdr + 20, 0x00000001 | 0x00800000 | (with_version ? 0x02000000 : 0));
	le16(hdr + 40, (unsigned)info.n);
	le16(hdr + 42, (unsigned)info.n);
	le32(hdr + 44, (unsigned)(56 + tl));
	hdr[48] = 10;
	hdr[49] = 0;
	le16(hdr + 50, 17763);
	m->n = 0;
	put(m, hdr, 56);
	put(m, target, tl);
	put(m, info.b, info.n);
}

/* test_exchange_like - an Exchange-like NTLM challenge gives its NetBIOS and
 * DNS names and the Windows build */
static void test_exchange_like(void **state)
{
	buf m;
	sd_ntlm_info ni;
	const char *why = NULL;
	(void)state;

	challenge(&m, 1);
	assert_int_equal(sd_ntlm_parse_challenge(m.b, m.n, &ni, &why), 0);
	assert_string_equal(ni.target_name, "CORP");
	assert_string_equal(ni.nb_domain, "CORP");
	assert_string_equal(ni.nb_computer, "EXCH01");
	assert_string_equal(ni.dns_domain, "corp.example.local");
	assert_string_equal(ni.dns_computer, "exch01.corp.example.local");
	assert_string_equal(ni.dns_tree, "example.local");
	assert_true(ni.has_version);
	assert_int_equal(ni.build, 17763);
	assert_string_equal(sd_windows_name(ni.major, ni.minor, ni.build), "Windows Server 2019");
	assert_null(sd_windows_name(10, 0, 1));

	challenge(&m, 0);
	assert_int_equal(sd_ntlm_parse_challenge(m.b, m.n, &ni, &why), 0);
	assert_false(ni.has_version);
}

/* test_hostile - truncated or corrupt NTLM challenges never crash the parser and are refused */
static void test_hostile(void **state)
{
	buf m;
	sd_ntlm_info ni;
	const char *why = NULL;
	(void)state;

	challenge(&m, 1);
	/* truncated anywhere: never a crash, an error or fewer names */
	for (size_t n = 0; n < m.n; n++) {
		int rc = sd_ntlm_parse_challenge(m.b, n, &ni, &why);
		assert_true(rc == 0 || rc == -1);
	}
	assert_int_equal(sd_ntlm_parse_challenge(m.b, 20, &ni, &why), -1);

	buf bad = m;
	memcpy(bad.b, "NTLMSSX\0", 8);
	assert_int_equal(sd_ntlm_parse_challenge(bad.b, bad.n, &ni, &why), -1);
	assert_string_equal(why, "not an NTLMSSP message");

	bad = m;
	le32(bad.b + 8, 1);
	assert_int_equal(sd_ntlm_parse_challenge(bad.b, bad.n, &ni, &why), -1);

	bad = m;
	le32(bad.b + 16, 0xfffffff0);   /* TargetName offset far outside */
	assert_int_equal(sd_ntlm_parse_challenge(bad.b, bad.n, &ni, &why), -1);
	assert_string_equal(why, "TargetName lies outside the message");

	bad = m;
	le16(bad.b + 40, 0xffff);       /* TargetInfo longer than the message */
	assert_int_equal(sd_ntlm_parse_challenge(bad.b, bad.n, &ni, &why), -1);

	bad = m;
	size_t first_av = 56 + 8;
	le16(bad.b + first_av + 2, 0x7fff); /* an AV_PAIR claiming 32 KB */
	assert_int_equal(sd_ntlm_parse_challenge(bad.b, bad.n, &ni, &why), -1);
	assert_string_equal(why, "an AV_PAIR runs past TargetInfo");

	bad = m;                        /* control characters in a name are not passed through */
	bad.b[first_av + 4] = 0x1b;
	assert_int_equal(sd_ntlm_parse_challenge(bad.b, bad.n, &ni, &why), 0);
	assert_int_equal(ni.nb_domain[0], '?');
}

/* main - run the NTLM challenge parser tests */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exchange_like),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
