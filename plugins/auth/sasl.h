/* SPDX-License-Identifier: MIT */
/*
 * sasl.h - the client side of the SASL mechanisms the auth check speaks:
 * PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195), SCRAM-SHA-1 and
 * SCRAM-SHA-256 (RFC 5802, RFC 7677; no channel binding). Pure functions
 * over strings, with OpenSSL for the cryptography, so each one is tested
 * against the RFCs' own examples. Every returned string is malloc'ed;
 * those holding secrets are wiped by sasl_free_secret().
 */
#ifndef SD_PLUGIN_SASL_H
#define SD_PLUGIN_SASL_H

#include <stddef.h>

/* b64 - base64 of LEN bytes (no line breaks) */
char *sasl_b64(const void *data, size_t len);
/* unb64 - decode TEXT; NULL if it is not base64. *LEN gets the size. */
unsigned char *sasl_unb64(const char *text, size_t *len);

/* sasl_plain - the initial response: base64("" NUL user NUL password) */
char *sasl_plain(const char *user, const char *password);
/* sasl_cram_md5 - the answer to a base64 CHALLENGE: base64(user SP hex(HMAC-MD5(password, challenge))) */
char *sasl_cram_md5(const char *user, const char *password, const char *challenge_b64);

typedef struct sasl_scram {
	const char *hash;           /* "SHA1" or "SHA256" */
	char *client_first_bare;    /* n=user,r=nonce */
	char *server_first;
	char *auth_message;
	unsigned char server_key[64];
	size_t key_len;
} sasl_scram;

/* sasl_scram_first - start: HASH "SHA1"/"SHA256", NONCE (NULL: random);
 * returns the client-first-message to send (not base64-encoded) */
char *sasl_scram_first(sasl_scram *sc, const char *hash, const char *user, const char *nonce);
/* sasl_scram_final - from the server-first-message, the client-final-message
 * (not base64-encoded); NULL and *err if the server's message is malformed
 * or does not extend our nonce */
char *sasl_scram_final(sasl_scram *sc, const char *server_first, const char *password, const char **err);
/* sasl_scram_verify - 1 if the server-final-message proves the server knew
 * the password (v=...), 0 if not, -1 if it reports an error (e=...) */
int sasl_scram_verify(const sasl_scram *sc, const char *server_final);
/* sasl_scram_clear - wipe and free */
void sasl_scram_clear(sasl_scram *sc);

/* sasl_free_secret - wipe a returned string that held a secret, then free it */
void sasl_free_secret(char *s);

#endif
