/*
 * tls.h - the client side of TLS for a session (OpenSSL 3).
 *
 * sd_tls_start() runs the handshake on an already connected, non-blocking
 * socket within a deadline, then describes it as an sd_tls_info. The
 * verification callback records every chain problem and lets the
 * handshake go on, so a certificate check can report all of them.
 */
#ifndef SD_TLS_H
#define SD_TLS_H

#include <smtpdiag/session.h>
#include <smtpdiag/tls.h>

#include "conn.h"

typedef struct sd_tls sd_tls;

/* sd_tls_start - handshake on FD; SNI from HOST unless it is an address
 * literal; verify against CA_FILE or the system store. NULL on failure
 * with *kind and a one-line *msg (in words, OpenSSL's text appended). */
sd_tls *sd_tls_start(int fd, const char *host, const char *ca_file, int implicit, double deadline,
		     sd_error *kind, char **msg);
/* sd_tls_start_probe - the same, offering exactly PROBE (one version, the
 * given suites and groups), without verification or chain description */
sd_tls *sd_tls_start_probe(int fd, const char *host, const sd_tls_probe *probe, double deadline,
			   sd_error *kind, char **msg);
/* sd_tls_io - the transport to install with sd_conn_set_io(conn, .., tls) */
extern const sd_io_ops sd_tls_io;
/* sd_tls_get_info - the handshake's description */
const sd_tls_info *sd_tls_get_info(const sd_tls *t);
/* sd_tls_shutdown - send close_notify (best effort, no waiting) and drop
 * the OpenSSL objects; the info stays readable until sd_tls_free() */
void sd_tls_shutdown(sd_tls *t);
/* sd_tls_free - shut down if needed and free everything */
void sd_tls_free(sd_tls *t);

#endif
