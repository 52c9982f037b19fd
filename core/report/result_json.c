/* SPDX-License-Identifier: MIT */
/*
 * result_json.c - one target's result as a JSON document.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/result_json.h"
#include "smtp/transcript.h"
#include "base/util.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

/* ms_value - duration MS as a JSON number of three decimals (null when negative) */
static json_t *ms_value(double ms)
{
	if (ms < 0)
		return json_null();
	return json_real((double)(long long)(ms * 1000.0 + 0.5) / 1000.0);
}

/* str_or_null - S as JSON text, or null when NULL or empty */
static json_t *str_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? sd_json_text(s) : json_null();
}

/* finding_json - finding F as a JSON object */
static json_t *finding_json(const sd_finding *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(f->id));
	json_object_set_new(o, "severity", json_string(sd_severity_name(f->severity)));
	if (f->severity != f->default_severity)
		json_object_set_new(o, "default_severity", json_string(sd_severity_name(f->default_severity)));
	json_object_set_new(o, "summary", sd_json_text(f->summary));
	json_object_set_new(o, "cause", f->cause != NULL ? sd_json_text(f->cause) : json_null());
	json_object_set_new(o, "fix", f->fix != NULL ? sd_json_text(f->fix) : json_null());
	if (f->kind != NULL)
		json_object_set_new(o, "kind", json_string(f->kind));
	json_object_set(o, "details", f->details);
	if (f->references != NULL && json_array_size(f->references) > 0)
		json_object_set(o, "references", f->references);
	return o;
}

/* check_json - check report R as a JSON object with its facts, findings and notes */
static json_t *check_json(const sd_report *r)
{
	json_t *o = json_object(), *fa = json_array(), *na = json_array();

	json_object_set_new(o, "name", json_string(r->check));
	json_object_set_new(o, "status", json_string(r->state == SD_CHECK_SKIPPED
							     ? "skipped"
							     : sd_severity_name(sd_report_status(r))));
	json_object_set_new(o, "title", sd_json_text(r->title));
	json_object_set_new(o, "summary", str_or_null(r->summary));
	json_object_set_new(o, "skip_reason", str_or_null(r->skip_reason));
	json_object_set_new(o, "duration_ms", r->state == SD_CHECK_SKIPPED ? json_null() : ms_value(r->duration_ms));
	json_object_set(o, "facts", r->facts);
	for (size_t i = 0; i < r->nfindings; i++)
		json_array_append_new(fa, finding_json(r->findings[i]));
	json_object_set_new(o, "findings", fa);
	for (size_t i = 0; i < r->nnotes; i++) {
		json_array_append_new(na, sd_json_text(r->notes[i]));
	}
	json_object_set_new(o, "notes", na);
	return o;
}

/* transcript_json - transcript T as a JSON array of {conn, t_ms, dir, line} */
static json_t *transcript_json(const sd_transcript *t)
{
	static const char *const dirs[] = { "client", "server", "event" };
	const sd_transcript_entry *e;
	size_t n = sd_transcript_entries(t, &e);
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "conn", json_integer(e[i].conn));
		json_object_set_new(o, "t_ms", ms_value(e[i].t_ms));
		json_object_set_new(o, "dir", json_string(dirs[e[i].dir]));
		json_object_set_new(o, "line", sd_json_text(e[i].text));
		json_array_append_new(a, o);
	}
	return a;
}

/* compliance_json - RES's compliance counts and requirement rows as a JSON object */
static json_t *compliance_json(const sd_target_result *res)
{
	json_t *o = json_object(), *rows = json_array();

	json_object_set_new(o, "passed", json_integer((json_int_t)res->req_passed));
	json_object_set_new(o, "failed", json_integer((json_int_t)res->req_failed));
	json_object_set_new(o, "not_tested", json_integer((json_int_t)res->req_not_tested));
	for (size_t i = 0; i < res->ncompliance; i++) {
		const sd_compliance_row *row = &res->compliance[i];
		json_t *r = json_object(), *ev = json_array();
		json_object_set_new(r, "id", sd_json_text(row->req->id));
		json_object_set_new(r, "title", sd_json_text(row->req->title));
		json_object_set_new(r, "source", sd_json_text(row->req->source));
		json_object_set_new(r, "status", json_string(sd_req_status_name(row->status)));
		for (size_t j = 0; j < row->nevidence; j++)
			json_array_append_new(ev, sd_json_text(row->evidence[j]));
		json_object_set_new(r, "evidence", ev);
		json_array_append_new(rows, r);
	}
	json_object_set_new(o, "requirements", rows);
	return o;
}

/* sd_result_to_json - the documented report shape */
/* sd_verdict_name - OK / WARNING / CRITICAL / UNKNOWN from an exit code */
const char *sd_verdict_name(int exit_code)
{
	static const char *const words[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };
	return words[exit_code >= 0 && exit_code <= 2 ? exit_code : 3];
}

/* sd_result_to_json - the JSON document of target result RES (docs/json.md) */
json_t *sd_result_to_json(const sd_target_result *res)
{
	json_t *doc = json_object(), *tool = json_object(), *target = json_object(), *profile = json_object(),
	       *timings = json_object(), *checks = json_array();
	char when[32];
	struct tm tm;

	json_object_set_new(doc, "schema_version", json_integer(SD_JSON_SCHEMA_VERSION));
	json_object_set_new(tool, "name", json_string("smtp-diag"));
	json_object_set_new(tool, "version", json_string(PACKAGE_VERSION));
	json_object_set_new(doc, "tool", tool);

	json_object_set_new(target, "server", sd_json_text(res->cfg.server));
	json_object_set_new(target, "address", str_or_null(res->cfg.address));
	json_object_set_new(target, "port", json_integer(res->cfg.port));
	json_object_set_new(target, "tls", json_string(sd_tls_mode_name(res->cfg.tls)));
	json_object_set_new(target, "peer", str_or_null(res->peer));
	json_object_set_new(target, "local", str_or_null(res->local));
	json_object_set_new(target, "ehlo_name", str_or_null(res->ehlo_name));
	if (res->mx_preference >= 0)
		json_object_set_new(target, "mx_preference", json_integer(res->mx_preference));
	json_object_set_new(doc, "target", target);

	json_object_set_new(profile, "name", json_string(res->profile_name));
	json_object_set_new(profile, "path", str_or_null(res->profile_path));
	json_object_set_new(doc, "profile", profile);

	gmtime_r(&res->started, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(doc, "started", json_string(when));
	json_object_set_new(doc, "duration_ms", ms_value(res->duration_ms));
	json_object_set_new(doc, "status", json_string(sd_severity_name(res->worst)));
	json_object_set_new(doc, "verdict", json_string(sd_verdict_name(res->exit_code)));
	json_object_set_new(doc, "exit_code", json_integer(res->exit_code));
	json_object_set_new(doc, "summary", sd_json_text(res->summary));
	if (res->answers != NULL)   /* a server audit only: not the domain part of a --domain run */
		json_object_set_new(doc, "answers", json_deep_copy(res->answers));

	for (int i = 0; i < SD_PHASE_COUNT; i++) {
		char key[64];
		snprintf(key, sizeof(key), "%s_ms", sd_phase_name((sd_phase)i));
		json_object_set_new(timings, key, ms_value(res->phases[i]));
	}
	json_object_set_new(doc, "timings", timings);

	for (size_t i = 0; i < res->nchecks; i++)
		json_array_append_new(checks, check_json(res->checks[i]));
	json_object_set_new(doc, "checks", checks);
	if (res->ncompliance > 0)
		json_object_set_new(doc, "compliance", compliance_json(res));
	if (res->transcript != NULL)
		json_object_set_new(doc, "transcript", transcript_json(res->transcript));
	return doc;
}

/* sd_domain_to_json - a --domain run: the domain part, then every MX host */
json_t *sd_domain_to_json(const sd_domain_result *d)
{
	const sd_target_result *res = d->domain;
	json_t *doc = sd_result_to_json(res), *dom = json_object(), *mx = json_array(), *servers = json_array();

	json_object_del(doc, "target");
	json_object_del(doc, "timings");
	json_object_set_new(dom, "name", sd_json_text(res->cfg.domain));
	for (size_t i = 0; i < res->cfg.nmx; i++) {
		const sd_mx_host *h = &res->cfg.mx[i];
		json_t *o = json_object(), *addrs = json_array();
		json_object_set_new(o, "preference", json_integer(h->preference));
		json_object_set_new(o, "host", sd_json_text(h->name));
		char *copy = sd_xstrdup(h->addresses != NULL ? h->addresses : ""), *save = NULL;
		for (char *a = strtok_r(copy, ",", &save); a != NULL; a = strtok_r(NULL, ",", &save))
			json_array_append_new(addrs, json_string(a));
		free(copy);
		json_object_set_new(o, "addresses", addrs);
		json_object_set_new(o, "problem", str_or_null(h->problem));
		json_array_append_new(mx, o);
	}
	json_object_set_new(dom, "mx", mx);
	json_object_set_new(doc, "domain", dom);
	json_object_set_new(doc, "duration_ms", ms_value(d->duration_ms));
	json_object_set_new(doc, "status", json_string(sd_severity_name(d->worst)));
	json_object_set_new(doc, "verdict", json_string(sd_verdict_name(d->exit_code)));
	json_object_set_new(doc, "exit_code", json_integer(d->exit_code));
	json_object_set_new(doc, "summary", sd_json_text(d->summary));
	for (size_t i = 0; i < d->ntargets; i++)
		json_array_append_new(servers, sd_result_to_json(d->targets[i]));
	json_object_set_new(doc, "servers", servers);
	return doc;
}
