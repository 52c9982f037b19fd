/* SPDX-License-Identifier: MIT */
/*
 * check_smtpdiag.c - a monitoring plugin with check_smtp's options and
 * verdicts (monitoring-plugins), on smtpdiag's session, plus any smtpdiag
 * profile (--profile).
 *
 * It owns the check_smtp dialogue (connect, greeting and -e, EHLO/LHLO,
 * STARTTLS -S or implicit TLS -s, certificate days -D, AUTH LOGIN -A,
 * MAIL FROM -f, commands -C/-R, response time -w/-c, QUIT -q) and the
 * plugin output: one status line under 200 characters (state, server, the
 * most important problem, counts), the details as long output, and
 * perfdata per the monitoring-plugins guidelines. The whole run has one
 * deadline (-t SECONDS[:STATE], default 10 s). Exit 0 OK, 1 WARNING,
 * 2 CRITICAL, 3 UNKNOWN. A password is never printed; -P's argument is
 * wiped from the process's argv once read (--password-file is better).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/util.h"
#include "dns/resolver.h"
#include "engine/plugin_loader.h"
#include "engine/profile.h"
#include "engine/runner.h"
#include "smtp/session_internal.h"
#include "smtp/transcript.h"
#include "wire/tls.h"

#include "cli/sd_paths.h" /* SD_PLUGIN_DIR, SD_PROFILE_DIR: made by make from ./configure's directories */

#define PROG "check_smtpdiag"
#define STATUS_MAX 199            /* the status line, without perfdata */
#define MAX_COMMANDS 32

enum { ST_OK, ST_WARNING, ST_CRITICAL, ST_UNKNOWN };
static const char *const state_names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

/* One problem found, for the status line and the long output. */
typedef struct problem {
	int state;
	char *text;
} problem;

/* The command line and what the run found (no global state). */
typedef struct plugin {
	const char *host, *expect, *from, *fqdn, *authtype, *user, *password_file, *profile, *ca_file;
	const char *dns_server;     /* --dns-server, else SMTPDIAG_DNS_SERVER, else resolv.conf */
	char *password;
	const char *commands[MAX_COMMANDS], *responses[MAX_COMMANDS];
	int ncommands, nresponses;
	long port;
	int family;                   /* AF_UNSPEC, AF_INET (-4), AF_INET6 (-6) */
	int starttls, ssl, lmtp, verbose, ignore_quit;
	int cert_days_warn, cert_days_crit, check_cert;
	double warn_s, crit_s;        /* -w/-c seconds; < 0: not given */
	const char *warn_arg, *crit_arg;
	double timeout_s;
	int timeout_state;

	problem *problems;
	size_t nproblems;
	char **details;               /* long output lines */
	size_t ndetails;
	double elapsed_s;
	long cert_days;               /* -D: days left, LONG_MIN when not known */
	int cert_known;
} plugin;

/* problem_add - one problem with STATE */
static void problem_add(plugin *pl, int state, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* problem_add - one problem with STATE */
static void problem_add(plugin *pl, int state, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *t = sd_vasprintf(fmt, ap);
	va_end(ap);
	pl->problems = sd_xrealloc(pl->problems, (pl->nproblems + 1) * sizeof(*pl->problems));
	pl->problems[pl->nproblems++] = (problem){ state, t };
}

/* detail - one line of the long output */
static void detail(plugin *pl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* detail - one line of the long output */
static void detail(plugin *pl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *t = sd_vasprintf(fmt, ap);
	va_end(ap);
	for (char *p = t; *p != '\0'; p++)   /* one line each; '|' would start perfdata */
		if (*p == '\n' || *p == '\r' || *p == '|')
			*p = ' ';
	pl->details = sd_xrealloc(pl->details, (pl->ndetails + 1) * sizeof(*pl->details));
	pl->details[pl->ndetails++] = t;
}

/* usage - the --help text */
static void usage(FILE *out)
{
	fputs("Usage: " PROG " -H HOST [-p PORT] [-4|-6] [-e EXPECT] [-C COMMAND]... [-R RESPONSE]...\n"
	      "       [-f FROM] [-F FQDN] [-A LOGIN -U USER (-P PASS | --password-file FILE)]\n"
	      "       [-S | -s] [-D WARN[,CRIT]] [-w SECONDS] [-c SECONDS] [-t SECONDS[:STATE]]\n"
	      "       [-L] [-q] [-v] [--profile NAME|FILE]\n"
	      "Check an SMTP server as check_smtp does (same options, same verdicts), and with\n"
	      "--profile every check of smtp-diag's profile too.\n\n"
	      "  -H, --hostname HOST            host name or IP address of the server\n"
	      "  -p, --port PORT                TCP port (default: 25; 465 with -s)\n"
	      "  -4, --use-ipv4                 connect over IPv4 only\n"
	      "  -6, --use-ipv6                 connect over IPv6 only\n"
	      "  -e, --expect STRING            text expected in the greeting (default: '220'); WARNING if missing\n"
	      "  -C, --command STRING           SMTP command to send (repeatable)\n"
	      "  -R, --response REGEX           expected reply to the command of the same position (repeatable); WARNING if not matched\n"
	      "  -f, --from ADDRESS             send MAIL FROM:<ADDRESS> (nothing is sent after it)\n"
	      "  -F, --fqdn NAME                name announced in EHLO/LHLO\n"
	      "  -A, --authtype TYPE            SMTP AUTH mechanism to test (LOGIN, as check_smtp)\n"
	      "  -U, --authuser USER            AUTH user name\n"
	      "  -P, --authpass PASSWORD        AUTH password (visible to ps while starting: prefer --password-file)\n"
	      "      --password-file FILE       read the AUTH password from the first line of FILE\n"
	      "  -S, --starttls                 use STARTTLS; WARNING if the server does not offer it\n"
	      "  -s, --ssl, --tls               TLS from the first byte (SMTPS, port 465)\n"
	      "  -D, --certificate WARN[,CRIT]  days the server's certificate must still be valid (implies -S without -s)\n"
	      "  -w, --warning SECONDS          response time that gives WARNING\n"
	      "  -c, --critical SECONDS         response time that gives CRITICAL\n"
	      "  -t, --timeout SECONDS[:STATE]  limit for the whole run (default: 10); STATE when it passes (default CRITICAL)\n"
	      "  -L, --lmtp                     LMTP: LHLO instead of EHLO\n"
	      "  -q, --ignore-quit-failure      a failed QUIT is not a problem\n"
	      "  -v, --verbose                  long output: every step and finding\n"
	      "      --profile NAME|FILE        also run this smtp-diag profile's checks (e.g. default, submission, bsi-tr-03108)\n"
	      "      --ca-file FILE             trust these PEM CA certificates (profile checks)\n"
	      "      --dns-server IP[:PORT]     the DNS server of the profile's PTR, DANE and MX lookups\n"
	      "                                 (default: $SMTPDIAG_DNS_SERVER, else resolv.conf)\n"
	      "  -h, --help                     show this help\n"
	      "  -V, --version                  show the version\n\n"
	      "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n",
	      out);
}

/* parse_seconds - a non-negative number of seconds; 0 or -1 */
static int parse_seconds(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return end == s || *end != '\0' || errno != 0 || !(*out >= 0) || *out > 86400 ? -1 : 0;
}

/* parse_state - OK/WARNING/CRITICAL/UNKNOWN (any case) or 0-3; -1 */
static int parse_state(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcasecmp(s, state_names[i]) == 0 || (s[0] == '0' + i && s[1] == '\0'))
			return i;
	return -1;
}

/* read_password_file - the first line of PATH; NULL and *err */
static char *read_password_file(const char *path, char **err)
{
	char buf[1024];
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		*err = sd_asprintf("--password-file: cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		*err = sd_asprintf("--password-file: '%s' is empty (the password is its first line)", path);
		return NULL;
	}
	char *p = sd_xstrdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return p;
}

/* parse - the command line into PL; 0, 1 (help/version printed) or -1 and *err */
static int parse(plugin *pl, int argc, char **argv, char **err)
{
	enum { O_PROFILE = 256, O_PASSWORD_FILE, O_CA_FILE, O_DNS_SERVER };
	static const struct option longs[] = {
		{ "hostname", required_argument, NULL, 'H' }, { "port", required_argument, NULL, 'p' },
		{ "use-ipv4", no_argument, NULL, '4' }, { "use-ipv6", no_argument, NULL, '6' },
		{ "expect", required_argument, NULL, 'e' }, { "command", required_argument, NULL, 'C' },
		{ "response", required_argument, NULL, 'R' }, { "from", required_argument, NULL, 'f' },
		{ "fqdn", required_argument, NULL, 'F' }, { "authtype", required_argument, NULL, 'A' },
		{ "authuser", required_argument, NULL, 'U' }, { "authpass", required_argument, NULL, 'P' },
		{ "password-file", required_argument, NULL, O_PASSWORD_FILE },
		{ "starttls", no_argument, NULL, 'S' }, { "ssl", no_argument, NULL, 's' },
		{ "tls", no_argument, NULL, 's' }, { "certificate", required_argument, NULL, 'D' },
		{ "warning", required_argument, NULL, 'w' }, { "critical", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' }, { "lmtp", no_argument, NULL, 'L' },
		{ "ignore-quit-failure", no_argument, NULL, 'q' }, { "verbose", no_argument, NULL, 'v' },
		{ "profile", required_argument, NULL, O_PROFILE }, { "ca-file", required_argument, NULL, O_CA_FILE },
		{ "dns-server", required_argument, NULL, O_DNS_SERVER },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	pl->expect = "220";
	pl->port = 0;
	pl->warn_s = pl->crit_s = -1;
	pl->timeout_s = 10;
	pl->timeout_state = ST_CRITICAL;
	pl->family = AF_UNSPEC;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":H:p:46e:C:R:f:F:A:U:P:SsD:w:c:t:Lqvh V", longs, NULL)) != -1) {
		switch (c) {
		case 'H':
			pl->host = optarg;
			break;
		case 'p': {
			char *end;
			pl->port = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || pl->port < 1 || pl->port > 65535) {
				*err = sd_asprintf("-p: '%s' is not a port number (1-65535)", optarg);
				return -1;
			}
			break;
		}
		case '4':
			pl->family = AF_INET;
			break;
		case '6':
			pl->family = AF_INET6;
			break;
		case 'e':
			pl->expect = optarg;
			break;
		case 'C':
		case 'R':
			if ((c == 'C' ? pl->ncommands : pl->nresponses) >= MAX_COMMANDS) {
				*err = sd_asprintf("-%c: at most %d", c, MAX_COMMANDS);
				return -1;
			}
			if (c == 'C')
				pl->commands[pl->ncommands++] = optarg;
			else
				pl->responses[pl->nresponses++] = optarg;
			break;
		case 'f':
			pl->from = optarg;
			break;
		case 'F':
			pl->fqdn = optarg;
			break;
		case 'A':
			pl->authtype = optarg;
			break;
		case 'U':
			pl->user = optarg;
			break;
		case 'P':
			free(pl->password);
			pl->password = sd_xstrdup(optarg);
			/* out of ps's sight from now on */
			explicit_bzero(optarg, strlen(optarg));
			break;
		case O_PASSWORD_FILE:
			pl->password_file = optarg;
			break;
		case 'S':
			pl->starttls = 1;
			break;
		case 's':
			pl->ssl = 1;
			break;
		case 'D': {
			char *end;
			long w = strtol(optarg, &end, 10), cr = 0;
			if (end != optarg && *end == ',') {
				char *e2;
				cr = strtol(end + 1, &e2, 10);
				if (e2 == end + 1 || *e2 != '\0')
					end = NULL;
				else
					end = e2;
			}
			if (end == optarg || end == NULL || *end != '\0' || w < 0 || cr < 0 || w > 100000 || cr > 100000) {
				*err = sd_asprintf("-D: '%s' is not WARN[,CRIT] days", optarg);
				return -1;
			}
			pl->cert_days_warn = (int)w;
			pl->cert_days_crit = (int)cr;
			pl->check_cert = 1;
			break;
		}
		case 'w':
		case 'c':
			if (parse_seconds(optarg, c == 'w' ? &pl->warn_s : &pl->crit_s) != 0) {
				*err = sd_asprintf("-%c: '%s' is not a number of seconds", c, optarg);
				return -1;
			}
			if (c == 'w')
				pl->warn_arg = optarg;
			else
				pl->crit_arg = optarg;
			break;
		case 't': {
			char *colon = strchr(optarg, ':'), *num = sd_xstrndup(optarg, colon ? (size_t)(colon - optarg)
									    : strlen(optarg));
			int bad = parse_seconds(num, &pl->timeout_s) != 0 || pl->timeout_s < 0.1;
			free(num);
			if (!bad && colon != NULL)
				bad = (pl->timeout_state = parse_state(colon + 1)) < 0;
			if (bad) {
				*err = sd_asprintf("-t: '%s' is not SECONDS[:STATE] (STATE: OK, WARNING, CRITICAL, UNKNOWN)",
						   optarg);
				return -1;
			}
			break;
		}
		case 'L':
			pl->lmtp = 1;
			break;
		case 'q':
			pl->ignore_quit = 1;
			break;
		case 'v':
			pl->verbose++;
			break;
		case O_PROFILE:
			pl->profile = optarg;
			break;
		case O_CA_FILE:
			pl->ca_file = optarg;
			break;
		case O_DNS_SERVER:
			pl->dns_server = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf(PROG " %s (smtpdiag; check_smtp compatible options)\n", PACKAGE_VERSION);
			return 1;
		case ':':
			*err = sd_asprintf("option %s needs an argument", argv[optind - 1]);
			return -1;
		default:
			*err = sd_asprintf("unknown option '%s'", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		*err = sd_asprintf("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (pl->host == NULL || pl->host[0] == '\0') {
		*err = sd_xstrdup("no server: give -H HOST");
		return -1;
	}
	if (pl->starttls && pl->ssl) {
		*err = sd_xstrdup("-S (STARTTLS) and -s (TLS from the first byte) exclude each other");
		return -1;
	}
	if (pl->check_cert && !pl->ssl)
		pl->starttls = 1;
	if (pl->authtype != NULL && strcasecmp(pl->authtype, "LOGIN") != 0) {
		*err = sd_asprintf("-A: '%s' is not supported (LOGIN, as check_smtp)", pl->authtype);
		return -1;
	}
	if (pl->password_file != NULL) {
		free(pl->password);
		if ((pl->password = read_password_file(pl->password_file, err)) == NULL)
			return -1;
	}
	if (pl->authtype != NULL && (pl->user == NULL || pl->password == NULL)) {
		*err = sd_xstrdup("-A LOGIN needs -U USER and a password (-P or --password-file)");
		return -1;
	}
	if (pl->port == 0)
		pl->port = pl->ssl ? 465 : 25;
	if (pl->fqdn != NULL && (pl->fqdn[0] == '\0' || strpbrk(pl->fqdn, " \t\r\n") != NULL)) {
		*err = sd_xstrdup("-F: the name must be one word");
		return -1;
	}
	if (pl->from != NULL && strpbrk(pl->from, "<>\r\n ") != NULL) {
		*err = sd_asprintf("-f: '%s' is not a mail address", pl->from);
		return -1;
	}
	for (int i = 0; i < pl->ncommands; i++)
		if (strpbrk(pl->commands[i], "\r\n") != NULL) {
			*err = sd_xstrdup("-C: a command is one line");
			return -1;
		}
	return 0;
}

/* addresses - -H as the session's address list: an IP literal as is, a
 * name resolved for -4/-6 (NULL: the session resolves it); *err on failure */
static char *addresses(const plugin *pl, char **err)
{
	unsigned char buf[sizeof(struct in6_addr)];
	struct addrinfo hints = { .ai_family = pl->family, .ai_socktype = SOCK_STREAM }, *res = NULL;

	if (inet_pton(AF_INET, pl->host, buf) == 1 || inet_pton(AF_INET6, pl->host, buf) == 1) {
		int v6 = strchr(pl->host, ':') != NULL;
		if ((pl->family == AF_INET && v6) || (pl->family == AF_INET6 && !v6)) {
			*err = sd_asprintf("-%c: %s is an IPv%c address", pl->family == AF_INET ? '4' : '6', pl->host,
					   v6 ? '6' : '4');
			return NULL;
		}
		return sd_xstrdup(pl->host);
	}
	if (pl->family == AF_UNSPEC)
		return NULL;
	int rc = getaddrinfo(pl->host, NULL, &hints, &res);
	if (rc != 0) {
		*err = sd_asprintf("cannot resolve %s over IPv%c: %s", pl->host, pl->family == AF_INET ? '4' : '6',
				   gai_strerror(rc));
		return NULL;
	}
	char *out = sd_xstrdup("");
	for (struct addrinfo *a = res; a != NULL; a = a->ai_next) {
		char text[INET6_ADDRSTRLEN];
		const void *p = a->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
							: (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
		if (inet_ntop(a->ai_family, p, text, sizeof(text)) == NULL || strstr(out, text) != NULL)
			continue;
		char *n = sd_asprintf("%s%s%s", out, out[0] ? "," : "", text);
		free(out);
		out = n;
	}
	freeaddrinfo(res);
	return out;
}

/* session_problem - the session's last error as a problem: the run's
 * deadline (with -t's state) if that is what ended it, else STATE */
static void session_problem(plugin *pl, sd_session *s, const sd_target_config *cfg, int state, const char *doing)
{
	const char *msg = NULL;
	sd_error e = sd_session_error(s, &msg);

	if (sd_run_expired(cfg) || (e == SD_ERR_TIMEOUT && cfg->run_deadline > 0 &&
				    sd_now_ms() >= cfg->run_deadline - 5)) {
		char w[96];
		problem_add(pl, pl->timeout_state, "timed out after %g s %s", pl->timeout_s, sd_session_waiting(s, w, sizeof(w)));
		return;
	}
	if (e == SD_ERR_RESOLVER)   /* no DNS server answered: our side, not the server (check_smtp: UNKNOWN) */
		state = ST_UNKNOWN;
	problem_add(pl, state, "%s: %s", doing, msg != NULL && msg[0] ? msg : sd_error_name(e));
}

/* reply_joined - R as the server sent it ("250-a\n250 b", codes included:
 * what -e and -R match, as check_smtp's buffer holds the whole reply) */
static char *reply_joined(const sd_reply *r)
{
	char *out = sd_xstrdup("");

	for (size_t i = 0; r != NULL && i < r->nlines; i++) {
		/* a reply without a code (not SMTP): its lines as received */
		char *n = r->code > 0 ? sd_asprintf("%s%s%03d%c%s", out, i ? "\n" : "", r->code,
						    i + 1 < r->nlines ? '-' : ' ', r->lines[i])
				      : sd_asprintf("%s%s%s", out, i ? "\n" : "", r->lines[i]);
		free(out);
		out = n;
	}
	return out;
}

/* reply_text - the first line of R with its code, for messages, in BUF */
static const char *reply_text(const sd_reply *r, char buf[256])
{
	if (r == NULL || r->nlines == 0)
		return "";
	if (r->code > 0)
		snprintf(buf, 256, "%03d %s", r->code, r->lines[0]);
	else   /* not a reply line: as received, no made-up code */
		snprintf(buf, 256, "%s", r->lines[0]);
	return buf;
}

/* base64 - standard base64 of N bytes of IN (free it) */
static char *base64(const char *in, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = sd_xcalloc(1, (n + 2) / 3 * 4 + 1), *o = out;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)in[i] << 16 | (i + 1 < n ? (unsigned char)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? (unsigned char)in[i + 2] : 0);
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	return out;
}

/* auth_login - AUTH LOGIN as check_smtp does it; 0 or -1 (problem added) */
static int auth_login(plugin *pl, sd_session *s, const sd_target_config *cfg)
{
	char rt[256];
	const sd_reply *r = sd_session_command(s, "AUTH LOGIN");

	if (r == NULL) {
		session_problem(pl, s, cfg, ST_CRITICAL, "AUTH LOGIN");
		return -1;
	}
	if (r->code != 334) {
		problem_add(pl, ST_CRITICAL, "AUTH LOGIN refused: %.80s", reply_text(r, rt));
		return -1;
	}
	char *u = base64(pl->user, strlen(pl->user));
	r = sd_session_command_secret(s, u);
	free(u);
	if (r == NULL || r->code != 334) {
		if (r == NULL)
			session_problem(pl, s, cfg, ST_CRITICAL, "AUTH LOGIN user name");
		else
			problem_add(pl, ST_CRITICAL, "AUTH LOGIN: user name not accepted: %.80s", reply_text(r, rt));
		return -1;
	}
	char *p = base64(pl->password, strlen(pl->password));
	r = sd_session_command_secret(s, p);
	explicit_bzero(p, strlen(p));
	free(p);
	if (r == NULL) {
		session_problem(pl, s, cfg, ST_CRITICAL, "AUTH LOGIN password");
		return -1;
	}
	if (r->code != 235) {
		problem_add(pl, ST_CRITICAL, "authentication failed: %.80s", reply_text(r, rt));
		return -1;
	}
	detail(pl, "AUTH LOGIN as %s: accepted", pl->user);
	return 0;
}

/* cert_days - -D: days left on the server's certificate, as check_smtp
 * judges them (expired or < CRIT: CRITICAL, < WARN: WARNING) */
static void cert_days(plugin *pl, const sd_tls_info *t)
{
	if (t == NULL || t->nchain == 0) {
		problem_add(pl, ST_CRITICAL, "no server certificate to check");
		return;
	}
	const sd_cert *c = &t->chain[0];
	double left = difftime(c->not_after, time(NULL));
	long days = (long)(left / 86400);
	const char *cn = c->common_name != NULL && c->common_name[0] ? c->common_name : c->subject;
	struct tm tm;
	char when[32];

	gmtime_r(&c->not_after, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	pl->cert_days = days;
	pl->cert_known = 1;
	if (left < 0)
		problem_add(pl, ST_CRITICAL, "certificate '%.60s' expired on %s", cn, when);
	else if (days < pl->cert_days_crit)
		problem_add(pl, ST_CRITICAL, "certificate '%.60s' expires in %ld day%s (%s)", cn, days,
			    days == 1 ? "" : "s", when);
	else if (days < pl->cert_days_warn)
		problem_add(pl, ST_WARNING, "certificate '%.60s' expires in %ld day%s (%s)", cn, days,
			    days == 1 ? "" : "s", when);
	else
		detail(pl, "certificate '%s' valid for %ld more days (until %s)", cn, days, when);
}

/* dialogue - check_smtp's steps on S; stops at the first fatal problem */
static void dialogue(plugin *pl, sd_session *s, const sd_target_config *cfg)
{
	char rt[256];
	if (sd_session_connect(s) != 0) {
		session_problem(pl, s, cfg, ST_CRITICAL, pl->ssl ? "connect (TLS)" : "connect");
		return;
	}
	detail(pl, "connected to %s port %ld%s", sd_session_peer(s), pl->port, pl->ssl ? " with TLS" : "");
	const sd_reply *g = sd_session_greeting(s);
	if (g == NULL) {
		/* closed or reset before a greeting: check_smtp's "recv() failed",
		 * WARNING (its state for a connection that answers wrongly); a
		 * greeting that never comes is a timeout, CRITICAL, in both */
		sd_error e = sd_session_error(s, NULL);
		session_problem(pl, s, cfg, e == SD_ERR_CLOSED || e == SD_ERR_RESET ? ST_WARNING : ST_CRITICAL,
				"greeting");
		return;
	}
	if (!pl->ssl && sd_session_tls_found(s)) {
		/* no greeting in clear, and a TLS handshake worked: check_smtp
		 * times out here (CRITICAL); we say why */
		problem_add(pl, ST_CRITICAL, "no greeting in clear on port %ld: the port speaks implicit TLS (SMTPS, RFC "
			    "8314): use -s (--ssl)", pl->port);
		return;
	}
	detail(pl, "greeting: %s", reply_text(g, rt));
	char *all = reply_joined(g);
	int found = strstr(all, pl->expect) != NULL;
	free(all);
	if (!found) {
		problem_add(pl, ST_WARNING, "invalid SMTP response from host%s: '%.80s' (expected '%.40s')",
			    pl->port == 25 ? "" : " on this port", reply_text(g, rt), pl->expect);
		return;
	}
	int need_ehlo = pl->starttls || pl->authtype != NULL || pl->lmtp;
	if (pl->lmtp) {
		const sd_reply *r = sd_session_command(s, "LHLO %s", sd_session_ehlo_name(s));
		if (r == NULL && (sd_run_expired(cfg) || s == NULL)) {
			session_problem(pl, s, cfg, ST_CRITICAL, "LHLO");
			return;
		}
		detail(pl, "LHLO: %s", reply_text(r, rt));
	} else {
		const sd_ehlo *e = sd_session_ehlo(s);
		const char *msg = NULL;
		sd_error why = e == NULL ? sd_session_error(s, &msg) : SD_ERR_NONE;
		if (e == NULL && (sd_run_expired(cfg) || why == SD_ERR_TIMEOUT)) {
			session_problem(pl, s, cfg, ST_CRITICAL, "EHLO");
			return;
		}
		if (e == NULL && sd_session_last_reply(s) == g) {
			/* no reply at all (check_smtp: "recv() failed", WARNING) */
			problem_add(pl, ST_WARNING, "no reply to EHLO: %.120s", msg != NULL ? msg : sd_error_name(why));
			return;
		}
		if (e == NULL && need_ehlo) {
			problem_add(pl, ST_CRITICAL, "EHLO refused: %.80s", reply_text(sd_session_last_reply(s), rt));
			return;
		}
		if (e != NULL)
			detail(pl, "EHLO: %s", reply_text(e->reply, rt));
	}
	if (pl->starttls) {
		const sd_ehlo *e = sd_session_ehlo(s);
		if (e == NULL || sd_ehlo_find(e, "STARTTLS") == NULL) {
			problem_add(pl, ST_WARNING, "TLS not supported by server (no STARTTLS in the EHLO reply)");
			return;
		}
		if (sd_session_starttls(s) != 0) {
			const sd_reply *r = sd_session_last_reply(s);
			const char *msg = NULL;
			sd_error err = sd_session_error(s, &msg);
			if (sd_run_expired(cfg))
				session_problem(pl, s, cfg, ST_CRITICAL, "STARTTLS");
			else if (err == SD_ERR_STATE && r != NULL && r->code != 220)
				problem_add(pl, ST_UNKNOWN, "server does not support STARTTLS: %.80s", reply_text(r, rt));
			else
				problem_add(pl, ST_CRITICAL, "cannot make the TLS connection: %.120s",
					    msg != NULL ? msg : sd_error_name(err));
			return;
		}
	}
	const sd_tls_info *t = sd_session_tls(s);
	if (t != NULL)
		detail(pl, "TLS: %s, %s", t->version, t->cipher);
	if (pl->check_cert) {
		cert_days(pl, t);
		return;   /* as check_smtp: -D ends the check after the certificate */
	}
	if (pl->authtype != NULL && auth_login(pl, s, cfg) != 0)
		return;
	if (pl->from != NULL) {
		const sd_reply *r = sd_session_command(s, "MAIL FROM:<%s>", pl->from);
		if (r == NULL && sd_run_expired(cfg)) {
			session_problem(pl, s, cfg, ST_CRITICAL, "MAIL FROM");
			return;
		}
		detail(pl, "MAIL FROM:<%s>: %s", pl->from, reply_text(r, rt));
	}
	for (int i = 0; i < pl->ncommands; i++) {
		const sd_reply *r = sd_session_command(s, "%s", pl->commands[i]);
		if (r == NULL) {
			session_problem(pl, s, cfg, ST_CRITICAL, pl->commands[i]);
			return;
		}
		detail(pl, "%s: %s", pl->commands[i], reply_text(r, rt));
		if (i >= pl->nresponses)
			continue;
		regex_t re;
		if (regcomp(&re, pl->responses[i], REG_EXTENDED | REG_NOSUB | REG_NEWLINE) != 0) {
			problem_add(pl, ST_UNKNOWN, "-R '%.60s' is not a regular expression", pl->responses[i]);
			return;
		}
		char *joined = reply_joined(r);
		int m = regexec(&re, joined, 0, NULL, 0);
		free(joined);
		regfree(&re);
		if (m != 0) {
			problem_add(pl, ST_WARNING, "invalid response '%.60s' to command '%.40s'", reply_text(r, rt),
				    pl->commands[i]);
			return;
		}
	}
}

/* run_profile - --profile: smtp-diag's checks on the same server; their
 * findings of warning and above become problems */
static void run_profile(plugin *pl, const sd_target_config *cfg)
{
	const char *pd = getenv("SMTPDIAG_PLUGIN_DIR"), *prd = getenv("SMTPDIAG_PROFILE_DIR");
	char *err = NULL;
	sd_registry *reg = sd_registry_new();
	sd_profile *p = NULL;
	sd_plan plan = { 0 };

	if (sd_registry_load_path(reg, pd != NULL && *pd ? pd : SD_PLUGIN_DIR, &err) != 0 ||
	    (p = sd_profile_load(pl->profile, prd != NULL && *prd ? prd : SD_PROFILE_DIR, &err)) == NULL ||
	    sd_profile_bind(p, reg, &err) != 0 || sd_plan_make(&plan, p, reg, NULL, 0, &err) != 0) {
		problem_add(pl, ST_UNKNOWN, "--profile %s: %s", pl->profile, err != NULL ? err : "unusable");
		goto out;
	}
	sd_plan_drop_domain_checks(&plan);
	/* without -S or -s the plugin's own test speaks plain SMTP, as
	 * check_smtp does; the profile's checks use the profile's TLS mode
	 * (the default profile's STARTTLS), or a profile could pass a server
	 * whose certificate has expired because TLS was never tried */
	sd_target_config pcfg = *cfg;   /* shallow: only tls differs; nothing is freed through it */
	if (!pl->ssl && !pl->starttls && p->target.tls_set)
		pcfg.tls = p->target.tls;
	sd_target_result *res = sd_run_target(&plan, &pcfg, p, NULL, 0);
	for (size_t i = 0; i < res->nchecks; i++) {
		const sd_report *r = res->checks[i];
		for (size_t j = 0; j < r->nfindings; j++) {
			const sd_finding *f = r->findings[j];
			int st = f->severity == SD_WARN ? ST_WARNING : f->severity == SD_CRIT ? ST_CRITICAL
				 : f->severity == SD_CHECK_ERROR ? ST_UNKNOWN : ST_OK;
			if (strcmp(f->id, "run.deadline") == 0)
				st = pl->timeout_state;
			/* -D already judged the certificate's expiry with the admin's own
			 * thresholds: the profile's verdict on the same date is the same
			 * problem, not a second one (shown with -v) */
			if (st != ST_OK && pl->cert_known &&
			    (strcmp(f->id, "certificate.expired") == 0 || strcmp(f->id, "certificate.expiring") == 0)) {
				detail(pl, "%s: %s (the -D test's problem)", f->id, f->summary);
				continue;
			}
			if (st != ST_OK)
				problem_add(pl, st, "%s", f->summary);
			else if (pl->verbose)
				detail(pl, "%s: %s", f->id, f->summary);
		}
	}
	detail(pl, "profile %s: %s", p->name, res->summary != NULL ? res->summary : "");
	sd_target_result_free(res);
out:
	free(err);
	sd_plan_clear(&plan);
	sd_profile_free(p);
	sd_registry_free(reg);
}

/* clean - TEXT fit for the status line: one line, no '|' */
static void clean(char *text)
{
	for (char *p = text; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || *p == '|' || (unsigned char)*p < 0x20)
			*p = ' ';
}

/* perf_threshold - a threshold as the user gave it, or "" */
static const char *perf_threshold(const char *given)
{
	return given != NULL ? given : "";
}

/* output - status line, long output, perfdata; the exit state */
static int output(plugin *pl)
{
	int state = ST_OK;
	size_t counts[4] = { 0 };
	const problem *top = NULL;

	for (size_t i = 0; i < pl->nproblems; i++) {
		const problem *p = &pl->problems[i];
		counts[p->state]++;
		/* UNKNOWN ranks below CRITICAL for the headline, as a problem of ours */
		int rank = p->state == ST_UNKNOWN ? 1 : p->state * 2;
		int top_rank = top == NULL ? -1 : top->state == ST_UNKNOWN ? 1 : top->state * 2;
		if (rank > top_rank)
			top = p;
	}
	for (int st = ST_WARNING; st <= ST_CRITICAL; st++)
		if (counts[st] > 0 && st > state)
			state = st;
	if (state == ST_OK && counts[ST_UNKNOWN] > 0)
		state = ST_UNKNOWN;
	if (top == NULL && pl->crit_s >= 0 && pl->elapsed_s > pl->crit_s)
		state = ST_CRITICAL;
	else if (top == NULL && pl->warn_s >= 0 && pl->elapsed_s > pl->warn_s)
		state = ST_WARNING;

	char head[STATUS_MAX + 1], text[STATUS_MAX + 1] = "";
	if (top != NULL) {
		snprintf(text, sizeof(text), "%s", top->text);
	} else if (state != ST_OK) {
		snprintf(text, sizeof(text), "response time %.3f s above the %s threshold (%s s)", pl->elapsed_s,
			 state == ST_CRITICAL ? "critical" : "warning", state == ST_CRITICAL ? pl->crit_arg : pl->warn_arg);
	} else {
		snprintf(text, sizeof(text), "%.3f sec. response time", pl->elapsed_s);
	}
	clean(text);
	char counts_text[64] = "";
	size_t more = pl->nproblems > 0 ? pl->nproblems - 1 : 0;
	if (more > 0) {
		/* the problems listed below the status line: without the headline's */
		size_t listed[4] = { counts[0], counts[1], counts[2], counts[3] };
		listed[top->state]--;
		snprintf(counts_text, sizeof(counts_text), " (+%zu more: %zu critical, %zu warning, %zu unknown)", more,
			 listed[ST_CRITICAL], listed[ST_WARNING], listed[ST_UNKNOWN]);
	}
	char server[80];
	/* RFC 3986 authority: an IPv6 literal in brackets, so "[::1]:25" not "::1:25" */
	snprintf(server, sizeof(server), strchr(pl->host, ':') != NULL ? "[%s]:%ld" : "%s:%ld", pl->host, pl->port);
	clean(server);
	int fixed = (int)(strlen("SMTP ") + strlen(state_names[state]) + 3 + strlen(server) + 2 + strlen(counts_text));
	int room = STATUS_MAX - fixed;
	if (room < 20)
		room = 20;
	if ((int)strlen(text) > room) {
		text[room - 3] = '\0';
		strcat(text, "...");
	}
	snprintf(head, sizeof(head), "SMTP %s - %s: %s%s", state_names[state], server, text, counts_text);
	/* perfdata: 'label'=value[UOM];[warn];[crit];[min];[max], thresholds as given */
	printf("%s|time=%.6fs;%s;%s;0", head, pl->elapsed_s, perf_threshold(pl->warn_arg), perf_threshold(pl->crit_arg));
	if (pl->cert_known) {
		char w[24] = "", c[24] = "";
		snprintf(w, sizeof(w), "%d:", pl->cert_days_warn);
		snprintf(c, sizeof(c), "%d:", pl->cert_days_crit);
		printf(" cert_days=%ld;%s;%s", pl->cert_days, w, c);
	}
	putchar('\n');
	for (size_t i = 0; i < pl->nproblems; i++)
		if (&pl->problems[i] != top || pl->verbose)
			printf("[%s] %s\n", state_names[pl->problems[i].state], pl->problems[i].text);
	if (pl->verbose)
		for (size_t i = 0; i < pl->ndetails; i++)
			printf("%s\n", pl->details[i]);
	return state;
}

/* main - the check_smtpdiag monitoring plugin: parse the options, run the
 * checks, print the status */
int main(int argc, char **argv)
{
	double t0 = sd_now_ms();
	plugin pl;
	char *err = NULL;
	sd_target_config cfg;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	memset(&pl, 0, sizeof(pl));
	memset(&cfg, 0, sizeof(cfg));
	rc = parse(&pl, argc, argv, &err);
	if (rc != 0) {
		if (rc < 0) {
			clean(err);
			printf("SMTP UNKNOWN - %s\n", err);
			fprintf(stderr, PROG ": %s\nTry '" PROG " --help'.\n", err);
		}
		free(err);
		rc = rc < 0 ? ST_UNKNOWN : ST_OK;
		goto out;
	}
	cfg.server = sd_xstrdup(pl.host);
	cfg.address = addresses(&pl, &err);
	if (err != NULL) {
		clean(err);
		printf("SMTP %s - %s: %s\n", state_names[ST_CRITICAL], pl.host, err);
		free(err);
		rc = ST_CRITICAL;
		goto out;
	}
	cfg.port = (unsigned)pl.port;
	cfg.tls = pl.ssl ? SD_TLS_IMPLICIT : pl.starttls ? SD_TLS_STARTTLS : SD_TLS_NONE;
	cfg.ehlo_name = pl.fqdn != NULL ? sd_xstrdup(pl.fqdn) : NULL;
	cfg.ca_file = pl.ca_file != NULL ? sd_xstrdup(pl.ca_file) : NULL;
	/* the same DNS server as smtp-diag's: --dns-server, else the environment */
	const char *dns = pl.dns_server != NULL ? pl.dns_server : getenv("SMTPDIAG_DNS_SERVER");
	if (dns != NULL && *dns != '\0') {
		sd_resolver r;
		if (sd_resolver_parse(&r, dns, 0, &err) != 0) {
			clean(err);
			printf("SMTP UNKNOWN - %s%s\n", pl.dns_server != NULL ? "--dns-server" : "SMTPDIAG_DNS_SERVER",
			       strchr(err, ':') != NULL ? strchr(err, ':') : err);
			free(err);
			rc = ST_UNKNOWN;
			goto out;
		}
		cfg.dns_servers = sd_xstrdup(dns);
	}
	int ms = (int)(pl.timeout_s * 1000);
	cfg.connect_timeout_ms = cfg.greeting_timeout_ms = cfg.command_timeout_ms = ms;
	cfg.run_deadline = t0 + ms;
	cfg.run_deadline_ms = ms;
	cfg.run_deadline_state = pl.timeout_state;
	if (pl.user != NULL) {
		cfg.auth_user = sd_xstrdup(pl.user);
		cfg.auth_password = pl.password != NULL ? sd_xstrdup(pl.password) : NULL;
	}

	sd_transcript *tr = sd_transcript_new(0);
	sd_session *s = sd_session_new(&cfg, tr);
	dialogue(&pl, s, &cfg);
	pl.elapsed_s = (sd_now_ms() - t0) / 1000.0;
	sd_session_free(s);
	sd_transcript_free(tr);   /* QUIT, unless the deadline passed (a failed QUIT is never a problem here, as -q) */
	if (pl.profile != NULL && !sd_run_expired(&cfg))
		run_profile(&pl, &cfg);
	rc = output(&pl);
out:
	for (size_t i = 0; i < pl.nproblems; i++)
		free(pl.problems[i].text);
	free(pl.problems);
	for (size_t i = 0; i < pl.ndetails; i++)
		free(pl.details[i]);
	free(pl.details);
	if (pl.password != NULL)
		explicit_bzero(pl.password, strlen(pl.password));
	free(pl.password);
	sd_target_config_clear(&cfg);
	return rc;
}
