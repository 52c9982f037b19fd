/* SPDX-License-Identifier: MIT */
/*
 * ptr.c - check "ptr": reverse DNS of the server's address.
 *
 * The address the session connected to is looked up in in-addr.arpa /
 * ip6.arpa; each PTR name is looked up forward, and the reverse DNS is
 * "forward-confirmed" (FCrDNS) when one of them resolves back to the
 * address. Receivers reject or score mail from addresses without it, and
 * treat generic ISP-pool names as end-user lines, so an MX that also
 * sends needs both. The names in the greeting and in the EHLO reply are
 * compared with it: Postfix's myhostname should be the PTR name.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <smtpdiag/plugin.h>

#include "ptr_name.h"

#define MAX_NAMES 4

static const char *const requires[] = { "connect", NULL };

static const sd_param_spec params[] = {
	{ "require", SD_PARAM_BOOL, "true", "a missing or unconfirmed PTR is a warning (false: info)" },
	{ NULL, 0, NULL, NULL },
};

/* first_word - the host name a greeting or EHLO line starts with */
static void first_word(const char *line, char *out, size_t size)
{
	size_t n = strcspn(line, " \t");

	if (n >= size)
		n = size - 1;
	memcpy(out, line, n);
	out[n] = '\0';
	if (n > 0 && out[n - 1] == '.')
		out[n - 1] = '\0';
}

/* forward - does NAME resolve to ADDRESS? *seen lists what it resolves to */
static int forward(sd_session *s, const char *name, const char *address, int v6, char *seen, size_t size,
		   sd_dns_status *status)
{
	unsigned char want[16], got[16];
	int hit = 0;
	sd_dns_answer *a = sd_dns_query(s, name, v6 ? SD_DNS_AAAA : SD_DNS_A);

	inet_pton(v6 ? AF_INET6 : AF_INET, address, want);
	seen[0] = '\0';
	*status = a->status;
	for (size_t i = 0; i < a->n; i++) {
		size_t l = strlen(seen);
		snprintf(seen + l, size - l, "%s%s", l ? ", " : "", a->records[i].target);
		if (inet_pton(v6 ? AF_INET6 : AF_INET, a->records[i].target, got) == 1 &&
		    memcmp(want, got, v6 ? 16 : 4) == 0)
			hit = 1;
	}
	sd_dns_answer_free(a);
	return hit;
}

/* run - the ptr check: the reverse DNS names of the server's address and
 * whether they resolve back to it */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	const char *addr = sd_session_peer(s);
	sd_severity missing = sd_param_bool(p, "require") ? SD_WARN : SD_INFO;
	char rname[80], names[MAX_NAMES][256];
	unsigned char bin[16];
	sd_finding *f;
	size_t nnames = 0;

	sd_report_phase(r, "Reverse DNS of %s", addr);
	int v6 = inet_pton(AF_INET6, addr, bin) == 1;
	if (sd_dns_reverse_name(addr, rname, sizeof(rname)) != 0) {
		sd_report_finding(r, SD_CHECK_ERROR, "ptr.no_address", "no peer address to look up ('%s')", addr);
		return SD_RUN_ERROR;
	}
	sd_report_fact_str(r, "address", "%s", addr);
	sd_report_fact_str(r, "reverse_name", "%s", rname);
	sd_report_fact_str(r, "resolver", "%s", sd_dns_resolver(s));

	sd_dns_answer *a = sd_dns_query(s, rname, SD_DNS_PTR);
	sd_report_fact_str(r, "lookup", "%s", sd_dns_status_name(a->status));
	sd_report_fact_ms(r, "lookup_ms", a->ms);
	if (a->status == SD_DNS_TIMEOUT || a->status == SD_DNS_NET_ERROR) {
		f = sd_report_finding(r, SD_INFO, "ptr.not_checked", "reverse DNS not checked: %s", a->error);
		sd_finding_cause(f, "the resolver used by smtp-diag (%s) did not answer", sd_dns_resolver(s));
		sd_finding_fix(f, "check the local resolver, or point smtp-diag at a working one with --dns-server");
		sd_dns_answer_free(a);
		return SD_RUN_DONE;
	}
	if (a->status == SD_DNS_NXDOMAIN || a->status == SD_DNS_NODATA) {
		f = sd_report_finding(r, missing, "ptr.missing", "%s has no reverse DNS (PTR) record", addr);
		sd_finding_cause(f, "no PTR record at %s (%s); many receivers refuse or down-score mail from addresses without reverse DNS, and some refuse to talk to such a server at all",
				 rname, a->status == SD_DNS_NXDOMAIN ? "NXDOMAIN" : "no data");
		sd_finding_fix(f, "ask the owner of %s (hosting provider or ISP; only they control its reverse zone) to set its PTR to the server's name, e.g. the name in its greeting, which must resolve back to %s",
			       addr, addr);
		sd_report_summary(r, "no PTR for %s", addr);
		sd_dns_answer_free(a);
		return SD_RUN_DONE;
	}
	if (a->status != SD_DNS_OK) {
		f = sd_report_finding(r, missing, "ptr.lookup_failed", "the PTR lookup for %s failed: %s", addr,
				      a->error[0] ? a->error : sd_dns_status_name(a->status));
		sd_finding_cause(f, "the reverse zone of %s is broken (lame delegation, DNSSEC failure or a server refusing queries); receivers see the same and treat the address as having no PTR",
				 addr);
		sd_finding_fix(f, "ask the owner of %s (hosting provider or ISP) to repair the reverse zone %s", addr, rname);
		sd_dns_answer_free(a);
		return SD_RUN_DONE;
	}
	sd_report_fact_bool(r, "dnssec_validated", a->authenticated);
	for (size_t i = 0; i < a->n && nnames < MAX_NAMES; i++) {
		snprintf(names[nnames], sizeof(names[0]), "%s", a->records[i].target);
		sd_report_fact_list_add(r, "names", names[nnames]);
		nnames++;
	}
	if (a->n > 1) {
		f = sd_report_finding(r, SD_INFO, "ptr.multiple", "%s has %zu PTR records", addr, a->n);
		sd_finding_cause(f, "several PTR names for one address: receivers usually check only one of them, which one is random");
		sd_finding_fix(f, "keep a single PTR record naming the mail server");
	}
	sd_dns_answer_free(a);

	/* forward confirmation */
	int confirmed = -1;
	char seen[MAX_NAMES][512];
	sd_dns_status fst[MAX_NAMES];
	for (size_t i = 0; i < nnames; i++) {
		if (forward(s, names[i], addr, v6, seen[i], sizeof(seen[i]), &fst[i]) && confirmed < 0)
			confirmed = (int)i;
		sd_report_fact_map_add(r, "forward", names[i], seen[i]);
	}
	sd_report_fact_bool(r, "forward_confirmed", confirmed >= 0);
	const char *name = names[confirmed >= 0 ? confirmed : 0];
	sd_report_fact_str(r, "name", "%s", name);
	if (confirmed < 0) {
		char which[600];
		if (seen[0][0])
			snprintf(which, sizeof(which), "resolves to %s", seen[0]);
		else
			snprintf(which, sizeof(which), "%s", fst[0] == SD_DNS_NXDOMAIN ? "does not exist"
				 : fst[0] == SD_DNS_NODATA ? (v6 ? "has no AAAA record" : "has no A record")
				 : "could not be looked up");
		f = sd_report_finding(r, missing, "ptr.not_confirmed",
				      "reverse DNS is not forward-confirmed: %s -> %s, which %s", addr, name, which);
		sd_finding_cause(f, "the PTR name does not resolve back to %s (FCrDNS fails); receivers that check it (most large providers, Postfix reject_unknown_client_hostname) treat the address as having no valid reverse DNS",
				 addr);
		sd_finding_fix(f, "add %s record %s -> %s in its zone, or have the owner of %s change the PTR to a name that resolves to it",
			       v6 ? "an AAAA" : "an A", name, addr, addr);
	}
	const char *why = NULL;
	if (sd_ptr_generic(name, addr, &why)) {
		int spells = strcmp(why, "it spells the IP address") == 0;
		f = sd_report_finding(r, SD_WARN, "ptr.generic", "the PTR name %s looks generic (%s%s%s)", name,
				      spells ? why : "it contains \"", spells ? "" : why, spells ? "" : "\"");
		sd_finding_cause(f, "an ISP-style name (address digits, or words like dyn/pool/dsl) marks an end-user line; Spamhaus PBL-style policies and large receivers reject or down-score mail from such addresses");
		sd_finding_fix(f, "ask the owner of %s to set a PTR naming the mail server itself (e.g. mail.<your domain>), with a matching A record",
			       addr);
		sd_finding_detail(f, "name", "%s", name);
	}

	/* the names the server calls itself */
	char banner[256] = "", ehlo[256] = "";
	const sd_reply *g = sd_session_greeting(s);
	if (g != NULL && g->code == 220 && g->nlines > 0)
		first_word(g->lines[0], banner, sizeof(banner));
	const sd_ehlo *e = sd_session_ehlo(s);
	if (e != NULL && e->domain != NULL)
		first_word(e->domain, ehlo, sizeof(ehlo));
	int banner_ok = banner[0] == '\0' || strchr(banner, '.') == NULL || strcasecmp(banner, name) == 0;
	int ehlo_ok = ehlo[0] == '\0' || strchr(ehlo, '.') == NULL || strcasecmp(ehlo, name) == 0;
	if (banner[0])
		sd_report_fact_str(r, "greeting_name", "%s", banner);
	if (ehlo[0])
		sd_report_fact_str(r, "ehlo_name", "%s", ehlo);
	if (!banner_ok || !ehlo_ok) {
		f = sd_report_finding(r, SD_INFO, "ptr.name_mismatch",
				      "the server calls itself %s, but its address's PTR is %s",
				      !banner_ok ? banner : ehlo, name);
		sd_finding_cause(f, "the %s a host other than the reverse DNS; harmless for receiving, but mail this server sends then arrives with a HELO name that does not match its PTR, which some receivers score",
				 !banner_ok && !ehlo_ok ? "greeting and the EHLO reply name" : !banner_ok ? "greeting names" : "EHLO reply names");
		sd_finding_fix(f, "make the server's own name (its greeting and EHLO name) %s, the PTR name, or "
			       "change the PTR", name);
		if (banner[0])
			sd_finding_detail(f, "greeting_name", "%s", banner);
		if (ehlo[0])
			sd_finding_detail(f, "ehlo_name", "%s", ehlo);
	}
	sd_report_summary(r, "%s -> %s%s", addr, name, confirmed >= 0 ? " (forward-confirmed)" : "");
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(ptr) = {
	.abi = SD_PLUGIN_ABI,
	.name = "ptr",
	.title = "Reverse DNS",
	.summary = "PTR of the server's address, forward-confirmed, not generic, matching its greeting and EHLO names",
	.requires = requires,
	.params = params,
	.run = run,
};
