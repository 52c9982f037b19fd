/* SPDX-License-Identifier: MIT */
/*
 * smtpdiag/report.h - how a check tells what it saw.
 *
 * Part of the smtpdiag plugin API. A check reports three kinds of thing:
 *   - facts: typed key/values for machines (JSON "facts"), e.g. tls_version;
 *   - notes: short lines for people, shown under the check's progress line;
 *   - findings: a problem (or an explicit all-clear) with a stable id, a
 *     severity, a one-line summary and, where known, root cause and fix.
 * The check's status is the worst severity among its findings (ok if none).
 * Severities may be overridden per finding id by the profile.
 */
#ifndef SMTPDIAG_REPORT_H
#define SMTPDIAG_REPORT_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sd_severity {
	SD_OK = 0,
	SD_INFO,
	SD_WARN,
	SD_CRIT,
	SD_CHECK_ERROR         /* the check could not do its job (tool problem) */
} sd_severity;

typedef struct sd_report sd_report;
typedef struct sd_finding sd_finding;

/* sd_severity_name - "ok", "info", "warning", "critical", "error" */
const char *sd_severity_name(sd_severity s);

/* sd_report_phase - the text of the live progress line ("TCP connect ..."),
 * printed at once; call it before doing anything slow */
void sd_report_phase(sd_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* sd_report_summary - one line saying what the check found when all is well */
void sd_report_summary(sd_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* sd_report_note - a line for people under the progress line */
void sd_report_note(sd_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Facts: the key is a short snake_case identifier, unique within the check. */
void sd_report_fact_str(sd_report *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sd_report_fact_int(sd_report *r, const char *key, long long value);
void sd_report_fact_bool(sd_report *r, const char *key, bool value);
void sd_report_fact_ms(sd_report *r, const char *key, double ms);
/* sd_escape - LEN bytes received from the network (a TXT record, a
 * certificate field, a header) as a new NUL-terminated string for reports:
 * control bytes (NUL included), DEL and backslash as \xNN, so nothing is
 * silently cut at a NUL. free() it. */
char *sd_escape(const void *data, size_t len);
/* sd_report_fact_list_add - append a string to the list fact KEY */
void sd_report_fact_list_add(sd_report *r, const char *key, const char *value);
/* sd_report_fact_map_add - set KEY.SUBKEY = value (an object of strings) */
void sd_report_fact_map_add(sd_report *r, const char *key, const char *subkey,
			    const char *value);

/* sd_report_finding - add a finding; ID is "<check>.<what>", e.g.
 * "banner.no_hostname". Returns a handle to add cause, fix and details. */
sd_finding *sd_report_finding(sd_report *r, sd_severity sev, const char *id,
			      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void sd_finding_cause(sd_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sd_finding_fix(sd_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sd_finding_detail(sd_finding *f, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* sd_finding_kind - the knowledge-base kind this finding is an instance of,
 * e.g. "smtp.relay_denied" (see sd_diagnose_reply in session.h). After the
 * check returns, the core replaces the finding's cause and fix with the
 * knowledge base's words for that kind (or, without a kind, for the
 * finding's id), in the server vendor's terms when it has them; what the
 * check wrote stays where the knowledge base has nothing. */
void sd_finding_kind(sd_finding *f, const char *kind);
/* sd_finding_reference - a published source the finding concerns, as
 * "CVE-2011-0411" or "RFC 5746" (JSON "references"; appended in ABI 2).
 * The core adds the knowledge base's references for the finding's id too;
 * duplicates are kept once. */
void sd_finding_reference(sd_finding *f, const char *ref);

#ifdef __cplusplus
}
#endif
#endif
