/*
 * connect.c - check "connect": can we reach the SMTP port at all?
 *
 * Tries every address of the target in order (see core/net.c) and reports
 * each attempt, the address that answered and the TCP handshake time. A
 * failure is named for what it is: refused (nothing listens), timed out
 * (filtered or down), unreachable (routing), or no address (DNS).
 */
#include <smtpdiag/plugin.h>

static void explain(sd_finding *f, sd_error e, unsigned port)
{
	switch (e) {
	case SD_ERR_REFUSED:
		sd_finding_cause(f, "the host answered but nothing listens on port %u: the mail service is stopped, "
				    "listens on another port or address (Postfix: inet_interfaces / master.cf; "
				    "Exchange: Receive Connector bindings), or a firewall rejects with RST", port);
		sd_finding_fix(f, "start the mail service and make it listen on this address and port; check the "
				  "service's bindings and the host firewall");
		break;
	case SD_ERR_TIMEOUT:
		sd_finding_cause(f, "no answer to the TCP handshake: a firewall drops the packets (many ISPs block "
				    "outbound port 25), the host is down, or the address is wrong");
		sd_finding_fix(f, "test from another network; open port %u in the host and network firewalls; "
				  "check that the address is the server's", port);
		break;
	case SD_ERR_UNREACHABLE:
		sd_finding_cause(f, "no route to the host from here (network or host unreachable)");
		sd_finding_fix(f, "check routing and addressing, and whether this machine has IPv6/IPv4 "
				  "connectivity for the address family used");
		break;
	case SD_ERR_RESOLVE:
		sd_finding_cause(f, "the server name does not resolve to an address");
		sd_finding_fix(f, "check the name's A/AAAA records, or give the address with --address");
		break;
	default:
		break;
	}
}

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
		explain(f, e, sd_session_port(s));
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
