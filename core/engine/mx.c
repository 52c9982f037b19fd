/* SPDX-License-Identifier: MIT */
/*
 * mx.c - MX discovery for --domain.
 *
 * RFC 5321 5.1: the MX records in preference order; without any, the
 * domain's own address is the implicit MX. RFC 7505: a single MX "0 ."
 * says the domain accepts no mail. Every host's AAAA and A records are
 * looked up here, once, through the run's resolver.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "engine/mx.h"
#include "base/util.h"

/* by_preference - qsort order of MX hosts: lowest preference first, then by name */
static int by_preference(const void *a, const void *b)
{
	const sd_mx_host *x = a, *y = b;

	if (x->preference != y->preference)
		return x->preference < y->preference ? -1 : 1;
	return strcasecmp(x->name, y->name);
}

/* sd_mx_sort - preference order, duplicates removed */
void sd_mx_sort(sd_mx_host *mx, size_t *n)
{
	size_t k = 0;

	if (*n > 1)
		qsort(mx, *n, sizeof(*mx), by_preference);
	for (size_t i = 0; i < *n; i++) {
		int dup = 0;
		for (size_t j = 0; j < k && !dup; j++)
			dup = strcasecmp(mx[j].name, mx[i].name) == 0;
		if (dup) {
			free(mx[i].name);
			free(mx[i].addresses);
			free(mx[i].problem);
			continue;
		}
		mx[k++] = mx[i];
	}
	*n = k;
}

/* add_host - append MX host NAME of preference PREF to CFG */
static void add_host(sd_target_config *cfg, unsigned pref, const char *name)
{
	cfg->mx = sd_xrealloc(cfg->mx, (cfg->nmx + 1) * sizeof(*cfg->mx));
	cfg->mx[cfg->nmx++] = (sd_mx_host){ .preference = pref, .name = sd_xstrdup(name) };
}

/* sd_mx_discover - MX, implicit MX or null MX, then the hosts' addresses */
sd_run_status sd_mx_discover(sd_session *s, sd_target_config *cfg, sd_report *r)
{
	const char *domain = cfg->domain;
	sd_finding *f;
	int implicit = 0, all_ad = 1;

	sd_report_phase(r, "MX records of %s", domain);
	sd_report_fact_str(r, "domain", "%s", domain);
	sd_report_fact_str(r, "resolver", "%s", sd_dns_resolver(s));
	sd_dns_answer *a = sd_dns_query(s, domain, SD_DNS_MX);
	sd_report_fact_ms(r, "lookup_ms", a->ms);
	sd_report_fact_str(r, "lookup", "%s", sd_dns_status_name(a->status));

	if (a->status == SD_DNS_NXDOMAIN) {
		f = sd_report_finding(r, SD_CRIT, "mx.nxdomain", "the domain %s does not exist in DNS", domain);
		sd_finding_cause(f, "%s answered NXDOMAIN for %s", a->server, domain);
		sd_finding_fix(f, "check the spelling; if the domain is new, check its delegation (NS records at the parent zone)");
		sd_dns_answer_free(a);
		return SD_RUN_FAILED;
	}
	if (a->status == SD_DNS_SERVFAIL) {
		/* a validating resolver's SERVFAIL: bogus data (it answers with CD), or a broken zone */
		sd_dns_answer *cd = sd_dns_query_unchecked(s, domain, SD_DNS_MX);
		int bogus = cd->status == SD_DNS_OK || cd->status == SD_DNS_NODATA;
		sd_dns_answer_free(cd);
		if (bogus) {
			sd_report_fact_str(r, "dnssec", "bogus");
			f = sd_report_finding(r, SD_CRIT, "mx.dnssec_bogus",
					      "the MX records of %s fail DNSSEC validation (bogus)", domain);
			sd_finding_cause(f, "the resolver %s answers SERVFAIL and gives the records only with checking disabled: their signatures do not validate. Validating senders cannot find the MX hosts and defer all mail",
					 sd_dns_resolver(s));
			sd_finding_fix(f, "re-sign the zone of %s and check the DS record at the parent against its DNSKEY (delv MX %s, DNSViz)",
				       domain, domain);
			sd_dns_answer_free(a);
			return SD_RUN_FAILED;
		}
	}
	if (a->status == SD_DNS_TIMEOUT || a->status == SD_DNS_NET_ERROR || a->status == SD_DNS_REFUSED) {
		/* the resolver asked did not answer, or refused this client (a
		 * recursive resolver turns an authority's failure into SERVFAIL):
		 * nothing is known about the domain, so a check error (UNKNOWN,
		 * as connect.resolver_failed and check_smtp), not a critical */
		f = sd_report_finding(r, SD_CHECK_ERROR, "mx.resolver_failed",
				      "the DNS resolver failed, the MX lookup for %s was not answered: %s", domain,
				      a->error[0] ? a->error : sd_dns_status_name(a->status));
		sd_finding_cause(f, "the resolver %s %s: the lookup failed on this side, nothing is known about the domain",
				 sd_dns_resolver(s),
				 a->status == SD_DNS_REFUSED ? "refused the query or does not implement it"
				 : a->status == SD_DNS_TIMEOUT ? "did not answer in time" : "could not be reached");
		sd_finding_fix(f, "check the resolver given with --dns-server (address, port, that it runs and answers this machine recursively), or the nameserver lines of /etc/resolv.conf");
		sd_dns_answer_free(a);
		return SD_RUN_ERROR;
	}
	if (a->status != SD_DNS_OK && a->status != SD_DNS_NODATA) {
		f = sd_report_finding(r, SD_CRIT, "mx.dns_failed", "the MX lookup for %s failed: %s", domain,
				      a->error[0] ? a->error : sd_dns_status_name(a->status));
		sd_finding_cause(f, "the resolver %s gave no usable answer; senders that see the same cannot deliver",
				 sd_dns_resolver(s));
		sd_finding_fix(f, "check the domain's authoritative servers (dig +trace MX %s); if the resolver is at fault, use --dns-server",
			       domain);
		sd_dns_answer_free(a);
		return SD_RUN_FAILED;
	}
	sd_report_fact_bool(r, "dnssec_validated", a->authenticated);
	/* "not validated", not "insecure": without AD an unsigned zone and a
	 * resolver that does not validate look the same from here */
	sd_report_fact_str(r, "dnssec", "%s", a->authenticated ? "validated" : "not validated");
	if (!a->authenticated) {
		f = sd_report_finding(r, SD_INFO, "mx.not_validated",
				      "the MX records of %s are not DNSSEC-validated (the resolver %s did not set AD)", domain,
				      sd_dns_resolver(s));
		sd_finding_cause(f, "either the zone of %s is not signed, so senders cannot tell forged MX records (and DANE cannot work), or the resolver does not validate: from here the two look the same",
				 domain);
		sd_finding_fix(f, "sign the zone with DNSSEC and publish its DS record at the parent; to check from here, use a validating resolver (--dns-server with Unbound)");
	}
	if (a->foreign > 0) {
		sd_report_fact_int(r, "foreign_records", (long long)a->foreign);
		f = sd_report_finding(r, SD_WARN, "mx.foreign_records",
				      "the MX answer for %s carried %zu MX record%s of other names: ignored", domain,
				      a->foreign, a->foreign == 1 ? "" : "s");
		sd_finding_cause(f, "an answer holds records of the name asked for (or its CNAME chain) only (RFC 1034 4.3.2); %s added others, a broken or hostile resolver or authority",
				 a->server);
		sd_finding_fix(f, "check the resolver (--dns-server) and the domain's authoritative servers: dig MX %s @server",
			       domain);
	}

	if (a->status == SD_DNS_NODATA) {
		implicit = 1;
		add_host(cfg, 0, domain);
	}
	size_t nulls = 0;
	for (size_t i = 0; i < a->n; i++) {
		const sd_dns_record *rec = &a->records[i];
		if (rec->target[0] == '\0' || strcmp(rec->target, ".") == 0) {
			nulls++;
			continue;
		}
		add_host(cfg, rec->preference, rec->target);
	}
	sd_dns_answer_free(a);
	sd_report_fact_bool(r, "implicit_mx", implicit);
	sd_report_fact_bool(r, "null_mx", nulls > 0);

	if (nulls > 0 && cfg->nmx == 0) {
		sd_report_summary(r, "null MX: %s accepts no mail (RFC 7505)", domain);
		f = sd_report_finding(r, SD_INFO, "mx.null", "%s publishes a null MX: it accepts no mail", domain);
		sd_finding_cause(f, "the only MX record is \"0 .\" (RFC 7505): senders bounce mail to this domain at once");
		sd_finding_fix(f, "nothing to do if the domain sends no and receives no mail; otherwise publish real MX records");
		return SD_RUN_FAILED;
	}
	if (nulls > 0) {
		f = sd_report_finding(r, SD_WARN, "mx.null_mixed",
				      "%s has a null MX (\"0 .\") next to %zu real MX record%s", domain, cfg->nmx,
				      cfg->nmx == 1 ? "" : "s");
		sd_finding_cause(f, "RFC 7505 3.1: a domain that advertises a null MX must not advertise any other MX; senders may treat the domain as accepting no mail");
		sd_finding_fix(f, "remove the \"0 .\" MX record");
	}
	sd_mx_sort(cfg->mx, &cfg->nmx);

	size_t usable = 0, limit = cfg->mx_limit > 0 ? cfg->mx_limit : SD_MX_LIMIT_DEFAULT, skipped = 0, late = 0;
	for (size_t i = 0; i < cfg->nmx; i++) {
		sd_mx_host *h = &cfg->mx[i];
		unsigned char lit[16];
		if (i >= limit || (cfg->deadline > 0 && sd_now_ms() >= cfg->deadline)) {
			/* not looked up, not audited: a hostile domain's size or slowness must not hold the run */
			h->addresses = sd_xstrdup("");
			h->problem = i >= limit ? sd_asprintf("not audited: beyond the first %zu MX hosts (--mx-limit)", limit)
				: sd_xstrdup("not audited: the deadline of the domain audit (--domain-deadline) passed");
			skipped += i >= limit;
			late += i < limit;
			sd_report_fact_list_add(r, "hosts_not_audited", h->name);
			continue;
		}
		h->addresses = sd_dns_addresses(s, h->name, &h->problem, &all_ad);
		char *line = sd_asprintf("%u %s -> %s", h->preference, h->name,
					 h->addresses[0] ? h->addresses : h->problem);
		sd_report_fact_list_add(r, "hosts", line);
		sd_report_note(r, "%s", line);
		free(line);
		if (h->addresses[0] != '\0')
			usable++;
		if (!implicit && (inet_pton(AF_INET, h->name, lit) == 1 || inet_pton(AF_INET6, h->name, lit) == 1)) {
			f = sd_report_finding(r, SD_WARN, "mx.address_literal",
					      "MX %s is an IP address, not a host name", h->name);
			sd_finding_cause(f, "RFC 5321 5.1 and RFC 7505: an MX names a host; many senders look it up as a name and fail");
			sd_finding_fix(f, "publish an A/AAAA record for a host name and point the MX at that name");
		} else if (h->addresses[0] != '\0' && strchr(h->addresses, ':') == NULL) {
			f = sd_report_finding(r, SD_INFO, "mx.no_ipv6", "MX host %s has no IPv6 address (no AAAA record)",
					      h->name);
			sd_finding_cause(f, "senders with IPv6 only cannot reach %s; internet.nl's mail test requires an AAAA record for every MX (\"IPv6 addresses for mail server(s)\")",
					 h->name);
			sd_finding_fix(f, "give %s an IPv6 address, make the SMTP server listen on it, and publish its AAAA record",
				       h->name);
			sd_finding_detail(f, "host", "%s", h->name);
		} else if (h->addresses[0] == '\0') {
			f = sd_report_finding(r, SD_CRIT, "mx.no_address", "MX host %s has no address: %s", h->name,
					      h->problem);
			sd_finding_cause(f, "senders cannot connect to an MX host that does not resolve; they try the next MX, or bounce when none is left");
			sd_finding_fix(f, "add A (and AAAA) records for %s, or remove the MX record that names it", h->name);
			sd_finding_detail(f, "host", "%s", h->name);
		}
	}
	sd_report_fact_int(r, "hosts_usable", (long long)usable);
	sd_report_fact_int(r, "hosts_total", (long long)cfg->nmx);
	if (skipped > 0) {
		f = sd_report_finding(r, SD_INFO, "mx.hosts_not_audited",
				      "%zu of %zu MX hosts not audited: only the first %zu in preference order are", skipped,
				      cfg->nmx, limit);
		sd_finding_cause(f, "senders try a bounded number of MX hosts too (Postfix: smtp_mx_address_limit = 5); a domain with more gains nothing from them, and auditing them all would let one domain hold the run");
		sd_finding_fix(f, "publish fewer MX records; to audit more hosts use --mx-limit N (at most %d)", SD_MX_LIMIT_MAX);
		sd_finding_detail(f, "not_audited", "%zu", skipped);
	}
	if (late > 0) {
		f = sd_report_finding(r, SD_WARN, "mx.deadline",
				      "%zu MX host%s not looked up: the deadline of the domain audit passed", late,
				      late == 1 ? "" : "s");
		sd_finding_cause(f, "the DNS lookups of the domain took longer than --domain-deadline allows (servers that do not answer)");
		sd_finding_fix(f, "make the domain's DNS servers answer (dig +trace), or raise --domain-deadline");
	}
	if (!implicit)
		sd_report_fact_bool(r, "addresses_dnssec_validated", all_ad && usable > 0);
	if (implicit) {
		if (usable == 0) {
			f = sd_report_finding(r, SD_CRIT, "mx.none",
					      "%s has no MX record and no address: it cannot receive mail", domain);
			sd_finding_cause(f, "without MX records senders fall back to the domain's own A/AAAA records (RFC 5321 5.1), and there are none");
			sd_finding_fix(f, "publish MX records naming the mail servers of %s (or a null MX \"0 .\" if it takes no mail)",
				       domain);
			return SD_RUN_FAILED;
		}
		f = sd_report_finding(r, SD_WARN, "mx.implicit",
				      "%s has no MX record: senders fall back to its address (implicit MX)", domain);
		sd_finding_cause(f, "no MX records; RFC 5321 5.1 lets senders use the domain's A/AAAA records, but some refuse to, and the web server's address usually does not run SMTP");
		sd_finding_fix(f, "publish an MX record naming the mail server explicitly, e.g. \"%s. IN MX 10 mail.%s.\"", domain,
			       domain);
	}
	if (usable == 0)
		return SD_RUN_FAILED;
	sd_report_summary(r, "%zu MX host%s%s", cfg->nmx, cfg->nmx == 1 ? "" : "s",
			  implicit ? " (implicit: the domain's own address)" : "");
	return SD_RUN_DONE;
}
