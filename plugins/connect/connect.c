/* SPDX-License-Identifier: MIT */
/*
 * connect.c - check "connect": can we reach the SMTP port at all?
 *
 * Tries every address of the target in order (see core/net.c) and reports
 * each attempt, the address that answered and the TCP handshake time. A
 * failure is named for what it is: refused (nothing listens), timed out
 * (filtered or down), unreachable (routing), or no address (DNS); the
 * knowledge base (core/kb_table.c) explains each finding id.
 */
#include <smtpdiag/plugin.h>

static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	const char *const *att;
	const char *msg;
	(void)p;

	sd_report_phase(r, "TCP connect to %s port %u", sd_session_server(s), sd_session_port(s));
	int rc = sd_session_connect(s);
	size_t n = sd_session_attempts(s, &att);
	for (size_t i = 0; i < n; i++) {
		sd_report_fact_list_add(r, "attempts", att[i]);
		if (n > 1)
			sd_report_note(r, "%s", att[i]);
	}
	double resolve = sd_session_phase_ms(s, SD_PHASE_RESOLVE);
	if (resolve >= 0)
		sd_report_fact_ms(r, "resolve_ms", resolve);
	if (rc != 0) {
		sd_error e = sd_session_error(s, &msg);
		static const char *const ids[] = {
			[SD_ERR_RESOLVE] = "connect.no_address", [SD_ERR_REFUSED] = "connect.refused",
			[SD_ERR_UNREACHABLE] = "connect.unreachable", [SD_ERR_TIMEOUT] = "connect.timeout",
		};
		const char *id = (unsigned)e < sizeof(ids) / sizeof(ids[0]) && ids[e] != NULL ? ids[e]
											 : "connect.failed";
		sd_report_fact_str(r, "error", "%s", sd_error_name(e));
		sd_finding *f = sd_report_finding(r, SD_CRIT, id, "%s%s", e == SD_ERR_REFUSED ? "connection refused: " : "",
						  msg);
		(void)f; /* cause and fix: the knowledge base's entry for the id (core/kb_table.c) */
		return SD_RUN_FAILED;
	}
	double ms = sd_session_phase_ms(s, SD_PHASE_CONNECT);
	sd_report_fact_str(r, "peer", "%s", sd_session_peer(s));
	sd_report_fact_str(r, "local", "%s", sd_session_local(s));
	sd_report_fact_int(r, "port", sd_session_port(s));
	sd_report_fact_ms(r, "connect_ms", ms);
	sd_report_note(r, "connected to %s from %s", sd_session_peer(s), sd_session_local(s));
	sd_report_summary(r, "reachable at %s", sd_session_peer(s));
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(connect) = {
	.abi = SD_PLUGIN_ABI,
	.name = "connect",
	.title = "TCP connect",
	.summary = "TCP reachability of the SMTP port, every address tried, handshake time",
	.requires = NULL,
	.params = NULL,
	.run = run,
};
