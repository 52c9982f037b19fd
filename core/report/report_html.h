/* SPDX-License-Identifier: MIT */
/*
 * report_html.h - a self-contained HTML audit report.
 *
 * Rendered from the JSON document of a run (docs/report.schema.json: one
 * server, a domain, or a fleet), the same model the JSON output prints, so
 * a stored JSON report can be rendered again later. One file: inline CSS
 * and SVG, no script, no external resource. Every string is HTML-escaped;
 * control characters are shown as \xNN and invalid UTF-8 as U+FFFD.
 */
#ifndef SD_REPORT_HTML_H
#define SD_REPORT_HTML_H

#include <stdio.h>

#include <jansson.h>

/* sd_html_report - write the report of DOC to OUT; 0, or -1 with *err set
 * (free it) when DOC is not a report smtp-diag knows or OUT fails */
int sd_html_report(const json_t *doc, FILE *out, char **err);

/* sd_html_report_file - the same into PATH, written whole or not at all
 * (a temporary file renamed into place) */
int sd_html_report_file(const json_t *doc, const char *path, char **err);

#endif
