/* SPDX-License-Identifier: MIT */
/*
 * sasl.c - client SASL mechanisms for the auth check (see sasl.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "sasl.h"

/* sasl_b64 - DATA (LEN bytes) base64 encoded, newly allocated (NULL when out of memory) */
char *sasl_b64(const void *data, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out != NULL)
		EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

/* sasl_unb64 - base64 TEXT decoded (length in *LEN), newly allocated; NULL when it is not base64 */
unsigned char *sasl_unb64(const char *text, size_t *len)
{
	size_t tl = strlen(text);
	unsigned char *out;

	if (tl % 4 != 0 || strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != tl)
		return NULL;
	out = malloc(tl / 4 * 3 + 1);
	if (out == NULL)
		return NULL;
	int n = EVP_DecodeBlock(out, (const unsigned char *)text, (int)tl);
	if (n < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as data */
	for (size_t i = tl; i > 0 && text[i - 1] == '='; i--)
		n--;
	out[n] = '\0';
	*len = (size_t)n;
	return out;
}

/* sasl_free_secret - wipe and free the secret string S (NULL is fine) */
void sasl_free_secret(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

/* sasl_plain - the AUTH PLAIN response for USER and PASSWORD in base64 (the plain buffer wiped) */
char *sasl_plain(const char *user, const char *password)
{
	size_t ul = strlen(user), pl = strlen(password), n = ul + pl + 2;
	unsigned char *buf = malloc(n);

	if (buf == NULL)
		return NULL;
	buf[0] = '\0';
	memcpy(buf + 1, user, ul);
	buf[1 + ul] = '\0';
	memcpy(buf + 2 + ul, password, pl);
	char *out = sasl_b64(buf, n);
	OPENSSL_cleanse(buf, n);
	free(buf);
	return out;
}

/* hmac - HMAC with DIGEST of DATA under KEY into OUT (length in *OLEN); -1 on failure */
static int hmac(const char *digest, const void *key, size_t klen, const void *data, size_t dlen, unsigned char *out,
		size_t *olen)
{
	return EVP_Q_mac(NULL, "HMAC", NULL, digest, NULL, key, klen, (const unsigned char *)data, dlen, out, 64, olen) != NULL
		       ? 0
		       : -1;
}

/* sasl_cram_md5 - the CRAM-MD5 response "USER hex-HMAC-MD5" to CHALLENGE_B64, in base64 */
char *sasl_cram_md5(const char *user, const char *password, const char *challenge_b64)
{
	size_t clen, mlen;
	unsigned char *challenge = sasl_unb64(challenge_b64, &clen), mac[64];
	char hex[2 * 16 + 1], *line, *out;

	if (challenge == NULL)
		return NULL;
	int rc = hmac("MD5", password, strlen(password), challenge, clen, mac, &mlen);
	free(challenge);
	if (rc != 0 || mlen != 16)
		return NULL;
	for (size_t i = 0; i < mlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	size_t n = strlen(user) + 1 + 32 + 1;
	line = malloc(n);
	if (line == NULL)
		return NULL;
	snprintf(line, n, "%s %s", user, hex);
	out = sasl_b64(line, strlen(line));
	sasl_free_secret(line);
	return out;
}

/* saslname - RFC 5802 5.1: ',' and '=' in the user name are escaped */
static char *saslname(const char *user)
{
	char *out = malloc(3 * strlen(user) + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (const char *u = user; *u; u++) {
		if (*u == ',')
			o += sprintf(o, "=2C");
		else if (*u == '=')
			o += sprintf(o, "=3D");
		else
			*o++ = *u;
	}
	*o = '\0';
	return out;
}

/* sasl_scram_first - start SCRAM with HASH for USER in SC (a random nonce
 * unless NONCE); the client-first message in base64 */
char *sasl_scram_first(sasl_scram *sc, const char *hash, const char *user, const char *nonce)
{
	char rnd[33];
	unsigned char raw[18];

	memset(sc, 0, sizeof(*sc));
	sc->hash = hash;
	if (nonce == NULL) {
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			return NULL;
		EVP_EncodeBlock((unsigned char *)rnd, raw, sizeof(raw)); /* 24 chars, no '=' and no ',' */
		nonce = rnd;
	}
	char *name = saslname(user);
	if (name == NULL)
		return NULL;
	size_t n = strlen(name) + strlen(nonce) + 8;
	sc->client_first_bare = malloc(n);
	char *out = malloc(n + 3);
	if (sc->client_first_bare == NULL || out == NULL) {
		free(name);
		free(out);
		return NULL;
	}
	snprintf(sc->client_first_bare, n, "n=%s,r=%s", name, nonce);
	snprintf(out, n + 3, "n,,%s", sc->client_first_bare); /* gs2 header: no channel binding, no authzid */
	free(name);
	return out;
}

/* attr - the value of "K=" in a SCRAM message, copied into OUT */
static int attr(const char *msg, char k, char *out, size_t len)
{
	for (const char *p = msg; p != NULL && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		if (p[0] == k && p[1] == '=') {
			size_t l = strcspn(p + 2, ",");
			if (l >= len)
				return -1;
			memcpy(out, p + 2, l);
			out[l] = '\0';
			return 0;
		}
	}
	return -1;
}

/* sasl_scram_final - the SCRAM client-final message answering SERVER_FIRST with
 * PASSWORD; NULL and *ERR when it cannot */
char *sasl_scram_final(sasl_scram *sc, const char *server_first, const char *password, const char **err)
{
	char nonce[512], salt_b64[512], iter[16], mine[512];
	const EVP_MD *md = EVP_get_digestbyname(sc->hash);
	size_t dlen = md != NULL ? (size_t)EVP_MD_get_size(md) : 0;

	*err = NULL;
	if (md == NULL) {
		*err = "this OpenSSL lacks the hash";
		return NULL;
	}
	if (attr(server_first, 'r', nonce, sizeof(nonce)) != 0 || attr(server_first, 's', salt_b64, sizeof(salt_b64)) != 0 ||
	    attr(server_first, 'i', iter, sizeof(iter)) != 0 || strncmp(server_first, "m=", 2) == 0) {
		*err = "the server's SCRAM challenge is malformed";
		return NULL;
	}
	if (attr(sc->client_first_bare, 'r', mine, sizeof(mine)) != 0 || strncmp(nonce, mine, strlen(mine)) != 0 ||
	    strlen(nonce) == strlen(mine)) {
		*err = "the server's SCRAM nonce does not extend ours (replay or a broken server)";
		return NULL;
	}
	char *end;
	long iterations = strtol(iter, &end, 10);
	if (*end != '\0' || iterations < 1 || iterations > 10000000) {
		*err = "the server's SCRAM iteration count is not usable";
		return NULL;
	}
	size_t slen;
	unsigned char *salt = sasl_unb64(salt_b64, &slen);
	if (salt == NULL) {
		*err = "the server's SCRAM salt is not base64";
		return NULL;
	}
	/* RFC 5802 3: SaltedPassword, ClientKey, StoredKey, ServerKey */
	unsigned char salted[64], ckey[64], stored[64], sig[64], proof[64];
	size_t l;
	int ok = PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)slen, (int)iterations, md, (int)dlen,
				   salted) == 1;
	free(salt);
	ok = ok && hmac(sc->hash, salted, dlen, "Client Key", 10, ckey, &l) == 0;
	ok = ok && EVP_Digest(ckey, dlen, stored, NULL, md, NULL) == 1;
	ok = ok && hmac(sc->hash, salted, dlen, "Server Key", 10, sc->server_key, &sc->key_len) == 0;

	char final_bare[600];
	snprintf(final_bare, sizeof(final_bare), "c=biws,r=%s", nonce); /* biws = base64("n,,") */
	size_t am = strlen(sc->client_first_bare) + strlen(server_first) + strlen(final_bare) + 3;
	sc->auth_message = malloc(am);
	sc->server_first = strdup(server_first);
	ok = ok && sc->auth_message != NULL && sc->server_first != NULL;
	if (ok) {
		snprintf(sc->auth_message, am, "%s,%s,%s", sc->client_first_bare, server_first, final_bare);
		ok = hmac(sc->hash, stored, dlen, sc->auth_message, strlen(sc->auth_message), sig, &l) == 0;
	}
	char *out = NULL;
	if (ok) {
		for (size_t i = 0; i < dlen; i++)
			proof[i] = ckey[i] ^ sig[i];
		char *p64 = sasl_b64(proof, dlen);
		size_t n = strlen(final_bare) + (p64 != NULL ? strlen(p64) : 0) + 4;
		out = p64 != NULL ? malloc(n) : NULL;
		if (out != NULL)
			snprintf(out, n, "%s,p=%s", final_bare, p64);
		free(p64);
	}
	OPENSSL_cleanse(salted, sizeof(salted));
	OPENSSL_cleanse(ckey, sizeof(ckey));
	OPENSSL_cleanse(stored, sizeof(stored));
	OPENSSL_cleanse(proof, sizeof(proof));
	if (out == NULL)
		*err = "SCRAM computation failed";
	return out;
}

/* sasl_scram_verify - does SERVER_FINAL carry the server signature SC expects
 * (1), a different one (0), or an error e= (-1) */
int sasl_scram_verify(const sasl_scram *sc, const char *server_final)
{
	char v[256];
	unsigned char want[64];
	size_t l;

	if (strncmp(server_final, "e=", 2) == 0)
		return -1;
	if (sc->auth_message == NULL || attr(server_final, 'v', v, sizeof(v)) != 0 ||
	    hmac(sc->hash, sc->server_key, sc->key_len, sc->auth_message, strlen(sc->auth_message), want, &l) != 0)
		return 0;
	char *w64 = sasl_b64(want, l);
	int same = w64 != NULL && strcmp(w64, v) == 0;
	free(w64);
	return same;
}

/* sasl_scram_clear - free SC's messages and wipe its server key */
void sasl_scram_clear(sasl_scram *sc)
{
	free(sc->client_first_bare);
	free(sc->server_first);
	free(sc->auth_message);
	OPENSSL_cleanse(sc->server_key, sizeof(sc->server_key));
	memset(sc, 0, sizeof(*sc));
}
