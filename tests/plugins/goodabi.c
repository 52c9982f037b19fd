/* SPDX-License-Identifier: MIT */
/*
 * goodabi.c - the smallest valid check module, for loader tests.
 */
#include <smtpdiag/plugin.h>

static const sd_param_spec params[] = {
	{ "level", SD_PARAM_INT, "3", "an integer parameter" },
	{ NULL, 0, NULL, NULL },
};

/* run - summarise with the level parameter */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	(void)s;
	sd_report_summary(r, "level %lld", sd_param_int(p, "level"));
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(goodabi) = {
	.abi = SD_PLUGIN_ABI,
	.name = "goodabi",
	.title = "Good ABI",
	.summary = "a valid test check",
	.params = params,
	.run = run,
};
