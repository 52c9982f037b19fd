/* SPDX-License-Identifier: MIT */
/*
 * smuggling.c - check "smuggling": end-of-data sequences other than
 * <CR><LF>.<CR><LF> (SMTP smuggling, CVE-2023-51764/51765/51766).
 *
 * Opt-in twice over: it runs only with --send and a --to recipient the
 * operator controls (the profile's `send: true` and `to:` say the same),
 * because it sends DATA. For each variant (<LF>.<LF>, <CR>.<CR>,
 * <LF>.<CR><LF>, <CR><LF>.<LF>) one message on its own connection: text,
 * the variant, "NOOP", a last line, the real end, then QUIT. A server that
 * takes the variant as the end of the message answers it early and then
 * answers the NOOP: more replies than the message's one and QUIT's 221.
 * Nothing is smuggled: the line after each variant is a NOOP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smtpdiag/plugin.h>

static const char *const requires[] = { "ehlo", NULL };

static const sd_param_spec params[] = {
	{ "send", SD_PARAM_BOOL, "false", "really send the test messages (set by --send with --checks smuggling)" },
	{ "to", SD_PARAM_LIST, "", "the recipient (one address the operator controls; --to)" },
	{ "from", SD_PARAM_STRING, "", "envelope sender (default: smtpdiag@<our EHLO name>)" },
	{ "starttls", SD_PARAM_BOOL, "true", "use STARTTLS first when the server offers it" },
	{ NULL, 0, NULL, NULL },
};

static const struct {
	const char *name, *bytes;
} variants[] = {
	{ "<LF>.<LF>", "\n.\n" },
	{ "<CR>.<CR>", "\r.\r" },
	{ "<LF>.<CR><LF>", "\n.\r\n" },
	{ "<CR><LF>.<LF>", "\r\n.\n" },
};
#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

enum { V_ENDED = 1, V_KEPT, V_REFUSED, V_UNKNOWN };

/* one - send the message of variant K on a fresh connection */
static int one(sd_session *s, const sd_params *p, size_t k, const char *from, const char *to, char *said, size_t n)
{
	sd_session *f = sd_session_open_fresh(s);
	const sd_ehlo *e = sd_session_ehlo(f);
	const sd_reply *rep;
	int verdict = V_UNKNOWN;
	const char *m;

	snprintf(said, n, "no answer");
	if (e == NULL)
		goto out;
	if (sd_param_bool(p, "starttls") && strcmp(sd_session_tls_mode(f), "starttls") == 0 &&
	    sd_ehlo_find(e, "STARTTLS") != NULL && sd_session_starttls(f) != 0)
		goto out;
	if ((rep = sd_session_command(f, "MAIL FROM:<%s>", from)) == NULL || rep->code / 100 != 2 ||
	    (rep = sd_session_command(f, "RCPT TO:<%s>", to)) == NULL || rep->code / 100 != 2 ||
	    (rep = sd_session_command(f, "DATA")) == NULL || rep->code != 354) {
		if (rep != NULL)
			snprintf(said, n, "%d %s", rep->code, rep->nlines ? rep->lines[0] : "");
		goto out;
	}
	char msg[1024];
	int len = snprintf(msg, sizeof(msg),
			   "From: <%s>\r\nTo: <%s>\r\nSubject: smtp-diag SMTP smuggling test %zu of %zu (%s)\r\n\r\n"
			   "smtp-diag tests whether this server takes %s as the end of a message (SMTP smuggling).\r\n"
			   "The next line is a NOOP command; nothing else is sent.%sNOOP\r\n"
			   "If this line is in the message, the server did not take %s as its end.\r\n.\r\nQUIT\r\n",
			   from, to, k + 1, NVARIANTS, variants[k].name, variants[k].name, variants[k].bytes,
			   variants[k].name);
	int codes[8];
	int got = sd_session_smuggle(f, msg, (size_t)len, codes, 8);
	if (got <= 0)
		goto out;
	char *w = said;
	size_t left = n;
	for (int i = 0; i < got && left > 8; i++) {
		int c = snprintf(w, left, "%s%d", i ? " " : "", codes[i]);
		w += c, left -= (size_t)c;
	}
	if (codes[0] / 100 != 2)
		verdict = V_REFUSED;
	else if (got >= 2 && codes[1] != 221)
		verdict = V_ENDED;  /* answered early, then the NOOP was answered */
	else if (got == 2 && codes[1] == 221)
		verdict = V_KEPT;
out:
	if (verdict == V_UNKNOWN && sd_session_error(f, &m) != SD_ERR_NONE && strcmp(said, "no answer") == 0)
		snprintf(said, n, "%s", m);
	sd_session_free(f);
	return verdict;
}

/* run - the smuggling check: with --send and --to, send messages with
 * non-standard end-of-data sequences */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	const char *const *to;
	size_t nto = sd_param_list(p, "to", &to);
	const char *from = sd_param_string(p, "from");
	char fromb[300];

	sd_report_phase(r, "SMTP smuggling");
	if (!sd_param_bool(p, "send") || nto == 0 || to[0][0] == '\0') {
		sd_finding *f = sd_report_finding(r, SD_INFO, "smuggling.not_requested",
						  "not run: the smuggling test sends messages, so it needs --send and a "
						  "--to recipient you control");
		sd_finding_fix(f, "smtp-diag --checks smuggling --send --to you@your.domain ...");
		return SD_RUN_DONE;
	}
	if (from == NULL || from[0] == '\0') {
		snprintf(fromb, sizeof(fromb), "smtpdiag@%s", sd_session_ehlo_name(s));
		from = fromb;
	}
	char ended[128] = "";
	int nended = 0, nknown = 0;
	for (size_t k = 0; k < NVARIANTS; k++) {
		char said[160];
		sd_report_phase(r, "SMTP smuggling: %s", variants[k].name);
		int v = one(s, p, k, from, to[0], said, sizeof(said));
		const char *word = v == V_ENDED ? "taken as end of data" : v == V_KEPT ? "kept in the message"
				   : v == V_REFUSED ? "message refused" : "not decided";
		sd_report_fact_map_add(r, "variants", variants[k].name, word);
		sd_report_note(r, "%s: %s (replies: %s)", variants[k].name, word, said);
		if (v == V_ENDED) {
			snprintf(ended + strlen(ended), sizeof(ended) - strlen(ended), "%s%s", nended ? ", " : "",
				 variants[k].name);
			nended++;
		}
		nknown += v != V_UNKNOWN;
	}
	sd_report_fact_int(r, "variants_ended", nended);
	if (nended > 0) {
		sd_finding *f = sd_report_finding(r, SD_CRIT, "smuggling.end_of_data",
						  "SMTP smuggling: %s taken as the end of the message (the NOOP after it "
						  "was answered)", ended);
		sd_finding_detail(f, "variants", "%s", ended);
		sd_finding_cause(f, "the server ends DATA at a sequence other than <CR><LF>.<CR><LF>; when the sending "
				    "side passes that sequence through, anyone can append a second message with forged "
				    "senders that passes SPF/DMARC of the sending domain (SMTP smuggling, December 2023)");
		sd_finding_fix(f, "accept only <CR><LF>.<CR><LF> as the end of data and reject bare <LF> and <CR> in "
				  "lines (RFC 5321 2.3.8, 4.1.1.4)");
		return SD_RUN_DONE;
	}
	if (nknown < (int)NVARIANTS) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "smuggling.incomplete",
						  "%d of %zu variants could not be judged", (int)NVARIANTS - nknown,
						  NVARIANTS);
		sd_finding_cause(f, "the transaction was refused before DATA, or the connection ended (see the notes)");
		return SD_RUN_DONE;
	}
	sd_report_summary(r, "no variant ended the message early");
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(smuggling) = {
	.abi = SD_PLUGIN_ABI,
	.name = "smuggling",
	.title = "SMTP smuggling",
	.summary = "opt-in (--send --to): end-of-data variants <LF>.<LF>, <CR>.<CR>, <LF>.<CR><LF>, <CR><LF>.<LF>",
	.requires = requires,
	.params = params,
	.run = run,
};
