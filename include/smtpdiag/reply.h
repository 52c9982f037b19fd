/* SPDX-License-Identifier: MIT */
/*
 * smtpdiag/reply.h - a parsed SMTP server reply (RFC 5321 section 4.2).
 *
 * Part of the smtpdiag plugin API. The core reads every reply from the wire
 * exactly once and turns it into this structure; checks look at the code,
 * the enhanced status code (RFC 3463) and the text lines, never at raw bytes.
 * A reply is owned by the session that produced it and stays valid until the
 * session is freed.
 */
#ifndef SMTPDIAG_REPLY_H
#define SMTPDIAG_REPLY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Protocol irregularities noticed while parsing; several may be set. */
enum {
	SD_REPLY_BAD_SYNTAX = 1u << 0,   /* a line does not start with 3 digits + SP/-/EOL */
	SD_REPLY_MIXED_CODES = 1u << 1,  /* lines of one reply carry different codes */
	SD_REPLY_BARE_LF = 1u << 2,      /* a line ended in LF without CR */
	SD_REPLY_LONG_LINE = 1u << 3,    /* a line exceeded 512 octets (RFC 5321 4.5.3.1.5) */
	SD_REPLY_NUL = 1u << 4,          /* NUL bytes were received (replaced by '?') */
	SD_REPLY_TRUNCATED = 1u << 5,    /* more lines than the core keeps; the rest dropped */
	SD_REPLY_BAD_CODE = 1u << 6      /* code outside 200..599 (RFC 5321 4.2.1) */
};

typedef struct sd_reply {
	int code;              /* 3-digit reply code of the first line; 0 if unparseable */
	char enhanced[16];     /* RFC 3463 "5.7.1" of the first line, or "" */
	size_t nlines;         /* number of text lines kept (>= 1 for a parsed reply) */
	const char *const *lines; /* text after "250-"/"250 ", enhanced code kept */
	unsigned flags;        /* SD_REPLY_* bits */
	double elapsed_ms;     /* command sent (or connect) -> last line received */
	double first_byte_ms;  /* command sent (or connect) -> first byte received */
} sd_reply;

/* sd_reply_class - first digit of the code (2, 3, 4, 5), 0 if invalid */
static inline int sd_reply_class(const sd_reply *r)
{
	return r != NULL ? r->code / 100 : 0;
}

#ifdef __cplusplus
}
#endif
#endif
