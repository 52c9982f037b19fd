/* SPDX-License-Identifier: MIT */
/*
 * mx.h - where mail for a domain goes: MX records (RFC 5321 5.1), the
 * implicit MX, the null MX (RFC 7505), and the addresses of each host.
 */
#ifndef SD_MX_H
#define SD_MX_H

#include <smtpdiag/plugin.h>

#include "smtp/session_internal.h"

/* sd_mx_discover - look up CFG->domain through S's resolver, fill CFG->mx
 * (preference order, addresses resolved) and report what was found in R
 * (the domain run's "mx" entry); SD_RUN_FAILED when there is nothing to audit */
sd_run_status sd_mx_discover(sd_session *s, sd_target_config *cfg, sd_report *r);
/* sd_mx_sort - order by preference, then name; drop repeated names */
void sd_mx_sort(sd_mx_host *mx, size_t *n);

#endif
