/* SPDX-License-Identifier: MIT */
/*
 * compliance.h - judging a run against a published baseline: each
 * requirement of the profile passes, fails (with the findings that made
 * it fail) or was not tested (a check it needs did not run).
 */
#ifndef SD_COMPLIANCE_H
#define SD_COMPLIANCE_H

#include <stddef.h>

#include "engine/profile.h"
#include "diagnosis/findings.h"

typedef enum { SD_REQ_PASS = 0, SD_REQ_FAIL, SD_REQ_NOT_TESTED } sd_req_status;

typedef struct sd_compliance_row {
	const sd_requirement *req;   /* owned by the profile */
	sd_req_status status;
	char **evidence;             /* FAIL: "id: summary" per finding; NOT_TESTED: the reason;
	                                PASS: "check: summary" of each deciding check */
	size_t nevidence;
} sd_compliance_row;

/* sd_requirement_matches - does finding ID match PATTERN ("x.y" or "x.*")? */
int sd_requirement_matches(const char *pattern, const char *id);
/* sd_compliance_judge - REQ against the reports of one target */
void sd_compliance_judge(const sd_requirement *req, sd_report *const *checks, size_t nchecks,
			 sd_compliance_row *out);
/* sd_compliance_row_clear - free the evidence */
void sd_compliance_row_clear(sd_compliance_row *row);
/* sd_req_status_name - "pass", "fail", "not_tested" */
const char *sd_req_status_name(sd_req_status st);

#endif
