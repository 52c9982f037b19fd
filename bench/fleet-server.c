/* SPDX-License-Identifier: MIT */
/*
 * fleet-server.c - thousands of light SMTP endpoints on loopback, for bench/fleet.
 *
 *   fleet-server --first 127.1.0.1 --count N --port P --delay-ms D --cert PEM --key PEM
 *
 * Listens on N consecutive IPv4 loopback addresses (127.0.0.0/8 only; .0
 * and .255 skipped), one port, from one thread with epoll. Each endpoint
 * speaks enough SMTP for smtp-diag's default profile and nmap's
 * smtp-commands: greeting, EHLO/HELO (STARTTLS offered until TLS is up),
 * STARTTLS with a real OpenSSL handshake, MAIL/RCPT/RSET/NOOP 250, QUIT 221.
 * Every reply, the greeting included, is sent D milliseconds after the
 * command arrived: a server across a WAN, without a proxy per connection.
 * Prints "ready" on stdout once listening; SIGTERM/SIGINT end it with a
 * line of counts on stderr. A benchmark tool, not part of smtp-diag.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 1024

enum { KIND_LISTENER, KIND_CONN };
enum { ST_CMD, ST_HANDSHAKE };

typedef struct conn {
	int kind;
	int fd;
	SSL *ssl;
	int state;
	int tls;
	char in[LINE_MAX_BYTES];
	size_t inlen;
	const char *reply;        /* waiting for its time */
	int reply_then;           /* 0 nothing, 1 start TLS, 2 close */
	double due;
	struct conn *qnext;
	int queued, dead;
} conn;

typedef struct listener {
	int kind;
	int fd;
} listener;

static volatile sig_atomic_t stop;
static conn *qhead, *qtail;
static double delay_ms;
static SSL_CTX *ctx;
static int ep;
static unsigned long n_conns, n_tls, n_cmds;

/* now_ms - the monotonic clock in ms */
static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* on_signal - signal handler: ask the main loop to stop */
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* conn_close - close C's socket and TLS; free C now, or when the reply queue reaches it */
static void conn_close(conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	if (c->ssl != NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->queued)
		c->dead = 1;          /* freed when the queue reaches it */
	else
		free(c);
}

/* enqueue - queue REPLY for C, due after the delay; THEN says what happens after sending it */
static void enqueue(conn *c, const char *reply, int then)
{
	c->reply = reply;
	c->reply_then = then;
	c->due = now_ms() + delay_ms;
	c->qnext = NULL;
	c->queued = 1;
	if (qtail != NULL)
		qtail->qnext = c;
	else
		qhead = c;
	qtail = c;
}

/* send_all - send S on C (over TLS when it is up); -1 on a short write or error */
static int send_all(conn *c, const char *s)
{
	size_t n = strlen(s);
	if (c->ssl != NULL)
		return SSL_write(c->ssl, s, (int)n) == (int)n ? 0 : -1;
	return write(c->fd, s, n) == (ssize_t)n ? 0 : -1;
}

/* handshake - advance C's TLS handshake: on success accept commands over TLS, on failure close C */
static void handshake(conn *c)
{
	int rc = SSL_accept(c->ssl);
	if (rc == 1) {
		c->state = ST_CMD;
		c->tls = 1;
		n_tls++;
		return;
	}
	int e = SSL_get_error(c->ssl, rc);
	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
		ERR_clear_error();
		conn_close(c);
	}
}

/* command - answer the SMTP command LINE on C (EHLO, HELO, STARTTLS, MAIL,
 * RCPT, QUIT, ...) after the delay */
static void command(conn *c, const char *line)
{
	char verb[16];
	size_t i = 0;

	n_cmds++;
	for (; i < sizeof(verb) - 1 && line[i] != '\0' && line[i] != ' '; i++)
		verb[i] = (char)(line[i] >= 'a' && line[i] <= 'z' ? line[i] - 32 : line[i]);
	verb[i] = '\0';
	if (strcmp(verb, "EHLO") == 0)
		enqueue(c, c->tls ? "250-fleet.bench\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n"
				    "250 ENHANCEDSTATUSCODES\r\n"
				  : "250-fleet.bench\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n"
				    "250-STARTTLS\r\n250 ENHANCEDSTATUSCODES\r\n", 0);
	else if (strcmp(verb, "HELO") == 0)
		enqueue(c, "250 fleet.bench\r\n", 0);
	else if (strcmp(verb, "STARTTLS") == 0 && !c->tls)
		enqueue(c, "220 2.0.0 Ready to start TLS\r\n", 1);
	else if (strcmp(verb, "QUIT") == 0)
		enqueue(c, "221 2.0.0 Bye\r\n", 2);
	else if (strcmp(verb, "MAIL") == 0 || strcmp(verb, "RCPT") == 0 || strcmp(verb, "RSET") == 0 ||
		 strcmp(verb, "NOOP") == 0)
		enqueue(c, "250 2.0.0 Ok\r\n", 0);
	else if (strcmp(verb, "HELP") == 0)
		enqueue(c, "214 2.0.0 see RFC 5321\r\n", 0);
	else
		enqueue(c, "502 5.5.2 Error: command not recognized\r\n", 0);
}

/* next_line - take one complete line out of the input buffer, if any */
static int next_line(conn *c, char *out)
{
	char *nl = memchr(c->in, '\n', c->inlen);
	if (nl == NULL)
		return 0;
	size_t n = (size_t)(nl - c->in) + 1;
	size_t l = n - 1;
	if (l > 0 && c->in[l - 1] == '\r')
		l--;
	memcpy(out, c->in, l);
	out[l] = '\0';
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
	return 1;
}

/* readable - read what C sent (or advance its handshake) and answer its next
 * complete line, one command at a time */
static void readable(conn *c)
{
	if (c->state == ST_HANDSHAKE) {
		handshake(c);
		return;
	}
	for (;;) {
		if (c->inlen == sizeof(c->in)) {        /* a line longer than we take */
			conn_close(c);
			return;
		}
		ssize_t n;
		if (c->ssl != NULL) {
			int r = SSL_read(c->ssl, c->in + c->inlen, (int)(sizeof(c->in) - c->inlen));
			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_READ)
					break;
				ERR_clear_error();
				conn_close(c);
				return;
			}
			n = r;
		} else {
			n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			if (n <= 0) {
				conn_close(c);
				return;
			}
		}
		c->inlen += (size_t)n;
	}
	char line[LINE_MAX_BYTES];
	if (!c->queued && next_line(c, line))     /* one command at a time, as SMTP is */
		command(c, line);
}

/* fire_due - send the queued replies that are due, closing the connections that asked for it */
static void fire_due(void)
{
	double t = now_ms();

	while (qhead != NULL && qhead->due <= t) {
		conn *c = qhead;
		qhead = c->qnext;
		if (qhead == NULL)
			qtail = NULL;
		c->queued = 0;
		if (c->dead) {
			free(c);
			continue;
		}
		if (send_all(c, c->reply) != 0 || c->reply_then == 2) {
			conn_close(c);
			continue;
		}
		if (c->reply_then == 1) {
			c->ssl = SSL_new(ctx);
			SSL_set_fd(c->ssl, c->fd);
			c->state = ST_HANDSHAKE;
			c->inlen = 0;
			handshake(c);
			continue;
		}
		char line[LINE_MAX_BYTES];
		if (next_line(c, line))                /* pipelined commands */
			command(c, line);
	}
}

/* accept_all - accept every pending connection on L, watch it with epoll and queue its greeting */
static void accept_all(listener *l)
{
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		conn *c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			return;
		}
		c->kind = KIND_CONN;
		c->fd = fd;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		n_conns++;
		enqueue(c, "220 fleet.bench ESMTP\r\n", 0);
	}
}

/* main - parse the options, listen on the --count addresses from --first and
 * serve them until a signal */
int main(int argc, char **argv)
{
	const char *first = "127.1.0.1", *cert = NULL, *key = NULL;
	long count = 100, port = 2525;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--first") == 0)
			first = argv[i + 1];
		else if (strcmp(argv[i], "--count") == 0)
			count = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--port") == 0)
			port = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--delay-ms") == 0)
			delay_ms = strtod(argv[i + 1], NULL);
		else if (strcmp(argv[i], "--cert") == 0)
			cert = argv[i + 1];
		else if (strcmp(argv[i], "--key") == 0)
			key = argv[i + 1];
	}
	struct in_addr a;
	if (inet_pton(AF_INET, first, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127 || cert == NULL || key == NULL ||
	    count < 1 || port < 1 || port > 65535) {
		fprintf(stderr, "usage: fleet-server --first 127.x.y.z --count N --port P --delay-ms D "
				"--cert PEM --key PEM\n");
		return 2;
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		fprintf(stderr, "fleet-server: cannot load %s / %s\n", cert, key);
		return 2;
	}
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	ep = epoll_create1(EPOLL_CLOEXEC);
	uint32_t ip = ntohl(a.s_addr);
	for (long i = 0; i < count; ip++) {
		if ((ip & 0xff) == 0 || (ip & 0xff) == 255)
			continue;
		if ((ip >> 24) != 127) {
			fprintf(stderr, "fleet-server: %ld addresses do not fit in 127.0.0.0/8 from %s\n", count, first);
			return 2;
		}
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					  .sin_addr.s_addr = htonl(ip) };
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 512) != 0) {
			char t[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, &sa.sin_addr, t, sizeof(t));
			fprintf(stderr, "fleet-server: cannot listen on %s:%ld: %s\n", t, port, strerror(errno));
			return 2;
		}
		listener *l = calloc(1, sizeof(*l));
		l->kind = KIND_LISTENER;
		l->fd = fd;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = l };
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		i++;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("ready\n");
	fflush(stdout);

	struct epoll_event evs[256];
	while (!stop) {
		int timeout = 1000;
		if (qhead != NULL) {
			double d = qhead->due - now_ms();
			timeout = d <= 0 ? 0 : (int)d + 1;
		}
		int n = epoll_wait(ep, evs, 256, timeout);
		for (int i = 0; i < n; i++) {
			int kind = *(int *)evs[i].data.ptr;
			if (kind == KIND_LISTENER)
				accept_all(evs[i].data.ptr);
			else
				readable(evs[i].data.ptr);
		}
		fire_due();
	}
	fprintf(stderr, "fleet-server: %lu connections, %lu TLS handshakes, %lu commands\n", n_conns, n_tls,
		n_cmds);
	return 0;
}
