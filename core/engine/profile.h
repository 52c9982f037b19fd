/* SPDX-License-Identifier: MIT */
/*
 * profile.h - YAML profiles: target defaults and the checks to run.
 *
 * Loading happens in two steps. sd_profile_load() reads and checks the YAML
 * structure (and follows `extends:`), keeping the position of everything it
 * read; sd_profile_bind() then validates each check and its parameters
 * against the loaded plugins. Every error is one line that starts with
 * "file:line:column: ". The format is described in docs/profiles.md.
 */
#ifndef SD_PROFILE_H
#define SD_PROFILE_H

#include <stddef.h>
#include <stdio.h>

#include "engine/params.h"
#include "engine/plugin_loader.h"
#include "diagnosis/findings.h"
#include "diagnosis/kb.h"
#include "smtp/session_internal.h"

#define SD_PROFILE_MAX_DEPTH 8   /* extends chain */

/* Where something was written. */
typedef struct sd_mark {
	const char *file;   /* points into the profile's file list */
	unsigned line, column;
} sd_mark;

/* One parameter as written: a scalar or a list of scalars. */
typedef struct sd_raw_param {
	char *key;
	char *scalar;       /* NULL for a list */
	char **items;
	size_t nitems;
	sd_mark key_mark;   /* where the name is: for unknown parameters */
	sd_mark mark;       /* where the value is: for bad values */
	int from_cli;       /* --set: a list is written "a,b,c" */
} sd_raw_param;

typedef struct sd_profile_check {
	char *name;
	sd_mark mark;
	int disabled;
	sd_raw_param *params;
	size_t nparams;
	sd_severity_override *overrides;
	size_t noverrides;
	sd_params *bound;   /* after sd_profile_bind() */
	const sd_check *check;
} sd_profile_check;

/* Target settings; the *_set flags say whether the profile gave them. */
typedef struct sd_profile_target {
	unsigned port;
	int port_set;
	sd_tls_mode tls;
	int tls_set;
	char *ehlo_name;
	long long connect_timeout_ms, greeting_timeout_ms, command_timeout_ms;
} sd_profile_target;

/* A profile variable: `variables:` defaults, then the run's own (domain,
 * server, port) and --var, the later winning. Used as ${name} in params. */
typedef struct sd_profile_var {
	char *name;
	char *value;
	sd_mark mark;           /* where it was defined (file "--var" / "built-in" otherwise) */
	int used;               /* substituted by sd_profile_bind() */
} sd_profile_var;

/* One requirement of a compliance baseline (`requirements:`). */
typedef struct sd_requirement {
	char *id;               /* "TLS-1", as the baseline numbers it or the profile's own */
	char *title;
	char *source;           /* section of the published baseline */
	char **checks;          /* the checks whose results decide it */
	size_t nchecks;
	char **fail_on;         /* finding ids (or "prefix*") that fail it */
	size_t nfail_on;
	int fail_at;            /* any finding of those checks at this severity or worse fails it; -1: unset */
	sd_mark mark;
} sd_requirement;

typedef struct sd_profile {
	char *name;
	char *description;
	char *vendor;            /* words the fixes for this vendor, or NULL: from the banner */
	sd_kb_entry *diagnoses;  /* `diagnoses:` (strings owned), parents' first */
	size_t ndiagnoses;
	char *path;              /* the file that was asked for */
	char **files;            /* every file read (extends chain), for marks */
	size_t nfiles;
	sd_profile_target target;
	sd_profile_check *checks;
	size_t nchecks;
	sd_profile_var *vars;
	size_t nvars;
	char *compliance_name;   /* `compliance: {name, source}`: the baseline, or NULL */
	char *compliance_source;
	sd_requirement *requirements;
	size_t nrequirements;
} sd_profile;

/* sd_profile_locate - path of profile NAME_OR_PATH: a path if it contains
 * '/' or ends in .yaml/.yml, else NAME.yaml in the first of DIRS (':'
 * separated) that has it. NULL and *err if not found. */
char *sd_profile_locate(const char *name_or_path, const char *dirs, char **err);
/* sd_profile_load - read a profile and what it extends; NULL and *err */
sd_profile *sd_profile_load(const char *name_or_path, const char *dirs, char **err);
/* sd_profile_load_string - parse YAML held in memory (tests, fuzzing);
 * FILENAME is used in messages; `extends` is resolved in DIRS */
sd_profile *sd_profile_load_string(const char *yaml, size_t len, const char *filename,
				   const char *dirs, char **err);
/* sd_profile_set_param - apply ASSIGNMENT "check.param=value" on top of the
 * profile (before sd_profile_bind, which validates it); a check the
 * profile does not list is added disabled, so it only supplies parameters
 * if --checks names it. ORIGIN (a static string such as "--set") starts
 * error messages. -1 and *err on a malformed assignment. */
int sd_profile_set_param(sd_profile *p, const char *assignment, const char *origin, char **err);
/* sd_profile_set_var - define or override variable NAME (ORIGIN such as
 * "--var" or "built-in" is kept for messages and --explain-profile); -1
 * and *err for a name that is not [a-z_][a-z0-9_]* */
int sd_profile_set_var(sd_profile *p, const char *name, const char *value, const char *origin, char **err);
/* sd_profile_uses_var - 1 if sd_profile_bind() substituted ${NAME} somewhere
 * (a fleet run then binds the profile once per target) */
int sd_profile_uses_var(const sd_profile *p, const char *name);
/* sd_profile_explain - the resolved profile as YAML, with where each value
 * comes from (after sd_profile_bind) */
void sd_profile_explain(const sd_profile *p, FILE *out);
/* sd_profile_enable_check - make NAME run (added at the end if absent) */
void sd_profile_enable_check(sd_profile *p, const char *name);
/* sd_profile_bind - check every entry against REG, build parameters; -1 and *err */
int sd_profile_bind(sd_profile *p, const sd_registry *reg, char **err);
/* sd_profile_find_check - the entry for NAME, or NULL */
sd_profile_check *sd_profile_find_check(const sd_profile *p, const char *name);
/* sd_profile_free - NULL is fine */
void sd_profile_free(sd_profile *p);

#endif
