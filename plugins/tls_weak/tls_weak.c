/* SPDX-License-Identifier: MIT */
/*
 * tls_weak.c - check "tls-weak": known weaknesses of the server's STARTTLS
 * and TLS, each tested on its own fresh connection (docs/vulnerabilities.md).
 *
 *  - STARTTLS command injection (CVE-2011-0411 class): "STARTTLS" and
 *    "NOOP" in one write; a NOOP answered inside TLS was kept across the
 *    TLS boundary;
 *  - on a TLS <= 1.2 handshake: RFC 5746 secure renegotiation, a
 *    client-initiated renegotiation accepted (CVE-2011-1473), compression
 *    (CRIME), RFC 7627 extended master secret, OCSP stapling (RFC 6066,
 *    the response judged by RFC 6960);
 *  - TLS_FALLBACK_SCSV (RFC 7507) below the highest version;
 *  - session resumption (ID or ticket) on a second connection;
 *  - the DHE prime against the published ones (Logjam class).
 * Export, NULL, anonymous, RC4 and 64-bit block (SWEET32) suites are the
 * cipher check's findings (with their CVEs in "references"); this check
 * only names them in its notes.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <smtpdiag/plugin.h>

#include "dh_primes.h"

static const char *const requires[] = { "ehlo", NULL };

static const sd_param_spec params[] = {
	{ "injection", SD_PARAM_BOOL, "true", "STARTTLS command injection (CVE-2011-0411): STARTTLS and NOOP in one write" },
	{ "renegotiation", SD_PARAM_BOOL, "true",
	  "try one client-initiated renegotiation (TLS <= 1.2; one extra handshake, never repeated)" },
	{ "fallback_scsv", SD_PARAM_BOOL, "true", "TLS_FALLBACK_SCSV (RFC 7507) honoured below the highest version" },
	{ "resumption", SD_PARAM_BOOL, "true", "a second connection resumes the first one's session" },
	{ "ocsp", SD_PARAM_BOOL, "true", "ask for a stapled OCSP response and judge it" },
	{ "require_ocsp_stapling", SD_PARAM_BOOL, "false", "no stapled OCSP response is a warning (else info)" },
	{ "dhe", SD_PARAM_BOOL, "true", "a DHE-only handshake: the prime against the published ones (Logjam)" },
	{ NULL, 0, NULL, NULL },
};

/* vname - "TLSv1.2" for 0x0303 */
static const char *vname(int v)
{
	switch (v) {
	case 0x0301: return "TLSv1";
	case 0x0302: return "TLSv1.1";
	case 0x0303: return "TLSv1.2";
	case 0x0304: return "TLSv1.3";
	default: return "?";
	}
}

/* injection - STARTTLS command injection (CVE-2011-0411 class) */
static void injection(sd_session *s, sd_report *r, const sd_tls_weak_result *w)
{
	sd_report_fact_bool(r, "starttls_injection", w->injected_answered);
	if (w->plain_answers > 0)
		sd_report_note(r, "the line sent with STARTTLS was answered in plain text before the handshake "
				  "(%d line%s)", w->plain_answers, w->plain_answers == 1 ? "" : "s");
	if (!w->injected_answered) {
		sd_report_note(r, "STARTTLS injection: the NOOP sent with STARTTLS was not answered inside TLS");
		return;
	}
	sd_finding *f = sd_report_finding(r, SD_CRIT, "tls_weak.starttls_injection",
					  "STARTTLS command injection: a NOOP sent in plain text with STARTTLS was "
					  "answered inside TLS (%s)", w->injected_reply);
	sd_finding_detail(f, "reply", "%s", w->injected_reply);
	sd_finding_cause(f, "the server keeps the plain-text bytes it had read after STARTTLS and executes them as "
			    "if they came over TLS: a man in the middle can append commands (e.g. a RCPT TO of his "
			    "own, or an AUTH that steals the credentials sent next) to the unprotected part "
			    "(CVE-2011-0411 in Postfix, and the same bug in many other servers)");
	sd_finding_fix(f, "upgrade the SMTP server: it must discard its input buffer when STARTTLS is accepted "
			  "(RFC 3207 section 4.2: start from scratch)");
	sd_finding_reference(f, "CVE-2011-0411");
	(void)s;
}

/* properties - what the TLS <= 1.2 probe found */
static void properties(sd_report *r, const sd_params *p, const sd_tls_weak_result *w)
{
	char when[64];

	sd_report_fact_str(r, "tls12_version", "%s", vname(w->version));
	sd_report_fact_bool(r, "secure_renegotiation", w->secure_renegotiation);
	sd_report_fact_bool(r, "extended_master_secret", w->extended_master_secret);
	sd_report_fact_str(r, "compression", "%s", w->compression[0] ? w->compression : "none");
	if (w->version <= 0x0303 && !w->secure_renegotiation) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "tls_weak.insecure_renegotiation",
						  "no secure renegotiation (RFC 5746): the server did not send the "
						  "renegotiation_info extension (%s)", vname(w->version));
		sd_finding_cause(f, "a TLS library from before 2010 (OpenSSL < 0.9.8m): a man in the middle can splice "
				    "his own plain text in front of a client's session (CVE-2009-3555)");
		sd_finding_fix(f, "update the TLS library the SMTP server is linked with");
	}
	if (w->renegotiation == 1) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "tls_weak.client_renegotiation",
						  "client-initiated renegotiation accepted (%s)", vname(w->version));
		sd_finding_cause(f, "each renegotiation costs the server a full handshake and the client almost "
				    "nothing: one connection can keep a CPU busy (CVE-2011-1473, THC-SSL-DOS)");
		sd_finding_fix(f, "disable client-initiated renegotiation (OpenSSL SSL_OP_NO_RENEGOTIATION)");
	}
	sd_report_fact_str(r, "client_renegotiation", "%s",
			   w->renegotiation == 1 ? "accepted" : w->renegotiation == 0 ? "refused" : "not tested");
	if (w->compression[0] != '\0') {
		sd_finding *f = sd_report_finding(r, SD_CRIT, "tls_weak.compression",
						  "TLS compression is on (%s)", w->compression);
		sd_finding_cause(f, "compressed TLS records leak the size of their content: CRIME (CVE-2012-4929) "
				    "recovers secrets such as an AUTH exchange sent after attacker-chosen text");
		sd_finding_fix(f, "turn TLS compression off (OpenSSL SSL_OP_NO_COMPRESSION)");
	} else if (!w->compression_testable) {
		sd_report_note(r, "TLS compression not tested: this OpenSSL was built without it (it cannot offer it)");
	}
	if (w->version <= 0x0303 && !w->extended_master_secret) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "tls_weak.no_extended_master_secret",
						  "no Extended Master Secret (RFC 7627) with %s", vname(w->version));
		sd_finding_cause(f, "without it the master secret is not bound to the handshake: the triple "
				    "handshake attack (CVE-2014-1295) can make two sessions share keys");
		sd_finding_fix(f, "update the TLS library (OpenSSL 1.1.0 and later negotiate it by default)");
	}
	if (!sd_param_bool(p, "ocsp"))
		return;
	sd_report_fact_bool(r, "ocsp_stapled", w->ocsp_stapled);
	if (!w->ocsp_stapled) {
		sd_finding *f = sd_report_finding(r, sd_param_bool(p, "require_ocsp_stapling") ? SD_WARN : SD_INFO,
						  "tls_weak.no_ocsp_stapling", "no OCSP response stapled (RFC 6066 "
						  "status_request)");
		sd_finding_cause(f, "the server does not staple its certificate's revocation status; senders must "
				    "ask the CA themselves (few MTAs do)");
		sd_finding_fix(f, "staple OCSP responses where the server supports it");
		return;
	}
	sd_report_fact_str(r, "ocsp_status", "%s", w->ocsp_status[0] ? w->ocsp_status : "none");
	sd_report_fact_bool(r, "ocsp_verified", w->ocsp_verified);
	if (w->ocsp_this_update > 0) {
		time_t t = (time_t)w->ocsp_this_update;
		struct tm tm;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		sd_report_fact_str(r, "ocsp_this_update", "%s", when);
	}
	if (w->ocsp_next_update > 0) {
		time_t t = (time_t)w->ocsp_next_update;
		struct tm tm;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		sd_report_fact_str(r, "ocsp_next_update", "%s", when);
	}
	if (strcmp(w->ocsp_status, "revoked") == 0) {
		sd_finding *f = sd_report_finding(r, SD_CRIT, "tls_weak.ocsp_invalid",
						  "the stapled OCSP response says the certificate is REVOKED");
		sd_finding_cause(f, "the CA revoked the server's certificate");
		sd_finding_fix(f, "install a new certificate");
	} else if (strstr(w->ocsp_error, "validity window") != NULL) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "tls_weak.ocsp_stale",
						  "the stapled OCSP response is outside its validity window");
		sd_finding_detail(f, "error", "%s", w->ocsp_error);
		sd_finding_cause(f, "the server staples an old response (its nextUpdate has passed) or one from the "
				    "future (clock skew): clients that check it treat the status as unknown");
		sd_finding_fix(f, "refresh the stapled response before its nextUpdate (a cron job or the server's "
				  "own OCSP fetching)");
	} else if (w->ocsp_error[0] != '\0') {
		sd_finding *f = sd_report_finding(r, SD_WARN, "tls_weak.ocsp_invalid",
						  "the stapled OCSP response is not usable: %s", w->ocsp_error);
		sd_finding_cause(f, "the stapled response is not a valid, signed statement about this certificate");
		sd_finding_fix(f, "staple the response of the certificate's own CA responder");
	}
}

/* dhe - the DHE prime against the published ones */
static void dhe(sd_report *r, const sd_tls_weak_result *w)
{
	char hex[2 * sizeof(w->dh_prime) + 1];
	size_t k = 0;

	while (k < w->dh_prime_len && w->dh_prime[k] == 0)
		k++;
	size_t n = 0;
	for (; k < w->dh_prime_len; k++)
		n += (size_t)snprintf(hex + n, sizeof(hex) - n, "%02X", w->dh_prime[k]);
	hex[n] = '\0';
	int bits = (int)(w->dh_prime_len * 8);
	for (size_t i = 0; i < w->dh_prime_len && w->dh_prime[i] != 0; i++) {
		for (int b = 7; b >= 0 && !(w->dh_prime[i] >> b & 1); b--)
			bits--;
		break;
	}
	sd_report_fact_int(r, "dh_bits", bits);
	const dh_known_prime *known = NULL;
	for (size_t i = 0; i < sizeof(dh_known_primes) / sizeof(dh_known_primes[0]); i++)
		if (strcmp(dh_known_primes[i].hex, hex) == 0)
			known = &dh_known_primes[i];
	sd_report_fact_str(r, "dh_prime", "%s", known != NULL ? known->name : "not a published prime");
	if (bits < 1024) {
		sd_finding *f = sd_report_finding(r, SD_CRIT, "tls_weak.dh_export_prime",
						  "DHE with a %d-bit prime%s%s (Logjam: broken in real time)", bits,
						  known ? ": " : "", known ? known->name : "");
		sd_finding_cause(f, "a DH group under 1024 bits (export grade) is within reach of a single "
				    "precomputation; a man in the middle can downgrade to it (CVE-2015-4000)");
		sd_finding_fix(f, "use a 2048-bit or larger group (RFC 7919 ffdhe2048) or ECDHE only");
	} else if (known != NULL && strcmp(known->verdict, "common") == 0) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "tls_weak.dh_common_prime",
						  "DHE with a common %d-bit prime: %s (%s)", bits, known->name, known->source);
		sd_finding_detail(f, "prime", "%s", known->name);
		sd_finding_cause(f, "a published prime under 2048 bits is shared by many servers: one precomputation "
				    "by a well-funded attacker breaks them all (Logjam, CVE-2015-4000)");
		sd_finding_fix(f, "use a 2048-bit or larger group (RFC 7919 ffdhe2048) or ECDHE only");
	} else if (known != NULL && strcmp(known->verdict, "unverifiable") == 0) {
		sd_finding *f = sd_report_finding(r, SD_INFO, "tls_weak.dh_unverifiable_prime",
						  "DHE with an RFC 5114 prime: %s", known->name);
		sd_finding_cause(f, "RFC 5114's primes come without a proof of how they were generated");
		sd_finding_fix(f, "prefer the RFC 7919 ffdhe groups");
	} else if (bits < 2048) {
		sd_report_note(r, "DHE prime: %d bits, not a published one (starttls.weak_dh / cipher.weak_dh judge "
				  "its size)", bits);
	}
}

/* run - the tls_weak check: probe the server for known TLS weaknesses (STARTTLS
 * injection and more) */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	const char *mode = sd_session_tls_mode(s);
	sd_tls_weak_result w;
	int tried = 0;

	sd_report_phase(r, "known TLS weaknesses");
	if (strcmp(mode, "none") == 0) {
		sd_report_finding(r, SD_INFO, "tls_weak.not_requested", "TLS not tested (--tls none)");
		return SD_RUN_DONE;
	}
	const sd_ehlo *e = sd_session_ehlo_plain(s) != NULL ? sd_session_ehlo_plain(s) : sd_session_ehlo(s);
	if (strcmp(mode, "starttls") == 0 && (e == NULL || sd_ehlo_find(e, "STARTTLS") == NULL)) {
		sd_report_note(r, "STARTTLS is not offered: nothing to test");
		return SD_RUN_DONE;
	}

	/* 1: the injection, at the server's highest version, then a resumption */
	sd_tls_weak_probe pr = { 0 };
	int top = 0;
	pr.inject = sd_param_bool(p, "injection") && strcmp(mode, "starttls") == 0 ? "NOOP" : NULL;
	pr.resume = sd_param_bool(p, "resumption");
	sd_report_phase(r, "known TLS weaknesses: STARTTLS injection, resumption");
	if (sd_session_tls_weak_probe(s, &pr, &w) == 0 && w.accepted) {
		tried++;
		top = w.version;
		if (pr.inject != NULL)
			injection(s, r, &w);
		if (pr.resume) {
			sd_report_fact_bool(r, "session_ticket", w.ticket);
			sd_report_fact_bool(r, "session_id", w.session_id);
			sd_report_fact_str(r, "resumption", "%s", w.resumed == 1 ? "yes" : w.resumed == 0 ? "no" : "not tested");
			if (w.resumed == 0) {
				sd_finding *f = sd_report_finding(r, SD_INFO, "tls_weak.no_resumption",
								  "TLS sessions are not resumed (%s: %s)", vname(w.version),
								  w.ticket ? "a ticket was issued but not honoured"
									   : w.session_id ? "a session ID was given but not honoured"
											  : "no ticket, no session ID");
				sd_finding_cause(f, "every connection from a sender costs a full handshake; senders that "
						    "reconnect often (bulk senders, backup MX) pay for it");
				sd_finding_fix(f, "enable a TLS session cache or session tickets");
			}
		}
	} else {
		sd_report_note(r, "the STARTTLS injection probe did not complete: %s", w.message);
	}

	/* 2: a TLS <= 1.2 handshake for the properties that belong to it */
	sd_tls_weak_probe p12 = { .max_version = 0x0303, .status_request = sd_param_bool(p, "ocsp"),
				  .compression = 1, .renegotiate = sd_param_bool(p, "renegotiation") };
	sd_report_phase(r, "known TLS weaknesses: renegotiation, compression, EMS, OCSP");
	if (sd_session_tls_weak_probe(s, &p12, &w) == 0 && w.accepted) {
		tried++;
		properties(r, p, &w);
	} else {
		sd_report_note(r, "no TLS 1.2 or older handshake: %s (renegotiation, compression and EMS concern TLS "
				  "<= 1.2 only)", w.message);
	}

	/* 3: TLS_FALLBACK_SCSV one version below the highest */
	if (sd_param_bool(p, "fallback_scsv") && top > 0x0301) {
		sd_tls_weak_probe fb = { .max_version = top - 1, .fallback_scsv = 1 };
		sd_report_phase(r, "known TLS weaknesses: TLS_FALLBACK_SCSV");
		int rc = sd_session_tls_weak_probe(s, &fb, &w);
		if (rc == 0 && w.accepted) {
			sd_report_fact_str(r, "fallback_scsv", "not honoured");
			sd_finding *f = sd_report_finding(r, SD_WARN, "tls_weak.no_fallback_scsv",
							  "TLS_FALLBACK_SCSV ignored: %s with the SCSV was accepted although "
							  "the server speaks %s", vname(w.version), vname(top));
			sd_finding_cause(f, "the server does not refuse a fallback connection (RFC 7507): a man in the "
					    "middle who breaks the first handshake can push clients that retry with a lower "
					    "version (POODLE-style downgrades, CVE-2014-3566)");
			sd_finding_fix(f, "update the TLS library (OpenSSL 1.0.1j and later honour the SCSV)");
		} else if (strstr(w.alert, "inappropriate fallback") != NULL ||
			   strstr(w.message, "inappropriate fallback") != NULL) {
			sd_report_fact_str(r, "fallback_scsv", "honoured");
		} else {
			sd_report_fact_str(r, "fallback_scsv", "not decided");
			sd_report_note(r, "TLS_FALLBACK_SCSV: %s with the SCSV failed otherwise: %s", vname(top - 1),
				       w.message);
		}
	}

	/* 4: DHE only (TLS <= 1.2): the prime */
	if (sd_param_bool(p, "dhe")) {
		sd_tls_weak_probe dh = { .max_version = 0x0303, .ciphers = "kDHE:kEDH:@SECLEVEL=0" };
		sd_report_phase(r, "known TLS weaknesses: DHE prime");
		if (sd_session_tls_weak_probe(s, &dh, &w) == 0 && w.accepted && w.dh_prime_len > 0)
			dhe(r, &w);
		else
			sd_report_fact_str(r, "dh_prime", "no DHE suite accepted");
	}
	sd_report_note(r, "export, NULL, anonymous, RC4 and 3DES/DES (SWEET32) suites: see the cipher check "
			  "(cipher.forbidden_*)");
	if (tried == 0) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "tls_weak.untested",
						  "no TLS handshake for the weakness tests completed");
		sd_finding_cause(f, "the server refused the probe connections or their handshakes");
		sd_finding_fix(f, "read this check's notes for why each probe failed; if the server limits "
				  "connections per client (rate limits, fail2ban), let the testing host in "
				  "and run again; if only the handshakes failed, the tls and cipher checks show "
				  "what the server accepts");
		return SD_RUN_DONE;
	}
	sd_report_summary(r, "STARTTLS injection, renegotiation, compression, EMS, fallback, resumption, DHE tested");
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(tls_weak) = {
	.abi = SD_PLUGIN_ABI,
	.name = "tls-weak",
	.title = "Known TLS weaknesses",
	.summary = "STARTTLS injection (CVE-2011-0411), renegotiation, compression, EMS, FALLBACK_SCSV, OCSP, "
		   "resumption, common DHE primes",
	.requires = requires,
	.params = params,
	.run = run,
};
