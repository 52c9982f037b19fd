/* SPDX-License-Identifier: MIT */
/*
 * response_time.c - check "response-time": how fast each phase answers.
 *
 * Compares connect, greeting, EHLO and (when TLS ran before this check)
 * STARTTLS, handshake and EHLO-after-TLS times with the profile's thresholds.
 * The greeting is judged apart: a server whose greeting is slow while its
 * EHLO answer is fast is delaying on purpose (tarpit, greet pause,
 * postscreen), which is reported as information, not as a slow server.
 */
#include <stdio.h>

#include <smtpdiag/plugin.h>

static const char *const requires[] = { "connect", NULL };

static const sd_param_spec params[] = {
	{ "connect_warn", SD_PARAM_DURATION, "1s", "TCP connect slower than this is a warning" },
	{ "connect_crit", SD_PARAM_DURATION, "5s", "TCP connect slower than this is critical" },
	{ "greeting_warn", SD_PARAM_DURATION, "5s", "greeting slower than this is a warning" },
	{ "greeting_crit", SD_PARAM_DURATION, "30s", "greeting slower than this is critical" },
	{ "ehlo_warn", SD_PARAM_DURATION, "2s", "EHLO reply slower than this is a warning" },
	{ "ehlo_crit", SD_PARAM_DURATION, "10s", "EHLO reply slower than this is critical" },
	{ "tls_warn", SD_PARAM_DURATION, "2s", "TLS handshake slower than this is a warning" },
	{ "tls_crit", SD_PARAM_DURATION, "10s", "TLS handshake slower than this is critical" },
	{ "total_warn", SD_PARAM_DURATION, "0", "all phases together slower than this is a warning (0: off; -w)" },
	{ "total_crit", SD_PARAM_DURATION, "0", "all phases together slower than this is critical (0: off; -c)" },
	{ NULL, 0, NULL, NULL },
};

typedef struct phase_rule {
	sd_phase phase;
	const char *label;
	const char *warn, *crit;   /* parameter names */
	const char *id;
} phase_rule;

static const phase_rule rules[] = {
	{ SD_PHASE_CONNECT, "connect", "connect_warn", "connect_crit", "response-time.connect_slow" },
	{ SD_PHASE_GREETING, "greeting", "greeting_warn", "greeting_crit", "response-time.greeting_slow" },
	{ SD_PHASE_EHLO, "EHLO", "ehlo_warn", "ehlo_crit", "response-time.ehlo_slow" },
	{ SD_PHASE_STARTTLS, "STARTTLS", "ehlo_warn", "ehlo_crit", "response-time.starttls_slow" },
	{ SD_PHASE_TLS, "TLS handshake", "tls_warn", "tls_crit", "response-time.tls_slow" },
	{ SD_PHASE_EHLO_TLS, "EHLO after TLS", "ehlo_warn", "ehlo_crit", "response-time.ehlo_tls_slow" },
};

/* run - the response_time check: report the session's phase times against their thresholds */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	char line[512] = "";
	size_t used = 0;

	sd_report_phase(r, "Response times");
	/* make sure the phases were measured, also when run alone */
	(void)sd_session_ehlo(s);

	double ehlo = sd_session_phase_ms(s, SD_PHASE_EHLO), total = 0;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const phase_rule *ru = &rules[i];
		double ms = sd_session_phase_ms(s, ru->phase);
		char key[64];

		if (ms < 0)
			continue;
		snprintf(key, sizeof(key), "%s_ms", sd_phase_name(ru->phase));
		sd_report_fact_ms(r, key, ms);
		total += ms;
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s %.1f ms", used ? ", " : "",
					 ru->label, ms);
		if (used >= sizeof(line))
			used = sizeof(line) - 1;

		long long warn = sd_param_duration_ms(p, ru->warn), crit = sd_param_duration_ms(p, ru->crit);
		sd_severity sev = ms >= (double)crit ? SD_CRIT : ms >= (double)warn ? SD_WARN : SD_OK;
		if (sev == SD_OK)
			continue;
		if (ru->phase == SD_PHASE_GREETING && ehlo >= 0 && ehlo < (double)sd_param_duration_ms(p, "ehlo_warn")) {
			sd_finding *f = sd_report_finding(r, SD_INFO, "response-time.greeting_delayed",
							  "greeting took %.1f s while EHLO answered in %.1f ms: a deliberate "
							  "greeting delay, not a slow server",
							  ms / 1000, ehlo);
			sd_finding_cause(f, "tarpitting or a greet pause (Postfix postscreen_greet_wait, Sendmail "
					    "greet_pause, Exim smtp_banner delays); senders wait it out, and RFC 5321 "
					    "4.5.3.2.1 gives clients 5 minutes for the greeting");
			continue;
		}
		sd_finding *f = sd_report_finding(r, sev, ru->id, "%s took %.1f ms (%s at %lld ms)", ru->label, ms,
						  sev == SD_CRIT ? "critical" : "warning",
						  sev == SD_CRIT ? crit : warn);
		sd_finding_cause(f, ru->phase == SD_PHASE_CONNECT
					    ? "network latency or packet loss on the path, or a saturated listener backlog"
					    : "the server does slow work before answering: DNS lookups of the client "
					      "(reverse DNS, DNSBL), policy services, or overload");
		if (ru->phase != SD_PHASE_CONNECT)
			sd_finding_fix(f, "check the server's DNS resolver (a local caching resolver helps), its "
					  "policy services and its load");
	}
	double first = sd_session_phase_ms(s, SD_PHASE_GREETING_FIRST);
	if (first >= 0)
		sd_report_fact_ms(r, "greeting_first_byte_ms", first);
	if (used == 0) {
		sd_report_finding(r, SD_INFO, "response-time.nothing_measured", "no phase completed; nothing to time");
		return SD_RUN_DONE;
	}
	sd_report_fact_ms(r, "total_ms", total);
	long long tw = sd_param_duration_ms(p, "total_warn"), tc = sd_param_duration_ms(p, "total_crit");
	if ((tc > 0 && total >= (double)tc) || (tw > 0 && total >= (double)tw)) {
		int crit = tc > 0 && total >= (double)tc;
		sd_finding *f = sd_report_finding(r, crit ? SD_CRIT : SD_WARN, "response-time.total_slow",
						  "connect to usable session took %.1f ms (%s at %lld ms)", total,
						  crit ? "critical" : "warning", crit ? tc : tw);
		sd_finding_cause(f, "the sum of the phases above; see the slowest one");
	}
	sd_report_note(r, "%s", line);
	sd_report_summary(r, "%s", line);
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(response_time) = {
	.abi = SD_PLUGIN_ABI,
	.name = "response-time",
	.title = "Response times",
	.summary = "per-phase latency (connect, greeting, EHLO) against warning/critical thresholds",
	.requires = requires,
	.params = params,
	.run = run,
};
