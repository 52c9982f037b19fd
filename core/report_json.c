/*
 * report_json.c - one JSON document per target, written when it is done.
 */
#include <stdlib.h>

#include "reporters.h"
#include "result_json.h"

static void target_end(void *ctx, const sd_target_result *res)
{
	sd_json_state *st = ctx;
	json_t *doc = sd_result_to_json(res);
	size_t flags = (st->opt.compact ? JSON_COMPACT : JSON_INDENT(2)) | JSON_REAL_PRECISION(10);

	if (json_dumpf(doc, st->opt.out, flags) != 0 || fputc('\n', st->opt.out) == EOF ||
	    fflush(st->opt.out) != 0)
		st->failed = 1;
	json_decref(doc);
}

/* sd_json_reporter_init - only the end of a target matters for JSON */
void sd_json_reporter_init(sd_reporter *rep, sd_json_state *state, const sd_json_options *opt)
{
	state->opt = *opt;
	state->failed = 0;
	*rep = (sd_reporter){ NULL, NULL, NULL, target_end, state };
}
