/* SPDX-License-Identifier: MIT */
/*
 * resolver.h - where DNS queries go and how long they may take.
 *
 * A resolver is a list of servers and a timeout; it is read-only once
 * made, so one can serve every target of a run on many threads.
 */
#ifndef SD_RESOLVER_H
#define SD_RESOLVER_H

#include <sys/socket.h>

#include <smtpdiag/dns.h>

#define SD_RESOLVER_MAX 4
#define SD_RESOLVER_DEFAULT_TIMEOUT_MS 5000

typedef struct sd_resolver {
	struct sockaddr_storage addr[SD_RESOLVER_MAX];
	socklen_t addrlen[SD_RESOLVER_MAX];
	size_t n;
	int timeout_ms;            /* for a whole query, retries included */
	char text[160];            /* "127.0.0.1:10053" or "127.0.0.53:53 (resolv.conf)" */
} sd_resolver;

/* sd_resolver_parse - SPEC is "IP[:PORT]", "[IPv6]:PORT" or a bare IPv6
 * address, several separated by commas; 0, or -1 with a one-line *err */
int sd_resolver_parse(sd_resolver *r, const char *spec, int timeout_ms, char **err);
/* sd_resolver_system - the nameservers of RESOLV_CONF (/etc/resolv.conf
 * when NULL); with none, 127.0.0.1:53 as the C library would */
void sd_resolver_system(sd_resolver *r, const char *resolv_conf, int timeout_ms);
/* sd_resolver_query - one lookup, never NULL */
sd_dns_answer *sd_resolver_query(const sd_resolver *r, const char *name, sd_dns_type type);
/* sd_resolver_query_by - the same, ending by DEADLINE (sd_now_ms()) when
 * that comes before the resolver's timeout; 0: no deadline. After it, a
 * timeout at once, nothing sent */
sd_dns_answer *sd_resolver_query_by(const sd_resolver *r, const char *name, sd_dns_type type, double deadline);

#endif
