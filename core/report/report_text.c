/* SPDX-License-Identifier: MIT */
/*
 * report_text.c - live human-readable progress and result.
 *
 *   [1/4] TCP connect to 127.0.0.1 port 25... OK (0.3 ms)
 *         note lines
 *         WARNING banner.no_hostname: the greeting does not name the host
 *           cause: ...
 *           fix:   ...
 *   [RESULT] OK 127.0.0.1 port 25: Postfix; ...
 *
 * Server text is printed with control bytes escaped, so a hostile banner
 * cannot drive the terminal.
 */
#include <stdlib.h>
#include <string.h>

#include "report/domain_table.h"
#include "report/reporters.h"
#include "report/result_json.h"
#include "smtp/transcript.h"
#include "base/util.h"

/* status_word - the word of report R's status (SKIPPED, OK, INFO, ...) */
static const char *status_word(const sd_report *r)
{
	static const char *const words[] = { "OK", "INFO", "WARNING", "CRITICAL", "ERROR" };

	if (r->state == SD_CHECK_SKIPPED)
		return "SKIPPED";
	return words[sd_report_status(r)];
}

/* put_safe - write S with its unprintable characters escaped */
static void put_safe(FILE *out, const char *s)
{
	char *p = sd_printable(s);
	fputs(p, out);
	free(p);
}

/* target_begin - write the heading of a target (a domain, an MX host or a
 * server) before its checks run */
static void target_begin(void *ctx, const sd_target_result *res, size_t nchecks)
{
	sd_text_state *st = ctx;

	if (st->opt.quiet)
		return;
	if (res->is_domain) {
		fprintf(st->opt.out, "smtp-diag %s: domain ", PACKAGE_VERSION);
		put_safe(st->opt.out, res->cfg.domain);
		fprintf(st->opt.out, ", profile %s, %zu domain check%s\n", res->profile_name, nchecks,
			nchecks == 1 ? "" : "s");
		fflush(st->opt.out);
		return;
	}
	if (res->cfg.domain != NULL) {
		fputs("\n== ", st->opt.out);
		if (res->mx_preference >= 0)
			fprintf(st->opt.out, "MX %d ", res->mx_preference);
		put_safe(st->opt.out, res->cfg.server);
		fprintf(st->opt.out, " (%s) port %u, %zu check%s ==\n", res->cfg.address, res->cfg.port, nchecks,
			nchecks == 1 ? "" : "s");
		fflush(st->opt.out);
		return;
	}
	fprintf(st->opt.out, "smtp-diag %s: ", PACKAGE_VERSION);
	put_safe(st->opt.out, res->cfg.server);
	if (res->cfg.address != NULL && strcmp(res->cfg.address, res->cfg.server) != 0)
		fprintf(st->opt.out, " (address %s)", res->cfg.address);
	fprintf(st->opt.out, " port %u, profile %s, %zu check%s\n", res->cfg.port, res->profile_name,
		nchecks, nchecks == 1 ? "" : "s");
	fflush(st->opt.out);
}

/* show_phase - write report R's "[i/n] title... " once */
static void show_phase(sd_text_state *st, sd_report *r)
{
	if (r->title_shown)
		return;
	r->title_shown = 1;
	fprintf(st->opt.out, "[%d/%d] ", r->index, r->total);
	put_safe(st->opt.out, r->title);
	fputs("... ", st->opt.out);
	fflush(st->opt.out);
}

/* check_phase - a check reached a phase: show its title line (unless quiet) */
static void check_phase(void *ctx, sd_report *r)
{
	sd_text_state *st = ctx;

	if (!st->opt.quiet)
		show_phase(st, r);
}

/* check_end - write a finished check's status: SKIPPED, OK with its summary, or its findings */
static void check_end(void *ctx, sd_report *r)
{
	sd_text_state *st = ctx;
	FILE *out = st->opt.out;
	char ms[32];

	if (st->opt.quiet)
		return;
	show_phase(st, r);
	if (r->state == SD_CHECK_SKIPPED) {
		fprintf(out, "SKIPPED (%s)\n", r->skip_reason);
		fflush(out);
		return;
	}
	sd_format_ms(r->duration_ms, ms, sizeof(ms));
	if (r->summary != NULL && sd_report_status(r) <= SD_INFO) {
		/* "OK (TLSv1.3, TLS_AES_256_GCM_SHA384, 12 ms)" */
		fprintf(out, "%s (", status_word(r));
		put_safe(out, r->summary);
		if (r->duration_ms >= 0.1)
			fprintf(out, ", %s", ms);
		fputs(")\n", out);
	} else {
		fprintf(out, "%s (%s)\n", status_word(r), ms);
	}
	for (size_t i = 0; i < r->nnotes; i++) {
		fputs("      ", out);
		put_safe(out, r->notes[i]);
		fputc('\n', out);
	}
	for (size_t i = 0; i < r->nfindings; i++) {
		const sd_finding *f = r->findings[i];
		static const char *const sev[] = { "OK", "INFO", "WARNING", "CRITICAL", "ERROR" };

		if (f->severity == SD_OK && !st->opt.verbose)
			continue;
		fprintf(out, "      %s %s: ", sev[f->severity], f->id);
		put_safe(out, f->summary);
		fputc('\n', out);
		if (f->cause != NULL) {
			fputs("        cause: ", out);
			put_safe(out, f->cause);
			fputc('\n', out);
		}
		if (f->fix != NULL) {
			fputs("        fix:   ", out);
			put_safe(out, f->fix);
			fputc('\n', out);
		}
		if (f->references != NULL && json_array_size(f->references) > 0) {
			size_t k;
			json_t *ref;
			fputs("        see:  ", out);
			json_array_foreach(f->references, k, ref) {
				fputc(' ', out);
				put_safe(out, json_string_value(ref));
			}
			fputc('\n', out);
		}
	}
	if (st->opt.verbose) {
		const char *key;
		json_t *v;
		json_object_foreach(r->facts, key, v) {
			char *txt = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			fprintf(out, "      . %s = %s\n", key, txt != NULL ? txt : "?");
			free(txt);
		}
	}
	fflush(out);
}

/* print_transcript - write transcript T between marker lines, a line per entry
 * with time, connection and direction */
static void print_transcript(FILE *out, const sd_transcript *t)
{
	static const char *const arrow[] = { " -> ", " <- ", " == " };
	const sd_transcript_entry *e;
	size_t n = sd_transcript_entries(t, &e);

	fputs("--- transcript (-> sent, <- received, == event) ---\n", out);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%9.1f ms #%u%s", e[i].t_ms, e[i].conn, arrow[e[i].dir]);
		put_safe(out, e[i].text);
		fputc('\n', out);
	}
	if (sd_transcript_dropped(t) > 0)
		fprintf(out, "... %zu more lines not kept\n", sd_transcript_dropped(t));
	fputs("--- end of transcript ---\n", out);
}

/* print_compliance - the requirement table of a compliance profile */
static void print_compliance(FILE *out, const sd_target_result *res)
{
	static const char *const words[] = { "PASS", "FAIL", "N/T " };
	size_t idw = 2, tw = 5;

	for (size_t i = 0; i < res->ncompliance; i++) {
		size_t l = strlen(res->compliance[i].req->id), t = strlen(res->compliance[i].req->title);
		idw = l > idw ? l : idw;
		tw = t > tw ? t : tw;
	}
	if (tw > 48)
		tw = 48;
	fprintf(out, "Requirements of profile %s:\n", res->profile_name);
	for (size_t i = 0; i < res->ncompliance; i++) {
		const sd_compliance_row *row = &res->compliance[i];
		const char *title = row->req->title;
		/* a title longer than the column goes on under it, split between
		 * words, never cut */
		size_t first = strlen(title) <= tw ? strlen(title) : sd_word_prefix(title, tw);
		fprintf(out, "  %s  %-*s  %-*.*s  ", words[row->status], (int)idw, row->req->id, (int)tw, (int)first,
			title);
		put_safe(out, row->req->source);
		fputc('\n', out);
		for (const char *rest = title + first; *rest != '\0';) {
			while (*rest == ' ')
				rest++;
			size_t n = strlen(rest) <= tw ? strlen(rest) : sd_word_prefix(rest, tw);
			if (n == 0)
				break;
			fprintf(out, "  %*s  %.*s\n", (int)idw + 4, "", (int)n, rest);
			rest += n;
		}
		for (size_t j = 0; j < row->nevidence; j++) {
			/* one line each, ended between words (the JSON report has them
			 * whole); a long list ends with how much was left out */
			char *e = sd_printable(row->evidence[j]);
			size_t len = strlen(e), n = len <= 150 ? len : sd_word_prefix(e, 150);
			if (n < len)
				fprintf(out, "  %*s  %.*s ... (%zu more characters; --json has it whole)\n", (int)idw + 4, "",
					(int)n, e, len - n);
			else
				fprintf(out, "  %*s  %s\n", (int)idw + 4, "", e);
			free(e);
		}
	}
	fprintf(out, "  => %zu passed, %zu failed, %zu not tested\n", res->req_passed, res->req_failed,
		res->req_not_tested);
}

/* target_end - write a target's compliance, transcript and result line (a short
 * line for a --domain part) */
static void target_end(void *ctx, const sd_target_result *res)
{
	static const char *const words[] = { "OK", "OK", "WARNING", "CRITICAL", "UNKNOWN" };
	sd_text_state *st = ctx;
	FILE *out = st->opt.out;

	if (res->ncompliance > 0 && !st->opt.quiet)
		print_compliance(out, res);
	if (res->transcript != NULL && !st->opt.quiet)
		print_transcript(out, res->transcript);
	if (res->cfg.domain != NULL) {  /* one part of a --domain run */
		if (st->opt.quiet)
			return;
		fprintf(out, "  => %s ", words[res->worst]);
		put_safe(out, res->is_domain ? res->cfg.domain : res->cfg.server);
		fputs(": ", out);
		put_safe(out, res->summary);
		fputc('\n', out);
		fflush(out);
		return;
	}
	fprintf(out, "[RESULT] %s ", words[res->worst]);
	put_safe(out, res->cfg.server);
	fprintf(out, " port %u: ", res->cfg.port);
	/* the answers first, healthy or not; then the worst finding */
	if (res->answers_line != NULL && res->answers_line[0] && strcmp(res->answers_line, res->summary) != 0) {
		put_safe(out, res->answers_line);
		fputs("; worst: ", out);
	}
	put_safe(out, res->summary);
	fputc('\n', out);
	fflush(out);
}

/* padded - S (escaped) then spaces up to WIDTH */
static void padded(FILE *out, const char *s, size_t width)
{
	size_t n = strlen(s != NULL ? s : "");

	put_safe(out, s != NULL ? s : "");
	for (; n < width; n++)
		fputc(' ', out);
}

/* domain_table - each address of each MX against the per-address checks,
 * then the domain's own answers (domain_table.h) */
static void domain_table(FILE *out, const sd_domain_result *d)
{
	json_t *doc = sd_domain_to_json(d), *t = sd_domain_table(doc), *h, *c;
	const json_t *hosts = json_object_get(t, "hosts");
	size_t ncol = 0, i, k;

	while (sd_domain_table_columns[ncol] != NULL)
		ncol++;
	size_t w[16] = { 0 }, wh = strlen("MX host"), wa = strlen("address");
	for (k = 0; k < ncol && k < 16; k++)
		w[k] = strlen(sd_domain_table_columns[k]);
	json_array_foreach(hosts, i, h) {
		char host[320];
		snprintf(host, sizeof(host), "%lld %s", (long long)json_integer_value(json_object_get(h, "preference")),
			 json_string_value(json_object_get(h, "host")));
		if (strlen(host) > wh)
			wh = strlen(host);
		if (strlen(json_string_value(json_object_get(h, "address"))) > wa)
			wa = strlen(json_string_value(json_object_get(h, "address")));
		json_array_foreach(json_object_get(h, "cells"), k, c)
			if (k < 16 && strlen(json_string_value(json_object_get(c, "text"))) > w[k])
				w[k] = strlen(json_string_value(json_object_get(c, "text")));
	}
	fputs("\nDomain table\n  ", out);
	padded(out, "MX host", wh + 2);
	padded(out, "address", wa + 2);
	for (k = 0; k < ncol && k < 16; k++)
		padded(out, sd_domain_table_columns[k], w[k] + 2);
	fputc('\n', out);
	json_array_foreach(hosts, i, h) {
		char host[320];
		snprintf(host, sizeof(host), "%lld %s", (long long)json_integer_value(json_object_get(h, "preference")),
			 json_string_value(json_object_get(h, "host")));
		fputs("  ", out);
		padded(out, host, wh + 2);
		padded(out, json_string_value(json_object_get(h, "address")), wa + 2);
		json_array_foreach(json_object_get(h, "cells"), k, c)
			padded(out, json_string_value(json_object_get(c, "text")), k < 16 ? w[k] + 2 : 0);
		fputc('\n', out);
	}
	json_array_foreach(json_object_get(t, "domain"), i, c) {
		fputs("  ", out);
		padded(out, json_string_value(json_object_get(c, "name")), 9);
		put_safe(out, json_string_value(json_object_get(c, "text")));
		fputc('\n', out);
	}
	json_decref(t);
	json_decref(doc);
}

/* domain_end - write the table of a --domain run's MX hosts and its [RESULT] line */
static void domain_end(void *ctx, const sd_domain_result *d)
{
	static const char *const words[] = { "OK", "OK", "WARNING", "CRITICAL", "UNKNOWN" };
	sd_text_state *st = ctx;

	if (!st->opt.quiet) {
		fputc('\n', st->opt.out);
		domain_table(st->opt.out, d);
		fputc('\n', st->opt.out);
	}
	fprintf(st->opt.out, "[RESULT] %s domain ", words[d->worst]);
	put_safe(st->opt.out, d->domain->cfg.domain);
	fputs(": ", st->opt.out);
	put_safe(st->opt.out, d->summary);
	fputc('\n', st->opt.out);
	fflush(st->opt.out);
}

/* sd_text_reporter_init - wire the callbacks */
void sd_text_reporter_init(sd_reporter *rep, sd_text_state *state, const sd_text_options *opt)
{
	state->opt = *opt;
	*rep = (sd_reporter){ target_begin, check_phase, check_end, target_end, state, domain_end };
}
