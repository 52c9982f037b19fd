/* SPDX-License-Identifier: MIT */
/*
 * relay.c - check "relay": is the server an open relay?
 *
 * The battery of nmap's smtp-open-relay (16 MAIL FROM / RCPT TO pairs:
 * plain, percent hack, quoted, double-@, source routes, UUCP bang paths),
 * each followed by RSET: DATA is never sent, nothing is ever delivered.
 * Postfix and others slow a client down after repeated rejections on one
 * connection (smtpd_error_sleep_time), so the attempts are spread over a
 * few connections run side by side.
 *
 * An RCPT accepted for a form whose final domain is the external one is
 * relaying. A form whose final domain is the server's own (R%E@server,
 * "R@E"@[ip], E!R, ...) can also be a local recipient with an odd name, so
 * one control RCPT for a random local part tells whether the server
 * accepts any local recipient: if it does, those forms prove nothing and
 * are reported as inconclusive rather than as relaying.
 *
 * Built a second time with RELAY_LIGHT as check "relay-light", the default
 * profile's relay test: only the three forms that catch the open relays
 * met in practice (null sender, external sender, sender at the server's
 * own name, each to an external recipient) plus the control recipient, on
 * two connections of its own, in plain SMTP (runner.c runs it beside the
 * main session).
 *
 * When the server advertises PIPELINING (RFC 2920) the attempts of one
 * connection after its first go in one group (MAIL, RCPT, RSET each): two
 * round trips per connection instead of three per attempt.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <smtpdiag/plugin.h>

static const char *const requires[] = { "ehlo", NULL };

static const sd_param_spec params[] = {
	{ "external_domain", SD_PARAM_STRING, "example.net",
	  "a domain the server must not relay to (default: reserved by RFC 2606)" },
	{ "local_domain", SD_PARAM_STRING, "", "the server's own domain (default: the name in its EHLO reply)" },
	{ "sender", SD_PARAM_STRING, "relaytest", "local part of the test senders" },
	{ "recipient", SD_PARAM_STRING, "relaytest", "local part of the test recipients" },
#ifndef RELAY_LIGHT
	{ "connections", SD_PARAM_INT, "4", "connections the battery is spread over, run side by side (1-8)" },
#endif
	{ NULL, 0, NULL, NULL },
};

enum { DEST_EXTERNAL, DEST_LOCAL };       /* the final domain of the recipient form */
enum { R_UNTESTED, R_ACCEPTED, R_DENIED, R_UNKNOWN_USER, R_GREYLISTED, R_TEMPORARY, R_SENDER_REFUSED,
       R_AUTH_REQUIRED, R_FAILED };

typedef struct attempt {
	const char *form;       /* how nmap and the literature name it */
	char from[320], to[320];
	int dest;
	int result;
	char reply[160];        /* "554 5.7.1 ... Relay access denied" */
	const char *kind;       /* knowledge-base kind of the RCPT (or MAIL) reply */
} attempt;

#define NATTEMPTS 16
#define NLIGHT 3        /* relay-light: the first three forms of forms[] */
#define MAXCONN 8

typedef struct battery {
	sd_session *s;
	attempt a[NATTEMPTS + 1];   /* + the local control recipient */
	size_t n;                   /* attempts, the control recipient last */
	int nforms;                 /* forms tried: n - 1 */
	int nconn;
	int over_tls;
	int upgraded;               /* a connection had to STARTTLS first */
	double greeting_max_ms;     /* the longest greeting of its connections (under lock) */
	pthread_mutex_t lock;
} battery;

/* set - set attempt T's address form, destination kind, sender and recipient */
static void set(attempt *t, const char *form, int dest, const char *from, const char *to)
{
	t->form = form;
	t->dest = dest;
	snprintf(t->from, sizeof(t->from), "%s", from);
	snprintf(t->to, sizeof(t->to), "%s", to);
}

/* The 16 forms, in order (relay-light tries the first NLIGHT). In their
 * address templates S is the sender's local part, R the recipient's, E the
 * external domain, L the server's name, I [its address]; any other
 * character stands for itself. */
static const struct form {
	const char *name;       /* attempt.form */
	int dest;
	const char *from, *to;
} forms[NATTEMPTS] = {
	{ "null sender", DEST_EXTERNAL, "", "R@E" },
	{ "external sender", DEST_EXTERNAL, "S@E", "R@E" },
	{ "sender at the server's name", DEST_EXTERNAL, "S@L", "R@E" },
	{ "sender at the server's address", DEST_EXTERNAL, "S@I", "R@E" },
	/* the rest send from the server's own name, the most trusted case */
	{ "percent hack at the address", DEST_LOCAL, "S@L", "R%E@I" },
	{ "percent hack at the name", DEST_LOCAL, "S@L", "R%E@L" },
	{ "quoted address, no domain", DEST_LOCAL, "S@L", "\"R@E\"" },
	{ "quoted percent hack, no domain", DEST_LOCAL, "S@L", "\"R%E\"" },
	{ "double @ at the address", DEST_LOCAL, "S@L", "R@E@I" },
	{ "quoted address at the address", DEST_LOCAL, "S@L", "\"R@E\"@I" },
	{ "double @ at the name", DEST_LOCAL, "S@L", "R@E@L" },
	{ "source route via the address", DEST_EXTERNAL, "S@L", "@I:R@E" },
	{ "source route via the name", DEST_EXTERNAL, "S@L", "@L:R@E" },
	{ "UUCP bang path", DEST_LOCAL, "S@L", "E!R" },
	{ "bang path at the address", DEST_LOCAL, "S@L", "E!R@I" },
	{ "bang path at the name", DEST_LOCAL, "S@L", "E!R@L" },
};

/* expand - address template T with S R E L I replaced by V[0..4] into OUT
 * (SIZE bytes, cut short as snprintf would) */
static void expand(char *out, size_t size, const char *t, const char *const v[5])
{
	static const char names[] = "SRELI";
	size_t k = 0;

	for (; *t != '\0'; t++) {
		const char *p = strchr(names, *t);
		if (p == NULL) {
			if (k + 1 < size)
				out[k++] = *t;
			continue;
		}
		for (const char *w = v[p - names]; *w != '\0' && k + 1 < size; w++)
			out[k++] = *w;
	}
	out[k] = '\0';
}

/* build - the 16 forms of forms[] with S, R, E external, L the server's
 * name, I [its address], then the control recipient */
static void build(battery *b, const char *S, const char *R, const char *E, const char *L, const char *I)
{
	const char *const v[5] = { S, R, E, L, I };
	char x[320], y[320];
	attempt *a = b->a;
	int k = 0;

	for (; k < NATTEMPTS; k++) {
		a[k].form = forms[k].name;
		a[k].dest = forms[k].dest;
		expand(a[k].from, sizeof(a[k].from), forms[k].from, v);
		expand(a[k].to, sizeof(a[k].to), forms[k].to, v);
	}
	expand(x, sizeof(x), "S@L", v);
	/* control: a local part that cannot exist */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(y, sizeof(y), "smtpdiag-nosuchuser-%lx%lx@%s", (unsigned long)ts.tv_nsec,
		 (unsigned long)getpid(), L);
	set(&a[k++], "control: unknown local recipient", DEST_LOCAL, x, y);
	b->n = (size_t)k;
#ifdef RELAY_LIGHT
	a[NLIGHT] = a[k - 1];
	b->n = NLIGHT + 1;
#endif
	b->nforms = (int)b->n - 1;
}

/* keep_reply - keep reply R's code and first line in attempt T */
static void keep_reply(attempt *t, const sd_reply *r)
{
	snprintf(t->reply, sizeof(t->reply), "%d %s", r->code, r->nlines > 0 ? r->lines[0] : "");
}

/* judge - T's result from the replies to its MAIL (M) and RCPT (R, NULL
 * when the MAIL was refused) on session F, as try() judges them */
static void judge(sd_session *f, attempt *t, const sd_reply *m, const sd_reply *r)
{
	if (m->code / 100 != 2) {
		keep_reply(t, m);
		t->kind = sd_diagnose_reply(f, "mail", m);
		t->result = t->kind != NULL && (strcmp(t->kind, "smtp.auth_required") == 0 ||
						strcmp(t->kind, "smtp.starttls_required") == 0)
				    ? R_AUTH_REQUIRED
				    : m->code / 100 == 4 ? R_TEMPORARY : R_SENDER_REFUSED;
		return;
	}
	keep_reply(t, r);
	t->kind = sd_diagnose_reply(f, "rcpt", r);
	const char *k = t->kind != NULL ? t->kind : "";
	if (r->code / 100 == 2)
		t->result = R_ACCEPTED;
	else if (strcmp(k, "smtp.auth_required") == 0 || strcmp(k, "smtp.starttls_required") == 0)
		t->result = R_AUTH_REQUIRED;
	else if (strcmp(k, "smtp.greylisted") == 0)
		t->result = R_GREYLISTED;
	else if (strcmp(k, "smtp.mailbox_unknown") == 0)
		t->result = R_UNKNOWN_USER;
	else if (r->code / 100 == 5 || strcmp(k, "smtp.relay_denied_temporary") == 0)
		t->result = R_DENIED;
	else
		t->result = R_TEMPORARY;
}

/* try - MAIL, RCPT, RSET on session F; 0 to go on, -1 when F is unusable */
static int try(sd_session *f, attempt *t)
{
	const sd_reply *m = sd_session_command(f, "MAIL FROM:<%s>", t->from);
	if (m == NULL) {
		t->result = R_FAILED;
		return -1;
	}
	if (m->code / 100 != 2) {
		judge(f, t, m, NULL);
		if (m->code == 421)
			return -1;
		return sd_session_command(f, "RSET") != NULL ? 0 : -1;
	}
	const sd_reply *r = sd_session_command(f, "RCPT TO:<%s>", t->to);
	if (r == NULL) {
		t->result = R_FAILED;
		return -1;
	}
	judge(f, t, m, r);
	if (r->code == 421)
		return -1;
	/* never DATA: forget the transaction */
	return sd_session_command(f, "RSET") != NULL ? 0 : -1;
}

#define GROUP_MAX 8     /* attempts in one pipelined group (3 commands each) */

/* try_group - RFC 2920: the attempts IDX[0..N) as MAIL, RCPT, RSET each, in
 * one pipelined group (the server advertised PIPELINING); 0 to go on, -1
 * when F became unusable (the attempts without replies stay untested) */
static int try_group(sd_session *f, battery *b, const size_t *idx, size_t n)
{
	char lines[GROUP_MAX * 3][340];
	const char *cmds[GROUP_MAX * 3] = { NULL };
	const sd_reply *rep[GROUP_MAX * 3];

	for (size_t i = 0; i < n; i++) {
		const attempt *t = &b->a[idx[i]];
		snprintf(lines[3 * i], sizeof(lines[0]), "MAIL FROM:<%s>", t->from);
		snprintf(lines[3 * i + 1], sizeof(lines[0]), "RCPT TO:<%s>", t->to);
		snprintf(lines[3 * i + 2], sizeof(lines[0]), "RSET");
		for (int k = 0; k < 3; k++)
			cmds[3 * i + k] = lines[3 * i + k];
	}
	size_t got = sd_session_pipeline(f, cmds, 3 * n, rep);
	for (size_t i = 0; i < n; i++) {
		attempt *t = &b->a[idx[i]];
		/* RCPT after a refused MAIL is answered 503: only the MAIL counts */
		if (got > 3 * i && rep[3 * i]->code / 100 != 2)
			judge(f, t, rep[3 * i], NULL);
		else if (got > 3 * i + 1)
			judge(f, t, rep[3 * i], rep[3 * i + 1]);
	}
	return got == 3 * n ? 0 : -1;
}

typedef struct worker_arg {
	battery *b;
	int index;
} worker_arg;

/* closed_by_421 - T's answer was a 421: the server closed the connection
 * (chasquid's "421 4.5.0 Too many errors, bye" after three errors), which
 * says nothing about relaying */
static int closed_by_421(const attempt *t)
{
	return (t->result == R_TEMPORARY || t->result == R_FAILED) && strncmp(t->reply, "421", 3) == 0;
}

/* conn_round - on connection F, this worker's attempts that have no verdict
 * yet; with PIPELINED in groups (RFC 2920), else one at a time; 1 while F
 * stays usable */
static int conn_round(battery *b, int index, sd_session *f, int pipelined)
{
	int usable = sd_session_ehlo(f) != NULL;
	double greeting = sd_session_phase_ms(f, SD_PHASE_GREETING);

	pthread_mutex_lock(&b->lock);
	if (greeting > b->greeting_max_ms)
		b->greeting_max_ms = greeting;
	pthread_mutex_unlock(&b->lock);

	if (usable && b->over_tls && sd_session_tls(f) == NULL && sd_session_starttls(f) != 0)
		usable = 0;
	/* the first attempt still to try: earlier ones have their verdict */
	size_t first = (size_t)index;
	while (first < b->n && b->a[first].result != R_UNTESTED)
		first += (size_t)b->nconn;
	/* with PIPELINING, this connection's attempts in groups: a round trip
	 * for all of them instead of three each (RFC 2920 3.1: MAIL, RCPT and
	 * RSET may all be pipelined) */
	if (usable && pipelined && sd_ehlo_find(sd_session_ehlo(f), "PIPELINING") != NULL) {
		size_t idx[GROUP_MAX], n = 0, start = first;
		for (size_t i = start; i < b->n && usable; i += (size_t)b->nconn) {
			idx[n++] = i;
			/* the first attempt alone: a server that wants STARTTLS (or
			 * AUTH) first answers every command of a group with 530, and
			 * Postfix, chasquid and others slow down or hang up after a
			 * few errors; the rest together once it passed */
			if (i == start || n == GROUP_MAX || i + (size_t)b->nconn >= b->n) {
				if (try_group(f, b, idx, n) != 0)
					usable = 0;
				n = 0;
				if (b->a[start].result == R_AUTH_REQUIRED)
					break;   /* TLS or AUTH first: handled below, one at a time */
			}
		}
		/* TLS required first: the loop below upgrades and tries again
		 * from the first attempt that said so */
		for (first = start; first < b->n; first += (size_t)b->nconn)
			if (b->a[first].result == R_AUTH_REQUIRED && b->a[first].kind != NULL &&
			    strcmp(b->a[first].kind, "smtp.starttls_required") == 0)
				break;
		for (size_t i = first; i < b->n; i += (size_t)b->nconn)
			if (b->a[i].result != R_UNTESTED && b->a[i].result != R_FAILED) {
				b->a[i].result = R_UNTESTED;
				b->a[i].reply[0] = '\0';
				b->a[i].kind = NULL;
			}
	}
	for (size_t i = first; i < b->n && usable; i += (size_t)b->nconn) {
		if (b->a[i].result != R_UNTESTED)
			continue;
		if (try(f, &b->a[i]) != 0)
			usable = 0;
		/* TLS required first (RFC 3207 530): that is not the relay
		 * verdict, so upgrade this connection and try again */
		if (usable && b->a[i].result == R_AUTH_REQUIRED && b->a[i].kind != NULL &&
		    strcmp(b->a[i].kind, "smtp.starttls_required") == 0 && sd_session_tls(f) == NULL &&
		    sd_ehlo_find(sd_session_ehlo(f), "STARTTLS") != NULL) {
			if (sd_session_starttls(f) != 0) {
				usable = 0;
				break;
			}
			pthread_mutex_lock(&b->lock);
			b->upgraded = 1;
			pthread_mutex_unlock(&b->lock);
			b->a[i].result = R_UNTESTED;
			b->a[i].reply[0] = '\0';
			if (try(f, &b->a[i]) != 0)
				usable = 0;
		}
		if (b->a[i].result == R_AUTH_REQUIRED)
			break; /* the server wants AUTH first: more attempts tell nothing */
	}
	return usable;
}

#define ROUNDS_MAX 4    /* connections one worker opens when the server hangs up */

/* run_conn - thread body: every nconn-th attempt over one connection; when
 * the server hangs up (a 421 "too many errors", a reset) with attempts
 * left, a fresh connection goes on from there, one attempt at a time, as
 * long as each connection brings a verdict */
static void *run_conn(void *arg)
{
	worker_arg *w = arg;
	battery *b = w->b;
	sd_session *f = sd_session_open_fresh(b->s);
	int usable = conn_round(b, w->index, f, 1);
	size_t decided = 0;

	for (int round = 1; !usable && round < ROUNDS_MAX; round++) {
		size_t left = 0, now = 0;
		for (size_t i = (size_t)w->index; i < b->n; i += (size_t)b->nconn) {
			if (closed_by_421(&b->a[i])) {
				b->a[i].result = R_UNTESTED;   /* the hang-up, not an answer to the attempt */
				b->a[i].reply[0] = '\0';
				b->a[i].kind = NULL;
			}
			left += b->a[i].result == R_UNTESTED || b->a[i].result == R_FAILED;
			now += b->a[i].result != R_UNTESTED && b->a[i].result != R_FAILED;
		}
		/* nothing left, no verdict from the last connection, or AUTH
		 * first: another connection would not tell more */
		if (left == 0 || now == decided || b->a[w->index].result == R_AUTH_REQUIRED)
			break;
		decided = now;
		for (size_t i = (size_t)w->index; i < b->n; i += (size_t)b->nconn)
			if (b->a[i].result == R_FAILED) {
				b->a[i].result = R_UNTESTED;
				b->a[i].reply[0] = '\0';
			}
		sd_session_free(f);
		f = sd_session_open_fresh(b->s);
		usable = conn_round(b, w->index, f, 0);
	}
	if (!usable) {
		const char *msg;
		sd_session_error(f, &msg);
		for (size_t i = (size_t)w->index; i < b->n; i += (size_t)b->nconn)
			if (b->a[i].result == R_UNTESTED) {
				b->a[i].result = R_FAILED;
				snprintf(b->a[i].reply, sizeof(b->a[i].reply), "%s", msg);
			}
	}
	sd_session_free(f); /* QUIT */
	return NULL;
}

/* result_name - the words of relay attempt result R */
static const char *result_name(int r)
{
	static const char *const names[] = { "not tested", "ACCEPTED", "denied", "unknown user", "greylisted",
					     "temporary failure", "sender refused", "authentication required",
					     "no answer" };
	return names[r];
}

/* list_forms - the forms with WANT_RESULT (and WANT_DEST, -1 any, -2
 * none) by name into NAMES and as MAIL/RCPT pairs into PAIRS; how many */
static int list_forms(char *names, char *pairs, size_t len, const battery *b, int want_result, int want_dest)
{
	int n = 0;

	names[0] = pairs[0] = '\0';
	for (size_t i = 0; i < (size_t)b->nforms; i++) {
		const attempt *t = &b->a[i];
		if (t->result != want_result || want_dest == -2 || (want_dest >= 0 && t->dest != want_dest))
			continue;
		size_t l = strlen(names), m = strlen(pairs);
		/* "; ": some form names hold a comma ("quoted address, no domain") */
		snprintf(names + l, len - l, "%s%s", l ? "; " : "", t->form);
		snprintf(pairs + m, len - m, "%sMAIL FROM:<%s> RCPT TO:<%s>", m ? "; " : "", t->from, t->to);
		n++;
	}
	return n;
}

/* run - the relay check: try relaying with many sender and recipient forms and
 * report any accepted */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	battery *b = calloc(1, sizeof(*b));
	const sd_ehlo *e = sd_session_ehlo(s);
	const char *local = sd_param_string(p, "local_domain");
	char ip[80];

	if (b == NULL)
		return SD_RUN_ERROR;
#ifdef RELAY_LIGHT
	sd_report_phase(r, "Open relay test");
#else
	sd_report_phase(r, "Open relay battery");
#endif
	if (local == NULL || *local == '\0')
		local = e != NULL && e->domain != NULL && *e->domain ? e->domain : sd_session_server(s);
	const char *peer = sd_session_peer(s);
	if (strchr(peer, ':') != NULL)
		snprintf(ip, sizeof(ip), "[IPv6:%s]", peer);
	else
		snprintf(ip, sizeof(ip), "[%s]", peer);
	b->s = s;
	pthread_mutex_init(&b->lock, NULL);
	b->over_tls = sd_session_tls(s) != NULL && !sd_session_tls(s)->implicit;
#ifdef RELAY_LIGHT
	/* two connections of two attempts each (chasquid hangs up after
	 * three errors on one connection); with PIPELINING two round trips
	 * each, so the test ends before the main session does */
	b->nconn = 2;
#else
	long long nconn = sd_param_int(p, "connections");
	b->nconn = nconn < 1 ? 1 : nconn > MAXCONN ? MAXCONN : (int)nconn;
#endif
	build(b, sd_param_string(p, "sender"), sd_param_string(p, "recipient"), sd_param_string(p, "external_domain"),
	      local, ip);
	sd_report_fact_str(r, "external_domain", "%s", sd_param_string(p, "external_domain"));
	sd_report_fact_str(r, "local_domain", "%s", local);
	pthread_t th[MAXCONN];
	worker_arg wa[MAXCONN];
	int started[MAXCONN] = { 0 };
	for (int i = 0; i < b->nconn; i++) {
		wa[i] = (worker_arg){ b, i };
		started[i] = pthread_create(&th[i], NULL, run_conn, &wa[i]) == 0;
		if (!started[i])
			run_conn(&wa[i]);
	}
	for (int i = 0; i < b->nconn; i++)
		if (started[i])
			pthread_join(th[i], NULL);

	int count[R_FAILED + 1] = { 0 };
	for (size_t i = 0; i < b->n; i++) {
		const attempt *t = &b->a[i];
		char line[900];
		snprintf(line, sizeof(line), "%s: MAIL FROM:<%s> RCPT TO:<%s> -> %s%s%s%s", t->form, t->from, t->to,
			 result_name(t->result), t->reply[0] ? " (" : "", t->reply, t->reply[0] ? ")" : "");
		sd_report_fact_list_add(r, "attempts", line);
		if (i < (size_t)b->nforms)
			count[t->result]++;
		if (t->result == R_ACCEPTED && i < (size_t)b->nforms)
			sd_report_note(r, "%s", line);
	}
	sd_report_fact_bool(r, "over_tls", b->over_tls || b->upgraded);
	if (b->upgraded)
		sd_report_note(r, "the server wants STARTTLS before MAIL: the battery ran over TLS");
	if (b->greeting_max_ms >= 1000)   /* why the battery took long: postscreen, greet_pause */
		sd_report_note(r, "its own connection%s waited up to %.1f s for the greeting (the server's greeting delay "
			       "counts again on every connection)", b->nconn > 1 ? "s" : "", b->greeting_max_ms / 1000);
	const attempt *control = &b->a[b->nforms];
	int catch_all = control->result == R_ACCEPTED;
	sd_report_fact_str(r, "local_control", "%s", result_name(control->result));
	sd_report_fact_int(r, "forms_tried", b->nforms);
	sd_report_fact_int(r, "forms_accepted", count[R_ACCEPTED]);
	sd_report_fact_int(r, "forms_denied", count[R_DENIED] + count[R_UNKNOWN_USER]);

	char ext[2048], ext_pairs[6144], loc[2048], loc_pairs[6144];
	int next = list_forms(ext, ext_pairs, sizeof(ext), b, R_ACCEPTED, catch_all ? DEST_EXTERNAL : -1);
	int nloc = list_forms(loc, loc_pairs, sizeof(loc), b, R_ACCEPTED, catch_all ? DEST_LOCAL : -2);
	if (next > 0) {
		sd_finding *f = sd_report_finding(r, SD_CRIT, "relay.open",
						  "OPEN RELAY: an unauthenticated client may send to %s: %d address "
						  "form%s accepted (%s)",
						  sd_param_string(p, "external_domain"), next, next > 1 ? "s" : "", ext);
		sd_finding_detail(f, "accepted", "%s", ext_pairs);
		sd_finding_cause(f, "the server relays for clients it should not trust");
		sd_finding_fix(f, "restrict relaying to authenticated users and your own networks");
	}
	if (nloc > 0) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "relay.inconclusive",
						  "%d address form%s ending at the server's own name accepted at RCPT (%s), "
						  "but so is an unknown local recipient: they may be local addresses "
						  "that bounce later",
						  nloc, nloc > 1 ? "s" : "", loc);
		sd_finding_detail(f, "accepted", "%s", loc_pairs);
	}
	if (count[R_AUTH_REQUIRED] > 0 && count[R_ACCEPTED] == 0) {
		sd_report_finding(r, SD_INFO, "relay.auth_required",
				  "the server wants authentication (or TLS) before it takes mail: no relaying for "
				  "anonymous clients");
		sd_report_summary(r, "authentication required; battery stopped");
	} else if (count[R_GREYLISTED] + count[R_TEMPORARY] + count[R_FAILED] > 0) {
		char undecided[2048] = "", one[1024], pairs[1024];
		static const int open_results[] = { R_GREYLISTED, R_TEMPORARY, R_FAILED, R_SENDER_REFUSED };
		for (size_t k = 0; k < sizeof(open_results) / sizeof(open_results[0]); k++)
			if (list_forms(one, pairs, sizeof(one), b, open_results[k], -1) > 0)
				snprintf(undecided + strlen(undecided), sizeof(undecided) - strlen(undecided), "%s%s",
					 undecided[0] ? "; " : "", one);
		sd_finding *f = sd_report_finding(r, SD_WARN, "relay.incomplete",
						  "%d of %d forms not determined (%d greylisted, %d temporary failures, "
						  "%d senders refused, %d without an answer): %s",
						  count[R_GREYLISTED] + count[R_TEMPORARY] + count[R_FAILED] +
							  count[R_SENDER_REFUSED],
						  b->nforms, count[R_GREYLISTED], count[R_TEMPORARY], count[R_SENDER_REFUSED],
						  count[R_FAILED], undecided);
		sd_finding_cause(f, "%s", count[R_GREYLISTED] > 0
					   ? "greylisting kept some attempts from reaching a verdict"
					   : "temporary failures or lost connections kept some attempts from reaching a verdict");
		sd_finding_fix(f, "%s", count[R_GREYLISTED] > 0
					 ? "run the check again after the greylisting delay (usually 1-5 minutes)"
					 : "run the check again; if it repeats, look in the server's log for why it answers "
					   "4xx or drops the connection at these commands");
	} else if (count[R_SENDER_REFUSED] > 0) {
		/* the server refused some senders at MAIL: those forms could not be
		 * tried; with every other form refused that is no relay, only
		 * not the whole battery */
		char names[1024], pairs[1024];
		list_forms(names, pairs, sizeof(names), b, R_SENDER_REFUSED, -1);
		int refused = count[R_DENIED] + count[R_UNKNOWN_USER];
		sd_finding *f = sd_report_finding(r, refused > 0 ? SD_INFO : SD_WARN,
						  refused > 0 ? "relay.sender_refused" : "relay.incomplete",
						  "the server refused the sender of %d form%s at MAIL (%s): %s", count[R_SENDER_REFUSED],
						  count[R_SENDER_REFUSED] > 1 ? "s" : "", names,
						  refused > 0 ? "those forms could not be tried; every other form was refused"
							      : "no form reached RCPT, so relaying was not tested");
		sd_finding_detail(f, "refused", "%s", pairs);
		sd_finding_cause(f, "a sender policy of the server (address literals, unknown or foreign sender "
				    "domains refused at MAIL FROM)");
		sd_finding_fix(f, "%s", refused > 0 ? "nothing to fix for relaying; to try those forms too, set "
						      "relay.sender to an address the server accepts"
						    : "set relay.sender to an address the server accepts and run the check again");
	}
	if (next == 0 && nloc == 0 && count[R_DENIED] + count[R_UNKNOWN_USER] == b->nforms)
		sd_report_summary(r, "not an open relay: %d of %d forms refused", b->nforms, b->nforms);
	else if (next == 0 && nloc == 0 && count[R_DENIED] + count[R_UNKNOWN_USER] > 0 &&
		 count[R_DENIED] + count[R_UNKNOWN_USER] + count[R_SENDER_REFUSED] == b->nforms)
		sd_report_summary(r, "not an open relay: %d of %d forms refused, %d senders refused at MAIL",
				  count[R_DENIED] + count[R_UNKNOWN_USER], b->nforms, count[R_SENDER_REFUSED]);
	else if (next == 0 && nloc == 0 && count[R_ACCEPTED] == 0 && count[R_AUTH_REQUIRED] == 0)
		sd_report_summary(r, "no form accepted (%d refused)", count[R_DENIED] + count[R_UNKNOWN_USER]);
	else if (next > 0 && nloc > 0)
		sd_report_summary(r, "OPEN RELAY (%d forms accepted for %s, %d more inconclusive)", next,
				  sd_param_string(p, "external_domain"), nloc);
	else if (next > 0)
		sd_report_summary(r, "OPEN RELAY (%d of %d forms accepted)", next, b->nforms);
	pthread_mutex_destroy(&b->lock);
	free(b);
	return SD_RUN_DONE;
}

#ifdef RELAY_LIGHT
SD_CHECK_EXPORT(relay_light) = {
	.abi = SD_PLUGIN_ABI,
	.name = "relay-light",
	.title = "Open relay",
	.summary = "open-relay test (3 address forms and a control recipient on two connections, MAIL/RCPT then "
		   "RSET: nothing is ever sent)",
#else
SD_CHECK_EXPORT(relay) = {
	.abi = SD_PLUGIN_ABI,
	.name = "relay",
	.title = "Open relay",
	.summary = "open-relay battery (16 address forms, MAIL/RCPT then RSET: nothing is ever sent)",
#endif
	.requires = requires,
	.params = params,
	.run = run,
};
