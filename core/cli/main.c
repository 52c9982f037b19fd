/* SPDX-License-Identifier: MIT */
/*
 * main.c - smtp-diag: options -> plugins -> profile -> plan -> run -> report.
 *
 * Only this file exits. Problems of the target become findings and the
 * exit status follows the worst one; problems of the invocation (options,
 * profile, plugins) are one line on stderr and exit status 3.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fleet/fleet.h"
#include "fleet/plan.h"
#include "wire/limiter.h"
#include "engine/params.h"
#include "engine/plugin_loader.h"
#include "engine/profile.h"
#include "dns/resolver.h"
#include "report/report_html.h"
#include "report/reporters.h"
#include "report/result_json.h"
#include "engine/runner.h"
#include "smtp/session_internal.h"
#include "fleet/targets.h"
#include "wire/tls.h"
#include "base/clock.h"
#include "base/util.h"
#include "exporter.h"
#include "options.h"
#include "report/report_metrics.h"

#include "cli/sd_paths.h" /* SD_PLUGIN_DIR, SD_PROFILE_DIR: made by make from ./configure's directories */

#define EXIT_UNKNOWN 3
#define DEFAULT_CONNECT_MS 10000
#define DEFAULT_GREETING_MS 60000
#define DEFAULT_COMMAND_MS 30000
#define DEFAULT_PARALLEL 32
#define DEFAULT_PER_ADDRESS 4
#define DEFAULT_RATE_RETRIES 2
#define DEFAULT_BACKOFF_MS 1000

/* dirs_or_default - GIVEN, else the environment variable ENV when set and non-empty, else DFLT */
static const char *dirs_or_default(const char *given, const char *env, const char *dflt)
{
	const char *e;

	if (given != NULL)
		return given;
	e = getenv(env);
	return e != NULL && *e != '\0' ? e : dflt;
}

/* absolute_dirs - DIRS (':'-separated) with each relative entry prefixed
 * by the current directory; empty entries dropped (free the result) */
static char *absolute_dirs(const char *dirs)
{
	char cwd[4096];
	char *copy = sd_xstrdup(dirs), *save = NULL, *out = sd_xstrdup("");

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		cwd[0] = '\0';
	for (char *d = strtok_r(copy, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save)) {
		char *next = d[0] == '/' || cwd[0] == '\0' ? sd_asprintf("%s%s%s", out, *out ? ":" : "", d)
							      : sd_asprintf("%s%s%s/%s", out, *out ? ":" : "", cwd, d);
		free(out);
		out = next;
	}
	free(copy);
	return out;
}

/* report_path_usable - --report's file can be written (its directory
 * exists and is writable; the report is written to a temporary name there
 * and renamed): checked before the audit, so a typo does not cost a whole
 * run and its exit status; 0 or -1 and *err */
static int report_path_usable(const char *path, char **err)
{
	struct stat st;
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? sd_xstrdup(".") : slash == path ? sd_xstrdup("/")
									: sd_xstrndup(path, (size_t)(slash - path));
	int rc = -1;

	if (path[0] == '\0' || (slash != NULL && slash[1] == '\0'))
		*err = sd_asprintf("--report: '%s' is not a file name", path);
	else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		*err = sd_asprintf("--report: '%s' is a directory", path);
	else if (stat(dir, &st) != 0)
		*err = sd_asprintf("--report: cannot write '%s': directory '%s': %s", path, dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		*err = sd_asprintf("--report: cannot write '%s': '%s' is not a directory", path, dir);
	else if (access(dir, W_OK | X_OK) != 0)
		*err = sd_asprintf("--report: cannot write '%s': directory '%s': %s", path, dir, strerror(errno));
	else
		rc = 0;
	free(dir);
	return rc;
}

/* fleet_from_lines - the --json fleet document rebuilt from JSON Lines
 * (--jsonl: one report per line, then the fleet summary line); a run cut
 * short has no summary: one is counted from the reports. NULL and *err
 * naming FILE:LINE when a line is not a JSON object. */
static json_t *fleet_from_lines(FILE *f, const char *file, char **err)
{
	json_t *reports = json_array(), *summary = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;

	while ((len = getline(&line, &cap, f)) != -1) {
		json_error_t je;
		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;
		json_t *o = json_loadb(line, (size_t)len, 0, &je);
		if (o == NULL || !json_is_object(o)) {
			*err = sd_asprintf("%s:%ld: not a JSON object (%s): neither a --json document nor --jsonl lines",
					   file, lineno, o == NULL ? je.text : "another JSON value");
			json_decref(o);
			goto fail;
		}
		if (json_is_object(json_object_get(o, "fleet"))) {
			json_decref(summary);
			summary = json_incref(json_object_get(o, "fleet"));
			json_decref(o);
		} else if (json_object_get(o, "target") != NULL || json_object_get(o, "domain") != NULL) {
			json_array_append_new(reports, o);
		} else {
			*err = sd_asprintf("%s:%ld: a JSON object that is neither a target report nor a fleet summary",
					   file, lineno);
			json_decref(o);
			goto fail;
		}
	}
	free(line);
	line = NULL;
	if (json_array_size(reports) == 0) {
		*err = sd_asprintf("%s: no target report in it", file);
		goto fail;
	}
	if (summary == NULL) {   /* cut short: count what is there */
		json_int_t n[4] = { 0 }, worst = 0;
		size_t i;
		json_t *r;
		json_array_foreach(reports, i, r) {
			json_int_t e = json_integer_value(json_object_get(r, "exit_code"));
			n[e >= 0 && e <= 3 ? e : 3]++;
			worst = e > worst ? e : worst;
		}
		summary = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:[]}", "targets",
				    (json_int_t)json_array_size(reports), "ok", n[0], "warning", n[1], "critical", n[2],
				    "unreachable", (json_int_t)0, "error", n[3], "exit_code", worst, "top_findings");
		json_object_set_new(summary, "verdict", json_string(sd_verdict_name((int)worst)));
		json_object_set_new(summary, "note", json_string("no summary line: the run was cut short"));
	}
	json_t *doc = json_pack("{s:I, s:{s:s, s:s}, s:o, s:o}", "schema_version", (json_int_t)SD_JSON_SCHEMA_VERSION,
				"tool", "name", "smtp-diag", "version", PACKAGE_VERSION, "fleet", summary, "reports",
				reports);
	return doc;
fail:
	free(line);
	json_decref(reports);
	json_decref(summary);
	return NULL;
}

/* render_saved_report - --report-from FILE --report FILE.html: FILE is a
 * --json document or --jsonl lines */
static int render_saved_report(const sd_cli *cli)
{
	json_error_t je;
	char *err = NULL;

	if (cli->report == NULL) {
		fprintf(stderr, "smtp-diag: --report-from needs --report FILE.html to write to\n");
		return EXIT_UNKNOWN;
	}
	FILE *f = fopen(cli->report_from, "r");
	if (f == NULL) {
		fprintf(stderr, "smtp-diag: --report-from: cannot read '%s': %s\n", cli->report_from, strerror(errno));
		return EXIT_UNKNOWN;
	}
	json_t *doc = json_loadf(f, 0, &je);
	if (doc == NULL && je.line > 1 && strstr(je.text, "end of file expected") != NULL) {
		rewind(f);
		doc = fleet_from_lines(f, cli->report_from, &err);
	} else if (doc == NULL) {
		err = sd_asprintf("%s:%d:%d: not a smtp-diag JSON report: %s", cli->report_from, je.line, je.column,
				  je.text);
	} else if (!json_is_object(doc) || (json_object_get(doc, "target") == NULL &&
					    json_object_get(doc, "domain") == NULL && json_object_get(doc, "fleet") == NULL)) {
		/* one line of --jsonl alone is a target report, handled above */
		err = sd_asprintf("%s: not an smtp-diag report (no target, domain or fleet member)", cli->report_from);
		json_decref(doc);
		doc = NULL;
	}
	fclose(f);
	if (doc == NULL) {
		fprintf(stderr, "smtp-diag: --report-from: %s\n", err);
		free(err);
		return EXIT_UNKNOWN;
	}
	int rc = sd_html_report_file(doc, cli->report, &err);
	json_decref(doc);
	if (rc != 0) {
		fprintf(stderr, "smtp-diag: %s: %s\n", cli->report_from, err);
		free(err);
		return EXIT_UNKNOWN;
	}
	return 0;
}

/* write_report - --report after a single-target or domain run; 0 or -1 */
static int write_report(const char *path, sd_target_result *res, sd_domain_result *d)
{
	char *err = NULL;
	json_t *doc = d != NULL ? sd_domain_to_json(d) : sd_result_to_json(res);
	int rc = sd_html_report_file(doc, path, &err);

	json_decref(doc);
	if (rc != 0) {
		fprintf(stderr, "smtp-diag: %s\n", err);
		free(err);
	}
	return rc;
}

/* usage_error - a problem of the invocation: one line on stderr; in
 * monitoring mode also the UNKNOWN status line a monitoring system reads
 * from stdout */
static void usage_error(int nagios, int hint, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* usage_error - a problem of the invocation: one line on stderr; in monitoring
 * mode also the UNKNOWN status line */
static void usage_error(int nagios, int hint, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = sd_vasprintf(fmt, ap);
	va_end(ap);
	/* a message of several lines (every bad line of a --targets file)
	 * gets the prefix on each; a monitoring status line takes the first */
	for (char *line = msg, *nl; line != NULL; line = nl != NULL ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		fprintf(stderr, "smtp-diag: %.*s\n", nl != NULL ? (int)(nl - line) : (int)strlen(line), line);
	}
	if (hint)
		fputs("Try 'smtp-diag --help'.\n", stderr);
	if (nagios)
		printf("SMTP UNKNOWN - %.*s\n", (int)strcspn(msg, "\n"), msg);
	free(msg);
}

/* list_checks - write each loaded check with its summary, prerequisites and
 * parameters (--list-checks) */
static void list_checks(const sd_registry *reg, FILE *out)
{
	for (size_t i = 0; i < reg->nplugins; i++) {
		const sd_check *c = reg->plugins[i].check;

		fprintf(out, "%-16s %s\n", c->name, c->summary != NULL ? c->summary : "");
		if (c->requires != NULL && c->requires[0] != NULL) {
			fputs("                 requires:", out);
			for (const char *const *r = c->requires; *r != NULL; r++)
				fprintf(out, " %s", *r);
			fputc('\n', out);
		}
		for (const sd_param_spec *p = c->params; p != NULL && p->name != NULL; p++)
			fprintf(out, "                 %s (%s, default %s): %s\n", p->name,
				sd_param_type_name(p->type),
				p->default_value != NULL && p->default_value[0] ? p->default_value : "unset",
				p->help);
	}
	for (size_t i = 0; i < reg->nrefused; i++)
		fprintf(out, "%-16s REFUSED: %s\n", reg->refused[i].name, reg->refused[i].reason);
}

/* list_profiles - write the profiles found in the ':'-separated DIRS, each name once; how many */
static int list_profiles(const char *dirs, FILE *out)
{
	char *copy = sd_xstrdup(dirs), *save = NULL;
	char **seen = NULL;
	int found = 0;

	for (char *d = strtok_r(copy, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save)) {
		struct dirent **names;
		int n = scandir(d, &names, NULL, alphasort);
		for (int i = 0; i < n; i++) {
			const char *f = names[i]->d_name;
			size_t l = strlen(f);
			int shadowed = 0;
			for (int k = 0; k < found && !shadowed; k++)
				shadowed = strlen(seen[k]) == l - 5 && strncmp(seen[k], f, l - 5) == 0;
			/* a name is listed once: the first directory holding it is
			 * the one --profile NAME reads (a site profile shadows a
			 * shipped one of the same name) */
			if (l > 5 && strcmp(f + l - 5, ".yaml") == 0 && !shadowed) {
				char *name = sd_xstrndup(f, l - 5), *err = NULL;
				sd_profile *p = sd_profile_load(name, dirs, &err);
				fprintf(out, "%-20s %s\n", name,
					p != NULL ? (p->description ? p->description : "") : err);
				sd_profile_free(p);
				free(err);
				seen = sd_xrealloc(seen, (size_t)(found + 1) * sizeof(*seen));
				seen[found++] = name;
			}
			free(names[i]);
		}
		if (n >= 0)
			free(names);
	}
	for (int k = 0; k < found; k++)
		free(seen[k]);
	free(seen);
	free(copy);
	if (!found)
		fprintf(out, "no profiles in %s\n", dirs);
	return 0;
}

/* credentials - the user from --auth-user, the password from the first line
 * of --auth-password-file or from SMTPDIAG_PASSWORD: never from the
 * command line, where ps and shell history would show it */
static int credentials(const sd_cli *cli, sd_target_config *cfg, char **err)
{
	char buf[1024] = "";

	if (cli->auth_user[0] == '\0' || strpbrk(cli->auth_user, "\r\n") != NULL) {
		*err = sd_xstrdup("--auth-user must be a non-empty user name on one line");
		return -1;
	}
	if (cli->auth_password_file != NULL) {
		FILE *f = fopen(cli->auth_password_file, "r");
		if (f == NULL) {
			*err = sd_asprintf("--auth-password-file: cannot read '%s': %s", cli->auth_password_file,
					   strerror(errno));
			return -1;
		}
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
		buf[strcspn(buf, "\r\n")] = '\0';
		if (buf[0] == '\0') {
			*err = sd_asprintf("--auth-password-file: '%s' is empty (the password is its first line)",
					   cli->auth_password_file);
			return -1;
		}
	} else {
		const char *env = getenv("SMTPDIAG_PASSWORD");
		if (env == NULL || *env == '\0') {
			*err = sd_xstrdup("--auth-user needs a password: --auth-password-file FILE or the "
					  "SMTPDIAG_PASSWORD environment variable");
			return -1;
		}
		snprintf(buf, sizeof(buf), "%s", env);
	}
	cfg->auth_user = sd_xstrdup(cli->auth_user);
	cfg->auth_password = sd_xstrdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

/* target_config - CLI over profile over built-in defaults */
static int target_config(const sd_cli *cli, const sd_profile *p, sd_target_config *cfg, char **err)
{
	unsigned char addr[sizeof(struct in6_addr)];

	memset(cfg, 0, sizeof(*cfg));
	if (cli->address != NULL && inet_pton(AF_INET, cli->address, addr) != 1 &&
	    inet_pton(AF_INET6, cli->address, addr) != 1) {
		*err = sd_asprintf("--address: '%s' is not an IP address (IPv4 or IPv6 literal)", cli->address);
		return -1;
	}
	cfg->server = sd_xstrdup(cli->server != NULL ? cli->server : cli->domain);
	cfg->address = cli->address != NULL ? sd_xstrdup(cli->address) : NULL;
	cfg->tls = p->target.tls_set ? p->target.tls : SD_TLS_NONE;
	if (cli->tls != NULL && sd_tls_mode_parse(cli->tls, &cfg->tls) != 0) {
		*err = sd_asprintf("--tls: '%s' is not none, starttls or implicit", cli->tls);
		return -1;
	}
	if (cli->port != 0)
		cfg->port = (unsigned)cli->port;
	else if (p->target.port_set)
		cfg->port = p->target.port;
	else
		cfg->port = cfg->tls == SD_TLS_IMPLICIT ? 465 : 25;
	/* port 465 is SMTPS (RFC 8314): implicit TLS unless said otherwise,
	 * by --tls or by a profile written for port 465 */
	if (cfg->port == 465 && cli->tls == NULL &&
	    !(p->target.tls_set && p->target.port_set && p->target.port == 465))
		cfg->tls = SD_TLS_IMPLICIT;
	if (cli->ca_file != NULL) {
		if (access(cli->ca_file, R_OK) != 0) {
			*err = sd_asprintf("--ca-file: cannot read '%s': %s", cli->ca_file, strerror(errno));
			return -1;
		}
		cfg->ca_file = sd_xstrdup(cli->ca_file);
	}
	if (cli->ehlo_name != NULL) {
		if (cli->ehlo_name[0] == '\0' || strpbrk(cli->ehlo_name, " \t\r\n") != NULL) {
			*err = sd_xstrdup("--ehlo-name must be one word (a domain or [address])");
			return -1;
		}
		cfg->ehlo_name = sd_xstrdup(cli->ehlo_name);
	} else if (p->target.ehlo_name != NULL) {
		cfg->ehlo_name = sd_xstrdup(p->target.ehlo_name);
	}
	if (cli->auth_user != NULL && credentials(cli, cfg, err) != 0)
		return -1;
	if (cli->auth_user == NULL && cli->auth_password_file != NULL) {
		*err = sd_xstrdup("--auth-password-file needs --auth-user");
		return -1;
	}
	const char *dns = cli->dns_server != NULL ? cli->dns_server : getenv("SMTPDIAG_DNS_SERVER");
	if (dns != NULL && *dns != '\0') {
		sd_resolver r;
		if (sd_resolver_parse(&r, dns, 0, err) != 0) {
			if (cli->dns_server == NULL) {
				char *e = sd_asprintf("SMTPDIAG_DNS_SERVER%s", strchr(*err, ':'));
				free(*err);
				*err = e;
			}
			return -1;
		}
		cfg->dns_servers = sd_xstrdup(dns);
	}
	cfg->dns_timeout_ms = (int)cli->dns_timeout_ms;
	cfg->mx_limit = (unsigned)cli->mx_limit;
	cfg->domain_deadline_ms = (int)cli->domain_deadline_ms;
	if (cli->domain != NULL) {
		char *d = sd_xstrdup(cli->domain);
		size_t l = strlen(d);
		if (l > 1 && d[l - 1] == '.')
			d[l - 1] = '\0';
		if (d[0] == '\0' || d[0] == '.' || strpbrk(d, " \t\r\n/:@[]") != NULL || strlen(d) > 253) {
			*err = sd_asprintf("--domain: '%s' is not a domain name", cli->domain);
			free(d);
			return -1;
		}
		cfg->domain = d;
	}
	cfg->connect_timeout_ms = p->target.connect_timeout_ms ? (int)p->target.connect_timeout_ms
							       : DEFAULT_CONNECT_MS;
	cfg->greeting_timeout_ms = p->target.greeting_timeout_ms ? (int)p->target.greeting_timeout_ms
								 : DEFAULT_GREETING_MS;
	cfg->command_timeout_ms = p->target.command_timeout_ms ? (int)p->target.command_timeout_ms
							       : DEFAULT_COMMAND_MS;
	if (cli->timeout_ms > 0)
		cfg->connect_timeout_ms = cfg->greeting_timeout_ms = cfg->command_timeout_ms =
			(int)cli->timeout_ms;
	return 0;
}

/* send_requested - --send: the transaction check joins --checks, or is
 * enabled in the profile */
static void send_requested(sd_cli *cli, sd_profile *p)
{
	if (cli->smuggling_only)
		return; /* --checks smuggling: that check sends, nothing else */
	if (cli->nchecks > 0) {
		for (size_t i = 0; i < cli->nchecks; i++)
			if (strcmp(cli->checks[i], "transaction") == 0)
				return;
		cli->checks = sd_xrealloc(cli->checks, (cli->nchecks + 1) * sizeof(char *));
		cli->checks[cli->nchecks++] = sd_xstrdup("transaction");
		return;
	}
	sd_profile_enable_check(p, "transaction");
}

/* send_has_recipient - --send: the check that sends (transaction, or
 * smuggling alone) has a recipient, from --to, --set or the profile; found
 * before any connection rather than after the whole audit */
static int send_has_recipient(const sd_cli *cli, const sd_profile *p)
{
	const sd_profile_check *pc = sd_profile_find_check(p, cli->smuggling_only ? "smuggling" : "transaction");
	const char *const *to = NULL;
	size_t n = pc != NULL && pc->bound != NULL ? sd_param_list(pc->bound, "to", &to) : 0;

	for (size_t i = 0; i < n; i++)
		if (to[i] != NULL && to[i][0] != '\0')
			return 1;
	return cli->to != NULL;
}

/* auth_first - --checks with the transaction check and --auth-user: the
 * transaction is the authenticated client's, so AUTH runs first (it joins
 * the list when missing, and goes before the transaction when listed
 * after it; a message was sent unauthenticated and refused before) */
static void auth_first(sd_cli *cli)
{
	size_t tx = cli->nchecks, au = cli->nchecks;

	if (cli->auth_user == NULL)
		return;
	for (size_t i = 0; i < cli->nchecks; i++) {
		if (strcmp(cli->checks[i], "transaction") == 0 && tx == cli->nchecks)
			tx = i;
		if (strcmp(cli->checks[i], "auth") == 0 && au == cli->nchecks)
			au = i;
	}
	if (tx == cli->nchecks || (au < tx))
		return;
	char *a;
	if (au == cli->nchecks) {
		cli->checks = sd_xrealloc(cli->checks, (cli->nchecks + 1) * sizeof(char *));
		cli->nchecks++;
		a = sd_xstrdup("auth");
	} else {
		a = cli->checks[au];
		memmove(&cli->checks[au], &cli->checks[au + 1], (cli->nchecks - au - 1) * sizeof(char *));
	}
	memmove(&cli->checks[tx + 1], &cli->checks[tx], (cli->nchecks - tx - 1) * sizeof(char *));
	cli->checks[tx] = a;
}

/* thresholds_requested - --warning/--critical judge the response-time check:
 * it joins --checks when those are given */
static void thresholds_requested(sd_cli *cli, sd_profile *p)
{
	if (cli->nchecks > 0) {
		for (size_t i = 0; i < cli->nchecks; i++)
			if (strcmp(cli->checks[i], "response-time") == 0)
				return;
		cli->checks = sd_xrealloc(cli->checks, (cli->nchecks + 1) * sizeof(char *));
		cli->checks[cli->nchecks++] = sd_xstrdup("response-time");
		return;
	}
	sd_profile_enable_check(p, "response-time");
}

/* apply_vars - the run's own variables (domain, server, port) for target T,
 * then --var */
static int apply_vars(const sd_cli *cli, sd_profile *p, const sd_target_spec *t, char **err)
{
	char port[16];
	const char *origin = t != NULL && t->origin != NULL ? t->origin : "--server";

	if (t == NULL)
		goto vars;
	if (t->kind == SD_TARGET_DOMAIN && sd_profile_set_var(p, "domain", t->name, origin, err) != 0)
		return -1;
	if (sd_profile_set_var(p, "server", t->name, origin, err) != 0)
		return -1;
	if (t->port != 0 || cli->port != 0) {
		snprintf(port, sizeof(port), "%lld", t->port != 0 ? (long long)t->port : cli->port);
		if (sd_profile_set_var(p, "port", port, t->port != 0 ? origin : "--port", err) != 0)
			return -1;
	}
vars:
	for (size_t i = 0; i < cli->nvars; i++) {
		const char *eq = strchr(cli->vars[i], '=');
		char *name = sd_xstrndup(cli->vars[i], (size_t)(eq - cli->vars[i]));
		int rc = sd_profile_set_var(p, name, eq + 1, "--var", err);
		free(name);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* apply_sets - --set overrides on top of the profile; one that names a
 * check neither the profile nor --checks mentions would do nothing, which
 * is an error rather than a silent surprise */
static int apply_sets(const sd_cli *cli, sd_profile *p, char **err)
{
	for (size_t i = 0; i < cli->nsets; i++) {
		const char *a = cli->sets[i], *dot = strchr(a, '.');
		int known = dot != NULL && dot > a;

		if (known) {
			char *name = sd_xstrndup(a, (size_t)(dot - a));
			known = sd_profile_find_check(p, name) != NULL;
			for (size_t j = 0; !known && j < cli->nchecks; j++)
				known = strcmp(cli->checks[j], name) == 0;
			if (!known)
				*err = sd_asprintf("--set %s: check '%s' is not in profile '%s' and not in --checks", a,
						   name, p->name);
			free(name);
			if (!known)
				return -1;
		}
		if (sd_profile_set_param(p, a, "--set", err) != 0)
			return -1;
	}
	return 0;
}

/* collect_targets - --server, --domain and --targets into one list */
static int collect_targets(const sd_cli *cli, sd_target_list *l, char **err)
{
	for (size_t i = 0; i < cli->nservers; i++)
		if (sd_target_list_add(l, cli->servers[i], SD_TARGET_SERVER, "--server", err) != 0)
			return -1;
	for (size_t i = 0; i < cli->ndomains; i++) {
		char *e = NULL;
		if (sd_target_list_add(l, cli->domains[i], SD_TARGET_DOMAIN, "--domain", &e) != 0) {
			*err = sd_asprintf("--domain: '%s' is not a domain name", cli->domains[i]);
			free(e);
			return -1;
		}
	}
	if (cli->targets_file != NULL) {
		int std = strcmp(cli->targets_file, "-") == 0;
		FILE *f = std ? stdin : fopen(cli->targets_file, "r");
		if (f == NULL) {
			*err = sd_asprintf("--targets: cannot read '%s': %s", cli->targets_file, strerror(errno));
			return -1;
		}
		int rc = sd_target_list_read(l, f, std ? "(stdin)" : cli->targets_file,
					     cli->target_type_domain ? SD_TARGET_DOMAIN : SD_TARGET_SERVER, err);
		if (!std)
			fclose(f);
		if (rc != 0)
			return -1;
		if (l->n == 0) {
			*err = sd_asprintf("--targets: no target in '%s'", cli->targets_file);
			return -1;
		}
	}
	return 0;
}

/* unused_vars - a --var the bound profile never substitutes would change
 * nothing (a misspelt name, or the wrong profile): an error, as --set of a
 * check the profile does not have is */
static int unused_vars(const sd_cli *cli, const sd_profile *p, char **err)
{
	for (size_t i = 0; i < cli->nvars; i++) {
		const char *eq = strchr(cli->vars[i], '=');
		char *name = sd_xstrndup(cli->vars[i], (size_t)(eq - cli->vars[i]));
		int used = sd_profile_uses_var(p, name);
		if (!used)
			*err = sd_asprintf("--var %s: profile '%s' uses no ${%s} (see --explain-profile %s)", name,
					   p->name, name, p->name);
		free(name);
		if (!used)
			return -1;
	}
	return 0;
}

/* load_bound - the profile with --send/--warning additions, T's variables
 * and --set applied, bound to the modules; NULL and *err */
static sd_profile *load_bound(sd_cli *cli, const char *profile_dirs, const sd_registry *reg,
			      const sd_target_spec *t, char **err)
{
	sd_profile *p = sd_profile_load(cli->profile != NULL ? cli->profile : "default", profile_dirs, err);

	if (p != NULL && cli->send)
		send_requested(cli, p);
	if (p != NULL)
		auth_first(cli);
	if (p != NULL && cli->thresholds)
		thresholds_requested(cli, p);
	if (p == NULL || apply_vars(cli, p, t, err) != 0 || apply_sets(cli, p, err) != 0 ||
	    sd_profile_bind(p, reg, err) != 0 || unused_vars(cli, p, err) != 0) {
		sd_profile_free(p);
		return NULL;
	}
	return p;
}

/* What a fleet run needs to bind the profile once per target. */
typedef struct per_target {
	sd_cli *cli;
	const char *profile_dirs;
	const sd_registry *reg;
	pthread_mutex_t lock;      /* send_requested() & co. may touch the CLI */
} per_target;

/* prepare_target - fleet hook: load and bind the profile of target T and make
 * its plan; -1 and *ERR */
static int prepare_target(void *ctx, const sd_target_spec *t, sd_profile **profile, sd_plan *plan, char **err)
{
	per_target *pt = ctx;

	pthread_mutex_lock(&pt->lock);
	sd_profile *p = load_bound(pt->cli, pt->profile_dirs, pt->reg, t, err);
	int rc = p != NULL ? sd_plan_make(plan, p, pt->reg, (const char *const *)pt->cli->checks, pt->cli->nchecks,
					  err)
			   : -1;
	pthread_mutex_unlock(&pt->lock);
	if (rc != 0) {
		sd_profile_free(p);
		return -1;
	}
	if (t->kind == SD_TARGET_SERVER)
		sd_plan_drop_domain_checks(plan);
	*profile = p;
	return 0;
}

/* run_fleet - many targets (or JSON Lines): the worker pool of fleet.c */
static int run_fleet(sd_cli *cli, const char *profile_dirs, const sd_registry *reg, sd_profile *profile,
		     const sd_target_list *targets, const sd_target_config *cfg, const char *header)
{
	sd_plan server_plan = { 0 }, domain_plan = { 0 };
	char *err = NULL;
	int has_domain = 0, rc = EXIT_UNKNOWN;
	per_target pt = { .cli = cli, .profile_dirs = profile_dirs, .reg = reg };

	pthread_mutex_init(&pt.lock, NULL);
	for (size_t i = 0; i < targets->n; i++)
		has_domain |= targets->v[i].kind == SD_TARGET_DOMAIN;
	if (sd_plan_make(&server_plan, profile, reg, (const char *const *)cli->checks, cli->nchecks, &err) != 0 ||
	    (has_domain &&
	     sd_plan_make(&domain_plan, profile, reg, (const char *const *)cli->checks, cli->nchecks, &err) != 0)) {
		usage_error(0, 0, "%s", err);
		goto out;
	}
	sd_plan_drop_domain_checks(&server_plan);
	int per_target_vars = sd_profile_uses_var(profile, "server") || sd_profile_uses_var(profile, "domain") ||
			      sd_profile_uses_var(profile, "port");
	sd_fleet_job job = {
		.targets = targets,
		.tmpl = cfg,
		.tmpl_tls_explicit = cli->tls != NULL,
		.profile = profile,
		.server_plan = &server_plan,
		.domain_plan = has_domain ? &domain_plan : NULL,
		.prepare = per_target_vars ? prepare_target : NULL,
		.free_profile = sd_profile_free,
		.prepare_ctx = &pt,
		.parallel = cli->parallel > 0 ? (unsigned)cli->parallel : DEFAULT_PARALLEL,
		.transcript = cli->transcript,
		.format = cli->output == SD_OUT_JSON ? SD_FLEET_JSON
			  : cli->output == SD_OUT_JSONL ? SD_FLEET_JSONL : SD_FLEET_TEXT,
		.quiet = cli->quiet,
		.verbose = cli->verbose,
		.progress = !cli->no_progress && targets->n > 1 && isatty(STDERR_FILENO),
		.out = stdout,
		.progress_out = stderr,
	};
	job.report_path = cli->report;
	job.jsonl_header = header;
	sd_fleet_totals totals;
	rc = sd_fleet_run(&job, &totals);
	if (totals.write_failed)
		fprintf(stderr, "smtp-diag: cannot write the report\n");
	if (totals.report_error != NULL) {
		fprintf(stderr, "smtp-diag: %s\n", totals.report_error);
		free(totals.report_error);
		rc = EXIT_UNKNOWN;
	}
out:
	free(err);
	sd_plan_clear(&server_plan);
	sd_plan_clear(&domain_plan);
	pthread_mutex_destroy(&pt.lock);
	return rc;
}

/* make_plan - --make-plan: the domains resolved through the configured
 * DNS server (or --mx-map) into a plan on stdout */
static int make_plan(const sd_cli *cli)
{
	sd_target_list targets = { 0 };
	sd_fleet_plan plan;
	char *err = NULL;
	const char *dns = cli->dns_server != NULL ? cli->dns_server : getenv("SMTPDIAG_DNS_SERVER");
	sd_make_plan_opts o = { .dns_servers = dns != NULL && *dns != '\0' ? dns : NULL,
				.dns_timeout_ms = (int)cli->dns_timeout_ms,
				.mx_limit = (unsigned)cli->mx_limit,
				.port = (unsigned)cli->port,
				.mx_map = cli->mx_map,
				.parallel = (unsigned)cli->parallel };

	if ((cli->mx_map == NULL && collect_targets(cli, &targets, &err) != 0) ||
	    sd_plan_build(&plan, &targets, &o, &err) != 0) {
		usage_error(0, 0, "%s", err);
		free(err);
		sd_target_list_clear(&targets);
		return EXIT_UNKNOWN;
	}
	int rc = sd_plan_write(&plan, stdout) == 0 ? 0 : EXIT_UNKNOWN;
	if (rc != 0)
		fprintf(stderr, "smtp-diag: --make-plan: cannot write the plan\n");
	else
		fprintf(stderr, "smtp-diag: plan %s: %zu units (address:port) for %zu domains, %zu unresolved\n",
			plan.hash, plan.n, plan.ndomains, plan.nbad);
	sd_plan_free_all(&plan);
	sd_target_list_clear(&targets);
	return rc;
}

/* plan_targets - --plan FILE: the units of this shard (--shard, the batch
 * engine's environment, else all) as targets, and the shard's header line */
static int plan_targets(const sd_cli *cli, sd_target_list *l, char **header, char **err)
{
	sd_fleet_plan plan;
	unsigned i = 0, n = 1;

	if (cli->shard != NULL) {
		if (sd_shard_parse(cli->shard, &i, &n, err) != 0)
			return -1;
	} else if (sd_shard_from_env((unsigned)cli->shard_count, &i, &n, err) < 0) {
		return -1;
	} else if (cli->shard_count != 0 && n == 1 && cli->shard_count != 1) {
		*err = sd_xstrdup("--shard-count without JOB_COMPLETION_INDEX: give --shard I/N");
		return -1;
	}
	if (sd_plan_read(&plan, cli->plan_file, err) != 0)
		return -1;
	sd_plan_shard_targets(&plan, i, n, l);
	json_t *h = json_pack("{s:{s:s, s:i, s:i, s:s, s:I}}", "shard", "plan_hash", plan.hash, "index", (int)i, "count",
			      (int)n, "version", PACKAGE_VERSION, "units", (json_int_t)l->n);
	*header = json_dumps(h, JSON_COMPACT);
	json_decref(h);
	sd_plan_free_all(&plan);
	if (l->n == 0) {   /* a shard may be empty (more shards than units): header and summary only */
		fprintf(stderr, "smtp-diag: shard %u/%u of %s has no unit\n", i, n, cli->plan_file);
	}
	return 0;
}

/* run_openmetrics - --format openmetrics: one run as metrics, on standard
 * output or atomically into --output FILE (node_exporter's textfile collector) */
static int run_openmetrics(const sd_cli *cli, const sd_plan *plan, const sd_target_config *cfg, const sd_profile *p)
{
	char *err = NULL;
	sd_target_result *res = sd_run_target(plan, cfg, p, NULL, 0);
	char *text = sd_metrics_text(res, 1);
	int rc = res->exit_code;

	if (cli->output_file != NULL) {
		if (sd_metrics_write_file(cli->output_file, text, &err) != 0) {
			fprintf(stderr, "smtp-diag: --output: %s\n", err);
			free(err);
			rc = EXIT_UNKNOWN;
		}
	} else if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
		rc = EXIT_UNKNOWN;
	}
	free(text);
	sd_target_result_free(res);
	return rc;
}

/* run_exporter - --exporter: the template configuration every probe starts
 * from (CA file, EHLO name, resolver, limits), then serve */
static int run_exporter(const sd_cli *cli, const sd_registry *reg, const char *profile_dirs)
{
	sd_target_config tmpl = { 0 };
	char *err = NULL;
	int rc = EXIT_UNKNOWN;

	tmpl.server = sd_xstrdup("");
	if (cli->ca_file != NULL) {
		if (access(cli->ca_file, R_OK) != 0) {
			usage_error(0, 0, "--ca-file: cannot read '%s': %s", cli->ca_file, strerror(errno));
			goto out;
		}
		tmpl.ca_file = sd_xstrdup(cli->ca_file);
	}
	if (cli->ehlo_name != NULL)
		tmpl.ehlo_name = sd_xstrdup(cli->ehlo_name);
	const char *dns = cli->dns_server != NULL ? cli->dns_server : getenv("SMTPDIAG_DNS_SERVER");
	if (dns != NULL && *dns != '\0') {
		sd_resolver r;
		if (sd_resolver_parse(&r, dns, 0, &err) != 0) {
			usage_error(0, 0, "--dns-server: %s", err);
			goto out;
		}
		tmpl.dns_servers = sd_xstrdup(dns);
	}
	tmpl.dns_timeout_ms = (int)cli->dns_timeout_ms;
	tmpl.limiter = sd_limiter_new(cli->per_address > 0 ? (unsigned)cli->per_address : DEFAULT_PER_ADDRESS, cli->rate);
	tmpl.tls_ctx = sd_tls_verify_ctx_new(tmpl.ca_file, &err);
	if (tmpl.tls_ctx == NULL) {
		usage_error(0, 0, "--ca-file: %s", err);
		goto out;
	}
	tmpl.rate_retries = cli->rate_retries_set ? (int)cli->rate_retries : DEFAULT_RATE_RETRIES;
	tmpl.backoff_ms = cli->backoff_ms > 0 ? (int)cli->backoff_ms : DEFAULT_BACKOFF_MS;
	sd_exporter_options o = {
		.listen = cli->exporter,
		.allow = cli->allow,
		.nallow = cli->nallow,
		.max_concurrent = cli->max_concurrent > 0 ? (unsigned)cli->max_concurrent : 4,
		.deadline_ms = cli->deadline_ms > 0 ? cli->deadline_ms : 10000,
		.timeout_ms = cli->timeout_ms,
		.reg = reg,
		.profile_dirs = profile_dirs,
		.tmpl = &tmpl,
	};
	rc = sd_exporter_run(&o);
out:
	free(err);
	sd_limiter_free(tmpl.limiter);
	sd_tls_ctx_free(tmpl.tls_ctx);
	tmpl.limiter = NULL;
	tmpl.tls_ctx = NULL;
	sd_target_config_clear(&tmpl);
	return rc;
}

/* main - smtp-diag: parse the command line, load checks and profile, run the targets, report */
int main(int argc, char **argv)
{
	sd_cli cli;
	char *err = NULL;
	int rc = EXIT_UNKNOWN;
	sd_registry *reg = NULL;
	sd_profile *profile = NULL;
	sd_plan plan = { 0 };
	sd_target_config cfg = { 0 };
	sd_target_list targets = { 0 };
	sd_limiter *limiter = NULL;
	sd_tls_ctx *tls_ctx = NULL;
	char *given_plugin_dirs = NULL;
	char *shard_header = NULL;

	double t_start = sd_now_ms();   /* --deadline counts from here */

	signal(SIGPIPE, SIG_IGN);
	if (sd_cli_parse(&cli, argc, argv, &err) != 0) {
		int nagios = 0;
		for (int i = 1; i < argc; i++)
			nagios |= strcmp(argv[i], "--nagios") == 0 || strcmp(argv[i], "--format=nagios") == 0 ||
				  (strcmp(argv[i], "--format") == 0 && i + 1 < argc && strcmp(argv[i + 1], "nagios") == 0);
		usage_error(nagios, 1, "%s", err);
		goto out;
	}
	if (cli.help) {
		sd_cli_usage(stdout);
		rc = 0;
		goto out;
	}
	if (cli.version) {
		printf("smtp-diag %s (plugin ABI %d)\n", PACKAGE_VERSION, SD_PLUGIN_ABI);
		rc = 0;
		goto out;
	}
	/* a relative --plugin-dir is the user's explicit choice: anchored here
	 * to the current directory; SMTPDIAG_PLUGIN_DIR must be absolute */
	if (cli.plugin_dirs != NULL)
		given_plugin_dirs = absolute_dirs(cli.plugin_dirs);
	if (cli.report != NULL && report_path_usable(cli.report, &err) != 0) {
		usage_error(cli.output == SD_OUT_NAGIOS, 0, "%s", err);
		goto out;
	}
	if (cli.report_from != NULL) {
		rc = render_saved_report(&cli);
		goto out;
	}
	if (cli.merge) {
		sd_merge_opts mo = { .plan_file = cli.plan_file, .files = (const char *const *)cli.inputs,
				     .nfiles = cli.ninputs, .jsonl = cli.output == SD_OUT_JSONL,
				     .report_path = cli.report, .out = stdout, .err = stderr };
		rc = sd_merge(&mo);
		goto out;
	}
	if (cli.make_plan) {
		rc = make_plan(&cli);
		goto out;
	}
	const char *plugin_dirs = dirs_or_default(given_plugin_dirs, "SMTPDIAG_PLUGIN_DIR", SD_PLUGIN_DIR);
	const char *profile_dirs = dirs_or_default(cli.profile_dirs, "SMTPDIAG_PROFILE_DIR", SD_PROFILE_DIR);
	int nagios = cli.output == SD_OUT_NAGIOS;

	if (cli.list_profiles) {
		rc = list_profiles(profile_dirs, stdout);
		goto out;
	}
	reg = sd_registry_new();
	if (sd_registry_load_path(reg, plugin_dirs, &err) != 0) {
		usage_error(nagios, 0, "%s", err);
		goto out;
	}
	if (cli.list_checks) {
		list_checks(reg, stdout);
		rc = 0;
		goto out;
	}
	if (cli.exporter != NULL) {
		rc = run_exporter(&cli, reg, profile_dirs);
		goto out;
	}
	if (collect_targets(&cli, &targets, &err) != 0 ||
	    (cli.plan_file != NULL && plan_targets(&cli, &targets, &shard_header, &err) != 0)) {
		usage_error(nagios, 0, "%s", err);
		goto out;
	}
	if (cli.plan_file != NULL && targets.n == 0) {   /* an empty shard: its header and an empty summary */
		printf("%s\n{\"schema_version\":%d,\"tool\":{\"name\":\"smtp-diag\",\"version\":\"%s\"},\"fleet\":"
		       "{\"targets\":0,\"parallel\":0,\"duration_ms\":0,\"ok\":0,\"warning\":0,\"critical\":0,"
		       "\"unreachable\":0,\"error\":0,\"exit_code\":0,\"verdict\":\"OK\",\"top_findings\":[]}}\n",
		       shard_header, SD_JSON_SCHEMA_VERSION, PACKAGE_VERSION);
		rc = fflush(stdout) == 0 ? 0 : EXIT_UNKNOWN;
		goto out;
	}
	const sd_target_spec *first = targets.n > 0 ? &targets.v[0] : NULL;
	if (cli.explain_profile != NULL) {
		cli.profile = cli.explain_profile;
		profile = load_bound(&cli, profile_dirs, reg, first, &err);
		if (profile == NULL) {
			usage_error(0, 0, "%s", err);
			goto out;
		}
		sd_profile_explain(profile, stdout);
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < reg->nrefused; i++)
		fprintf(stderr, "smtp-diag: warning: module %s refused: %s\n", reg->refused[i].path,
			reg->refused[i].reason);
	int fleet = cli.targets_file != NULL || targets.n > 1 || cli.output == SD_OUT_JSONL;
	if (targets.n == 0) {
		usage_error(nagios, 1, "no target: give --server NAME, --domain DOMAIN or --targets FILE");
		goto out;
	}
	if (fleet && cli.output == SD_OUT_OPENMETRICS) {
		usage_error(0, 0, "--format openmetrics reports on one --server");
		goto out;
	}
	if (fleet && nagios) {
		usage_error(nagios, 0, "--nagios reports on one target (give one --server or --domain)");
		goto out;
	}
	if (fleet && cli.address != NULL) {
		usage_error(nagios, 0, "--address pins the address of one --server; in a target list write "
				       "'NAME[:PORT] IP' per target");
		goto out;
	}
	if (!fleet && first->kind == SD_TARGET_DOMAIN && cli.address != NULL) {
		usage_error(nagios, 0, "--domain audits the domain's MX hosts: it cannot be combined with --address");
		goto out;
	}
	int any_domain = 0;
	for (size_t i = 0; i < targets.n; i++)
		any_domain |= targets.v[i].kind == SD_TARGET_DOMAIN;
	for (size_t i = 0; !any_domain && i < cli.nchecks; i++) {
		const sd_check *c = sd_registry_find(reg, cli.checks[i]);
		if (c != NULL && c->scope == SD_SCOPE_DOMAIN) {
			usage_error(nagios, 0, "--checks: '%s' looks at a mail domain: give --domain DOMAIN", cli.checks[i]);
			goto out;
		}
	}
	/* the first target stands for all while the profile is bound; a
	 * profile that uses ${server}, ${domain} or ${port} is bound again
	 * per target in a fleet run */
	if (first->port != 0 && cli.port != 0 && first->port != (unsigned)cli.port && !fleet) {
		usage_error(nagios, 0, "%s: port %u and --port %lld disagree", first->origin, first->port, cli.port);
		goto out;
	}
	profile = load_bound(&cli, profile_dirs, reg, first, &err);
	if (profile == NULL) {
		usage_error(nagios, 0, "%s", err);
		goto out;
	}
	if (cli.send && !send_has_recipient(&cli, profile)) {
		usage_error(nagios, 0, "--send needs --to ADDRESS: the recipient of the message");
		goto out;
	}
	cli.server = first->name;
	cli.domain = first->kind == SD_TARGET_DOMAIN ? first->name : NULL;
	if (first->address != NULL)
		cli.address = first->address;
	if (!fleet && first->port != 0)
		cli.port = first->port;
	if (target_config(&cli, profile, &cfg, &err) != 0) {
		usage_error(nagios, 0, "%s", err);
		goto out;
	}
	limiter = sd_limiter_new(cli.per_address > 0 ? (unsigned)cli.per_address : DEFAULT_PER_ADDRESS, cli.rate);
	cfg.limiter = limiter;
	tls_ctx = sd_tls_verify_ctx_new(cfg.ca_file, &err);
	if (tls_ctx == NULL) {
		usage_error(nagios, 0, "--ca-file: %s", err);
		goto out;
	}
	cfg.tls_ctx = tls_ctx;
	if (cli.deadline_ms > 0) {
		cfg.run_deadline = t_start + (double)cli.deadline_ms;
		cfg.run_deadline_ms = (int)cli.deadline_ms;
		cfg.run_deadline_state = cli.deadline_state;
	}
	cfg.rate_retries = cli.rate_retries_set ? (int)cli.rate_retries : DEFAULT_RATE_RETRIES;
	cfg.backoff_ms = cli.backoff_ms > 0 ? (int)cli.backoff_ms : DEFAULT_BACKOFF_MS;
	if (fleet) {
		rc = run_fleet(&cli, profile_dirs, reg, profile, &targets, &cfg, shard_header);
		goto out;
	}
	if (sd_plan_make(&plan, profile, reg, (const char *const *)cli.checks, cli.nchecks, &err) != 0) {
		usage_error(nagios, 0, "%s", err);
		goto out;
	}
	if (cfg.domain == NULL)
		sd_plan_drop_domain_checks(&plan);

	if (cli.output == SD_OUT_OPENMETRICS) {
		if (cfg.domain != NULL) {
			usage_error(0, 0, "--format openmetrics reports on one --server, not a --domain");
			goto out;
		}
		rc = run_openmetrics(&cli, &plan, &cfg, profile);
		goto out;
	}
	sd_reporter rep;
	sd_text_state ts;
	sd_json_state js;
	sd_nagios_state ns;
	if (cli.output == SD_OUT_JSON) {
		sd_json_options jo = { .out = stdout };
		sd_json_reporter_init(&rep, &js, &jo);
	} else if (nagios) {
		sd_nagios_options no = { .out = stdout, .plan = &plan };
		sd_nagios_reporter_init(&rep, &ns, &no);
	} else {
		sd_text_options to = { .out = stdout, .quiet = cli.quiet, .verbose = cli.verbose };
		sd_text_reporter_init(&rep, &ts, &to);
	}
	if (cfg.domain != NULL) {
		sd_domain_result *d = sd_run_domain(&plan, &cfg, profile, &rep, cli.transcript);
		rc = d->exit_code;
		if (cli.report != NULL && write_report(cli.report, NULL, d) != 0)
			rc = EXIT_UNKNOWN;
		sd_domain_result_free(d);
	} else {
		sd_target_result *res = sd_run_target(&plan, &cfg, profile, &rep, cli.transcript);
		rc = res->exit_code;
		if (cli.report != NULL && write_report(cli.report, res, NULL) != 0)
			rc = EXIT_UNKNOWN;
		sd_target_result_free(res);
	}
	if (nagios && ns.failed) {
		fprintf(stderr, "smtp-diag: cannot write the status line\n");
		rc = EXIT_UNKNOWN;
	}
	if (cli.output == SD_OUT_JSON && js.failed) {
		fprintf(stderr, "smtp-diag: cannot write the JSON report\n");
		rc = EXIT_UNKNOWN;
	}

out:
	free(err);
	free(shard_header);
	free(given_plugin_dirs);
	sd_target_config_clear(&cfg);
	sd_plan_clear(&plan);
	sd_profile_free(profile);
	sd_registry_free(reg);
	sd_limiter_free(limiter);
	sd_tls_ctx_free(tls_ctx);
	sd_target_list_clear(&targets);
	sd_cli_clear(&cli);
	return rc;
}
