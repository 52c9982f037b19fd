/* SPDX-License-Identifier: MIT */
/*
 * transaction.c - check "transaction": send one real message, like swaks.
 *
 * Opt-in only (--send, or the profile): MAIL FROM, RCPT TO for each
 * recipient, DATA, the message, and the queue id from the final 250.
 * Each stage's reply and time are reported; a refusal is read by the
 * knowledge base, which is where "554 Relay access denied" becomes "this
 * client is not trusted / did not authenticate / relay policy", with the
 * vendor's fix. STARTTLS first when offered; to submit as a user, run the
 * auth check before it (--checks auth,transaction --send --auth-user ...):
 * the message then goes out on that authenticated session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <smtpdiag/plugin.h>

static const char *const requires[] = { "ehlo", NULL };

static const sd_param_spec params[] = {
	{ "from", SD_PARAM_STRING, "", "envelope sender and From: (default: smtpdiag@<our EHLO name>)" },
	{ "to", SD_PARAM_LIST, "", "recipients (required)" },
	{ "subject", SD_PARAM_STRING, "smtpdiag test message", "Subject: of the message" },
	{ "headers", SD_PARAM_STRING, "", "extra header lines, one per line (--header)" },
	{ "body", SD_PARAM_STRING, "", "the body (default: a line saying what sent it)" },
	{ "body_file", SD_PARAM_STRING, "", "read the body from this file instead" },
	{ "starttls", SD_PARAM_BOOL, "true", "use STARTTLS first when the server offers it" },
	{ NULL, 0, NULL, NULL },
};

#define MAX_MESSAGE (10 * 1024 * 1024)

/* read_file - the contents of the file PATH, newly allocated (up to MAX_MESSAGE); NULL and *ERR */
static char *read_file(const char *path, const char **err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL) {
		*err = "cannot open the body file";
		return NULL;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, cap);
			if (nb == NULL || cap > MAX_MESSAGE) {
				free(nb != NULL ? nb : buf);
				fclose(f);
				*err = nb == NULL ? "out of memory" : "the body file is larger than 10 MiB";
				return NULL;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, 4096, f);
		n += got;
		if (got < 4096)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL) {
		free(buf);
		*err = "the body file contains NUL bytes";
		return NULL;
	}
	return buf;
}

/* queue_id - what the server calls the message, from its 250 reply */
static void queue_id(const sd_reply *r, char *out, size_t len)
{
	const char *t = r->nlines > 0 ? r->lines[0] : "", *p;

	out[0] = '\0';
	if ((p = strcasestr(t, "queued as ")) != NULL)        /* Postfix */
		p += 10;
	else if ((p = strcasestr(t, "id=")) != NULL)          /* Exim */
		p += 3;
	else if ((p = strstr(t, "InternalId=")) != NULL)      /* Exchange */
		p += 11;
	else if (strcasestr(t, "accepted for delivery") != NULL) { /* Sendmail: "2.0.0 <qid> Message accepted" */
		p = t + strcspn(t, " ");
		p += strspn(p, " ");
	}
	if (p != NULL)
		snprintf(out, len, "%.*s", (int)strcspn(p, " ,;]>"), p);
}

/* stage - record reply REP of stage NAME (code, first line, time) in the stages fact */
static void stage(sd_report *r, const char *name, const sd_reply *rep)
{
	char k[64], v[300];
	snprintf(k, sizeof(k), "%s", name);
	snprintf(v, sizeof(v), "%d %s (%.1f ms)", rep->code, rep->nlines ? rep->lines[0] : "", rep->elapsed_ms);
	sd_report_fact_map_add(r, "stages", k, v);
}

/* refused - a finding transaction.<ctx>_refused for REP, with the
 * knowledge base's kind (temporary refusals are warnings) */
static void refused(sd_session *s, sd_report *r, const char *ctx, const char *what, const sd_reply *rep)
{
	const char *kind = sd_diagnose_reply(s, ctx, rep);
	char id[64];
	snprintf(id, sizeof(id), "transaction.%s_refused", ctx);
	sd_finding *f = sd_report_finding(r, rep->code / 100 == 4 ? SD_WARN : SD_CRIT, id, "%s refused: %d %s", what,
					  rep->code, rep->nlines ? rep->lines[0] : "");
	if (kind != NULL)
		sd_finding_kind(f, kind);
}

/* run - the transaction check: MAIL, RCPT and DATA to the --to recipients, reporting each stage */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	const char *const *to;
	size_t nto = sd_param_list(p, "to", &to);
	const char *from = sd_param_string(p, "from");
	char from_buf[320], date[64], msgid[160];
	const char *err = NULL;

	sd_report_phase(r, "Mail transaction (MAIL, RCPT, DATA)");
	if (nto == 0) {
		sd_report_finding(r, SD_CHECK_ERROR, "transaction.no_recipient",
				  "no recipient: give --to ADDRESS (or transaction.to in the profile)");
		return SD_RUN_ERROR;
	}
	if (from == NULL || *from == '\0') {
		const char *me = sd_session_ehlo_name(s);
		snprintf(from_buf, sizeof(from_buf), "smtpdiag@%s", me != NULL && me[0] != '[' ? me : "localhost");
		from = from_buf;
	}
	char *body = NULL;
	const char *bf = sd_param_string(p, "body_file");
	if (bf != NULL && *bf != '\0' && (body = read_file(bf, &err)) == NULL) {
		sd_report_finding(r, SD_CHECK_ERROR, "transaction.body_file", "%s: %s", bf, err);
		return SD_RUN_ERROR;
	}
	const sd_ehlo *e = sd_session_ehlo(s);
	if (e == NULL) {
		free(body);
		return SD_RUN_FAILED;
	}
	if (sd_session_tls(s) == NULL && sd_param_bool(p, "starttls") && strcmp(sd_session_tls_mode(s), "none") != 0 &&
	    sd_ehlo_find(e, "STARTTLS") != NULL && sd_session_starttls(s) != 0) {
		const char *msg;
		sd_session_error(s, &msg);
		sd_report_finding(r, SD_CRIT, "transaction.starttls_failed", "STARTTLS failed: %s", msg);
		free(body);
		return SD_RUN_FAILED;
	}
	sd_report_fact_bool(r, "over_tls", sd_session_tls(s) != NULL);

	/* the message: RFC 5322 headers, then the body */
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	const char *at = strrchr(from, '@');
	snprintf(msgid, sizeof(msgid), "<smtpdiag.%lx.%lx.%lx@%s>", (unsigned long)ts.tv_sec, (unsigned long)ts.tv_nsec,
		 (unsigned long)getpid(), at != NULL && at[1] ? at + 1 : "localhost");
	size_t cap = 4096 + strlen(sd_param_string(p, "headers")) + strlen(sd_param_string(p, "body")) +
		     (body != NULL ? strlen(body) : 0) + 330 * nto;
	char *msg = malloc(cap);
	if (msg == NULL) {
		free(body);
		return SD_RUN_ERROR;
	}
	int n = snprintf(msg, cap, "From: <%s>\r\nTo: ", from);
	for (size_t i = 0; i < nto; i++)
		n += snprintf(msg + n, cap - (size_t)n, "%s<%s>", i ? ", " : "", to[i]);
	n += snprintf(msg + n, cap - (size_t)n, "\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: %s\r\n"
						 "X-Mailer: smtp-diag\r\n",
		      sd_param_string(p, "subject"), date, msgid);
	const char *hdrs = sd_param_string(p, "headers");
	if (*hdrs)
		n += snprintf(msg + n, cap - (size_t)n, "%s%s", hdrs, hdrs[strlen(hdrs) - 1] == '\n' ? "" : "\r\n");
	const char *text = body != NULL ? body : *sd_param_string(p, "body") ? sd_param_string(p, "body")
						 : "This is a test message sent by smtp-diag.\r\n";
	snprintf(msg + n, cap - (size_t)n, "\r\n%s", text);
	free(body);
	sd_report_fact_str(r, "message_id", "%s", msgid);

	sd_run_status st = SD_RUN_DONE;
	const sd_reply *rep = sd_session_command(s, "MAIL FROM:<%s>", from);
	if (rep == NULL)
		goto lost;
	stage(r, "mail", rep);
	if (rep->code / 100 != 2) {
		refused(s, r, "mail", "MAIL FROM", rep);
		sd_session_command(s, "RSET");
		goto out;
	}
	size_t accepted = 0;
	for (size_t i = 0; i < nto; i++) {
		rep = sd_session_command(s, "RCPT TO:<%s>", to[i]);
		if (rep == NULL)
			goto lost;
		char k[32];
		snprintf(k, sizeof(k), "rcpt%zu", i + 1);
		stage(r, k, rep);
		if (rep->code / 100 == 2) {
			accepted++;
			continue;
		}
		char what[400];
		snprintf(what, sizeof(what), "RCPT TO:<%s>", to[i]);
		refused(s, r, "rcpt", what, rep);
	}
	if (accepted == 0) {
		sd_session_command(s, "RSET");
		goto out;
	}
	rep = sd_session_command(s, "DATA");
	if (rep == NULL)
		goto lost;
	stage(r, "data", rep);
	if (rep->code != 354) {
		refused(s, r, "data", "DATA", rep);
		sd_session_command(s, "RSET");
		goto out;
	}
	rep = sd_session_send_message(s, msg);
	if (rep == NULL)
		goto lost;
	stage(r, "end_of_data", rep);
	sd_report_fact_ms(r, "data_ms", rep->elapsed_ms);
	if (rep->code / 100 != 2) {
		refused(s, r, "data", "the message", rep);
		goto out;
	}
	char qid[64];
	queue_id(rep, qid, sizeof(qid));
	if (qid[0])
		sd_report_fact_str(r, "queue_id", "%s", qid);
	sd_report_summary(r, "message accepted for %zu of %zu recipient%s%s%s (%.0f ms for the data)", accepted, nto,
			  nto > 1 ? "s" : "", qid[0] ? ", queued as " : "", qid, rep->elapsed_ms);
	goto out;
lost: {
	const char *m;
	sd_session_error(s, &m);
	sd_report_finding(r, SD_CRIT, "transaction.connection_lost", "the transaction did not finish: %s", m);
	st = SD_RUN_FAILED;
}
out:
	free(msg);
	return st;
}

SD_CHECK_EXPORT(transaction) = {
	.abi = SD_PLUGIN_ABI,
	.name = "transaction",
	.title = "Mail transaction",
	.summary = "send one real message (opt-in: --send): each stage's reply and time, the queue id",
	.requires = requires,
	.params = params,
	.run = run,
};
