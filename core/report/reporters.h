/* SPDX-License-Identifier: MIT */
/*
 * reporters.h - the output formats: live human text and JSON.
 *
 * Each reporter is an sd_reporter (see runner.h) plus its own state. The
 * text reporter prints each phase as it happens and a [RESULT] line; the
 * JSON reporter prints one document per target when the target is done.
 */
#ifndef SD_REPORTERS_H
#define SD_REPORTERS_H

#include <stdio.h>

#include "engine/runner.h"

typedef struct sd_text_options {
	FILE *out;
	int quiet;        /* only the [RESULT] line */
	int verbose;      /* also OK findings and every fact */
} sd_text_options;

typedef struct sd_json_options {
	FILE *out;
	int compact;      /* one line per document (JSON Lines) */
} sd_json_options;

/* sd_text_reporter_init - fill REP; STATE must live as long as REP */
typedef struct sd_text_state {
	sd_text_options opt;
} sd_text_state;
void sd_text_reporter_init(sd_reporter *rep, sd_text_state *state, const sd_text_options *opt);

typedef struct sd_json_state {
	sd_json_options opt;
	int failed;       /* writing failed (e.g. EPIPE) */
} sd_json_state;
void sd_json_reporter_init(sd_reporter *rep, sd_json_state *state, const sd_json_options *opt);

typedef struct sd_nagios_options {
	FILE *out;
	const sd_plan *plan;   /* thresholds for the performance data */
} sd_nagios_options;

typedef struct sd_nagios_state {
	sd_nagios_options opt;
	int failed;
} sd_nagios_state;
void sd_nagios_reporter_init(sd_reporter *rep, sd_nagios_state *state, const sd_nagios_options *opt);

#endif
