/* SPDX-License-Identifier: MIT */
/*
 * dns_wire.c - build DNS queries and parse answers (no I/O here).
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/dns_wire.h"
#include "base/util.h"

/* sd_dns_build_query - header, question, OPT record */
int sd_dns_build_query(uint16_t id, const char *name, sd_dns_type type, unsigned char *buf,
		       size_t size)
{
	char n[NS_MAXDNAME];
	size_t nl = strlen(name);

	if (nl == 0 || nl >= sizeof(n) - 1 || size < NS_HFIXEDSZ + 11 + 4)
		return -1;
	memcpy(n, name, nl + 1);
	if (strcmp(n, ".") != 0 && n[nl - 1] == '.')
		n[nl - 1] = '\0';
	if (n[0] == '.' || strstr(n, "..") != NULL)
		return -1;
	for (const char *p = n; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '\\' || (unsigned char)*p >= 0x7f)
			return -1;

	memset(buf, 0, NS_HFIXEDSZ);
	buf[0] = (unsigned char)(id >> 8);
	buf[1] = (unsigned char)id;
	buf[2] = 0x01;          /* RD */
	buf[3] = 0x20;          /* AD: report the validation state (RFC 6840 5.7) */
	if ((unsigned)type & SD_DNS_QUERY_CD)
		buf[3] |= 0x10;  /* CD: the data even if it fails validation (RFC 4035 3.2.2) */
	type = (sd_dns_type)((unsigned)type & 0xffffu);
	buf[5] = 1;             /* QDCOUNT */
	buf[11] = 1;            /* ARCOUNT: the OPT record */
	int l = dn_comp(n, buf + NS_HFIXEDSZ, (int)(size - NS_HFIXEDSZ - 4 - 11), NULL, NULL);
	if (l < 0)
		return -1;
	unsigned char *p = buf + NS_HFIXEDSZ + l;
	*p++ = (unsigned char)(type >> 8);
	*p++ = (unsigned char)type;
	*p++ = 0;
	*p++ = ns_c_in;
	/* OPT: root name, type 41, class = UDP size, TTL = ext-rcode/version/DO */
	*p++ = 0;
	*p++ = 0;
	*p++ = 41;
	*p++ = (unsigned char)(SD_DNS_UDP_SIZE >> 8);
	*p++ = (unsigned char)(SD_DNS_UDP_SIZE & 0xff);
	*p++ = 0;
	*p++ = 0;
	*p++ = 0x80;            /* DO */
	*p++ = 0;
	*p++ = 0;
	*p++ = 0;
	return (int)(p - buf);
}

/* question_end - offset just past the question of a message, or -1 */
static long question_end(const unsigned char *m, size_t len)
{
	char name[NS_MAXDNAME];
	int l;

	if (len < NS_HFIXEDSZ || m[4] != 0 || m[5] != 1)
		return -1;
	l = dn_expand(m, m + len, m + NS_HFIXEDSZ, name, sizeof(name));
	if (l < 0 || NS_HFIXEDSZ + (size_t)l + 4 > len)
		return -1;
	return NS_HFIXEDSZ + l + 4;
}

/* sd_dns_matches_query - same id, a response, same question */
int sd_dns_matches_query(const unsigned char *query, size_t qlen, const unsigned char *msg,
			 size_t len)
{
	char qn[NS_MAXDNAME], an[NS_MAXDNAME];
	long qe = question_end(query, qlen), ae = question_end(msg, len);

	if (qe < 0 || ae < 0 || query[0] != msg[0] || query[1] != msg[1] || !(msg[2] & 0x80))
		return 0;
	if (dn_expand(query, query + qlen, query + NS_HFIXEDSZ, qn, sizeof(qn)) < 0 ||
	    dn_expand(msg, msg + len, msg + NS_HFIXEDSZ, an, sizeof(an)) < 0)
		return 0;
	return strcasecmp(qn, an) == 0 && memcmp(query + qe - 4, msg + ae - 4, 4) == 0;
}

/* sd_dns_answer_reset - drop the records */
void sd_dns_answer_reset(sd_dns_answer *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->records[i].text);
		free(a->records[i].data);
	}
	free(a->records);
	a->records = NULL;
	a->n = 0;
}

/* bad - reset answer A to a malformed-answer status whose error says WHAT */
static void bad(sd_dns_answer *a, const char *what)
{
	sd_dns_answer_reset(a);
	a->status = SD_DNS_BAD_REPLY;
	snprintf(a->error, sizeof(a->error), "malformed answer: %s", what);
}

/* rdata_name - the domain name filling the rdata from AT to END exactly,
 * uncompressed against the message (a name running past its record, or
 * leaving bytes over, is malformed) */
static int rdata_name(const ns_msg *msg, const unsigned char *at, const unsigned char *end, char *out,
		      size_t size)
{
	int n = ns_name_uncompress(ns_msg_base(*msg), end, at, out, size);

	return n < 0 || at + n != end ? -1 : 0;
}

/* in_chain - is NAME one of the N names of CHAIN (case-insensitive)? */
static int in_chain(char chain[][NS_MAXDNAME], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(chain[i], name) == 0)
			return 1;
	return 0;
}

/* parse_record - the type-specific part; 0, or -1 with *why */
static int parse_record(const ns_msg *msg, const ns_rr *rr, sd_dns_record *out, const char **why)
{
	const unsigned char *d = ns_rr_rdata(*rr);
	size_t dl = ns_rr_rdlen(*rr);
	int n;

	switch (out->type) {
	case SD_DNS_A:
		if (dl != 4 || inet_ntop(AF_INET, d, out->target, sizeof(out->target)) == NULL)
			return *why = "A record is not 4 bytes", -1;
		return 0;
	case SD_DNS_AAAA:
		if (dl != 16 || inet_ntop(AF_INET6, d, out->target, sizeof(out->target)) == NULL)
			return *why = "AAAA record is not 16 bytes", -1;
		return 0;
	case SD_DNS_MX:
		if (dl < 3)
			return *why = "MX record too short", -1;
		out->preference = (unsigned)(d[0] << 8 | d[1]);
		if (rdata_name(msg, d + 2, d + dl, out->target, sizeof(out->target)) != 0)
			return *why = "MX exchange is not a valid name", -1;
		return 0;
	case SD_DNS_PTR:
	case SD_DNS_CNAME:
		if (dl < 1 || rdata_name(msg, d, d + dl, out->target, sizeof(out->target)) != 0)
			return *why = "name in record is not valid", -1;
		return 0;
	case SD_DNS_TXT:
		out->text = sd_xcalloc(1, dl + 1);
		out->text_len = 0;
		for (size_t i = 0; i < dl; i += (size_t)n + 1) {
			n = d[i];
			if (i + 1 + (size_t)n > dl)
				return *why = "TXT character-string runs past the record", -1;
			memcpy(out->text + out->text_len, d + i + 1, (size_t)n);
			out->text_len += (size_t)n;
			out->text_strings++;
		}
		out->text[out->text_len] = '\0';
		if (out->text_strings == 0)
			return *why = "TXT record without strings", -1;
		return 0;
	case SD_DNS_TLSA:
		if (dl < 4)
			return *why = "TLSA record too short", -1;
		out->usage = d[0];
		out->selector = d[1];
		out->matching = d[2];
		out->data_len = dl - 3;
		out->data = sd_xcalloc(1, out->data_len);
		memcpy(out->data, d + 3, out->data_len);
		return 0;
	}
	return *why = "unsupported type", -1;
}

/* sd_dns_parse_answer - RCODE, AD, TC and the records of TYPE */
void sd_dns_parse_answer(const unsigned char *m, size_t len, sd_dns_type type, sd_dns_answer *a,
			 int *truncated)
{
	ns_msg msg;
	ns_rr rr;
	const char *why = NULL;

	sd_dns_answer_reset(a);
	a->error[0] = '\0';
	a->foreign = 0;
	*truncated = 0;
	if (ns_initparse(m, (int)len, &msg) < 0) {
		bad(a, "header or sections do not parse");
		return;
	}
	*truncated = ns_msg_getflag(msg, ns_f_tc);
	a->authenticated = ns_msg_getflag(msg, ns_f_ad);
	int rcode = ns_msg_getflag(msg, ns_f_rcode);
	switch (rcode) {
	case ns_r_noerror:
		break;
	case ns_r_nxdomain:
		a->status = SD_DNS_NXDOMAIN;
		return;
	case ns_r_servfail:
		a->status = SD_DNS_SERVFAIL;
		snprintf(a->error, sizeof(a->error), "SERVFAIL (the resolver could not get or validate an answer)");
		return;
	default:
		a->status = SD_DNS_REFUSED;
		snprintf(a->error, sizeof(a->error), "%s (RCODE %d)",
			 rcode == ns_r_refused ? "REFUSED" : rcode == ns_r_formerr ? "FORMERR"
			 : rcode == ns_r_notimpl ? "NOTIMP" : "error", rcode);
		return;
	}
	/* RFC 1034 3.6.2, 4.3.2: the answer holds records of the name asked
	 * for, or of the names its CNAME chain leads to; anything else is not
	 * ours to use (a hostile or broken server slipping in other owners) */
	char chain[SD_DNS_MAX_CHAIN][NS_MAXDNAME];
	size_t nchain = 0;
	int count = ns_msg_count(msg, ns_s_an);
	if (dn_expand(m, m + len, m + NS_HFIXEDSZ, chain[0], sizeof(chain[0])) < 0) {
		bad(a, "question does not parse");
		return;
	}
	nchain = 1;
	for (int grew = 1; grew && type != SD_DNS_CNAME;) {
		grew = 0;
		for (int i = 0; i < count; i++) {
			char target[NS_MAXDNAME];
			if (ns_parserr(&msg, ns_s_an, i, &rr) < 0) {
				bad(a, "answer record does not parse");
				return;
			}
			if (ns_rr_type(rr) != ns_t_cname || ns_rr_class(rr) != ns_c_in ||
			    strcasecmp(ns_rr_name(rr), chain[nchain - 1]) != 0 ||
			    rdata_name(&msg, ns_rr_rdata(rr), ns_rr_rdata(rr) + ns_rr_rdlen(rr), target,
				       sizeof(target)) != 0 || in_chain(chain, nchain, target))
				continue;
			if (nchain == SD_DNS_MAX_CHAIN) {
				/* never a silent cut: the records past it would look like "no data" */
				bad(a, "CNAME chain longer than " SD_DNS_MAX_CHAIN_TEXT " names");
				return;
			}
			memcpy(chain[nchain++], target, sizeof(target));
			grew = 1;
			break;
		}
	}
	for (int i = 0; i < count; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0) {
			bad(a, "answer record does not parse");
			return;
		}
		if ((int)ns_rr_type(rr) != (int)type || ns_rr_class(rr) != ns_c_in)
			continue;
		if (!in_chain(chain, nchain, ns_rr_name(rr))) {
			a->foreign++;
			continue;
		}
		a->records = sd_xrealloc(a->records, (a->n + 1) * sizeof(*a->records));
		sd_dns_record *r = &a->records[a->n++];
		memset(r, 0, sizeof(*r));
		r->type = type;
		r->ttl = ns_rr_ttl(rr);
		sd_strlcpy(r->name, ns_rr_name(rr), sizeof(r->name));
		if (parse_record(&msg, &rr, r, &why) != 0) {
			bad(a, why);
			return;
		}
	}
	a->status = a->n > 0 ? SD_DNS_OK : SD_DNS_NODATA;
}

/* sd_dns_answer_free - records and the answer */
void sd_dns_answer_free(sd_dns_answer *a)
{
	if (a == NULL)
		return;
	sd_dns_answer_reset(a);
	free(a);
}

/* sd_dns_status_name - for reports and JSON */
const char *sd_dns_status_name(sd_dns_status st)
{
	static const char *const names[] = {
		[SD_DNS_OK] = "ok", [SD_DNS_NODATA] = "nodata", [SD_DNS_NXDOMAIN] = "nxdomain",
		[SD_DNS_SERVFAIL] = "servfail", [SD_DNS_REFUSED] = "refused", [SD_DNS_TIMEOUT] = "timeout",
		[SD_DNS_NET_ERROR] = "unreachable", [SD_DNS_BAD_REPLY] = "bad-reply",
		[SD_DNS_BAD_NAME] = "bad-name",
	};
	return (unsigned)st < sizeof(names) / sizeof(names[0]) && names[st] ? names[st] : "?";
}

/* sd_dns_type_name - the mnemonic */
const char *sd_dns_type_name(sd_dns_type t)
{
	switch (t) {
	case SD_DNS_A: return "A";
	case SD_DNS_CNAME: return "CNAME";
	case SD_DNS_PTR: return "PTR";
	case SD_DNS_MX: return "MX";
	case SD_DNS_TXT: return "TXT";
	case SD_DNS_AAAA: return "AAAA";
	case SD_DNS_TLSA: return "TLSA";
	}
	return "?";
}

/* sd_dns_reverse_name - in-addr.arpa / ip6.arpa owner of an address */
int sd_dns_reverse_name(const char *address, char *out, size_t size)
{
	unsigned char b[16];
	static const char hex[] = "0123456789abcdef";

	if (inet_pton(AF_INET, address, b) == 1) {
		int n = snprintf(out, size, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
		return n > 0 && (size_t)n < size ? 0 : -1;
	}
	if (inet_pton(AF_INET6, address, b) == 1) {
		if (size < 16 * 4 + sizeof("ip6.arpa"))
			return -1;
		char *p = out;
		for (int i = 15; i >= 0; i--) {
			*p++ = hex[b[i] & 0xf];
			*p++ = '.';
			*p++ = hex[b[i] >> 4];
			*p++ = '.';
		}
		strcpy(p, "ip6.arpa");
		return 0;
	}
	return -1;
}
