/* SPDX-License-Identifier: MIT */
/*
 * answers.h - the six answers of a server audit (reachable, software, TLS,
 * certificate, relay, response time) for the [RESULT] line and JSON.
 */
#ifndef SD_ANSWERS_H
#define SD_ANSWERS_H

#include <jansson.h>

#include "engine/runner.h"

/* sd_answers_build - new JSON object of RES's answers ("answers" in
 * docs/json.md) and in *LINE the same as one line of text (caller frees);
 * NULL and *LINE NULL when RES is not a server audit */
json_t *sd_answers_build(const sd_target_result *res, char **line);

#endif
