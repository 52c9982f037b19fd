/* SPDX-License-Identifier: MIT */
/*
 * conn.h - a byte stream with deadlines: line reads and full writes.
 *
 * The connection owns the socket and a fixed read buffer. Reads return one
 * line at a time (CRLF or bare LF), never more than the line cap; every read
 * and write takes an absolute deadline on the monotonic clock. The byte
 * transport is pluggable so TLS can slide in under the same line reader.
 */
#ifndef SD_CONN_H
#define SD_CONN_H

#include <stddef.h>
#include <sys/types.h>

#include <smtpdiag/session.h>

/* Transport: return bytes moved, 0 on orderly close (recv only), or -1 and
 * set *want to POLLIN/POLLOUT to be called again when the socket is ready,
 * or -2 for a hard error with errno set. */
typedef struct sd_io_ops {
	ssize_t (*recv)(void *ctx, int fd, void *buf, size_t n, short *want);
	ssize_t (*send)(void *ctx, int fd, const void *buf, size_t n, short *want);
} sd_io_ops;

typedef struct sd_conn sd_conn;

/* Flags a line read can raise (subset of the SD_REPLY_* bits). */

/* sd_conn_new - wrap connected socket FD; lines longer than LINE_MAX fail */
sd_conn *sd_conn_new(int fd, size_t line_max);
/* sd_conn_free - close the socket and free; NULL is fine */
void sd_conn_free(sd_conn *c);
/* sd_conn_fd - the socket */
int sd_conn_fd(const sd_conn *c);
/* sd_conn_set_io - replace the plain transport (e.g. by TLS) */
void sd_conn_set_io(sd_conn *c, const sd_io_ops *ops, void *ctx);
/* sd_conn_read_line - next line without its terminator, valid until the next
 * call; *flags gets SD_REPLY_BARE_LF / SD_REPLY_NUL; *first_byte (if not
 * NULL) the monotonic time the line's first byte was seen. 0 or an sd_error. */
int sd_conn_read_line(sd_conn *c, double deadline, const char **line, size_t *len,
		      unsigned *flags, double *first_byte);
/* sd_conn_write - write all of BUF before DEADLINE; 0 or an sd_error */
int sd_conn_write(sd_conn *c, const void *buf, size_t n, double deadline);
/* sd_conn_rx - bytes received so far; *last_ms gets when the last of them
 * arrived (sd_now_ms clock), -1 when none has */
size_t sd_conn_rx(const sd_conn *c, double *last_ms);
/* sd_conn_pending - bytes already buffered and not yet returned */
size_t sd_conn_pending(const sd_conn *c);
/* sd_conn_peek - the buffered unread bytes (not NUL-terminated); their count */
size_t sd_conn_peek(const sd_conn *c, const char **data);
/* sd_conn_discard - drop buffered unread bytes; returns how many */
size_t sd_conn_discard(sd_conn *c);
/* sd_conn_errno - errno of the last SD_ERR_IO/SD_ERR_RESET */
int sd_conn_errno(const sd_conn *c);

#endif
