/* SPDX-License-Identifier: MIT */
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

#include "wire/conn.h"

typedef struct sd_tls sd_tls;
typedef struct sd_tls_ctx sd_tls_ctx;
struct ssl_st;   /* OpenSSL's SSL */

/* sd_tls_probe_ctx_new - an OpenSSL context that many probe handshakes
 * (on any thread) can share: creating one costs more than a loopback
 * handshake. NULL if OpenSSL cannot make one. */
sd_tls_ctx *sd_tls_probe_ctx_new(void);
/* sd_tls_verify_ctx_new - the context of verifying session handshakes
 * against CA_FILE (NULL: the system store), made once and shared by every
 * session of a run: loading a trust store per handshake costs more than
 * the handshake. NULL and *err when the CA file is unusable. */
sd_tls_ctx *sd_tls_verify_ctx_new(const char *ca_file, char **err);
/* sd_tls_ctx_free - NULL is fine; handshakes still using it keep it alive */
void sd_tls_ctx_free(sd_tls_ctx *c);

/* sd_tls_start - handshake on FD; SNI from HOST unless it is an address
 * literal; verify against CA_FILE or the system store, through SHARED
 * (from sd_tls_verify_ctx_new for the same CA_FILE) when not NULL. NULL
 * on failure with *kind and a one-line *msg (in words, OpenSSL's text
 * appended). When the server broke the handshake off after sending its
 * certificate because it wanted one from us (a CertificateRequest, then an
 * alert), *broken (if BROKEN is not NULL) gets a described but unusable
 * sd_tls: the server's chain, verified, and the alert. */
sd_tls *sd_tls_start(int fd, const char *host, const char *ca_file, sd_tls_ctx *shared, int implicit,
		     double deadline, sd_error *kind, char **msg, sd_tls **broken);
/* sd_tls_start_probe - the same, offering exactly PROBE (one version, the
 * given suites and groups), without verification or chain description.
 * SHARED (may be NULL) supplies the OpenSSL context.
 * HELLO_ONLY: abort as soon as the server's choice is known (at its
 * certificate); the result then only describes version, suite and, for
 * TLS 1.3, group, and the connection is unusable (drop it). */
sd_tls *sd_tls_start_probe(int fd, const char *host, const sd_tls_probe *probe, sd_tls_ctx *shared, int hello_only,
			   double deadline, sd_error *kind, char **msg);
/* sd_tls_ssl_recv - SSL_read on an established SSL as an sd_io_ops
 * receive (for any OpenSSL connection of the core, tls_weak.c's too): bytes
 * read; 0 at the end (close_notify, or an EOF without it); -1 with *want
 * (POLLIN/POLLOUT) to wait for and retry; -2 with errno on an error */
ssize_t sd_tls_ssl_recv(struct ssl_st *ssl, void *buf, size_t n, short *want);
/* sd_tls_ssl_send - SSL_write the same way: bytes written, -1 with *want,
 * -2 with errno (EPIPE when OpenSSL gave none) */
ssize_t sd_tls_ssl_send(struct ssl_st *ssl, const void *buf, size_t n, short *want);
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
