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

typedef enum { SD_OUT_TEXT, SD_OUT_JSON, SD_OUT_NAGIOS } sd_output;

typedef struct sd_cli {
	const char *server;
	const char *address;
	const char *domain;          /* --domain: audit the domain's MX hosts */
	const char *dns_server;      /* --dns-server spec */
	long long dns_timeout_ms;    /* 0: default */
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
	int thresholds;              /* --warning/--critical given: response-time runs */
	int mail_options;            /* --from/--to/--header/--body given */
	char *to, *headers;          /* collected --to (','), --header ('\n') */
	long long timeout_ms;        /* 0: from the profile */
	const char *tls;
	const char *ehlo_name;
	const char *ca_file;
	const char *auth_user;
	const char *auth_password_file;
	sd_output output;
	int quiet, verbose, transcript;
	int list_checks, list_profiles, help, version;
} sd_cli;

/* sd_cli_parse - fill CLI from argv; 0, or -1 with a one-line *err */
int sd_cli_parse(sd_cli *cli, int argc, char **argv, char **err);
/* sd_cli_clear - free what parsing allocated */
void sd_cli_clear(sd_cli *cli);
/* sd_cli_usage - the --help text */
void sd_cli_usage(FILE *out);

#endif
