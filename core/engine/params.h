/* SPDX-License-Identifier: MIT */
/*
 * params.h - typed check parameters, validated against the check's spec.
 *
 * The profile loader sets values from YAML text; checks read them through
 * the accessors in <smtpdiag/plugin.h>. Every value is validated when set,
 * so a check never sees a malformed number or an unknown name.
 */
#ifndef SD_PARAMS_H
#define SD_PARAMS_H

#include <stddef.h>

#include <smtpdiag/plugin.h>

/* sd_params_new - parameters with the spec's defaults (SPEC may be NULL) */
sd_params *sd_params_new(const sd_param_spec *spec);
/* sd_params_free - NULL is fine */
void sd_params_free(sd_params *p);
/* sd_params_spec_find - the spec entry for NAME, or NULL */
const sd_param_spec *sd_params_spec_find(const sd_param_spec *spec, const char *name);
/* sd_params_set - set NAME from a scalar TEXT; on error returns -1 and a
 * message in *err ("expected a duration ...") for the caller to free */
int sd_params_set(sd_params *p, const char *name, const char *text, char **err);
/* sd_params_set_list - set a list parameter from ITEMS */
int sd_params_set_list(sd_params *p, const char *name, const char *const *items, size_t n,
		       char **err);
/* sd_split_list - split TEXT on commas, items trimmed, empty ones dropped;
 * *ITEMS and each item are malloc'ed; returns how many */
size_t sd_split_list(const char *text, char ***items);
/* sd_param_type_name - "string", "int", "bool", "duration", "list" */
const char *sd_param_type_name(sd_param_type t);

/* Scalar parsers shared with the profile loader and the CLI. 0 or -1. */
int sd_parse_int(const char *text, long long *out);
int sd_parse_bool(const char *text, int *out);
/* sd_parse_duration - "250ms", "2s", "1.5s", "1m", "1h" or seconds */
int sd_parse_duration_ms(const char *text, long long *out);

/* sd_params_check_order - every pair of thresholds P's spec declares as
 * warn_X / crit_X or X_warn / X_crit (integers or durations, both
 * non-zero) in order: a "days left" pair (X ends in "days") warns at no
 * fewer days than it is critical, any other pair (a time taken) warns no
 * later than it is critical. 0, or -1, *err (malloc'd) naming both, and
 * *WARN_NAME / *CRIT_NAME the pair (the spec's strings) */
int sd_params_check_order(const sd_params *p, const char **warn_name, const char **crit_name, char **err);

#endif
