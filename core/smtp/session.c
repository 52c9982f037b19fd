/* SPDX-License-Identifier: MIT */
/*
 * session.c - one SMTP conversation with a target, shared by the checks.
 *
 * The session owns the connection, every reply it read (so pointers handed
 * to checks stay valid until the session is freed), the greeting and EHLO
 * results, and the phase timings. It never pipelines: one command, one
 * reply. A 421 at any point marks the session closed by the server and
 * every later call fails with SD_ERR_SERVICE_CLOSING.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <smtpdiag/session.h>

#include "base/clock.h"
#include "wire/conn.h"
#include "smtp/ehlo_parser.h"
#include "wire/net.h"
#include "smtp/reply_parser.h"
#include "smtp/session_internal.h"
#include "wire/tls.h"
#include "wire/tls_weak.h"
#include "dns/dns_wire.h"
#include "dns/resolver.h"
#include "base/util.h"

#define SD_COMMAND_MAX 510     /* RFC 5321 4.5.3.1.4: 512 with CRLF */
#define SD_QUIT_TIMEOUT_MS 5000
/* after QUIT the 221 is read if it comes within this grace; the session
 * does not wait a round trip for it (issue 20: QUIT does not hold the audit) */
#define SD_QUIT_GRACE_MS 5
#define SD_PIPELINE_MAX 64     /* commands in one sd_session_pipeline() group */
/* no byte of greeting this long after connect, on a port other than 465:
 * a TLS handshake on a second connection, beside the wait (implicit TLS?) */
#define SD_IMPLICIT_EARLY_MS 2000
#define SD_IMPLICIT_PROBE_MS 5000  /* that connection's connect and handshake, each */

/* The handshake without SNI prefetched beside the main session. */
typedef struct nosni_job {
	sd_session *f;          /* opened on the main thread, used only by the thread */
	sd_tls_mode mode;       /* the TLS mode it used */
	pthread_t th;
	int threaded;
	int done;               /* joined (or run inline) */
} nosni_job;

struct sd_session {
	sd_target_config cfg;
	sd_transcript *transcript;
	unsigned conn_id;
	sd_conn *conn;
	sd_tls *tls;             /* non-NULL once a handshake succeeded */
	sd_tls *tls_broken;      /* a handshake broken off after the server's certificate */
	const sd_tls_probe *probe; /* set on probe sessions: narrows the handshake */
	int probe_hello_only;      /* ... and stops it at the server's choice */
	sd_tls_ctx *probe_ctx;     /* made once, shared by the probes opened from here */
	sd_tls_ctx *borrowed_ctx;  /* a probe session's: its parent's probe_ctx */
	pthread_mutex_t lock;      /* probes run on several threads */
	const sd_kb *kb;           /* shared, read-only */
	char *software;            /* named by the banner check */
	int tls_attempted;       /* a handshake was started (probe outcome) */
	sd_ehlo *ehlo_plain;     /* EHLO from before STARTTLS */
	char peer[SD_ADDRSTRLEN];
	char local[SD_ADDRSTRLEN];
	char *ehlo_name;
	char **attempts;
	size_t nattempts;

	int connect_tried;
	int tls_found;           /* no greeting in clear, implicit TLS worked: cfg.tls is implicit now */
	int closed;              /* the server is gone or said 421 */
	sd_error err;
	char *errmsg;

	sd_reply **replies;      /* every reply read, freed with the session */
	size_t nreplies;
	const sd_reply *last;
	const sd_reply *greeting;
	sd_ehlo *ehlo;
	int ehlo_tried;

	double phases[SD_PHASE_COUNT];
	double ready_at_ms;        /* connected (and implicit TLS done): the greeting clock starts */
	sd_resolver resolver;      /* --dns-server or resolv.conf, read-only */

	int slot_held;             /* the limiter slot to PEER, released on close */
	char *owner_peer;          /* the parent session's address, for the limiter */
	unsigned backoffs;         /* rate-limit back-offs and their total wait */
	double backoff_waited_ms;
	char *backoff_why;
	unsigned unsolicited;      /* replies that came before their command was sent */
	char *unsolicited_text;    /* the first of them, cleaned for display */
	char waiting[96];          /* the last wait begun, for the run deadline's message */
	int cut_by_root;           /* cut[] is the main session's own wait, not a probe's */
	char cut[96];              /* the first wait that failed once the run's deadline had
				    * passed, this session's or a probe's (under lock) */
	struct sd_session *parent; /* the session a probe session was opened from, or NULL */
	int in_transaction;        /* MAIL accepted, no RSET/EHLO since: QUIT resets it first */
	int quiet;                 /* a failed read is expected (the QUIT grace): no event */
	int prefetch_nosni;        /* sd_session_set_prefetch_without_sni() was called */
	int handshake_only;        /* STARTTLS wanted for the handshake only: no EHLO after it */
	int nosni_tried;           /* the prefetch was started: once per session */
	int implicit_tried;        /* the early implicit-TLS handshake ran and failed */
	const sd_tls_info *borrowed_tls;        /* a detached session's: the main one's handshake */
	const sd_tls_info *borrowed_tls_broken;
	nosni_job *nosni;          /* that handshake, started at connect */
};

/* how long a connection may wait for the limiter (holders are bounded by
 * their own timeouts; this only keeps a pathological queue finite) */
#define SLOT_WAIT_MS (10 * 60 * 1000)

static const char *const error_names[] = {
	[SD_ERR_NONE] = "none",
	[SD_ERR_RESOLVE] = "resolve",
	[SD_ERR_REFUSED] = "refused",
	[SD_ERR_UNREACHABLE] = "unreachable",
	[SD_ERR_TIMEOUT] = "timeout",
	[SD_ERR_RESET] = "reset",
	[SD_ERR_CLOSED] = "closed",
	[SD_ERR_PROTOCOL] = "protocol",
	[SD_ERR_TOO_LONG] = "too_long",
	[SD_ERR_SERVICE_CLOSING] = "service_closing",
	[SD_ERR_IO] = "io",
	[SD_ERR_STATE] = "state",
	[SD_ERR_TLS] = "tls",
	[SD_ERR_NO_STARTTLS] = "no_starttls",
	[SD_ERR_RESOLVER] = "resolver",
};

static const char *const phase_names[SD_PHASE_COUNT] = {
	[SD_PHASE_RESOLVE] = "resolve",
	[SD_PHASE_CONNECT] = "connect",
	[SD_PHASE_GREETING_FIRST] = "greeting_first_byte",
	[SD_PHASE_GREETING] = "greeting",
	[SD_PHASE_EHLO] = "ehlo",
	[SD_PHASE_QUIT] = "quit",
	[SD_PHASE_STARTTLS] = "starttls",
	[SD_PHASE_TLS] = "tls_handshake",
	[SD_PHASE_EHLO_TLS] = "ehlo_tls",
};

/* sd_error_name - stable identifier for an error kind */
const char *sd_error_name(sd_error e)
{
	if ((size_t)e < sizeof(error_names) / sizeof(error_names[0]))
		return error_names[e];
	return "unknown";
}

/* sd_phase_name - stable identifier for a phase */
const char *sd_phase_name(sd_phase p)
{
	return (unsigned)p < SD_PHASE_COUNT ? phase_names[p] : "unknown";
}

/* sd_tls_mode_name - word used in profiles and JSON */
const char *sd_tls_mode_name(sd_tls_mode m)
{
	switch (m) {
	case SD_TLS_STARTTLS:
		return "starttls";
	case SD_TLS_IMPLICIT:
		return "implicit";
	default:
		return "none";
	}
}

/* sd_tls_mode_parse - profile/CLI word to mode */
int sd_tls_mode_parse(const char *s, sd_tls_mode *out)
{
	if (strcmp(s, "none") == 0 || strcmp(s, "plain") == 0)
		*out = SD_TLS_NONE;
	else if (strcmp(s, "starttls") == 0)
		*out = SD_TLS_STARTTLS;
	else if (strcmp(s, "implicit") == 0)
		*out = SD_TLS_IMPLICIT;
	else
		return -1;
	return 0;
}

/* The reference count of an MX list shared by configurations. */
struct sd_mx_shared {
	atomic_size_t refs;
};

/* sd_target_config_copy - deep copy of a target configuration */
void sd_target_config_copy(sd_target_config *dst, const sd_target_config *src)
{
	*dst = *src;
	dst->server = sd_xstrdup(src->server);
	dst->address = src->address != NULL ? sd_xstrdup(src->address) : NULL;
	dst->ehlo_name = src->ehlo_name != NULL ? sd_xstrdup(src->ehlo_name) : NULL;
	dst->ca_file = src->ca_file != NULL ? sd_xstrdup(src->ca_file) : NULL;
	dst->auth_user = src->auth_user != NULL ? sd_xstrdup(src->auth_user) : NULL;
	dst->auth_password = src->auth_password != NULL ? sd_xstrdup(src->auth_password) : NULL;
	dst->dns_servers = src->dns_servers != NULL ? sd_xstrdup(src->dns_servers) : NULL;
	dst->domain = src->domain != NULL ? sd_xstrdup(src->domain) : NULL;
	if (src->mx_shared != NULL) {
		atomic_fetch_add(&src->mx_shared->refs, 1);
		return;
	}
	dst->mx = src->nmx > 0 ? sd_xcalloc(src->nmx, sizeof(*dst->mx)) : NULL;
	for (size_t i = 0; i < src->nmx; i++) {
		dst->mx[i].preference = src->mx[i].preference;
		dst->mx[i].name = sd_xstrdup(src->mx[i].name);
		dst->mx[i].addresses = sd_xstrdup(src->mx[i].addresses);
		dst->mx[i].problem = src->mx[i].problem != NULL ? sd_xstrdup(src->mx[i].problem) : NULL;
	}
}

/* sd_target_config_share_mx - copies of C share its MX list from now on */
void sd_target_config_share_mx(sd_target_config *c)
{
	if (c->mx_shared != NULL)
		return;
	c->mx_shared = sd_xcalloc(1, sizeof(*c->mx_shared));
	atomic_init(&c->mx_shared->refs, 1);
}

/* sd_target_config_clear - free the strings of a configuration */
void sd_target_config_clear(sd_target_config *c)
{
	free(c->server);
	free(c->address);
	free(c->ehlo_name);
	free(c->ca_file);
	free(c->auth_user);
	if (c->auth_password != NULL) {
		explicit_bzero(c->auth_password, strlen(c->auth_password));
		free(c->auth_password);
	}
	free(c->dns_servers);
	free(c->domain);
	if (c->mx_shared == NULL || atomic_fetch_sub(&c->mx_shared->refs, 1) == 1) {
		for (size_t i = 0; i < c->nmx; i++) {
			free(c->mx[i].name);
			free(c->mx[i].addresses);
			free(c->mx[i].problem);
		}
		free(c->mx);
		free(c->mx_shared);
	}
	c->mx_shared = NULL;
	c->mx = NULL;
	c->nmx = 0;
	c->server = c->address = c->ehlo_name = c->ca_file = c->auth_user = c->auth_password = NULL;
	c->dns_servers = c->domain = NULL;
}

/* sd_session_new - a session that has not connected yet */
sd_session *sd_session_new(const sd_target_config *cfg, sd_transcript *transcript)
{
	sd_session *s = sd_xcalloc(1, sizeof(*s));

	sd_target_config_copy(&s->cfg, cfg);
	/* names from the user or from DNS may be absolute ("mail.example."):
	 * SNI must not carry the dot (RFC 6066 3), nor an EHLO name, and the
	 * greeting and certificate are compared with the name without it */
	sd_strip_final_dot(s->cfg.server);
	sd_strip_final_dot(s->cfg.ehlo_name);
	sd_strip_final_dot(s->cfg.domain);
	if (s->cfg.line_max == 0)
		s->cfg.line_max = 8192;
	s->transcript = transcript;
	char *err = NULL;
	if (s->cfg.dns_servers == NULL ||
	    sd_resolver_parse(&s->resolver, s->cfg.dns_servers, s->cfg.dns_timeout_ms, &err) != 0)
		sd_resolver_system(&s->resolver, NULL, s->cfg.dns_timeout_ms);
	free(err);
	pthread_mutex_init(&s->lock, NULL);
	for (int i = 0; i < SD_PHASE_COUNT; i++)
		s->phases[i] = -1;
	return s;
}

static void set_error(sd_session *s, sd_error e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* set_error - record error E with its formatted message on S, naming the wait
 * the run's deadline cut */
static void set_error(sd_session *s, sd_error e, const char *fmt, ...)
{
	va_list ap;

	if (s->cfg.run_deadline > 0 && sd_now_ms() >= s->cfg.run_deadline) {
		/* the wait the run's deadline ended names the phase: the main
		 * session's own when it was waiting (probes and checks running
		 * beside it end at the same instant, and the main session's
		 * phase is the one a reader acts on), else the first probe's */
		sd_session *root = s;
		while (root->parent != NULL)
			root = root->parent;
		pthread_mutex_lock(&root->lock);
		if (root->cut[0] == '\0' || (s == root && !root->cut_by_root)) {
			memcpy(root->cut, s->waiting, sizeof(root->cut));
			root->cut_by_root = s == root;
		}
		pthread_mutex_unlock(&root->lock);
	}
	free(s->errmsg);
	va_start(ap, fmt);
	s->errmsg = sd_vasprintf(fmt, ap);
	va_end(ap);
	s->err = e;
}

static void event(sd_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* event - add the formatted text to S's transcript as an event of its connection */
static void event(sd_session *s, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = sd_vasprintf(fmt, ap);
	va_end(ap);
	sd_transcript_add(s->transcript, s->conn_id, SD_DIR_EVENT, msg, 0);
	free(msg);
}

/* close_conn - close the socket and give the limiter its slot back */
static void close_conn(sd_session *s)
{
	sd_conn_free(s->conn);
	s->conn = NULL;
	if (s->slot_held && s->cfg.limiter != NULL)
		sd_limiter_release(s->cfg.limiter, s->peer);
	s->slot_held = 0;
}

/* drop_connection - close the socket after a fatal error */
static void drop_connection(sd_session *s)
{
	sd_tls_shutdown(s->tls);
	close_conn(s);
	s->closed = 1;
}

static void nosni_free(sd_session *s);
static const sd_reply *keep_reply(sd_session *s, sd_reply *r);
static void nosni_start(sd_session *s);

/* sd_session_free - QUIT, close, free */
void sd_session_free(sd_session *s)
{
	if (s == NULL)
		return;
	nosni_free(s);
	sd_session_quit(s);
	close_conn(s);
	for (size_t i = 0; i < s->nreplies; i++)
		sd_reply_free(s->replies[i]);
	free(s->replies);
	sd_ehlo_free(s->ehlo);
	sd_ehlo_free(s->ehlo_plain);
	sd_tls_free(s->tls);
	sd_tls_free(s->tls_broken);
	for (size_t i = 0; i < s->nattempts; i++)
		free(s->attempts[i]);
	free(s->attempts);
	free(s->ehlo_name);
	free(s->errmsg);
	sd_target_config_clear(&s->cfg);
	sd_tls_ctx_free(s->probe_ctx);
	free(s->software);
	free(s->owner_peer);
	free(s->backoff_why);
	free(s->unsolicited_text);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* sd_session_open_fresh - same target, new connection, shared transcript */
sd_session *sd_session_open_fresh(sd_session *s)
{
	sd_session *f = sd_session_new(&s->cfg, s->transcript);

	f->parent = s;
	if (s->ehlo_name != NULL)
		f->ehlo_name = sd_xstrdup(s->ehlo_name);
	f->kb = s->kb;
	if (s->software != NULL)
		f->software = sd_xstrdup(s->software);
	if (s->slot_held)
		f->owner_peer = sd_xstrdup(s->peer);
	else if (s->owner_peer != NULL)   /* opened from a detached session: the main one's */
		f->owner_peer = sd_xstrdup(s->owner_peer);
	return f;
}

/* sd_session_detach - a session for a check run beside S (engine/runner.c):
 * S's greeting and EHLO from before STARTTLS, its handshake if one was made
 * (read-only), its peer and name, but no connection of
 * its own and never one (the check opens fresh sessions from it); S and
 * its replies must outlive it. Called while S is idle. */
sd_session *sd_session_detach(sd_session *s)
{
	sd_session *f = sd_session_open_fresh(s);
	const sd_ehlo *e = s->ehlo_plain != NULL ? s->ehlo_plain : s->ehlo;

	if (e != NULL)
		f->ehlo = sd_ehlo_parse(e->reply, !e->helo_fallback);
	if (s->greeting != NULL && s->greeting->code > 0) {
		/* the greeting too, for checks that compare names with it */
		char *text = sd_xstrdup("");
		for (size_t i = 0; i < s->greeting->nlines; i++) {
			char *n = sd_asprintf("%s%d%c%s\r\n", text, s->greeting->code,
					      i + 1 < s->greeting->nlines ? '-' : ' ', s->greeting->lines[i]);
			free(text);
			text = n;
		}
		sd_reply *g = sd_reply_parse_text(text, strlen(text));
		free(text);
		if (g != NULL) {
			g->flags = s->greeting->flags;
			g->elapsed_ms = s->greeting->elapsed_ms;
			g->first_byte_ms = s->greeting->first_byte_ms;
			f->greeting = keep_reply(f, g);
		}
	}
	sd_strlcpy(f->peer, s->peer, sizeof(f->peer));
	sd_strlcpy(f->local, s->local, sizeof(f->local));
	/* the handshake made so far (read-only: S keeps it until it is freed) */
	f->borrowed_tls = s->tls != NULL ? sd_tls_get_info(s->tls) : NULL;
	f->borrowed_tls_broken = s->tls_broken != NULL ? sd_tls_get_info(s->tls_broken) : NULL;
	f->connect_tried = 1;
	f->closed = 1;
	return f;
}

/* sd_session_backoffs - how often S backed off, with the time waited and why */
unsigned sd_session_backoffs(const sd_session *s, double *waited_ms, const char **why)
{
	if (waited_ms != NULL)
		*waited_ms = s->backoff_waited_ms;
	if (why != NULL)
		*why = s->backoff_why != NULL ? s->backoff_why : "";
	return s->backoffs;
}

/* until - DEADLINE cut to the run's --deadline; WHAT (printf) names the
 * wait, kept for the message when the run's deadline ends it */
static double until(sd_session *s, double deadline, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* until - DEADLINE cut to the run's --deadline; WHAT (printf) names the
 * wait, kept for the message when the run's deadline ends it */
static double until(sd_session *s, double deadline, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->waiting, sizeof(s->waiting), fmt, ap);
	va_end(ap);
	if (s->cfg.run_deadline > 0 && s->cfg.run_deadline < deadline)
		return s->cfg.run_deadline;
	return deadline;
}

/* within_ms - a timeout of MS cut to what is left of the run's --deadline
 * (at least 1 ms: 0 would mean "no wait" to some callers) */
static int within_ms(sd_session *s, int ms, const char *what)
{
	double now = sd_now_ms(), d = until(s, now + ms, "%s", what);

	if (d >= now + ms)   /* not cut: the timeout as configured, to the millisecond */
		return ms;
	return d - now < 1 ? 1 : (int)(d - now);
}

/* sd_session_waiting - the wait the run's deadline ended first (this
 * session's or a probe's), else the last wait begun; into BUF */
const char *sd_session_waiting(sd_session *s, char *buf, size_t n)
{
	pthread_mutex_lock(&s->lock);
	snprintf(buf, n, "%s", s->cut[0] != '\0' ? s->cut : s->waiting);
	pthread_mutex_unlock(&s->lock);
	return buf;
}

/* sd_run_expired - the run's --deadline has passed */
int sd_run_expired(const sd_target_config *cfg)
{
	return cfg->run_deadline > 0 && sd_now_ms() >= cfg->run_deadline;
}

/* back_off - the server rate-limits us: wait before trying again (the n-th
 * back-off waits backoff_ms * 2^(n-1), with up to a quarter of jitter so
 * that many targets behind one limit do not come back in step); 0 when a
 * retry is allowed, -1 when the retries are used up */
static int back_off(sd_session *s, const char *why)
{
	if (s->cfg.rate_retries <= 0 || s->backoffs >= (unsigned)s->cfg.rate_retries)
		return -1;
	double ms = (double)(s->cfg.backoff_ms > 0 ? s->cfg.backoff_ms : 1000) * (double)(1u << s->backoffs);
	unsigned seed = (unsigned)(uintptr_t)s ^ (unsigned)sd_now_ms();
	ms += ms / 4 * ((double)(rand_r(&seed) % 1000) / 1000.0);
	if (s->cfg.run_deadline > 0) {   /* no back-off past the run's --deadline */
		double left = s->cfg.run_deadline - sd_now_ms();
		(void)until(s, 0, "backing off (rate limited)");
		if (left <= 0)
			return -1;
		if (ms > left)
			ms = left;
	}
	s->backoffs++;
	s->backoff_waited_ms += ms;
	free(s->backoff_why);
	s->backoff_why = sd_xstrdup(why);
	event(s, "rate limited (%s): waiting %.1f s before retry %u of %d", why, ms / 1000.0, s->backoffs,
	      s->cfg.rate_retries);
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)((ms - (double)(time_t)(ms / 1000) * 1000) * 1e6) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	return 0;
}

/* sd_session_set_kb - let S use knowledge base KB for its vendor words */
void sd_session_set_kb(sd_session *s, const sd_kb *kb)
{
	s->kb = kb;
}

/* sd_session_set_software - named by the banner check */
void sd_session_set_software(sd_session *s, const char *software)
{
	free(s->software);
	s->software = software != NULL && *software != '\0' ? sd_xstrdup(software) : NULL;
}

/* sd_session_software - the server software S recognised (NULL when unknown) */
const char *sd_session_software(const sd_session *s)
{
	return s->software;
}

/* sd_diagnose_reply - the knowledge base's kind for REPLY */
const char *sd_diagnose_reply(const sd_session *s, const char *context, const sd_reply *reply)
{
	return sd_kb_classify(s->kb, context, reply);
}

/* sd_session_server - the server name or address S was configured with */
const char *sd_session_server(const sd_session *s)
{
	return s->cfg.server;
}

/* sd_session_port - the port S connects to */
unsigned sd_session_port(const sd_session *s)
{
	return s->cfg.port;
}

/* sd_session_peer - the peer address S is connected to */
const char *sd_session_peer(const sd_session *s)
{
	return s->peer;
}

/* sd_session_local - the local address of S's connection */
const char *sd_session_local(const sd_session *s)
{
	return s->local;
}

/* sd_session_attempts - S's connection attempts, one line each, into *LINES; their count */
size_t sd_session_attempts(const sd_session *s, const char *const **lines)
{
	*lines = (const char *const *)s->attempts;
	return s->nattempts;
}

/* sd_session_error - S's last error, with its message ("no error" when none) in *MESSAGE */
sd_error sd_session_error(const sd_session *s, const char **message)
{
	if (message != NULL)
		*message = s->errmsg != NULL ? s->errmsg : "no error";
	return s->err;
}

/* sd_session_phase_ms - how long phase P took on S in ms (-1 when not reached or out of range) */
double sd_session_phase_ms(const sd_session *s, sd_phase p)
{
	return (unsigned)p < SD_PHASE_COUNT ? s->phases[p] : -1;
}

/* sd_session_last_reply - the last reply S read (NULL before any) */
const sd_reply *sd_session_last_reply(const sd_session *s)
{
	return s->last;
}

/* choose_ehlo_name - profile's name, else an FQDN hostname, else [address] */
static void choose_ehlo_name(sd_session *s)
{
	char host[256];

	if (s->ehlo_name != NULL)
		return;
	if (s->cfg.ehlo_name != NULL && s->cfg.ehlo_name[0] != '\0') {
		s->ehlo_name = sd_xstrdup(s->cfg.ehlo_name);
		return;
	}
	memset(host, 0, sizeof(host)); /* a truncated name leaves the last byte set */
	if (gethostname(host, sizeof(host)) == 0 && host[sizeof(host) - 1] == '\0' &&
	    strchr(host, '.') != NULL && host[strlen(host) - 1] != '.') {
		s->ehlo_name = sd_xstrdup(host);
		return;
	}
	/* RFC 5321 4.1.4: an address literal when no meaningful name exists */
	if (strchr(s->local, ':') != NULL)
		s->ehlo_name = sd_asprintf("[IPv6:%s]", s->local);
	else if (s->local[0] != '\0')
		s->ehlo_name = sd_asprintf("[%s]", s->local);
	else
		s->ehlo_name = sd_xstrdup("[127.0.0.1]");
}

/* sd_session_ehlo_name - the EHLO name S sends: the one in use, else the configured one, else "" */
const char *sd_session_ehlo_name(const sd_session *s)
{
	if (s->ehlo_name != NULL)
		return s->ehlo_name;
	return s->cfg.ehlo_name != NULL ? s->cfg.ehlo_name : "";
}

/* start_tls - handshake on the connected socket; 0 or -1 with the error set */
static int start_tls(sd_session *s, int implicit)
{
	sd_error kind = SD_ERR_TLS;
	char *msg = NULL;
	size_t stale = sd_conn_discard(s->conn);

	if (stale > 0)
		/* bytes sent before the handshake must never be read as if protected */
		event(s, "discarded %zu bytes the server sent before the TLS handshake", stale);
	double deadline = until(s, sd_now_ms() + s->cfg.command_timeout_ms, "in the TLS handshake");
	sd_tls *broken = NULL;
	sd_tls *t = s->probe != NULL
			    ? sd_tls_start_probe(sd_conn_fd(s->conn), s->cfg.server, s->probe, s->borrowed_ctx,
						 s->probe_hello_only, deadline, &kind, &msg)
			    : sd_tls_start(sd_conn_fd(s->conn), s->cfg.server, s->cfg.ca_file, s->cfg.tls_ctx, implicit,
					   deadline, &kind, &msg, &broken);
	if (broken != NULL) {
		sd_tls_free(s->tls_broken);
		s->tls_broken = broken;
	}
	if (t == NULL) {
		set_error(s, kind, "%s", msg);
		event(s, "TLS handshake failed: %s", msg);
		free(msg);
		return -1;
	}
	s->tls = t;
	sd_conn_set_io(s->conn, &sd_tls_io, t);
	const sd_tls_info *i = sd_tls_get_info(t);
	s->phases[SD_PHASE_TLS] = i->handshake_ms;
	event(s, "TLS established: %s %s%s%s", i->version, i->cipher, i->group[0] ? " " : "", i->group);
	return 0;
}

/* dns_problem - why DNS answer A gave no address, in words */
static const char *dns_problem(const sd_dns_answer *a)
{
	switch (a->status) {
	case SD_DNS_NXDOMAIN:
		return "the name does not exist (NXDOMAIN)";
	case SD_DNS_NODATA:
		return "no A or AAAA record";
	default:
		return a->error[0] ? a->error : sd_dns_status_name(a->status);
	}
}

/* sd_dns_addresses - AAAA then A of NAME, comma-separated (an address
 * literal is itself); *problem (malloc'ed) when there are none, *all_ad
 * cleared when an answer was not DNSSEC-validated */
char *sd_dns_addresses(sd_session *s, const char *name, char **problem, int *all_ad)
{
	return sd_dns_addresses_st(s, name, problem, all_ad, NULL);
}

/* sd_dns_addresses_st - sd_dns_addresses; *why_status (when not NULL) the
 * status of the answer *problem describes (SD_DNS_OK when there is none) */
char *sd_dns_addresses_st(sd_session *s, const char *name, char **problem, int *all_ad, sd_dns_status *why_status)
{
	static const sd_dns_type types[] = { SD_DNS_AAAA, SD_DNS_A };
	char *list = sd_xstrdup("");
	unsigned char lit[16];

	*problem = NULL;
	if (why_status != NULL)
		*why_status = SD_DNS_OK;
	if (inet_pton(AF_INET, name, lit) == 1 || inet_pton(AF_INET6, name, lit) == 1) {
		free(list);
		return sd_xstrdup(name);
	}
	for (size_t t = 0; t < 2; t++) {
		sd_dns_answer *a = sd_dns_query(s, name, types[t]);
		for (size_t i = 0; i < a->n; i++) {
			char *n = sd_asprintf("%s%s%s", list, list[0] ? "," : "", a->records[i].target);
			free(list);
			list = n;
		}
		if (a->status == SD_DNS_OK && !a->authenticated)
			*all_ad = 0;
		if (a->status != SD_DNS_OK && a->status != SD_DNS_NODATA && *problem == NULL) {
			*problem = sd_xstrdup(dns_problem(a));
			if (why_status != NULL)
				*why_status = a->status;
		}
		sd_dns_answer_free(a);
	}
	if (list[0] != '\0') {
		free(*problem);
		*problem = NULL;
		if (why_status != NULL)
			*why_status = SD_DNS_OK;
	} else if (*problem == NULL) {
		*problem = sd_xstrdup("no A or AAAA record");
		if (why_status != NULL)
			*why_status = SD_DNS_NODATA;
	}
	return list;
}

/* resolve_own - the server's AAAA and A records through the session's
 * resolver (--dns-server); the addresses found become the session's, so
 * probe connections opened from it do not ask again */
static int resolve_own(sd_session *s, double *ms)
{
	char *why = NULL;
	int ad = 1;
	double t0 = sd_now_ms();
	sd_dns_status st = SD_DNS_OK;
	char *list = sd_dns_addresses_st(s, s->cfg.server, &why, &ad, &st);

	*ms = sd_now_ms() - t0;
	if (list[0] == '\0') {
		/* no server answered (or not usably): the resolver's fault, not
		 * the name's; NXDOMAIN, NODATA and SERVFAIL stay the domain's */
		int resolver = st == SD_DNS_TIMEOUT || st == SD_DNS_NET_ERROR || st == SD_DNS_REFUSED ||
			       st == SD_DNS_BAD_REPLY;
		set_error(s, resolver ? SD_ERR_RESOLVER : SD_ERR_RESOLVE, "cannot resolve '%s' via %s: %s", s->cfg.server, s->resolver.text,
			  why != NULL ? why : "no A or AAAA record");
		event(s, "connect failed: %s", s->errmsg);
		free(list);
		free(why);
		return -1;
	}
	free(why);
	s->cfg.address = list;
	return 0;
}

/* clear_greeting_check - implicit TLS was asked and the handshake failed:
 * one plain connection, a short wait for a line; a server that greets in
 * clear is told in the error (one finding), not left as a TLS failure */
static void clear_greeting_check(sd_session *s)
{
	sd_net_gate gate = { .limiter = s->cfg.limiter, .owner_peer = s->owner_peer, .slot_wait_ms = SLOT_WAIT_MS };
	sd_connect_result res;
	int wait = s->cfg.greeting_timeout_ms < 5000 ? s->cfg.greeting_timeout_ms : 5000;

	if (sd_net_connect(s->cfg.server, s->peer[0] ? s->peer : s->cfg.address, s->cfg.port,
			   s->cfg.connect_timeout_ms, &gate, &res) != 0) {
		sd_connect_result_clear(&res);
		return;
	}
	sd_conn *c = sd_conn_new(res.fd, s->cfg.line_max);
	const char *line;
	size_t len;
	unsigned fl;
	double fb;
	if (sd_conn_read_line(c, sd_now_ms() + wait, &line, &len, &fl, &fb) == 0 && len >= 4 &&
	    strncmp(line, "220", 3) == 0 && (line[3] == ' ' || line[3] == '-')) {
		char *shown = sd_printable(line);
		char *was = sd_xstrdup(s->errmsg != NULL ? s->errmsg : "TLS handshake failed");
		set_error(s, s->err, "%s; but the server greets in clear on port %u (\"%.80s\"): it speaks plain "
			  "SMTP or STARTTLS there, not implicit TLS (use --tls starttls)", was, s->cfg.port, shown);
		event(s, "implicit TLS failed, but a plain connection is greeted: %s", shown);
		free(was);
		free(shown);
	}
	sd_conn_free(c);
	if (res.slot_held && s->cfg.limiter != NULL)
		sd_limiter_release(s->cfg.limiter, res.peer);
	sd_connect_result_clear(&res);
}

/* sd_session_connect - TCP connect once; later calls report the first result */
int sd_session_connect(sd_session *s)
{
	sd_connect_result res;

	if (s->conn != NULL)
		return 0;
	if (s->connect_tried)
		return -1;
	s->connect_tried = 1;
	s->conn_id = sd_transcript_next_conn(s->transcript);
	double resolve_ms = -1;
	if (s->cfg.address == NULL && s->cfg.dns_servers != NULL && resolve_own(s, &resolve_ms) != 0) {
		s->phases[SD_PHASE_RESOLVE] = resolve_ms;
		return -1;
	}
	sd_net_gate gate = { .limiter = s->cfg.limiter, .owner_peer = s->owner_peer,
			     .slot_wait_ms = within_ms(s, SLOT_WAIT_MS, "waiting for a connection slot") };
	int rc;
	while ((rc = sd_net_connect(s->cfg.server, s->cfg.address, s->cfg.port,
				    within_ms(s, s->cfg.connect_timeout_ms, "connecting"), &gate, &res)) != 0 &&
	       res.refused_after_ok && back_off(s, "connection refused by an address that accepted earlier") == 0)
		sd_connect_result_clear(&res);
	if (rc != 0) {
		if (res.refused_after_ok)
			set_error(s, res.err, "%s (rate limiting: this address accepted connections earlier in the run)",
				  res.message != NULL ? res.message : "connect failed");
		else
			set_error(s, res.err, "%s", res.message != NULL ? res.message : "connect failed");
		event(s, "connect failed: %s", s->errmsg);
	} else {
		s->slot_held = res.slot_held;
		s->conn = sd_conn_new(res.fd, s->cfg.line_max);
		sd_strlcpy(s->peer, res.peer, sizeof(s->peer));
		sd_strlcpy(s->local, res.local, sizeof(s->local));
		s->phases[SD_PHASE_CONNECT] = res.connect_ms;
		choose_ehlo_name(s);
		event(s, "connected to %s port %u from %s", s->peer, s->cfg.port, s->local);
	}
	/* the greeting clock starts when the handshake completed (as near to
	 * the event as we measured it), or after implicit TLS */
	s->ready_at_ms = s->conn != NULL ? res.connected_at_ms : sd_now_ms();
	if (s->conn != NULL && s->cfg.tls == SD_TLS_IMPLICIT) {
		if (start_tls(s, 1) != 0) {
			drop_connection(s);
			if (!s->tls_found && s->probe == NULL)
				clear_greeting_check(s);
		} else {
			nosni_start(s);
		}
		s->ready_at_ms = sd_now_ms();
	}
	if (resolve_ms >= 0)
		s->phases[SD_PHASE_RESOLVE] = resolve_ms;
	else if (s->cfg.address == NULL)
		s->phases[SD_PHASE_RESOLVE] = res.resolve_ms;
	for (size_t i = 0; i < s->nattempts; i++)   /* a reconnect after a back-off */
		free(s->attempts[i]);
	free(s->attempts);
	s->attempts = res.attempts;
	s->nattempts = res.nattempts;
	res.attempts = NULL;
	res.nattempts = 0;
	sd_connect_result_clear(&res);
	return s->conn != NULL ? 0 : -1;
}

/* io_verb - what I/O error E did, in words for a message */
static const char *io_verb(sd_error e)
{
	switch (e) {
	case SD_ERR_TIMEOUT:
		return "timed out";
	case SD_ERR_CLOSED:
		return "connection closed by the server";
	case SD_ERR_RESET:
		return "connection reset by the server";
	case SD_ERR_TOO_LONG:
		return "reply line too long";
	default:
		return "I/O error";
	}
}

/* keep_reply - the session owns every reply it hands out */
static const sd_reply *keep_reply(sd_session *s, sd_reply *r)
{
	s->replies = sd_xrealloc(s->replies, (s->nreplies + 1) * sizeof(*s->replies));
	s->replies[s->nreplies++] = r;
	s->last = r;
	return r;
}

/* read_reply - read one complete reply before DEADLINE; START is when the
 * wait began (for elapsed times). NULL when no reply could be read. */
static const sd_reply *read_reply(sd_session *s, double start, double deadline, const char *what)
{
	sd_reply_parser p;
	double first = -1;

	double rx_last;
	size_t rx_before = sd_conn_rx(s->conn, &rx_last);
	/* bytes of this reply: those already buffered when the wait began
	 * plus those received since (rx already counts what is pending) */
	size_t pending_before = sd_conn_pending(s->conn);

	sd_reply_parser_init(&p, SD_REPLY_MAX_LINES);
	for (;;) {
		const char *line;
		size_t len;
		unsigned fl;
		double fb;
		int rc = sd_conn_read_line(s->conn, deadline, &line, &len, &fl, &fb);

		if (rc != 0) {
			int timeout_ms = (int)(deadline - start + 0.5);
			size_t got = sd_conn_rx(s->conn, &rx_last) - rx_before + pending_before;
			double idle = sd_now_ms() - rx_last;
			/* a tarpit trickles its reply: bytes kept coming until the
			 * deadline (the last quarter of the wait, or its last 1.5 s) */
			int arriving = got > 0 && rx_last >= start &&
				       idle <= (timeout_ms / 4 > 1500 ? timeout_ms / 4 : 1500);
			if (rc == SD_ERR_TIMEOUT && first < 0 && fb >= 0)
				first = fb;
			if (rc == SD_ERR_TIMEOUT && first >= 0 && s->greeting == NULL && s->ehlo == NULL)
				s->phases[SD_PHASE_GREETING_FIRST] = first - start;
			if (rc == SD_ERR_TIMEOUT && arriving)
				set_error(s, SD_ERR_TIMEOUT, "no complete reply to %s within %d ms: still arriving "
					  "(%zu bytes so far, the last %.1f s before the deadline)", what, timeout_ms, got,
					  idle / 1000);
			else if (rc == SD_ERR_TIMEOUT)
				set_error(s, SD_ERR_TIMEOUT, "no complete reply to %s within %d ms%s", what,
					  timeout_ms, got > 0 ? " (reply started, never finished)" : "");
			else if (rc == SD_ERR_TOO_LONG)
				set_error(s, SD_ERR_TOO_LONG, "reply to %s has a line longer than %zu bytes",
					  what, s->cfg.line_max);
			else
				set_error(s, (sd_error)rc, "%s while waiting for the reply to %s",
					  io_verb((sd_error)rc), what);
			if (!s->quiet)
				event(s, "%s", s->errmsg);
			sd_reply_parser_clear(&p);
			drop_connection(s);
			return NULL;
		}
		if (first < 0 && fb >= 0)
			first = fb;
		sd_transcript_add(s->transcript, s->conn_id, SD_DIR_SERVER, line, 0);
		sd_parse_status st = sd_reply_parser_feed(&p, line, len, fl);
		if (st == SD_PARSE_OVERFLOW) {
			set_error(s, SD_ERR_TOO_LONG, "reply to %s exceeds %d lines or %d bytes", what,
				  SD_REPLY_HARD_LINES, SD_REPLY_MAX_BYTES);
			event(s, "%s", s->errmsg);
			sd_reply_parser_clear(&p);
			drop_connection(s);
			return NULL;
		}
		if (st == SD_PARSE_DONE)
			break;
	}
	sd_reply *r = sd_reply_parser_take(&p);
	double now = sd_now_ms();
	r->elapsed_ms = now - start;
	r->first_byte_ms = (first >= 0 ? first : now) - start;
	keep_reply(s, r);
	if (r->code == 0) {
		char *shown = sd_printable(r->nlines > 0 ? r->lines[0] : "");
		set_error(s, SD_ERR_PROTOCOL, "reply to %s is not SMTP: \"%.80s\"", what, shown);
		free(shown);
		drop_connection(s);
	} else if (r->code == 421) {
		set_error(s, SD_ERR_SERVICE_CLOSING,
			  "server answered 421 to %s (service not available, closing channel): %.200s",
			  what, r->nlines > 0 ? r->lines[0] : "");
		drop_connection(s);
	}
	return r;
}

/* usable - 0 when the session can talk, else -1 with the error kept */
static int usable(sd_session *s, const char *what)
{
	if (s->conn != NULL)
		return 0;
	if (s->closed) {
		if (s->err == SD_ERR_NONE)
			set_error(s, SD_ERR_CLOSED, "connection already closed; cannot send %s", what);
		return -1;
	}
	return sd_session_connect(s);
}

/* The early implicit-TLS handshake, on a thread beside the greeting wait. */
typedef struct implicit_job {
	sd_session *f;
	pthread_t th;
	pthread_mutex_t lock;
	int done, ok;
} implicit_job;

/* implicit_run - thread body: connect with implicit TLS, the handshake only */
static void *implicit_run(void *arg)
{
	implicit_job *j = arg;
	int ok = sd_session_connect(j->f) == 0 && j->f->tls != NULL;

	pthread_mutex_lock(&j->lock);
	j->ok = ok;
	j->done = 1;
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

/* early_implicit - while no byte of the greeting has come SD_IMPLICIT_EARLY_MS
 * after START, one TLS handshake on a second connection beside the wait
 * (RFC 8314 3.3 implicit TLS on a port other than 465 waits for our
 * ClientHello, and we would wait the whole greeting timeout for it). 1 when
 * it worked before any greeting byte came: the caller goes over to
 * implicit TLS; 0 to read the greeting as usual */
static int early_implicit(sd_session *s, double start, double deadline)
{
	struct pollfd pfd = { .fd = sd_conn_fd(s->conn), .events = POLLIN };
	double at = start + SD_IMPLICIT_EARLY_MS;
	double now = sd_now_ms();

	if (at >= deadline || sd_conn_pending(s->conn) > 0)
		return 0;
	if (at > now && poll(&pfd, 1, (int)(at - now + 1)) != 0)
		return 0;   /* the greeting began (or the connection failed): read it */
	implicit_job j = { 0 };
	j.f = sd_session_open_fresh(s);
	j.f->cfg.tls = SD_TLS_IMPLICIT;
	j.f->tls_found = 1;        /* no clear-greeting check on this handshake */
	j.f->handshake_only = 1;
	/* within what is left of the greeting's wait, and 5 s at the most */
	int cap = deadline - sd_now_ms() < SD_IMPLICIT_PROBE_MS ? (int)(deadline - sd_now_ms()) + 1 : SD_IMPLICIT_PROBE_MS;
	if (j.f->cfg.connect_timeout_ms > cap)
		j.f->cfg.connect_timeout_ms = cap;
	if (j.f->cfg.command_timeout_ms > cap)
		j.f->cfg.command_timeout_ms = cap;
	pthread_mutex_init(&j.lock, NULL);
	if (pthread_create(&j.th, NULL, implicit_run, &j) != 0) {
		pthread_mutex_destroy(&j.lock);
		sd_session_free(j.f);
		return 0;
	}
	event(s, "no greeting on port %u after %.0f s: a TLS handshake on a second connection, beside the wait "
		 "(implicit TLS?)", s->cfg.port, SD_IMPLICIT_EARLY_MS / 1000.0);
	int done = 0, ok = 0, spoke = 0;
	while (!done && !spoke) {
		now = sd_now_ms();
		if (now >= deadline)
			break;
		spoke = poll(&pfd, 1, deadline - now < 20 ? (int)(deadline - now) + 1 : 20) != 0;
		pthread_mutex_lock(&j.lock);
		done = j.done;
		ok = j.ok;
		pthread_mutex_unlock(&j.lock);
	}
	pthread_join(j.th, NULL);   /* bounded: SD_IMPLICIT_PROBE_MS for connect and handshake */
	ok = j.ok;
	pthread_mutex_destroy(&j.lock);
	drop_connection(j.f);       /* no QUIT before a greeting was read */
	sd_session_free(j.f);
	if (ok && !spoke && poll(&pfd, 1, 0) == 0)
		return 1;
	if (!ok)
		s->implicit_tried = 1;   /* no need to try it again at the timeout */
	return 0;
}

/* try_implicit - no byte of a greeting arrived: one TLS handshake on a
 * fresh connection (implicit TLS, RFC 8314 3.3, on a port other than 465);
 * when it works, the session goes on over TLS and later connections too */
static const sd_reply *try_implicit(sd_session *s)
{
	sd_error err = s->err;
	char *msg = sd_xstrdup(s->errmsg != NULL ? s->errmsg : "");
	sd_tls_mode asked = s->cfg.tls;

	event(s, "no greeting on port %u: one TLS handshake on a fresh connection (implicit TLS?)", s->cfg.port);
	close_conn(s);
	s->closed = 0;
	s->connect_tried = 0;
	s->cfg.tls = SD_TLS_IMPLICIT;
	s->tls_found = 1;               /* no clear-greeting check on this handshake */
	if (sd_session_connect(s) == 0 && s->conn != NULL && s->tls != NULL) {
		double start = s->ready_at_ms;
		const sd_reply *r = read_reply(s, start, start + s->cfg.greeting_timeout_ms,
					       "the connection (greeting over implicit TLS)");
		if (r != NULL && r->code / 100 == 2) {
			event(s, "implicit TLS found on port %u", s->cfg.port);
			free(msg);
			return r;
		}
	}
	/* not implicit TLS either: the first failure stands */
	if (s->conn != NULL)
		drop_connection(s);
	sd_tls_free(s->tls);
	s->tls = NULL;
	s->tls_found = 0;
	s->cfg.tls = asked;
	s->closed = 1;
	set_error(s, err, "%s", msg);
	free(msg);
	return NULL;
}

/* sd_session_greeting - read the 220 (or whatever the server says first) */
const sd_reply *sd_session_greeting(sd_session *s)
{
	if (s->greeting != NULL)
		return s->greeting;
	if (s->conn == NULL && sd_session_connect(s) != 0)
		return NULL;
	if (s->conn == NULL)
		return NULL;
	/* the server started talking when the connection was made, not when
	 * the first check asked: a greeting read later is still timed from
	 * there (and its timeout runs from there too) */
	double start = s->ready_at_ms;
	const sd_reply *r = NULL;
	if (s->cfg.tls != SD_TLS_IMPLICIT && s->cfg.port != 465 && s->probe == NULL && !s->handshake_only &&
	    s->parent == NULL &&
	    early_implicit(s, start, until(s, start + s->cfg.greeting_timeout_ms, "waiting for the greeting"))) {
		/* what stands if the implicit TLS connection fails after all */
		set_error(s, SD_ERR_TIMEOUT, "no greeting in clear after %d ms; a TLS handshake works on this port, "
			  "but no SMTP greeting came over TLS either: not an SMTP service (HTTPS?)",
			  SD_IMPLICIT_EARLY_MS);
		r = try_implicit(s);
	}
	else
		r = read_reply(s, start, until(s, start + s->cfg.greeting_timeout_ms, "waiting for the greeting"),
			       "the connection (greeting)");
	while (r != NULL && r->code == 421 && s->cfg.rate_retries > 0) {
		const char *kind = sd_diagnose_reply(s, "greeting", r);
		if (kind == NULL || strcmp(kind, "smtp.rate_limited") != 0)
			break;
		char *why = sd_asprintf("421 greeting: %.200s", r->nlines > 0 ? r->lines[0] : "");
		int again = back_off(s, why) == 0;
		free(why);
		if (!again)
			break;
		close_conn(s);
		sd_tls_free(s->tls);          /* implicit TLS: a new handshake follows */
		s->tls = NULL;
		s->closed = 0;
		s->connect_tried = 0;
		if (sd_session_connect(s) != 0 || s->conn == NULL)
			return NULL;
		start = s->ready_at_ms;
		r = read_reply(s, start, until(s, start + s->cfg.greeting_timeout_ms, "waiting for the greeting"),
			       "the connection (greeting)");
	}
	if (r == NULL && s->err == SD_ERR_TIMEOUT && s->phases[SD_PHASE_GREETING_FIRST] < 0 &&
	    s->cfg.tls != SD_TLS_IMPLICIT && s->cfg.port != 465 && s->probe == NULL && !s->handshake_only &&
	    !s->implicit_tried && !s->tls_found)
		r = try_implicit(s);
	if (r == NULL)
		return NULL;
	s->greeting = r;
	s->phases[SD_PHASE_GREETING_FIRST] = r->first_byte_ms;
	s->phases[SD_PHASE_GREETING] = r->elapsed_ms;
	/* a server that greets is one STARTTLS will be asked of: the handshake
	 * without SNI starts now, beside (it stops after EHLO if STARTTLS is
	 * not offered) */
	if (r->code / 100 == 2 && s->cfg.tls == SD_TLS_STARTTLS)
		nosni_start(s);
	return r;
}

/* unsolicited_check - bytes the server sent after its last reply and before
 * this command are an answer to nothing: record them and drop them, so the
 * next reply read is the one to this command (we never pipeline) */
static void unsolicited_check(sd_session *s, const char *line)
{
	const char *data;
	size_t n = sd_conn_peek(s->conn, &data);
	int verb = (int)strcspn(line, " ");
	char text[121];
	size_t k = 0;

	if (n == 0)
		return;
	for (size_t i = 0; i < n && k + 1 < sizeof(text) && data[i] != '\r' && data[i] != '\n'; i++)
		text[k++] = data[i] >= 0x20 && data[i] < 0x7f ? data[i] : '?';
	text[k] = '\0';
	sd_transcript_add(s->transcript, s->conn_id, SD_DIR_SERVER, text, 0);
	if (s->unsolicited++ == 0)
		s->unsolicited_text = sd_asprintf("\"%s\" (%zu bytes, before %.*s)", text, n, verb, line);
	event(s, "discarded %zu bytes the server sent before we sent %.*s", n, verb, line);
	sd_conn_discard(s->conn);
}

/* sd_session_unsolicited - how many times the server sent data nobody asked
 * for, and the first such text */
unsigned sd_session_unsolicited(const sd_session *s, const char **first)
{
	if (first != NULL)
		*first = s->unsolicited_text != NULL ? s->unsolicited_text : "";
	return s->unsolicited;
}

/* peer_closed - the server closed the connection (its FIN is waiting, no
 * byte before it): a command sent now would only draw a reset */
static int peer_closed(sd_session *s)
{
	char c;

	if (s->conn == NULL || sd_conn_pending(s->conn) > 0)
		return 0;
	return recv(sd_conn_fd(s->conn), &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* send_line - write a command line; 0 or -1 */
static int send_line(sd_session *s, const char *line, int secret)
{
	char buf[SD_COMMAND_MAX + 3];
	size_t n = strlen(line);

	if (n > SD_COMMAND_MAX || strpbrk(line, "\r\n") != NULL) {
		set_error(s, SD_ERR_STATE, "refusing to send a command longer than %d bytes or with a line break",
			  SD_COMMAND_MAX);
		return -1;
	}
	memcpy(buf, line, n);
	memcpy(buf + n, "\r\n", 2);
	unsolicited_check(s, line);
	if (peer_closed(s)) {
		/* said as it happened: writing would race the server's reset */
		set_error(s, SD_ERR_CLOSED, "connection closed by the server before %.*s was sent",
			  (int)strcspn(line, " "), line);
		event(s, "%s", s->errmsg);
		drop_connection(s);
		return -1;
	}
	sd_transcript_add(s->transcript, s->conn_id, SD_DIR_CLIENT, line, secret);
	int rc = sd_conn_write(s->conn, buf, n + 2, until(s, sd_now_ms() + s->cfg.command_timeout_ms,
							 "sending %.*s", (int)strcspn(line, " "), line));
	if (rc != 0) {
		set_error(s, (sd_error)rc, "%s while sending %.*s", io_verb((sd_error)rc),
			  (int)strcspn(line, " "), line);
		event(s, "%s", s->errmsg);
		drop_connection(s);
		return -1;
	}
	return 0;
}

/* note_transaction - keep track of an open mail transaction (RFC 5321
 * 3.3: MAIL opens it; RSET, EHLO/HELO and the end of DATA close it), so
 * that QUIT can reset one a check left open */
static void note_transaction(sd_session *s, const char *line, const sd_reply *r)
{
	if (r == NULL)
		return;
	if (strncasecmp(line, "MAIL ", 5) == 0 && r->code / 100 == 2)
		s->in_transaction = 1;
	else if (strncasecmp(line, "RSET", 4) == 0 || strncasecmp(line, "EHLO", 4) == 0 ||
		 strncasecmp(line, "HELO", 4) == 0)
		s->in_transaction = 0;
}

/* command - send LINE and read its reply */
static const sd_reply *command_as(sd_session *s, const char *line, const char *what, int secret)
{
	if (usable(s, what) != 0)
		return NULL;
	double start = sd_now_ms();
	if (send_line(s, line, secret) != 0)
		return NULL;
	const sd_reply *r = read_reply(s, start, until(s, start + s->cfg.command_timeout_ms,
							"waiting for the reply to %s", what), what);
	note_transaction(s, line, r);
	return r;
}

/* command - send LINE (WHAT names it in errors) and read its reply; NULL on failure */
static const sd_reply *command(sd_session *s, const char *line, const char *what)
{
	return command_as(s, line, what, 0);
}

/* pipelines_after - may a command with verb LINE be followed by others in
 * one group? RFC 2920 3.1: EHLO, DATA, VRFY, EXPN, TURN, QUIT and NOOP
 * only come last (and STARTTLS, AUTH, BDAT change what follows) */
static int pipelines_after(const char *line)
{
	static const char *const last_only[] = { "EHLO", "HELO", "DATA", "VRFY", "EXPN", "TURN", "QUIT",
						 "NOOP", "STARTTLS", "AUTH", "BDAT", NULL };
	size_t n = strcspn(line, " ");

	for (const char *const *v = last_only; *v != NULL; v++)
		if (strlen(*v) == n && strncasecmp(line, *v, n) == 0)
			return 0;
	return 1;
}

/* sd_session_pipeline - RFC 2920: CMDS in one write, replies in order */
size_t sd_session_pipeline(sd_session *s, const char *const *cmds, size_t n, const sd_reply **replies)
{
	char *buf;
	size_t len = 0, got = 0;

	for (size_t i = 0; i < n; i++)
		replies[i] = NULL;
	if (n == 0)
		return 0;
	if (n > SD_PIPELINE_MAX) {
		set_error(s, SD_ERR_STATE, "refusing to pipeline %zu commands (at most %d)", n, SD_PIPELINE_MAX);
		return 0;
	}
	for (size_t i = 0; i + 1 < n; i++)
		if (!pipelines_after(cmds[i])) {
			set_error(s, SD_ERR_STATE, "%.*s may only be the last command of a pipelined group (RFC 2920)",
				  (int)strcspn(cmds[i], " "), cmds[i]);
			return 0;
		}
	if (s->greeting == NULL && sd_session_greeting(s) == NULL)
		return 0;
	const sd_ehlo *e = sd_session_ehlo(s);
	if (e == NULL || sd_ehlo_find(e, "PIPELINING") == NULL) {
		/* not offered: one command, one reply */
		for (got = 0; got < n; got++) {
			char *verb = sd_xstrndup(cmds[got], strcspn(cmds[got], " "));
			replies[got] = command(s, cmds[got], verb);
			free(verb);
			if (replies[got] == NULL)
				break;
		}
		return got;
	}
	if (usable(s, "the pipelined commands") != 0)
		return 0;
	buf = sd_xcalloc(1, n * (SD_COMMAND_MAX + 2));
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(cmds[i]);
		if (k > SD_COMMAND_MAX || strpbrk(cmds[i], "\r\n") != NULL) {
			set_error(s, SD_ERR_STATE, "refusing to send a command longer than %d bytes or with a line "
				  "break", SD_COMMAND_MAX);
			free(buf);
			return 0;
		}
		if (i == 0)
			unsolicited_check(s, cmds[0]);
		sd_transcript_add(s->transcript, s->conn_id, SD_DIR_CLIENT, cmds[i], 0);
		memcpy(buf + len, cmds[i], k);
		memcpy(buf + len + k, "\r\n", 2);
		len += k + 2;
	}
	double start = sd_now_ms();
	int rc = sd_conn_write(s->conn, buf, len, until(s, start + s->cfg.command_timeout_ms,
							   "sending pipelined commands"));
	free(buf);
	if (rc != 0) {
		set_error(s, (sd_error)rc, "%s while sending pipelined commands", io_verb((sd_error)rc));
		event(s, "%s", s->errmsg);
		drop_connection(s);
		return 0;
	}
	for (got = 0; got < n && s->conn != NULL; got++) {
		char *verb = sd_xstrndup(cmds[got], strcspn(cmds[got], " "));
		/* each reply within the command timeout of the one before it */
		double t = sd_now_ms();
		replies[got] = read_reply(s, start, until(s, t + s->cfg.command_timeout_ms,
							  "waiting for the reply to %s", verb), verb);
		free(verb);
		if (replies[got] == NULL)
			break;
		note_transaction(s, cmds[got], replies[got]);
	}
	return got;
}

/* sd_session_command - one command, one reply; the greeting comes first, so
 * it can never be taken for the reply to the command */
const sd_reply *sd_session_command(sd_session *s, const char *fmt, ...)
{
	va_list ap;
	char *line, *verb;
	const sd_reply *r;

	if (s->greeting == NULL && sd_session_greeting(s) == NULL)
		return NULL;
	va_start(ap, fmt);
	line = sd_vasprintf(fmt, ap);
	va_end(ap);
	verb = sd_xstrndup(line, strcspn(line, " "));
	r = command(s, line, verb);
	free(verb);
	free(line);
	return r;
}

/* sd_session_send_message - after 354: the message, dot-stuffed, then "." */
const sd_reply *sd_session_send_message(sd_session *s, const char *message)
{
	if (usable(s, "the message") != 0)
		return NULL;
	size_t len = strlen(message), cap = len + len / 8 + 8, n = 0, lines = 0;
	char *buf = sd_xrealloc(NULL, cap);
	int bol = 1;

	/* RFC 5321 4.5.2: a line starting with '.' gets one more; every line
	 * ends in CRLF whatever the input used; then CRLF.CRLF */
	for (const char *p = message; *p != '\0'; p++) {
		if (n + 4 > cap) {
			cap *= 2;
			buf = sd_xrealloc(buf, cap);
		}
		if (bol && *p == '.')
			buf[n++] = '.';
		bol = 0;
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n' || *p == '\r') {
			buf[n++] = '\r';
			buf[n++] = '\n';
			bol = 1;
			lines++;
			continue;
		}
		buf[n++] = *p;
	}
	if (n + 8 > cap)
		buf = sd_xrealloc(buf, cap = n + 8);
	if (!bol) {
		buf[n++] = '\r';
		buf[n++] = '\n';
		lines++;
	}
	memcpy(buf + n, ".\r\n", 3);
	n += 3;
	event(s, "message sent: %zu lines, %zu bytes (not shown)", lines, n);
	double start = sd_now_ms();
	int rc = sd_conn_write(s->conn, buf, n, until(s, start + s->cfg.command_timeout_ms, "sending the message"));
	free(buf);
	if (rc != 0) {
		set_error(s, (sd_error)rc, "%s while sending the message", io_verb((sd_error)rc));
		drop_connection(s);
		return NULL;
	}
	sd_transcript_add(s->transcript, s->conn_id, SD_DIR_CLIENT, ".", 0);
	/* RFC 5321 4.5.3.2.6 allows 10 minutes for the end-of-data reply (content
	 * filters run now); give three command timeouts, at most that */
	double limit = 3.0 * s->cfg.command_timeout_ms;
	if (limit > 600000)
		limit = 600000;
	const sd_reply *r = read_reply(s, start, until(s, start + limit, "waiting for the reply to the end of data"),
				       "end of data");
	if (r != NULL)
		s->in_transaction = 0;   /* RFC 5321 4.1.1.4: the end of data ends the transaction */
	return r;
}

/* sd_session_command_secret - a line the transcript must not show */
const sd_reply *sd_session_command_secret(sd_session *s, const char *line)
{
	if (s->greeting == NULL && sd_session_greeting(s) == NULL)
		return NULL;
	return command_as(s, line, "AUTH", 1);
}

/* sd_session_credentials - what --auth-user / the password source gave */
int sd_session_credentials(const sd_session *s, const char **user, const char **password)
{
	*user = s->cfg.auth_user;
	*password = s->cfg.auth_password;
	return s->cfg.auth_user != NULL && s->cfg.auth_password != NULL;
}

/* sd_session_ehlo - EHLO; HELO if EHLO is refused with 5xx */
const sd_ehlo *sd_session_ehlo(sd_session *s)
{
	if (s->ehlo != NULL)
		return s->ehlo;
	if (s->ehlo_tried) {
		if (s->err == SD_ERR_NONE)
			set_error(s, SD_ERR_STATE, "EHLO already failed");
		return NULL;
	}
	s->ehlo_tried = 1;
	const sd_reply *g = sd_session_greeting(s);
	if (g == NULL || s->conn == NULL)
		return NULL;
	if (g->code != 220) {
		set_error(s, SD_ERR_STATE, "server did not accept the session (greeting %d); EHLO not sent",
			  g->code);
		return NULL;
	}
	choose_ehlo_name(s);

	char *line = sd_asprintf("EHLO %s", s->ehlo_name);
	const sd_reply *r = command(s, line, "EHLO");
	free(line);
	if (r == NULL)
		return NULL;
	sd_phase ph = s->tls != NULL && !sd_tls_get_info(s->tls)->implicit ? SD_PHASE_EHLO_TLS : SD_PHASE_EHLO;
	s->phases[ph] = r->elapsed_ms;
	if (r->code == 250) {
		s->ehlo = sd_ehlo_parse(r, 1);
		return s->ehlo;
	}
	if (r->code == 0) {   /* not a reply: "2x0", "99", text without a code */
		set_error(s, SD_ERR_PROTOCOL, "EHLO answered with something that is not an SMTP reply "
			  "(no three-digit code): \"%.200s\"", r->nlines ? r->lines[0] : "");
		return NULL;
	}
	if (r->code / 100 != 5) {
		if (s->err == SD_ERR_NONE || r->code != 421)
			set_error(s, r->code == 421 ? SD_ERR_SERVICE_CLOSING : SD_ERR_STATE,
				  "EHLO answered %d %.200s", r->code, r->nlines ? r->lines[0] : "");
		return NULL;
	}
	/* RFC 5321 3.2: a server without ESMTP refuses EHLO; try HELO */
	const sd_reply *refusal = r;
	line = sd_asprintf("HELO %s", s->ehlo_name);
	r = command(s, line, "HELO");
	free(line);
	if (r == NULL)
		return NULL;
	s->phases[ph] = r->elapsed_ms;
	if (r->code != 250) {
		set_error(s, r->code == 421 ? SD_ERR_SERVICE_CLOSING : SD_ERR_STATE,
			  "EHLO answered %d and HELO %d %.200s", refusal->code, r->code,
			  r->nlines ? r->lines[0] : "");
		return NULL;
	}
	s->ehlo = sd_ehlo_parse(r, 0); /* HELO replies carry no capabilities */
	s->ehlo->helo_fallback = 1;
	s->ehlo->ehlo_refusal = refusal;
	return s->ehlo;
}

/* sd_session_tls_mode - the mode asked for, or "implicit" once found */
const char *sd_session_tls_mode(const sd_session *s)
{
	return sd_tls_mode_name(s->cfg.tls);
}

/* sd_session_port_answer - one connection to PORT of the same host (the
 * address that was tried): greeting and EHLO, implicit TLS on 465; how it
 * answered in OUT; 0 when an SMTP greeting came, else -1 */
int sd_session_port_answer(sd_session *s, unsigned port, char *out, size_t len)
{
	sd_target_config c;

	sd_target_config_copy(&c, &s->cfg);
	c.port = port;
	c.tls = port == 465 ? SD_TLS_IMPLICIT : SD_TLS_NONE;
	c.rate_retries = 0;
	if (c.connect_timeout_ms > 5000)
		c.connect_timeout_ms = 5000;
	if (c.greeting_timeout_ms > 10000)
		c.greeting_timeout_ms = 10000;
	if (c.command_timeout_ms > 10000)
		c.command_timeout_ms = 10000;
	sd_session *f = sd_session_new(&c, s->transcript);
	sd_target_config_clear(&c);
	f->kb = s->kb;
	int rc = -1;
	if (sd_session_connect(f) != 0) {
		snprintf(out, len, "%s", f->err == SD_ERR_REFUSED ? "is refused" : f->err == SD_ERR_TIMEOUT
				? "times out" : f->err == SD_ERR_UNREACHABLE ? "is unreachable"
				: port == 465 ? "answers, but no TLS handshake" : "fails");
	} else if (sd_session_greeting(f) == NULL || f->greeting->code != 220) {
		snprintf(out, len, "accepts the connection but sends no SMTP greeting");
	} else {
		const sd_ehlo *e = sd_session_ehlo(f);
		rc = 0;
		if (port == 465)
			snprintf(out, len, "answers with implicit TLS");
		else if (e != NULL && sd_ehlo_find(e, "STARTTLS") != NULL)
			snprintf(out, len, "answers with STARTTLS");
		else
			snprintf(out, len, "answers, without STARTTLS");
	}
	sd_session_free(f);
	return rc;
}

/* sd_session_tls_found - 1 when no greeting came in clear and implicit TLS worked */
int sd_session_tls_found(const sd_session *s)
{
	return s->tls_found;
}

/* sd_session_tls - handshake description, or NULL while plain */
const sd_tls_info *sd_session_tls(const sd_session *s)
{
	return s->tls != NULL ? sd_tls_get_info(s->tls) : s->borrowed_tls;
}

/* sd_session_tls_broken - a handshake the server ended after its certificate */
const sd_tls_info *sd_session_tls_broken(const sd_session *s)
{
	return s->tls_broken != NULL ? sd_tls_get_info(s->tls_broken) : s->borrowed_tls_broken;
}

/* sd_session_ehlo_plain - EHLO from before STARTTLS */
const sd_ehlo *sd_session_ehlo_plain(const sd_session *s)
{
	return s->ehlo_plain;
}

/* sd_session_starttls - RFC 3207: STARTTLS, 220, handshake, EHLO again */
int sd_session_starttls(sd_session *s)
{
	if (s->tls != NULL)
		return 0;
	const sd_ehlo *e = sd_session_ehlo(s);
	if (e == NULL)
		return -1;
	if (sd_ehlo_find(e, "STARTTLS") == NULL) {
		set_error(s, SD_ERR_STATE, "STARTTLS is not advertised in the EHLO reply");
		return -1;
	}
	nosni_start(s);   /* the server offers STARTTLS: the handshake without SNI, beside */
	const sd_reply *r = command(s, "STARTTLS", "STARTTLS");
	if (r == NULL)
		return -1;
	s->phases[SD_PHASE_STARTTLS] = r->elapsed_ms;
	if (r->code != 220) {
		/* judged by the code only: the text after 220 varies by server */
		if (r->code != 421)
			set_error(s, SD_ERR_STATE, "STARTTLS refused: %d %.200s", r->code,
				  r->nlines ? r->lines[0] : "");
		return -1;
	}
	s->tls_attempted = 1;
	if (start_tls(s, 0) != 0) {
		drop_connection(s);
		return -1;
	}
	if (s->probe != NULL || s->handshake_only)
		return 0; /* a probe only wanted the handshake */
	/* RFC 3207 4.2: forget everything learned before; EHLO again */
	s->ehlo_plain = s->ehlo;
	s->ehlo = NULL;
	s->ehlo_tried = 0;
	return sd_session_ehlo(s) != NULL ? 0 : -1;
}

/* probe_outcome - fill OUT from a failed probe session F */
static void probe_outcome(sd_session *f, sd_tls_probe_result *out)
{
	const char *msg;
	const sd_reply *last = sd_session_last_reply(f);

	out->error = sd_session_error(f, &msg);
	snprintf(out->message, sizeof(out->message), "%s", msg);
	/* the target answered before, so a refusal or a 421 now is the server
	 * limiting us, never an answer about TLS */
	out->rate_limited = out->error == SD_ERR_REFUSED || out->error == SD_ERR_SERVICE_CLOSING ||
			    (last != NULL && last->code == 421);
	out->refused_by_server = f->tls_attempted && (out->error == SD_ERR_TLS);
	/* EHLO answered, but STARTTLS was missing from it or refused: this
	 * connection never got to a ClientHello (an inconsistent node behind
	 * a load balancer, or a server that offers TLS only sometimes) */
	if (!f->tls_attempted && !out->rate_limited && f->cfg.tls == SD_TLS_STARTTLS && f->ehlo != NULL &&
	    out->error == SD_ERR_STATE)
		out->error = SD_ERR_NO_STARTTLS;
}

/* tls_probe - one narrowed handshake on a fresh connection */
static int tls_probe(sd_session *s, const sd_tls_probe *probe, int hello_only, sd_tls_probe_result *out)
{
	sd_session *f = sd_session_open_fresh(s);
	int rc = 0;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->lock);
	if (s->probe_ctx == NULL)
		s->probe_ctx = sd_tls_probe_ctx_new(); /* NULL: each probe makes its own */
	f->borrowed_ctx = s->probe_ctx;
	pthread_mutex_unlock(&s->lock);
	f->probe = probe;
	f->probe_hello_only = hello_only;
	if (f->cfg.tls == SD_TLS_IMPLICIT) {
		f->tls_attempted = 1;
		if (sd_session_connect(f) != 0)
			rc = -1;
	} else if (sd_session_starttls(f) != 0) {
		rc = -1;
	}
	if (rc == 0 && f->tls != NULL) {
		const sd_tls_info *i = sd_tls_get_info(f->tls);
		out->accepted = 1;
		out->version = i->version_number;
		snprintf(out->cipher, sizeof(out->cipher), "%s", i->cipher);
		snprintf(out->group, sizeof(out->group), "%s", i->group);
	} else {
		probe_outcome(f, out);
	}
	/* no QUIT: it would cost a round trip per probe and, after a stopped
	 * handshake, there is no usable TLS channel to send it on */
	drop_connection(f);
	sd_session_free(f);
	/* a clean "no" from the server is a result, not a failure to probe */
	return out->accepted || out->refused_by_server ? 0 : -1;
}

/* sd_session_tls_probe - a complete narrowed handshake */
int sd_session_tls_probe(sd_session *s, const sd_tls_probe *probe, sd_tls_probe_result *out)
{
	return tls_probe(s, probe, 0, out);
}

/* sd_session_tls_hello_probe - stop at the server's choice */
int sd_session_tls_hello_probe(sd_session *s, const sd_tls_probe *probe, sd_tls_probe_result *out)
{
	return tls_probe(s, probe, 1, out);
}

/* weak_once - one weakness-probe connection (issue 25); RESUME (or NULL)
 * is offered; *KEEP (if KEEP) gets the session for a later resumption */
static int weak_once(sd_session *s, const sd_tls_weak_probe *probe, void *resume, void **keep, sd_tls_weak_result *out)
{
	sd_session *f = sd_session_open_fresh(s);
	sd_tls_weak *t = NULL;
	int implicit = f->cfg.tls == SD_TLS_IMPLICIT;
	int rc = -1;

	if (implicit)
		f->cfg.tls = SD_TLS_NONE; /* the handshake below is ours */
	if (!implicit) {
		const sd_ehlo *e = sd_session_ehlo(f);
		if (e == NULL)
			goto fail;
		if (sd_ehlo_find(e, "STARTTLS") == NULL) {
			set_error(f, SD_ERR_NO_STARTTLS, "STARTTLS is not advertised in the EHLO reply");
			goto fail;
		}
		/* STARTTLS and the injected line in one write: what a man in the
		 * middle would add to the plain-text part of the stream */
		char buf[2 * (SD_COMMAND_MAX + 2) + 1];
		const char *inj = probe->inject;
		if (inj != NULL && (strlen(inj) > SD_COMMAND_MAX || strpbrk(inj, "\r\n") != NULL)) {
			set_error(f, SD_ERR_STATE, "refusing to inject a line longer than %d bytes or with a line break",
				  SD_COMMAND_MAX);
			goto fail;
		}
		int n = snprintf(buf, sizeof(buf), "STARTTLS\r\n%s%s", inj != NULL ? inj : "", inj != NULL ? "\r\n" : "");
		unsolicited_check(f, "STARTTLS");
		sd_transcript_add(f->transcript, f->conn_id, SD_DIR_CLIENT, "STARTTLS", 0);
		if (inj != NULL)
			sd_transcript_add(f->transcript, f->conn_id, SD_DIR_CLIENT, inj, 0);
		double start = sd_now_ms();
		int w = sd_conn_write(f->conn, buf, (size_t)n, start + f->cfg.command_timeout_ms);
		if (w != 0) {
			set_error(f, (sd_error)w, "%s while sending STARTTLS", io_verb((sd_error)w));
			goto fail;
		}
		const sd_reply *r = read_reply(f, start, start + f->cfg.command_timeout_ms, "STARTTLS");
		if (r == NULL)
			goto fail;
		if (r->code != 220) {
			set_error(f, r->code == 421 ? SD_ERR_SERVICE_CLOSING : SD_ERR_NO_STARTTLS,
				  "STARTTLS refused: %d %.200s", r->code, r->nlines ? r->lines[0] : "");
			goto fail;
		}
		/* the injected line answered in plain text, before the handshake:
		 * the server read it as plain text (a pipelining error, not the
		 * injection); those bytes would break the handshake, so drop them */
		const char *data;
		size_t pend = sd_conn_peek(f->conn, &data);
		for (size_t i = 0; i < pend; i++)
			out->plain_answers += data[i] == '\n';
		if (pend > 0)
			event(f, "discarded %zu bytes the server sent after its 220 to STARTTLS", sd_conn_discard(f->conn));
	} else if (sd_session_connect(f) != 0) {
		goto fail;
	}
	sd_error kind = SD_ERR_TLS;
	char *msg = NULL;
	f->tls_attempted = 1;
	t = sd_tls_weak_start(sd_conn_fd(f->conn), f->cfg.server, f->cfg.ca_file, probe, resume,
			      sd_now_ms() + f->cfg.command_timeout_ms, out, &kind, &msg);
	if (t == NULL) {
		set_error(f, kind, "%s", msg);
		event(f, "%s", msg);
		free(msg);
		goto fail;
	}
	event(f, "TLS established (weakness probe): %s", out->cipher);
	sd_conn_set_io(f->conn, &sd_tls_weak_io, t);
	out->renegotiation = -1;
	if (probe->renegotiate) {
		out->renegotiation = sd_tls_weak_renegotiate(t, sd_conn_fd(f->conn), sd_now_ms() + f->cfg.command_timeout_ms);
		event(f, "client-initiated renegotiation: %s",
		      out->renegotiation == 1 ? "completed" : out->renegotiation == 0 ? "refused" : "not decided");
	}
	if (implicit && out->renegotiation != 0 && sd_session_greeting(f) == NULL)
		goto done;
	if (out->renegotiation != 0) {
		/* QUIT inside TLS: the first reply that is not its 221 answered
		 * the injected command (CVE-2011-0411); the read also takes in a
		 * TLS 1.3 session ticket, for the resumption */
		double start = sd_now_ms();
		if (sd_conn_write(f->conn, "QUIT\r\n", 6, start + f->cfg.command_timeout_ms) == 0) {
			sd_transcript_add(f->transcript, f->conn_id, SD_DIR_CLIENT, "QUIT", 0);
			for (int k = 0; k < 3 && f->conn != NULL; k++) {
				const sd_reply *r = read_reply(f, start, start + f->cfg.command_timeout_ms, "QUIT");
				/* no reply, QUIT's, or not SMTP (read_reply closed the connection) */
				if (r == NULL || r->code == 221 || r->code == 0)
					break;
				if (!out->injected_answered)
					snprintf(out->injected_reply, sizeof(out->injected_reply), "%d %s", r->code,
						 r->nlines ? r->lines[0] : "");
				out->injected_answered = 1;
			}
		}
	}
done:
	sd_tls_weak_tickets(t, out);
	if (keep != NULL)
		*keep = sd_tls_weak_session(t);
	rc = 0;
fail:
	if (rc != 0 || !out->accepted) {
		const char *m;
		out->error = sd_session_error(f, &m);
		snprintf(out->message, sizeof(out->message), "%s", m);
	}
	sd_tls_weak_free(t); /* close_notify on the still-open socket */
	if (f->conn != NULL)
		close_conn(f);
	f->closed = 1;
	sd_session_free(f);
	return rc;
}

/* sd_session_tls_weak_probe - a weakness probe, and its resumption */
int sd_session_tls_weak_probe(sd_session *s, const sd_tls_weak_probe *probe, sd_tls_weak_result *out)
{
	void *sess = NULL;

	memset(out, 0, sizeof(*out));
	out->renegotiation = -1;
	out->resumed = -1;
	int rc = weak_once(s, probe, NULL, probe->resume ? &sess : NULL, out);
	if (rc == 0 && out->accepted && probe->resume && sess != NULL) {
		sd_tls_weak_result again;
		sd_tls_weak_probe p2 = *probe;
		memset(&again, 0, sizeof(again));
		p2.inject = NULL;
		p2.renegotiate = 0;
		if (weak_once(s, &p2, sess, NULL, &again) == 0 && again.accepted)
			out->resumed = again.resumed;
	}
	sd_tls_weak_session_free(sess);
	return rc;
}

/* sd_session_smuggle - raw message bytes (QUIT included), then every reply
 * until the QUIT's 221 or the connection ends */
int sd_session_smuggle(sd_session *s, const char *data_bytes, size_t len, int *codes, int max)
{
	if (usable(s, "DATA") != 0)
		return -1;
	char note[64];
	snprintf(note, sizeof(note), "[%zu bytes of message data and QUIT, as given]", len);
	sd_transcript_add(s->transcript, s->conn_id, SD_DIR_CLIENT, note, 0);
	double start = sd_now_ms();
	int w = sd_conn_write(s->conn, data_bytes, len, start + s->cfg.command_timeout_ms);
	if (w != 0) {
		set_error(s, (sd_error)w, "%s while sending message data", io_verb((sd_error)w));
		drop_connection(s);
		return -1;
	}
	int n = 0;
	while (n < max) {
		double begin = sd_now_ms();
		const sd_reply *r = read_reply(s, begin, begin + s->cfg.command_timeout_ms, "the message data");
		if (r == NULL)
			break;
		codes[n++] = r->code;
		if (r->code == 221) {
			drop_connection(s); /* the QUIT was ours: nothing more to say */
			break;
		}
	}
	return n;
}

/* sd_session_quit - QUIT (after RSET when a transaction is open), reading
 * the 221 only if it comes within a short grace: over a WAN the audit does
 * not wait a round trip for the goodbye (RFC 5321 4.1.1.10: the server
 * answers and closes; a client may close once QUIT is sent) */
void sd_session_quit(sd_session *s)
{
	if (s->conn == NULL)
		return;
	int saved = s->err;
	char *saved_msg = s->errmsg != NULL ? sd_xstrdup(s->errmsg) : NULL;
	if (sd_run_expired(&s->cfg)) {   /* the run's --deadline passed: no QUIT dialogue */
		free(saved_msg);
		drop_connection(s);
		return;
	}
	int pipelining = s->ehlo != NULL && sd_ehlo_find(s->ehlo, "PIPELINING") != NULL;
	int reset = s->in_transaction;
	if (reset && !pipelining) {
		/* never leave a transaction to the server's judgement: RSET first */
		(void)command(s, "RSET", "RSET");
		reset = 0;
	}
	if (s->conn != NULL) {
		const char *group[] = { "RSET", "QUIT" };
		const sd_reply *got[2];
		double start = sd_now_ms();
		int t = s->cfg.command_timeout_ms < SD_QUIT_GRACE_MS ? s->cfg.command_timeout_ms : SD_QUIT_GRACE_MS;
		double until_ms = until(s, start + t, "waiting for the reply to QUIT");
		char buf[16];
		size_t len = 0;
		for (size_t i = reset ? 0 : 1; i < 2; i++) {
			sd_transcript_add(s->transcript, s->conn_id, SD_DIR_CLIENT, group[i], 0);
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s\r\n", group[i]);
		}
		unsolicited_check(s, reset ? "RSET" : "QUIT");
		if (sd_conn_write(s->conn, buf, len, start + (t > 0 ? t : 1) + 1000) == 0) {
			s->quiet = 1;
			got[0] = reset ? read_reply(s, start, until_ms, "RSET") : NULL;
			if (!reset || got[0] != NULL) {
				got[1] = read_reply(s, start, until_ms, "QUIT");
				if (got[1] != NULL)
					s->phases[SD_PHASE_QUIT] = got[1]->elapsed_ms;
			}
			s->quiet = 0;
		}
		s->in_transaction = 0;
	}
	/* a failed or unanswered QUIT is not the target's problem worth reporting */
	free(s->errmsg);
	s->errmsg = saved_msg;
	s->err = (sd_error)saved;
	if (s->conn != NULL)
		drop_connection(s);
}

/* nosni_run - thread body: the handshake without SNI on its own connection */
static void *nosni_run(void *arg)
{
	nosni_job *j = arg;

	if (j->mode == SD_TLS_IMPLICIT)
		(void)sd_session_connect(j->f);
	else
		(void)sd_session_starttls(j->f);
	/* nothing more to say on it: close now, the result stays */
	sd_session_quit(j->f);
	return NULL;
}

/* nosni_job_new - the handshake without SNI, not started: a session to S's
 * peer named by its address (no SNI), wanting the handshake only */
static nosni_job *nosni_job_new(sd_session *s)
{
	nosni_job *j = sd_xcalloc(1, sizeof(*j));

	j->mode = s->cfg.tls;
	j->f = sd_session_open_host(s, s->peer, s->peer);
	j->f->handshake_only = 1;
	return j;
}

/* nosni_start - the handshake a sender without SNI gets, on a thread, when
 * the main session connected and sends SNI (a name, not an address) */
static void nosni_start(sd_session *s)
{
	struct in6_addr a6;

	if (!s->prefetch_nosni || s->nosni_tried || s->parent != NULL || s->probe != NULL ||
	    sd_run_expired(&s->cfg) || s->peer[0] == '\0' || s->cfg.server == NULL ||
	    inet_pton(AF_INET, s->cfg.server, &a6) == 1 || inet_pton(AF_INET6, s->cfg.server, &a6) == 1 ||
	    s->cfg.server[0] == '[')
		return;
	s->nosni_tried = 1;
	nosni_job *j = nosni_job_new(s);
	j->threaded = pthread_create(&j->th, NULL, nosni_run, j) == 0;
	if (!j->threaded) {   /* no thread: it runs when it is asked for */
		sd_session_free(j->f);
		free(j);
		return;
	}
	s->nosni = j;
}

/* nosni_join - wait for the prefetched handshake */
static void nosni_join(sd_session *s)
{
	if (s->nosni != NULL && s->nosni->threaded && !s->nosni->done)
		pthread_join(s->nosni->th, NULL);
	if (s->nosni != NULL)
		s->nosni->done = 1;
}

/* nosni_free - join and free the prefetched handshake */
static void nosni_free(sd_session *s)
{
	if (s->nosni == NULL)
		return;
	nosni_join(s);
	sd_session_free(s->nosni->f);
	free(s->nosni);
	s->nosni = NULL;
}

/* sd_session_set_prefetch_without_sni - see session_internal.h */
void sd_session_set_prefetch_without_sni(sd_session *s, int on)
{
	s->prefetch_nosni = on;
}

/* sd_session_tls_without_sni - the handshake a client that sends no SNI gets */
const sd_tls_info *sd_session_tls_without_sni(sd_session *s, const char **error)
{
	const char *msg = "not connected";

	if (error != NULL)
		*error = msg;
	if (s->peer[0] == '\0')
		return NULL;
	nosni_join(s);
	if (s->nosni != NULL && s->nosni->mode != s->cfg.tls)
		nosni_free(s);   /* implicit TLS was found after it started: do it again */
	if (s->nosni == NULL) {
		nosni_job *j = nosni_job_new(s);
		nosni_run(j);
		j->done = 1;
		s->nosni = j;
	}
	sd_session *f = s->nosni->f;
	const sd_tls_info *u = f->tls != NULL ? sd_tls_get_info(f->tls) : f->tls_broken != NULL
								     ? sd_tls_get_info(f->tls_broken) : NULL;
	if (u == NULL && error != NULL)
		sd_session_error(f, error);
	return u;
}

/* sd_dns_query - through the session's resolver, noted in the transcript */
sd_dns_answer *sd_dns_query(sd_session *s, const char *name, sd_dns_type type)
{
	double d = s->cfg.deadline;
	if (s->cfg.run_deadline > 0 && (d <= 0 || s->cfg.run_deadline < d))
		d = s->cfg.run_deadline;
	snprintf(s->waiting, sizeof(s->waiting), "waiting for DNS (%s %s)", sd_dns_type_name(type), name);
	sd_dns_answer *a = sd_resolver_query_by(&s->resolver, name, type, d);

	event(s, "DNS %s %s: %s, %zu record%s%s (%.1f ms, %s)", sd_dns_type_name(type), name,
	      sd_dns_status_name(a->status), a->n, a->n == 1 ? "" : "s", a->authenticated ? ", AD" : "",
	      a->ms, a->server);
	return a;
}

/* sd_dns_query_unchecked - the same with CD set: the data a validating
 * resolver holds back as bogus */
sd_dns_answer *sd_dns_query_unchecked(sd_session *s, const char *name, sd_dns_type type)
{
	sd_dns_answer *a = sd_resolver_query_by(&s->resolver, name, (sd_dns_type)((unsigned)type | SD_DNS_QUERY_CD),
						s->cfg.deadline);

	event(s, "DNS %s %s (CD): %s, %zu record%s (%.1f ms, %s)", sd_dns_type_name(type), name,
	      sd_dns_status_name(a->status), a->n, a->n == 1 ? "" : "s", a->ms, a->server);
	return a;
}

/* sd_dns_resolver - the servers, for reports */
const char *sd_dns_resolver(sd_session *s)
{
	return s->resolver.text;
}

/* sd_session_domain - the --domain under audit, or NULL */
const char *sd_session_domain(const sd_session *s)
{
	return s->cfg.domain;
}

/* sd_session_domain_mx - the domain's MX hosts, preference order */
size_t sd_session_domain_mx(const sd_session *s, const sd_mx_host **mx)
{
	*mx = s->cfg.mx;
	return s->cfg.nmx;
}

/* sd_session_ca_file - the trust anchors in use (--ca-file), or NULL: system */
const char *sd_session_ca_file(const sd_session *s)
{
	return s->cfg.ca_file;
}

/* sd_session_open_host - a new session like S (timeouts, trust, EHLO name,
 * DNS) to another host: SERVER by name, ADDRESSES (literals, comma-separated)
 * or NULL to resolve it; plain TCP first, STARTTLS left to the caller */
sd_session *sd_session_open_host(sd_session *s, const char *server, const char *addresses)
{
	sd_target_config c;

	sd_target_config_copy(&c, &s->cfg);
	free(c.server);
	free(c.address);
	c.server = sd_xstrdup(server);
	c.address = addresses != NULL && addresses[0] != '\0' ? sd_xstrdup(addresses) : NULL;
	if (c.tls == SD_TLS_STARTTLS)
		c.tls = SD_TLS_NONE;
	sd_session *f = sd_session_new(&c, s->transcript);
	sd_target_config_clear(&c);
	f->parent = s;
	f->kb = s->kb;
	/* the same address under another name (e.g. without SNI): one of the
	 * parent's own connections for the limiter, as with open_fresh */
	if (s->slot_held && addresses != NULL && strcmp(addresses, s->peer) == 0)
		f->owner_peer = sd_xstrdup(s->peer);
	return f;
}
