/* SPDX-License-Identifier: MIT */
/*
 * report_json.c - one JSON document per target (or per --domain run),
 * written when it is done.
 */
#include <stdlib.h>

#include "report/reporters.h"
#include "report/result_json.h"

/* emit - print DOC as JSON (compact or indented) and free it; note a write failure in ST */
static void emit(sd_json_state *st, json_t *doc)
{
	size_t flags = (st->opt.compact ? JSON_COMPACT : JSON_INDENT(2)) | JSON_REAL_PRECISION(10);

	if (json_dumpf(doc, st->opt.out, flags) != 0 || fputc('\n', st->opt.out) == EOF ||
	    fflush(st->opt.out) != 0)
		st->failed = 1;
	json_decref(doc);
}

/* target_end - print the JSON of a target result (the parts of a --domain run wait for its end) */
static void target_end(void *ctx, const sd_target_result *res)
{
	if (res->cfg.domain == NULL)  /* the parts of a --domain run go out together */
		emit(ctx, sd_result_to_json(res));
}

/* domain_end - print the JSON of --domain run D */
static void domain_end(void *ctx, const sd_domain_result *d)
{
	emit(ctx, sd_domain_to_json(d));
}

/* sd_json_reporter_init - only the end of a target matters for JSON */
void sd_json_reporter_init(sd_reporter *rep, sd_json_state *state, const sd_json_options *opt)
{
	state->opt = *opt;
	state->failed = 0;
	*rep = (sd_reporter){ NULL, NULL, NULL, target_end, state, domain_end };
}
