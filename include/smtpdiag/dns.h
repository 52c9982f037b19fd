/* SPDX-License-Identifier: MIT */
/*
 * smtpdiag/dns.h - DNS lookups for checks.
 *
 * Part of the smtpdiag plugin API. Queries go to the run's resolver: the
 * servers of --dns-server (or SMTPDIAG_DNS_SERVER), else the nameservers
 * of /etc/resolv.conf. Every query has a deadline (UDP with retries, TCP
 * when the answer is truncated), asks for DNSSEC records (EDNS0 DO) and
 * reports the resolver's AD bit. The core keeps no cache and no global
 * state: many targets may query at once.
 */
#ifndef SMTPDIAG_DNS_H
#define SMTPDIAG_DNS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sd_session sd_session;

/* Record types checks can ask for (the numbers are the DNS RR types). */
typedef enum sd_dns_type {
	SD_DNS_A = 1,
	SD_DNS_CNAME = 5,
	SD_DNS_PTR = 12,
	SD_DNS_MX = 15,
	SD_DNS_TXT = 16,
	SD_DNS_AAAA = 28,
	SD_DNS_TLSA = 52
} sd_dns_type;

/* How a query ended. Only OK has records. */
typedef enum sd_dns_status {
	SD_DNS_OK = 0,       /* NOERROR with at least one record of the type */
	SD_DNS_NODATA,       /* the name exists but has no record of the type */
	SD_DNS_NXDOMAIN,     /* the name does not exist */
	SD_DNS_SERVFAIL,     /* the resolver failed (DNSSEC bogus, dead authority...) */
	SD_DNS_REFUSED,      /* REFUSED or another error RCODE */
	SD_DNS_TIMEOUT,      /* no server answered in time */
	SD_DNS_NET_ERROR,    /* no server could be reached (port closed, no route) */
	SD_DNS_BAD_REPLY,    /* an answer that does not parse */
	SD_DNS_BAD_NAME      /* the name asked for is not a valid domain name */
} sd_dns_status;

/* One record of the type asked for, from the answer section. */
typedef struct sd_dns_record {
	sd_dns_type type;
	unsigned ttl;
	char name[256];            /* owner name, no trailing dot */
	unsigned preference;       /* MX */
	char target[256];          /* MX exchange, PTR/CNAME name, A/AAAA address text */
	char *text;                /* TXT: its strings joined, NUL-terminated (else NULL) */
	size_t text_len;           /* bytes in text (a NUL inside is kept, and counted) */
	size_t text_strings;       /* TXT: how many character-strings it had */
	unsigned char usage, selector, matching; /* TLSA */
	unsigned char *data;       /* TLSA certificate association data (else NULL) */
	size_t data_len;
} sd_dns_record;

typedef struct sd_dns_answer {
	sd_dns_status status;
	int authenticated;         /* the resolver set AD: it validated the answer with DNSSEC */
	char server[64];           /* who answered (or was last tried), "127.0.0.1:53" */
	double ms;                 /* time for the whole query, retries included */
	char error[256];           /* one line when status is not OK/NODATA/NXDOMAIN */
	size_t n;
	sd_dns_record *records;
	size_t foreign;            /* records of the type whose owner is neither the name
				    * asked nor on its CNAME chain: ignored, not in records */
} sd_dns_answer;

/* sd_dns_query - look NAME up (a domain name, with or without the final
 * dot) for TYPE through the session's resolver. Never NULL; free with
 * sd_dns_answer_free(). Blocks at most the resolver timeout. */
sd_dns_answer *sd_dns_query(sd_session *s, const char *name, sd_dns_type type);
/* sd_dns_query_unchecked - the same query with the CD (checking disabled) bit
 * (RFC 4035 3.2.2): a validating resolver that answers SERVFAIL to
 * sd_dns_query() but the records here found them bogus (a broken signature),
 * not missing. Added in ABI 2 without a bump (a new function). */
sd_dns_answer *sd_dns_query_unchecked(sd_session *s, const char *name, sd_dns_type type);
/* sd_dns_answer_free - NULL is fine */
void sd_dns_answer_free(sd_dns_answer *a);
/* sd_dns_status_name - "ok", "nodata", "nxdomain", "servfail", ... */
const char *sd_dns_status_name(sd_dns_status st);
/* sd_dns_type_name - "A", "MX", ... */
const char *sd_dns_type_name(sd_dns_type t);
/* sd_dns_reverse_name - the PTR owner of an IPv4 or IPv6 address literal
 * ("1.0.0.127.in-addr.arpa", nibbles under ip6.arpa); 0, or -1 if ADDRESS
 * is not an address */
int sd_dns_reverse_name(const char *address, char *out, size_t size);
/* sd_dns_txt_tag - the value of tag NAME in a "tag=value; tag=value" TXT
 * record REC (the tag-list of RFC 6376 3.2: DKIM keys, DMARC): the first tag
 * so named (ASCII case-insensitive; spaces and tabs around the tag and the
 * '=' allowed), as *VALUE, pointing into REC, and its *LEN bytes up to the
 * next ';' with leading and trailing spaces and tabs trimmed (0 for "t=;").
 * 1 when found, 0 when not (or REC is NULL). The text is untrusted DNS data
 * and is only read, up to its NUL. Added in ABI 2 without a bump. */
int sd_dns_txt_tag(const char *rec, const char *name, const char **value, size_t *len);
/* One MX host of the domain under audit (--domain), as the core found it. */
typedef struct sd_mx_host {
	unsigned preference;
	char *name;                /* exchange name, no trailing dot */
	char *addresses;           /* its A/AAAA records, comma-separated ("" if none) */
	char *problem;             /* why it has no address, or NULL */
} sd_mx_host;

/* sd_session_domain - the domain under audit (--domain), or NULL when a
 * single server is audited */
const char *sd_session_domain(const sd_session *s);
/* sd_session_domain_mx - the domain's MX hosts in preference order (none
 * for a null MX or when no --domain was given); *mx belongs to the session */
size_t sd_session_domain_mx(const sd_session *s, const sd_mx_host **mx);

/* sd_dns_resolver - the servers queries go to, for reports ("127.0.0.1:10053") */
const char *sd_dns_resolver(sd_session *s);

#ifdef __cplusplus
}
#endif
#endif
