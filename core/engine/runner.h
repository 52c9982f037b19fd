/* SPDX-License-Identifier: MIT */
/*
 * runner.h - order the checks, run them on one target, collect results.
 *
 * A plan is made once per run (profile + --checks + loaded plugins) and is
 * read-only afterwards; sd_run_target() may be called for many targets, on
 * several threads, each call with its own session and result.
 */
#ifndef SD_RUNNER_H
#define SD_RUNNER_H

#include <stddef.h>
#include <time.h>

#include "engine/compliance.h"
#include "engine/plugin_loader.h"
#include "engine/profile.h"
#include "diagnosis/findings.h"
#include "smtp/session_internal.h"
#include "smtp/transcript.h"

typedef struct sd_plan_item {
	const sd_check *check;
	const sd_params *params;        /* the profile's, or defaults owned by the plan */
	const sd_severity_override *overrides;
	size_t noverrides;
	int added_as_prerequisite;      /* not asked for, needed by another check */
} sd_plan_item;

typedef struct sd_plan {
	sd_plan_item *items;
	size_t n;
	sd_params **owned;              /* default params created for the plan */
	size_t nowned;
	sd_kb *kb;                      /* built-in knowledge base + the profile's diagnoses */
	const char *vendor;             /* the profile's `vendor:`, or NULL */
	const sd_profile *profile;      /* for its compliance requirements (not owned) */
} sd_plan;

typedef struct sd_target_result {
	sd_target_config cfg;
	char ehlo_name[256];
	char peer[64], local[64];
	char *profile_name;
	char *profile_path;
	time_t started;                 /* wall clock, for the report header */
	double duration_ms;
	double phases[SD_PHASE_COUNT];
	sd_report **checks;
	size_t nchecks;
	sd_transcript *transcript;      /* NULL unless requested */
	sd_severity worst;
	int exit_code;
	char *summary;                  /* one line: the worst finding, or the answers when healthy */
	json_t *answers;                /* the six answers (engine/answers.c), NULL for a domain part */
	char *answers_line;             /* the same as text, or NULL: the [RESULT] line leads with it */
	int is_domain;                  /* the domain part of a --domain run */
	int mx_preference;              /* an MX host of a --domain run: its preference, else -1 */
	sd_compliance_row *compliance;  /* the profile's requirements that apply to this part */
	size_t ncompliance;
	size_t req_passed, req_failed, req_not_tested;
} sd_target_result;

/* A --domain run: the domain's own checks, then one result per MX host. */
typedef struct sd_domain_result {
	sd_target_result *domain;       /* MX discovery and the domain-scope checks */
	sd_target_result **targets;     /* the MX hosts with addresses, preference order */
	size_t ntargets;
	sd_severity worst;
	int exit_code;
	double duration_ms;
	char *summary;                  /* one line for the whole domain */
} sd_domain_result;

/* What the runner tells a reporter, in this order. */
typedef struct sd_reporter {
	void (*target_begin)(void *ctx, const sd_target_result *res, size_t nchecks);
	void (*check_phase)(void *ctx, sd_report *r);   /* progress line, may be called
							     from inside the check */
	void (*check_end)(void *ctx, sd_report *r);
	void (*target_end)(void *ctx, const sd_target_result *res);
	void *ctx;
	void (*domain_end)(void *ctx, const sd_domain_result *d); /* after a --domain run */
} sd_reporter;

/* sd_plan_make - the checks to run in order: ONLY (names, may be NULL/0)
 * or else the profile's enabled checks, with their prerequisites; -1 *err */
int sd_plan_make(sd_plan *plan, const sd_profile *profile, const sd_registry *reg,
		 const char *const *only, size_t nonly, char **err);
/* sd_plan_drop_domain_checks - remove the domain-scope checks (no --domain) */
void sd_plan_drop_domain_checks(sd_plan *plan);
/* sd_plan_clear - free the plan */
void sd_plan_clear(sd_plan *plan);
/* sd_run_target - run the plan against one target */
sd_target_result *sd_run_target(const sd_plan *plan, const sd_target_config *cfg,
				 const sd_profile *profile, const sd_reporter *rep, int transcript);
/* sd_run_domain - CFG->domain: MX discovery, the domain checks, then the
 * server checks on each MX host (CFG is the template for them) */
sd_domain_result *sd_run_domain(const sd_plan *plan, const sd_target_config *cfg,
				 const sd_profile *profile, const sd_reporter *rep, int transcript);
/* sd_domain_result_free - NULL is fine */
void sd_domain_result_free(sd_domain_result *d);
/* sd_target_result_free - NULL is fine */
void sd_target_result_free(sd_target_result *res);
/* sd_exit_code - exit status for a worst severity (0 ok/info, 1 warning,
 * 2 critical, 3 error in a check) */
int sd_exit_code(sd_severity worst);

#endif
