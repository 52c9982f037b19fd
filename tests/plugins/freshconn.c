/* SPDX-License-Identifier: MIT */
/*
 * freshconn.c - a test check that opens a second connection to the target
 * through sd_session_open_fresh(), to prove the API works and shares the
 * transcript.
 */
#include <smtpdiag/plugin.h>

static const char *const requires[] = { "banner", NULL };

/* run - open a fresh session beside S, record its greeting and peer, then check
 * S still answers NOOP */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	(void)p;
	sd_session *f = sd_session_open_fresh(s);
	const sd_reply *g = sd_session_greeting(f);

	sd_report_fact_int(r, "fresh_greeting_code", g != NULL ? g->code : 0);
	sd_report_fact_str(r, "fresh_peer", "%s", sd_session_peer(f));
	sd_session_free(f);
	/* the first session is still usable afterwards */
	const sd_reply *n = sd_session_command(s, "NOOP");
	sd_report_fact_int(r, "noop_code", n != NULL ? n->code : 0);
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(freshconn) = {
	.abi = SD_PLUGIN_ABI,
	.name = "freshconn",
	.title = "Fresh connection",
	.summary = "test: a second connection to the same target",
	.requires = requires,
	.run = run,
};
