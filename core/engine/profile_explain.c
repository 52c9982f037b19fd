/* SPDX-License-Identifier: MIT */
/*
 * profile_explain.c - smtp-diag --explain-profile: the profile as it will
 * run, after `extends`, --set and --var, every value with its origin
 * (file:line, --set, a variable, or the check's default).
 */
#include <stdio.h>
#include <string.h>

#include "engine/profile.h"
#include "base/util.h"

/* put_value - a YAML scalar, quoted when plain style would change it */
static void put_value(FILE *out, const char *v)
{
	int plain = v[0] != '\0' && strpbrk(v, ":#{}[],&*!|>'\"%@`") == NULL && v[0] != ' ' &&
		    v[strlen(v) - 1] != ' ' && v[0] != '-' && v[0] != '?';
	if (plain) {
		fputs(v, out);
		return;
	}
	fputc('"', out);
	for (const char *c = v; *c; c++) {
		if (*c == '"' || *c == '\\')
			fputc('\\', out);
		if ((unsigned char)*c < 0x20)
			fprintf(out, "\\x%02x", (unsigned char)*c);
		else
			fputc(*c, out);
	}
	fputc('"', out);
}

/* put_origin - write "   # file:line" of mark M (base name of the file) to OUT */
static void put_origin(FILE *out, const sd_mark *m)
{
	const char *f = m->file != NULL ? m->file : "?";
	const char *base = strrchr(f, '/');

	if (m->line > 0)
		fprintf(out, "   # %s:%u", base != NULL ? base + 1 : f, m->line);
	else
		fprintf(out, "   # %s", f);
}

/* raw_of - the raw parameter NAME of profile check C (NULL when the profile does not set it) */
static const sd_raw_param *raw_of(const sd_profile_check *c, const char *name)
{
	for (size_t i = 0; i < c->nparams; i++)
		if (strcmp(c->params[i].key, name) == 0)
			return &c->params[i];
	return NULL;
}

/* put_param - write parameter SP's line to OUT: the profile's value RP, else
 * its default marked "# default" */
static void put_param(FILE *out, const sd_param_spec *sp, const sd_raw_param *rp)
{
	fprintf(out, "      %s: ", sp->name);
	if (rp == NULL) {
		if (sp->default_value != NULL && sp->default_value[0] != '\0')
			put_value(out, sp->default_value);
		else
			fputs(sp->type == SD_PARAM_LIST ? "[]" : "\"\"", out);
		fputs("   # default\n", out);
		return;
	}
	if (rp->scalar != NULL) {
		put_value(out, rp->scalar);
	} else {
		fputc('[', out);
		for (size_t i = 0; i < rp->nitems; i++) {
			if (i)
				fputs(", ", out);
			put_value(out, rp->items[i]);
		}
		fputc(']', out);
	}
	put_origin(out, &rp->mark);
	fputc('\n', out);
}

/* sd_profile_explain - YAML that could be read back, with comments */
void sd_profile_explain(const sd_profile *p, FILE *out)
{
	static const char *const sev[] = { "ok", "info", "warning", "critical", "error" };

	fprintf(out, "# profile '%s' as smtp-diag runs it (after extends, --set and --var)\n", p->name);
	for (size_t i = 0; i < p->nfiles; i++)
		fprintf(out, "# %s %s\n", i == 0 ? "read: " : "       ", p->files[i]);
	fputs("name: ", out);
	put_value(out, p->name);
	fputc('\n', out);
	if (p->description != NULL) {
		fputs("description: ", out);
		put_value(out, p->description);
		fputc('\n', out);
	}
	if (p->vendor != NULL) {
		fputs("vendor: ", out);
		put_value(out, p->vendor);
		fputc('\n', out);
	}
	if (p->nvars > 0) {
		fputs("variables:\n", out);
		for (size_t i = 0; i < p->nvars; i++) {
			fprintf(out, "  %s: ", p->vars[i].name);
			put_value(out, p->vars[i].value);
			put_origin(out, &p->vars[i].mark);
			fputc('\n', out);
		}
	}
	fputs("target:\n", out);
	if (p->target.port_set)
		fprintf(out, "  port: %u\n", p->target.port);
	if (p->target.tls_set)
		fprintf(out, "  tls: %s\n", sd_tls_mode_name(p->target.tls));
	if (p->target.ehlo_name != NULL) {
		fputs("  ehlo_name: ", out);
		put_value(out, p->target.ehlo_name);
		fputc('\n', out);
	}
	fputs("  timeouts:\n", out);
	fprintf(out, "    connect: %lldms\n    greeting: %lldms\n    command: %lldms\n",
		p->target.connect_timeout_ms, p->target.greeting_timeout_ms, p->target.command_timeout_ms);
	fputs("checks:\n", out);
	for (size_t i = 0; i < p->nchecks; i++) {
		const sd_profile_check *c = &p->checks[i];
		fprintf(out, "  - name: %s", c->name);
		put_origin(out, &c->mark);
		fputc('\n', out);
		if (c->disabled)
			fputs("    disabled: true\n", out);
		if (c->check != NULL && c->check->scope == SD_SCOPE_DOMAIN)
			fputs("    # domain check: runs once per --domain\n", out);
		if (c->check != NULL && c->check->params != NULL && c->check->params[0].name != NULL) {
			fputs("    params:\n", out);
			for (const sd_param_spec *sp = c->check->params; sp->name != NULL; sp++)
				put_param(out, sp, raw_of(c, sp->name));
		}
		if (c->noverrides > 0) {
			fputs("    severity:\n", out);
			for (size_t j = 0; j < c->noverrides; j++)
				fprintf(out, "      %s: %s\n", c->overrides[j].id, sev[c->overrides[j].severity]);
		}
	}
	if (p->compliance_name != NULL) {
		fputs("compliance:\n  name: ", out);
		put_value(out, p->compliance_name);
		if (p->compliance_source != NULL) {
			fputs("\n  source: ", out);
			put_value(out, p->compliance_source);
		}
		fputc('\n', out);
	}
	if (p->nrequirements > 0) {
		fputs("requirements:\n", out);
		for (size_t i = 0; i < p->nrequirements; i++) {
			const sd_requirement *r = &p->requirements[i];
			fputs("  - id: ", out);
			put_value(out, r->id);
			put_origin(out, &r->mark);
			fputs("\n    title: ", out);
			put_value(out, r->title);
			fputs("\n    source: ", out);
			put_value(out, r->source);
			fputs("\n    checks: [", out);
			for (size_t j = 0; j < r->nchecks; j++)
				fprintf(out, "%s%s", j ? ", " : "", r->checks[j]);
			fputc(']', out);
			if (r->nfail_on > 0) {
				fputs("\n    fail_on: [", out);
				for (size_t j = 0; j < r->nfail_on; j++) {
					if (j)
						fputs(", ", out);
					put_value(out, r->fail_on[j]);
				}
				fputc(']', out);
			}
			if (r->fail_at > 0)
				fprintf(out, "\n    fail_at: %s", sev[r->fail_at]);
			fputc('\n', out);
		}
	}
	if (p->ndiagnoses > 0) {
		fputs("diagnoses:\n", out);
		for (size_t i = 0; i < p->ndiagnoses; i++) {
			const sd_kb_entry *e = &p->diagnoses[i];
			fputs("  - {", out);
			if (e->kind != NULL) {
				fputs("kind: ", out);
				put_value(out, e->kind);
			}
			if (e->vendor != NULL) {
				fputs(e->kind != NULL ? ", vendor: " : "vendor: ", out);
				put_value(out, e->vendor);
			}
			fputs("}\n", out);
		}
	}
}
