/* SPDX-License-Identifier: MIT */
/*
 * compliance.c - one requirement against one target's reports.
 *
 * A requirement names the checks that decide it and what fails it:
 * finding ids (exact, or a "prefix*" such as "cipher.forbidden_*") and/or
 * a severity (fail_at: any finding of those checks at least that bad).
 * It is not tested when one of its checks did not run (not in the plan,
 * skipped, or could not work), never silently passed; nor when a check ran
 * but reports that it could not look (a "<family>.not_checked" finding, e.g.
 * dane.not_checked without a resolver) and nothing else failed it: a check
 * that could not look is no evidence of a failure.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/compliance.h"
#include "base/util.h"

/* sd_requirement_matches - does finding ID match PATTERN (exact, or a prefix ending in '*') */
int sd_requirement_matches(const char *pattern, const char *id)
{
	size_t l = strlen(pattern);

	if (l > 0 && pattern[l - 1] == '*')
		return strncmp(pattern, id, l - 1) == 0;
	return strcmp(pattern, id) == 0;
}

/* not_checked - ID says its check could not look ("dane.not_checked") */
static int not_checked(const char *id)
{
	const char *dot = strrchr(id, '.');
	return dot != NULL && strcmp(dot + 1, "not_checked") == 0;
}

/* add - append TEXT (owned) to ROW's evidence */
static void add(sd_compliance_row *row, char *text)
{
	row->evidence = sd_xrealloc(row->evidence, (row->nevidence + 1) * sizeof(char *));
	row->evidence[row->nevidence++] = text;
}

/* sd_compliance_judge - judge requirement REQ on the CHECKS' reports into OUT:
 * pass, fail or not tested, with evidence */
void sd_compliance_judge(const sd_requirement *req, sd_report *const *checks, size_t nchecks,
			 sd_compliance_row *out)
{
	memset(out, 0, sizeof(*out));
	out->req = req;
	for (size_t c = 0; c < req->nchecks; c++) {
		const sd_report *r = NULL;
		for (size_t i = 0; i < nchecks && r == NULL; i++)
			if (strcmp(checks[i]->check, req->checks[c]) == 0)
				r = checks[i];
		const char *why = r == NULL ? "did not run (not in the profile, or needs --domain)"
				  : r->state == SD_CHECK_SKIPPED ? r->skip_reason
				  : sd_report_status(r) == SD_CHECK_ERROR ? "could not run" : NULL;
		if (why != NULL) {
			out->status = SD_REQ_NOT_TESTED;
			add(out, sd_asprintf("%s %s", req->checks[c], why));
		}
	}
	if (out->status == SD_REQ_NOT_TESTED)
		return;
	size_t unchecked = 0;
	for (size_t c = 0; c < req->nchecks; c++)
		for (size_t i = 0; i < nchecks; i++) {
			const sd_report *r = checks[i];
			if (strcmp(r->check, req->checks[c]) != 0)
				continue;
			for (size_t j = 0; j < r->nfindings; j++) {
				const sd_finding *f = r->findings[j];
				if (not_checked(f->id)) {
					unchecked++;
					continue;
				}
				int hit = req->fail_at > 0 && (int)f->severity >= req->fail_at && f->severity != SD_CHECK_ERROR;
				for (size_t k = 0; k < req->nfail_on && !hit; k++)
					hit = sd_requirement_matches(req->fail_on[k], f->id);
				if (hit) {
					out->status = SD_REQ_FAIL;
					add(out, sd_asprintf("%s: %s", f->id, f->summary));
				}
			}
		}
	if (out->status != SD_REQ_PASS)
		return;
	if (unchecked > 0) {
		out->status = SD_REQ_NOT_TESTED;
		for (size_t c = 0; c < req->nchecks; c++)
			for (size_t i = 0; i < nchecks; i++) {
				if (strcmp(checks[i]->check, req->checks[c]) != 0)
					continue;
				for (size_t j = 0; j < checks[i]->nfindings; j++) {
					const sd_finding *f = checks[i]->findings[j];
					if (not_checked(f->id))
						add(out, sd_asprintf("%s: %s", f->id, f->summary));
				}
			}
		return;
	}
	/* a pass shows what passed: each deciding check's own summary (what
	 * it saw), so an auditor reads the evidence, not just "none" */
	for (size_t c = 0; c < req->nchecks; c++)
		for (size_t i = 0; i < nchecks; i++)
			if (strcmp(checks[i]->check, req->checks[c]) == 0)
				add(out, sd_asprintf("%s: %s", req->checks[c],
						     checks[i]->summary != NULL && checks[i]->summary[0] != '\0'
							     ? checks[i]->summary
							     : "ran, no finding that fails this requirement"));
}

/* sd_compliance_row_clear - free ROW's evidence lines */
void sd_compliance_row_clear(sd_compliance_row *row)
{
	for (size_t i = 0; i < row->nevidence; i++)
		free(row->evidence[i]);
	free(row->evidence);
	row->evidence = NULL;
	row->nevidence = 0;
}

/* sd_req_status_name - the JSON name of requirement status ST */
const char *sd_req_status_name(sd_req_status st)
{
	static const char *const names[] = { "pass", "fail", "not_tested" };
	return names[st];
}
