/* SPDX-License-Identifier: MIT */
/*
 * report_metrics.h - one target's result as Prometheus metrics: the text
 * exposition format (the exporter's /probe, node_exporter's textfile
 * collector) or OpenMetrics (--format openmetrics), in blackbox_exporter's
 * names (probe_success, probe_duration_seconds, probe_ssl_earliest_cert_expiry,
 * probe_tls_version_info) plus smtpdiag's own (docs/monitoring.md).
 */
#ifndef SD_REPORT_METRICS_H
#define SD_REPORT_METRICS_H

#include "engine/runner.h"

/* sd_metrics_text - RES as metrics (free the result); OPENMETRICS adds the
 * "# EOF" line and the OpenMetrics content rules */
char *sd_metrics_text(const sd_target_result *res, int openmetrics);
/* sd_metrics_transcript - RES's transcript as text lines (credentials were
 * redacted when recorded), "" when none was kept (free the result) */
char *sd_metrics_transcript(const sd_target_result *res);
/* sd_metrics_write_file - TEXT into PATH atomically (a temporary file in
 * the same directory, then rename): a collector never reads half a file;
 * 0, or -1 and *err */
int sd_metrics_write_file(const char *path, const char *text, char **err);

#endif
