/* SPDX-License-Identifier: MIT */
/*
 * domain_table.c - the cells of the domain table (domain_table.h): what
 * each check's result of one address, or of the domain, comes to in a
 * word or two.
 */
#include <stdio.h>
#include <string.h>

#include "report/domain_table.h"

const char *const sd_domain_table_columns[] = { "reachable", "TLS", "certificate", "DANE", "PTR", "blocklists", NULL };

/* sv - string member KEY of O, or NULL */
static const char *sv(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* check_of - the check NAME in the report DOC, or NULL */
static const json_t *check_of(const json_t *doc, const char *name)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(doc, "checks"), i, c)
		if (sv(c, "name") != NULL && strcmp(sv(c, "name"), name) == 0)
			return c;
	return NULL;
}

/* cell - {"text": TEXT, "status": STATUS} */
static json_t *cell(const char *text, const char *status)
{
	return json_pack("{s:s, s:s}", "text", text != NULL ? text : "", "status", status != NULL ? status : "");
}

/* ran - the check ran (not skipped, not absent) */
static int ran(const json_t *c)
{
	return c != NULL && sv(c, "status") != NULL && strcmp(sv(c, "status"), "skipped") != 0;
}

/* fact_int - integer fact KEY of check C, or -1 */
static long long fact_int(const json_t *c, const char *key)
{
	json_t *v = json_object_get(json_object_get(c, "facts"), key);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* fact_str - string fact KEY of check C, or NULL */
static const char *fact_str(const json_t *c, const char *key)
{
	return sv(json_object_get(c, "facts"), key);
}

/* dnssec_word - the table's word for a dnssec fact: a report written before
 * the fact said "not validated" for an answer without AD said "insecure",
 * which from here was never proven (docs/domain.md) */
static const char *dnssec_word(const char *fact)
{
	return fact != NULL && strcmp(fact, "insecure") == 0 ? "not validated" : fact;
}

/* not_run - the cell of a check that did not run: "-" or "skipped" */
static json_t *not_run(const json_t *c)
{
	return cell(c == NULL ? "-" : "skipped", c == NULL ? "" : "skipped");
}

/* host_cells - the six cells of one server report S */
static json_t *host_cells(const json_t *s)
{
	json_t *cells = json_array();
	const json_t *c;
	char buf[160];

	c = check_of(s, "connect");
	if (!ran(c))
		json_array_append_new(cells, not_run(c));
	else if (fact_str(c, "peer") != NULL)
		json_array_append_new(cells, cell("yes", sv(c, "status")));
	else {
		snprintf(buf, sizeof(buf), "no (%s)", fact_str(c, "error") ? fact_str(c, "error") : "failed");
		json_array_append_new(cells, cell(buf, sv(c, "status")));
	}
	c = check_of(s, "starttls");
	if (!ran(c))
		json_array_append_new(cells, not_run(c));
	else
		json_array_append_new(cells, cell(fact_str(c, "version") ? fact_str(c, "version") : "no", sv(c, "status")));
	c = check_of(s, "certificate");
	if (!ran(c)) {
		json_array_append_new(cells, not_run(c));
	} else {
		long long days = fact_int(c, "days_left");
		json_t *v = json_object_get(json_object_get(c, "facts"), "verified");
		json_t *ct = json_object_get(json_object_get(c, "facts"), "chain_trusted");
		/* an expired chain from a trusted CA: the dates are the problem */
		if (!json_is_true(v) && json_is_true(ct))
			snprintf(buf, sizeof(buf), "%s (trusted CA)", days < 0 ? "expired" : "not yet valid");
		else if (days >= 0)
			snprintf(buf, sizeof(buf), "%s, %lld days", json_is_true(v) ? "trusted" : "not trusted", days);
		else
			snprintf(buf, sizeof(buf), "%s", json_is_true(v) ? "trusted" : "not trusted");
		json_array_append_new(cells, cell(buf, sv(c, "status")));
	}
	c = check_of(s, "dane");
	if (!ran(c)) {
		json_array_append_new(cells, not_run(c));
	} else if (fact_str(c, "dnssec") != NULL && strcmp(fact_str(c, "dnssec"), "bogus") == 0) {
		json_array_append_new(cells, cell("bogus", sv(c, "status")));
	} else if (fact_int(c, "records_usable") >= 0) {
		const char *dnssec = dnssec_word(fact_str(c, "dnssec"));
		if (dnssec == NULL)   /* a report from before the fact existed */
			dnssec = json_is_true(json_object_get(json_object_get(c, "facts"), "dnssec_validated")) ? "validated"
				: "not validated";
		snprintf(buf, sizeof(buf), "%lld/%lld match, %s", fact_int(c, "records_matching"),
			 (long long)json_array_size(json_object_get(json_object_get(c, "facts"), "records")), dnssec);
		json_array_append_new(cells, cell(buf, sv(c, "status")));
	} else {
		json_array_append_new(cells, cell(sv(c, "summary") && strstr(sv(c, "summary"), "no TLSA") ? "none" : sv(c, "summary"),
						  sv(c, "status")));
	}
	c = check_of(s, "ptr");
	if (!ran(c))
		json_array_append_new(cells, not_run(c));
	else
		json_array_append_new(cells, cell(fact_str(c, "name") ? fact_str(c, "name") : "none", sv(c, "status")));
	c = check_of(s, "dnsbl");
	if (!ran(c)) {
		json_array_append_new(cells, not_run(c));
	} else {
		long long l = fact_int(c, "listed"), n = fact_int(c, "not_checked");
		if (l > 0)
			snprintf(buf, sizeof(buf), "listed in %lld", l);
		else
			snprintf(buf, sizeof(buf), "not listed%s", n > 0 ? " (some not checked)" : "");
		json_array_append_new(cells, cell(buf, sv(c, "status")));
	}
	return cells;
}

/* sd_domain_table - the rows, from the domain's JSON document */
json_t *sd_domain_table(const json_t *doc)
{
	json_t *t = json_object(), *hosts = json_array(), *dom = json_array(), *s;
	size_t i;

	json_array_foreach(json_object_get(doc, "servers"), i, s) {
		const json_t *tg = json_object_get(s, "target");
		json_t *row = json_pack("{s:s, s:s}", "host", sv(tg, "server") ? sv(tg, "server") : "",
					"address", sv(tg, "address") ? sv(tg, "address") : "");
		json_t *pref = json_object_get(tg, "mx_preference");
		if (pref != NULL)
			json_object_set(row, "preference", pref);
		json_object_set_new(row, "cells", host_cells(s));
		json_array_append_new(hosts, row);
	}
	static const char *const rows[][2] = { { "mta-sts", "MTA-STS" }, { "tls-rpt", "TLS-RPT" }, { "spf", "SPF" },
					       { "dmarc", "DMARC" } };
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		const json_t *c = check_of(doc, rows[k][0]);
		if (c == NULL)
			continue;
		json_t *row = cell(ran(c) ? sv(c, "summary") : sv(c, "skip_reason"), sv(c, "status"));
		json_object_set_new(row, "name", json_string(rows[k][1]));
		json_array_append_new(dom, row);
	}
	const json_t *mx = check_of(doc, "mx");
	if (mx != NULL && fact_str(mx, "dnssec") != NULL) {
		const char *d = dnssec_word(fact_str(mx, "dnssec"));
		json_t *row = cell(d, strcmp(d, "validated") == 0 ? "ok" : strcmp(d, "bogus") == 0 ? "critical" : "info");
		json_object_set_new(row, "name", json_string("DNSSEC"));
		json_array_append_new(dom, row);
	}
	json_object_set_new(t, "hosts", hosts);
	json_object_set_new(t, "domain", dom);
	return t;
}
