/* SPDX-License-Identifier: MIT */
/*
 * ehlo_id.h - name the SMTP software from its EHLO reply when the greeting
 * does not (a customised banner): the wording of the reply's first line and
 * the capability set each MTA advertises by default. Evidence, not proof:
 * every match carries what it saw and a confidence.
 */
#ifndef SD_EHLO_ID_H
#define SD_EHLO_ID_H

#include <stddef.h>

typedef struct sd_ehlo_id {
	const char *software;       /* "Exim", "Sendmail", ... or NULL */
	const char *confidence;     /* "high", "medium" or "low" */
	const char *evidence[6];    /* what matched, NULL-terminated */
} sd_ehlo_id;

/* sd_ehlo_identify - fill ID from the first line's text after the domain
 * (GREETING_REST) and the advertised keywords (KEYWORDS, N); 1 if named */
int sd_ehlo_identify(const char *greeting_rest, const char *const *keywords, size_t n, sd_ehlo_id *id);

#endif
