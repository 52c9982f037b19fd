/* SPDX-License-Identifier: MIT */
/*
 * smtpdiag/session.h - the SMTP conversation a check talks through.
 *
 * Part of the smtpdiag plugin API. The core keeps one session per target and
 * hands it to every check in turn, so banner, EHLO and later phases happen in
 * one conversation. Each call is idempotent where that makes sense: asking
 * for the EHLO reply connects and reads the greeting first if no earlier
 * check did. Every wait has a deadline taken from the profile's timeouts.
 *
 * Errors: calls that can fail return NULL or -1 and leave the reason in
 * sd_session_error(). A 421 reply at any phase closes the session and is
 * reported as SD_ERR_SERVICE_CLOSING with the reply still available.
 */
#ifndef SMTPDIAG_SESSION_H
#define SMTPDIAG_SESSION_H

#include <stdarg.h>
#include <stddef.h>

#include <smtpdiag/reply.h>
#include <smtpdiag/tls.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sd_session sd_session;

/* Why the last session call failed. */
typedef enum sd_error {
	SD_ERR_NONE = 0,
	SD_ERR_RESOLVE,         /* the server name has no address */
	SD_ERR_REFUSED,         /* TCP RST on connect: nothing listens on the port */
	SD_ERR_UNREACHABLE,     /* no route / network or host unreachable */
	SD_ERR_TIMEOUT,         /* a deadline passed (connect, reply, write) */
	SD_ERR_RESET,           /* connection reset by the peer after connect */
	SD_ERR_CLOSED,          /* the server closed the connection */
	SD_ERR_PROTOCOL,        /* the reply was not SMTP (bad syntax, bad code) */
	SD_ERR_TOO_LONG,        /* a reply line or a reply exceeded the core's caps */
	SD_ERR_SERVICE_CLOSING, /* 421: service not available, closing channel */
	SD_ERR_IO,              /* any other socket error */
	SD_ERR_STATE,           /* the call makes no sense now (e.g. not connected) */
	SD_ERR_TLS,             /* the TLS handshake failed */
	SD_ERR_NO_STARTTLS,     /* a TLS probe's connection did not offer STARTTLS, or refused
				   it (not 421): no ClientHello was sent, so the probe says
				   nothing about versions or suites (appended: ABI-compatible) */
	SD_ERR_RESOLVER         /* the server name could not be looked up: no DNS server answered
				   (refused, timed out, REFUSED, unparsable answer); our side's
				   problem, not the domain's (appended: ABI-compatible) */
} sd_error;

/* Timed phases recorded by the session, in milliseconds (negative: not reached). */
typedef enum sd_phase {
	SD_PHASE_RESOLVE = 0,       /* name -> addresses */
	SD_PHASE_CONNECT,           /* TCP handshake of the address that answered */
	SD_PHASE_GREETING_FIRST,    /* connected -> first byte of the greeting */
	SD_PHASE_GREETING,          /* connected -> complete greeting */
	SD_PHASE_EHLO,              /* EHLO (or HELO) sent -> complete reply */
	SD_PHASE_QUIT,              /* QUIT sent -> reply */
	SD_PHASE_STARTTLS,          /* STARTTLS sent -> 220 */
	SD_PHASE_TLS,               /* TLS handshake */
	SD_PHASE_EHLO_TLS,          /* EHLO again after the handshake */
	SD_PHASE_COUNT
} sd_phase;

/* One EHLO keyword and its parameters (RFC 5321 4.1.1.1). */
typedef struct sd_capability {
	const char *keyword;        /* upper-cased, e.g. "SIZE", "AUTH" */
	const char *params;         /* the rest of the line as sent, "" if none */
	size_t nargs;               /* params split on spaces */
	const char *const *args;
} sd_capability;

/* The EHLO (or HELO fallback) outcome. */
typedef struct sd_ehlo {
	const sd_reply *reply;      /* the whole 250 reply */
	const char *domain;         /* first word of the first line: the server's name */
	int helo_fallback;          /* 1 if EHLO was refused and HELO answered */
	const sd_reply *ehlo_refusal; /* the refused EHLO's reply when helo_fallback */
	size_t ncaps;
	const sd_capability *caps;  /* in the order advertised */
	unsigned duplicate_keywords; /* how many keywords were advertised twice */
	/* the first line held a service extension keyword (e.g. STARTTLS) where
	 * the server's domain belongs (RFC 5321 4.1.1.1): that keyword, kept as
	 * a capability too; domain is then "". NULL for a well-formed reply. */
	const char *first_line_keyword;
} sd_ehlo;

/* sd_session_server - the target's name as given (--server), never NULL */
const char *sd_session_server(const sd_session *s);
/* sd_session_port - TCP port of the target */
unsigned sd_session_port(const sd_session *s);
/* sd_session_peer - numeric address connected to ("" before connecting) */
const char *sd_session_peer(const sd_session *s);
/* sd_session_local - our numeric source address ("" before connecting) */
const char *sd_session_local(const sd_session *s);
/* sd_session_ehlo_name - the name we announce in EHLO/HELO */
const char *sd_session_ehlo_name(const sd_session *s);
/* sd_session_attempts - connect attempts so far, one line each ("addr: result") */
size_t sd_session_attempts(const sd_session *s, const char *const **lines);

/* sd_session_connect - TCP connect, every address in order; 0 or -1 */
int sd_session_connect(sd_session *s);
/* sd_session_greeting - the server's greeting (connects first if needed) */
const sd_reply *sd_session_greeting(sd_session *s);
/* sd_session_ehlo - EHLO, falling back to HELO if EHLO is refused with 5xx */
const sd_ehlo *sd_session_ehlo(sd_session *s);
/* sd_ehlo_find - the capability with this keyword (case-insensitive) or NULL */
const sd_capability *sd_ehlo_find(const sd_ehlo *e, const char *keyword);
/* sd_session_command - send one command line (CRLF added), read the reply */
const sd_reply *sd_session_command(sd_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* sd_session_last_reply - the last reply read (also after a failed call,
 * e.g. the 554 that made sd_session_ehlo() give up), or NULL */
const sd_reply *sd_session_last_reply(const sd_session *s);
/* sd_session_tls_mode - the TLS mode asked for: "none", "starttls", "implicit"
 * ("implicit" too once sd_session_tls_found() says it was found) */
const char *sd_session_tls_mode(const sd_session *s);
/* sd_session_tls_found - 1 when no greeting arrived in clear on a port other
 * than 465 and one TLS handshake on a fresh connection worked: the session
 * (and every later connection) runs over implicit TLS */
int sd_session_tls_found(const sd_session *s);
/* sd_session_port_answer - one connection to PORT of the same host (the
 * address that was tried; connect at most 5 s): greeting and EHLO, implicit
 * TLS on 465; in OUT how it answered ("answers with STARTTLS", "times out",
 * "is refused", ...); 0 when an SMTP greeting came, else -1 */
int sd_session_port_answer(sd_session *s, unsigned port, char *out, size_t len);
/* sd_session_starttls - EHLO if not done, STARTTLS, handshake, EHLO again
 * (RFC 3207 4.2); 0, or -1 with the error (SD_ERR_STATE when STARTTLS is
 * not advertised or refused: see sd_session_last_reply()) */
int sd_session_starttls(sd_session *s);
/* sd_session_tls - the handshake result, or NULL while the session is plain */
const sd_tls_info *sd_session_tls(const sd_session *s);
/* sd_session_tls_broken - a handshake the server broke off after sending its
 * certificate because it demanded one from us (CertificateRequest, then an
 * alert): its description, the server's chain and its verification
 * included, for checks that judge the certificate; NULL otherwise.
 * sd_session_tls() stays NULL: there is no TLS channel. */
const sd_tls_info *sd_session_tls_broken(const sd_session *s);
/* sd_session_ehlo_plain - the EHLO answer from before STARTTLS, or NULL */
const sd_ehlo *sd_session_ehlo_plain(const sd_session *s);
/* What one probe handshake offers. */
typedef struct sd_tls_probe {
	int version;                /* the one protocol version to offer (0x0301..0x0304) */
	const char *ciphers;        /* OpenSSL cipher list for TLS <= 1.2 (names joined by ':') */
	const char *ciphersuites;   /* TLS 1.3 suites, joined by ':' */
	const char *groups;         /* key exchange groups, joined by ':', or NULL: OpenSSL's */
} sd_tls_probe;

typedef struct sd_tls_probe_result {
	int accepted;               /* the handshake completed */
	int version;                /* negotiated */
	char cipher[64];            /* OpenSSL name of the suite the server chose */
	char group[48];             /* key exchange group, or "" */
	sd_error error;             /* why not, when !accepted */
	char message[256];
	int refused_by_server;      /* a TLS alert or a clean refusal: "not supported", not an error */
	int rate_limited;           /* 421 or connection refused: retry later, never "not supported" */
} sd_tls_probe_result;

/* sd_session_tls_probe - a fresh connection to the same target (with STARTTLS
 * when the session's mode is starttls), one handshake offering exactly
 * PROBE, then close. Safe to call from several threads with the same S.
 * 0 when the probe ran (see out->accepted), -1 when it could not. */
int sd_session_tls_probe(sd_session *s, const sd_tls_probe *probe, sd_tls_probe_result *out);
/* sd_session_tls_hello_probe - the same, but the handshake is cut as soon as
 * the server has made its choice (its ServerHello, taken at the certificate
 * message that follows): out->version and out->cipher are filled, out->group
 * only for TLS 1.3. For enumeration it is several times cheaper than a full
 * handshake (no key exchange of our own, nothing to verify); the server
 * logs an aborted handshake. Suites without a certificate (anonymous)
 * complete normally. */
int sd_session_tls_hello_probe(sd_session *s, const sd_tls_probe *probe, sd_tls_probe_result *out);

/* sd_session_quit - QUIT (after RSET when a mail transaction is open), then
 * close; the 221 is read only if it comes within a 5 ms grace (RFC 5321
 * 4.1.1.10: the server answers and closes; no audit waits a round trip for
 * a goodbye). Safe to call on a dead session. */
void sd_session_quit(sd_session *s);

/* sd_session_error - kind of the last failure, and a one-line message */
sd_error sd_session_error(const sd_session *s, const char **message);
/* sd_error_name - stable identifier for an error kind, e.g. "timeout" */
const char *sd_error_name(sd_error e);
/* sd_session_phase_ms - duration of a phase, negative if it did not happen */
double sd_session_phase_ms(const sd_session *s, sd_phase p);
/* sd_phase_name - stable identifier of a phase, e.g. "greeting_first_byte" */
const char *sd_phase_name(sd_phase p);

/* sd_session_command_secret - send LINE (CRLF added) and read the reply;
 * the transcript shows "********" instead of the line. For SASL exchanges
 * (an "AUTH MECH initial-response" line is redacted by sd_session_command
 * already; continuation lines are not recognisable and need this). */
const sd_reply *sd_session_command_secret(sd_session *s, const char *line);
/* sd_session_send_message - after DATA was answered 354: send MESSAGE
 * (headers, empty line, body; LF or CRLF line ends), dot-stuffed and
 * ended with CRLF.CRLF, and read the final reply. The transcript notes the
 * size, not the content. Only for checks the operator explicitly asked
 * to deliver mail (the transaction check). */
const sd_reply *sd_session_send_message(sd_session *s, const char *message);
/* sd_session_credentials - the user and password the operator gave
 * (--auth-user, --auth-password-file or SMTPDIAG_PASSWORD); 1 if both are
 * set. A check must never print, report or log the password. */
int sd_session_credentials(const sd_session *s, const char **user, const char **password);

/* sd_session_set_software - the server software the greeting named
 * ("Postfix", "Microsoft Exchange"): the knowledge base words its fixes for
 * it unless the profile says `vendor:`. The banner check sets it. */
void sd_session_set_software(sd_session *s, const char *software);
/* sd_session_software - that name, or NULL */
const char *sd_session_software(const sd_session *s);
/* sd_diagnose_reply - what REPLY means, as a knowledge-base kind such as
 * "smtp.relay_denied", "smtp.auth_failed", "smtp.greylisted" (docs/diagnosis.md),
 * given the command it answered: CONTEXT is "mail", "rcpt", "data", "auth",
 * "starttls", "ehlo" or "greeting". NULL when the knowledge base has no
 * rule for it. Give the kind to sd_finding_kind() for cause and fix. */
const char *sd_diagnose_reply(const sd_session *s, const char *context, const sd_reply *reply);

/* sd_session_open_fresh - a new, unconnected session to the same target,
 * sharing the transcript; free it with sd_session_free() */
sd_session *sd_session_open_fresh(sd_session *s);
/* sd_session_ca_file - the CA file certificates are verified against
 * (--ca-file), or NULL for the system trust store; for checks that make
 * their own TLS connections (e.g. HTTPS for MTA-STS) */
const char *sd_session_ca_file(const sd_session *s);
/* sd_session_open_host - a new, unconnected session with the same settings
 * (port, timeouts, trust store, EHLO name, resolver) to another host: SERVER
 * is its name (for SNI and certificate checks), ADDRESSES its address
 * literals (comma-separated) or NULL to resolve SERVER. A STARTTLS target
 * starts in plain text: call sd_session_starttls(). Free with sd_session_free(). */
sd_session *sd_session_open_host(sd_session *s, const char *server, const char *addresses);
/* sd_session_free - QUIT if still connected, close, free; NULL is fine */
void sd_session_free(sd_session *s);

/* Appended for issue 25 (ABI 2): known weaknesses, probed on fresh connections. */

/* What one weakness probe offers and does. */
typedef struct sd_tls_weak_probe {
	int max_version;            /* highest protocol offered (0x0301..0x0304), 0: OpenSSL's highest */
	const char *ciphers;        /* OpenSSL cipher list for TLS <= 1.2, NULL: every suite it has */
	int fallback_scsv;          /* send TLS_FALLBACK_SCSV (RFC 7507) */
	int status_request;         /* ask for a stapled OCSP response (RFC 6066 section 8) */
	int compression;            /* offer TLS compression (CRIME), where this OpenSSL has it */
	int renegotiate;            /* after the handshake, a client-initiated renegotiation (TLS <= 1.2) */
	int resume;                 /* then a second connection offering the first one's session */
	const char *inject;         /* a command line sent in the same write as STARTTLS ("NOOP"),
				     * NULL: none (CVE-2011-0411 class) */
} sd_tls_weak_probe;

/* What it found; -1 in an int field: not tried or not known. */
typedef struct sd_tls_weak_result {
	int accepted;               /* the (first) handshake completed */
	int version;
	char cipher[64];
	char group[48];
	sd_error error;             /* why not, when !accepted */
	char message[256];
	int refused_by_server;      /* a TLS alert or a clean refusal */
	char alert[48];             /* the alert the server sent ("inappropriate_fallback"), or "" */
	int secure_renegotiation;   /* the server sent the RFC 5746 renegotiation_info extension */
	int renegotiation;          /* client-initiated renegotiation: 1 completed, 0 refused */
	char compression[32];       /* the compression method in use, "" for none */
	int compression_testable;   /* this OpenSSL could offer compression */
	int extended_master_secret; /* RFC 7627 */
	int ocsp_stapled;           /* a status response was stapled */
	int ocsp_verified;          /* its signature verified against the trust store */
	char ocsp_status[16];       /* "good", "revoked", "unknown", or "" */
	long long ocsp_this_update; /* time_t, or 0 */
	long long ocsp_next_update; /* time_t, or 0 when the responder gave none */
	char ocsp_error[160];       /* why the response is not usable, or "" */
	int ticket;                 /* the server issued a session ticket (RFC 5077 / 8446) */
	int session_id;             /* the server gave a session ID (TLS <= 1.2) */
	int resumed;                /* the second connection resumed the session */
	unsigned char dh_prime[1024]; /* the server's DHE prime, big-endian, when DHE was used */
	size_t dh_prime_len;
	int dh_generator;           /* its generator when it fits an int, else 0 */
	int plain_answers;          /* replies that came in plain text after the STARTTLS 220 */
	int injected_answered;      /* the injected command was answered inside TLS */
	char injected_reply[128];   /* that reply's first line */
} sd_tls_weak_result;

/* sd_session_tls_weak_probe - a fresh connection to the same target (with
 * STARTTLS when the session's mode is starttls; the STARTTLS line and
 * PROBE->inject go in one write), a handshake as PROBE asks, its
 * properties, then QUIT inside TLS (the first reply that is not the
 * QUIT's 221 answered the injected command). 0 when it ran (see
 * out->accepted), -1 when it could not. */
int sd_session_tls_weak_probe(sd_session *s, const sd_tls_weak_probe *probe, sd_tls_weak_result *out);
/* sd_session_smuggle - after DATA was answered 354: send DATA_BYTES
 * exactly as given (no dot-stuffing, no end added: the caller owns every
 * byte and ends them with a QUIT line), then read replies until the
 * QUIT's 221, the end of the connection or MAX replies; each reply's code
 * goes to codes[]. For the smuggling check only (--send). Returns the
 * replies read, or -1 when the write failed. The transcript notes the
 * size, not the bytes. */
int sd_session_smuggle(sd_session *s, const char *data_bytes, size_t len, int *codes, int max);

/* Appended for issue 20 (ABI 2): pipelining and the handshake without SNI. */

/* sd_session_pipeline - RFC 2920: send the N commands CMDS (lines without
 * CRLF; at most 64) in one write and read their N replies in order into
 * REPLIES (owned by the session, as sd_session_command()'s). Only the last
 * command may be EHLO, DATA, VRFY, EXPN, TURN, QUIT, NOOP, STARTTLS, AUTH
 * or BDAT (else nothing is sent: SD_ERR_STATE). When the server did not
 * advertise PIPELINING the commands go one at a time, with the same
 * result. Returns how many replies were read: N, or fewer when the
 * connection failed or the server said 421 (sd_session_error() says why;
 * the missing REPLIES are NULL). The session's mail transaction state
 * follows the replies (a MAIL accepted and not reset is reset before QUIT). */
size_t sd_session_pipeline(sd_session *s, const char *const *cmds, size_t n, const sd_reply **replies);
/* sd_session_tls_without_sni - what a sender that sends no SNI gets from
 * the same address (RFC 6066 3: SNI is optional; many MTAs send none): a
 * TLS handshake on another connection to S's peer, named by its address,
 * with STARTTLS or implicit TLS as S uses. The core starts it beside the
 * main session when the plan judges certificates, so it is usually done by
 * the time it is asked for; otherwise it runs now. Returns the handshake's
 * description (as sd_session_tls(), or sd_session_tls_broken()'s when the
 * server broke it off after its certificate), owned by S; NULL when it
 * failed, with *ERROR (if not NULL) set to a one-line reason owned by S. */
const sd_tls_info *sd_session_tls_without_sni(sd_session *s, const char **error);

#ifdef __cplusplus
}
#endif
#endif
