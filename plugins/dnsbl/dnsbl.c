/* SPDX-License-Identifier: MIT */
/*
 * dnsbl.c - check "dnsbl": is the server's address on a DNS blocklist?
 *
 * Owns: the lookup of the address connected to in each zone the profile
 * lists (RFC 5782: the IPv4 octets reversed, IPv6 as 32 reversed nibbles,
 * prepended to the zone), reading the answer per zone: 127.0.0.x codes are
 * listings with the zone's own meaning (a combined zone such as Spamhaus ZEN
 * answers 127.0.0.2 for SBL, .4 for XBL, .10 for PBL...), while the zone's
 * error answers (127.255.255.x: a query through a public resolver, over the
 * query limit, without a key) and answers outside 127/8 (a parked or
 * wildcard zone) mean "not checked", never "listed". The delisting page is
 * the fix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <smtpdiag/plugin.h>

#define DNSBL_ZONES_MAX 16
#define DNSBL_CODES_MAX 16

static const char *const requires[] = { "connect", NULL };

static const sd_param_spec params[] = {
	{ "zones", SD_PARAM_LIST, "[zen.spamhaus.org, bl.spamcop.net, b.barracudacentral.org, psbl.surriel.com]",
	  "zones to look the address up in; \"zone;127.0.0.2=meaning;...;delist=URL\" adds return codes and a delisting page" },
	{ NULL, 0, NULL, NULL }
};

typedef struct code_meaning {
	const char *code;
	const char *meaning;
} code_meaning;

/* What the well-known zones' answers mean (their operators' documentation). */
typedef struct known_zone {
	const char *zone;
	const char *delist;
	code_meaning codes[12];
} known_zone;

static const known_zone known[] = {
	{ "zen.spamhaus.org", "https://check.spamhaus.org/",
	  { { "127.0.0.2", "SBL: a spam source or spam operation" }, { "127.0.0.3", "SBL CSS: snowshoe spam" },
	    { "127.0.0.4", "XBL: an exploited or infected host" }, { "127.0.0.5", "XBL: an exploited or infected host" },
	    { "127.0.0.6", "XBL: an exploited or infected host" }, { "127.0.0.7", "XBL: an exploited or infected host" },
	    { "127.0.0.9", "DROP: a hijacked or criminal network" },
	    { "127.0.0.10", "PBL (ISP): an end-user address that should not send mail directly" },
	    { "127.0.0.11", "PBL (Spamhaus): an end-user address that should not send mail directly" },
	    { "127.255.255.252", "error: the query was malformed (typo in the zone)" },
	    { "127.255.255.254", "error: queried through a public or open resolver, which Spamhaus does not answer" },
	    { "127.255.255.255", "error: too many queries (rate limit); use the Data Query Service with a key" } } },
	{ "bl.spamcop.net", "https://www.spamcop.net/bl.shtml", { { "127.0.0.2", "reported as a spam source" } } },
	{ "b.barracudacentral.org", "https://www.barracudacentral.org/rbl/removal-request",
	  { { "127.0.0.2", "poor reputation (Barracuda)" } } },
	{ "psbl.surriel.com", "https://psbl.org/", { { "127.0.0.2", "sent mail to spam traps" } } },
};

/* One zone as the profile gives it, with its meanings. */
typedef struct zone_spec {
	char zone[256];
	char delist[256];
	const char *code[DNSBL_CODES_MAX];
	const char *meaning[DNSBL_CODES_MAX];
	size_t ncodes;
	char *buf;
} zone_spec;

/* parse_zone - "zone;127.0.0.2=meaning;delist=URL" into Z (Z->buf owns the text) */
static void parse_zone(const char *text, zone_spec *z)
{
	char *save = NULL;

	memset(z, 0, sizeof(*z));
	z->buf = strdup(text);
	if (z->buf == NULL)
		return;
	char *first = strtok_r(z->buf, ";", &save);
	snprintf(z->zone, sizeof(z->zone), "%s", first != NULL ? first : "");
	size_t zl = strlen(z->zone);
	if (zl > 0 && z->zone[zl - 1] == '.')
		z->zone[zl - 1] = '\0';
	for (char *p = strtok_r(NULL, ";", &save); p != NULL; p = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(p, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		if (strcasecmp(p, "delist") == 0)
			snprintf(z->delist, sizeof(z->delist), "%s", eq + 1);
		else if (z->ncodes < DNSBL_CODES_MAX) {
			z->code[z->ncodes] = p;
			z->meaning[z->ncodes++] = eq + 1;
		}
	}
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcasecmp(known[i].zone, z->zone) != 0)
			continue;
		if (z->delist[0] == '\0')
			snprintf(z->delist, sizeof(z->delist), "%s", known[i].delist);
		for (size_t k = 0; k < 12 && known[i].codes[k].code != NULL && z->ncodes < DNSBL_CODES_MAX; k++) {
			z->code[z->ncodes] = known[i].codes[k].code;
			z->meaning[z->ncodes++] = known[i].codes[k].meaning;
		}
	}
}

/* meaning - what CODE means in zone Z, or NULL when the zone does not say */
static const char *meaning(const zone_spec *z, const char *code)
{
	for (size_t i = 0; i < z->ncodes; i++)
		if (strcmp(z->code[i], code) == 0)
			return z->meaning[i];
	return NULL;
}

/* query_name - the DNSBL owner name of ADDRESS in ZONE (RFC 5782 2.1, 2.4); -1 if not an address */
static int query_name(const char *address, const char *zone, char *out, size_t size)
{
	char rev[128];

	if (sd_dns_reverse_name(address, rev, sizeof(rev)) != 0)
		return -1;
	char *suffix = strstr(rev, strchr(address, ':') != NULL ? ".ip6.arpa" : ".in-addr.arpa");
	if (suffix == NULL)
		return -1;
	*suffix = '\0';
	int n = snprintf(out, size, "%s.%s", rev, zone);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* run - the dnsbl check: look up the server's address in each blocklist zone
 * and report the listings */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	const char *addr = sd_session_peer(s);
	const char *const *zones;
	size_t nz = sd_param_list(p, "zones", &zones);
	size_t listed = 0, clean = 0, unchecked = 0;
	sd_finding *f;

	sd_report_phase(r, "Blocklists (%zu zone%s) for %s", nz, nz == 1 ? "" : "s", addr);
	sd_report_fact_str(r, "address", "%s", addr);
	if (nz > DNSBL_ZONES_MAX) {
		sd_report_note(r, "only the first %d of %zu zones are looked up", DNSBL_ZONES_MAX, nz);
		nz = DNSBL_ZONES_MAX;
	}
	for (size_t i = 0; i < nz; i++) {
		zone_spec z;
		char qname[512];
		parse_zone(zones[i], &z);
		if (z.zone[0] == '\0' || query_name(addr, z.zone, qname, sizeof(qname)) != 0) {
			free(z.buf);
			continue;
		}
		sd_dns_answer *a = sd_dns_query(s, qname, SD_DNS_A);
		if (a->status == SD_DNS_NXDOMAIN || a->status == SD_DNS_NODATA) {
			sd_report_fact_map_add(r, "zones", z.zone, "not listed");
			clean++;
		} else if (a->status != SD_DNS_OK) {
			char why[300];
			snprintf(why, sizeof(why), "not checked: the lookup failed (%s)",
				 a->error[0] ? a->error : sd_dns_status_name(a->status));
			sd_report_fact_map_add(r, "zones", z.zone, why);
			f = sd_report_finding(r, SD_INFO, "dnsbl.not_checked", "%s: %s not checked: the lookup failed (%s)",
					      z.zone, addr, sd_dns_status_name(a->status));
			sd_finding_cause(f, "the resolver (%s) gave no answer for %s: the zone may refuse it, or be down",
					 sd_dns_resolver(s), qname);
			sd_finding_fix(f, "look the address up on the zone's own web page%s%s, or use a resolver the zone answers (--dns-server)",
				       z.delist[0] ? " " : "", z.delist);
			sd_finding_detail(f, "zone", "%s", z.zone);
			unchecked++;
		} else {
			const char *code = a->records[0].target;
			const char *m = meaning(&z, code);
			if (strncmp(code, "127.", 4) != 0 || strncmp(code, "127.255.255.", 12) == 0) {
				char why[400];
				snprintf(why, sizeof(why), "not checked: the zone answered %s (%s)", code,
					 m != NULL ? m : strncmp(code, "127.", 4) != 0 ? "not a blocklist answer: a wildcard or parked zone"
					 : "an error answer of the zone");
				sd_report_fact_map_add(r, "zones", z.zone, why);
				f = sd_report_finding(r, SD_INFO, "dnsbl.not_checked", "%s: %s not checked: %s", z.zone, addr,
						      why + strlen("not checked: "));
				sd_finding_cause(f, "blocklists answer 127.255.255.x instead of a listing when they refuse the query (public resolvers, query limits, a missing key); that says nothing about the address");
				sd_finding_fix(f, "query through your own recursive resolver (--dns-server), or with the key the zone requires%s%s",
					       z.delist[0] ? "; or look the address up at " : "", z.delist);
				sd_finding_detail(f, "zone", "%s", z.zone);
				sd_finding_detail(f, "answer", "%s", code);
				unchecked++;
			} else {
				char what[400];
				snprintf(what, sizeof(what), "listed (%s%s%s)", code, m != NULL ? ": " : "", m != NULL ? m : "");
				sd_report_fact_map_add(r, "zones", z.zone, what);
				char txt[300] = "";
				sd_dns_answer *t = sd_dns_query(s, qname, SD_DNS_TXT);
				if (t->n > 0 && t->records[0].text != NULL) {
					char *shown = sd_escape(t->records[0].text, t->records[0].text_len);
					snprintf(txt, sizeof(txt), "%s", shown);
					free(shown);
				}
				sd_dns_answer_free(t);
				f = sd_report_finding(r, SD_WARN, "dnsbl.listed", "%s is listed in %s (%s%s%s)", addr, z.zone,
						      code, m != NULL ? ": " : "", m != NULL ? m : "");
				sd_finding_cause(f, "receivers that use %s reject or down-score mail sent from %s%s%s", z.zone, addr,
						 txt[0] ? "; the zone says: " : "", txt);
				sd_finding_fix(f, "find and stop what caused the listing (an open relay, a compromised account or host, a spam run), then request removal%s%s",
					       z.delist[0] ? " at " : " from the zone's operator", z.delist);
				sd_finding_detail(f, "zone", "%s", z.zone);
				sd_finding_detail(f, "answer", "%s", code);
				if (txt[0])
					sd_finding_detail(f, "reason", "%s", txt);
				listed++;
			}
		}
		sd_dns_answer_free(a);
		free(z.buf);
	}
	sd_report_fact_int(r, "listed", (long long)listed);
	sd_report_fact_int(r, "not_listed", (long long)clean);
	sd_report_fact_int(r, "not_checked", (long long)unchecked);
	if (listed > 0)
		sd_report_summary(r, "%s listed in %zu of %zu zones", addr, listed, nz);
	else
		sd_report_summary(r, "%s not listed in %zu zone%s%s", addr, clean, clean == 1 ? "" : "s",
				  unchecked ? " (some not checked)" : "");
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(dnsbl) = {
	.abi = SD_PLUGIN_ABI,
	.name = "dnsbl",
	.title = "Blocklists",
	.summary = "DNS blocklists (RFC 5782): the server's address in the profile's zones, return codes per zone, error answers as 'not checked'",
	.requires = requires,
	.params = params,
	.run = run,
};
