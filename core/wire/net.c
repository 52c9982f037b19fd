/* SPDX-License-Identifier: MIT */
/*
 * net.c - resolve a target and open a TCP connection with a deadline.
 *
 * The socket is made non-blocking before connect(), so the handshake wait is
 * a poll() with the caller's timeout rather than the kernel's two minutes.
 * Name resolution uses getaddrinfo() (bounded by the resolver's own
 * timeout/attempts settings); an --address literal skips it entirely.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "base/clock.h"
#include "wire/net.h"
#include "base/util.h"

/* errno_kind - the sd_error kind of a connect() errno E */
static sd_error errno_kind(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return SD_ERR_REFUSED;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
	case EADDRNOTAVAIL:
		return SD_ERR_UNREACHABLE;
	case ETIMEDOUT:
		return SD_ERR_TIMEOUT;
	case ECONNRESET:
		return SD_ERR_RESET;
	default:
		return SD_ERR_IO;
	}
}

/* sockaddr_text - the numeric address of SA into BUF ("?" when it cannot be printed) */
static void sockaddr_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	if (getnameinfo(sa, len, buf, size, NULL, 0, NI_NUMERICHOST) != 0)
		sd_strlcpy(buf, "?", size);
}

/* add_attempt - append "ADDR: WHAT" to the connection attempts of RES */
static void add_attempt(sd_connect_result *res, const char *addr, const char *what)
{
	res->attempts = sd_xrealloc(res->attempts, (res->nattempts + 1) * sizeof(char *));
	res->attempts[res->nattempts++] = sd_asprintf("%s: %s", addr, what);
}

/* try_one - connect to one address; returns fd or -1 with *err and *sys_errno set */
static int try_one(const struct addrinfo *ai, int timeout_ms, sd_error *err, int *sys_errno)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);

	*sys_errno = 0;
	if (fd < 0) {
		*sys_errno = errno;
		*err = errno_kind(errno);
		return -1;
	}
	/* no Nagle: a TLS Finished and the EHLO after it, or RSET and QUIT,
	 * are written back to back; held for the first one's ACK, the second
	 * would wait a delayed ACK (40 ms on Linux) or a round trip */
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		*sys_errno = errno;
		*err = errno_kind(errno);
		close(fd);
		return -1;
	}
	double deadline = sd_now_ms() + timeout_ms;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int n = poll(&pfd, 1, sd_remaining_ms(deadline));

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			*err = SD_ERR_TIMEOUT;
			close(fd);
			return -1;
		}
		if (n < 0) {
			*sys_errno = errno;
			*err = SD_ERR_IO;
			close(fd);
			return -1;
		}
		break;
	}
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	if (soerr != 0) {
		*sys_errno = soerr;
		*err = errno_kind(soerr);
		close(fd);
		return -1;
	}
	return fd;
}

/* numeric_list - ADDRESS is one literal or several separated by commas
 * (from our own DNS layer): one getaddrinfo list for all of them */
static int numeric_list(const char *address, const char *portstr, struct addrinfo **out)
{
	struct addrinfo hints, *head = NULL, **tail = &head;
	char *copy = sd_xstrdup(address), *save = NULL;
	int rc = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
	for (char *a = strtok_r(copy, ",", &save); a != NULL; a = strtok_r(NULL, ",", &save)) {
		struct addrinfo *one = NULL;
		rc = getaddrinfo(a, portstr, &hints, &one);
		if (rc != 0)
			break;
		*tail = one;
		while (*tail != NULL)
			tail = &(*tail)->ai_next;
	}
	free(copy);
	if (rc != 0 || head == NULL) {
		if (head != NULL)
			freeaddrinfo(head);
		return rc != 0 ? rc : EAI_NONAME;
	}
	*out = head;
	return 0;
}

/* sd_net_connect - try every address of the target in order */
int sd_net_connect(const char *host, const char *address, unsigned port,
		   int timeout_ms, const sd_net_gate *gate, sd_connect_result *res)
{
	struct addrinfo hints, *list = NULL;
	char portstr[16];
	int rc;

	memset(res, 0, sizeof(*res));
	res->fd = -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%u", port);

	double t0 = sd_now_ms();
	rc = address != NULL ? numeric_list(address, portstr, &list)
			     : getaddrinfo(host, portstr, &hints, &list);
	res->resolve_ms = address != NULL ? 0 : sd_now_ms() - t0;
	if (rc != 0) {
		res->err = address != NULL ? SD_ERR_STATE : SD_ERR_RESOLVE;
		res->message = address != NULL
			? sd_asprintf("'%s' is not an IP address: %s", address, gai_strerror(rc))
			: sd_asprintf("cannot resolve '%s': %s", host, gai_strerror(rc));
		return -1;
	}

	sd_error last = SD_ERR_IO;
	int last_errno = 0;
	for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		char addr[SD_ADDRSTRLEN];
		sd_error e = SD_ERR_NONE;
		int se = 0;

		sockaddr_text(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr));
		sd_limiter *lim = gate != NULL ? gate->limiter : NULL;
		if (lim != NULL) {
			int owner = gate->owner_peer != NULL && strcmp(gate->owner_peer, addr) == 0;
			double waited = 0;
			if (sd_limiter_acquire(lim, addr, owner, sd_now_ms() + gate->slot_wait_ms, &waited) != 0) {
				char *what = sd_asprintf("no free connection slot after %.0f s (at most %u at once "
							 "to one address)", waited / 1000.0,
							 sd_limiter_per_dest(lim));
				add_attempt(res, addr, what);
				free(what);
				last = SD_ERR_TIMEOUT;
				continue;
			}
		}
		double c0 = sd_now_ms();
		int fd = try_one(ai, timeout_ms, &e, &se);
		if (fd < 0 && lim != NULL) {
			sd_limiter_release(lim, addr);
			if (e == SD_ERR_REFUSED && sd_limiter_was_ok(lim, addr, port))
				res->refused_after_ok = 1;
		}
		if (fd >= 0) {
			if (lim != NULL) {
				res->slot_held = 1;
				sd_limiter_mark_ok(lim, addr, port);
			}
			struct sockaddr_storage ss;
			socklen_t sl = sizeof(ss);

			res->fd = fd;
			res->connected_at_ms = sd_now_ms();
			res->connect_ms = res->connected_at_ms - c0;
			sd_strlcpy(res->peer, addr, sizeof(res->peer));
			if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
				sockaddr_text((struct sockaddr *)&ss, sl, res->local, sizeof(res->local));
			add_attempt(res, addr, "connected");
			break;
		}
		char *what = e == SD_ERR_TIMEOUT
			? sd_asprintf("timed out after %d ms", timeout_ms)
			: sd_asprintf("%s", strerror(se != 0 ? se : EIO));
		add_attempt(res, addr, what);
		free(what);
		last = e;
		last_errno = se;
	}
	freeaddrinfo(list);
	if (res->fd >= 0)
		return 0;

	res->err = last;
	if (res->nattempts == 1) {
		const char *colon = strstr(res->attempts[0], ": ");
		res->message = sd_asprintf("%s port %u: %s", address != NULL ? address : host, port,
					   colon != NULL ? colon + 2 : "failed");
	} else {
		res->message = sd_asprintf("%s port %u: all %zu addresses failed (last: %s)",
					   host, port, res->nattempts,
					   last == SD_ERR_TIMEOUT ? "timed out" : strerror(last_errno ? last_errno : EIO));
	}
	return -1;
}

/* sd_connect_result_clear - free the attempt list and message */
void sd_connect_result_clear(sd_connect_result *res)
{
	for (size_t i = 0; i < res->nattempts; i++)
		free(res->attempts[i]);
	free(res->attempts);
	free(res->message);
	res->attempts = NULL;
	res->nattempts = 0;
	res->message = NULL;
}
