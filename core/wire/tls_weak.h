/* SPDX-License-Identifier: MIT */
/*
 * tls_weak.h - the client handshake of a weakness probe (issue 25).
 *
 * One handshake on a connected, non-blocking socket that offers what an
 * sd_tls_weak_probe asks (a version ceiling, TLS_FALLBACK_SCSV, an OCSP
 * status request, a session to resume) and reads the properties of the
 * result into an sd_tls_weak_result: RFC 5746 secure renegotiation, RFC
 * 7627 extended master secret, compression, the stapled OCSP response, the
 * server's DHE prime, session ID and ticket. Only OpenSSL 3's public API.
 */
#ifndef SD_TLS_WEAK_H
#define SD_TLS_WEAK_H

#include <smtpdiag/session.h>

#include "wire/conn.h"

typedef struct sd_tls_weak sd_tls_weak;

/* sd_tls_weak_start - handshake on FD (SNI from HOST unless an address
 * literal); CA_FILE (NULL: system store) verifies a stapled OCSP response;
 * RESUME (may be NULL) is an SSL_SESSION from sd_tls_weak_session() to
 * offer. Fills OUT's handshake part. NULL on failure with *kind, *msg and
 * OUT's refused_by_server / alert set. */
sd_tls_weak *sd_tls_weak_start(int fd, const char *host, const char *ca_file, const sd_tls_weak_probe *probe,
			       void *resume, double deadline, sd_tls_weak_result *out, sd_error *kind, char **msg);
/* sd_tls_weak_renegotiate - a client-initiated renegotiation (TLS <= 1.2):
 * 1 completed, 0 refused by the server (alert or close), -1 not tried or
 * undecided within DEADLINE */
int sd_tls_weak_renegotiate(sd_tls_weak *t, int fd, double deadline);
/* sd_tls_weak_tickets - after the first reads: a TLS 1.3 ticket comes
 * after the handshake, so OUT's ticket flag is looked at again */
void sd_tls_weak_tickets(sd_tls_weak *t, sd_tls_weak_result *out);
/* sd_tls_weak_session - the session to resume later (an SSL_SESSION
 * reference; free with sd_tls_weak_session_free), or NULL */
void *sd_tls_weak_session(sd_tls_weak *t);
/* sd_tls_weak_session_free - NULL is fine */
void sd_tls_weak_session_free(void *session);
/* sd_tls_weak_io - the transport to install with sd_conn_set_io */
extern const sd_io_ops sd_tls_weak_io;
/* sd_tls_weak_free - close_notify (best effort) and free; NULL is fine */
void sd_tls_weak_free(sd_tls_weak *t);

#endif
