/* SPDX-License-Identifier: MIT */
/*
 * ehlo.c - check "ehlo": what the server offers (RFC 5321 4.1.1.1).
 *
 * Sends EHLO (HELO if EHLO is refused), lists every capability with its
 * parameters, reads the ones with meaning (SIZE, AUTH, STARTTLS, ...), and
 * compares them with the profile's required and forbidden keywords.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ehlo_id.h"
#include <smtpdiag/plugin.h>

static const char *const requires[] = { "banner", NULL };

static const sd_param_spec params[] = {
	{ "require", SD_PARAM_LIST, "", "keywords that must be advertised, e.g. [STARTTLS, PIPELINING]" },
	{ "forbid", SD_PARAM_LIST, "", "keywords that must not be advertised, e.g. [VRFY, EXPN]" },
	{ "min_size", SD_PARAM_INT, "0", "smallest acceptable SIZE limit in bytes (0: not checked)" },
	{ "recommend", SD_PARAM_LIST, "", "keywords a standard recommends (SHOULD): missing is info, not a warning" },
	{ "recommend_reason", SD_PARAM_STRING, "", "why they are recommended, e.g. \"RFC 6409 section 7: an MSA SHOULD support them\"" },
	{ NULL, 0, NULL, NULL },
};

/* Capabilities whose presence is a plain yes/no fact. */
static const char *const flags[] = {
	"STARTTLS", "PIPELINING", "8BITMIME", "SMTPUTF8", "CHUNKING", "BINARYMIME", "DSN",
	"ENHANCEDSTATUSCODES", "REQUIRETLS", "ETRN", "VRFY", "EXPN", "DELIVERBY", "MT-PRIORITY",
	"FUTURERELEASE", NULL,
};

/* in_list - is keyword KW among the N of LIST, case-insensitively */
static int in_list(const char *kw, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(kw, list[i]) == 0)
			return 1;
	return 0;
}

/* failed - report why EHLO failed from the session's error and last reply */
static sd_run_status failed(sd_session *s, sd_report *r)
{
	const char *msg;
	sd_error e = sd_session_error(s, &msg);
	const sd_reply *last = sd_session_last_reply(s);
	sd_finding *f;

	sd_report_fact_str(r, "error", "%s", sd_error_name(e));
	if (e == SD_ERR_SERVICE_CLOSING) {
		f = sd_report_finding(r, SD_CRIT, "ehlo.service_closing", "%s", msg);
		sd_finding_cause(f, "the server ends the session at EHLO: rate limiting or overload, or it "
				    "rejects this client (a HELO restriction with a 421 action)");
		sd_finding_fix(f, "retry later with fewer connections; read the server log for the rule");
	} else if (e == SD_ERR_STATE && last != NULL && last->code / 100 == 5) {
		f = sd_report_finding(r, SD_CRIT, "ehlo.rejected", "the server refuses our greeting: %s", msg);
		sd_finding_cause(f, "the EHLO/HELO name is refused (a HELO restriction: invalid, not fully "
				    "qualified, or not resolving), or the client is blocked");
		sd_finding_fix(f, "retry with --ehlo-name set to a fully qualified name that resolves");
	} else if (e == SD_ERR_TIMEOUT) {
		f = sd_report_finding(r, SD_CRIT, "ehlo.timeout", "no reply to EHLO: %s", msg);
		sd_finding_cause(f, "the server stalls after the greeting: overload, slow DNS checks of the "
				    "client or HELO name, or a tarpit");
	} else if (e == SD_ERR_PROTOCOL) {
		f = sd_report_finding(r, SD_CRIT, "ehlo.not_smtp", "%s", msg);
		sd_finding_cause(f, "the server (or a proxy or firewall in front of it) answers EHLO with text "
				    "that breaks RFC 5321 4.2 reply syntax: a broken SMTP implementation, a filter "
				    "rewriting replies, or another protocol on this port");
		sd_finding_fix(f, "look at the transcript (--transcript); talk to the port without a proxy "
				  "or inspection device in between");
	} else if (e == SD_ERR_TOO_LONG) {
		f = sd_report_finding(r, SD_CRIT, "ehlo.too_long", "EHLO reply not accepted: %s", msg);
		sd_finding_cause(f, "the server sends an endless or absurdly large capability list; smtp-diag "
				    "stops reading at its caps rather than use unbounded memory");
	} else {
		f = sd_report_finding(r, SD_CRIT, "ehlo.failed", "EHLO failed: %s", msg);
	}
	return SD_RUN_FAILED;
}

/* auth_facts - list AUTH capability C's mechanisms and warn on password
 * mechanisms offered without TLS */
static void auth_facts(sd_report *r, const sd_capability *c, const char *label, const sd_tls_info *tls)
{
	char mechs[512] = "";
	int cleartext = 0;

	for (size_t i = 0; i < c->nargs; i++) {
		sd_report_fact_list_add(r, "auth_mechanisms", c->args[i]);
		if (i > 0)
			strncat(mechs, " ", sizeof(mechs) - strlen(mechs) - 1);
		strncat(mechs, c->args[i], sizeof(mechs) - strlen(mechs) - 1);
		if (strcasecmp(c->args[i], "PLAIN") == 0 || strcasecmp(c->args[i], "LOGIN") == 0)
			cleartext = 1;
	}
	if (cleartext && tls == NULL) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "ehlo.auth_cleartext",
						  "%s %s offered on an unencrypted connection", label, mechs);
		sd_finding_cause(f, "password mechanisms are offered before TLS, so a client may send "
				    "credentials in clear text");
		sd_finding_fix(f, "offer AUTH only after STARTTLS on this port (the server's 'TLS before "
				  "authentication' setting)");
	}
}

/* identify - name the software from the EHLO reply when the greeting did not
 * (facts software, software_confidence, software_evidence; issue 23) */
static void identify(sd_session *s, const sd_ehlo *e, sd_report *r)
{
	const char *kws[128];
	size_t n = 0;
	sd_ehlo_id id;

	if (sd_session_software(s) != NULL || e->reply == NULL || e->reply->nlines == 0)
		return;
	for (size_t i = 0; i < e->ncaps && n < sizeof(kws) / sizeof(kws[0]); i++)
		kws[n++] = e->caps[i].keyword;
	const char *rest = e->reply->lines[0];
	rest += strcspn(rest, " ");     /* past the domain */
	rest += strspn(rest, " ");
	if (!sd_ehlo_identify(rest, kws, n, &id))
		return;
	sd_session_set_software(s, id.software);
	sd_report_fact_str(r, "software", "%s", id.software);
	sd_report_fact_str(r, "software_confidence", "%s", id.confidence);
	for (size_t i = 0; id.evidence[i] != NULL; i++)
		sd_report_fact_list_add(r, "software_evidence", id.evidence[i]);
	sd_report_note(r, "software: %s (from the EHLO reply, %s confidence)", id.software, id.confidence);
}

/* run - the ehlo check: send EHLO and report the server name and the extensions offered */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	sd_report_phase(r, "EHLO %s", sd_session_ehlo_name(s));
	const sd_ehlo *e = sd_session_ehlo(s);
	if (e == NULL)
		return failed(s, r);

	sd_report_fact_str(r, "ehlo_name", "%s", sd_session_ehlo_name(s));
	sd_report_fact_str(r, "server_name", "%s", e->domain);
	sd_report_fact_bool(r, "esmtp", !e->helo_fallback);
	sd_report_fact_bool(r, "over_tls", sd_session_tls(s) != NULL);
	if (e->helo_fallback) {
		const sd_reply *x = e->ehlo_refusal;
		sd_finding *f = sd_report_finding(r, SD_WARN, "ehlo.no_esmtp",
						  "EHLO refused (%d %s); only HELO works: no ESMTP extensions", x->code,
						  x->nlines ? x->lines[0] : "");
		sd_finding_cause(f, "a very old or minimal SMTP server, or a firewall with SMTP inspection "
				    "(e.g. Cisco ASA 'inspect esmtp' / PIX 'fixup smtp') that masks EHLO: "
				    "no STARTTLS, SIZE or 8BITMIME is possible");
		sd_finding_fix(f, "disable SMTP inspection on the firewall, or upgrade the server");
		sd_report_summary(r, "HELO only (no ESMTP)");
		return SD_RUN_DONE;
	}

	if (e->first_line_keyword != NULL) {
		const char *kw = e->first_line_keyword;
		sd_finding *f = sd_report_finding(r, SD_WARN, "ehlo.malformed",
						  "malformed EHLO reply: its first line is the keyword %s, not the "
						  "server's domain (RFC 5321 4.1.1.1)", kw);
		sd_finding_detail(f, "keyword", "%s", kw);
		sd_finding_cause(f, "the first line of a 250 EHLO reply must carry the server's domain, and "
				    "senders read it as that: they take '%s' for the server's name and do not see %s "
				    "as a capability%s. The reply's format is the fault (a broken SMTP proxy, filter or "
				    "hand-written responder), not a missing feature: smtp-diag read %s from it anyway",
				 kw, kw, strcasecmp(kw, "STARTTLS") == 0 ? ", so they send mail in plain text" : "", kw);
		sd_finding_fix(f, "make the server (or the proxy in front of it) answer EHLO with '250-<its host "
				  "name>' first and one capability per line after it");
	}

	char line[2048] = "";
	for (size_t i = 0; i < e->ncaps; i++) {
		const sd_capability *c = &e->caps[i];
		sd_report_fact_map_add(r, "capabilities", c->keyword, c->params);
		/* as the server wrote it ("AUTH PLAIN LOGIN", "SIZE 10240000"),
		 * commas between: "AUTH=PLAIN" is a legacy line of its own */
		strncat(line, c->keyword, sizeof(line) - strlen(line) - 1);
		if (c->params[0] != '\0') {
			strncat(line, " ", sizeof(line) - strlen(line) - 1);
			strncat(line, c->params, sizeof(line) - strlen(line) - 1);
		}
		strncat(line, i + 1 < e->ncaps ? ", " : "", sizeof(line) - strlen(line) - 1);
	}
	sd_report_note(r, "%zu capabilities: %s", e->ncaps, e->ncaps ? line : "(none)");
	for (const char *const *k = flags; *k != NULL; k++)
		sd_report_fact_bool(r, *k, sd_ehlo_find(e, *k) != NULL);

	identify(s, e, r);

	const sd_capability *size = sd_ehlo_find(e, "SIZE");
	if (size != NULL) {
		long long v = size->nargs > 0 ? strtoll(size->args[0], NULL, 10) : 0;
		sd_report_fact_int(r, "size_limit", v);
		long long min = sd_param_int(p, "min_size");
		if (min > 0 && v > 0 && v < min) {
			sd_finding *f = sd_report_finding(r, SD_WARN, "ehlo.size_small",
							  "SIZE limit %lld bytes is below the required %lld", v, min);
			sd_finding_cause(f, "the server refuses messages larger than this; attachments above it bounce");
			sd_finding_fix(f, "raise the server's message size limit to at least %lld bytes", min);
		}
	}
	const sd_capability *auth = sd_ehlo_find(e, "AUTH");
	if (auth != NULL)
		auth_facts(r, auth, "AUTH", sd_session_tls(s));
	else if ((auth = sd_ehlo_find(e, "AUTH=LOGIN")) != NULL)
		auth_facts(r, auth, "AUTH=", sd_session_tls(s));
	if (sd_ehlo_find(e, "VRFY") != NULL) {
		sd_finding *f = sd_report_finding(r, SD_INFO, "ehlo.vrfy",
						  "VRFY advertised: addresses can be tested for existence");
		sd_finding_cause(f, "VRFY lets anyone enumerate valid mailboxes (RFC 5321 7.3)");
		sd_finding_fix(f, "disable VRFY in the server's settings (or have it answer 252 without "
				  "looking the address up)");
	}
	if (sd_ehlo_find(e, "EXPN") != NULL) {
		sd_finding *f = sd_report_finding(r, SD_INFO, "ehlo.expn", "EXPN advertised: mailing lists can be expanded");
		sd_finding_cause(f, "EXPN expands mailing lists and aliases into their members' addresses for "
				    "anyone (RFC 5321 7.3)");
		sd_finding_fix(f, "disable EXPN in the server's settings");
	}
	if (e->duplicate_keywords > 0)
		sd_report_finding(r, SD_INFO, "ehlo.duplicate_keyword", "%u capability keyword(s) advertised twice",
				  e->duplicate_keywords);
	if (e->reply->flags & (SD_REPLY_MIXED_CODES | SD_REPLY_BAD_SYNTAX | SD_REPLY_BARE_LF))
		sd_report_finding(r, SD_WARN, "ehlo.protocol", "EHLO reply violates RFC 5321 4.2 syntax%s%s%s",
				  e->reply->flags & SD_REPLY_MIXED_CODES ? " (mixed reply codes)" : "",
				  e->reply->flags & SD_REPLY_BAD_SYNTAX ? " (malformed line)" : "",
				  e->reply->flags & SD_REPLY_BARE_LF ? " (bare LF line ends)" : "");
	if (e->reply->flags & SD_REPLY_TRUNCATED)
		sd_report_finding(r, SD_WARN, "ehlo.too_many_lines",
				  "EHLO reply has more than %zu lines: the first %zu are kept, the rest were read "
				  "and dropped (no real server advertises that many capabilities)",
				  e->reply->nlines, e->reply->nlines);

	const char *const *want;
	size_t n = sd_param_list(p, "require", &want);
	for (size_t i = 0; i < n; i++)
		if (sd_ehlo_find(e, want[i]) == NULL) {
			sd_finding *f = sd_report_finding(r, SD_WARN, "ehlo.required_missing",
							  "required capability %s is not advertised", want[i]);
			sd_finding_detail(f, "keyword", "%s", want[i]);
		}
	n = sd_param_list(p, "recommend", &want);
	const char *why = sd_param_string(p, "recommend_reason");
	for (size_t i = 0; i < n; i++)
		if (sd_ehlo_find(e, want[i]) == NULL) {
			/* a SHOULD of a standard: worth knowing, not a fault (Exim has
			 * no ENHANCEDSTATUSCODES, OpenSMTPD no PIPELINING) */
			sd_finding *f = sd_report_finding(r, SD_INFO, "ehlo.recommended_missing",
							  "recommended capability %s is not advertised", want[i]);
			sd_finding_detail(f, "keyword", "%s", want[i]);
			sd_finding_cause(f, "%s", why != NULL && why[0] ? why : "a standard recommends (SHOULD) this extension");
			sd_finding_fix(f, "enable %s if the server software implements it (not every MTA does); a "
					  "SHOULD, not a MUST: clients work without it",
				       want[i]);
		}
	n = sd_param_list(p, "forbid", &want);
	for (size_t i = 0; i < e->ncaps; i++)
		if (in_list(e->caps[i].keyword, want, n)) {
			sd_finding *f = sd_report_finding(r, SD_WARN, "ehlo.forbidden_present",
							  "capability %s is advertised, which the profile forbids", e->caps[i].keyword);
			sd_finding_detail(f, "keyword", "%s", e->caps[i].keyword);
		}
	sd_report_summary(r, "ESMTP with %zu capabilities%s", e->ncaps,
			  sd_ehlo_find(e, "STARTTLS") != NULL ? " incl. STARTTLS" : ", no STARTTLS");
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(ehlo) = {
	.abi = SD_PLUGIN_ABI,
	.name = "ehlo",
	.title = "EHLO",
	.summary = "EHLO capabilities with parameters (SIZE, AUTH, STARTTLS, ...), HELO fallback, required/forbidden keywords",
	.requires = requires,
	.params = params,
	.run = run,
};
