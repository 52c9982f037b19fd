/* SPDX-License-Identifier: MIT */
/*
 * tls_rpt.c - check "tls-rpt": SMTP TLS Reporting (RFC 8460).
 *
 * _smtp._tls.<domain> must hold exactly one "v=TLSRPTv1; rua=..." record
 * whose report URIs are mailto: or https:. Without it, senders that hit
 * TLS failures (MTA-STS, DANE) have no way to tell the domain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smtpdiag/plugin.h>

#include "mta_sts_parse.h"

/* run - the tls_rpt check: look up the domain's TLS-RPT record and judge it */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	const char *domain = sd_session_domain(s);
	char name[300];
	sd_finding *f;

	(void)p;
	snprintf(name, sizeof(name), "_smtp._tls.%s", domain);
	sd_report_phase(r, "TLS reporting (%s)", name);
	sd_dns_answer *a = sd_dns_query(s, name, SD_DNS_TXT);
	if (a->status == SD_DNS_NXDOMAIN || a->status == SD_DNS_NODATA) {
		f = sd_report_finding(r, SD_INFO, "tls_rpt.absent", "%s publishes no TLS-RPT record", domain);
		sd_finding_cause(f, "senders that fail to deliver over TLS (MTA-STS, DANE, expired certificates) have no address to report it to");
		sd_finding_fix(f, "publish %s TXT \"v=TLSRPTv1; rua=mailto:tls-reports@%s\"", name, domain);
		sd_report_summary(r, "no TLS-RPT record");
		sd_dns_answer_free(a);
		return SD_RUN_DONE;
	}
	if (a->status != SD_DNS_OK) {
		f = sd_report_finding(r, SD_WARN, "tls_rpt.lookup_failed", "the lookup of %s TXT failed: %s", name,
				      a->error[0] ? a->error : sd_dns_status_name(a->status));
		sd_finding_fix(f, "repair the DNS servers of %s", domain);
		sd_dns_answer_free(a);
		return SD_RUN_DONE;
	}
	size_t n = 0;
	const char *rec = NULL;
	size_t rec_len = 0;
	for (size_t i = 0; i < a->n; i++) {
		char *shown = sd_escape(a->records[i].text, a->records[i].text_len);
		sd_report_fact_list_add(r, "txt", shown);
		free(shown);
		if (sd_tlsrpt_is_record(a->records[i].text)) {
			n++;
			if (rec == NULL) {
				rec = a->records[i].text;
				rec_len = a->records[i].text_len;
			}
		}
	}
	if (n == 0) {
		f = sd_report_finding(r, SD_WARN, "tls_rpt.invalid", "%s has TXT records, but none starts with \"v=TLSRPTv1\"",
				      name);
		sd_finding_cause(f, "RFC 8460 3: other records are discarded, so senders see no reporting address");
		sd_finding_fix(f, "publish %s TXT \"v=TLSRPTv1; rua=mailto:tls-reports@%s\"", name, domain);
		sd_dns_answer_free(a);
		return SD_RUN_DONE;
	}
	if (n > 1) {
		f = sd_report_finding(r, SD_WARN, "tls_rpt.multiple", "%s has %zu v=TLSRPTv1 records; there must be exactly one",
				      name, n);
		sd_finding_cause(f, "RFC 8460 3: with more than one record senders assume the domain does not take TLS reports");
		sd_finding_fix(f, "merge them into one record: several URIs go in one rua=, separated by commas");
	}
	sd_tlsrpt t;
	if (sd_tlsrpt_parse(rec, rec_len, &t) != 0) {
		f = sd_report_finding(r, SD_WARN, "tls_rpt.invalid", "the TLS-RPT record is invalid: %s", t.problems[0].text);
		char *shown = sd_escape(rec, rec_len);
		sd_finding_detail(f, "record", "%s", shown);
		free(shown);
		for (size_t i = 0; i < t.nproblems; i++)
			sd_finding_detail(f, t.problems[i].id, "%s", t.problems[i].text);
		sd_finding_cause(f, "senders ignore report addresses they cannot use");
		sd_finding_fix(f, "use rua=mailto:<address> or rua=https://<host>/<path> (RFC 8460 3)");
	}
	for (size_t i = 0; i < t.nrua; i++)
		sd_report_fact_list_add(r, "rua", t.rua[i]);
	if (t.nrua_total > t.nrua)
		sd_report_note(r, "the record lists %zu report URIs: the first %zu are shown, every one was checked",
			       t.nrua_total, t.nrua);
	if (n == 1 && t.nproblems == 0)
		sd_report_summary(r, "reports to %s%s", t.rua[0], t.nrua > 1 ? ", ..." : "");
	sd_dns_answer_free(a);
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(tls_rpt) = {
	.abi = SD_PLUGIN_ABI,
	.name = "tls-rpt",
	.title = "TLS reporting",
	.summary = "SMTP TLS Reporting (RFC 8460): one valid _smtp._tls TXT record with mailto:/https: report addresses",
	.run = run,
	.scope = SD_SCOPE_DOMAIN,
};
