/* SPDX-License-Identifier: MIT */
/*
 * exporter.c - smtp-diag --exporter [ADDRESS:]PORT: Prometheus probes.
 *
 * GET /probe?target=HOST[:PORT]&module=PROFILE[&debug=true] runs the
 * profile against the target and answers with its metrics
 * (report_metrics.c); /metrics answers with the exporter's own. An
 * exporter that probes any target on request is an open scanning service:
 * a target must match a pattern of --allow-target, at most
 * --max-concurrent probes run at once (more get 503), a module is a
 * profile name (never a path), and a bad request gets 400 with one line.
 * Each probe's deadline is --deadline cut to Prometheus's scrape timeout
 * (X-Prometheus-Scrape-Timeout-Seconds) minus half a second, as
 * blackbox_exporter does. HTTP is libmicrohttpd, one thread per connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "base/clock.h"
#include "base/util.h"
#include "engine/profile.h"
#include "engine/runner.h"
#include "report/report_metrics.h"
#include "report/result_json.h"
#include "exporter.h"

#define DEFAULT_CONNECT_MS 10000
#define DEFAULT_GREETING_MS 60000
#define DEFAULT_COMMAND_MS 30000
#define SCRAPE_MARGIN_MS 500

/* The exporter's state, shared by the connection threads. */
typedef struct exporter {
	const sd_exporter_options *o;
	pthread_mutex_t lock;
	unsigned in_flight;
	unsigned long long ok, failed, bad_request, not_allowed, busy;
} exporter;

/* sd_exporter_allowed - HOST and HOST:PORT against the patterns */
int sd_exporter_allowed(const sd_exporter_options *o, const char *host, unsigned port)
{
	char hp[300];

	snprintf(hp, sizeof(hp), strchr(host, ':') != NULL ? "[%s]:%u" : "%s:%u", host, port);
	for (size_t i = 0; i < o->nallow; i++)
		if (fnmatch(o->allow[i], hp, 0) == 0 || fnmatch(o->allow[i], host, 0) == 0)
			return 1;
	return 0;
}

/* parse_target - HOST[:PORT] or [IPv6][:PORT]; 0, or -1 and *why */
static int parse_target(const char *t, char *host, size_t cap, unsigned *port, const char **why)
{
	const char *end, *colon;

	*port = 0;
	if (t[0] == '[') {
		end = strchr(t, ']');
		if (end == NULL || (size_t)(end - t - 1) >= cap) {
			*why = "target: '[' without ']'";
			return -1;
		}
		memcpy(host, t + 1, (size_t)(end - t - 1));
		host[end - t - 1] = '\0';
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL) {
			*why = "target: text after ']' is not :PORT";
			return -1;
		}
	} else {
		colon = strrchr(t, ':');
		if (colon != NULL && strchr(t, ':') != colon)
			colon = NULL;   /* a bare IPv6 address */
		size_t l = colon != NULL ? (size_t)(colon - t) : strlen(t);
		if (l >= cap) {
			*why = "target: host name too long";
			return -1;
		}
		memcpy(host, t, l);
		host[l] = '\0';
	}
	if (host[0] == '\0' || strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:") !=
				       strlen(host)) {
		*why = "target: not a host name or IP address";
		return -1;
	}
	if (colon != NULL) {
		long long p;
		if (sd_parse_int(colon + 1, &p) != 0 || p < 1 || p > 65535) {
			*why = "target: the port is not a number from 1 to 65535";
			return -1;
		}
		*port = (unsigned)p;
	}
	return 0;
}

/* module_ok - a profile name: letters, digits, '.', '_', '-', not a path */
static int module_ok(const char *m)
{
	return m[0] != '\0' && m[0] != '.' && strlen(m) < 128 &&
	       strspn(m, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == strlen(m);
}

/* reply - queue a response of STATUS with TEXT (copied) */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	enum MHD_Result rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* bad - 400 with one line */
static enum MHD_Result bad(exporter *x, struct MHD_Connection *c, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* bad - answer STATUS with the formatted message as one line, counted by kind */
static enum MHD_Result bad(exporter *x, struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *m = sd_vasprintf(fmt, ap);
	va_end(ap);
	for (char *p = m; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	char *line = sd_asprintf("%s\n", m);
	pthread_mutex_lock(&x->lock);
	if (status == MHD_HTTP_FORBIDDEN)
		x->not_allowed++;
	else if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		x->busy++;
	else
		x->bad_request++;
	pthread_mutex_unlock(&x->lock);
	enum MHD_Result rc = reply(c, status, "text/plain; charset=utf-8", line);
	free(m);
	free(line);
	return rc;
}

/* own_metrics - /metrics: the exporter's counters */
static char *own_metrics(exporter *x)
{
	pthread_mutex_lock(&x->lock);
	char *t = sd_asprintf(
		"# HELP smtpdiag_exporter_build_info smtp-diag's version\n# TYPE smtpdiag_exporter_build_info gauge\n"
		"smtpdiag_exporter_build_info{version=\"%s\"} 1\n"
		"# HELP smtpdiag_exporter_probes_total Probes run, by result\n# TYPE smtpdiag_exporter_probes_total counter\n"
		"smtpdiag_exporter_probes_total{result=\"success\"} %llu\nsmtpdiag_exporter_probes_total{result=\"failure\"} %llu\n"
		"# HELP smtpdiag_exporter_requests_rejected_total Requests refused, by reason\n"
		"# TYPE smtpdiag_exporter_requests_rejected_total counter\n"
		"smtpdiag_exporter_requests_rejected_total{reason=\"bad_request\"} %llu\n"
		"smtpdiag_exporter_requests_rejected_total{reason=\"not_allowed\"} %llu\n"
		"smtpdiag_exporter_requests_rejected_total{reason=\"busy\"} %llu\n"
		"# HELP smtpdiag_exporter_probes_in_flight Probes running now\n# TYPE smtpdiag_exporter_probes_in_flight gauge\n"
		"smtpdiag_exporter_probes_in_flight %u\n"
		"# HELP smtpdiag_exporter_max_concurrent_probes The --max-concurrent limit\n"
		"# TYPE smtpdiag_exporter_max_concurrent_probes gauge\nsmtpdiag_exporter_max_concurrent_probes %u\n",
		PACKAGE_VERSION, x->ok, x->failed, x->bad_request, x->not_allowed, x->busy, x->in_flight,
		x->o->max_concurrent);
	pthread_mutex_unlock(&x->lock);
	return t;
}

/* probe_config - the target's configuration: the template, the profile's
 * target settings, HOST and PORT, and the deadline */
static void probe_config(const exporter *x, const sd_profile *p, const char *host, unsigned port, double deadline_ms,
			 sd_target_config *cfg)
{
	unsigned char addr[sizeof(struct in6_addr)];

	sd_target_config_copy(cfg, x->o->tmpl);
	free(cfg->server);
	free(cfg->address);
	cfg->server = sd_xstrdup(host);
	cfg->address = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1 ? sd_xstrdup(host)
												      : NULL;
	cfg->tls = p->target.tls_set ? p->target.tls : SD_TLS_NONE;
	cfg->port = port != 0 ? port : p->target.port_set ? p->target.port : cfg->tls == SD_TLS_IMPLICIT ? 465 : 25;
	if (cfg->port == 465 && !p->target.tls_set)
		cfg->tls = SD_TLS_IMPLICIT;
	if (cfg->ehlo_name == NULL && p->target.ehlo_name != NULL)
		cfg->ehlo_name = sd_xstrdup(p->target.ehlo_name);
	cfg->connect_timeout_ms = p->target.connect_timeout_ms ? (int)p->target.connect_timeout_ms : DEFAULT_CONNECT_MS;
	cfg->greeting_timeout_ms = p->target.greeting_timeout_ms ? (int)p->target.greeting_timeout_ms : DEFAULT_GREETING_MS;
	cfg->command_timeout_ms = p->target.command_timeout_ms ? (int)p->target.command_timeout_ms : DEFAULT_COMMAND_MS;
	if (x->o->timeout_ms > 0)
		cfg->connect_timeout_ms = cfg->greeting_timeout_ms = cfg->command_timeout_ms = (int)x->o->timeout_ms;
	cfg->run_deadline = sd_now_ms() + deadline_ms;
	cfg->run_deadline_ms = (int)deadline_ms;
	cfg->run_deadline_state = 2;
}

/* probe - run MODULE against HOST:PORT; the body, or NULL and *err (400) */
static char *probe(exporter *x, const char *host, unsigned port, const char *module, int debug, double deadline_ms,
		   char **err)
{
	sd_profile *p = sd_profile_load(module, x->o->profile_dirs, err);
	sd_plan plan = { 0 };
	char portbuf[16];

	if (p == NULL) {
		char *e = sd_asprintf("module: %s", *err);
		free(*err);
		*err = e;
		return NULL;
	}
	snprintf(portbuf, sizeof(portbuf), "%u", port != 0 ? port : 25);
	if (sd_profile_set_var(p, "server", host, "target", err) != 0 ||
	    sd_profile_set_var(p, "port", portbuf, "target", err) != 0 || sd_profile_bind(p, x->o->reg, err) != 0 ||
	    sd_plan_make(&plan, p, x->o->reg, NULL, 0, err) != 0) {
		sd_profile_free(p);
		return NULL;
	}
	sd_plan_drop_domain_checks(&plan);
	sd_target_config cfg;
	probe_config(x, p, host, port, deadline_ms, &cfg);
	sd_target_result *res = sd_run_target(&plan, &cfg, p, NULL, debug);
	char *metrics = sd_metrics_text(res, 0), *body;
	if (debug) {
		char *tr = sd_metrics_transcript(res);
		body = sd_asprintf("Logs for the probe (credentials redacted):\n%s\nResult: %s: %s\n\n"
				   "Metrics that would have been returned:\n%s",
				   tr, sd_verdict_name(res->exit_code), res->summary != NULL ? res->summary : "", metrics);
		free(tr);
		free(metrics);
	} else {
		body = metrics;
	}
	pthread_mutex_lock(&x->lock);
	if (res->exit_code <= 1)
		x->ok++;
	else
		x->failed++;
	pthread_mutex_unlock(&x->lock);
	sd_target_result_free(res);
	sd_target_config_clear(&cfg);
	sd_plan_clear(&plan);
	sd_profile_free(p);
	return body;
}

/* handle - libmicrohttpd's access handler: one request */
static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **state)
{
	exporter *x = cls;
	static const char text_type[] = "text/plain; version=0.0.4; charset=utf-8";

	(void)version;
	(void)upload;
	if (*state == NULL) {   /* the headers: the answer comes on the next call */
		*state = x;
		return MHD_YES;
	}
	if (*upload_size != 0)
		return bad(x, c, MHD_HTTP_BAD_REQUEST, "a request body is not accepted");
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return bad(x, c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET");
	if (strcmp(url, "/metrics") == 0) {
		char *t = own_metrics(x);
		enum MHD_Result rc = reply(c, MHD_HTTP_OK, text_type, t);
		free(t);
		return rc;
	}
	if (strcmp(url, "/") == 0)
		return reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8",
			     "smtp-diag exporter: /probe?target=HOST[:PORT]&module=PROFILE[&debug=true], /metrics\n");
	if (strcmp(url, "/probe") != 0)
		return bad(x, c, MHD_HTTP_NOT_FOUND, "not found: %.80s (/probe or /metrics)", url);

	const char *target = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "target");
	const char *module = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "module");
	const char *dbg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "debug");
	const char *scrape = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Prometheus-Scrape-Timeout-Seconds");
	char host[256];
	unsigned port;
	const char *why;

	if (target == NULL || target[0] == '\0')
		return bad(x, c, MHD_HTTP_BAD_REQUEST, "target parameter is missing");
	if (parse_target(target, host, sizeof(host), &port, &why) != 0)
		return bad(x, c, MHD_HTTP_BAD_REQUEST, "%s", why);
	if (module == NULL || module[0] == '\0')
		module = "default";
	if (!module_ok(module))
		return bad(x, c, MHD_HTTP_BAD_REQUEST, "module: '%.60s' is not a profile name", module);
	if (dbg != NULL && strcmp(dbg, "true") != 0 && strcmp(dbg, "false") != 0)
		return bad(x, c, MHD_HTTP_BAD_REQUEST, "debug: true or false");
	if (!sd_exporter_allowed(x->o, host, port != 0 ? port : 25))
		return bad(x, c, MHD_HTTP_FORBIDDEN, "target %.80s is not allowed (--allow-target)", target);
	double deadline = (double)x->o->deadline_ms;
	if (scrape != NULL) {
		char *end;
		double s = strtod(scrape, &end);
		if (end != scrape && s > 0 && s * 1000 - SCRAPE_MARGIN_MS < deadline)
			deadline = s * 1000 - SCRAPE_MARGIN_MS;
		if (deadline < 100)
			deadline = 100;
	}
	pthread_mutex_lock(&x->lock);
	int busy = x->in_flight >= x->o->max_concurrent;
	if (!busy)
		x->in_flight++;
	pthread_mutex_unlock(&x->lock);
	if (busy)
		return bad(x, c, MHD_HTTP_SERVICE_UNAVAILABLE, "too many probes at once (--max-concurrent %u)",
			   x->o->max_concurrent);
	char *err = NULL;
	char *body = probe(x, host, port, module, dbg != NULL && strcmp(dbg, "true") == 0, deadline, &err);
	pthread_mutex_lock(&x->lock);
	x->in_flight--;
	pthread_mutex_unlock(&x->lock);
	if (body == NULL) {
		enum MHD_Result rc = bad(x, c, MHD_HTTP_BAD_REQUEST, "%s", err != NULL ? err : "probe failed");
		free(err);
		return rc;
	}
	enum MHD_Result rc = reply(c, MHD_HTTP_OK, dbg != NULL && strcmp(dbg, "true") == 0 ? "text/plain; charset=utf-8"
											 : text_type, body);
	free(body);
	return rc;
}

/* listen_addr - [ADDRESS:]PORT into SA; 0 or -1 */
static int listen_addr(const char *spec, struct sockaddr_storage *sa, int *have_addr, unsigned *port)
{
	char host[128] = "";
	const char *colon = spec[0] == '[' ? strstr(spec, "]:") : strrchr(spec, ':');
	const char *p = spec;
	long long n;

	*have_addr = 0;
	if (colon != NULL) {
		size_t l = spec[0] == '[' ? (size_t)(colon - spec - 1) : (size_t)(colon - spec);
		if (l >= sizeof(host))
			return -1;
		memcpy(host, spec[0] == '[' ? spec + 1 : spec, l);
		host[l] = '\0';
		p = spec[0] == '[' ? colon + 2 : colon + 1;
	}
	if (sd_parse_int(p, &n) != 0 || n < 1 || n > 65535)
		return -1;
	*port = (unsigned)n;
	memset(sa, 0, sizeof(*sa));
	if (host[0] == '\0')
		return 0;
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)n);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)n);
	} else {
		return -1;
	}
	*have_addr = 1;
	return 0;
}

/* sd_exporter_run - start libmicrohttpd and wait for a stop signal */
int sd_exporter_run(const sd_exporter_options *o)
{
	exporter x = { .o = o };
	struct sockaddr_storage sa;
	int have_addr;
	unsigned port;
	sigset_t set;

	if (listen_addr(o->listen, &sa, &have_addr, &port) != 0) {
		fprintf(stderr, "smtp-diag: --exporter: '%s' is not [ADDRESS:]PORT (ADDRESS an IP literal)\n", o->listen);
		return 3;
	}
	pthread_mutex_init(&x.lock, NULL);
	/* the connection threads inherit this mask: the signals come to sigwait below */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
	if (!have_addr)
		flags |= MHD_USE_DUAL_STACK;
	else if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, (uint16_t)port, NULL, NULL, handle, &x,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)(o->max_concurrent * 4 + 16),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		have_addr ? MHD_OPTION_SOCK_ADDR : MHD_OPTION_END, (struct sockaddr *)&sa, MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "smtp-diag: --exporter: cannot listen on %s: %s\n", o->listen, strerror(errno));
		pthread_mutex_destroy(&x.lock);
		return 3;
	}
	printf("smtp-diag exporter listening on %s (%zu allowed target pattern%s, %u probes at once)\n", o->listen,
	       o->nallow, o->nallow == 1 ? "" : "s", o->max_concurrent);
	fflush(stdout);
	int sig = 0;
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	pthread_mutex_destroy(&x.lock);
	return 0;
}
