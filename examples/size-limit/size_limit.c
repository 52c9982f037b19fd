/* SPDX-License-Identifier: MIT */
/*
 * size_limit.c - an example in-house check for smtp-diag: "size-limit".
 *
 * Your mail policy says every inbound server must take messages of at
 * least N MB; this check reads the SIZE the server advertises in its EHLO
 * reply (RFC 1870) and reports a finding when it is smaller, or missing.
 *
 * Build it against an installed smtpdiag, nothing else needed:
 *
 *     cc -o size_limit.so size_limit.c $(pkg-config --cflags --libs smtpdiag-plugin)
 *
 * The file name (size_limit) must match the SD_CHECK_EXPORT name below.
 * Run it from a plugin directory of your own, by name or from a profile:
 *
 *     smtp-diag --plugin-dir /usr/local/lib/smtpdiag:$HOME/.smtpdiag/plugins \
 *               --server mx.example.com --checks size-limit --set size-limit.min_mb=50
 */
#include <stdlib.h>

#include <smtpdiag/plugin.h>

/* the checks that must have run first: EHLO gives us the capability list */
static const char *const requires[] = { "ehlo", NULL };

/* parameters a profile (or --set) may give, with their defaults */
static const sd_param_spec params[] = {
	{ "min_mb", SD_PARAM_INT, "25", "smallest acceptable SIZE, in megabytes" },
	{ NULL, 0, NULL, NULL },
};

/* run - the size-limit check: compare the SIZE the server advertises with the policy's min_mb */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	long long min_mb = sd_param_int(p, "min_mb");
	const sd_ehlo *e = sd_session_ehlo(s);   /* cached: EHLO is not sent again */

	sd_report_phase(r, "Message size limit (policy: %lld MB)", min_mb);
	if (e == NULL)
		return SD_RUN_FAILED;            /* no EHLO: nothing to judge */
	const sd_capability *size = sd_ehlo_find(e, "SIZE");
	if (size == NULL) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "size-limit.not_advertised",
						  "the server does not advertise SIZE");
		sd_finding_cause(f, "without SIZE (RFC 1870) senders learn the limit only after sending the message");
		sd_finding_fix(f, "Postfix advertises SIZE from message_size_limit; make sure it is not 0");
		return SD_RUN_DONE;
	}
	long long bytes = atoll(size->params != NULL ? size->params : "0");
	sd_report_fact_int(r, "size_bytes", bytes);
	if (bytes == 0) {
		sd_report_summary(r, "SIZE advertised without a limit");
		return SD_RUN_DONE;
	}
	if (bytes < min_mb * 1000000LL) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "size-limit.too_small",
						  "the server takes at most %.1f MB, policy is %lld MB", bytes / 1e6, min_mb);
		sd_finding_fix(f, "raise the limit (Postfix: message_size_limit = %lld)", min_mb * 1000000LL);
		return SD_RUN_DONE;
	}
	sd_report_summary(r, "%.1f MB accepted", bytes / 1e6);
	return SD_RUN_DONE;
}

/* the one symbol the module exports; ".abi" first, always SD_PLUGIN_ABI */
SD_CHECK_EXPORT(size_limit) = {
	.abi = SD_PLUGIN_ABI,
	.name = "size-limit",
	.title = "Message size limit",
	.summary = "example in-house check: EHLO SIZE at least the policy's minimum",
	.requires = requires,
	.params = params,
	.run = run,
};
