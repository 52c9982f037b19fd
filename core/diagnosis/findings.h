/* SPDX-License-Identifier: MIT */
/*
 * findings.h - the findings model: what one check produced.
 *
 * A check writes into an sd_report through <smtpdiag/report.h>; the runner
 * and the reporters read the structure below. Facts are kept as a JSON
 * object (jansson) because that is both their typed model and their output.
 */
#ifndef SD_FINDINGS_H
#define SD_FINDINGS_H

#include <stddef.h>

#include <jansson.h>
#include <smtpdiag/report.h>

struct sd_finding {
	sd_severity severity;
	sd_severity default_severity; /* before a profile override */
	char *id;
	char *summary;
	char *cause;
	char *fix;
	char *kind;                   /* knowledge-base kind, or NULL: the id is the kind */
	json_t *details;              /* object of strings, may be empty */
	json_t *references;           /* array of "CVE-..."/"RFC ..." strings, or NULL: none */
};

/* A profile's severity override for one finding id. */
typedef struct sd_severity_override {
	char *id;
	sd_severity severity;
} sd_severity_override;

/* Called when a check announces its progress line. */
typedef void (*sd_phase_cb)(void *ctx, sd_report *r);

typedef enum {
	SD_CHECK_RAN = 0,     /* run() returned; see findings */
	SD_CHECK_SKIPPED      /* not run; see skip_reason */
} sd_check_state;

struct sd_report {
	char *check;          /* check name */
	char *title;          /* progress line text: the default, then the check's first phase */
	int title_set;        /* the check's first sd_report_phase() named it: later ones are steps */
	char *step;           /* the latest later phase (a sub-step; never replaces the title) */
	int title_shown;      /* the reporter printed the progress line already */
	char *summary;
	char **notes;
	size_t nnotes;
	json_t *facts;
	sd_finding **findings;
	size_t nfindings;
	sd_check_state state;
	int run_status;       /* sd_run_status of the run */
	char *skip_reason;
	double duration_ms;
	int index, total;     /* position in the run, from 1 */

	const sd_severity_override *overrides;
	size_t noverrides;
	sd_phase_cb on_phase;
	void *on_phase_ctx;
};

/* sd_report_new - empty report for CHECK with a default progress TITLE */
sd_report *sd_report_new(const char *check, const char *title);
/* sd_report_free - NULL is fine */
void sd_report_free(sd_report *r);
/* sd_report_drop_findings - forget R's findings */
void sd_report_drop_findings(sd_report *r);
/* sd_report_status - worst severity of the findings (SD_OK if none) */
sd_severity sd_report_status(const sd_report *r);
/* sd_report_worst - the first finding with the worst severity, or NULL */
const sd_finding *sd_report_worst(const sd_report *r);
/* sd_json_text - a JSON string for text that may hold any bytes: jansson
 * refuses invalid UTF-8, so such text is escaped and non-ASCII replaced */
json_t *sd_json_text(const char *s);
/* sd_severity_parse - "warning" -> SD_WARN; 0 or -1 */
int sd_severity_parse(const char *s, sd_severity *out);

#endif
