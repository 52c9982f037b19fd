/* SPDX-License-Identifier: MIT */
/*
 * options.c - the smtp-diag command line, from one table.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/params.h"
#include "base/util.h"
#include "options.h"

enum {
	OPT_SERVER = 's', OPT_ADDRESS = 'a', OPT_PORT = 'p', OPT_PROFILE = 'P', OPT_CHECKS = 'c',
	OPT_TIMEOUT = 't', OPT_EHLO = 'e', OPT_JSON = 'j', OPT_QUIET = 'q', OPT_VERBOSE = 'v',
	OPT_TRANSCRIPT = 'T', OPT_HELP = 'h', OPT_VERSION = 'V',
	OPT_PROFILE_DIR = 256, OPT_PLUGIN_DIR, OPT_TLS, OPT_LIST_CHECKS, OPT_LIST_PROFILES, OPT_CA_FILE,
	OPT_SET, OPT_TLS_PARALLEL, OPT_AUTH_USER, OPT_AUTH_PASSWORD_FILE, OPT_SEND, OPT_FROM, OPT_TO, OPT_HEADER,
	OPT_BODY, OPT_BODY_FILE, OPT_DOMAIN, OPT_DNS_SERVER, OPT_DNS_TIMEOUT,
	OPT_NAGIOS, OPT_FORMAT, OPT_WARNING, OPT_CRITICAL, OPT_VAR, OPT_EXPLAIN_PROFILE,
	OPT_TARGETS, OPT_TARGET_TYPE, OPT_PARALLEL, OPT_RATE, OPT_PER_ADDRESS, OPT_RATE_RETRIES, OPT_BACKOFF,
	OPT_JSONL, OPT_NO_PROGRESS, OPT_REPORT, OPT_REPORT_FROM, OPT_MX_LIMIT, OPT_DOMAIN_DEADLINE,
	OPT_MAKE_PLAN, OPT_PLAN, OPT_SHARD, OPT_SHARD_COUNT, OPT_MERGE, OPT_MX_MAP,
	OPT_DEADLINE, OPT_EXPORTER, OPT_ALLOW_TARGET, OPT_MAX_CONCURRENT, OPT_OUTPUT,
	OPT_LAST
};

typedef struct option_spec {
	const char *name;
	int id;         /* also the short option when printable */
	const char *arg;  /* NULL: no argument */
	const char *help;
} option_spec;

static const option_spec table[] = {
	{ "server", OPT_SERVER, "NAME[:PORT]", "mail server to audit (host name or IP address; repeatable)" },
	{ "domain", OPT_DOMAIN, "DOMAIN", "audit a mail domain: its MX hosts in preference order, plus MTA-STS and TLS-RPT (repeatable)" },
	{ "mx-limit", OPT_MX_LIMIT, "N", "audit at most the first N MX hosts of a domain in preference order (1-100, default 5, as Postfix's smtp_mx_address_limit); the rest are reported as not audited" },
	{ "domain-deadline", OPT_DOMAIN_DEADLINE, "DURATION", "total time for one --domain audit: MX and address lookups, domain checks, and no MX host started after it (default 5m)" },
	{ "targets", OPT_TARGETS, "FILE", "audit every target listed in FILE ('-': standard input), one per line: [server] NAME[:PORT] [IP] or domain DOMAIN; '#' comments" },
	{ "target-type", OPT_TARGET_TYPE, "TYPE", "what a bare entry of --targets is: server (default) or domain" },
	{ "parallel", OPT_PARALLEL, "N", "audit up to N targets at once (1-10000, default 32)" },
	{ "per-address", OPT_PER_ADDRESS, "N", "at most N connections at once to one IP address, probes included (1-64, default 4)" },
	{ "rate", OPT_RATE, "N", "at most N new connections per second over the whole run (default: no limit)" },
	{ "rate-retries", OPT_RATE_RETRIES, "N", "reconnect up to N times when a server rate-limits us (421 too many connections; refusal after an accepted connection; default 2, 0: never)" },
	{ "backoff", OPT_BACKOFF, "DURATION", "first wait before such a reconnect, doubled each time (default 1s)" },
	{ "make-plan", OPT_MAKE_PLAN, NULL, "audit nothing: resolve the --targets domains to MX addresses once and print the plan (JSON Lines, one unit per address:port with the domains it serves)" },
	{ "mx-map", OPT_MX_MAP, "FILE", "with --make-plan: read 'DOMAIN MXHOST ADDRESS[,ADDRESS]' lines instead of asking DNS" },
	{ "plan", OPT_PLAN, "FILE", "audit the units of a plan made by --make-plan (with --shard: only that shard's)" },
	{ "shard", OPT_SHARD, "I/N", "with --plan: audit shard I of N (0-based; default from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX)" },
	{ "shard-count", OPT_SHARD_COUNT, "N", "the number of shards when the index comes from JOB_COMPLETION_INDEX (Kubernetes Indexed Job)" },
	{ "merge", OPT_MERGE, NULL, "audit nothing: check shard outputs (arguments) against --plan, every unit exactly once, then merge them" },
	{ "dns-server", OPT_DNS_SERVER, "IP[:PORT]", "send DNS queries here, not to resolv.conf's servers (comma list; IPv6 as [IP]:PORT; env SMTPDIAG_DNS_SERVER)" },
	{ "dns-timeout", OPT_DNS_TIMEOUT, "DURATION", "limit for one DNS query, retries included (default 5s)" },
	{ "address", OPT_ADDRESS, "IP", "connect to this address; --server stays the name used for the host (its name is not looked up; DANE and PTR still ask --dns-server or resolv.conf)" },
	{ "port", OPT_PORT, "PORT", "TCP port (default: the profile's, else 25)" },
	{ "profile", OPT_PROFILE, "NAME|FILE", "profile to use (default: default)" },
	{ "checks", OPT_CHECKS, "A,B,...", "run only these checks (plus what they need), with the profile's target settings" },
	{ "timeout", OPT_TIMEOUT, "DURATION", "limit for every network wait, 100ms to 1h, e.g. 5s or 500ms (default: the profile's)" },
	{ "deadline", OPT_DEADLINE, "DURATION[:STATE]", "limit for the whole run: every wait gets what is left of it; when it passes the run ends naming the phase, with STATE (OK, WARNING, CRITICAL (default) or UNKNOWN)" },
	{ "tls", OPT_TLS, "MODE", "none, starttls or implicit (default: the profile's; implicit on port 465)" },
	{ "ca-file", OPT_CA_FILE, "FILE", "verify certificates against these PEM CA certificates instead of the system store" },
	{ "ehlo-name", OPT_EHLO, "NAME", "name to announce in EHLO (default: the profile's, an FQDN hostname, or [our address])" },
	{ "set", OPT_SET, "CHECK.PARAM=VALUE", "override a check parameter of the profile (repeatable; lists as a,b,c)" },
	{ "var", OPT_VAR, "NAME=VALUE", "set a profile variable, used as ${NAME} in parameters (repeatable)" },
	{ "tls-parallel", OPT_TLS_PARALLEL, "N", "simultaneous TLS probe connections of the cipher check (1-16; same as --set cipher.parallel=N)" },
	{ "auth-user", OPT_AUTH_USER, "USER", "log in as USER in the auth check (password: --auth-password-file or env SMTPDIAG_PASSWORD)" },
	{ "auth-password-file", OPT_AUTH_PASSWORD_FILE, "FILE", "read the password from the first line of FILE (never from the command line)" },
	{ "send", OPT_SEND, NULL, "run the transaction check: really send one message (to --to; nothing is sent without this)" },
	{ "from", OPT_FROM, "ADDRESS", "envelope sender and From: of the message (with --send)" },
	{ "to", OPT_TO, "ADDRESS", "recipient of the message (repeatable; with --send)" },
	{ "header", OPT_HEADER, "'NAME: VALUE'", "extra header line (repeatable; with --send)" },
	{ "body", OPT_BODY, "TEXT", "message body (with --send)" },
	{ "body-file", OPT_BODY_FILE, "FILE", "message body from FILE (with --send)" },
	{ "json", OPT_JSON, NULL, "print one JSON document (format: json.md, see FILES in smtp-diag(1)) instead of text" },
	{ "nagios", OPT_NAGIOS, NULL, "monitoring mode: one status line with performance data, as Nagios/Icinga plugins print" },
	{ "jsonl", OPT_JSONL, NULL, "print JSON Lines: one compact JSON object per target as it finishes, then a summary object" },
	{ "format", OPT_FORMAT, "FORMAT", "text (default), json, jsonl, nagios or openmetrics (Prometheus metrics of one run, e.g. for node_exporter's textfile collector)" },
	{ "output", OPT_OUTPUT, "FILE", "write the --format openmetrics output to FILE atomically (temporary file, then rename) instead of standard output" },
	{ "exporter", OPT_EXPORTER, "[ADDRESS:]PORT", "serve as a Prometheus exporter: /probe?target=HOST[:PORT]&module=PROFILE[&debug=true] and /metrics (needs --allow-target)" },
	{ "allow-target", OPT_ALLOW_TARGET, "PATTERN", "with --exporter: a target HOST or HOST:PORT the exporter may probe, shell wildcards allowed (repeatable; nothing else is probed)" },
	{ "max-concurrent", OPT_MAX_CONCURRENT, "N", "with --exporter: probes at once (1-256, default 4); more get 503" },
	{ "no-progress", OPT_NO_PROGRESS, NULL, "no progress bar on a terminal during a run over many targets" },
	{ "report", OPT_REPORT, "FILE.html", "also write a self-contained HTML report of the run (one target, a domain or many)" },
	{ "report-from", OPT_REPORT_FROM, "FILE", "audit nothing: render a report saved from --json, or the lines of --jsonl, into --report FILE.html" },
	{ "warning", OPT_WARNING, "DURATION", "warning when connect to usable session takes longer (check_smtp's -w; response-time.total_warn)" },
	{ "critical", OPT_CRITICAL, "DURATION", "critical when it takes longer (check_smtp's -c; response-time.total_crit)" },
	{ "quiet", OPT_QUIET, NULL, "print only the [RESULT] line" },
	{ "verbose", OPT_VERBOSE, NULL, "also print OK findings and every fact" },
	{ "transcript", OPT_TRANSCRIPT, NULL, "show the SMTP dialogue (credentials redacted)" },
	{ "profile-dir", OPT_PROFILE_DIR, "DIR[:DIR]", "where profiles are found by name (env SMTPDIAG_PROFILE_DIR)" },
	{ "plugin-dir", OPT_PLUGIN_DIR, "DIR[:DIR]", "where check modules are loaded from (env SMTPDIAG_PLUGIN_DIR)" },
	{ "list-checks", OPT_LIST_CHECKS, NULL, "list the available checks and their parameters" },
	{ "list-profiles", OPT_LIST_PROFILES, NULL, "list the profiles found in the profile directories" },
	{ "explain-profile", OPT_EXPLAIN_PROFILE, "NAME|FILE", "print the profile as it would run (extends, --set, --var resolved, with origins)" },
	{ "help", OPT_HELP, NULL, "show this help" },
	{ "version", OPT_VERSION, NULL, "show the version and the plugin ABI" },
	{ NULL, 0, NULL, NULL },
};

/* sd_cli_parse_state - a monitoring state by name (OK, WARNING, CRITICAL,
 * UNKNOWN, any case, or 0-3); -1 when none */
int sd_cli_parse_state(const char *s)
{
	static const char *const names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

	for (int i = 0; i < 4; i++)
		if (strcasecmp(s, names[i]) == 0 || (s[0] == '0' + i && s[1] == '\0'))
			return i;
	return -1;
}

/* sd_cli_parse_deadline - DURATION[:STATE] (a bare number is seconds); 0
 * with *MS and *STATE (CRITICAL unless given), or -1 */
int sd_cli_parse_deadline(const char *arg, long long *ms, int *state)
{
	const char *colon = strchr(arg, ':');
	char *dur = colon != NULL ? sd_xstrndup(arg, (size_t)(colon - arg)) : sd_xstrdup(arg);
	int rc = sd_parse_duration_ms(dur, ms);

	free(dur);
	if (rc != 0 || *ms < 100 || *ms > 24LL * 3600 * 1000)
		return -1;
	*state = colon != NULL ? sd_cli_parse_state(colon + 1) : 2;
	return *state < 0 ? -1 : 0;
}

/* sd_cli_usage - help text generated from the table */
void sd_cli_usage(FILE *out)
{
	fputs("Usage: smtp-diag --server NAME [options]\n"
	      "       smtp-diag --domain DOMAIN [options]\n"
	      "       smtp-diag --targets FILE [--parallel N] [--jsonl] [options]\n"
	      "       smtp-diag --make-plan --targets FILE --target-type domain > plan.jsonl\n"
	      "       smtp-diag --plan plan.jsonl --shard I/N --jsonl > shard-I.jsonl\n"
	      "       smtp-diag --merge --plan plan.jsonl shard-*.jsonl [--jsonl] [--report FILE.html]\n"
	      "Audit an SMTP server, or every MX host of a mail domain: reachability, greeting,\n"
	      "EHLO, TLS, certificates, relay, AUTH, reverse DNS, DANE, MTA-STS, timings.\n\n",
	      out);
	for (const option_spec *o = table; o->name != NULL; o++) {
		char left[64];
		if (o->id < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->id, o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(out, "  %-30s %s\n", left, o->help);
	}
	fputs("\nExit status: 0 ok, 1 warning, 2 critical, 3 unknown (a check failed to run,\n"
	      "or the command line, a profile or a plugin is unusable).\n",
	      out);
}

/* split_checks - add the comma-separated check names of ARG to CLI; -1 and *ERR
 * when there is none */
static int split_checks(sd_cli *cli, const char *arg, char **err)
{
	char *copy = sd_xstrdup(arg), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		if (*t == '\0')
			continue;
		cli->checks = sd_xrealloc(cli->checks, (cli->nchecks + 1) * sizeof(char *));
		cli->checks[cli->nchecks++] = sd_xstrdup(t);
	}
	free(copy);
	if (cli->nchecks == 0) {
		*err = sd_xstrdup("--checks needs at least one check name");
		return -1;
	}
	return 0;
}

/* add_set - append a --set ASSIGNMENT to CLI (taking it) */
static void add_set(sd_cli *cli, char *assignment)
{
	cli->sets = sd_xrealloc(cli->sets, (cli->nsets + 1) * sizeof(char *));
	cli->sets[cli->nsets++] = assignment;
}

/* append - append ITEM to the string *DST, after SEP when it is not empty */
static void append(char **dst, const char *item, const char *sep)
{
	char *old = *dst;
	*dst = old != NULL ? sd_asprintf("%s%s%s", old, sep, item) : sd_xstrdup(item);
	free(old);
}

/* repeatable - options that may be given more than once (they add up);
 * every other option taking a value is refused the second time, so that a
 * script's mistake never silently picks one of two values */
static int repeatable(int id)
{
	switch (id) {
	case OPT_SERVER: case OPT_DOMAIN: case OPT_SET: case OPT_VAR: case OPT_TO: case OPT_HEADER:
	case OPT_CHECKS: case OPT_ALLOW_TARGET:
		return 1;
	default:
		return 0;
	}
}

/* option_name - "--name" of option ID as the table spells it */
static const char *option_name(int id)
{
	for (const option_spec *o = table; o->name != NULL; o++)
		if (o->id == id)
			return o->name;
	return "?";
}

/* output_option - the output format option ID (with ARG for --format) asks
 * for, or -1 when ID is no output option */
static int output_option(int id, const char *arg)
{
	switch (id) {
	case OPT_JSON: return SD_OUT_JSON;
	case OPT_JSONL: return SD_OUT_JSONL;
	case OPT_NAGIOS: return SD_OUT_NAGIOS;
	case OPT_FORMAT:
		return strcmp(arg, "json") == 0 ? SD_OUT_JSON : strcmp(arg, "jsonl") == 0 ? SD_OUT_JSONL
		       : strcmp(arg, "nagios") == 0 ? SD_OUT_NAGIOS : strcmp(arg, "text") == 0 ? SD_OUT_TEXT
		       : strcmp(arg, "openmetrics") == 0 ? (int)SD_OUT_OPENMETRICS : -1;
	default:
		return -1;
	}
}

/* fleet_modes - --make-plan, --plan/--shard and --merge: what goes with
 * what; 0, or -1 and *err */
static int fleet_modes(const sd_cli *cli, char **err)
{
	int single = cli->nservers > 0 || cli->ndomains > 0 || cli->targets_file != NULL;

	if (cli->make_plan + cli->merge + (cli->plan_file != NULL && !cli->merge) > 1)
		*err = sd_xstrdup("--make-plan, --plan (audit) and --merge are different steps: give one");
	else if (cli->make_plan && !single && cli->mx_map == NULL)
		*err = sd_xstrdup("--make-plan needs the domains: --targets FILE --target-type domain, --domain, or --mx-map FILE");
	else if (cli->make_plan && (cli->output != SD_OUT_TEXT || cli->report != NULL))
		*err = sd_xstrdup("--make-plan prints the plan as JSON Lines: no --json, --jsonl, --nagios or --report");
	else if (cli->mx_map != NULL && !cli->make_plan)
		*err = sd_xstrdup("--mx-map only goes with --make-plan");
	else if (cli->merge && cli->plan_file == NULL)
		*err = sd_xstrdup("--merge needs --plan FILE (the plan the shards were made from)");
	else if (cli->merge && (single || cli->shard != NULL || cli->shard_count != 0))
		*err = sd_xstrdup("--merge audits nothing: no --server, --domain, --targets or --shard");
	else if (cli->merge && cli->output != SD_OUT_TEXT && cli->output != SD_OUT_JSONL)
		*err = sd_xstrdup("--merge writes text or --jsonl (and --report FILE.html)");
	else if (cli->plan_file != NULL && !cli->merge && single)
		*err = sd_xstrdup("--plan gives the targets: no --server, --domain or --targets with it");
	else if (cli->plan_file != NULL && cli->port != 0)
		*err = sd_xstrdup("--plan gives every unit's address and port: give --port to --make-plan");
	else if ((cli->shard != NULL || cli->shard_count != 0) && cli->plan_file == NULL)
		*err = sd_xstrdup("--shard and --shard-count go with --plan FILE");
	else if (cli->shard != NULL && cli->shard_count != 0)
		*err = sd_xstrdup("--shard I/N already says N: no --shard-count");
	else if (cli->plan_file != NULL && !cli->merge && cli->output != SD_OUT_JSONL)
		*err = sd_xstrdup("--plan writes JSON Lines for --merge: give --jsonl");
	else
		return 0;
	return -1;
}

/* sd_cli_parse - getopt_long over the table; conflicting or repeated
 * single-valued options are refused with one line */
int sd_cli_parse(sd_cli *cli, int argc, char **argv, char **err)
{
	struct option longs[sizeof(table) / sizeof(table[0])];
	char shorts[64] = ":";
	size_t n = 0;
	const char *given[OPT_LAST] = { 0 };   /* value (or "") of each option seen */
	char *output_by = NULL;                             /* the option that chose the format */
	long long warn_ms = 0, crit_ms = 0;                 /* --warning, --critical (0: not given) */

	memset(cli, 0, sizeof(*cli));
	for (const option_spec *o = table; o->name != NULL; o++, n++) {
		longs[n] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL, o->id };
		if (o->id < 256) {
			size_t l = strlen(shorts);
			shorts[l] = (char)o->id;
			if (o->arg)
				shorts[++l] = ':';
			shorts[l + 1] = '\0';
		}
	}
	longs[n] = (struct option){ NULL, 0, NULL, 0 };
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, shorts, longs, NULL);
		if (c == -1)
			break;
		if (c > 0 && c < OPT_LAST && c != ':' && c != '?') {
			const char *name = option_name(c);
			int out = optarg != NULL || c != OPT_FORMAT ? output_option(c, optarg) : -1;
			if (out >= 0) {
				char *by = c == OPT_FORMAT ? sd_asprintf("--format %s", optarg) : sd_asprintf("--%s", name);
				if (output_by != NULL && (int)cli->output != out) {
					*err = sd_asprintf("%s and %s ask for different output formats: give one", output_by, by);
					free(by);
					free(output_by);
					return -1;
				}
				free(output_by);
				output_by = by;
			} else if (optarg != NULL && !repeatable(c) && given[c] != NULL) {
				*err = sd_asprintf("--%s given twice ('%s', then '%s'): give it once", name, given[c], optarg);
				free(output_by);
				return -1;
			}
			given[c] = optarg != NULL ? optarg : "";
		}
		switch (c) {
		case OPT_SERVER:
			cli->servers = sd_xrealloc(cli->servers, (cli->nservers + 1) * sizeof(char *));
			cli->servers[cli->nservers++] = optarg;
			if (cli->server == NULL)
				cli->server = optarg;
			break;
		case OPT_TARGETS:
			if (cli->targets_file != NULL) {
				*err = sd_xstrdup("--targets may be given once");
				return -1;
			}
			cli->targets_file = optarg;
			break;
		case OPT_TARGET_TYPE:
			if (strcmp(optarg, "server") != 0 && strcmp(optarg, "domain") != 0) {
				*err = sd_asprintf("--target-type: '%s' is not server or domain", optarg);
				return -1;
			}
			cli->target_type_domain = optarg[0] == 'd';
			break;
		case OPT_PARALLEL:
			if (sd_parse_int(optarg, &cli->parallel) != 0 || cli->parallel < 1 || cli->parallel > 10000) {
				*err = sd_asprintf("--parallel: '%s' is not a number from 1 to 10000", optarg);
				return -1;
			}
			break;
		case OPT_PER_ADDRESS:
			if (sd_parse_int(optarg, &cli->per_address) != 0 || cli->per_address < 1 || cli->per_address > 64) {
				*err = sd_asprintf("--per-address: '%s' is not a number from 1 to 64", optarg);
				return -1;
			}
			break;
		case OPT_RATE: {
			char *end;
			cli->rate = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(cli->rate > 0) || cli->rate > 1e6) {
				*err = sd_asprintf("--rate: '%s' is not a number of connections per second (> 0)", optarg);
				return -1;
			}
			break;
		}
		case OPT_RATE_RETRIES:
			if (sd_parse_int(optarg, &cli->rate_retries) != 0 || cli->rate_retries < 0 || cli->rate_retries > 10) {
				*err = sd_asprintf("--rate-retries: '%s' is not a number from 0 to 10", optarg);
				return -1;
			}
			cli->rate_retries_set = 1;
			break;
		case OPT_BACKOFF:
			if (sd_parse_duration_ms(optarg, &cli->backoff_ms) != 0 || cli->backoff_ms < 1 ||
			    cli->backoff_ms > 600000) {
				*err = sd_asprintf("--backoff: '%s' is not a duration from 1ms to 10min", optarg);
				return -1;
			}
			break;
		case OPT_JSONL:
			cli->output = SD_OUT_JSONL;
			break;
		case OPT_MAKE_PLAN:
			cli->make_plan = 1;
			break;
		case OPT_MERGE:
			cli->merge = 1;
			break;
		case OPT_PLAN:
			cli->plan_file = optarg;
			break;
		case OPT_SHARD:
			cli->shard = optarg;
			break;
		case OPT_MX_MAP:
			cli->mx_map = optarg;
			break;
		case OPT_SHARD_COUNT:
			if (sd_parse_int(optarg, &cli->shard_count) != 0 || cli->shard_count < 1 || cli->shard_count > 100000) {
				*err = sd_asprintf("--shard-count: '%s' is not a number from 1 to 100000", optarg);
				return -1;
			}
			break;
		case OPT_NO_PROGRESS:
			cli->no_progress = 1;
			break;
		case OPT_REPORT:
			cli->report = optarg;
			break;
		case OPT_REPORT_FROM:
			cli->report_from = optarg;
			break;
		case OPT_ADDRESS:
			cli->address = optarg;
			break;
		case OPT_DOMAIN:
			cli->domains = sd_xrealloc(cli->domains, (cli->ndomains + 1) * sizeof(char *));
			cli->domains[cli->ndomains++] = optarg;
			if (cli->domain == NULL)
				cli->domain = optarg;
			break;
		case OPT_DNS_SERVER:
			cli->dns_server = optarg;
			break;
		case OPT_DNS_TIMEOUT:
			if (sd_parse_duration_ms(optarg, &cli->dns_timeout_ms) != 0 || cli->dns_timeout_ms < 100 ||
			    cli->dns_timeout_ms > 60000) {
				*err = sd_asprintf("--dns-timeout: '%s' is not a duration from 100ms to 60s", optarg);
				return -1;
			}
			break;
		case OPT_MX_LIMIT:
			if (sd_parse_int(optarg, &cli->mx_limit) != 0 || cli->mx_limit < 1 || cli->mx_limit > 100) {
				*err = sd_asprintf("--mx-limit: '%s' is not a number from 1 to 100", optarg);
				return -1;
			}
			break;
		case OPT_DOMAIN_DEADLINE:
			if (sd_parse_duration_ms(optarg, &cli->domain_deadline_ms) != 0 || cli->domain_deadline_ms < 100 ||
			    cli->domain_deadline_ms > 24LL * 3600 * 1000) {
				*err = sd_asprintf("--domain-deadline: '%s' is not a duration from 100ms to 24h", optarg);
				return -1;
			}
			break;
		case OPT_PORT:
			if (sd_parse_int(optarg, &cli->port) != 0 || cli->port < 1 || cli->port > 65535) {
				*err = sd_asprintf("--port: '%s' is not a port number (1-65535)", optarg);
				return -1;
			}
			break;
		case OPT_PROFILE:
			cli->profile = optarg;
			break;
		case OPT_CHECKS:
			if (split_checks(cli, optarg, err) != 0)
				return -1;
			break;
		case OPT_TIMEOUT:
			if (sd_parse_duration_ms(optarg, &cli->timeout_ms) != 0 || cli->timeout_ms < 100 ||
			    cli->timeout_ms > 3600000) {
				/* below 100 ms no server can answer: the run would blame it */
				*err = sd_asprintf("--timeout: '%s' is not a duration from 100ms to 1h, such as 10, 5s or "
						   "500ms", optarg);
				return -1;
			}
			break;
		case OPT_DEADLINE:
			if (sd_cli_parse_deadline(optarg, &cli->deadline_ms, &cli->deadline_state) != 0) {
				*err = sd_asprintf("--deadline: '%s' is not a duration from 100ms to 24h, with an optional "
						   ":STATE (OK, WARNING, CRITICAL or UNKNOWN)", optarg);
				return -1;
			}
			break;
		case OPT_EXPORTER:
			cli->exporter = optarg;
			break;
		case OPT_ALLOW_TARGET:
			if (optarg[0] == '\0' || strpbrk(optarg, " \t\r\n") != NULL) {
				*err = sd_asprintf("--allow-target: '%s' is not a HOST or HOST:PORT pattern", optarg);
				return -1;
			}
			cli->allow = sd_xrealloc(cli->allow, (cli->nallow + 1) * sizeof(char *));
			cli->allow[cli->nallow++] = optarg;
			break;
		case OPT_MAX_CONCURRENT:
			if (sd_parse_int(optarg, &cli->max_concurrent) != 0 || cli->max_concurrent < 1 ||
			    cli->max_concurrent > 256) {
				*err = sd_asprintf("--max-concurrent: '%s' is not a number from 1 to 256", optarg);
				return -1;
			}
			break;
		case OPT_OUTPUT:
			cli->output_file = optarg;
			break;
		case OPT_TLS:
			cli->tls = optarg;
			break;
		case OPT_EHLO:
			cli->ehlo_name = optarg;
			break;
		case OPT_CA_FILE:
			cli->ca_file = optarg;
			break;
		case OPT_SET:
			add_set(cli, sd_xstrdup(optarg));
			break;
		case OPT_VAR:
			if (strchr(optarg, '=') == NULL || optarg[0] == '=') {
				*err = sd_asprintf("--var: '%s' is not NAME=VALUE", optarg);
				return -1;
			}
			cli->vars = sd_xrealloc(cli->vars, (cli->nvars + 1) * sizeof(char *));
			cli->vars[cli->nvars++] = sd_xstrdup(optarg);
			break;
		case OPT_EXPLAIN_PROFILE:
			cli->explain_profile = optarg;
			break;
		case OPT_TLS_PARALLEL: {
			long long par;
			if (sd_parse_int(optarg, &par) != 0 || par < 1 || par > 16) {
				*err = sd_asprintf("--tls-parallel: '%s' is not a number from 1 to 16", optarg);
				return -1;
			}
			add_set(cli, sd_asprintf("cipher.parallel=%lld", par));
			break;
		}
		case OPT_AUTH_USER:
			cli->auth_user = optarg;
			break;
		case OPT_AUTH_PASSWORD_FILE:
			cli->auth_password_file = optarg;
			break;
		case OPT_SEND:
			cli->send = 1;
			break;
		case OPT_FROM:
		case OPT_BODY:
		case OPT_BODY_FILE:
			/* a body may span lines; an address or a file name may not */
			if ((c != OPT_BODY && strpbrk(optarg, "\r\n") != NULL) ||
			    (c == OPT_FROM && strpbrk(optarg, "<> ") != NULL)) {
				*err = sd_asprintf("%s: '%s' is not usable here", argv[optind - 1], optarg);
				return -1;
			}
			cli->mail_options++;
			add_set(cli, sd_asprintf("transaction.%s=%s", c == OPT_FROM ? "from" : c == OPT_BODY ? "body" : "body_file",
						 optarg));
			break;
		case OPT_TO:
			if (optarg[0] == '\0' || strpbrk(optarg, "<>, \r\n") != NULL || strchr(optarg, '@') == NULL) {
				*err = sd_asprintf("--to: '%s' is not a mail address (local@domain)", optarg);
				return -1;
			}
			cli->mail_options++;
			append(&cli->to, optarg, ",");
			break;
		case OPT_HEADER: {
			const char *colon = strchr(optarg, ':');
			if (colon == NULL || colon == optarg || strpbrk(optarg, "\r\n") != NULL ||
			    strcspn(optarg, " \t") < (size_t)(colon - optarg)) {
				*err = sd_asprintf("--header: '%s' is not one header line 'Name: value'", optarg);
				return -1;
			}
			cli->mail_options++;
			append(&cli->headers, optarg, "\n");
			break;
		}
		case OPT_NAGIOS:
			cli->output = SD_OUT_NAGIOS;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				cli->output = SD_OUT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				cli->output = SD_OUT_JSON;
			else if (strcmp(optarg, "nagios") == 0)
				cli->output = SD_OUT_NAGIOS;
			else if (strcmp(optarg, "jsonl") == 0)
				cli->output = SD_OUT_JSONL;
			else if (strcmp(optarg, "openmetrics") == 0)
				cli->output = SD_OUT_OPENMETRICS;
			else {
				*err = sd_asprintf("--format: '%s' is not text, json, jsonl, nagios or openmetrics", optarg);
				return -1;
			}
			break;
		case OPT_WARNING:
		case OPT_CRITICAL: {
			long long ms;
			if (sd_parse_duration_ms(optarg, &ms) != 0 || ms <= 0) {
				*err = sd_asprintf("--%s: '%s' is not a duration such as 2, 1.5s or 500ms",
						   c == OPT_WARNING ? "warning" : "critical", optarg);
				return -1;
			}
			add_set(cli, sd_asprintf("response-time.total_%s=%lldms", c == OPT_WARNING ? "warn" : "crit", ms));
			if (c == OPT_WARNING)
				warn_ms = ms;
			else
				crit_ms = ms;
			cli->thresholds = 1;
			break;
		}
		case OPT_JSON:
			cli->output = SD_OUT_JSON;
			break;
		case OPT_QUIET:
			cli->quiet = 1;
			break;
		case OPT_VERBOSE:
			cli->verbose = 1;
			break;
		case OPT_TRANSCRIPT:
			cli->transcript = 1;
			break;
		case OPT_PROFILE_DIR:
			cli->profile_dirs = optarg;
			break;
		case OPT_PLUGIN_DIR:
			cli->plugin_dirs = optarg;
			break;
		case OPT_LIST_CHECKS:
			cli->list_checks = 1;
			break;
		case OPT_LIST_PROFILES:
			cli->list_profiles = 1;
			break;
		case OPT_HELP:
			cli->help = 1;
			break;
		case OPT_VERSION:
			cli->version = 1;
			break;
		case ':':
			*err = sd_asprintf("option %s needs an argument", argv[optind - 1]);
			return -1;
		default:
			*err = sd_asprintf("unknown option '%s'", argv[optind - 1]);
			return -1;
		}
	}
	free(output_by);
	if (cli->output_file != NULL && cli->output != SD_OUT_OPENMETRICS) {
		*err = sd_xstrdup("--output goes with --format openmetrics");
		return -1;
	}
	if ((cli->nallow > 0 || cli->max_concurrent > 0) && cli->exporter == NULL) {
		*err = sd_xstrdup("--allow-target and --max-concurrent go with --exporter");
		return -1;
	}
	if (cli->exporter != NULL && cli->nallow == 0) {
		*err = sd_xstrdup("--exporter needs --allow-target PATTERN: an exporter that probes any target is an open scanner");
		return -1;
	}
	if (cli->quiet && cli->verbose) {
		*err = sd_xstrdup("--quiet and --verbose contradict each other: give one");
		return -1;
	}
	if (given[OPT_BODY] != NULL && given[OPT_BODY_FILE] != NULL) {
		*err = sd_xstrdup("--body and --body-file both give the message body: give one");
		return -1;
	}
	if (optind < argc && cli->merge) {
		cli->inputs = argv + optind;
		cli->ninputs = (size_t)(argc - optind);
		optind = argc;
	}
	if (fleet_modes(cli, err) != 0)
		return -1;
	if (optind < argc) {
		*err = sd_asprintf("unexpected argument '%s' (use --server NAME, --domain DOMAIN or --targets FILE)",
				   argv[optind]);
		return -1;
	}
	if (warn_ms > 0 && crit_ms > 0 && warn_ms > crit_ms) {
		/* as monitoring-plugins: a warning threshold above the critical one
		 * would never warn */
		*err = sd_asprintf("--warning (%lld ms) is above --critical (%lld ms): the warning threshold must not "
				   "exceed the critical one", warn_ms, crit_ms);
		return -1;
	}
	if (cli->mail_options > 0 && !cli->send) {
		*err = sd_xstrdup("--from, --to, --header and --body only go with --send (nothing is sent without it)");
		return -1;
	}
	/* --checks smuggling --send --to: the smuggling check sends (its own
	 * messages), the transaction check does not join */
	int smuggling = 0, transaction = 0;
	for (size_t i = 0; i < cli->nchecks; i++) {
		smuggling |= strcmp(cli->checks[i], "smuggling") == 0;
		transaction |= strcmp(cli->checks[i], "transaction") == 0;
	}
	if (cli->send && smuggling) {
		add_set(cli, sd_xstrdup("smuggling.send=true"));
		if (cli->to != NULL)
			add_set(cli, sd_asprintf("smuggling.to=%s", cli->to));
		if (!transaction) {
			size_t k = 0;
			char *from = NULL;
			for (size_t i = 0; i < cli->nsets; i++) {
				if (strncmp(cli->sets[i], "transaction.from=", 17) == 0) {
					free(from);
					from = sd_asprintf("smuggling.from=%s", cli->sets[i] + 17);
				}
				if (strncmp(cli->sets[i], "transaction.", 12) == 0)
					free(cli->sets[i]);
				else
					cli->sets[k++] = cli->sets[i];
			}
			cli->nsets = k;
			if (from != NULL)
				add_set(cli, from);
			cli->smuggling_only = 1;
			return 0;
		}
	}
	if (cli->to != NULL)
		add_set(cli, sd_asprintf("transaction.to=%s", cli->to));
	if (cli->headers != NULL)
		add_set(cli, sd_asprintf("transaction.headers=%s", cli->headers));
	return 0;
}

/* sd_cli_clear - free the split check list */
void sd_cli_clear(sd_cli *cli)
{
	for (size_t i = 0; i < cli->nchecks; i++)
		free(cli->checks[i]);
	free(cli->checks);
	for (size_t i = 0; i < cli->nsets; i++)
		free(cli->sets[i]);
	free(cli->sets);
	for (size_t i = 0; i < cli->nvars; i++)
		free(cli->vars[i]);
	free(cli->vars);
	cli->vars = NULL;
	cli->nvars = 0;
	free(cli->servers);
	free(cli->domains);
	free(cli->allow);
	cli->allow = NULL;
	cli->nallow = 0;
	cli->servers = cli->domains = NULL;
	cli->nservers = cli->ndomains = 0;
	free(cli->to);
	free(cli->headers);
	cli->to = cli->headers = NULL;
	cli->checks = NULL;
	cli->nchecks = 0;
	cli->sets = NULL;
	cli->nsets = 0;
}
