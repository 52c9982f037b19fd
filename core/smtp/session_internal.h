/* SPDX-License-Identifier: MIT */
/*
 * session_internal.h - creating sessions (the core's side of session.h).
 *
 * Checks only see the calls in <smtpdiag/session.h>; the runner creates
 * the session from a target configuration and a transcript.
 */
#ifndef SD_SESSION_INTERNAL_H
#define SD_SESSION_INTERNAL_H

#include <smtpdiag/dns.h>
#include <smtpdiag/session.h>

#include "diagnosis/kb.h"
#include "wire/limiter.h"
#include "smtp/transcript.h"

typedef enum { SD_TLS_NONE = 0, SD_TLS_STARTTLS, SD_TLS_IMPLICIT } sd_tls_mode;

/* Everything a session needs to know about its target. */
typedef struct sd_target_config {
	char *server;             /* name as given, also used for SNI/relay later */
	char *address;            /* IP literal to connect to instead, or NULL */
	unsigned port;
	sd_tls_mode tls;
	char *ehlo_name;          /* NULL: FQDN hostname, else [local address] */
	char *ca_file;            /* trust anchors for verification; NULL: system store */
	int connect_timeout_ms;
	int greeting_timeout_ms;
	int command_timeout_ms;
	size_t line_max;          /* longest reply line accepted */
	char *auth_user;          /* --auth-user, or NULL */
	char *auth_password;      /* never printed, logged or reported; wiped on clear */
	char *dns_servers;        /* --dns-server spec (validated), or NULL: resolv.conf */
	int dns_timeout_ms;       /* per DNS query, retries included; 0: default */
	char *domain;             /* --domain being audited, or NULL */
	sd_mx_host *mx;           /* the domain's MX hosts in preference order */
	size_t nmx;
	struct sd_mx_shared *mx_shared; /* set: MX, NMX are shared by every copy (reference
				   * counted), not copied; NULL: owned by this configuration */
	unsigned mx_limit;        /* MX hosts audited at most (0: SD_MX_LIMIT_DEFAULT) */
	int domain_deadline_ms;   /* the whole --domain audit (0: SD_DOMAIN_DEADLINE_DEFAULT_MS) */
	double deadline;          /* sd_now_ms() after which DNS queries fail at once (0: none) */
	double run_deadline;      /* --deadline: sd_now_ms() at which the whole run ends; every
				   * wait is cut to it (0: none) */
	int run_deadline_ms;      /* its budget, for the message */
	int run_deadline_state;   /* exit state when it passes: 0-3 (check_smtp's -t N:STATE) */
	sd_limiter *limiter;      /* the run's, shared and not owned; NULL: no limits */
	struct sd_tls_ctx *tls_ctx; /* the run's verifying TLS context for CA_FILE, not owned; NULL: per handshake */
	int rate_retries;         /* reconnects after a rate-limit refusal or 421 */
	int backoff_ms;           /* first back-off, doubled each retry */
} sd_target_config;

#define SD_MX_LIMIT_DEFAULT 5                     /* as Postfix's smtp_mx_address_limit */
#define SD_MX_LIMIT_MAX 100
#define SD_DOMAIN_DEADLINE_DEFAULT_MS (300 * 1000)

/* sd_target_config_copy - deep copy (the MX list shared once sd_target_config_share_mx ran) */
void sd_target_config_copy(sd_target_config *dst, const sd_target_config *src);
/* sd_target_config_share_mx - from now on copies of C share its MX list
 * instead of copying it (memory linear in the MX count, whatever the hosts) */
void sd_target_config_share_mx(sd_target_config *c);
/* sd_target_config_clear - free the strings */
void sd_target_config_clear(sd_target_config *c);
/* sd_tls_mode_name - "none", "starttls", "implicit" */
const char *sd_tls_mode_name(sd_tls_mode m);
/* sd_tls_mode_parse - 0 and *out on success, -1 for an unknown word */
int sd_tls_mode_parse(const char *s, sd_tls_mode *out);

/* sd_session_new - an unconnected session; TRANSCRIPT is shared, not owned */
sd_session *sd_session_new(const sd_target_config *cfg, sd_transcript *transcript);
/* sd_dns_addresses - AAAA then A records of NAME through S's resolver,
 * comma-separated ("" when none, with *problem saying why; free both);
 * *all_ad is cleared when an answer was not DNSSEC-validated */
char *sd_dns_addresses(sd_session *s, const char *name, char **problem, int *all_ad);
/* sd_dns_addresses_st - the same, and the status of the answer *problem describes */
char *sd_dns_addresses_st(sd_session *s, const char *name, char **problem, int *all_ad, sd_dns_status *why_status);
/* sd_session_set_kb - the knowledge base sd_diagnose_reply() consults (not owned) */
void sd_session_set_kb(sd_session *s, const sd_kb *kb);
/* sd_session_detach - a session for a check run beside S on threads of its
 * own: S's EHLO (from before STARTTLS), peer and name, no connection of its
 * own (only fresh sessions opened from it connect); S must outlive it */
sd_session *sd_session_detach(sd_session *s);
/* sd_session_backoffs - how often S backed off because the server rate-limited
 * it (421 "too many connections", or a refusal from an address that had
 * accepted before), the time spent waiting, and the last reason ("" if none) */
unsigned sd_session_backoffs(const sd_session *s, double *waited_ms, const char **why);
/* sd_session_unsolicited - how many times the server sent a reply before the
 * command it could answer was sent (dropped, so replies stay in step), and
 * the first one ("" if none) */
unsigned sd_session_unsolicited(const sd_session *s, const char **first);
/* sd_session_waiting - the phase to name when the run's deadline passed:
 * the first wait it ended (of S or of a probe session opened from S), else
 * the last wait begun ("waiting for the greeting"; "" before any); into BUF */
const char *sd_session_waiting(sd_session *s, char *buf, size_t n);
/* sd_run_expired - CFG's --deadline has passed */
int sd_run_expired(const sd_target_config *cfg);

/* sd_session_set_prefetch_without_sni - ON: as soon as S connects (and
 * sends SNI, i.e. the server is named, not an address), one more
 * connection makes the TLS handshake without SNI on a thread, so that
 * sd_session_tls_without_sni() costs no time later (the runner sets it when
 * the plan has the certificate check) */
void sd_session_set_prefetch_without_sni(sd_session *s, int on);

#endif
