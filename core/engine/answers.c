/* SPDX-License-Identifier: MIT */
/*
 * answers.c - the six answers of one server audit, for the result line.
 *
 * Read from the checks' facts and findings after the run: reachable (and
 * the connect time), the software the greeting names, TLS (version and
 * cipher, or its absence), the certificate (valid N days, or its worst
 * problem), the relay verdict (relay or relay-light), and the average
 * response time of the main session's commands. Each answer is JSON null
 * when the check that gives it did not run (e.g. with --checks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/answers.h"
#include "base/util.h"

/* find - the report of check NAME in RES (NULL when it did not run) */
static const sd_report *find(const sd_target_result *res, const char *name)
{
	for (size_t i = 0; i < res->nchecks; i++)
		if (strcmp(res->checks[i]->check, name) == 0)
			return res->checks[i];
	return NULL;
}

/* ran - R exists and its check ran (not skipped) */
static int ran(const sd_report *r)
{
	return r != NULL && r->state == SD_CHECK_RAN;
}

/* ms - milliseconds to the microsecond, as elsewhere in the JSON */
static json_t *ms(double v)
{
	return json_real((double)(long long)(v * 1000 + 0.5) / 1000);
}

/* fact_str - the string fact KEY of report R (NULL when R, or a string KEY, is missing) */
static const char *fact_str(const sd_report *r, const char *key)
{
	json_t *v = r != NULL && r->facts != NULL ? json_object_get(r->facts, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* cert_words - a certificate problem in words for the result line */
static const char *cert_words(const char *id)
{
	static const struct {
		const char *id, *words;
	} words[] = {
		{ "certificate.expired", "certificate expired" },
		{ "certificate.expiring", "certificate expires soon" },
		{ "certificate.not_yet_valid", "certificate not yet valid" },
		{ "certificate.hostname_mismatch", "certificate for another name" },
		{ "certificate.self_signed", "self-signed certificate" },
		{ "certificate.untrusted", "certificate not trusted" },
		{ "certificate.missing_intermediate", "certificate chain incomplete (intermediate missing)" },
		{ "certificate.chain_too_long", "certificate chain too long" },
		{ "certificate.weak_key", "certificate key too weak" },
		{ "certificate.weak_signature", "certificate signature too weak" },
		{ "certificate.sni_required", "certificate depends on SNI" },
		{ "certificate.name_nul", "certificate name with a NUL byte" },
		{ "certificate.none", "no certificate" },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(id, words[i].id) == 0)
			return words[i].words;
	return "certificate problem";
}

/* worst_problem - the first finding of R with a warning or worse, or NULL */
static const sd_finding *worst_problem(const sd_report *r)
{
	const sd_finding *w = r != NULL ? sd_report_worst(r) : NULL;
	return w != NULL && w->severity >= SD_WARN ? w : NULL;
}

/* has_finding - does report R hold a finding with id ID */
static int has_finding(const sd_report *r, const char *id)
{
	for (size_t i = 0; r != NULL && i < r->nfindings; i++)
		if (strcmp(r->findings[i]->id, id) == 0)
			return 1;
	return 0;
}

/* append - PREFIX, A and B as one part of the line, "; " between parts */
static void append(char **line, const char *prefix, const char *a, const char *b)
{
	char *n = sd_asprintf("%s%s%s%s%s%s", *line, (*line)[0] ? "; " : "", prefix, a != NULL ? a : "",
			      b != NULL && a != NULL ? " " : "", b != NULL ? b : "");
	free(*line);
	*line = n;
}

/* sd_answers_build - the answers object of RES, or NULL when RES has no
 * connect check (the domain part of a --domain run, a host not audited) */
json_t *sd_answers_build(const sd_target_result *res, char **line_out)
{
	const sd_report *connect = find(res, "connect");
	char *line = sd_xstrdup("");
	char num[64];

	*line_out = NULL;
	if (!ran(connect)) {
		free(line);
		return NULL;
	}
	json_t *a = json_object();

	/* 1. reachable, and how fast */
	/* TCP answered even when implicit TLS then failed on that connection */
	int reachable = connect->run_status == SD_RUN_DONE || res->phases[SD_PHASE_CONNECT] >= 0;
	json_object_set_new(a, "reachable", json_boolean(reachable));
	if (reachable && res->phases[SD_PHASE_CONNECT] >= 0) {
		json_object_set_new(a, "connect_ms", ms(res->phases[SD_PHASE_CONNECT]));
		snprintf(num, sizeof(num), "%.1f ms", res->phases[SD_PHASE_CONNECT]);
		append(&line, "reachable in ", num, NULL);
	} else {
		json_object_set_new(a, "connect_ms", json_null());
		const char *err = fact_str(connect, "error");
		/* a resolver that did not answer says nothing about the server */
		append(&line, reachable ? "reachable"
			      : err != NULL && strcmp(err, "resolver") == 0 ? "reachability unknown (the DNS resolver failed)"
									     : "not reachable",
		       NULL, NULL);
	}

	/* 2. software */
	const sd_report *banner = find(res, "banner");
	const char *sw = ran(banner) ? fact_str(banner, "software") : NULL;
	if (sw != NULL && strcmp(sw, "unknown") == 0)
		sw = NULL;
	json_object_set_new(a, "software", sw != NULL ? sd_json_text(sw) : json_null());
	if (sw != NULL)
		append(&line, "", sw, NULL);
	else if (ran(banner) && banner->run_status == SD_RUN_DONE)
		append(&line, "software not named", NULL, NULL);

	/* 3. TLS */
	const sd_report *tls = find(res, "starttls");
	if (ran(tls)) {
		json_t *t = json_object();
		const char *v = fact_str(tls, "version"), *c = fact_str(tls, "cipher");
		json_object_set_new(t, "active", json_boolean(v != NULL));
		json_object_set_new(t, "version", v != NULL ? json_string(v) : json_null());
		json_object_set_new(t, "cipher", c != NULL ? json_string(c) : json_null());
		const sd_finding *p = v == NULL ? worst_problem(tls) : NULL;
		json_object_set_new(t, "problem", p != NULL ? sd_json_text(p->summary) : json_null());
		json_object_set_new(a, "tls", t);
		if (v != NULL)
			append(&line, "", v, c);
		else
			append(&line, "no TLS", NULL, NULL);
	} else {
		json_object_set_new(a, "tls", json_null());
	}

	/* 4. certificate */
	const sd_report *cert = find(res, "certificate");
	if (ran(cert) && cert->run_status == SD_RUN_DONE) {
		json_t *c = json_object();
		json_t *d = cert->facts != NULL ? json_object_get(cert->facts, "days_left") : NULL;
		const sd_finding *p = worst_problem(cert);
		json_object_set_new(c, "valid", json_boolean(p == NULL));
		json_object_set_new(c, "days_left", json_is_integer(d) ? json_integer(json_integer_value(d)) : json_null());
		json_object_set_new(c, "problem", p != NULL ? sd_json_text(p->summary) : json_null());
		json_object_set_new(a, "certificate", c);
		if (p != NULL)
			append(&line, cert_words(p->id), NULL, NULL);
		else if (json_is_integer(d)) {
			snprintf(num, sizeof(num), "%lld days", (long long)json_integer_value(d));
			append(&line, "certificate valid ", num, NULL);
		} else
			append(&line, "certificate valid", NULL, NULL);
	} else {
		json_object_set_new(a, "certificate", json_null());
	}

	/* 5. open relay */
	const sd_report *relay = find(res, "relay");
	if (!ran(relay))
		relay = find(res, "relay-light");
	if (ran(relay) && relay->run_status == SD_RUN_DONE) {
		const char *verdict, *word;
		if (has_finding(relay, "relay.open"))
			verdict = "open", word = "OPEN RELAY";
		else if (has_finding(relay, "relay.incomplete"))
			verdict = "not_determined", word = "relay test not determined";
		else if (has_finding(relay, "relay.auth_required"))
			verdict = "auth_required", word = "no relay without authentication";
		else if (has_finding(relay, "relay.inconclusive"))
			verdict = "inconclusive", word = "relay inconclusive";
		else
			verdict = "closed", word = "not an open relay";
		json_t *o = json_object();
		json_object_set_new(o, "verdict", json_string(verdict));
		json_object_set_new(o, "check", json_string(relay->check));
		json_t *n = relay->facts != NULL ? json_object_get(relay->facts, "forms_tried") : NULL;
		json_object_set_new(o, "forms_tried", json_is_integer(n) ? json_integer(json_integer_value(n)) : json_null());
		json_object_set_new(a, "relay", o);
		append(&line, word, NULL, NULL);
	} else {
		json_object_set_new(a, "relay", json_null());
	}

	/* 6. average response time of the main session's commands; a
	 * deliberate greeting pause (banner.greet_pause: postscreen's
	 * multi-line early-talker test) is the server's policy, not its
	 * responsiveness, and would be most of the mean: left out, and said */
	static const sd_phase timed[] = { SD_PHASE_GREETING, SD_PHASE_EHLO, SD_PHASE_STARTTLS, SD_PHASE_EHLO_TLS };
	int paused = has_finding(banner, "banner.greet_pause") && res->phases[SD_PHASE_GREETING] >= 0;
	double sum = 0;
	int n = 0;
	for (size_t i = paused ? 1 : 0; i < sizeof(timed) / sizeof(timed[0]); i++)
		if (res->phases[timed[i]] >= 0) {
			sum += res->phases[timed[i]];
			n++;
		}
	json_object_set_new(a, "greeting_pause_ms", paused ? ms(res->phases[SD_PHASE_GREETING]) : json_null());
	if (n > 0) {
		json_object_set_new(a, "response_ms_avg", ms(sum / n));
		if (paused)
			snprintf(num, sizeof(num), "%.1f ms (greeting's %.1f s pause not counted)", sum / n,
				 res->phases[SD_PHASE_GREETING] / 1000);
		else
			snprintf(num, sizeof(num), "%.1f ms", sum / n);
		append(&line, "average response ", num, NULL);
	} else {
		json_object_set_new(a, "response_ms_avg", json_null());
	}
	/* then the worst finding, if any */
	const sd_finding *worst = NULL;
	for (size_t i = 0; i < res->nchecks; i++) {
		const sd_finding *w = sd_report_worst(res->checks[i]);
		if (w != NULL && w->severity >= SD_WARN && (worst == NULL || w->severity > worst->severity))
			worst = w;
	}
	if (worst != NULL) {
		json_t *w = json_object();
		json_object_set_new(w, "id", json_string(worst->id));
		json_object_set_new(w, "severity", json_string(sd_severity_name(worst->severity)));
		json_object_set_new(w, "summary", sd_json_text(worst->summary));
		json_object_set_new(a, "worst", w);
	} else {
		json_object_set_new(a, "worst", json_null());
	}
	json_object_set_new(a, "line", sd_json_text(line));
	*line_out = line;
	return a;
}
