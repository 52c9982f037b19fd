/* SPDX-License-Identifier: MIT */
/*
 * findings.c - the findings model: facts, notes and findings of one check.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diagnosis/findings.h"
#include "base/util.h"

static const char *const severity_names[] = {
	[SD_OK] = "ok", [SD_INFO] = "info", [SD_WARN] = "warning",
	[SD_CRIT] = "critical", [SD_CHECK_ERROR] = "error",
};

/* sd_severity_name - stable lower-case word */
const char *sd_severity_name(sd_severity s)
{
	return (unsigned)s <= SD_CHECK_ERROR ? severity_names[s] : "unknown";
}

/* sd_severity_parse - word to severity */
int sd_severity_parse(const char *s, sd_severity *out)
{
	for (int i = SD_OK; i <= SD_CHECK_ERROR; i++)
		if (strcmp(s, severity_names[i]) == 0) {
			*out = (sd_severity)i;
			return 0;
		}
	if (strcmp(s, "warn") == 0 || strcmp(s, "crit") == 0) {
		*out = s[0] == 'w' ? SD_WARN : SD_CRIT;
		return 0;
	}
	return -1;
}

/* replace - free *DST and set it to the formatted text */
static void replace(char **dst, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* replace - free *DST and set it to the formatted text */
static void replace(char **dst, const char *fmt, va_list ap)
{
	free(*dst);
	*dst = sd_vasprintf(fmt, ap);
}

/* sd_report_new - an empty report */
sd_report *sd_report_new(const char *check, const char *title)
{
	sd_report *r = sd_xcalloc(1, sizeof(*r));

	r->check = sd_xstrdup(check);
	r->title = sd_xstrdup(title != NULL ? title : check);
	r->facts = json_object();
	return r;
}

/* finding_free - free finding F with its texts, details and references */
static void finding_free(sd_finding *f)
{
	free(f->id);
	free(f->summary);
	free(f->cause);
	free(f->fix);
	free(f->kind);
	json_decref(f->details);
	json_decref(f->references);
	free(f);
}

/* sd_report_free - free everything the report holds */
void sd_report_free(sd_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nfindings; i++)
		finding_free(r->findings[i]);
	free(r->findings);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	json_decref(r->facts);
	free(r->check);
	free(r->title);
	free(r->step);
	free(r->summary);
	free(r->skip_reason);
	free(r);
}

/* sd_report_drop_findings - forget R's findings (a check cut short by the
 * run's deadline: its timeouts are the deadline's, not the server's) */
void sd_report_drop_findings(sd_report *r)
{
	for (size_t i = 0; i < r->nfindings; i++)
		finding_free(r->findings[i]);
	free(r->findings);
	r->findings = NULL;
	r->nfindings = 0;
}

/* sd_report_status - worst severity */
sd_severity sd_report_status(const sd_report *r)
{
	const sd_finding *w = sd_report_worst(r);
	return w != NULL ? w->severity : SD_OK;
}

/* sd_report_worst - the first finding of the worst severity */
const sd_finding *sd_report_worst(const sd_report *r)
{
	const sd_finding *w = NULL;

	for (size_t i = 0; i < r->nfindings; i++)
		if (w == NULL || r->findings[i]->severity > w->severity)
			w = r->findings[i];
	return w;
}

/* sd_report_phase - the first call titles the check (the progress line,
 * and its title in JSON and HTML); later calls are sub-steps, kept in
 * r->step, so a check that goes on to probe each MX host is still titled
 * by what it checks */
void sd_report_phase(sd_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	replace(r->title_set ? &r->step : &r->title, fmt, ap);
	va_end(ap);
	r->title_set = 1;
	if (r->on_phase != NULL && !r->title_shown)
		r->on_phase(r->on_phase_ctx, r);
}

/* sd_report_summary - one line for an all-clear */
void sd_report_summary(sd_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	replace(&r->summary, fmt, ap);
	va_end(ap);
}

/* sd_report_note - a line for people */
void sd_report_note(sd_report *r, const char *fmt, ...)
{
	va_list ap;

	r->notes = sd_xrealloc(r->notes, (r->nnotes + 1) * sizeof(char *));
	va_start(ap, fmt);
	r->notes[r->nnotes++] = sd_vasprintf(fmt, ap);
	va_end(ap);
}

/* set_fact - set fact KEY of R to V (taking the reference) */
static void set_fact(sd_report *r, const char *key, json_t *v)
{
	json_object_set_new(r->facts, key, v);
}

/* sd_json_text - a JSON string of arbitrary server bytes: jansson
 * refuses invalid UTF-8, so such text is escaped and non-ASCII replaced */
json_t *sd_json_text(const char *s)
{
	json_t *j = json_string(s);

	if (j == NULL) {
		char *p = sd_printable(s);
		for (char *c = p; *c; c++)
			if ((unsigned char)*c >= 0x80)
				*c = '?';
		j = json_string(p);
		free(p);
	}
	return j;
}

/* sd_report_fact_str - set fact KEY of R to the formatted text */
void sd_report_fact_str(sd_report *r, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = sd_vasprintf(fmt, ap);
	va_end(ap);
	set_fact(r, key, sd_json_text(s));
	free(s);
}

/* sd_report_fact_int - set fact KEY of R to the integer VALUE */
void sd_report_fact_int(sd_report *r, const char *key, long long value)
{
	set_fact(r, key, json_integer(value));
}

/* sd_report_fact_bool - set fact KEY of R to the boolean VALUE */
void sd_report_fact_bool(sd_report *r, const char *key, bool value)
{
	set_fact(r, key, json_boolean(value));
}

/* sd_report_fact_ms - set fact KEY of R to the duration MS, rounded to three decimals */
void sd_report_fact_ms(sd_report *r, const char *key, double ms)
{
	/* three decimals are plenty and keep JSON stable to read */
	set_fact(r, key, json_real((double)(long long)(ms * 1000.0 + 0.5) / 1000.0));
}

/* sd_report_fact_list_add - append VALUE to the list fact KEY of R (made a list
 * when it is not one) */
void sd_report_fact_list_add(sd_report *r, const char *key, const char *value)
{
	json_t *a = json_object_get(r->facts, key);

	if (!json_is_array(a)) {
		a = json_array();
		set_fact(r, key, a);
	}
	json_array_append_new(a, sd_json_text(value));
}

/* sd_report_fact_map_add - set SUBKEY of the object fact KEY of R to VALUE
 * (made an object when it is not one) */
void sd_report_fact_map_add(sd_report *r, const char *key, const char *subkey, const char *value)
{
	json_t *o = json_object_get(r->facts, key);

	if (!json_is_object(o)) {
		o = json_object();
		set_fact(r, key, o);
	}
	json_object_set_new(o, subkey, sd_json_text(value));
}

/* sd_report_finding - add a finding, applying the profile's override */
sd_finding *sd_report_finding(sd_report *r, sd_severity sev, const char *id, const char *fmt, ...)
{
	sd_finding *f = sd_xcalloc(1, sizeof(*f));
	va_list ap;

	f->default_severity = sev;
	f->severity = sev;
	for (size_t i = 0; i < r->noverrides; i++)
		if (strcmp(r->overrides[i].id, id) == 0)
			f->severity = r->overrides[i].severity;
	f->id = sd_xstrdup(id);
	va_start(ap, fmt);
	f->summary = sd_vasprintf(fmt, ap);
	va_end(ap);
	f->details = json_object();
	r->findings = sd_xrealloc(r->findings, (r->nfindings + 1) * sizeof(*r->findings));
	r->findings[r->nfindings++] = f;
	return f;
}

/* sd_finding_cause - set the cause of finding F to the formatted text */
void sd_finding_cause(sd_finding *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	replace(&f->cause, fmt, ap);
	va_end(ap);
}

/* sd_finding_fix - set the fix of finding F to the formatted text */
void sd_finding_fix(sd_finding *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	replace(&f->fix, fmt, ap);
	va_end(ap);
}

/* sd_finding_kind - set the kind of finding F to a copy of KIND (NULL clears it) */
void sd_finding_kind(sd_finding *f, const char *kind)
{
	free(f->kind);
	f->kind = kind != NULL ? sd_xstrdup(kind) : NULL;
}

/* sd_finding_reference - add a CVE or RFC the finding concerns, once */
void sd_finding_reference(sd_finding *f, const char *ref)
{
	size_t i;
	json_t *v;

	if (f == NULL || ref == NULL || ref[0] == '\0')
		return;
	if (f->references == NULL)
		f->references = json_array();
	json_array_foreach(f->references, i, v)
		if (strcmp(json_string_value(v), ref) == 0)
			return;
	json_array_append_new(f->references, sd_json_text(ref));
}

/* sd_finding_detail - set detail KEY of finding F to the formatted text */
void sd_finding_detail(sd_finding *f, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = sd_vasprintf(fmt, ap);
	va_end(ap);
	json_object_set_new(f->details, key, sd_json_text(s));
	free(s);
}
