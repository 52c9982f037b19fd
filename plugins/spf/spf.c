/* SPDX-License-Identifier: MIT */
/*
 * spf.c - check "spf": the domain's SPF record (RFC 7208), as a receiver
 * evaluates it.
 *
 * Owns: finding the one "v=spf1" TXT record of the domain, its syntax, the
 * limit of 10 DNS-querying terms (include, a, mx, ptr, exists, redirect;
 * RFC 7208 4.6.4) counted recursively through include: and redirect= with
 * real lookups through the run's resolver, the limit of 2 void lookups,
 * "+all"/"?all", and check_host() (RFC 7208 4.) for every address of every
 * MX host: is an MX that also sends permitted to? Macros (RFC 7208 7.) are
 * not expanded: a term with one is counted, not matched, and said so.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <smtpdiag/plugin.h>

#define SPF_LOOKUP_LIMIT 10   /* RFC 7208 4.6.4 */
#define SPF_VOID_LIMIT 2      /* RFC 7208 4.6.4 */
#define SPF_QUERY_CAP 60      /* lookups made at most while counting past the limit */
#define SPF_DEPTH_MAX 12
#define SPF_IP_MAX 24         /* MX addresses evaluated */

enum { R_NONE = 0, R_PASS, R_FAIL, R_SOFTFAIL, R_NEUTRAL, R_PERMERROR, R_TEMPERROR, R_NORECORD };
static const char *const result_name[] = { "none", "pass", "fail", "softfail", "neutral", "permerror",
					   "temperror", "none" };

typedef struct spf_ip {
	char text[64];
	int v6;
	unsigned char b[16];
} spf_ip;

typedef struct spf_ctx {
	sd_session *s;
	sd_report *r;
	size_t lookups, voids, queries;
	int over;                 /* the lookup limit was passed: evaluation is permerror */
	int macros, ptr;
	char first_error[256];    /* the first permerror's reason, or "" */
	spf_ip ip[SPF_IP_MAX];
	size_t nip;
	char all_qualifier;       /* the top record's (or its redirect's) all, or 0 */
} spf_ctx;

static void perm(spf_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* perm - remember the first permerror's reason */
static void perm(spf_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->first_error[0] != '\0')
		return;
	va_start(ap, fmt);
	int n = vsnprintf(c->first_error, sizeof(c->first_error), fmt, ap);
	va_end(ap);
	(void)n;
}

/* is_spf - a TXT record that is an SPF record: "v=spf1" then a space or the end */
static int is_spf(const char *t)
{
	return t != NULL && strncasecmp(t, "v=spf1", 6) == 0 && (t[6] == '\0' || t[6] == ' ');
}

/* fetch - the one SPF record of DOMAIN (malloc'ed) or NULL with *status R_NORECORD,
 * R_PERMERROR (several) or R_TEMPERROR (lookup failed); *nrec the count */
static char *fetch(spf_ctx *c, const char *domain, int *status, size_t *nrec, int *is_void)
{
	sd_dns_answer *a = sd_dns_query(c->s, domain, SD_DNS_TXT);
	char *rec = NULL;

	c->queries++;
	*nrec = 0;
	*is_void = a->status == SD_DNS_NXDOMAIN || a->status == SD_DNS_NODATA;
	if (a->status != SD_DNS_OK && !*is_void) {
		*status = R_TEMPERROR;
		sd_dns_answer_free(a);
		return NULL;
	}
	for (size_t i = 0; i < a->n; i++) {
		if (!is_spf(a->records[i].text) || strlen(a->records[i].text) != a->records[i].text_len)
			continue;
		if ((*nrec)++ == 0)
			rec = strdup(a->records[i].text);
	}
	sd_dns_answer_free(a);
	if (*nrec > 1) {
		free(rec);
		*status = R_PERMERROR;
		return NULL;
	}
	*status = rec != NULL ? R_NONE : R_NORECORD;
	return rec;
}

/* cidr_match - the first BITS bits of A and B agree */
static int cidr_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)bytes) != 0)
		return 0;
	if (rest == 0)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

/* split_cidr - cut "/n" and "//m" from SPEC (changed in place); -1 if malformed */
static int split_cidr(char *spec, int *v4, int *v6)
{
	char *d6 = strstr(spec, "//");
	if (d6 != NULL) {
		*d6 = '\0';
		char *end;
		long m = strtol(d6 + 2, &end, 10);
		if (*end != '\0' || end == d6 + 2 || m < 0 || m > 128)
			return -1;
		*v6 = (int)m;
	}
	char *d4 = strchr(spec, '/');
	if (d4 != NULL) {
		*d4 = '\0';
		char *end;
		long m = strtol(d4 + 1, &end, 10);
		if (*end != '\0' || end == d4 + 1 || m < 0 || m > 32)
			return -1;
		*v4 = (int)m;
	}
	return 0;
}

/* match_addresses - for each undecided address, does NAME's A/AAAA hold it
 * (within the CIDR lengths)? Sets HIT[i]; returns how many records there were */
static size_t match_addresses(spf_ctx *c, const char *name, int v4, int v6, int *hit, int *failed)
{
	size_t n = 0;
	static const sd_dns_type types[] = { SD_DNS_A, SD_DNS_AAAA };

	for (int t = 0; t < 2; t++) {
		sd_dns_answer *a = sd_dns_query(c->s, name, types[t]);
		c->queries++;
		if (a->status != SD_DNS_OK && a->status != SD_DNS_NODATA && a->status != SD_DNS_NXDOMAIN)
			*failed = 1;
		for (size_t i = 0; i < a->n; i++) {
			unsigned char b[16];
			int is6 = types[t] == SD_DNS_AAAA;
			if (inet_pton(is6 ? AF_INET6 : AF_INET, a->records[i].target, b) != 1)
				continue;
			n++;
			for (size_t k = 0; k < c->nip; k++)
				if (c->ip[k].v6 == is6 && cidr_match(c->ip[k].b, b, is6 ? v6 : v4))
					hit[k] = 1;
		}
		sd_dns_answer_free(a);
	}
	return n;
}

static int check_host(spf_ctx *c, const char *domain, int depth, int *res, int top, int sets_all);

/* qualifier_result - the result a matching mechanism with qualifier Q gives */
static int qualifier_result(char q)
{
	return q == '-' ? R_FAIL : q == '~' ? R_SOFTFAIL : q == '?' ? R_NEUTRAL : R_PASS;
}

/* count_lookup - one more DNS-querying term; 0 while the walk may go on */
static int count_lookup(spf_ctx *c)
{
	c->lookups++;
	if (c->lookups > SPF_LOOKUP_LIMIT)
		c->over = 1;
	return c->queries >= SPF_QUERY_CAP;
}

/* check_host - RFC 7208 4.: evaluate DOMAIN's record for every address whose
 * RES is still R_NONE; counts every lookup on the way, even past the limit
 * (up to SPF_QUERY_CAP queries), so the report can say by how much. TOP: the
 * domain's own record; SETS_ALL: its all is the domain's (top or redirect).
 * Returns R_NONE when DOMAIN has one record, else R_NORECORD, R_PERMERROR
 * (several) or R_TEMPERROR */
static int check_host(spf_ctx *c, const char *domain, int depth, int *res, int top, int sets_all)
{
	int status, is_void;
	size_t nrec;

	if (depth > SPF_DEPTH_MAX) {
		perm(c, "include/redirect nested deeper than %s levels", "12");
		for (size_t k = 0; k < c->nip; k++)
			if (res[k] == R_NONE)
				res[k] = R_PERMERROR;
		return R_PERMERROR;
	}
	char *rec = fetch(c, domain, &status, &nrec, &is_void);
	if (rec == NULL) {
		if (!top && is_void)
			c->voids++;
		if (!top && status == R_PERMERROR)
			perm(c, "%s has more than one SPF record", domain);
		for (size_t k = 0; k < c->nip; k++)
			if (res[k] == R_NONE)
				res[k] = status == R_NORECORD ? R_NORECORD : status;
		return status;
	}
	if (!top)
		sd_report_fact_map_add(c->r, "included_records", domain, rec);
	char *redirect = NULL, *save = NULL;
	int sawall = 0;
	for (char *term = strtok_r(rec + 6, " ", &save); term != NULL; term = strtok_r(NULL, " ", &save)) {
		char q = '+';
		if (strchr("+-~?", term[0]) != NULL)
			q = *term++;
		char *arg = NULL;
		size_t mlen = strcspn(term, ":=/");
		char mech[16];
		if (mlen >= sizeof(mech)) {
			perm(c, "unknown term \"%s\"", term);
			goto bad;
		}
		memcpy(mech, term, mlen);
		mech[mlen] = '\0';
		if (term[mlen] == '=') {   /* a modifier */
			if (strcasecmp(mech, "redirect") == 0) {
				if (redirect != NULL) {
					perm(c, "%s", "redirect= appears twice");
					goto bad;
				}
				redirect = strdup(term + mlen + 1);
			} else if (strcasecmp(mech, "exp") != 0 && mlen == 0) {
				perm(c, "malformed modifier \"%s\"", term);
				goto bad;
			}
			continue;
		}
		if (term[mlen] == ':')
			arg = term + mlen + 1;
		char spec[300];
		snprintf(spec, sizeof(spec), "%s", arg != NULL ? arg : term + mlen);
		int hit[SPF_IP_MAX] = { 0 }, failed = 0;
		if (strcasecmp(mech, "all") == 0) {
			if (arg != NULL || term[mlen] != '\0') {
				perm(c, "malformed \"%s\"", term);
				goto bad;
			}
			if (sets_all)
				c->all_qualifier = q;
			sawall = 1;
			for (size_t k = 0; k < c->nip; k++)
				hit[k] = 1;
		} else if (strcasecmp(mech, "ip4") == 0 || strcasecmp(mech, "ip6") == 0) {
			int is6 = mech[2] == '6', v4 = 32, v6 = 128, bits;
			unsigned char b[16];
			if (arg == NULL || split_cidr(spec, &v4, &v6) != 0 || strstr(arg, "//") != NULL ||
			    inet_pton(is6 ? AF_INET6 : AF_INET, spec, b) != 1) {
				perm(c, "malformed \"%s\"", term);
				goto bad;
			}
			bits = is6 ? v6 : v4;
			for (size_t k = 0; k < c->nip; k++)
				hit[k] = c->ip[k].v6 == is6 && cidr_match(c->ip[k].b, b, bits);
		} else if (strcasecmp(mech, "a") == 0 || strcasecmp(mech, "mx") == 0) {
			int v4 = 32, v6 = 128;
			char target[300];
			if (split_cidr(spec, &v4, &v6) != 0) {
				perm(c, "malformed \"%s\"", term);
				goto bad;
			}
			snprintf(target, sizeof(target), "%s", arg != NULL ? spec : domain);
			if (count_lookup(c))
				break;
			if (strchr(target, '%') != NULL) {
				c->macros++;
				continue;
			}
			if (tolower((unsigned char)mech[0]) == 'a') {
				if (match_addresses(c, target, v4, v6, hit, &failed) == 0 && !failed)
					c->voids++;
			} else {
				sd_dns_answer *a = sd_dns_query(c->s, target, SD_DNS_MX);
				c->queries++;
				if (a->status == SD_DNS_NXDOMAIN || a->status == SD_DNS_NODATA)
					c->voids++;
				else if (a->status != SD_DNS_OK)
					failed = 1;
				if (a->n > 10)
					perm(c, "mx:%s has more than 10 MX records (RFC 7208 4.6.4)", target);
				for (size_t i = 0; i < a->n && i < 10 && c->queries < SPF_QUERY_CAP; i++)
					if (strcmp(a->records[i].target, ".") != 0 && a->records[i].target[0] != '\0')
						match_addresses(c, a->records[i].target, v4, v6, hit, &failed);
				sd_dns_answer_free(a);
			}
		} else if (strcasecmp(mech, "include") == 0) {
			if (arg == NULL || *arg == '\0') {
				perm(c, "malformed \"%s\"", term);
				goto bad;
			}
			if (count_lookup(c))
				break;
			if (strchr(arg, '%') != NULL) {
				c->macros++;
				continue;
			}
			int sub[SPF_IP_MAX];
			for (size_t k = 0; k < c->nip; k++)
				sub[k] = R_NONE;
			if (check_host(c, arg, depth + 1, sub, 0, 0) == R_NORECORD)
				perm(c, "include:%s has no SPF record", arg);
			for (size_t k = 0; k < c->nip; k++) {
				if (sub[k] == R_NORECORD) {
					perm(c, "include:%s has no SPF record", arg);
					res[k] = res[k] == R_NONE ? R_PERMERROR : res[k];
				} else if (sub[k] == R_PERMERROR || sub[k] == R_TEMPERROR) {
					res[k] = res[k] == R_NONE ? sub[k] : res[k];
				} else {
					hit[k] = sub[k] == R_PASS;
				}
			}
		} else if (strcasecmp(mech, "exists") == 0) {
			if (arg == NULL || *arg == '\0') {
				perm(c, "malformed \"%s\"", term);
				goto bad;
			}
			if (count_lookup(c))
				break;
			if (strchr(arg, '%') != NULL) {
				c->macros++;
				continue;
			}
			sd_dns_answer *a = sd_dns_query(c->s, arg, SD_DNS_A);
			c->queries++;
			if (a->status == SD_DNS_NXDOMAIN || a->status == SD_DNS_NODATA)
				c->voids++;
			for (size_t k = 0; k < c->nip; k++)
				hit[k] = a->n > 0;
			sd_dns_answer_free(a);
		} else if (strcasecmp(mech, "ptr") == 0) {
			if (count_lookup(c))
				break;
			c->ptr++;   /* not evaluated: RFC 7208 5.5 says do not use it */
		} else {
			perm(c, "unknown mechanism \"%s\"", term);
			goto bad;
		}
		for (size_t k = 0; k < c->nip; k++) {
			if (res[k] != R_NONE)
				continue;
			if (failed)
				res[k] = R_TEMPERROR;
			else if (hit[k])
				res[k] = qualifier_result(q);
		}
	}
	if (redirect != NULL && !sawall) {
		if (!count_lookup(c)) {
			if (strchr(redirect, '%') != NULL) {
				c->macros++;
			} else {
				int sub[SPF_IP_MAX];
				for (size_t k = 0; k < c->nip; k++)
					sub[k] = R_NONE;
				if (check_host(c, redirect, depth + 1, sub, 0, sets_all) == R_NORECORD)
					perm(c, "redirect=%s has no SPF record", redirect);
				for (size_t k = 0; k < c->nip; k++)
					if (res[k] == R_NONE)
						res[k] = sub[k] == R_NORECORD ? R_PERMERROR : sub[k];
			}
		}
	}
	for (size_t k = 0; k < c->nip; k++)
		if (res[k] == R_NONE)
			res[k] = R_NEUTRAL;
	free(redirect);
	free(rec);
	return R_NONE;
bad:
	for (size_t k = 0; k < c->nip; k++)
		if (res[k] == R_NONE)
			res[k] = R_PERMERROR;
	free(redirect);
	free(rec);
	return R_NONE;
}

/* add_ip - an MX address to evaluate */
static void add_ip(spf_ctx *c, const char *text)
{
	spf_ip *ip = &c->ip[c->nip];

	if (c->nip >= SPF_IP_MAX)
		return;
	ip->v6 = strchr(text, ':') != NULL;
	if (inet_pton(ip->v6 ? AF_INET6 : AF_INET, text, ip->b) != 1)
		return;
	snprintf(ip->text, sizeof(ip->text), "%s", text);
	c->nip++;
}

/* run - the spf check: look up the domain's SPF record, evaluate it and check
 * that the MX hosts pass */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	const char *domain = sd_session_domain(s);
	const sd_mx_host *mx;
	size_t nmx = sd_session_domain_mx(s, &mx);
	spf_ctx c = { .s = s, .r = r };
	sd_finding *f;
	(void)p;

	sd_report_phase(r, "SPF record of %s", domain);
	sd_dns_answer *a = sd_dns_query(s, domain, SD_DNS_TXT);
	if (a->status != SD_DNS_OK && a->status != SD_DNS_NODATA && a->status != SD_DNS_NXDOMAIN) {
		f = sd_report_finding(r, SD_WARN, "spf.lookup_failed", "the TXT lookup of %s failed: %s", domain,
				      a->error[0] ? a->error : sd_dns_status_name(a->status));
		sd_finding_cause(f, "receivers that see the same give SPF temperror and may defer mail from %s", domain);
		sd_finding_fix(f, "repair the DNS servers of %s (dig TXT %s)", domain, domain);
		sd_dns_answer_free(a);
		return SD_RUN_DONE;
	}
	size_t nrec = 0;
	for (size_t i = 0; i < a->n; i++) {
		if (!is_spf(a->records[i].text))
			continue;
		char *shown = sd_escape(a->records[i].text, a->records[i].text_len);
		sd_report_fact_list_add(r, "records", shown);
		free(shown);
		nrec++;
	}
	sd_report_fact_bool(r, "dnssec_validated", a->authenticated);
	sd_dns_answer_free(a);
	if (nrec == 0) {
		f = sd_report_finding(r, SD_WARN, "spf.absent", "%s publishes no SPF record", domain);
		sd_finding_cause(f, "receivers cannot tell which servers may send as %s: forged mail is not recognised, and %s's own mail is more often taken for spam (DMARC cannot pass on SPF)",
				 domain, domain);
		sd_finding_fix(f, nmx == 0 ? "a domain that sends no mail publishes %s TXT \"v=spf1 -all\""
				: "publish %s TXT \"v=spf1 mx -all\" (list every server that sends as the domain; -all for the rest)",
			       domain);
		sd_report_summary(r, "no SPF record");
		return SD_RUN_DONE;
	}
	if (nrec > 1) {
		f = sd_report_finding(r, SD_WARN, "spf.multiple", "%s has %zu SPF records; there must be one", domain, nrec);
		sd_finding_cause(f, "RFC 7208 4.5: with more than one \"v=spf1\" record the result is permerror, for every sender: SPF fails as if the domain had none, and DMARC cannot pass on SPF");
		sd_finding_fix(f, "merge them into one TXT record (one v=spf1, every mechanism once, one all at the end)");
		sd_report_summary(r, "%zu SPF records: permerror", nrec);
		return SD_RUN_DONE;
	}

	for (size_t i = 0; i < nmx; i++) {
		char *list = strdup(mx[i].addresses != NULL ? mx[i].addresses : ""), *save = NULL;
		for (char *ad = list != NULL ? strtok_r(list, ",", &save) : NULL; ad != NULL; ad = strtok_r(NULL, ",", &save))
			add_ip(&c, ad);
		free(list);
	}
	int res[SPF_IP_MAX];
	for (size_t k = 0; k < SPF_IP_MAX; k++)
		res[k] = R_NONE;
	check_host(&c, domain, 0, res, 1, 1);

	sd_report_fact_int(r, "dns_lookups", (long long)c.lookups);
	sd_report_fact_int(r, "void_lookups", (long long)c.voids);
	if (c.all_qualifier != 0)
		sd_report_fact_str(r, "all", "%call", c.all_qualifier);
	if (c.over) {
		f = sd_report_finding(r, SD_WARN, "spf.too_many_lookups",
				      "the SPF record of %s needs %s%zu DNS lookups; the limit is %d", domain,
				      c.queries >= SPF_QUERY_CAP ? "at least " : "", c.lookups, SPF_LOOKUP_LIMIT);
		sd_finding_cause(f, "RFC 7208 4.6.4: include, a, mx, ptr, exists and redirect each cost a lookup, counted through every include: and redirect=; past 10 the result is permerror for every sender, so SPF fails and DMARC cannot pass on SPF");
		sd_finding_fix(f, "remove includes of services no longer used, replace a/mx of your own servers with ip4:/ip6:, or publish a sub-domain per sending service");
		sd_finding_detail(f, "lookups", "%zu", c.lookups);
	}
	if (c.voids > SPF_VOID_LIMIT) {
		f = sd_report_finding(r, SD_WARN, "spf.void_lookups",
				      "the SPF record of %s makes %zu void lookups (no answer or NXDOMAIN); the limit is %d",
				      domain, c.voids, SPF_VOID_LIMIT);
		sd_finding_cause(f, "RFC 7208 4.6.4: more than 2 lookups that return nothing give permerror (receivers that enforce it treat the domain as having a broken SPF record)");
		sd_finding_fix(f, "remove the terms that name hosts or domains that no longer exist");
	}
	if (c.first_error[0] != '\0') {
		f = sd_report_finding(r, SD_WARN, "spf.permerror", "the SPF record of %s is in error: %s", domain,
				      c.first_error);
		sd_finding_cause(f, "RFC 7208 2.6.7: receivers give permerror, for every sender: SPF fails as if the domain had no record");
		sd_finding_fix(f, "correct the record (RFC 7208 12 has the grammar); test it with any SPF validator");
	}
	if (c.all_qualifier == '+') {
		f = sd_report_finding(r, SD_CRIT, "spf.pass_all", "the SPF record of %s ends in +all: every server on the Internet may send as %s",
				      domain, domain);
		sd_finding_cause(f, "\"+all\" (or a bare \"all\") makes SPF pass for any sender: it authorises forgers and helps them pass DMARC");
		sd_finding_fix(f, "end the record in -all (or ~all while you collect DMARC reports)");
	} else if (c.all_qualifier == '?') {
		f = sd_report_finding(r, SD_WARN, "spf.neutral_all", "the SPF record of %s ends in ?all: it says nothing about other senders",
				      domain);
		sd_finding_cause(f, "\"?all\" gives neutral to every server not listed, the same as no SPF record for them");
		sd_finding_fix(f, "end the record in -all (or ~all while you collect DMARC reports)");
	} else if (c.all_qualifier == 0 && c.first_error[0] == '\0' && !c.over) {
		f = sd_report_finding(r, SD_INFO, "spf.no_all", "the SPF record of %s has no all mechanism", domain);
		sd_finding_cause(f, "servers not listed get neutral (RFC 7208 4.7), as with ?all");
		sd_finding_fix(f, "end the record in -all");
	}
	if (c.ptr > 0) {
		f = sd_report_finding(r, SD_INFO, "spf.ptr", "the SPF record of %s uses the ptr mechanism", domain);
		sd_finding_cause(f, "RFC 7208 5.5: ptr is slow and unreliable and SHOULD NOT be used; some receivers skip it");
		sd_finding_fix(f, "replace ptr with ip4:/ip6: or a: terms");
	}
	if (c.macros > 0)
		sd_report_note(r, "%d term%s with macros (RFC 7208 7) counted, not evaluated", c.macros, c.macros == 1 ? "" : "s");
	size_t permitted = 0;
	for (size_t k = 0; k < c.nip; k++) {
		int v = res[k] < 0 || res[k] > R_NORECORD ? R_NONE : res[k];
		sd_report_fact_map_add(r, "mx_addresses", c.ip[k].text, result_name[v]);
		permitted += v == R_PASS;
		if (v != R_PASS && !c.over && c.first_error[0] == '\0' && c.macros == 0 && c.queries < SPF_QUERY_CAP) {
			f = sd_report_finding(r, SD_INFO, "spf.mx_not_permitted",
					      "MX address %s is not permitted to send as %s (SPF %s)", c.ip[k].text, domain,
					      result_name[v]);
			sd_finding_cause(f, "mail from %s sent by the MX host itself (bounces, forwards, replies of a mail server that also sends) fails SPF",
					 domain);
			sd_finding_fix(f, "if the MX also sends, add \"mx\" or ip%c:%s to the SPF record; if it never sends, nothing to do",
				       c.ip[k].v6 ? '6' : '4', c.ip[k].text);
			sd_finding_detail(f, "address", "%s", c.ip[k].text);
		}
	}
	sd_report_summary(r, "%s%zu DNS lookup%s%s", c.all_qualifier ? "" : "no all, ", c.lookups,
			  c.lookups == 1 ? "" : "s", c.nip > 0 ? (permitted == c.nip ? ", every MX address permitted" : ", not every MX address permitted") : "");
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(spf) = {
	.abi = SD_PLUGIN_ABI,
	.name = "spf",
	.title = "SPF record",
	.summary = "SPF (RFC 7208): one v=spf1 record, at most 10 DNS lookups counted through include/redirect, void lookups, +all/?all, each MX address permitted",
	.run = run,
	.scope = SD_SCOPE_DOMAIN,
};
