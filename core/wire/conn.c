/* SPDX-License-Identifier: MIT */
/*
 * conn.c - a byte stream with deadlines: line reads and full writes.
 *
 * The read buffer is line_max + 2 bytes; a line that does not end within it
 * is an SD_ERR_TOO_LONG error, whatever the peer sends after. Reading
 * never blocks past the deadline: the transport is tried first (TLS may
 * hold decrypted bytes the socket does not show), then poll() waits for
 * the readiness it asked for.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <smtpdiag/reply.h>

#include "base/clock.h"
#include "wire/conn.h"
#include "base/util.h"

struct sd_conn {
	int fd;
	const sd_io_ops *ops;
	void *ctx;
	char *buf;
	size_t cap;        /* buffer size */
	size_t start, end; /* unread bytes are buf[start..end) */
	int last_errno;
	double last_rx_ms;  /* when bytes last arrived (sd_now_ms), -1: never */
	size_t rx_bytes;    /* bytes received so far */
};

/* plain_recv - recv() on a plain socket: bytes read, -1 with *WANT = POLLIN to wait, -2 on error */
static ssize_t plain_recv(void *ctx, int fd, void *buf, size_t n, short *want)
{
	(void)ctx;
	ssize_t r = recv(fd, buf, n, 0);

	if (r >= 0)
		return r;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		*want = POLLIN;
		return -1;
	}
	return -2;
}

/* plain_send - send() on a plain socket: bytes sent, -1 with *WANT = POLLOUT to
 * wait, -2 on error */
static ssize_t plain_send(void *ctx, int fd, const void *buf, size_t n, short *want)
{
	(void)ctx;
	ssize_t r = send(fd, buf, n, MSG_NOSIGNAL);

	if (r >= 0)
		return r;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		*want = POLLOUT;
		return -1;
	}
	return -2;
}

static const sd_io_ops plain_ops = { plain_recv, plain_send };

/* sd_conn_new - wrap a connected socket */
sd_conn *sd_conn_new(int fd, size_t line_max)
{
	sd_conn *c = sd_xcalloc(1, sizeof(*c));

	c->fd = fd;
	c->ops = &plain_ops;
	c->cap = line_max + 2;
	c->buf = sd_xcalloc(c->cap, 1);
	return c;
}

/* sd_conn_free - close and free */
void sd_conn_free(sd_conn *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}

/* sd_conn_fd - the socket */
int sd_conn_fd(const sd_conn *c)
{
	return c->fd;
}

/* sd_conn_set_io - install another transport */
void sd_conn_set_io(sd_conn *c, const sd_io_ops *ops, void *ctx)
{
	c->ops = ops != NULL ? ops : &plain_ops;
	c->ctx = ctx;
}

/* sd_conn_pending - buffered unread bytes */
size_t sd_conn_pending(const sd_conn *c)
{
	return c->end - c->start;
}

/* sd_conn_peek - look at buffered unread bytes without consuming them */
size_t sd_conn_peek(const sd_conn *c, const char **data)
{
	*data = c->buf + c->start;
	return c->end - c->start;
}

/* sd_conn_discard - forget what was read but not consumed */
size_t sd_conn_discard(sd_conn *c)
{
	size_t n = c->end - c->start;

	c->start = c->end = 0;
	return n;
}

/* sd_conn_rx - bytes received so far and when the last ones came (-1: never) */
size_t sd_conn_rx(const sd_conn *c, double *last_ms)
{
	*last_ms = c->rx_bytes > 0 ? c->last_rx_ms : -1;
	return c->rx_bytes;
}

/* sd_conn_errno - errno behind the last I/O failure */
int sd_conn_errno(const sd_conn *c)
{
	return c->last_errno;
}

/* wait_ready - poll C for EVENTS until DEADLINE; 0 or an sd_error */
static int wait_ready(sd_conn *c, short events, double deadline)
{
	if (events & POLLIN) {
		/* ACK at once what comes while we wait: a server whose reply waits
		 * in Nagle's algorithm behind an unacknowledged segment (TLS 1.3
		 * session tickets, then the EHLO reply) would otherwise wait for
		 * our delayed ACK, up to 40 ms, and we would time that as its
		 * latency (Linux TCP_QUICKACK, reset by the kernel, so set again) */
		int one = 1;
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	}
	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = events };
		int left = sd_remaining_ms(deadline);
		int n;

		if (left <= 0)
			return SD_ERR_TIMEOUT;
		n = poll(&pfd, 1, left);
		if (n > 0)
			return 0;
		if (n == 0)
			return SD_ERR_TIMEOUT;
		if (errno != EINTR) {
			c->last_errno = errno;
			return SD_ERR_IO;
		}
	}
}

/* io_error - keep errno in C's last_errno; SD_ERR_RESET for a reset or broken
 * pipe, else SD_ERR_IO */
static int io_error(sd_conn *c)
{
	c->last_errno = errno;
	return errno == ECONNRESET || errno == EPIPE ? SD_ERR_RESET : SD_ERR_IO;
}

/* fill - read more bytes into the buffer; 0 or an sd_error */
static int fill(sd_conn *c, double deadline)
{
	if (c->start > 0) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	if (c->end >= c->cap)
		return SD_ERR_TOO_LONG;
	for (;;) {
		short want = POLLIN;
		ssize_t r = c->ops->recv(c->ctx, c->fd, c->buf + c->end, c->cap - c->end, &want);

		if (r > 0) {
			c->end += (size_t)r;
			c->rx_bytes += (size_t)r;
			c->last_rx_ms = sd_now_ms();
			return 0;
		}
		if (r == 0)
			return SD_ERR_CLOSED;
		if (r == -2)
			return io_error(c);
		int rc = wait_ready(c, want, deadline);
		if (rc != 0)
			return rc;
	}
}

/* sd_conn_read_line - one line, CRLF or LF terminated */
int sd_conn_read_line(sd_conn *c, double deadline, const char **line, size_t *len,
		      unsigned *flags, double *first_byte)
{
	size_t scanned = 0;
	int seen = c->end > c->start;

	*flags = 0;
	if (first_byte != NULL)
		*first_byte = seen ? sd_now_ms() : -1;
	for (;;) {
		char *nl = memchr(c->buf + c->start + scanned, '\n', c->end - c->start - scanned);

		if (nl != NULL) {
			char *s = c->buf + c->start;
			size_t n = (size_t)(nl - s);

			if (n > 0 && s[n - 1] == '\r')
				n--;
			else
				*flags |= SD_REPLY_BARE_LF;
			s[n] = '\0';
			for (size_t i = 0; i < n; i++) {
				if (s[i] == '\0') {
					s[i] = '?';
					*flags |= SD_REPLY_NUL;
				}
			}
			c->start = (size_t)(nl - c->buf) + 1;
			*line = s;
			*len = n;
			return 0;
		}
		scanned = c->end - c->start;
		if (c->start == 0 && c->end >= c->cap)
			return SD_ERR_TOO_LONG;
		int rc = fill(c, deadline);
		if (rc != 0)
			return rc;
		if (!seen && first_byte != NULL) {
			*first_byte = sd_now_ms();
			seen = 1;
		}
	}
}

/* sd_conn_write - write everything or fail */
int sd_conn_write(sd_conn *c, const void *buf, size_t n, double deadline)
{
	const char *p = buf;

	while (n > 0) {
		short want = POLLOUT;
		ssize_t r = c->ops->send(c->ctx, c->fd, p, n, &want);

		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (r == -2 || r == 0)
			return io_error(c);
		int rc = wait_ready(c, want, deadline);
		if (rc != 0)
			return rc;
	}
	return 0;
}
