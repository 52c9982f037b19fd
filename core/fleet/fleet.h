/* SPDX-License-Identifier: MIT */
/*
 * fleet.h - audit many targets at once.
 *
 * A pool of worker threads takes targets from the list in order; each
 * target runs exactly as a single-target run would (its own session,
 * result and timeouts), so a hung server only ever holds its own worker.
 * Connections of all targets pass the run's limiter (per-address bound,
 * global rate). Output is written per target as it finishes, whole, under
 * one lock: text reports one after the other, or one JSON object per line;
 * a summary follows at the end. With a terminal on stderr a progress bar
 * with an ETA is redrawn meanwhile.
 */
#ifndef SD_FLEET_H
#define SD_FLEET_H

#include <stdio.h>

#include "engine/runner.h"
#include "fleet/targets.h"

typedef enum { SD_FLEET_TEXT = 0, SD_FLEET_JSON, SD_FLEET_JSONL } sd_fleet_format;

/* A plan for one target when the profile uses ${server}, ${domain} or
 * ${port}: PREPARE binds a fresh profile for T into *PROFILE and *PLAN
 * (freed by the fleet with sd_plan_clear / FREE_PROFILE). -1 and *err. */
typedef int (*sd_fleet_prepare)(void *ctx, const sd_target_spec *t, sd_profile **profile, sd_plan *plan,
				char **err);

typedef struct sd_fleet_job {
	const sd_target_list *targets;
	const sd_target_config *tmpl;   /* settings of every target; name, address, port, domain replaced */
	int tmpl_tls_explicit;          /* --tls given: a target on port 465 keeps it */
	const sd_profile *profile;
	const sd_plan *server_plan;     /* the plan without domain checks */
	const sd_plan *domain_plan;     /* the full plan, for domain targets (may be NULL if none) */
	sd_fleet_prepare prepare;       /* NULL: the plans above serve every target */
	void (*free_profile)(sd_profile *p);
	void *prepare_ctx;
	unsigned parallel;              /* worker threads (>= 1) */
	int transcript;
	sd_fleet_format format;
	int quiet, verbose;             /* text format */
	int progress;                   /* draw the progress bar on PROGRESS_OUT */
	FILE *out;
	FILE *progress_out;
	const char *report_path;        /* --report FILE.html: the whole run as one HTML report */
	const char *jsonl_header;       /* SD_FLEET_JSONL: a line written first (a shard's header), or NULL */
} sd_fleet_job;

typedef struct sd_fleet_totals {
	size_t done, ok, warning, critical, unreachable, error;
	int exit_code;                  /* the worst target's */
	int write_failed;
	char *report_error;             /* --report could not be written (free it) */
} sd_fleet_totals;

/* sd_fleet_run - audit every target of JOB; fills TOTALS; returns the
 * run's exit status (worst target), 3 when output could not be written */
int sd_fleet_run(const sd_fleet_job *job, sd_fleet_totals *totals);

#endif
