/* SPDX-License-Identifier: MIT */
/*
 * badabi.c - a check module built for another plugin ABI; must be refused.
 */
#include <smtpdiag/plugin.h>

/* run - never called: the module declares another plugin ABI and must be refused */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	(void)s;
	(void)p;
	sd_report_summary(r, "must never run");
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(badabi) = {
	.abi = SD_PLUGIN_ABI + 1,
	.name = "badabi",
	.title = "Bad ABI",
	.summary = "built against another ABI",
	.run = run,
};
