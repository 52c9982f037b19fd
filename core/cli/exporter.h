/* SPDX-License-Identifier: MIT */
/*
 * exporter.h - smtp-diag --exporter: a Prometheus exporter in the manner of
 * blackbox_exporter (/probe?target=HOST[:PORT]&module=PROFILE, /metrics).
 */
#ifndef SD_CLI_EXPORTER_H
#define SD_CLI_EXPORTER_H

#include <stddef.h>

#include "engine/plugin_loader.h"
#include "smtp/session_internal.h"

/* What the exporter serves with (all owned by the caller). */
typedef struct sd_exporter_options {
	const char *listen;              /* [ADDRESS:]PORT */
	const char *const *allow;        /* target patterns (fnmatch), at least one */
	size_t nallow;
	unsigned max_concurrent;         /* probes at once; more get 503 */
	long long deadline_ms;           /* per probe, cut to Prometheus's scrape timeout */
	long long timeout_ms;            /* --timeout: every wait (0: the profile's) */
	const sd_registry *reg;
	const char *profile_dirs;
	const sd_target_config *tmpl;    /* limiter, TLS context, CA file, EHLO name, resolver */
} sd_exporter_options;

/* sd_exporter_run - serve until SIGINT or SIGTERM; 0, or 3 with a line on stderr */
int sd_exporter_run(const sd_exporter_options *o);
/* sd_exporter_allowed - TARGET (HOST:PORT) matches a pattern of O (for tests) */
int sd_exporter_allowed(const sd_exporter_options *o, const char *host, unsigned port);

#endif
