/* SPDX-License-Identifier: MIT */
/*
 * report_metrics.c - a target's result as Prometheus / OpenMetrics text.
 *
 * probe_success is 1 when the run's verdict is OK or WARNING (the server
 * takes mail; a warning is not an outage), 0 on CRITICAL or UNKNOWN.
 * probe_ssl_earliest_cert_expiry is the earliest notAfter of the server's certificate
 * and its chain's earliest (the certificate check's fact
 * chain_earliest_not_after_epoch); probe_tls_version_info
 * the negotiated protocol ("TLS 1.3", as blackbox_exporter spells it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/util.h"
#include "report/report_metrics.h"

/* A growing text buffer. */
typedef struct buf {
	char *s;
	size_t n, cap;
} buf;

/* put - append printf output to B */
static void put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* put - append printf output to B */
static void put(buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *t = sd_vasprintf(fmt, ap);
	va_end(ap);
	size_t l = strlen(t);
	if (b->n + l + 1 > b->cap) {
		b->cap = (b->n + l + 1) * 2;
		b->s = sd_xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, t, l + 1);
	b->n += l;
	free(t);
}

/* label - V escaped for a label value (backslash, quote, newline) */
static char *label(const char *v)
{
	buf b = { 0 };

	put(&b, "%s", "");
	for (const char *p = v != NULL ? v : ""; *p != '\0'; p++) {
		if (*p == '\\')
			put(&b, "\\\\");
		else if (*p == '"')
			put(&b, "\\\"");
		else if (*p == '\n')
			put(&b, "\\n");
		else
			put(&b, "%c", *p);
	}
	return b.s;
}

/* head - HELP and TYPE lines of a gauge */
static void head(buf *b, const char *name, const char *help)
{
	put(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* fact - the fact KEY of check CHECK in RES, or NULL */
static json_t *fact(const sd_target_result *res, const char *check, const char *key)
{
	for (size_t i = 0; i < res->nchecks; i++)
		if (strcmp(res->checks[i]->check, check) == 0 && res->checks[i]->facts != NULL)
			return json_object_get(res->checks[i]->facts, key);
	return NULL;
}

/* check_ran - CHECK ran on RES (not skipped) */
static const sd_report *check_ran(const sd_target_result *res, const char *check)
{
	for (size_t i = 0; i < res->nchecks; i++)
		if (strcmp(res->checks[i]->check, check) == 0 && res->checks[i]->state == SD_CHECK_RAN)
			return res->checks[i];
	return NULL;
}

/* has_finding - a finding ID (or with the prefix ID when it ends in '.') in RES */
static int has_finding(const sd_target_result *res, const char *id)
{
	size_t l = strlen(id);

	for (size_t i = 0; i < res->nchecks; i++)
		for (size_t j = 0; j < res->checks[i]->nfindings; j++) {
			const char *f = res->checks[i]->findings[j]->id;
			if (id[l - 1] == '.' ? strncmp(f, id, l) == 0 : strcmp(f, id) == 0)
				return 1;
		}
	return 0;
}

static const char *const severity_names[] = { "ok", "info", "warning", "critical", "error" };

/* sd_metrics_text - the exposition text of RES */
char *sd_metrics_text(const sd_target_result *res, int openmetrics)
{
	buf b = { 0 };
	size_t counts[5] = { 0 };

	put(&b, "%s", "");
	head(&b, "probe_success", "Displays whether or not the probe was a success (smtpdiag verdict OK or WARNING)");
	put(&b, "probe_success %d\n", res->exit_code <= 1 ? 1 : 0);
	head(&b, "probe_duration_seconds", "Returns how long the probe took to complete in seconds");
	put(&b, "probe_duration_seconds %.6f\n", res->duration_ms / 1000.0);
	json_t *na = fact(res, "certificate", "chain_earliest_not_after_epoch");
	if (json_is_integer(na)) {
		head(&b, "probe_ssl_earliest_cert_expiry", "Returns last SSL chain expiry in unixtime");
		put(&b, "probe_ssl_earliest_cert_expiry %lld\n", (long long)json_integer_value(na));
	}
	json_t *ver = fact(res, "starttls", "version");
	if (json_is_string(ver)) {
		const char *v = json_string_value(ver);
		char *spelled = strncmp(v, "TLSv", 4) == 0 ? sd_asprintf("TLS %s", v + 4) : sd_xstrdup(v);
		char *l = label(spelled);
		head(&b, "probe_tls_version_info", "Returns the TLS version used or NaN when unknown");
		put(&b, "probe_tls_version_info{version=\"%s\"} 1\n", l);
		free(l);
		free(spelled);
	}
	head(&b, "smtpdiag_phase_duration_seconds", "Duration of each phase of the SMTP session");
	for (int i = 0; i < SD_PHASE_COUNT; i++)
		if (res->phases[i] >= 0)
			put(&b, "smtpdiag_phase_duration_seconds{phase=\"%s\"} %.6f\n", sd_phase_name((sd_phase)i),
			    res->phases[i] / 1000.0);
	for (size_t i = 0; i < res->nchecks; i++)
		for (size_t j = 0; j < res->checks[i]->nfindings; j++) {
			int s = (int)res->checks[i]->findings[j]->severity;
			counts[s >= 0 && s <= 4 ? s : 4]++;
		}
	head(&b, "smtpdiag_findings", "Findings of the run by severity");
	for (int s = 1; s <= 4; s++)
		put(&b, "smtpdiag_findings{severity=\"%s\"} %zu\n", severity_names[s], counts[s]);
	head(&b, "smtpdiag_finding_info", "One series per finding of the run (id and severity)");
	for (size_t i = 0; i < res->nchecks; i++)
		for (size_t j = 0; j < res->checks[i]->nfindings; j++) {
			const sd_finding *f = res->checks[i]->findings[j];
			int s = (int)f->severity;
			if (s < 1)
				continue;
			char *id = label(f->id);
			/* one series per id and severity: a second finding of the same id is not a second series */
			int dup = 0;
			for (size_t a = 0; a <= i && !dup; a++)
				for (size_t c = 0; c < res->checks[a]->nfindings && !dup; c++) {
					const sd_finding *g = res->checks[a]->findings[c];
					if (g == f)
						break;
					dup = strcmp(g->id, f->id) == 0 && g->severity == f->severity;
				}
			if (!dup)
				put(&b, "smtpdiag_finding_info{id=\"%s\",severity=\"%s\"} 1\n", id,
				    severity_names[s <= 4 ? s : 4]);
			free(id);
		}
	json_t *adv = fact(res, "starttls", "advertised");
	if (check_ran(res, "starttls") != NULL || json_is_boolean(adv)) {
		head(&b, "smtpdiag_starttls_offered", "The server offers STARTTLS (1) or not (0)");
		put(&b, "smtpdiag_starttls_offered %d\n", json_is_boolean(adv) ? json_is_true(adv) : json_is_string(ver));
		head(&b, "smtpdiag_starttls_success", "The STARTTLS handshake succeeded (1) or not (0)");
		put(&b, "smtpdiag_starttls_success %d\n", json_is_string(ver) ? 1 : 0);
	}
	/* the full battery (relay) or the default profile's light test (relay-light) */
	if (check_ran(res, "relay") != NULL || check_ran(res, "relay-light") != NULL) {
		head(&b, "smtpdiag_open_relay", "The server relays mail for strangers (1) or refuses (0)");
		put(&b, "smtpdiag_open_relay %d\n", has_finding(res, "relay.open") ? 1 : 0);
	}
	head(&b, "smtpdiag_exit_code", "The run's exit status: 0 ok, 1 warning, 2 critical, 3 unknown");
	put(&b, "smtpdiag_exit_code %d\n", res->exit_code);
	if (openmetrics)
		put(&b, "# EOF\n");
	return b.s;
}

/* sd_metrics_transcript - the dialogue, one line per entry */
char *sd_metrics_transcript(const sd_target_result *res)
{
	buf b = { 0 };
	const sd_transcript_entry *e;
	size_t n = res->transcript != NULL ? sd_transcript_entries(res->transcript, &e) : 0;

	put(&b, "%s", "");
	for (size_t i = 0; i < n; i++)
		put(&b, "[%u] %8.1f ms %s %s\n", e[i].conn, e[i].t_ms,
		    e[i].dir == SD_DIR_CLIENT ? "->" : e[i].dir == SD_DIR_SERVER ? "<-" : "==", e[i].text);
	return b.s;
}

/* sd_metrics_write_file - temporary file, fsync, rename */
int sd_metrics_write_file(const char *path, const char *text, char **err)
{
	char *tmp = sd_asprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text), off = 0;

	if (fd < 0) {
		*err = sd_asprintf("cannot write '%s': %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	int bad = off < len || fsync(fd) != 0;
	if (close(fd) != 0)
		bad = 1;
	if (bad || rename(tmp, path) != 0) {
		*err = sd_asprintf("cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}
