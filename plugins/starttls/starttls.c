/* SPDX-License-Identifier: MIT */
/*
 * starttls.c - check "starttls": TLS on the SMTP session (RFC 3207, RFC 8314).
 *
 * With --tls starttls: is STARTTLS advertised, accepted (judged by the 220
 * code, whatever the text), does the handshake succeed, and what did it
 * negotiate; EHLO is repeated after the handshake and the capabilities that
 * changed are reported. With implicit TLS (SMTPS) the handshake happened at
 * connect and is described the same way. A probe on a second plain
 * connection tells whether the server enforces TLS before MAIL FROM.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <smtpdiag/plugin.h>

static const char *const requires[] = { "ehlo", NULL };

static const sd_param_spec params[] = {
	{ "required", SD_PARAM_BOOL, "false", "STARTTLS must be offered (critical when missing)" },
	{ "min_version", SD_PARAM_STRING, "TLSv1.2", "lowest acceptable protocol: TLSv1, TLSv1.1, TLSv1.2, TLSv1.3" },
	{ "require_forward_secrecy", SD_PARAM_BOOL, "true", "a key exchange without forward secrecy is a finding" },
	{ "probe_enforcement", SD_PARAM_BOOL, "true",
	  "try MAIL FROM on a second, plain connection to learn whether TLS is enforced (RSET, never DATA)" },
	{ "expect_enforced", SD_PARAM_BOOL, "false",
	  "the server must refuse MAIL FROM and AUTH before STARTTLS (submission ports)" },
	{ NULL, 0, NULL, NULL },
};

/* version_number - the protocol number of TLS version name V (0x303 for
 * TLSv1.2; -1 when unknown) */
static int version_number(const char *v)
{
	static const struct {
		const char *name;
		int num;
	} map[] = { { "TLSv1", 0x301 }, { "TLSv1.0", 0x301 }, { "TLSv1.1", 0x302 }, { "TLSv1.2", 0x303 },
		    { "TLSv1.3", 0x304 }, { "SSLv3", 0x300 } };
	for (size_t i = 0; v != NULL && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(v, map[i].name) == 0)
			return map[i].num;
	return -1;
}

/* caps_diff - capabilities added or removed by the handshake */
static void caps_diff(sd_report *r, const sd_ehlo *before, const sd_ehlo *after)
{
	char line[1024] = "";

	if (before == NULL || after == NULL)
		return;
	for (size_t i = 0; i < after->ncaps; i++) {
		const sd_capability *c = &after->caps[i];
		const sd_capability *old = sd_ehlo_find(before, c->keyword);
		if (old == NULL || strcmp(old->params, c->params) != 0) {
			sd_report_fact_list_add(r, "caps_added_after_tls", c->keyword);
			snprintf(line + strlen(line), sizeof(line) - strlen(line), " +%s%s%s", c->keyword,
				 c->params[0] ? " " : "", c->params);
		}
	}
	for (size_t i = 0; i < before->ncaps; i++) {
		const sd_capability *c = &before->caps[i];
		if (sd_ehlo_find(after, c->keyword) == NULL) {
			sd_report_fact_list_add(r, "caps_removed_after_tls", c->keyword);
			snprintf(line + strlen(line), sizeof(line) - strlen(line), " -%s", c->keyword);
		}
	}
	for (size_t i = 0; i < after->ncaps; i++)
		sd_report_fact_map_add(r, "capabilities_after_tls", after->caps[i].keyword, after->caps[i].params);
	if (line[0] != '\0')
		sd_report_note(r, "EHLO after TLS:%s", line);
}

/* made_by - the banner or EHLO reply named VENDOR's software (fixes carrying
 * the profile's numbers are worded here; the rest by the knowledge base) */
static int made_by(const sd_session *s, const char *vendor)
{
	const char *sw = sd_session_software(s);
	return sw != NULL && strcasestr(sw, vendor) != NULL;
}

/* describe - report TLS session T's version, cipher, group, handshake time and their weaknesses */
static void describe(const sd_session *s, sd_report *r, const sd_tls_info *t, const sd_params *p)
{
	sd_report_fact_str(r, "version", "%s", t->version);
	sd_report_fact_str(r, "cipher", "%s", t->cipher);
	sd_report_fact_str(r, "cipher_iana", "%s", t->cipher_iana);
	sd_report_fact_int(r, "cipher_bits", t->cipher_bits);
	sd_report_fact_str(r, "group", "%s", t->group);
	sd_report_fact_bool(r, "forward_secrecy", t->forward_secrecy);
	sd_report_fact_str(r, "alpn", "%s", t->alpn);
	sd_report_fact_str(r, "sni", "%s", t->sni);
	sd_report_fact_ms(r, "handshake_ms", t->handshake_ms);
	sd_report_fact_bool(r, "implicit", t->implicit);
	sd_report_note(r, "%s, %s (%s, %d bits)%s%s, handshake %.1f ms", t->version, t->cipher,
		       t->cipher_iana, t->cipher_bits, t->group[0] ? ", key exchange " : "", t->group,
		       t->handshake_ms);
	sd_report_summary(r, "%s, %s", t->version, t->cipher);

	const char *minv = sd_param_string(p, "min_version");
	int min = version_number(minv);
	if (min > 0 && t->version_number < min) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "starttls.old_version",
						  "negotiated %s, below the required %s", t->version, minv);
		sd_finding_cause(f, "the server still allows, and prefers or only offers, an outdated TLS version "
				    "(TLS 1.0/1.1 are deprecated by RFC 8996)");
		/* the minimum is the profile's (min_version), not a fixed TLSv1.2:
		 * Exim, Sendmail and OpenSMTPD get theirs from the knowledge base */
		if (made_by(s, "postfix"))
			sd_finding_fix(f, "Postfix: smtpd_tls_protocols = >=%s and smtpd_tls_mandatory_protocols = >=%s "
				       "in main.cf (or in master.cf, when this listener overrides them with -o), then "
				       "'postfix reload'", minv, minv);
		else if (made_by(s, "exchange"))
			sd_finding_fix(f, "Exchange: disable the TLS versions below %s in SCHANNEL (and enable %s for "
				       ".NET), then restart the server", minv, minv);
		else
			sd_finding_fix(f, "allow only %s and later in the server's TLS settings (its minimum protocol "
				       "version), then reload it", minv);
	}
	/* a key exchange common senders refuse: OpenSSL security level 2 (the
	 * default of Debian, Ubuntu, RHEL) wants 112-bit strength, DH >= 2048 */
	sd_report_fact_int(r, "kx_bits", t->kx_bits);
	if ((t->kx_finite_field && t->kx_bits > 0 && t->kx_bits < 2048) ||
	    (!t->kx_finite_field && t->kx_security_bits > 0 && t->kx_security_bits < 128)) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "starttls.weak_dh",
						  "weak key exchange: %s (%d-bit %s)", t->group[0] ? t->group : "?",
						  t->kx_bits, t->kx_finite_field ? "finite-field DH group" : "curve");
		sd_finding_cause(f, "%s; senders with the common OpenSSL security level 2 (Debian, Ubuntu and RHEL "
				    "defaults: 'dh key too small') %s, so they fall back to plain text or defer the mail",
				 t->kx_finite_field ? "the server's DHE group is below 2048 bits (Logjam range)"
						    : "the server's ECDHE curve is below 256 bits",
				 t->kx_finite_field || t->kx_security_bits < 112 ? "cannot complete the TLS handshake"
										  : "at a higher level cannot complete it");
		sd_finding_fix(f, t->kx_finite_field
					  ? "use a DH group of 2048 bits or more (an RFC 7919 ffdhe group) in the server's "
					    "TLS settings, or prefer ECDHE suites"
					  : "offer X25519 and P-256 in the server's list of ECDHE curves (groups)");
	}
	if (!t->forward_secrecy && sd_param_bool(p, "require_forward_secrecy")) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "starttls.no_forward_secrecy",
						  "key exchange without forward secrecy (%s)", t->cipher);
		sd_finding_cause(f, "a static RSA key exchange: whoever gets the server's key later can decrypt "
				    "recorded sessions");
		sd_finding_fix(f, "remove the static-RSA key exchange suites (TLS_RSA_*) from the server's cipher "
				  "list; keep the ECDHE suites");
	}
}

/* The enforcement probe's connection, run on a thread beside the main
 * session's STARTTLS: what it saw, judged after the join. */
typedef struct probe {
	sd_session *f;          /* opened from the main session before the thread starts */
	int main_starttls;      /* the main session's EHLO offered STARTTLS */
	int answered, starttls, auth_plain, code;
	double greeting_ms;     /* that connection's greeting, ms (negative: none) */
	char note[600];         /* what it saw, for the report after the handshake's lines */
	char enhanced[16];
	const char *kind;       /* the knowledge base's kind of the MAIL reply */
	char said[256], error[300];
	pthread_t th;
	int threaded;
} probe;

/* probe_run - on the fresh plain connection: EHLO, MAIL FROM:<>, then RSET and QUIT */
static void *probe_run(void *arg)
{
	probe *pr = arg;
	sd_session *f = pr->f;
	const sd_ehlo *e = sd_session_ehlo(f);
	const sd_reply *m = e != NULL ? sd_session_command(f, "MAIL FROM:<>") : NULL;

	pr->greeting_ms = sd_session_phase_ms(f, SD_PHASE_GREETING);

	if (m == NULL) {
		const char *msg;
		sd_session_error(f, &msg);
		snprintf(pr->error, sizeof(pr->error), "%s", msg);
	} else {
		pr->answered = 1;
		pr->starttls = sd_ehlo_find(e, "STARTTLS") != NULL;
		pr->auth_plain = sd_ehlo_find(e, "AUTH") != NULL;
		pr->code = m->code;
		snprintf(pr->enhanced, sizeof(pr->enhanced), "%s", m->enhanced);
		pr->kind = sd_diagnose_reply(f, "mail", m);
		/* the reply belongs to the probe session: keep what we need before freeing it */
		snprintf(pr->said, sizeof(pr->said), "%d %s", m->code, m->nlines ? m->lines[0] : "");
		/* an accepted MAIL is reset by the core before QUIT (in one
		 * group with it when the server offers PIPELINING) */
	}
	sd_session_free(f);
	pr->f = NULL;
	return NULL;
}

/* probe_start - the enforcement probe on a thread (inline without one) */
static void probe_start(sd_session *s, probe *pr)
{
	const sd_ehlo *main_e = sd_session_ehlo_plain(s) != NULL ? sd_session_ehlo_plain(s) : sd_session_ehlo(s);

	memset(pr, 0, sizeof(*pr));
	pr->main_starttls = sd_ehlo_find(main_e, "STARTTLS") != NULL;
	pr->f = sd_session_open_fresh(s);
	pr->threaded = pthread_create(&pr->th, NULL, probe_run, pr) == 0;
	if (!pr->threaded)
		probe_run(pr);
}

/* probe_note - the probe's own line, after the lines of the handshake */
static void probe_note(const probe *pr, sd_report *r)
{
	if (pr->note[0] != '\0')
		sd_report_note(r, "%s", pr->note);
}

/* probe_enforcement - judge the fresh plain connection: MAIL FROM before STARTTLS? */
static void probe_enforcement(probe *pr, const sd_params *p, sd_report *r)
{
	int expect = sd_param_bool(p, "expect_enforced");

	if (pr->threaded)
		pthread_join(pr->th, NULL);
	if (!pr->answered) {
		sd_report_note(r, "TLS enforcement not probed: %s", pr->error);
		return;
	}
	/* what the probe saw, and why this check took long when it did: a
	 * greeting delay (postscreen, greet_pause) counts on every connection */
	char waited[160] = "";
	if (pr->greeting_ms >= 1000)
		snprintf(waited, sizeof(waited), "; that connection waited %.1f s for its greeting (the server's "
			 "greeting delay counts again on every connection)", pr->greeting_ms / 1000);
	snprintf(pr->note, sizeof(pr->note), "without STARTTLS, on a second connection: MAIL FROM:<> answered "
		 "\"%.120s\"%s", pr->said, waited);
	/* the same address, another connection, and no STARTTLS: unlike nodes */
	if (pr->main_starttls && !pr->starttls) {
		sd_report_fact_bool(r, "starttls_consistent", false);
		sd_finding *fd = sd_report_finding(r, SD_WARN, "starttls.inconsistent",
						   "STARTTLS offered on 1 of 2 connections: the second connection's EHLO "
						   "reply did not offer it");
		sd_finding_cause(fd, "connections to the same address get different EHLO replies: a load "
				     "balancer in front of nodes configured differently (one without TLS or a "
				     "certificate), or a server that offers TLS only sometimes; senders that reach "
				     "such a node deliver in plain text");
		sd_finding_fix(fd, "give every node behind the address the same TLS configuration (the same "
				   "certificate and TLS settings on each)");
	}
	int auth_plain = pr->auth_plain;
	const char *kind = pr->kind;
	/* "530 5.7.0 Authentication required" (RFC 4954 6) and Exim's "550 5.7.0
	 * authentication required" want AUTH, not STARTTLS: 530 and 5.7.0 are
	 * STARTTLS's only when the words do not say authentication */
	int auth_kind = kind != NULL && (strcmp(kind, "smtp.auth_required") == 0 ||
					 strcmp(kind, "smtp.submission_auth_required") == 0);
	int refused = !auth_kind &&
		      (pr->code == 530 || (pr->code / 100 == 5 && strncmp(pr->enhanced, "5.7.0", 5) == 0));
	/* the same refusal in other words: 554 5.7.0 "Encryption required", 5.7.11 */
	if (pr->code / 100 == 5 && kind != NULL &&
	    (strcmp(kind, "smtp.starttls_required") == 0 || strcmp(kind, "smtp.encryption_required") == 0))
		refused = 1;
	const char *said = pr->said;
	/* a submission listener that wants AUTH before MAIL (chasquid: "550
	 * 5.7.9 Mail to submission port must be authenticated") and offers AUTH
	 * only after STARTTLS: no mail without TLS either */
	int auth_first = auth_kind && pr->code / 100 == 5;   /* auth_kind: never 'refused' */
	sd_report_fact_bool(r, "tls_enforced", (refused || auth_first) && !auth_plain);
	sd_report_fact_str(r, "mail_from_without_tls", "%s", said);

	if (auth_first && !auth_plain) {
		if (!expect)
			return;   /* an MX that wants AUTH: the relay and auth checks say what that means */
		sd_finding *fd = sd_report_finding(r, SD_OK, "starttls.enforced",
						   "TLS required in effect: MAIL FROM without authentication is refused "
						   "(%s) and AUTH is offered only after STARTTLS", said);
		sd_finding_cause(fd, "no transaction can start before the client has authenticated, and it can "
				     "authenticate only over TLS");
		sd_finding_fix(fd, "client side: configure the mail client to use STARTTLS and authenticate");
		return;
	}

	if (refused && !auth_plain && expect) {
		sd_finding *fd = sd_report_finding(r, SD_OK, "starttls.enforced",
						   "TLS required: MAIL FROM before STARTTLS is refused (%s)", said);
		sd_finding_cause(fd, "the server requires STARTTLS before a transaction; a client that receives "
				     "'530 Must issue a STARTTLS command first' is not using STARTTLS and must be "
				     "configured to");
		sd_finding_fix(fd, "client side: configure the sending client or MTA to use STARTTLS "
				   "(opportunistic or required TLS)");
		return;
	}
	if (refused && !auth_plain) {
		/* an MX profile: every sender must be able to deliver, TLS or not */
		sd_finding *fd = sd_report_finding(r, SD_WARN, "starttls.required",
						   "MAIL FROM before STARTTLS is refused (%s): senders without TLS "
						   "cannot deliver to this MX", said);
		sd_finding_cause(fd, "the server requires TLS before a transaction (its 'require TLS' setting on "
				     "this listener, or a rule that refuses unencrypted MAIL); RFC 3207 section 4: a publicly-referenced SMTP server must not "
				     "require STARTTLS, so senders without TLS, or whose handshake with this server "
				     "fails, bounce or defer their mail");
		sd_finding_fix(fd, "on port 25 offer TLS without requiring it (keep TLS required on the submission "
				   "port 587); to require TLS from senders that can do it, publish MTA-STS or DANE "
				   "instead");
		return;
	}
	if (expect) {
		sd_finding *fd = sd_report_finding(r, SD_WARN, "starttls.not_enforced",
						   "STARTTLS is offered but not enforced: %s without TLS",
						   auth_plain ? "AUTH is offered" : "MAIL FROM is accepted");
		sd_finding_cause(fd, "an attacker on the path can strip STARTTLS from the EHLO reply and the client "
				     "falls back to plain text, credentials included");
		sd_finding_fix(fd, "on this submission listener require TLS before MAIL FROM and offer AUTH only "
				   "after STARTTLS (the server's 'require TLS' and 'TLS before authentication' "
				   "settings)");
	}
}

/* inspected - signs of a firewall's SMTP inspection (Cisco ASA/PIX ESMTP
 * inspection): a greeting of asterisks and digits, or STARTTLS masked as
 * 'XXXXXXXA' in the EHLO reply */
static int inspected(sd_session *s, const sd_ehlo *e)
{
	const sd_reply *g = sd_session_greeting(s);
	const char *l = g != NULL && g->nlines > 0 ? g->lines[0] : "";
	size_t stars = 0, digits = 0, bad = 0;

	for (const char *c = l; *c != '\0'; c++)
		stars += *c == '*', digits += *c >= '0' && *c <= '9', bad += *c != '*' && *c != ' ' &&
									   !(*c >= '0' && *c <= '9');
	if (stars >= 6 && stars >= digits && bad == 0)
		return 1;
	for (size_t i = 0; e != NULL && i < e->ncaps; i++) {
		size_t n = strlen(e->caps[i].keyword);
		if (n > 4 && strspn(e->caps[i].keyword, "X") == n - 1 && e->caps[i].keyword[n - 1] == 'A')
			return 1;
	}
	return 0;
}

#define INSPECTION_CAUSE                                                                                       \
	"a firewall in front of the server inspects SMTP (Cisco ASA 'inspect esmtp', PIX 'fixup smtp'): it "    \
	"masks the greeting with asterisks, replaces STARTTLS in the EHLO reply by 'XXXXXXXA' and answers 500 " \
	"to the STARTTLS command; the mail server behind it may well have TLS configured"
#define INSPECTION_FIX                                                                                           \
	"turn off ESMTP inspection on the firewall, not on the mail server: policy-map global_policy, class "     \
	"inspection_default, 'no inspect esmtp' (PIX: 'no fixup protocol smtp 25'), or an ESMTP inspection "      \
	"policy-map with 'allow-tls'"

/* client_cert_required - the server asked for a client certificate and
 * ended the handshake (ALERT) when none came */
static void client_cert_required(sd_report *r, const char *alert, const char *version)
{
	sd_finding *f = sd_report_finding(r, SD_CRIT, "starttls.client_cert_required",
					  "the server requires a client certificate: %s alert after its "
					  "CertificateRequest%s%s", alert[0] ? alert : "an", version ? ", " : "",
					  version ? version : "");
	sd_finding_detail(f, "alert", "%s", alert);
	sd_finding_cause(f, "the listener demands a certificate from every client (its 'require client "
			    "certificates' setting, or a mutual-TLS relay setup); senders without one, which is nearly every MTA on the Internet, cannot "
			    "use TLS with it and fall back to plain text or defer");
	sd_finding_fix(f, "on a public MX ask for client certificates without requiring them; require them "
			  "only on a relay port for known partners");
}

/* failed - report why STARTTLS or the TLS handshake failed from the session's
 * error and last reply */
static sd_run_status failed(sd_session *s, sd_report *r)
{
	const char *msg;
	sd_error e = sd_session_error(s, &msg);
	const sd_reply *last = sd_session_last_reply(s);
	sd_finding *f;

	sd_report_fact_str(r, "error", "%s", sd_error_name(e));
	if (e == SD_ERR_STATE && last != NULL && last->code != 220 && sd_session_tls(s) == NULL) {
		if ((last->code == 500 || last->code == 502) && inspected(s, sd_session_ehlo_plain(s))) {
			f = sd_report_finding(r, SD_CRIT, "starttls.refused",
					      "a firewall's SMTP inspection strips STARTTLS: %s", msg);
			sd_finding_cause(f, INSPECTION_CAUSE);
			sd_finding_fix(f, INSPECTION_FIX);
			return SD_RUN_FAILED;
		}
		f = sd_report_finding(r, SD_CRIT, "starttls.refused", "%s", msg);
		sd_finding_cause(f, last->code == 454
					    ? "the server advertises STARTTLS but cannot start TLS: its certificate or key "
					      "is missing or unreadable (the server's log names the file)"
					    : "the server advertises STARTTLS but refuses the command");
		sd_finding_fix(f, "check the certificate and key files the server's TLS settings name, and that "
				  "the server may read them; then reload the server");
	} else if (e == SD_ERR_SERVICE_CLOSING) {
		f = sd_report_finding(r, SD_CRIT, "starttls.service_closing", "%s", msg);
	} else if (sd_session_tls(s) == NULL && last != NULL && last->code != 220 &&
		   (e == SD_ERR_TIMEOUT || e == SD_ERR_CLOSED || e == SD_ERR_RESET || e == SD_ERR_IO)) {
		/* the STARTTLS command itself got no answer: no handshake was tried */
		f = sd_report_finding(r, SD_CRIT, "starttls.no_reply", "no answer to STARTTLS: %s", msg);
		sd_finding_cause(f, e == SD_ERR_TIMEOUT
					    ? "the server advertises STARTTLS but does not answer it: overload, or a "
					      "middlebox that passes EHLO but swallows STARTTLS"
					    : "the server (or a firewall in front of it) dropped the connection when "
					      "STARTTLS was sent: a crashing TLS setup (the server's log shows a fatal "
					      "TLS error), or an SMTP inspection device");
		sd_finding_fix(f, "look in the server's log at the time of this test; try from another network "
				  "to rule out an inspection device");
	} else if (sd_session_tls(s) != NULL) {
		f = sd_report_finding(r, SD_CRIT, "starttls.ehlo_after_tls", "EHLO after the TLS handshake failed: %s",
				      msg);
		sd_finding_cause(f, "the session broke right after the handshake (RFC 3207 4.2 requires a new EHLO)");
	} else if (strstr(msg, "requires a client certificate") != NULL) {
		const char *a = strstr(msg, "(");
		char alert[48] = "";
		if (a != NULL)
			sscanf(a + 1, "%47[a-z_]", alert);
		client_cert_required(r, alert, NULL);
		if (sd_session_tls_broken(s) != NULL)
			return SD_RUN_DONE; /* its certificate came first: let it be judged */
	} else {
		f = sd_report_finding(r, SD_CRIT, "starttls.handshake_failed", "TLS handshake failed: %s", msg);
		sd_finding_cause(f, e == SD_ERR_TIMEOUT
					    ? "the server accepted STARTTLS but never completed the handshake: a "
					      "middlebox holding the connection, or a server stuck loading its TLS setup"
					    : "the server's TLS configuration is broken or offers nothing this client can "
					      "use (see the OpenSSL detail)");
		sd_finding_fix(f, "look in the server's log at the time of this test (raise its TLS log level if "
				  "it logs nothing)");
	}
	return SD_RUN_FAILED;
}

/* run - the starttls check: STARTTLS (or implicit TLS) and the TLS session it gives */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	const char *mode = sd_session_tls_mode(s);

	if (strcmp(mode, "implicit") == 0) {
		sd_report_phase(r, "TLS (implicit, SMTPS)");
		const sd_tls_info *t = sd_session_tls(s);
		if (t == NULL)
			return failed(s, r);
		describe(s, r, t, p);
		return SD_RUN_DONE;
	}
	sd_report_phase(r, "STARTTLS");
	if (strcmp(mode, "none") == 0) {
		sd_report_finding(r, SD_INFO, "starttls.not_requested", "TLS not tested (--tls none)");
		return SD_RUN_FAILED;
	}
	const sd_ehlo *e = sd_session_ehlo(s);
	if (e == NULL)
		return failed(s, r);
	sd_report_fact_bool(r, "advertised", sd_ehlo_find(e, "STARTTLS") != NULL);
	if (sd_ehlo_find(e, "STARTTLS") == NULL) {
		int masked = inspected(s, e);
		int required = sd_param_bool(p, "required");
		sd_finding *f = masked ? sd_report_finding(r, required ? SD_CRIT : SD_WARN, "starttls.missing",
							   "a firewall's SMTP inspection strips STARTTLS: mail to this "
							   "server travels unencrypted")
				       : sd_report_finding(r, required ? SD_CRIT : SD_WARN, "starttls.missing",
							   "STARTTLS is not offered: mail to this server travels "
							   "unencrypted");
		sd_finding_cause(f, masked ? INSPECTION_CAUSE
					   : "TLS is not enabled on this listener, or no certificate is configured");
		sd_finding_fix(f, masked ? INSPECTION_FIX
					 : "enable TLS on this listener: a certificate for the server's name (with its "
					   "intermediates) and its key in the server's TLS settings, STARTTLS turned on, "
					   "then reload the server");
		/* the firewall's fix, not the mail server's: no vendor's words replace it */
		if (masked)
			sd_finding_kind(f, "starttls.stripped_by_inspection");
		if (sd_param_bool(p, "probe_enforcement") && sd_param_bool(p, "expect_enforced")) {
			probe pr;
			probe_start(s, &pr);
			probe_enforcement(&pr, p, r);
			probe_note(&pr, r);
		}
		return SD_RUN_FAILED;
	}
	/* the probe's plain connection runs beside this session's STARTTLS */
	probe pr;
	int probing = sd_param_bool(p, "probe_enforcement");
	if (probing)
		probe_start(s, &pr);
	int rc = sd_session_starttls(s);
	if (probing)
		probe_enforcement(&pr, p, r);
	else
		pr.note[0] = '\0';
	if (rc != 0) {
		const sd_tls_info *t = sd_session_tls(s);
		if (t != NULL && t->cert_requested && t->alert[0] != '\0') {
			/* TLS 1.3: the server judges our (empty) Certificate after
			 * our Finished, so its alert came with the first read */
			describe(s, r, t, p);
			client_cert_required(r, t->alert, t->version);
			probe_note(&pr, r);
			return SD_RUN_DONE; /* its certificate was received: let it be judged */
		}
		sd_run_status st = failed(s, r);
		probe_note(&pr, r);
		return st;
	}
	describe(s, r, sd_session_tls(s), p);
	caps_diff(r, sd_session_ehlo_plain(s), sd_session_ehlo(s));
	probe_note(&pr, r);
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(starttls) = {
	.abi = SD_PLUGIN_ABI,
	.name = "starttls",
	.title = "STARTTLS",
	.summary = "STARTTLS or implicit TLS: advertised, accepted, negotiated version/cipher/group, enforcement",
	.requires = requires,
	.params = params,
	.run = run,
};
