/* SPDX-License-Identifier: MIT */
/*
 * test_dns.c - DNS wire format: queries we build, answers (good and
 * hostile) we parse, resolver specs, reverse names, generic PTR names,
 * tags of "tag=value;" TXT records (DKIM, DMARC).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dns/dns_wire.h"
#include "ptr/ptr_name.h"
#include "dns/resolver.h"
#include "base/util.h"

/* a message builder: header, the question, then answer records */
typedef struct msg {
	unsigned char b[4096];
	size_t n;
} msg;

/* put8 - append byte V to message M */
static void put8(msg *m, unsigned v)
{
	m->b[m->n++] = (unsigned char)v;
}

/* put16 - append V to message M as a big-endian 16-bit number */
static void put16(msg *m, unsigned v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

/* answer_to - a response header for QUERY with FLAGS2 (RA/AD/RCODE byte) */
static void answer_to(msg *m, const unsigned char *query, int qlen, unsigned flags1, unsigned flags2,
		      unsigned ancount)
{
	(void)qlen;
	m->n = 0;
	put8(m, query[0]);
	put8(m, query[1]);
	put8(m, 0x80 | flags1);  /* QR + ... */
	put8(m, flags2);
	put16(m, 1);
	put16(m, ancount);
	put16(m, 0);
	put16(m, 0);
	/* copy the question (name + type + class) from the query */
	size_t q = 12;
	while (query[q] != 0)
		q += query[q] + 1u;
	q += 5;
	memcpy(m->b + m->n, query + 12, q - 12);
	m->n += q - 12;
}

/* rr - append an answer record of TYPE with RDATA (LEN bytes), owned by the
 * question name, to message M */
static void rr(msg *m, unsigned type, const unsigned char *rdata, size_t len)
{
	put16(m, 0xc00c);       /* owner: pointer to the question name */
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 300);
	put16(m, (unsigned)len);
	memcpy(m->b + m->n, rdata, len);
	m->n += len;
}

static int query(const char *name, sd_dns_type t, unsigned char *q);

/* rr_owned - a record whose owner is the uncompressed name OWNER (wire form) */
static void rr_owned(msg *m, const unsigned char *owner, size_t olen, unsigned type, const unsigned char *rdata,
		     size_t len)
{
	memcpy(m->b + m->n, owner, olen);
	m->n += olen;
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 300);
	put16(m, (unsigned)len);
	memcpy(m->b + m->n, rdata, len);
	m->n += len;
}

/* issue 19: records must belong to the question (or its CNAME chain) */
static void test_parse_owner(void **state)
{
	unsigned char q[512];
	msg m;
	int trunc = 0;
	sd_dns_answer a = { 0 };
	(void)state;

	int ql = query("lab.test", SD_DNS_MX, q);
	answer_to(&m, q, ql, 0x01, 0x80, 3);
	rr(&m, SD_DNS_MX, (const unsigned char *)"\000\012\004mail\300\014", 9);
	rr_owned(&m, (const unsigned char *)"\004evil\004test\000", 11, SD_DNS_MX,
		 (const unsigned char *)"\000\005\004mail\004evil\004test\000", 18);
	/* a CNAME from another name does not make its records ours either */
	rr_owned(&m, (const unsigned char *)"\005other\004test\000", 12, SD_DNS_CNAME,
		 (const unsigned char *)"\004evil\004test\000", 11);
	sd_dns_parse_answer(m.b, m.n, SD_DNS_MX, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_OK);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.records[0].target, "mail.lab.test");
	assert_int_equal(a.foreign, 1);
	sd_dns_answer_reset(&a);

	/* the chain from the question is followed: lab.test -> a.lab.test, records of a.lab.test */
	answer_to(&m, q, ql, 0x01, 0x80, 2);
	rr(&m, SD_DNS_CNAME, (const unsigned char *)"\001a\300\014", 4);
	rr_owned(&m, (const unsigned char *)"\001a\003lab\004test\000", 12, SD_DNS_MX,
		 (const unsigned char *)"\000\012\004mail\300\014", 9);
	sd_dns_parse_answer(m.b, m.n, SD_DNS_MX, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_OK);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.foreign, 0);
	sd_dns_answer_reset(&a);

	/* a chain longer than SD_DNS_MAX_CHAIN is a bad reply, not "no data" */
	answer_to(&m, q, ql, 0x01, 0x80, SD_DNS_MAX_CHAIN + 1);
	unsigned char owner[16], target[16];
	rr(&m, SD_DNS_CNAME, (const unsigned char *)"\002c0\300\014", 5);
	for (int i = 0; i < SD_DNS_MAX_CHAIN; i++) {
		owner[0] = 2; owner[1] = 'c'; owner[2] = (unsigned char)('a' + i);
		memcpy(owner + 3, "\003lab\004test", 10);   /* with the root label: 13 bytes in all */
		if (i == 0)
			owner[2] = '0';
		memcpy(target, owner, 13);
		target[2] = (unsigned char)('a' + i + 1);
		if (i == 0)
			target[2] = 'b';
		rr_owned(&m, owner, 13, SD_DNS_CNAME, target, 13);
	}
	sd_dns_parse_answer(m.b, m.n, SD_DNS_MX, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_BAD_REPLY);
	assert_non_null(strstr(a.error, "CNAME chain"));
}

/* query - build a query for NAME and TYPE with id 0x1234 into Q; its length (asserted sane) */
static int query(const char *name, sd_dns_type t, unsigned char *q)
{
	int l = sd_dns_build_query(0x1234, name, t, q, 512);
	assert_true(l > 12);
	return l;
}

/* test_build_query - a built query has the id, RD, AD, the question and an OPT
 * record with DO; bad names are refused */
static void test_build_query(void **state)
{
	unsigned char q[512];
	(void)state;

	int l = query("lab.test.", SD_DNS_MX, q);
	assert_int_equal(q[0], 0x12);
	assert_int_equal(q[1], 0x34);
	assert_int_equal(q[2] & 0x01, 1);    /* RD */
	assert_int_equal(q[3] & 0x20, 0x20); /* AD asked for */
	assert_int_equal(q[11], 1);          /* the OPT record */
	assert_memory_equal(q + 12, "\003lab\004test\000\000\017\000\001", 14);
	/* OPT with DO set */
	assert_int_equal(q[l - 4], 0x80);
	assert_int_equal(l, 12 + 14 + 11);
	assert_int_equal(sd_dns_build_query(1, "", SD_DNS_A, q, sizeof(q)), -1);
	assert_int_equal(sd_dns_build_query(1, "a..b", SD_DNS_A, q, sizeof(q)), -1);
	assert_int_equal(sd_dns_build_query(1, "a b.example", SD_DNS_A, q, sizeof(q)), -1);
	assert_int_equal(sd_dns_build_query(1, ".example", SD_DNS_A, q, sizeof(q)), -1);
	char longlabel[80];
	memset(longlabel, 'a', 70);
	strcpy(longlabel + 70, ".example");
	assert_int_equal(sd_dns_build_query(1, longlabel, SD_DNS_A, q, sizeof(q)), -1);
}

/* test_parse_mx_and_ad - an MX answer (compressed names, a record of another
 * type) parses with its AD flag */
static void test_parse_mx_and_ad(void **state)
{
	unsigned char q[512];
	msg m;
	int trunc = 0;
	sd_dns_answer a = { 0 };
	(void)state;

	int ql = query("lab.test", SD_DNS_MX, q);
	answer_to(&m, q, ql, 0x01, 0xa0, 3);   /* RD; RA + AD */
	rr(&m, SD_DNS_MX, (const unsigned char *)"\000\024\003mx2\003lab\004test\000", 16);
	rr(&m, SD_DNS_MX, (const unsigned char *)"\000\012\004mail\300\014", 9); /* compressed */
	rr(&m, SD_DNS_A, (const unsigned char *)"\177\000\000\001", 4);      /* other type: ignored */
	assert_true(sd_dns_matches_query(q, (size_t)ql, m.b, m.n));
	sd_dns_parse_answer(m.b, m.n, SD_DNS_MX, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_OK);
	assert_int_equal(a.authenticated, 1);
	assert_int_equal(trunc, 0);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.records[0].preference, 20);
	assert_string_equal(a.records[0].target, "mx2.lab.test");
	assert_int_equal(a.records[1].preference, 10);
	assert_string_equal(a.records[1].target, "mail.lab.test");
	assert_string_equal(a.records[1].name, "lab.test");
	sd_dns_answer_reset(&a);

	/* the same without AD, and with TC */
	answer_to(&m, q, ql, 0x03, 0x80, 0);
	sd_dns_parse_answer(m.b, m.n, SD_DNS_MX, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_NODATA);
	assert_int_equal(a.authenticated, 0);
	assert_int_equal(trunc, 1);
}

/* test_parse_txt_and_tlsa - TXT strings are joined, lying string lengths
 * refused, and TLSA records parsed */
static void test_parse_txt_and_tlsa(void **state)
{
	unsigned char q[512];
	msg m;
	int trunc;
	sd_dns_answer a = { 0 };
	(void)state;

	int ql = query("_mta-sts.lab.test", SD_DNS_TXT, q);
	answer_to(&m, q, ql, 0x01, 0x80, 1);
	rr(&m, SD_DNS_TXT, (const unsigned char *)"\006v=STSv\0141; id=abc123", 20);
	sd_dns_parse_answer(m.b, m.n, SD_DNS_TXT, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_OK);
	assert_string_equal(a.records[0].text, "v=STSv1; id=abc123"); /* strings joined */
	assert_int_equal(a.records[0].text_strings, 2);
	sd_dns_answer_reset(&a);

	/* a character-string that claims more bytes than the record has */
	answer_to(&m, q, ql, 0x01, 0x80, 1);
	rr(&m, SD_DNS_TXT, (const unsigned char *)"\050short", 6);
	sd_dns_parse_answer(m.b, m.n, SD_DNS_TXT, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_BAD_REPLY);
	assert_non_null(strstr(a.error, "TXT"));
	assert_int_equal(a.n, 0);

	/* an empty TXT rdata */
	answer_to(&m, q, ql, 0x01, 0x80, 1);
	rr(&m, SD_DNS_TXT, (const unsigned char *)"", 0);
	sd_dns_parse_answer(m.b, m.n, SD_DNS_TXT, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_BAD_REPLY);

	ql = query("_25._tcp.mail.lab.test", SD_DNS_TLSA, q);
	answer_to(&m, q, ql, 0x01, 0x80, 2);
	rr(&m, SD_DNS_TLSA, (const unsigned char *)"\003\001\001\252\273\314", 6);
	rr(&m, SD_DNS_TLSA, (const unsigned char *)"\002\000", 2);  /* too short */
	sd_dns_parse_answer(m.b, m.n, SD_DNS_TLSA, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_BAD_REPLY);
	answer_to(&m, q, ql, 0x01, 0x80, 1);
	rr(&m, SD_DNS_TLSA, (const unsigned char *)"\003\001\001\252\273\314", 6);
	sd_dns_parse_answer(m.b, m.n, SD_DNS_TLSA, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_OK);
	assert_int_equal(a.records[0].usage, 3);
	assert_int_equal(a.records[0].selector, 1);
	assert_int_equal(a.records[0].matching, 1);
	assert_int_equal(a.records[0].data_len, 3);
	assert_memory_equal(a.records[0].data, "\252\273\314", 3);
	sd_dns_answer_reset(&a);
}

/* test_parse_rcodes_and_garbage - each rcode gives its status, and malformed
 * answers give a bad-reply status */
static void test_parse_rcodes_and_garbage(void **state)
{
	unsigned char q[512];
	msg m;
	int trunc;
	sd_dns_answer a = { 0 };
	(void)state;

	int ql = query("missing.lab.test", SD_DNS_A, q);
	answer_to(&m, q, ql, 0x01, 0x83, 0);
	sd_dns_parse_answer(m.b, m.n, SD_DNS_A, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_NXDOMAIN);
	answer_to(&m, q, ql, 0x01, 0x82, 0);
	sd_dns_parse_answer(m.b, m.n, SD_DNS_A, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_SERVFAIL);
	answer_to(&m, q, ql, 0x01, 0x85, 0);
	sd_dns_parse_answer(m.b, m.n, SD_DNS_A, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_REFUSED);
	assert_non_null(strstr(a.error, "REFUSED"));

	/* an A record of 5 bytes */
	answer_to(&m, q, ql, 0x01, 0x80, 1);
	rr(&m, SD_DNS_A, (const unsigned char *)"\177\000\000\001\001", 5);
	sd_dns_parse_answer(m.b, m.n, SD_DNS_A, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_BAD_REPLY);

	/* ANCOUNT says 2, one record present */
	answer_to(&m, q, ql, 0x01, 0x80, 2);
	rr(&m, SD_DNS_A, (const unsigned char *)"\177\000\000\001", 4);
	sd_dns_parse_answer(m.b, m.n, SD_DNS_A, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_BAD_REPLY);

	/* an MX exchange that runs past its record */
	ql = query("lab.test", SD_DNS_MX, q);
	answer_to(&m, q, ql, 0x01, 0x80, 2);
	rr(&m, SD_DNS_MX, (const unsigned char *)"\000\024\003mx2\003lab\004test", 15);
	rr(&m, SD_DNS_MX, (const unsigned char *)"\000\012\004mail\300\014", 9);
	sd_dns_parse_answer(m.b, m.n, SD_DNS_MX, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_BAD_REPLY);

	/* a compression pointer loop in an MX exchange */
	ql = query("lab.test", SD_DNS_MX, q);
	answer_to(&m, q, ql, 0x01, 0x80, 1);
	size_t at = m.n + 12;    /* where the rdata will start */
	unsigned char loop[4] = { 0, 10, (unsigned char)(0xc0 | (at + 2) >> 8), (unsigned char)((at + 2) & 0xff) };
	rr(&m, SD_DNS_MX, loop, 4);
	sd_dns_parse_answer(m.b, m.n, SD_DNS_MX, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_BAD_REPLY);

	/* 5 bytes of nothing */
	sd_dns_parse_answer((const unsigned char *)"\001\002\003\004\005", 5, SD_DNS_A, &a, &trunc);
	assert_int_equal(a.status, SD_DNS_BAD_REPLY);
	sd_dns_answer_reset(&a);
}

/* test_matches_query - an answer matches its query only with the same id, the
 * response flag and the same question */
static void test_matches_query(void **state)
{
	unsigned char q[512], other[512];
	msg m;
	(void)state;

	int ql = query("lab.test", SD_DNS_MX, q);
	answer_to(&m, q, ql, 0x01, 0x80, 0);
	assert_true(sd_dns_matches_query(q, (size_t)ql, m.b, m.n));
	m.b[1] ^= 1;                                     /* another id */
	assert_false(sd_dns_matches_query(q, (size_t)ql, m.b, m.n));
	m.b[1] ^= 1;
	m.b[2] &= 0x7f;                                  /* not a response */
	assert_false(sd_dns_matches_query(q, (size_t)ql, m.b, m.n));
	int ol = sd_dns_build_query(0x1234, "evil.test", SD_DNS_MX, other, sizeof(other));
	answer_to(&m, other, ol, 0x01, 0x80, 0);         /* same id, other question */
	assert_false(sd_dns_matches_query(q, (size_t)ql, m.b, m.n));
	ol = sd_dns_build_query(0x1234, "LAB.test", SD_DNS_MX, other, sizeof(other));
	answer_to(&m, other, ol, 0x01, 0x80, 0);         /* case differs: same name */
	assert_true(sd_dns_matches_query(q, (size_t)ql, m.b, m.n));
	ol = sd_dns_build_query(0x1234, "lab.test", SD_DNS_A, other, sizeof(other));
	answer_to(&m, other, ol, 0x01, 0x80, 0);         /* other type */
	assert_false(sd_dns_matches_query(q, (size_t)ql, m.b, m.n));
	assert_false(sd_dns_matches_query(q, (size_t)ql, m.b, 7));
}

/* test_reverse_names - addresses give their in-addr.arpa and ip6.arpa names;
 * names and short buffers are refused */
static void test_reverse_names(void **state)
{
	char out[128];
	(void)state;

	assert_int_equal(sd_dns_reverse_name("192.0.2.25", out, sizeof(out)), 0);
	assert_string_equal(out, "25.2.0.192.in-addr.arpa");
	assert_int_equal(sd_dns_reverse_name("2001:db8::1", out, sizeof(out)), 0);
	assert_string_equal(out, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	assert_int_equal(sd_dns_reverse_name("mail.example", out, sizeof(out)), -1);
	assert_int_equal(sd_dns_reverse_name("2001:db8::1", out, 20), -1);
}

/* test_resolver_specs - --dns-server lists parse (ports, IPv6 brackets,
 * timeout) and bad ones are refused */
static void test_resolver_specs(void **state)
{
	sd_resolver r;
	char *err = NULL;
	(void)state;

	assert_int_equal(sd_resolver_parse(&r, "127.0.0.1:10053", 0, &err), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.text, "127.0.0.1:10053");
	assert_int_equal(r.timeout_ms, SD_RESOLVER_DEFAULT_TIMEOUT_MS);
	assert_int_equal(sd_resolver_parse(&r, "::1,[::1]:5353,192.0.2.53", 1500, &err), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.text, "[::1]:53,[::1]:5353,192.0.2.53:53");
	assert_int_equal(r.timeout_ms, 1500);
	static const char *const bad[] = { "", "dns.example", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:x",
					   "[::1", "[::1]x", "1.2.3.4,1.2.3.4,1.2.3.4,1.2.3.4,1.2.3.4", NULL };
	for (int i = 0; bad[i] != NULL; i++) {
		err = NULL;
		if (sd_resolver_parse(&r, bad[i], 0, &err) != -1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(err, "--dns-server"));
		free(err);
	}

	/* resolv.conf: nameserver lines only, scope ids skipped, a default without any */
	char path[] = "/tmp/sd-resolv-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *conf = "# comment\nsearch lab.test\nnameserver 192.0.2.1\nnameserver fe80::1%eth0\n"
			   "nameserver 2001:db8::53\noptions trust-ad\n";
	assert_int_equal(write(fd, conf, strlen(conf)), (ssize_t)strlen(conf));
	close(fd);
	sd_resolver_system(&r, path, 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.text, "192.0.2.1:53,[2001:db8::53]:53 (resolv.conf)");
	unlink(path);
	sd_resolver_system(&r, "/nonexistent/resolv.conf", 0);
	assert_string_equal(r.text, "127.0.0.1:53 (resolv.conf)");
}

/* test_ptr_generic - PTR names that encode the address or name an access pool
 * are generic; whole words only */
static void test_ptr_generic(void **state)
{
	const char *why = NULL;
	(void)state;

	static const struct {
		const char *name, *addr;
		int generic;
	} rows[] = {
		{ "mail.example.com", "192.0.2.25", 0 },
		{ "mx1.mail-relay.example.net", "192.0.2.25", 0 },
		{ "192-0-2-25.dyn.example.net", "192.0.2.25", 1 },
		{ "25.2.0.192.in-addr.example.net", "192.0.2.25", 1 },
		{ "host-192.0.2.25.isp.example", "192.0.2.25", 1 },
		{ "c0000219.isp.example", "192.0.2.25", 1 },
		{ "p192000002025.isp.example", "192.0.2.25", 1 },
		{ "adsl-line7.isp.example", "198.51.100.7", 1 },
		{ "pool123.isp.example", "198.51.100.7", 1 },
		{ "dynamic-ip.isp.example", "198.51.100.7", 1 },
		{ "cablemodem.example", "198.51.100.7", 0 },    /* a word inside a word is not enough */
		{ "smtp25.example.com", "192.0.2.25", 0 },      /* one number of the address is not enough */
		{ "mail.example.com", "2001:db8::c000:219", 0 },
		{ "host-c0000219.v6.isp.example", "2001:db8::c000:219", 1 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (sd_ptr_generic(rows[i].name, rows[i].addr, &why) != rows[i].generic)
			fail_msg("%s for %s: want %s", rows[i].name, rows[i].addr,
				 rows[i].generic ? "generic" : "not generic");
}

/* test_txt_tag - sd_dns_txt_tag: the first tag of the name, trimmed; no
 * prefix matches, empty values, hostile and truncated records */
static void test_txt_tag(void **state)
{
	(void)state;
	static const struct {
		const char *rec, *name, *want;   /* want NULL: not found */
	} rows[] = {
		{ "v=DMARC1; p=reject; pct=50", "p", "reject" },
		{ "v=DMARC1; p=reject; pct=50", "pct", "50" },
		{ "v=DMARC1; pct=50; p=none", "p", "none" },          /* "pct" is not "p" */
		{ "v=DMARC1;P = quarantine ;sp=none", "p", "quarantine" }, /* case, spaces around '=' */
		{ "v=DKIM1;\tk=rsa;\tp=MIIB AQAB ", "p", "MIIB AQAB" }, /* inner spaces kept */
		{ "v=DKIM1; p=", "p", "" },                           /* revoked key: empty value */
		{ "v=DKIM1; p= ;t=y", "p", "" },
		{ "v=DKIM1; t=y; t=s", "t", "y" },                    /* the first one */
		{ "v=DKIM1; k=rsa", "p", NULL },
		{ "v=DKIM1; p", "p", NULL },                          /* no '=' */
		{ "v=DKIM1; pp=x", "p", NULL },
		{ "", "p", NULL },
		{ ";;;", "p", NULL },
		{ "p=a;b", "b", NULL },
		{ "  rua = mailto:a@example.com , mailto:b@example.net ;", "rua",
		  "mailto:a@example.com , mailto:b@example.net" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *v = NULL;
		size_t n = 0;
		int found = sd_dns_txt_tag(rows[i].rec, rows[i].name, &v, &n);
		if (rows[i].want == NULL) {
			if (found)
				fail_msg("\"%s\" tag %s: found \"%.*s\", want none", rows[i].rec, rows[i].name, (int)n, v);
			continue;
		}
		if (!found)
			fail_msg("\"%s\" tag %s: not found", rows[i].rec, rows[i].name);
		assert_int_equal(n, strlen(rows[i].want));
		assert_memory_equal(v, rows[i].want, n);
		assert_true(v >= rows[i].rec && v + n <= rows[i].rec + strlen(rows[i].rec));
	}
	const char *v = NULL;
	size_t n = 0;
	assert_int_equal(sd_dns_txt_tag(NULL, "p", &v, &n), 0);
}

/* main - run the DNS tests */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_query),
		cmocka_unit_test(test_parse_mx_and_ad),
		cmocka_unit_test(test_parse_owner),
		cmocka_unit_test(test_parse_txt_and_tlsa),
		cmocka_unit_test(test_parse_rcodes_and_garbage),
		cmocka_unit_test(test_matches_query),
		cmocka_unit_test(test_reverse_names),
		cmocka_unit_test(test_resolver_specs),
		cmocka_unit_test(test_ptr_generic),
		cmocka_unit_test(test_txt_tag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
