/* SPDX-License-Identifier: MIT */
/*
 * dmarc.c - check "dmarc": the domain's DMARC record (RFC 7489).
 *
 * Owns: the "v=DMARC1" TXT record at _dmarc.<domain> (else at the
 * organizational domain, approximated as the last two labels: no Public
 * Suffix List here, said in a note), its tags (p, sp, pct, rua, ruf, adkim,
 * aspf), the policy, and for every rua/ruf mailto: address outside the
 * domain the external-destination authorisation record
 * <domain>._report._dmarc.<destination> (RFC 7489 7.1).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <smtpdiag/plugin.h>

#define DMARC_URI_MAX 8   /* report URIs checked per tag */

/* is_dmarc - a TXT record that is a DMARC record: its first tag is v=DMARC1 */
static int is_dmarc(const char *t)
{
	if (t == NULL || strncmp(t, "v=DMARC1", 8) != 0)
		return 0;
	for (t += 8; *t == ' ' || *t == '\t'; t++)
		;
	return *t == '\0' || *t == ';';
}

/* tag - the value of TAG in REC (malloc'ed, trimmed) or NULL */
static char *tag(const char *rec, const char *name)
{
	const char *q;
	size_t n;

	if (!sd_dns_txt_tag(rec, name, &q, &n))
		return NULL;
	char *v = malloc(n + 1);
	if (v == NULL)
		return NULL;
	memcpy(v, q, n);
	v[n] = '\0';
	return v;
}

/* within - HOST is DOMAIN or a sub-domain of it (case-insensitive) */
static int within(const char *host, const char *domain)
{
	size_t h = strlen(host), d = strlen(domain);

	if (h == d)
		return strcasecmp(host, domain) == 0;
	return h > d && host[h - d - 1] == '.' && strcasecmp(host + h - d, domain) == 0;
}

/* org_domain - the last two labels of DOMAIN (a stand-in for the PSL) */
static const char *org_domain(const char *domain)
{
	const char *last = strrchr(domain, '.');

	if (last == NULL)
		return domain;
	for (const char *p = last - 1; p >= domain; p--)
		if (*p == '.')
			return p + 1;
	return domain;
}

/* check_uris - every mailto: of TAGNAME (VALUE) outside ORG: is it authorised?
 * DOMAIN is the domain whose record names them (RFC 7489 7.1's Domain Owner) */
static void check_uris(sd_session *s, sd_report *r, const char *domain, const char *org, const char *tagname,
		       const char *value)
{
	char *list = strdup(value), *save = NULL;
	size_t n = 0;

	for (char *u = list != NULL ? strtok_r(list, ",", &save) : NULL; u != NULL && n < DMARC_URI_MAX;
	     u = strtok_r(NULL, ",", &save), n++) {
		while (*u == ' ')
			u++;
		sd_report_fact_list_add(r, tagname, u);
		if (strncasecmp(u, "mailto:", 7) != 0) {
			sd_finding *f = sd_report_finding(r, SD_WARN, "dmarc.uri_invalid",
							  "%s=%s: receivers send reports to mailto: addresses only", tagname, u);
			sd_finding_cause(f, "RFC 7489 6.2: report URIs are mailto: (https: is not defined); receivers skip the others");
			sd_finding_fix(f, "use %s=mailto:dmarc-reports@%s", tagname, domain);
			continue;
		}
		char *at = strrchr(u, '@');
		if (at == NULL || at[1] == '\0') {
			sd_finding *f = sd_report_finding(r, SD_WARN, "dmarc.uri_invalid", "%s=%s is not a mail address",
							  tagname, u);
			sd_finding_fix(f, "use %s=mailto:dmarc-reports@%s", tagname, domain);
			continue;
		}
		char host[256];
		snprintf(host, sizeof(host), "%s", at + 1);
		host[strcspn(host, "!")] = '\0';   /* a size limit, "!10m" */
		if (within(host, org) || within(host, domain))
			continue;
		char name[600];
		snprintf(name, sizeof(name), "%s._report._dmarc.%s", domain, host);
		sd_dns_answer *a = sd_dns_query(s, name, SD_DNS_TXT);
		int ok = 0;
		for (size_t i = 0; i < a->n; i++)
			ok |= is_dmarc(a->records[i].text);
		if (!ok) {
			int failed = a->status != SD_DNS_OK && a->status != SD_DNS_NODATA && a->status != SD_DNS_NXDOMAIN;
			sd_finding *f = sd_report_finding(r, SD_WARN, "dmarc.external_unauthorized",
							  "%s=%s: %s does not authorise reports for %s (%s)", tagname, u,
							  host, domain, failed ? sd_dns_status_name(a->status) : "no v=DMARC1 record at the destination");
			sd_finding_cause(f, "RFC 7489 7.1: a report destination outside the domain must publish %s TXT \"v=DMARC1\"; receivers send it no reports otherwise",
					 name);
			sd_finding_fix(f, "ask the operator of %s to publish %s TXT \"v=DMARC1\", or report to an address within %s",
				       host, name, org);
			sd_finding_detail(f, "authorisation_record", "%s", name);
		}
		sd_report_fact_map_add(r, "external_authorised", host, ok ? "yes" : "no");
		sd_dns_answer_free(a);
	}
	free(list);
}

/* run - the dmarc check: look up the DMARC record of the domain (or its
 * organisational domain) and judge it */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	const char *domain = sd_session_domain(s);
	const sd_mx_host *mx;
	size_t nmx = sd_session_domain_mx(s, &mx);
	const char *org = org_domain(domain);
	char name[300];
	sd_finding *f;
	(void)p;

	snprintf(name, sizeof(name), "_dmarc.%s", domain);
	sd_report_phase(r, "DMARC record (%s)", name);
	sd_dns_answer *a = sd_dns_query(s, name, SD_DNS_TXT);
	const char *where = domain;
	if ((a->status == SD_DNS_NXDOMAIN || a->status == SD_DNS_NODATA) && strcasecmp(org, domain) != 0) {
		sd_dns_answer_free(a);
		snprintf(name, sizeof(name), "_dmarc.%s", org);
		sd_report_note(r, "no record at _dmarc.%s: the organizational domain's (%s, taken as the last two labels) applies",
			       domain, org);
		a = sd_dns_query(s, name, SD_DNS_TXT);
		where = org;
	}
	sd_report_fact_str(r, "record_name", "%s", name);
	if (a->status != SD_DNS_OK && a->status != SD_DNS_NODATA && a->status != SD_DNS_NXDOMAIN) {
		f = sd_report_finding(r, SD_WARN, "dmarc.lookup_failed", "the lookup of %s TXT failed: %s", name,
				      a->error[0] ? a->error : sd_dns_status_name(a->status));
		sd_finding_fix(f, "repair the DNS servers of %s (dig TXT %s)", domain, name);
		sd_dns_answer_free(a);
		return SD_RUN_DONE;
	}
	sd_report_fact_bool(r, "dnssec_validated", a->authenticated);
	size_t n = 0;
	char *rec = NULL;
	for (size_t i = 0; i < a->n; i++) {
		if (!is_dmarc(a->records[i].text) || strlen(a->records[i].text) != a->records[i].text_len)
			continue;
		if (n++ == 0)
			rec = strdup(a->records[i].text);
		sd_report_fact_list_add(r, "records", a->records[i].text);
	}
	sd_dns_answer_free(a);
	if (n == 0) {
		f = sd_report_finding(r, SD_WARN, "dmarc.absent", "%s publishes no DMARC record", domain);
		sd_finding_cause(f, "receivers apply no policy to mail that forges %s, and the domain gets no reports of who sends as it",
				 domain);
		sd_finding_fix(f, nmx == 0 ? "a domain that sends no mail publishes _dmarc.%s TXT \"v=DMARC1; p=reject\""
				: "publish _dmarc.%s TXT \"v=DMARC1; p=none; rua=mailto:dmarc-reports@%s\", read the reports, then move to p=quarantine and p=reject",
			       domain, domain);
		sd_report_summary(r, "no DMARC record");
		free(rec);
		return SD_RUN_DONE;
	}
	if (n > 1) {
		f = sd_report_finding(r, SD_WARN, "dmarc.multiple", "%s has %zu DMARC records; there must be one", name, n);
		sd_finding_cause(f, "RFC 7489 6.6.3: with more than one record receivers apply no DMARC policy at all");
		sd_finding_fix(f, "keep one v=DMARC1 record at %s", name);
		sd_report_summary(r, "%zu DMARC records: none applies", n);
		free(rec);
		return SD_RUN_DONE;
	}
	char *policy = tag(rec, "p"), *sp = tag(rec, "sp"), *pct = tag(rec, "pct");
	char *rua = tag(rec, "rua"), *ruf = tag(rec, "ruf");
	const char *eff = where == domain ? policy : (sp != NULL ? sp : policy);
	if (policy != NULL)
		sd_report_fact_str(r, "p", "%s", policy);
	if (sp != NULL)
		sd_report_fact_str(r, "sp", "%s", sp);
	if (policy == NULL || (strcasecmp(policy, "none") != 0 && strcasecmp(policy, "quarantine") != 0 &&
			       strcasecmp(policy, "reject") != 0)) {
		f = sd_report_finding(r, SD_WARN, "dmarc.invalid", "the DMARC record of %s has %s p= tag", domain,
				      policy == NULL ? "no" : "an invalid");
		sd_finding_cause(f, "RFC 7489 6.3: p= (none, quarantine or reject) is required; without a valid one receivers ignore the record");
		sd_finding_fix(f, "write the record as \"v=DMARC1; p=none; rua=mailto:...\" (p= right after v=)");
	} else if (strcasecmp(eff, "none") == 0) {
		f = sd_report_finding(r, SD_WARN, "dmarc.policy_none", "the DMARC policy of %s is p=none: forged mail is delivered",
				      domain);
		sd_finding_cause(f, "p=none only asks for reports; receivers deliver mail that fails DMARC as if there were no policy. internet.nl and NCSC-NL ask for quarantine or reject");
		sd_finding_fix(f, "once the reports show that every legitimate source passes, set p=quarantine, then p=reject");
	}
	if (pct != NULL) {
		sd_report_fact_str(r, "pct", "%s", pct);
		if (strcmp(pct, "100") != 0) {
			f = sd_report_finding(r, SD_INFO, "dmarc.pct_partial", "the DMARC policy of %s applies to pct=%s%% of failing mail",
					      domain, pct);
			sd_finding_cause(f, "the rest is treated one policy level lower (RFC 7489 6.6.4)");
			sd_finding_fix(f, "raise pct to 100 (or drop the tag) when the reports are clean");
		}
	}
	if (rua == NULL) {
		f = sd_report_finding(r, SD_INFO, "dmarc.no_rua", "the DMARC record of %s asks for no aggregate reports (no rua=)",
				      domain);
		sd_finding_cause(f, "without reports the domain cannot see who sends as it, nor move safely to a stricter policy");
		sd_finding_fix(f, "add rua=mailto:dmarc-reports@%s", domain);
	} else {
		check_uris(s, r, where, org, "rua", rua);
	}
	if (ruf != NULL)
		check_uris(s, r, where, org, "ruf", ruf);
	sd_report_summary(r, "p=%s%s%s%s", policy != NULL ? policy : "(none)", sp != NULL ? ", sp=" : "",
			  sp != NULL ? sp : "", rua != NULL ? ", aggregate reports asked for" : "");
	free(policy);
	free(sp);
	free(pct);
	free(rua);
	free(ruf);
	free(rec);
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(dmarc) = {
	.abi = SD_PLUGIN_ABI,
	.name = "dmarc",
	.title = "DMARC record",
	.summary = "DMARC (RFC 7489): one v=DMARC1 record, its policy (p=none is a warning), rua/ruf and their external-destination authorisation",
	.run = run,
	.scope = SD_SCOPE_DOMAIN,
};
