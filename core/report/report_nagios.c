/* SPDX-License-Identifier: MIT */
/*
 * report_nagios.c - monitoring mode (--nagios): the monitoring-plugins
 * output format, so smtp-diag can stand in for check_smtp.
 *
 *   SMTP WARNING - mail.example.com port 25: certificate expires in 20 days | time=0.041s;2;5;0; ...
 *   WARNING certificate.expiring: certificate expires in 20 days      <- long output
 *
 * One status line, performance data (seconds, with the profile's
 * warning/critical thresholds; cert_days with "N:" ranges since fewer days
 * is worse), then one line per warning or critical finding. The exit
 * status is the usual 0/1/2/3. The status line before the perfdata stays
 * under STATUS_MAX characters (the plugin guidelines: a short first line,
 * as check_smtpdiag's): a longer summary (a compliance profile's, a server
 * text) gives way to the verdict in words, the counts and the worst finding's
 * id, and the whole summary opens the long output.
 */
#include <stdlib.h>
#include <string.h>

#include "report/reporters.h"
#include "base/util.h"

static const char *const state_words[] = { "OK", "OK", "WARNING", "CRITICAL", "UNKNOWN" };

#define STATUS_MAX 199   /* the status line without perfdata, as check_smtpdiag's */

/* plan_params - the parameters the plan runs check NAME with, or NULL */
static const sd_params *plan_params(const sd_plan *plan, const char *name)
{
	for (size_t i = 0; plan != NULL && i < plan->n; i++)
		if (strcmp(plan->items[i].check->name, name) == 0)
			return plan->items[i].params;
	return NULL;
}

/* report_of - the report of check NAME in RES when it ran (NULL otherwise) */
static const sd_report *report_of(const sd_target_result *res, const char *name)
{
	for (size_t i = 0; i < res->nchecks; i++)
		if (strcmp(res->checks[i]->check, name) == 0 && res->checks[i]->state == SD_CHECK_RAN)
			return res->checks[i];
	return NULL;
}

/* put_text - server text on a status line: printable, and no '|' (it starts perfdata) */
static void put_text(FILE *out, const char *s)
{
	char *p = sd_printable(s);
	for (char *c = p; *c; c++)
		if (*c == '|')
			*c = '/';
	fputs(p, out);
	free(p);
}

/* threshold - a duration parameter in seconds for perfdata, "" when unset or off */
static void threshold(char *out, size_t size, const sd_params *p, const char *name)
{
	out[0] = '\0';
	if (p == NULL)
		return;
	long long ms = sd_param_duration_ms(p, name);
	if (ms > 0)
		snprintf(out, size, "%g", (double)ms / 1000.0);
}

/* perf_time - write the performance datum PREFIX LABEL=seconds with its warning
 * and critical thresholds (none when MS < 0) */
static void perf_time(FILE *out, const char *prefix, const char *label, double ms, const sd_params *rt,
		      const char *warn, const char *crit)
{
	char w[32], c[32];

	if (ms < 0)
		return;
	threshold(w, sizeof(w), rt, warn);
	threshold(c, sizeof(c), rt, crit);
	fprintf(out, " %s%s=%.6fs;%s;%s;0;", prefix, label, ms / 1000.0, w, c);
}

/* perfdata - one target's measurements; PREFIX tells MX hosts of a domain apart */
static void perfdata(FILE *out, const sd_plan *plan, const sd_target_result *res, const char *prefix)
{
	const sd_params *rt = plan_params(plan, "response-time");
	double total = 0;
	int any = 0;
	static const struct {
		sd_phase phase;
		const char *label, *warn, *crit;
	} phases[] = {
		{ SD_PHASE_CONNECT, "connect", "connect_warn", "connect_crit" },
		{ SD_PHASE_GREETING, "greeting", "greeting_warn", "greeting_crit" },
		{ SD_PHASE_EHLO, "ehlo", "ehlo_warn", "ehlo_crit" },
		{ SD_PHASE_STARTTLS, "starttls", "ehlo_warn", "ehlo_crit" },
		{ SD_PHASE_TLS, "tls", "tls_warn", "tls_crit" },
		{ SD_PHASE_EHLO_TLS, "ehlo_tls", "ehlo_warn", "ehlo_crit" },
	};

	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
		if (res->phases[phases[i].phase] >= 0) {
			total += res->phases[phases[i].phase];
			any = 1;
		}
	/* connected, but no usable session (the greeting or EHLO never came):
	 * the time is how long the audit waited, not the connect alone (a
	 * hung server must not graph as a fast one) */
	if (res->phases[SD_PHASE_CONNECT] >= 0 &&
	    (res->phases[SD_PHASE_GREETING] < 0 || res->phases[SD_PHASE_EHLO] < 0) && res->duration_ms > total)
		total = res->duration_ms;
	/* no phase measured (the connection refused, the address unreachable):
	 * the seconds the run took are still a measurement, as check_smtp's time= */
	if (!any && res->duration_ms > 0) {
		total = res->duration_ms;
		any = 1;
	}
	if (any)
		perf_time(out, prefix, "time", total, rt, "total_warn", "total_crit");
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
		perf_time(out, prefix, phases[i].label, res->phases[phases[i].phase], rt, phases[i].warn,
			  phases[i].crit);

	const sd_report *cert = report_of(res, "certificate");
	json_t *days = cert != NULL ? json_object_get(cert->facts, "days_left") : NULL;
	if (json_is_integer(days)) {
		const sd_params *cp = plan_params(plan, "certificate");
		long long w = cp != NULL ? sd_param_int(cp, "warn_days") : 0, c = cp != NULL ? sd_param_int(cp, "crit_days") : 0;
		fprintf(out, " %scert_days=%lld;%lld:;%lld:;;", prefix, (long long)json_integer_value(days), w, c);
	}
}

/* perf_section - " | label=value..." for each result, nothing when none measured */
static void perf_section(FILE *out, const sd_plan *plan, const sd_target_result *const *res, size_t n,
			 int prefixed)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (m == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		char prefix[300] = "";
		if (prefixed)
			snprintf(prefix, sizeof(prefix), "%s_", res[i]->cfg.server);
		perfdata(m, plan, res[i], prefix);
	}
	fclose(m);
	if (len > 0)
		fprintf(out, " |%s", buf);
	free(buf);
}

/* long_output - write one line per warning or worse finding of RES (prefixed
 * with HOST when given) */
static void long_output(FILE *out, const sd_target_result *res, const char *host)
{
	for (size_t i = 0; i < res->nchecks; i++) {
		const sd_report *r = res->checks[i];
		for (size_t j = 0; j < r->nfindings; j++) {
			const sd_finding *f = r->findings[j];
			if (f->severity < SD_WARN)
				continue;
			fprintf(out, "%s %s%s%s: ", f->severity == SD_CHECK_ERROR ? "UNKNOWN" : state_words[f->severity],
				host != NULL ? host : "", host != NULL ? " " : "", f->id);
			put_text(out, f->summary);
			fputc('\n', out);
		}
	}
}

/* worst_finding - the first finding of the highest severity in RES, or NULL */
static const sd_finding *worst_finding(const sd_target_result *res, const sd_finding *best, size_t *ncrit,
				       size_t *nwarn)
{
	for (size_t i = 0; i < res->nchecks; i++)
		for (size_t j = 0; j < res->checks[i]->nfindings; j++) {
			const sd_finding *f = res->checks[i]->findings[j];
			*ncrit += f->severity == SD_CRIT;
			*nwarn += f->severity == SD_WARN;
			if (f->severity >= SD_WARN && (best == NULL || f->severity > best->severity))
				best = f;
		}
	return best;
}

/* status - the status line up to the perfdata: HEAD then SUMMARY when it
 * fits in STATUS_MAX, else HEAD, the baseline's verdict, the worst
 * finding's summary cut at a clause boundary, and the counts; *SHAPED says
 * which */
static void status(FILE *out, const char *head, const char *summary, const sd_plan *plan, const sd_target_result *main,
		   const sd_target_result *const *more, size_t nmore, int *shaped)
{
	char *h = sd_printable(head), *t = sd_printable(summary != NULL ? summary : "");
	char line[STATUS_MAX + 1];

	*shaped = strlen(h) + strlen(t) > STATUS_MAX;
	if (!*shaped) {
		fputs(h, out);
		put_text(out, t);
		free(h);
		free(t);
		return;
	}
	size_t ncrit = 0, nwarn = 0;
	const sd_finding *w = worst_finding(main, NULL, &ncrit, &nwarn);
	for (size_t i = 0; i < nmore; i++)
		w = worst_finding(more[i], w, &ncrit, &nwarn);
	char verdict[160] = "";
	if (main->req_failed > 0 && plan != NULL && plan->profile != NULL)
		snprintf(verdict, sizeof(verdict), "%.80s: %zu of %zu requirements failed; ",
			 plan->profile->compliance_name != NULL ? plan->profile->compliance_name : plan->profile->name,
			 main->req_failed, main->ncompliance);
	/* the worst finding in words, cut to what is left of the line at a
	 * clause boundary (its lists and server text go to the long output) */
	char counts[96], said[STATUS_MAX + 1] = "";
	snprintf(counts, sizeof(counts), " (%zu critical, %zu warning%s; details below)", ncrit, nwarn,
		 nwarn == 1 ? "" : "s");
	if (w != NULL) {
		char *ws = sd_printable(w->summary != NULL ? w->summary : w->id);
		size_t room = STATUS_MAX - strlen(h) - strlen(verdict) - strlen(counts);
		if (room > STATUS_MAX)   /* the head alone is too long: unsigned wrap */
			room = 0;
		if (strlen(ws) > room) {
			/* before a clause, never inside a parenthesis */
			size_t cut = sd_clause_prefix(ws, room > 4 ? room - 4 : 0);
			snprintf(said, sizeof(said), "%.*s ...", (int)cut, ws);
		} else {
			snprintf(said, sizeof(said), "%s", ws);
		}
		if (room < 12)   /* no room for words: the id */
			snprintf(said, sizeof(said), "%.60s", w->id);
		free(ws);
	}
	snprintf(line, sizeof(line), "%s%s%s%s", h, verdict, said, counts);
	put_text(out, line);
	free(h);
	free(t);
}

/* target_end - write a server's monitoring status line, performance data,
 * summary and long output */
static void target_end(void *ctx, const sd_target_result *res)
{
	sd_nagios_state *st = ctx;
	FILE *out = st->opt.out;

	if (res->cfg.domain != NULL)   /* a --domain run: one line at the end */
		return;
	char *head = sd_asprintf("SMTP %s - %s port %u: ", state_words[res->worst], res->cfg.server, res->cfg.port);
	int shaped;
	status(out, head, res->summary, st->opt.plan, res, NULL, 0, &shaped);
	free(head);
	perf_section(out, st->opt.plan, &res, 1, 0);
	fputc('\n', out);
	if (shaped) {   /* the summary the status line had no room for */
		put_text(out, res->summary);
		fputc('\n', out);
	}
	long_output(out, res, NULL);
	/* the six answers last in the long output; the status line stays short */
	if (res->answers_line != NULL && res->answers_line[0] && strcmp(res->answers_line, res->summary) != 0) {
		put_text(out, res->answers_line);
		fputc('\n', out);
	}
	if (fflush(out) != 0)
		st->failed = 1;
}

/* domain_end - write a --domain run's monitoring status line, performance data,
 * summary and long output */
static void domain_end(void *ctx, const sd_domain_result *d)
{
	sd_nagios_state *st = ctx;
	FILE *out = st->opt.out;

	char *head = sd_asprintf("SMTP %s - domain %s: ", state_words[d->worst], d->domain->cfg.domain);
	int shaped;
	status(out, head, d->summary, st->opt.plan, d->domain, (const sd_target_result *const *)d->targets,
	       d->ntargets, &shaped);
	free(head);
	perf_section(out, st->opt.plan, (const sd_target_result *const *)d->targets, d->ntargets, 1);
	fputc('\n', out);
	if (shaped) {
		put_text(out, d->summary);
		fputc('\n', out);
	}
	long_output(out, d->domain, NULL);
	for (size_t i = 0; i < d->ntargets; i++)
		long_output(out, d->targets[i], d->targets[i]->cfg.server);
	if (fflush(out) != 0)
		st->failed = 1;
}

/* sd_nagios_reporter_init - only the ends of targets and domains print */
void sd_nagios_reporter_init(sd_reporter *rep, sd_nagios_state *state, const sd_nagios_options *opt)
{
	state->opt = *opt;
	state->failed = 0;
	*rep = (sd_reporter){ NULL, NULL, NULL, target_end, state, domain_end };
}
