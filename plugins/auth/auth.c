/* SPDX-License-Identifier: MIT */
/*
 * auth.c - check "auth": SMTP AUTH (RFC 4954) as a client would meet it.
 *
 * Lists the mechanisms offered before and after STARTTLS and, when the
 * operator gave credentials (--auth-user with --auth-password-file or
 * SMTPDIAG_PASSWORD), logs in with the requested or the strongest offered
 * mechanism among SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, PLAIN and LOGIN.
 * A refusal is read by the knowledge base (535 bad credentials, 534 too
 * weak, 538 encryption required, 454 temporary, ...). Passwords are never
 * sent in clear text (PLAIN/LOGIN without TLS) unless the profile allows
 * it, never reported, and the transcript shows every secret line redacted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <smtpdiag/plugin.h>

#include "sasl.h"

static const char *const requires[] = { "ehlo", NULL };

static const sd_param_spec params[] = {
	{ "mechanism", SD_PARAM_STRING, "", "mechanism to log in with (default: the strongest offered)" },
	{ "starttls", SD_PARAM_BOOL, "true", "use STARTTLS first when the server offers it" },
	{ "allow_cleartext", SD_PARAM_BOOL, "false", "send PLAIN/LOGIN passwords over an unencrypted connection" },
	{ "require", SD_PARAM_BOOL, "false", "AUTH must be offered (for submission servers)" },
	{ NULL, 0, NULL, NULL },
};

/* strongest first; the ones this check speaks */
static const char *const spoken[] = { "SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "PLAIN", "LOGIN", NULL };

/* auth_cap - the AUTH capability of EHLO reply E, or the old AUTH=LOGIN form (NULL when neither) */
static const sd_capability *auth_cap(const sd_ehlo *e)
{
	const sd_capability *c = e != NULL ? sd_ehlo_find(e, "AUTH") : NULL;
	return c != NULL ? c : e != NULL ? sd_ehlo_find(e, "AUTH=LOGIN") : NULL;
}

/* offers - does AUTH capability C offer mechanism MECH */
static int offers(const sd_capability *c, const char *mech)
{
	if (c != NULL && strcasecmp(c->keyword, "AUTH=LOGIN") == 0)
		return strcasecmp(mech, "LOGIN") == 0;
	for (size_t i = 0; c != NULL && i < c->nargs; i++)
		if (strcasecmp(c->args[i], mech) == 0)
			return 1;
	return 0;
}

/* list_fact - the mechanisms of AUTH capability C as list fact KEY ("" when none) */
static void list_fact(sd_report *r, const char *key, const sd_capability *c)
{
	if (c == NULL) {
		sd_report_fact_str(r, key, "%s", "");
		return;
	}
	if (strcasecmp(c->keyword, "AUTH=LOGIN") == 0)
		sd_report_fact_list_add(r, key, "LOGIN");
	for (size_t i = 0; i < c->nargs; i++)
		sd_report_fact_list_add(r, key, c->args[i]);
}

/* b64 of a 334 challenge line's text */
static const char *challenge(const sd_reply *r)
{
	return r != NULL && r->code == 334 && r->nlines > 0 ? r->lines[0] : NULL;
}

/* b64_valid - does the challenge TEXT decode as base64? */
static int b64_valid(const char *text)
{
	size_t n;
	unsigned char *v = sasl_unb64(text, &n);

	free(v);
	return v != NULL;
}

/* cancel - RFC 4954 4: "*" aborts the exchange */
static const sd_reply *cancel(sd_session *s)
{
	return sd_session_command_secret(s, "*");
}

/* login - run MECH; the final reply, or NULL if the connection failed.
 * *why is set when we gave up on our side (malformed challenge, server
 * not proven by SCRAM). */
static const sd_reply *login(sd_session *s, const char *mech, const char *user, const char *pass, const char **why,
			     int *server_proven)
{
	const sd_reply *r = NULL;
	char *msg = NULL;

	*why = NULL;
	*server_proven = -1;
	if (strcasecmp(mech, "PLAIN") == 0) {
		msg = sasl_plain(user, pass);
		if (msg != NULL)
			r = sd_session_command(s, "AUTH PLAIN %s", msg); /* the transcript redacts it */
	} else if (strcasecmp(mech, "LOGIN") == 0) {
		/* the prompts ("Username:", "Password:") carry no data, but a
		 * prompt that is not base64 means we are not talking to a SASL
		 * server: nothing secret is sent to it */
		r = sd_session_command(s, "AUTH LOGIN");
		if (challenge(r) != NULL && !b64_valid(challenge(r))) {
			*why = "the server's LOGIN prompt is not base64";
			r = cancel(s);
		} else if (challenge(r) != NULL) {
			msg = sasl_b64(user, strlen(user));
			r = msg != NULL ? sd_session_command_secret(s, msg) : cancel(s);
			sasl_free_secret(msg);
			msg = NULL;
			if (challenge(r) != NULL && !b64_valid(challenge(r))) {
				*why = "the server's LOGIN password prompt is not base64";
				r = cancel(s);
			} else if (challenge(r) != NULL) {
				msg = sasl_b64(pass, strlen(pass));
				r = msg != NULL ? sd_session_command_secret(s, msg) : cancel(s);
			}
		}
	} else if (strcasecmp(mech, "CRAM-MD5") == 0) {
		r = sd_session_command(s, "AUTH CRAM-MD5");
		if (challenge(r) != NULL) {
			msg = sasl_cram_md5(user, pass, challenge(r));
			if (msg == NULL)
				*why = "the server's CRAM-MD5 challenge is not base64";
			r = msg != NULL ? sd_session_command_secret(s, msg) : cancel(s);
		}
	} else if (strncasecmp(mech, "SCRAM-SHA-", 10) == 0) {
		sasl_scram sc;
		const char *hash = strcasecmp(mech, "SCRAM-SHA-256") == 0 ? "SHA256" : "SHA1";
		char *first = sasl_scram_first(&sc, hash, user, NULL);
		char *first64 = first != NULL ? sasl_b64(first, strlen(first)) : NULL;
		if (first64 != NULL)
			r = sd_session_command(s, "AUTH %s %s", mech, first64);
		free(first);
		free(first64);
		if (challenge(r) != NULL) {
			size_t n;
			unsigned char *sf = sasl_unb64(challenge(r), &n);
			char *final = sf != NULL ? sasl_scram_final(&sc, (char *)sf, pass, why) : NULL;
			if (sf == NULL)
				*why = "the server's SCRAM challenge is not base64";
			free(sf);
			char *final64 = final != NULL ? sasl_b64(final, strlen(final)) : NULL;
			sasl_free_secret(final);
			r = final64 != NULL ? sd_session_command_secret(s, final64) : cancel(s);
			free(final64);
			if (challenge(r) != NULL) {
				/* server-final-message: it must prove it knows the password */
				unsigned char *v = sasl_unb64(challenge(r), &n);
				*server_proven = v != NULL && sasl_scram_verify(&sc, (char *)v) == 1;
				free(v);
				if (!*server_proven) {
					*why = "the server's SCRAM signature is wrong: it does not know the password";
					r = cancel(s);
				} else {
					r = sd_session_command_secret(s, "");
				}
			}
		}
		sasl_scram_clear(&sc);
	}
	sasl_free_secret(msg);
	return r;
}

/* run - the auth check: list the AUTH mechanisms before and after STARTTLS, and
 * try to log in when credentials are given */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	const sd_ehlo *e = sd_session_ehlo(s);
	const sd_tls_info *tls = sd_session_tls(s);
	const char *user, *pass;

	sd_report_phase(r, "SMTP AUTH");
	if (e == NULL)
		return SD_RUN_FAILED;
	const sd_ehlo *plain = tls != NULL && !tls->implicit ? sd_session_ehlo_plain(s) : tls == NULL ? e : NULL;
	if (plain != NULL)
		list_fact(r, "mechanisms_before_tls", auth_cap(plain));
	if (tls == NULL && sd_param_bool(p, "starttls") && strcmp(sd_session_tls_mode(s), "none") != 0 &&
	    sd_ehlo_find(e, "STARTTLS") != NULL) {
		if (sd_session_starttls(s) != 0) {
			const char *msg;
			sd_session_error(s, &msg);
			/* the check could not look: say so (a compliance requirement
			 * on it is "not tested"), never a bare OK */
			sd_finding *f = sd_report_finding(r, SD_INFO, "auth.not_checked",
							  "AUTH not checked: STARTTLS failed (%s), so the mechanisms "
							  "offered after TLS are unknown", msg);
			sd_finding_cause(f, "the server offers AUTH only over TLS, and the TLS handshake did not "
					    "complete (see the STARTTLS check)");
			sd_finding_fix(f, "mend STARTTLS first; then run the check again");
			sd_report_summary(r, "not checked: STARTTLS failed");
			return SD_RUN_DONE;
		}
		tls = sd_session_tls(s);
		e = sd_session_ehlo(s);
		if (e == NULL)
			return SD_RUN_FAILED;
	}
	const sd_capability *cap = auth_cap(e);
	if (tls != NULL)
		list_fact(r, "mechanisms_after_tls", cap);
	sd_report_fact_bool(r, "encrypted", tls != NULL);
	if (cap == NULL) {
		if (sd_param_bool(p, "require")) {
			sd_finding *f = sd_report_finding(r, SD_CRIT, "auth.not_offered",
							  "AUTH is not offered%s: users cannot log in to send mail",
							  tls != NULL ? " (even after STARTTLS)" : "");
			sd_finding_kind(f, "smtp.auth_disabled");
		}
		sd_report_summary(r, "AUTH not offered%s", tls != NULL ? " (after STARTTLS)" : "");
		return SD_RUN_DONE;
	}
	sd_report_note(r, "%s: %s", tls != NULL ? "after TLS" : "without TLS", cap->params);
	if (!sd_session_credentials(s, &user, &pass)) {
		sd_report_summary(r, "%s%s (no credentials given: login not tried)", cap->params,
				  tls != NULL ? " over TLS" : "");
		return SD_RUN_DONE;
	}

	const char *mech = sd_param_string(p, "mechanism");
	if (mech == NULL || *mech == '\0') {
		mech = NULL;
		for (const char *const *m = spoken; *m != NULL && mech == NULL; m++)
			if (offers(cap, *m))
				mech = *m;
		if (mech == NULL) {
			sd_report_finding(r, SD_WARN, "auth.no_common_mechanism",
					  "none of the offered mechanisms (%s) is one this check speaks", cap->params);
			return SD_RUN_DONE;
		}
	} else if (!offers(cap, mech)) {
		sd_report_note(r, "%s is not advertised; trying it anyway", mech);
	}
	int cleartext = strcasecmp(mech, "PLAIN") == 0 || strcasecmp(mech, "LOGIN") == 0;
	if (tls == NULL && cleartext && !sd_param_bool(p, "allow_cleartext")) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "auth.not_attempted",
						  "login not tried: %s over an unencrypted connection would expose the "
						  "password", mech);
		sd_finding_cause(f, "the server offers no TLS here (or STARTTLS was disabled for this check)");
		sd_finding_fix(f, "enable STARTTLS on the server; to test anyway, allow it: on the command "
				  "line --set auth.allow_cleartext=true, or allow_cleartext: true under the auth "
				  "check in a profile");
		return SD_RUN_DONE;
	}

	sd_report_fact_str(r, "mechanism", "%s", mech);
	const char *why;
	int proven;
	const sd_reply *res = login(s, mech, user, pass, &why, &proven);
	if (proven >= 0)
		sd_report_fact_bool(r, "server_proved_password", proven);
	if (res == NULL) {
		const char *msg;
		sd_session_error(s, &msg);
		sd_report_finding(r, SD_CRIT, "auth.no_answer", "AUTH %s: %s", mech, msg);
		return SD_RUN_FAILED;
	}
	sd_report_fact_int(r, "reply_code", res->code);
	sd_report_fact_str(r, "reply", "%d %s", res->code, res->nlines ? res->lines[0] : "");
	if (why != NULL && strstr(why, "not base64") != NULL) {
		sd_finding *f = sd_report_finding(r, SD_CRIT, "auth.bad_challenge",
						  "AUTH %s: %s; the exchange was cancelled with '*' before any "
						  "credential was sent", mech, why);
		sd_finding_cause(f, "the server's SASL layer is broken, or something that is not a SASL server "
				    "(a proxy, a filter) answers AUTH");
		sd_finding_fix(f, "read the transcript (--transcript); test the same mechanism against the "
				  "server directly");
		return SD_RUN_DONE;
	}
	if (why != NULL) {
		sd_finding *f = sd_report_finding(r, SD_CRIT, "auth.server_not_verified", "AUTH %s: %s", mech, why);
		sd_finding_cause(f, "a man in the middle, or a server whose SCRAM data does not match this password");
		sd_finding_fix(f, "do not use these credentials on this path until the server is verified");
		return SD_RUN_DONE;
	}
	if (res->code == 235) {
		sd_report_fact_bool(r, "login_ok", true);
		sd_report_summary(r, "login with %s accepted%s (%d %s)", mech, tls != NULL ? " over TLS" : "", res->code,
				  res->nlines ? res->lines[0] : "");
		return SD_RUN_DONE;
	}
	sd_report_fact_bool(r, "login_ok", false);
	const char *kind = sd_diagnose_reply(s, "auth", res);
	sd_finding *f = sd_report_finding(r, SD_CRIT, "auth.failed", "login with %s refused: %d %s", mech, res->code,
					  res->nlines ? res->lines[0] : "");
	if (kind != NULL)
		sd_finding_kind(f, kind);
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(auth) = {
	.abi = SD_PLUGIN_ABI,
	.name = "auth",
	.title = "SMTP AUTH",
	.summary = "AUTH mechanisms before/after STARTTLS; login with --auth-user (SCRAM, CRAM-MD5, PLAIN, LOGIN)",
	.requires = requires,
	.params = params,
	.run = run,
};
