/* SPDX-License-Identifier: MIT */
/*
 * resolver.c - send DNS queries with a deadline: UDP, retried, and TCP
 * when the answer is truncated (RFC 7766).
 *
 * Each try waits its share of the query's timeout; servers are tried in
 * order, twice round. A reply is only taken if it answers our question
 * with our (random) id, from the server we asked (connected UDP socket).
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "dns/dns_wire.h"
#include "dns/resolver.h"
#include "base/util.h"

#define ROUNDS 2
#define TCP_MAX 65535

/* parse_one - parse a server "IP", "IP:PORT" or "[IPv6]:PORT" (port 53 by
 * default) into SS; -1 when invalid */
static int parse_one(const char *item, struct sockaddr_storage *ss, socklen_t *sl)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL;
	size_t l = strlen(item);
	unsigned long pn = 53;

	if (l == 0 || l >= sizeof(host) + 6)
		return -1;
	if (item[0] == '[') {
		const char *close = strchr(item, ']');
		if (close == NULL || (size_t)(close - item - 1) >= sizeof(host))
			return -1;
		memcpy(host, item + 1, (size_t)(close - item - 1));
		host[close - item - 1] = '\0';
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			return -1;
	} else {
		const char *colon = strchr(item, ':');
		if (colon != NULL && strchr(colon + 1, ':') == NULL) { /* IPv4:port */
			if ((size_t)(colon - item) >= sizeof(host))
				return -1;
			memcpy(host, item, (size_t)(colon - item));
			host[colon - item] = '\0';
			port = colon + 1;
		} else {
			if (l >= sizeof(host))
				return -1;
			memcpy(host, item, l + 1);
		}
	}
	if (port != NULL) {
		char *end;
		errno = 0;
		pn = strtoul(port, &end, 10);
		if (*port == '\0' || *end != '\0' || errno != 0 || pn == 0 || pn > 65535)
			return -1;
	}
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)pn);
		*sl = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)pn);
		*sl = sizeof(*a6);
		return 0;
	}
	return -1;
}

/* addr_text - server address SS as "IP:PORT" or "[IPv6]:PORT" into OUT */
static void addr_text(const struct sockaddr_storage *ss, char *out, size_t size)
{
	char h[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, h, sizeof(h));
		snprintf(out, size, "%s:%u", h, ntohs(a->sin_port));
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, h, sizeof(h));
		snprintf(out, size, "[%s]:%u", h, ntohs(a->sin6_port));
	}
}

/* describe - R's text: its server addresses, comma separated, then SUFFIX */
static void describe(sd_resolver *r, const char *suffix)
{
	size_t used = 0;

	r->text[0] = '\0';
	for (size_t i = 0; i < r->n && used < sizeof(r->text); i++) {
		char a[64];
		addr_text(&r->addr[i], a, sizeof(a));
		used += (size_t)snprintf(r->text + used, sizeof(r->text) - used, "%s%s", i ? "," : "", a);
	}
	if (suffix != NULL && used < sizeof(r->text))
		snprintf(r->text + used, sizeof(r->text) - used, "%s", suffix);
}

/* sd_resolver_parse - servers from the command line */
int sd_resolver_parse(sd_resolver *r, const char *spec, int timeout_ms, char **err)
{
	char *copy = sd_xstrdup(spec), *save = NULL;

	memset(r, 0, sizeof(*r));
	r->timeout_ms = timeout_ms > 0 ? timeout_ms : SD_RESOLVER_DEFAULT_TIMEOUT_MS;
	for (char *it = strtok_r(copy, ",", &save); it != NULL; it = strtok_r(NULL, ",", &save)) {
		if (r->n == SD_RESOLVER_MAX) {
			*err = sd_asprintf("--dns-server: at most %d servers", SD_RESOLVER_MAX);
			free(copy);
			return -1;
		}
		if (parse_one(it, &r->addr[r->n], &r->addrlen[r->n]) != 0) {
			*err = sd_asprintf("--dns-server: '%s' is not IP[:PORT] (IPv6 as [IP]:PORT)", it);
			free(copy);
			return -1;
		}
		r->n++;
	}
	free(copy);
	if (r->n == 0) {
		*err = sd_xstrdup("--dns-server: no server given");
		return -1;
	}
	describe(r, NULL);
	return 0;
}

/* sd_resolver_system - "nameserver" lines of resolv.conf */
void sd_resolver_system(sd_resolver *r, const char *resolv_conf, int timeout_ms)
{
	FILE *f = fopen(resolv_conf != NULL ? resolv_conf : "/etc/resolv.conf", "r");
	char line[512];

	memset(r, 0, sizeof(*r));
	r->timeout_ms = timeout_ms > 0 ? timeout_ms : SD_RESOLVER_DEFAULT_TIMEOUT_MS;
	while (f != NULL && r->n < SD_RESOLVER_MAX && fgets(line, sizeof(line), f) != NULL) {
		char word[32], addr[INET6_ADDRSTRLEN + 1];
		if (sscanf(line, "%31s %46s", word, addr) != 2 || strcmp(word, "nameserver") != 0)
			continue;
		char *pct = strchr(addr, '%'); /* fe80::1%eth0: scope ids are not supported */
		if (pct != NULL)
			continue;
		if (parse_one(addr, &r->addr[r->n], &r->addrlen[r->n]) == 0)
			r->n++;
	}
	if (f != NULL)
		fclose(f);
	if (r->n == 0) {
		parse_one("127.0.0.1", &r->addr[0], &r->addrlen[0]);
		r->n = 1;
	}
	describe(r, " (resolv.conf)");
}

/* wait_fd - poll FD for EVENTS until DEADLINE (retrying on EINTR); >0 ready, 0
 * timed out, <0 error */
static int wait_fd(int fd, short events, double deadline)
{
	for (;;) {
		double left = deadline - sd_now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = { .fd = fd, .events = events };
		int rc = poll(&p, 1, (int)left + 1);
		if (rc < 0 && errno == EINTR)
			continue;
		return rc;
	}
}

/* try_udp - 1 answered (*len), 0 timed out, -1 *errno_out */
static int try_udp(const struct sockaddr_storage *ss, socklen_t sl, const unsigned char *q, size_t ql,
		   unsigned char *buf, size_t size, size_t *len, double deadline, int *errno_out)
{
	int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0 || connect(fd, (const struct sockaddr *)ss, sl) != 0 || send(fd, q, ql, 0) != (ssize_t)ql) {
		*errno_out = errno;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (;;) {
		int rc = wait_fd(fd, POLLIN, deadline);
		if (rc <= 0) {
			*errno_out = rc < 0 ? errno : 0;
			close(fd);
			return rc < 0 ? -1 : 0;
		}
		ssize_t n = recv(fd, buf, size, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			*errno_out = errno;
			close(fd);
			return -1;
		}
		if (sd_dns_matches_query(q, ql, buf, (size_t)n)) {
			*len = (size_t)n;
			close(fd);
			return 1;
		}
		/* not ours (late answer to an earlier try, spoofing): keep waiting */
	}
}

/* io_full - send or receive exactly N bytes of BUF on FD before DEADLINE; 0 done, -1 failed */
static int io_full(int fd, unsigned char *buf, size_t n, int writing, double deadline)
{
	size_t done = 0;

	while (done < n) {
		int rc = wait_fd(fd, writing ? POLLOUT : POLLIN, deadline);
		if (rc <= 0)
			return -1;
		ssize_t k = writing ? send(fd, buf + done, n - done, MSG_NOSIGNAL) : recv(fd, buf + done, n - done, 0);
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (k <= 0)
			return -1;
		done += (size_t)k;
	}
	return 0;
}

/* try_tcp - as try_udp, over TCP with a two-byte length */
static int try_tcp(const struct sockaddr_storage *ss, socklen_t sl, const unsigned char *q, size_t ql,
		   unsigned char *buf, size_t size, size_t *len, double deadline, int *errno_out)
{
	unsigned char hdr[2] = { (unsigned char)(ql >> 8), (unsigned char)ql };
	unsigned char out[2 + 512];
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	*errno_out = 0;
	if (fd < 0 || ql > sizeof(out) - 2) {
		*errno_out = errno;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)ss, sl) != 0 && errno != EINPROGRESS) {
		*errno_out = errno;
		close(fd);
		return -1;
	}
	int soerr = 0;
	socklen_t el = sizeof(soerr);
	if (wait_fd(fd, POLLOUT, deadline) <= 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el) != 0 || soerr != 0) {
		*errno_out = soerr;
		close(fd);
		return soerr != 0 ? -1 : 0;
	}
	memcpy(out, hdr, 2);
	memcpy(out + 2, q, ql);
	if (io_full(fd, out, ql + 2, 1, deadline) != 0 || io_full(fd, hdr, 2, 0, deadline) != 0) {
		close(fd);
		return 0;
	}
	size_t n = (size_t)(hdr[0] << 8 | hdr[1]);
	if (n > size || n < NS_HFIXEDSZ || io_full(fd, buf, n, 0, deadline) != 0) {
		close(fd);
		return 0;
	}
	close(fd);
	if (!sd_dns_matches_query(q, ql, buf, n))
		return 0;
	*len = n;
	return 1;
}

/* query_id - a random DNS query id (from the clock when getrandom() cannot give one) */
static uint16_t query_id(void)
{
	uint16_t id;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != (ssize_t)sizeof(id))
		id = (uint16_t)(sd_now_ms() * 1000.0);
	return id;
}

/* sd_resolver_query - UDP to each server in turn, TCP on truncation */
sd_dns_answer *sd_resolver_query(const sd_resolver *r, const char *name, sd_dns_type type)
{
	return sd_resolver_query_by(r, name, type, 0);
}

/* sd_resolver_query_by - as sd_resolver_query, cut short at DEADLINE */
sd_dns_answer *sd_resolver_query_by(const sd_resolver *r, const char *name, sd_dns_type type, double deadline)
{
	sd_dns_answer *a = sd_xcalloc(1, sizeof(*a));
	unsigned char q[512];
	unsigned char *buf = sd_xcalloc(1, TCP_MAX);
	double t0 = sd_now_ms();
	int ql = sd_dns_build_query(query_id(), name, type, q, sizeof(q));
	type = (sd_dns_type)((unsigned)type & 0xffffu);   /* without SD_DNS_QUERY_CD */
	int timeouts = 0, last_errno = 0;

	if (ql < 0) {
		a->status = SD_DNS_BAD_NAME;
		snprintf(a->error, sizeof(a->error), "'%.100s' is not a valid domain name", name);
		free(buf);
		return a;
	}
	size_t tries = ROUNDS * r->n;
	double deadline_all = t0 + r->timeout_ms;
	int cut = 0;
	if (deadline > 0 && deadline < deadline_all) {
		deadline_all = deadline;
		cut = 1;
	}
	for (size_t t = 0; t < tries; t++) {
		const struct sockaddr_storage *ss = &r->addr[t % r->n];
		socklen_t sl = r->addrlen[t % r->n];
		double now = sd_now_ms();
		if (now >= deadline_all)
			break;
		double try_deadline = now + (deadline_all - now) / (double)(tries - t);
		size_t len = 0;
		int e = 0, trunc = 0;

		addr_text(ss, a->server, sizeof(a->server));
		int rc = try_udp(ss, sl, q, (size_t)ql, buf, TCP_MAX, &len, try_deadline, &e);
		if (rc == 1) {
			sd_dns_parse_answer(buf, len, type, a, &trunc);
			if (trunc) {
				rc = try_tcp(ss, sl, q, (size_t)ql, buf, TCP_MAX, &len, deadline_all, &e);
				if (rc == 1) {
					sd_dns_parse_answer(buf, len, type, a, &trunc);
				} else {
					sd_dns_answer_reset(a);
					a->status = SD_DNS_BAD_REPLY;
					snprintf(a->error, sizeof(a->error),
						 "answer truncated over UDP and TCP failed (%s)",
						 e ? strerror(e) : "timed out");
				}
			}
			a->ms = sd_now_ms() - t0;
			free(buf);
			return a;
		}
		if (rc == 0)
			timeouts++;
		else
			last_errno = e;
	}
	free(buf);
	a->ms = sd_now_ms() - t0;
	if (cut && (timeouts > 0 || last_errno == 0)) {
		a->status = SD_DNS_TIMEOUT;
		snprintf(a->error, sizeof(a->error), "no answer from %s before the deadline of the audit", r->text);
	} else if (timeouts > 0 || last_errno == 0) {
		a->status = SD_DNS_TIMEOUT;
		snprintf(a->error, sizeof(a->error), "no answer from %s within %d ms", r->text, r->timeout_ms);
	} else {
		a->status = SD_DNS_NET_ERROR;
		snprintf(a->error, sizeof(a->error), "cannot query %s: %s", r->text, strerror(last_errno));
	}
	return a;
}
