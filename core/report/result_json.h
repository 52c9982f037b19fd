/* SPDX-License-Identifier: MIT */
/*
 * result_json.h - one target's result as a JSON document.
 *
 * The shape is documented in docs/report.schema.json (JSON Schema) and
 * docs/json.md; "schema_version" changes on any incompatible change.
 */
#ifndef SD_RESULT_JSON_H
#define SD_RESULT_JSON_H

#include <jansson.h>

#include "engine/runner.h"

#define SD_JSON_SCHEMA_VERSION 1

/* sd_verdict_name - a run's verdict from its EXIT_CODE: "OK" (0), "WARNING"
 * (1), "CRITICAL" (2), "UNKNOWN" (3 or anything else): the words of the
 * text [RESULT] line and of monitoring plugins, in JSON and HTML too */
const char *sd_verdict_name(int exit_code);
/* sd_result_to_json - new reference to the document */
json_t *sd_result_to_json(const sd_target_result *res);
/* sd_domain_to_json - one document for a --domain run (docs/json.md) */
json_t *sd_domain_to_json(const sd_domain_result *d);

#endif
