/* SPDX-License-Identifier: MIT */
/*
 * net.h - resolve a target and open a TCP connection with a deadline.
 *
 * Every address of the name is tried in the order the resolver returns them
 * (IPv6 and IPv4 alike), each with its own connect timeout, and every attempt
 * is recorded so a report can say "2001:db8::25: timed out; 192.0.2.25:
 * connection refused" instead of only the last error.
 */
#ifndef SD_NET_H
#define SD_NET_H

#include <netinet/in.h>
#include <stddef.h>

#include <smtpdiag/session.h>

#include "wire/limiter.h"

#define SD_ADDRSTRLEN (INET6_ADDRSTRLEN + 1)

typedef struct sd_connect_result {
	int fd;                   /* connected, non-blocking socket, or -1 */
	char peer[SD_ADDRSTRLEN]; /* numeric address that answered */
	char local[SD_ADDRSTRLEN];/* our source address */
	double resolve_ms;        /* 0 when an address literal was given */
	double connect_ms;        /* TCP handshake of the winning address */
	double connected_at_ms;   /* sd_now_ms() when it completed */
	sd_error err;             /* SD_ERR_NONE on success */
	char *message;            /* one line describing the failure, or NULL */
	char **attempts;          /* "address: outcome", one per address tried */
	size_t nattempts;
	int slot_held;            /* the gate's limiter slot to PEER is held:
				     sd_limiter_release() it when the fd closes */
	int refused_after_ok;     /* refused by an address that accepted earlier in the run */
} sd_connect_result;

/* What a connection asks before it is opened (see limiter.h). */
typedef struct sd_net_gate {
	sd_limiter *limiter;      /* NULL: no limits */
	const char *owner_peer;   /* the parent session's address (its slot is idle), or NULL */
	int slot_wait_ms;         /* longest wait for a slot */
} sd_net_gate;

/* sd_net_connect - connect to HOST (or ADDRESS if not NULL: one or more
 * address literals, comma-separated, tried in order) port PORT,
 * giving each address TIMEOUT_MS, each connection through GATE (may be
 * NULL); 0 on success, -1 with res->err set */
int sd_net_connect(const char *host, const char *address, unsigned port,
		   int timeout_ms, const sd_net_gate *gate, sd_connect_result *res);
/* sd_connect_result_clear - free what sd_net_connect allocated (not the fd) */
void sd_connect_result_clear(sd_connect_result *res);

#endif
