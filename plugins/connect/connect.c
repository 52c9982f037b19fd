/* SPDX-License-Identifier: MIT */
/*
 * connect.c - check "connect": can we reach the SMTP port at all?
 *
 * Tries every address of the target in order (see core/net.c) and reports
 * each attempt, the address that answered and the TCP handshake time. A
 * failure is named for what it is: refused (nothing listens), timed out
 * (filtered or down), unreachable (routing), or no address (DNS); a DNS
 * server that does not answer is a check error (connect.resolver_failed),
 * the resolver's fault and not the domain's; the
 * knowledge base (core/kb_table.c) explains each finding id.
 *
 * A mail port (25, 587, 465) that times out or refuses is diagnosed rather
 * than just reported: the other two are tried once, side by side, and the
 * finding says which answer and how (port 25 filtered by the ISP while 587
 * answers with STARTTLS is the classic case).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <smtpdiag/plugin.h>

typedef struct other_port {
	sd_session *s;
	unsigned port;
	int rc;
	char how[160];
} other_port;

/* try_port - thread body: how PORT of the same host answers */
static void *try_port(void *arg)
{
	other_port *o = arg;
	o->rc = sd_session_port_answer(o->s, o->port, o->how, sizeof(o->how));
	return NULL;
}

/* other_ports - the mail ports not asked, tried once side by side; their
 * answers into TEXT ("port 587 answers with STARTTLS; port 465 is refused") */
static void other_ports(sd_session *s, sd_report *r, char *text, size_t len)
{
	static const unsigned mail[] = { 25, 587, 465 };
	other_port o[3];
	pthread_t th[3];
	int started[3] = { 0 }, n = 0;

	text[0] = '\0';
	for (size_t i = 0; i < 3; i++)
		if (mail[i] != sd_session_port(s))
			o[n++] = (other_port){ .s = s, .port = mail[i], .rc = -1 };
	for (int i = 0; i < n; i++) {
		started[i] = pthread_create(&th[i], NULL, try_port, &o[i]) == 0;
		if (!started[i])
			try_port(&o[i]);
	}
	for (int i = 0; i < n; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		char key[16];
		snprintf(key, sizeof(key), "%u", o[i].port);
		sd_report_fact_map_add(r, "other_ports", key, o[i].how);
		size_t l = strlen(text);
		snprintf(text + l, len - l, "; port %u %s", o[i].port, o[i].how);
	}
}

/* run - the connect check: connect to the server and report the attempts,
 * resolution and connect times */
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
		if (e == SD_ERR_RESOLVER) {
			/* no DNS server answered: nothing is known about the mail
			 * server, so a check error (UNKNOWN), not a critical */
			sd_report_finding(r, SD_CHECK_ERROR, "connect.resolver_failed",
					  "the DNS resolver failed, the server was not tried: %s", msg);
			return SD_RUN_ERROR;
		}
		unsigned port = sd_session_port(s);
		char others[600] = "";
		if ((e == SD_ERR_REFUSED || e == SD_ERR_TIMEOUT) && (port == 25 || port == 587 || port == 465)) {
			sd_report_phase(r, "other mail ports of %s", sd_session_server(s));
			other_ports(s, r, others, sizeof(others));
		}
		sd_finding *f = sd_report_finding(
			r, SD_CRIT, id, "%s%s%s%s", e == SD_ERR_REFUSED ? "connection refused: " : "", msg,
			e == SD_ERR_TIMEOUT && port == 25 && others[0]
				? " (port 25 times out from here: typical of ISP filtering of outbound port 25)"
				: "",
			others);
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
