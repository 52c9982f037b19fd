/* SPDX-License-Identifier: MIT */
/*
 * user_enum.c - check "user-enum": can anyone learn which mailboxes exist?
 *
 * The probes of nmap's smtp-enum-users, each asked for a mailbox that must
 * exist (postmaster, RFC 5321 4.5.1) and for one that cannot: VRFY, EXPN,
 * and RCPT TO after MAIL FROM:<> (then RSET; nothing is sent). A method
 * discloses existence when the two answers differ (250/251 against 550).
 * VRFY or EXPN doing so is a leak to report; RCPT doing so is what a
 * server should do (refusing unknown recipients avoids backscatter), so it
 * is noted with the usual mitigation rather than flagged. A temporary
 * answer (4xx: greylisting, rate limits) to either address says nothing
 * about existence: that method is "not determined", never "same answer",
 * and a 2xx against a 4xx is not disclosure either. Neither is a syntax
 * error or "not implemented" (500/501/502/504) for the unknown address:
 * Exim answers "VRFY postmaster" with 252 but a bare local part that is
 * not postmaster with 501 (the address must contain a domain); VRFY is
 * then asked again with full addresses (local@domain), and if that is
 * refused too, VRFY tells nothing ("refused"), never user_enum.vrfy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <smtpdiag/plugin.h>

static const char *const requires[] = { "ehlo", NULL };

static const sd_param_spec params[] = {
	{ "known_user", SD_PARAM_STRING, "postmaster", "a mailbox that exists (RFC 5321: postmaster always does)" },
	{ "domain", SD_PARAM_STRING, "", "the domain of the addresses (default: the name in the EHLO reply)" },
	{ NULL, 0, NULL, NULL },
};

typedef enum { M_UNKNOWN, M_DISABLED, M_NO_ANSWER_GIVEN, M_SAME, M_DISCLOSES, M_TEMPORARY, M_REFUSED } method_verdict;

/* refused_form - 500/501/502/504: the command or its argument was refused, whoever it names */
static int refused_form(int code)
{
	return code == 500 || code == 501 || code == 502 || code == 504;
}

/* judge - what a pair of answers (existing, random) says */
static method_verdict judge(const sd_reply *known, const sd_reply *random)
{
	if (known == NULL || random == NULL)
		return M_UNKNOWN;
	int k = known->code, x = random->code;
	if (k / 100 == 4 || x / 100 == 4)
		return M_TEMPORARY; /* greylisted or deferred: the final answer was not given */
	if (k == 502 || k == 500 || k == 504 || (k == 550 && x == 550 && strstr(known->enhanced, "5.5") != NULL))
		return M_DISABLED;
	if (refused_form(x))
		return M_REFUSED; /* a syntax error or not implemented says nothing about the mailbox */
	if (k == 252 && x == 252)
		return M_NO_ANSWER_GIVEN; /* "cannot VRFY user, but will accept" (RFC 5321 3.5.3) */
	if (k / 100 == 2 && x / 100 == 5)
		return M_DISCLOSES;
	return M_SAME;
}

/* verdict_name - the words of enumeration verdict V */
static const char *verdict_name(method_verdict v)
{
	static const char *const n[] = { "no answer", "disabled", "answers 252 (no information)", "same answer",
					 "discloses existence", "not determined (greylisted / temporary)",
					 "refused (syntax error or not implemented: no information)" };
	return n[v];
}

/* pair_fact - record a method's verdict V and its replies for the known (A) and
 * unknown (B) user as map KEY */
static void pair_fact(sd_report *r, const char *key, const sd_reply *a, const sd_reply *b, method_verdict v)
{
	sd_report_fact_map_add(r, key, "verdict", verdict_name(v));
	if (a != NULL) {
		char t[160];
		snprintf(t, sizeof(t), "%d %s", a->code, a->nlines ? a->lines[0] : "");
		sd_report_fact_map_add(r, key, "known", t);
	}
	if (b != NULL) {
		char t[160];
		snprintf(t, sizeof(t), "%d %s", b->code, b->nlines ? b->lines[0] : "");
		sd_report_fact_map_add(r, key, "unknown", t);
	}
}

/* run - the user_enum check: do VRFY, EXPN or RCPT answer differently for a
 * known and an unknown user */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	const sd_ehlo *e = sd_session_ehlo(s);
	const char *domain = sd_param_string(p, "domain");
	const char *known = sd_param_string(p, "known_user");
	char kaddr[320], xaddr[320], xuser[80];
	struct timespec ts;

	sd_report_phase(r, "Mailbox enumeration (VRFY, EXPN, RCPT)");
	if (domain == NULL || *domain == '\0')
		domain = e != NULL && e->domain != NULL && *e->domain ? e->domain : sd_session_server(s);
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(xuser, sizeof(xuser), "smtpdiag-nosuchuser-%lx%lx", (unsigned long)ts.tv_nsec, (unsigned long)getpid());
	snprintf(kaddr, sizeof(kaddr), "%s@%s", known, domain);
	snprintf(xaddr, sizeof(xaddr), "%s@%s", xuser, domain);

	sd_session *f = sd_session_open_fresh(s);
	if (sd_session_ehlo(f) == NULL) {
		const char *msg;
		sd_session_error(f, &msg);
		sd_report_finding(r, SD_CHECK_ERROR, "user_enum.no_session", "could not open a session: %s", msg);
		sd_session_free(f);
		return SD_RUN_ERROR;
	}
	const sd_reply *vk = sd_session_command(f, "VRFY %s", known);
	const sd_reply *vx = vk != NULL ? sd_session_command(f, "VRFY %s", xuser) : NULL;
	const char *vkn = known, *vxn = xuser;
	if (vk != NULL && vx != NULL && vk->code / 100 == 2 && refused_form(vx->code)) {
		/* the bare local part is a syntax error here (Exim: "must contain
		 * a domain"): ask again as VRFY is meant, with full addresses */
		const sd_reply *fk = sd_session_command(f, "VRFY %s", kaddr);
		const sd_reply *fx = fk != NULL ? sd_session_command(f, "VRFY %s", xaddr) : NULL;
		if (fx != NULL) {
			vk = fk, vx = fx;
			vkn = kaddr, vxn = xaddr;
		}
	}
	method_verdict vrfy = judge(vk, vx);
	pair_fact(r, "vrfy", vk, vx, vrfy);
	const sd_reply *ek = vx != NULL ? sd_session_command(f, "EXPN %s", known) : NULL;
	const sd_reply *ex = ek != NULL ? sd_session_command(f, "EXPN %s", xuser) : NULL;
	method_verdict expn = judge(ek, ex);
	pair_fact(r, "expn", ek, ex, expn);
	const sd_reply *m = ex != NULL ? sd_session_command(f, "MAIL FROM:<>") : NULL;
	const sd_reply *rk = NULL, *rx = NULL;
	if (m != NULL && m->code / 100 == 2) {
		rk = sd_session_command(f, "RCPT TO:<%s>", kaddr);
		rx = rk != NULL ? sd_session_command(f, "RCPT TO:<%s>", xaddr) : NULL;
		if (rx != NULL)
			sd_session_command(f, "RSET"); /* never DATA */
	}
	method_verdict rcpt = judge(rk, rx);
	pair_fact(r, "rcpt", rk, rx, rcpt);

	if (vrfy == M_DISCLOSES) {
		sd_finding *fd = sd_report_finding(r, SD_WARN, "user_enum.vrfy",
						   "VRFY tells whether a mailbox exists (%s: %d, %s: %d)", vkn, vk->code,
						   vxn, vx->code);
		sd_finding_cause(fd, "VRFY answers for real mailboxes: anyone can harvest valid addresses for spam "
				     "and password guessing");
		sd_finding_fix(fd, "disable VRFY, or answer every VRFY with 252 (RFC 5321 3.5.3)");
	}
	if (expn == M_DISCLOSES) {
		sd_finding *fd = sd_report_finding(r, SD_WARN, "user_enum.expn",
						   "EXPN tells whether a mailbox or list exists (%s: %d, %s: %d)", known,
						   ek->code, xuser, ex->code);
		sd_finding_cause(fd, "EXPN expands addresses and lists for anyone");
		sd_finding_fix(fd, "disable EXPN");
	}
	if (rcpt == M_DISCLOSES) {
		sd_finding *fd = sd_report_finding(r, SD_INFO, "user_enum.rcpt",
						   "RCPT TO tells whether a mailbox exists (%d against %d), as it should",
						   rk->code, rx->code);
		sd_finding_cause(fd, "the server refuses unknown recipients during the SMTP dialogue, which avoids "
				     "backscatter but lets a client test addresses one by one");
		sd_finding_fix(fd, "keep it, and limit how fast one client can try recipients");
	}
	const char *tmp_name[3] = { "VRFY", "EXPN", "RCPT" };
	const sd_reply *tmp_pair[3][2] = { { vk, vx }, { ek, ex }, { rk, rx } };
	method_verdict tmp_v[3] = { vrfy, expn, rcpt };
	for (int i = 0; i < 3; i++) {
		if (tmp_v[i] != M_TEMPORARY)
			continue;
		const sd_reply *a = tmp_pair[i][0], *b = tmp_pair[i][1];
		const sd_reply *t4 = a->code / 100 == 4 ? a : b;
		sd_finding *fd = sd_report_finding(r, SD_INFO, "user_enum.not_determined",
						   "%s not determined: a temporary answer (%s: %d, %s: %d)", tmp_name[i],
						   known, a->code, xuser, b->code);
		sd_finding_detail(fd, "method", "%s", tmp_name[i]);
		const char *kind = sd_diagnose_reply(s, "rcpt", t4);
		sd_finding_cause(fd, "%s %d %s is a temporary refusal (%s): the server did not give its final "
				     "answer, so the two addresses cannot be compared", tmp_name[i], t4->code,
				 t4->nlines ? t4->lines[0] : "",
				 kind != NULL && strcmp(kind, "smtp.greylisted") == 0 ? "greylisting" : "greylisting, a rate "
				 "limit or a lookup failure");
		sd_finding_fix(fd, "nothing to fix for enumeration; to test it, whitelist this client from "
				   "greylisting (the greylisting service's client whitelist: this client's address) "
				   "and run again");
	}
	sd_report_summary(r, "VRFY %s, EXPN %s, RCPT %s", verdict_name(vrfy), verdict_name(expn), verdict_name(rcpt));
	sd_session_free(f); /* last: the replies above belong to it */
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(user_enum) = {
	.abi = SD_PLUGIN_ABI,
	.name = "user-enum",
	.title = "Mailbox enumeration",
	.summary = "whether VRFY, EXPN or RCPT TO disclose which mailboxes exist (probes nmap's smtp-enum-users uses)",
	.requires = requires,
	.params = params,
	.run = run,
};
