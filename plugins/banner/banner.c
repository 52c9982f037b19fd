/* SPDX-License-Identifier: MIT */
/*
 * banner.c - check "banner": the server's greeting (RFC 5321 3.1, 4.3.1).
 *
 * Reads the greeting and says what it is: a 220 naming the host, a 554
 * refusal, a 421 "go away", silence, or something that is not SMTP at all
 * (TLS, SSH, HTTP, POP3, IMAP on the port). Names the software when the
 * banner does, and keeps the greeting delay apart so deliberate delays
 * (greet pause, postscreen) are not taken for a slow server.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <smtpdiag/plugin.h>

#include "banner_id.h"

static const char *const requires[] = { "connect", NULL };

static const sd_param_spec params[] = {
	{ "require_hostname", SD_PARAM_BOOL, "true",
	  "the greeting must start with the server's host name (RFC 5321 4.3.1)" },
	{ "expect_hostname", SD_PARAM_STRING, NULL,
	  "name the greeting should carry (default: none; only reported when different)" },
	{ "delay_info", SD_PARAM_DURATION, "2s",
	  "a greeting slower than this (until its last byte) is reported as a deliberate delay (info)" },
	{ "flag_version", SD_PARAM_BOOL, "true", "report a software version shown in the greeting (info)" },
	{ NULL, 0, NULL, NULL },
};

/* looks_like_host - a dotted domain name or an address literal */
static int looks_like_host(const char *w, size_t n)
{
	if (n >= 3 && w[0] == '[' && w[n - 1] == ']')
		return 1;
	int dots = 0, label = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w[i];
		if (c == '.') {
			if (label == 0)
				return 0;
			dots++;
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			label++;
		} else {
			return 0;
		}
	}
	return dots > 0 && (label > 0 || w[n - 1] == '.');
}

/* not_smtp - name the protocol a non-SMTP greeting belongs to */
static const char *not_smtp(const char *line)
{
	if (strncmp(line, "SSH-", 4) == 0)
		return "an SSH server";
	if (strncmp(line, "HTTP/", 5) == 0)
		return "an HTTP server";
	if (strncmp(line, "+OK", 3) == 0)
		return "a POP3 server";
	if (strncmp(line, "* OK", 4) == 0)
		return "an IMAP server";
	if ((unsigned char)line[0] == 0x15 || (unsigned char)line[0] == 0x16)
		return "a TLS endpoint (TLS record bytes)";
	return NULL;
}

/* no_greeting - report why no greeting came (timeout, trickle, closed,
 * refused...) from the session's error */
static sd_run_status no_greeting(sd_session *s, sd_report *r)
{
	const char *msg;
	sd_error e = sd_session_error(s, &msg);
	sd_finding *f;

	switch (e) {
	case SD_ERR_TIMEOUT:
		if (strstr(msg, "still arriving") != NULL) {
			/* bytes kept coming until the deadline: slow on purpose, not dead */
			f = sd_report_finding(r, SD_CRIT, "banner.timeout",
					      "greeting still arriving when the timeout hit: %s", msg);
			sd_finding_cause(f, "the server trickles its greeting a few bytes at a time (a tarpit: "
					    "Sendmail greet_pause, an anti-spam proxy, or a deliberate slow responder); "
					    "it is not down, and a sender that waits long enough (RFC 5321 4.5.3.2.1 "
					    "allows 5 minutes for the greeting) gets through");
			sd_finding_fix(f, "run again with a longer --timeout (e.g. --timeout 5m); if the delay is not "
					  "deliberate, look for a tarpit or filter in front of the server");
			break;
		}
		f = sd_report_finding(r, SD_CRIT, "banner.timeout", "no greeting: %s", msg);
		sd_finding_cause(f, "the server accepted the TCP connection but never sent a complete 220 greeting: "
				    "it is overloaded, it tarpits this client for longer than the timeout, a proxy or "
				    "firewall holds the connection, or the port expects TLS first (SMTPS, port 465)");
		sd_finding_fix(f, "retry with a longer --timeout; for port 465 use --tls implicit; check the server's "
				  "process limits and logs");
		break;
	case SD_ERR_CLOSED:
	case SD_ERR_RESET:
		f = sd_report_finding(r, SD_CRIT, "banner.closed", "server closed the connection before greeting: %s", msg);
		sd_finding_cause(f, "the server drops this client at connect: access control by client address "
				    "(Postfix smtpd_client_restrictions or postscreen, TCP wrappers, a firewall), "
				    "a connection or process limit, or a crashing service");
		sd_finding_fix(f, "look in the server's log at the time of this test for the reason it gave");
		break;
	case SD_ERR_TOO_LONG:
		f = sd_report_finding(r, SD_CRIT, "banner.too_long", "greeting is not a sane SMTP reply: %s", msg);
		sd_finding_cause(f, "the peer sends an endless or oversized line: not an SMTP server, or a broken one");
		break;
	default:
		f = sd_report_finding(r, SD_CRIT, "banner.failed", "no greeting: %s", msg);
		break;
	}
	sd_report_fact_str(r, "error", "%s", sd_error_name(e));
	return SD_RUN_FAILED;
}

/* protocol_flags - report the syntax faults parsing flagged in greeting G
 * (mixed codes, bare LF, NUL, long lines) */
static void protocol_flags(sd_report *r, const sd_reply *g)
{
	if (g->flags & SD_REPLY_MIXED_CODES)
		sd_report_finding(r, SD_WARN, "banner.mixed_codes",
				  "lines of the multi-line greeting carry different reply codes (RFC 5321 4.2.1)");
	if (g->flags & SD_REPLY_BAD_SYNTAX)
		sd_report_finding(r, SD_WARN, "banner.bad_syntax",
				  "greeting line does not follow '220 text' / '220-text' syntax (RFC 5321 4.2)");
	if (g->flags & SD_REPLY_BARE_LF) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "banner.bare_lf",
						  "greeting lines end in a bare LF instead of CRLF (RFC 5321 2.3.8)");
		sd_finding_cause(f, "a non-conforming SMTP implementation or a proxy rewriting line ends");
	}
	if (g->flags & SD_REPLY_NUL)
		sd_report_finding(r, SD_WARN, "banner.nul", "greeting contains NUL bytes");
	if (g->flags & SD_REPLY_LONG_LINE)
		sd_report_finding(r, SD_INFO, "banner.long_line",
				  "greeting line longer than the 512 octets RFC 5321 4.5.3.1.5 allows");
	if (g->flags & SD_REPLY_TRUNCATED)
		sd_report_finding(r, SD_WARN, "banner.too_many_lines", "greeting has more lines than smtp-diag keeps");
}

/* masked - a greeting an inspecting firewall replaced by asterisks (Cisco
 * ASA/PIX ESMTP inspection keeps only a few digits and spaces) */
static int masked(const char *line)
{
	size_t stars = 0, other = 0;

	for (const char *c = line; *c != '\0'; c++) {
		if (*c == '*')
			stars++;
		else if (isdigit((unsigned char)*c))
			other++;
		else if (*c != ' ')
			return 0;
	}
	return stars >= 6 && stars >= other;
}

/* hostname - check the host name the greeting LINE starts with (or report a
 * greeting masked by a firewall) */
static void hostname(sd_session *s, const sd_params *p, sd_report *r, const char *line)
{
	size_t n = strcspn(line, " \t");

	if (masked(line)) {
		sd_report_fact_bool(r, "masked", true);
		sd_finding *f = sd_report_finding(r, SD_INFO, "banner.masked",
						  "greeting masked by a firewall's SMTP inspection: \"%.60s\"", line);
		sd_finding_cause(f, "a firewall in front of the server inspects SMTP (Cisco ASA 'inspect esmtp', "
				    "PIX 'fixup smtp') and replaces the greeting with asterisks; the same inspection "
				    "strips STARTTLS from the EHLO reply (XXXXXXXA) and refuses the STARTTLS command, "
				    "so mail to this server cannot be encrypted");
		sd_finding_fix(f, "on the firewall, not the mail server: policy-map global_policy, class "
				  "inspection_default, 'no inspect esmtp' (PIX: 'no fixup protocol smtp 25'), or an ESMTP "
				  "inspection policy-map with 'allow-tls'");
		return;
	}

	sd_report_fact_str(r, "hostname", "%.*s", (int)n, line);
	if (!looks_like_host(line, n)) {
		if (sd_param_bool(p, "require_hostname")) {
			sd_finding *f = sd_report_finding(r, SD_WARN, "banner.no_hostname",
							  "greeting does not start with the server's host name: \"%.60s\"",
							  line);
			sd_finding_cause(f, "RFC 5321 4.3.1 wants the server's fully qualified name as the first word "
					    "of the 220 greeting; some receivers and spam filters score a banner "
					    "without one");
			sd_finding_fix(f, "begin the greeting with the server's fully qualified host name (the "
					  "server's greeting / banner setting)");
		}
		return;
	}
	const char *expect = sd_param_string(p, "expect_hostname");
	const char *server = sd_session_server(s);
	if (expect == NULL && looks_like_host(server, strlen(server)) && strchr(server, ':') == NULL &&
	    !isdigit((unsigned char)server[strlen(server) - 1]))
		expect = server;
	/* absolute names ("mail.example.") are the same name without the dot */
	size_t gn = n > 1 && line[n - 1] == '.' ? n - 1 : n;
	size_t en = expect != NULL ? strlen(expect) : 0;
	if (en > 1 && expect[en - 1] == '.')
		en--;
	if (expect != NULL && (en != gn || strncasecmp(expect, line, gn) != 0)) {
		sd_finding *f = sd_report_finding(r, expect == server ? SD_INFO : SD_WARN, "banner.hostname_mismatch",
						  "greeting names %.*s, expected %s", (int)n, line, expect);
		sd_finding_cause(f, "the server's configured host name differs from the name it is reached by; "
				    "normal for an MX host with several names, a problem if TLS certificates or "
				    "reverse DNS are expected to match it");
		sd_finding_fix(f, "set the server's own host name (the name its greeting uses) to the name it is "
				  "reached by, or accept the difference");
	}
}

/* run - the banner check: read the greeting, its code, lines, host name,
 * software and syntax faults */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	sd_report_phase(r, "SMTP greeting");
	const sd_reply *g = sd_session_greeting(s);
	if (g == NULL)
		return no_greeting(s, r);

	if (sd_session_tls_found(s)) {
		sd_finding *f = sd_report_finding(r, SD_INFO, "banner.implicit_tls",
						  "no greeting in clear on port %u, but one over TLS from the first "
						  "byte: this port speaks implicit TLS (RFC 8314); audited over it",
						  sd_session_port(s));
		sd_finding_cause(f, "the port expects the TLS handshake first (SMTPS/submissions), as 465 does");
		sd_finding_fix(f, "give --tls implicit (or a profile with tls: implicit) for this port next time");
	}
	if (g->code > 0)   /* a line without a code has none: 0 would be made up */
		sd_report_fact_int(r, "code", g->code);
	for (size_t i = 0; i < g->nlines; i++)
		sd_report_fact_list_add(r, "lines", g->lines[i]);
	sd_report_fact_ms(r, "first_byte_ms", g->first_byte_ms);
	sd_report_fact_ms(r, "greeting_ms", g->elapsed_ms);
	for (size_t i = 0; i < g->nlines && i < 5; i++)
		if (g->code > 0)
			sd_report_note(r, "%d%c%s", g->code, i + 1 < g->nlines ? '-' : ' ', g->lines[i]);
		else   /* not a reply: the line as received */
			sd_report_note(r, "%s", g->lines[i]);

	const char *first = g->nlines > 0 ? g->lines[0] : "";
	if (g->code == 0) {
		const char *what = not_smtp(first);
		sd_finding *f = what != NULL
			? sd_report_finding(r, SD_CRIT, "banner.not_smtp",
					    "the port does not speak SMTP: it looks like %s", what)
			: sd_report_finding(r, SD_CRIT, "banner.not_smtp",
					    "the port does not speak SMTP: its first line \"%.80s\" is not a reply "
					    "(SMTP replies start with a three-digit code)", first);
		sd_finding_cause(f, "another service listens on this port, or the port expects TLS before SMTP");
		sd_finding_fix(f, "check the port number; for SMTPS (465) use --tls implicit");
		return SD_RUN_FAILED;
	}
	protocol_flags(r, g);
	if (g->code == 421) {
		sd_finding *f = sd_report_finding(r, SD_CRIT, "banner.service_closing",
						  "server refuses the session: 421 %s", first);
		sd_finding_cause(f, "the server is overloaded or rate-limits this client (too many connections from "
				    "one address), or it is shutting down");
		sd_finding_fix(f, "retry later and with fewer parallel connections; if it persists, raise the limit "
				  "for legitimate senders");
		/* a connection limit the reply names (Exchange's 4.3.2): the limit's setting, by vendor */
		const char *kind = sd_diagnose_reply(s, "greeting", g);
		if (kind != NULL && strcmp(kind, "smtp.rate_limited") == 0)
			sd_finding_kind(f, kind);
		return SD_RUN_FAILED;
	}
	if (g->code == 554) {
		sd_finding *f = sd_report_finding(r, SD_CRIT, "banner.rejected", "server rejects the session at greeting: 554 %s",
						  first);
		sd_finding_cause(f, "the client address is refused before any command (RFC 5321 3.1): a DNS "
				    "blocklist hit, an access rule, or a "
				    "no-service listener");
		sd_finding_fix(f, "read the reply text and the server log for the rule that matched; test from an "
				  "address the server should accept");
		return SD_RUN_FAILED;
	}
	if (g->code != 220) {
		sd_finding *f = sd_report_finding(r, SD_CRIT, "banner.unexpected_code",
						  "greeting has code %d, not 220: %s", g->code, first);
		sd_finding_cause(f, "RFC 5321 4.3.2 allows only 220, 421 or 554 as a greeting");
		return SD_RUN_FAILED;
	}

	hostname(s, p, r, first);

	sd_banner_id id;
	char all[1024] = "";
	for (size_t i = 0; i < g->nlines; i++) {
		strncat(all, g->lines[i], sizeof(all) - strlen(all) - 2);
		strncat(all, " ", sizeof(all) - strlen(all) - 1);
	}
	if (sd_banner_identify(all, &id)) {
		sd_report_fact_str(r, "software", "%s", id.software);
		sd_session_set_software(s, id.software);
		sd_report_fact_str(r, "vendor", "%s", id.vendor);
		if (id.version[0] != '\0') {
			sd_report_fact_str(r, "version", "%s", id.version);
			if (sd_param_bool(p, "flag_version")) {
				sd_finding *f = sd_report_finding(r, SD_INFO, "banner.version_disclosed",
								  "greeting discloses the software version (%s %s)",
								  id.software, id.version);
				sd_finding_cause(f, "a version in the banner tells an attacker which exploits to try");
				sd_finding_fix(f, "leave the version out of the greeting (the server's greeting / banner "
						  "setting): '<host name> ESMTP' is enough");
			}
		}
		sd_report_note(r, "software: %s%s%s", id.software, id.version[0] ? " " : "", id.version);
		sd_report_summary(r, "%s%s%s", id.software, id.version[0] ? " " : "", id.version);
	} else {
		sd_report_fact_str(r, "software", "unknown");
		sd_report_summary(r, "220 greeting, software not named");
	}

	/* deliberate delays: a late greeting, or a multi-line one with a pause */
	long long info_ms = sd_param_duration_ms(p, "delay_info");
	double pause = g->elapsed_ms - g->first_byte_ms;
	if (g->nlines > 1 && pause >= 1000) {
		sd_finding *f = sd_report_finding(r, SD_INFO, "banner.greet_pause",
						  "multi-line greeting with a %.1f s pause between its lines", pause / 1000);
		sd_finding_cause(f, "a deliberate early-talker test (Postfix postscreen_greet_wait with a "
				    "multi-line banner): spam bots that talk before the last line are rejected");
	} else if (info_ms > 0 && g->elapsed_ms >= (double)info_ms && pause >= (double)info_ms / 2) {
		/* the whole reply is what a sender waits for, not its first byte */
		sd_finding *f = sd_report_finding(r, SD_INFO, "banner.delayed",
						  "greeting took %.1f s to arrive in full, trickled (first byte after "
						  "%.1f s)", g->elapsed_ms / 1000, g->first_byte_ms / 1000);
		sd_finding_cause(f, "the server sends its greeting a few bytes at a time: a tarpit or slow "
				    "responder that makes bulk senders give up (patient senders still get through)");
		sd_finding_fix(f, "if not deliberate: look for a filter or proxy in front of the server; senders "
				  "with short greeting timeouts will defer");
	} else if (info_ms > 0 && g->elapsed_ms >= (double)info_ms) {
		sd_finding *f = sd_report_finding(r, SD_INFO, "banner.delayed",
						  "greeting arrived after %.1f s", g->elapsed_ms / 1000);
		sd_finding_cause(f, "a deliberate greeting delay (tarpit or greet pause: Sendmail greet_pause, "
				    "Exim smtp_banner delay, postscreen), or a server busy before it can answer "
				    "(DNS lookups of the client at connect time are a common cause)");
		sd_finding_fix(f, "if not deliberate: check the server's reverse-DNS lookups of clients and its "
				  "load; see the response-time check for the other phases");
	}
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(banner) = {
	.abi = SD_PLUGIN_ABI,
	.name = "banner",
	.title = "SMTP greeting",
	.summary = "220 greeting: host name, software and version, refusals (421/554), non-SMTP ports, delays",
	.requires = requires,
	.params = params,
	.run = run,
};
