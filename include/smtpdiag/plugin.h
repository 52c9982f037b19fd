/* SPDX-License-Identifier: MIT */
/*
 * smtpdiag/plugin.h - the contract between smtp-diag and a check module.
 *
 * A check module is a shared object (libtool -module) that exports exactly
 * one symbol: a `const sd_check` named with libtool's prefix convention,
 * <module>_LTX_sd_check (the module file "banner.la" exports
 * banner_LTX_sd_check; non-alphanumeric characters of the module name become
 * '_'). Use SD_CHECK_EXPORT(module) to get the name right.
 *
 * The loader reads `abi` first and refuses the module unless it equals the
 * SD_PLUGIN_ABI it was built with; nothing else in the descriptor is touched
 * before that. Bump SD_PLUGIN_ABI on any incompatible change to any header
 * in include/smtpdiag/.
 *
 * Example:
 *
 *     static const char *const requires[] = { "ehlo", NULL };
 *     static const sd_param_spec params[] = {
 *         { "min_size", SD_PARAM_INT, "0", "smallest acceptable SIZE" },
 *         { NULL, 0, NULL, NULL }
 *     };
 *     static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
 *     { ... }
 *     SD_CHECK_EXPORT(mycheck) = {
 *         .abi = SD_PLUGIN_ABI, .name = "mycheck", .title = "My check",
 *         .summary = "...", .requires = requires, .params = params, .run = run,
 *     };
 */
#ifndef SMTPDIAG_PLUGIN_H
#define SMTPDIAG_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>

#include <smtpdiag/dns.h>
#include <smtpdiag/reply.h>
#include <smtpdiag/report.h>
#include <smtpdiag/session.h>
#include <smtpdiag/tls.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The plugin ABI version. Incremented on every incompatible change to any
 * header here; appending functions or enum values before a _COUNT is not
 * one (a module built earlier keeps working). */
#define SD_PLUGIN_ABI 2

/* Types a check parameter can have in a profile. */
typedef enum sd_param_type {
	SD_PARAM_STRING = 1,
	SD_PARAM_INT,        /* integer, optionally with a sign */
	SD_PARAM_BOOL,       /* true/false/yes/no */
	SD_PARAM_DURATION,   /* "250ms", "2s", "1m", "1h", "7d" or a number of seconds */
	SD_PARAM_LIST        /* a YAML sequence of strings (or one string) */
} sd_param_type;

/* One parameter a profile may set for the check. */
typedef struct sd_param_spec {
	const char *name;          /* NULL ends the table */
	sd_param_type type;
	const char *default_value; /* as it would be written in YAML; NULL: unset */
	const char *help;          /* one line */
} sd_param_spec;

typedef struct sd_params sd_params;

/* Parameter accessors. NAME must be in the check's spec table; the value is
 * the profile's if it set one, else the spec's default. */
const char *sd_param_string(const sd_params *p, const char *name); /* NULL: unset */
long long sd_param_int(const sd_params *p, const char *name);
bool sd_param_bool(const sd_params *p, const char *name);
long long sd_param_duration_ms(const sd_params *p, const char *name);
/* sd_param_list - number of items; *items gets the array (NULL if none) */
size_t sd_param_list(const sd_params *p, const char *name, const char *const **items);

/* What a check's run function returns. */
typedef enum sd_run_status {
	SD_RUN_DONE = 0,   /* the check ran; its findings say how it went */
	SD_RUN_FAILED,     /* what this check establishes is not there (no
			      connection, no greeting...): checks that require
			      it are skipped */
	SD_RUN_ERROR       /* the check itself could not work (tool problem) */
} sd_run_status;

/* What a check looks at. */
typedef enum sd_check_scope {
	SD_SCOPE_SERVER = 0,  /* one mail server: runs once per target (each MX
				 host of a --domain), with a session to it */
	SD_SCOPE_DOMAIN       /* the mail domain (MTA-STS, TLS-RPT...): runs once
				 per --domain, before its servers, with an
				 unconnected session (sd_session_domain(),
				 sd_session_domain_mx(), sd_dns_query()); skipped
				 when no --domain was given */
} sd_check_scope;

typedef struct sd_check {
	unsigned abi;                 /* SD_PLUGIN_ABI; always the first member */
	const char *name;             /* "banner": what profiles and --checks use */
	const char *title;            /* default progress line, "SMTP greeting" */
	const char *summary;          /* one line for --list-checks */
	const char *const *requires;  /* checks that must run first, NULL-ended */
	const sd_param_spec *params;  /* NULL-name-ended table, may be NULL */
	sd_run_status (*run)(sd_session *s, const sd_params *p, sd_report *r);
	sd_check_scope scope;         /* SD_SCOPE_SERVER unless set (ABI 2) */
} sd_check;

#define SD_CHECK_SYMBOL "sd_check"
#define SD_CHECK_EXPORT(module) const sd_check module##_LTX_sd_check

#ifdef __cplusplus
}
#endif
#endif
