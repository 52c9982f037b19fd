/* SPDX-License-Identifier: MIT */
/*
 * banner_id.h - name the SMTP software from its greeting text.
 *
 * A table of patterns (POSIX extended regular expressions, case-insensitive)
 * matched against the greeting; the first match wins. Only what the banner
 * really says is reported: no guessing from timing or wording quirks.
 */
#ifndef SD_BANNER_ID_H
#define SD_BANNER_ID_H

#include <stddef.h>

typedef struct sd_banner_id {
	const char *software;   /* "Postfix", "Exim", ... or NULL */
	const char *vendor;     /* profile family: "postfix", "exchange", ... */
	char version[64];       /* "" when the banner does not say */
} sd_banner_id;

/* sd_banner_identify - fill ID from the greeting TEXT; 1 if identified */
int sd_banner_identify(const char *text, sd_banner_id *id);

#endif
