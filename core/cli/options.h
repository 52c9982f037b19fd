/* SPDX-License-Identifier: MIT */
/*
 * options.h - the smtp-diag command line, from one table.
 *
 * The table in options.c drives getopt_long, the --help text and the
 * docs, so an option cannot exist in one place and be missing in another.
 */
#ifndef SD_CLI_OPTIONS_H
#define SD_CLI_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

typedef enum { SD_OUT_TEXT, SD_OUT_JSON, SD_OUT_NAGIOS, SD_OUT_JSONL, SD_OUT_OPENMETRICS } sd_output;

typedef struct sd_cli {
	const char *server;          /* the first --server */
	const char *address;
	const char *domain;          /* the first --domain: audit the domain's MX hosts */
	const char **servers;        /* every --server, in order */
	size_t nservers;
	const char **domains;        /* every --domain, in order */
	size_t ndomains;
	const char *targets_file;    /* --targets FILE ("-": standard input) */
	int target_type_domain;      /* --target-type domain: bare entries are domains */
	long long parallel;          /* --parallel: targets at once (0: default) */
	double rate;                 /* --rate: new connections per second (0: unlimited) */
	long long per_address;       /* --per-address: connections at once to one IP (0: default) */
	long long rate_retries;      /* --rate-retries */
	int rate_retries_set;
	long long backoff_ms;        /* --backoff (0: default) */
	int no_progress;             /* --no-progress */
	const char *report;          /* --report FILE.html */
	const char *report_from;     /* --report-from FILE.json: render only */
	const char *dns_server;      /* --dns-server spec */
	long long dns_timeout_ms;    /* 0: default */
	long long mx_limit;          /* --mx-limit (0: default) */
	long long domain_deadline_ms; /* --domain-deadline (0: default) */
	long long port;              /* 0: from the profile */
	const char *profile;
	const char *profile_dirs;
	const char *plugin_dirs;
	char **checks;               /* --checks, split on ',' */
	size_t nchecks;
	char **sets;                 /* --set and sugar such as --tls-parallel, in order */
	size_t nsets;
	char **vars;                 /* --var NAME=VALUE, in order */
	size_t nvars;
	const char *explain_profile; /* --explain-profile NAME */
	int send;                    /* --send: the transaction check runs */
	int smuggling_only;          /* --send with --checks smuggling (no transaction): only it sends */
	int thresholds;              /* --warning/--critical given: response-time runs */
	int mail_options;            /* --from/--to/--header/--body given */
	char *to, *headers;          /* collected --to (','), --header ('\n') */
	long long timeout_ms;        /* 0: from the profile */
	long long deadline_ms;       /* --deadline: the whole run (0: none) */
	int deadline_state;          /* its exit state, 0-3 */
	const char *exporter;        /* --exporter [ADDRESS:]PORT */
	const char **allow;          /* every --allow-target */
	size_t nallow;
	long long max_concurrent;    /* --max-concurrent (0: default) */
	const char *output_file;     /* --output FILE: written atomically */
	const char *tls;
	const char *ehlo_name;
	const char *ca_file;
	const char *auth_user;
	const char *auth_password_file;
	int make_plan;               /* --make-plan: resolve targets into a plan on stdout */
	const char *plan_file;       /* --plan FILE: audit the units of a plan (one shard) */
	const char *shard;           /* --shard I/N */
	long long shard_count;       /* --shard-count N (with JOB_COMPLETION_INDEX) */
	int merge;                   /* --merge: check shard outputs against --plan, merge them */
	const char *mx_map;          /* --mx-map FILE: domain -> MX -> address instead of DNS */
	char **inputs;               /* --merge: the shard output files */
	size_t ninputs;
	sd_output output;
	int quiet, verbose, transcript;
	int list_checks, list_profiles, help, version;
} sd_cli;

/* sd_cli_parse - fill CLI from argv; 0, or -1 with a one-line *err */
int sd_cli_parse(sd_cli *cli, int argc, char **argv, char **err);
/* sd_cli_clear - free what parsing allocated */
void sd_cli_clear(sd_cli *cli);
/* sd_cli_parse_state - OK/WARNING/CRITICAL/UNKNOWN (or 0-3) as 0-3; -1 */
int sd_cli_parse_state(const char *s);
/* sd_cli_parse_deadline - DURATION[:STATE]; 0 or -1 */
int sd_cli_parse_deadline(const char *arg, long long *ms, int *state);
/* sd_cli_usage - the --help text */
void sd_cli_usage(FILE *out);

#endif
