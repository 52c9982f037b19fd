/* SPDX-License-Identifier: MIT */
/*
 * tls.c - the client side of TLS for a session (OpenSSL 3).
 *
 * Each handshake has its own SSL_CTX: nothing is shared between targets.
 * The client is deliberately permissive (TLS 1.0 and up, @SECLEVEL=0) so
 * that a weak server is reached and reported rather than refused; what a
 * modern server negotiates is unchanged, since the server chooses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "base/clock.h"
#include "wire/tls.h"
#include "base/util.h"

#define SD_TLS_MAX_ERRORS 32
#define SD_TLS_MAX_CHAIN 16

struct sd_tls {
	SSL_CTX *ctx;
	SSL *ssl;
	sd_tls_info info;
	sd_cert chain[SD_TLS_MAX_CHAIN];
	sd_verify_error errors[SD_TLS_MAX_ERRORS];
	char **strings;          /* everything the info points to */
	size_t nstrings;
	int hello_only;          /* a probe that stops at the server's choice */
	int stopped;             /* ... and did: the ServerHello was read */
	int ticket_seen;         /* a NewSessionTicket came: the server accepted our Finished */
	BIO_METHOD *meth;        /* the hello-only input filter */
};

struct sd_tls_ctx {
	SSL_CTX *ctx;
};

/* keep - the string is freed with the sd_tls */
static const char *keep(sd_tls *t, char *s)
{
	t->strings = sd_xrealloc(t->strings, (t->nstrings + 1) * sizeof(char *));
	t->strings[t->nstrings++] = s;
	return s;
}

/* classify - the sd_verify_kind of an OpenSSL X509_V_ERR verification CODE */
static sd_verify_kind classify(int code)
{
	switch (code) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return SD_VERIFY_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return SD_VERIFY_NOT_YET_VALID;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return SD_VERIFY_SELF_SIGNED;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		return SD_VERIFY_SELF_SIGNED_IN_CHAIN;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return SD_VERIFY_UNKNOWN_ISSUER;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		return SD_VERIFY_BAD_SIGNATURE;
	default:
		return SD_VERIFY_OTHER;
	}
}

/* verify_cb - record the problem, carry on (see the file comment) */
static int verify_cb(int ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	sd_tls *t = ssl != NULL ? SSL_get_app_data(ssl) : NULL;

	if (!ok && t != NULL && t->info.nerrors < SD_TLS_MAX_ERRORS) {
		int code = X509_STORE_CTX_get_error(store);
		int depth = X509_STORE_CTX_get_error_depth(store);
		for (size_t i = 0; i < t->info.nerrors; i++)
			if (t->errors[i].code == code && t->errors[i].depth == depth)
				return 1;
		t->errors[t->info.nerrors++] = (sd_verify_error){
			depth, code, keep(t, sd_xstrdup(X509_verify_cert_error_string(code))), classify(code) };
	}
	return 1;
}

/* ssl_status - SSL_get_error() for R; *want gets the readiness to wait
 * for (POLLIN/POLLOUT) when the call should be retried, else 0 */
static int ssl_status(SSL *ssl, int r, short *want)
{
	int e = SSL_get_error(ssl, r);

	*want = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
	return e;
}

/* sd_tls_ssl_recv - SSL_read on SSL as an sd_io_ops receive */
ssize_t sd_tls_ssl_recv(SSL *ssl, void *buf, size_t n, short *want)
{
	ERR_clear_error();
	errno = 0;
	int r = SSL_read(ssl, buf, n > (size_t)INT32_MAX ? INT32_MAX : (int)n);
	if (r > 0)
		return r;
	int e = ssl_status(ssl, r, want);
	if (*want != 0)
		return -1;
	if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0))
		return 0;
	/* OpenSSL 3 reports an EOF without close_notify as an SSL error */
	if (ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
		return 0;
	if (e != SSL_ERROR_SYSCALL)
		errno = EPROTO;
	return -2;
}

/* sd_tls_ssl_send - SSL_write on SSL as an sd_io_ops send */
ssize_t sd_tls_ssl_send(SSL *ssl, const void *buf, size_t n, short *want)
{
	ERR_clear_error();
	errno = 0;
	int r = SSL_write(ssl, buf, n > (size_t)INT32_MAX ? INT32_MAX : (int)n);
	if (r > 0)
		return r;
	ssl_status(ssl, r, want);
	if (*want != 0)
		return -1;
	if (errno == 0)
		errno = EPIPE;
	return -2;
}

/* tls_recv - the session's sd_io_ops receive */
static ssize_t tls_recv(void *ctx, int fd, void *buf, size_t n, short *want)
{
	(void)fd;
	return sd_tls_ssl_recv(((sd_tls *)ctx)->ssl, buf, n, want);
}

/* tls_send - the session's sd_io_ops send */
static ssize_t tls_send(void *ctx, int fd, const void *buf, size_t n, short *want)
{
	(void)fd;
	return sd_tls_ssl_send(((sd_tls *)ctx)->ssl, buf, n, want);
}

const sd_io_ops sd_tls_io = { tls_recv, tls_send };

/* in_words - a handshake failure as an administrator would say it */
static char *in_words(sd_tls *t, int ret, int sslerr, int sys_errno)
{
	unsigned long e = ERR_peek_last_error();
	int reason = ERR_GET_REASON(e);
	char ossl[256] = "";
	const char *w;

	if (e != 0)
		ERR_error_string_n(e, ossl, sizeof(ossl));
	const char *alert = t->info.alert != NULL ? t->info.alert : "";
	/* the alert the server sent is its reason: classify by it, not by guess */
	if (t->info.cert_requested && alert[0] != '\0' &&
	    (strcmp(alert, "handshake_failure") == 0 || strcmp(alert, "certificate_required") == 0 ||
	     strcmp(alert, "bad_certificate") == 0 || strcmp(alert, "access_denied") == 0 ||
	     strcmp(alert, "unknown_ca") == 0 || strcmp(alert, "certificate_unknown") == 0))
		return sd_asprintf("the server requires a client certificate (%s alert after its "
				   "CertificateRequest)%s%s%s", alert, ossl[0] ? " (OpenSSL: " : "", ossl, ossl[0] ? ")" : "");
	if (sslerr == SSL_ERROR_SYSCALL && e == 0) {
		if (ret == 0 || sys_errno == 0)
			return sd_xstrdup("the server closed the connection during the TLS handshake");
		if (sys_errno == ECONNRESET)
			return sd_xstrdup("the server reset the connection during the TLS handshake");
		return sd_asprintf("socket error during the TLS handshake: %s", strerror(sys_errno));
	}
	switch (reason) {
	case SSL_R_UNEXPECTED_EOF_WHILE_READING:
		w = "the server closed the connection during the TLS handshake";
		break;
	case SSL_R_WRONG_VERSION_NUMBER:
	case SSL_R_PACKET_LENGTH_TOO_LONG:
	case SSL_R_RECORD_LENGTH_MISMATCH:
	case SSL_R_HTTP_REQUEST:
		w = "the server did not answer with TLS (plain text or garbage where a handshake was due)";
		break;
	case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
		w = "the server refused the handshake (handshake_failure alert): no shared cipher, "
		    "protocol version or signature algorithm";
		break;
	case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
	case SSL_R_UNSUPPORTED_PROTOCOL:
	case SSL_R_NO_PROTOCOLS_AVAILABLE:
		w = "no TLS protocol version in common with the server";
		break;
	case SSL_R_NO_CIPHERS_AVAILABLE:
	case SSL_R_NO_SHARED_CIPHER:
		w = "no shared cipher with the server";
		break;
	case SSL_R_TLSV1_ALERT_INTERNAL_ERROR:
		w = "the server reported an internal error (often an unreadable certificate or key)";
		break;
	case SSL_R_TLSV1_ALERT_DECODE_ERROR:
	case SSL_R_TLSV1_ALERT_DECRYPT_ERROR:
	case SSL_R_BAD_SIGNATURE:
		w = "the handshake failed a cryptographic check (bad signature or decode error)";
		break;
	case SSL_R_DH_KEY_TOO_SMALL:
	case SSL_R_EE_KEY_TOO_SMALL:
	case SSL_R_CA_KEY_TOO_SMALL:
		w = "the server's key or DH parameters are too small even for a permissive client";
		break;
	default:
		if (alert[0] != '\0')
			return sd_asprintf("the server refused the handshake (%s alert)%s%s%s", alert,
					   ossl[0] ? " (OpenSSL: " : "", ossl, ossl[0] ? ")" : "");
		w = "the TLS handshake failed";
		break;
	}
	return ossl[0] ? sd_asprintf("%s (OpenSSL: %s)", w, ossl) : sd_xstrdup(w);
}

/* name_text - X509 name N as a newly allocated RFC 2253 string */
static char *name_text(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out;
	BUF_MEM *m;

	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253);
	BIO_get_mem_ptr(b, &m);
	out = sd_xstrndup(m->data, m->length);
	BIO_free(b);
	return out;
}

/* asn1_time - ASN1 time A as a time_t (0 when missing or unreadable) */
static time_t asn1_time(const ASN1_TIME *a)
{
	struct tm tm;

	if (a == NULL || ASN1_TIME_to_tm(a, &tm) != 1)
		return 0;
	return timegm(&tm);
}

/* describe_cert - fill C from X */
/* ca_issuers - X's first AIA CA Issuers URI (RFC 5280 4.2.2.1), or "" */
static char *ca_issuers(X509 *x)
{
	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	char *uri = NULL;

	for (int k = 0; aia != NULL && k < sk_ACCESS_DESCRIPTION_num(aia) && uri == NULL; k++) {
		const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, k);
		if (OBJ_obj2nid(ad->method) == NID_ad_ca_issuers && ad->location->type == GEN_URI) {
			const ASN1_IA5STRING *u = ad->location->d.uniformResourceIdentifier;
			uri = sd_xstrndup((const char *)ASN1_STRING_get0_data(u), (size_t)ASN1_STRING_length(u));
		}
	}
	AUTHORITY_INFO_ACCESS_free(aia);
	return uri != NULL ? uri : sd_xstrdup("");
}

/* describe_cert - fill C with the subject, issuer, names, dates, key and
 * fingerprint of certificate X */
static void describe_cert(sd_tls *t, X509 *x, sd_cert *c)
{
	char buf[256];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	c->subject = keep(t, name_text(X509_get_subject_name(x)));
	c->issuer = keep(t, name_text(X509_get_issuer_name(x)));
	/* the CN with its length: a NUL inside must not cut it to a name it is not */
	int cn = X509_NAME_get_index_by_NID(X509_get_subject_name(x), NID_commonName, -1);
	const ASN1_STRING *cns = cn >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(X509_get_subject_name(x), cn)) : NULL;
	if (cns != NULL && memchr(ASN1_STRING_get0_data(cns), '\0', (size_t)ASN1_STRING_length(cns)) != NULL) {
		c->common_name = keep(t, sd_escape(ASN1_STRING_get0_data(cns), (size_t)ASN1_STRING_length(cns)));
		c->name_nul = 1;
	} else {
		buf[0] = '\0';
		if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, sizeof(buf)) < 0)
			buf[0] = '\0';
		c->common_name = keep(t, sd_xstrdup(buf));
	}

	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	const char **sans = NULL;
	size_t n = 0;
	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) && n < 256; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char *s = NULL;
		if (g->type == GEN_DNS) {
			const unsigned char *d = ASN1_STRING_get0_data(g->d.dNSName);
			int l = ASN1_STRING_length(g->d.dNSName);
			/* an embedded NUL is an attack on name checks: keep it visible, escaped */
			if (memchr(d, '\0', (size_t)l) != NULL) {
				char *e = sd_escape(d, (size_t)l);
				s = sd_asprintf("DNS:%s", e);
				free(e);
				c->name_nul = 1;
			} else {
				s = sd_asprintf("DNS:%.*s", l, (const char *)d);
			}
		} else if (g->type == GEN_IPADD) {
			char ip[INET6_ADDRSTRLEN] = "?";
			int l = ASN1_STRING_length(g->d.iPAddress);
			const unsigned char *d = ASN1_STRING_get0_data(g->d.iPAddress);
			if (l == 4 || l == 16)
				inet_ntop(l == 4 ? AF_INET : AF_INET6, d, ip, sizeof(ip));
			s = sd_asprintf("IP:%s", ip);
		}
		if (s != NULL) {
			sans = sd_xrealloc(sans, (n + 1) * sizeof(char *));
			sans[n++] = keep(t, s);
		}
	}
	GENERAL_NAMES_free(gens);
	c->sans = sans;
	c->nsans = n;
	if (sans != NULL)
		keep(t, (char *)sans);

	EVP_PKEY *pk = X509_get0_pubkey(x);
	if (pk != NULL) {
		const char *tn = EVP_PKEY_get0_type_name(pk);
		c->key_type = keep(t, sd_xstrdup(tn != NULL ? tn : "unknown"));
		c->key_bits = EVP_PKEY_get_bits(pk);
	} else {
		c->key_type = keep(t, sd_xstrdup("unknown"));
	}
	int sig = X509_get_signature_nid(x);
	c->signature_algorithm = keep(t, sd_xstrdup(sig != NID_undef ? OBJ_nid2ln(sig) : "unknown"));
	c->not_before = asn1_time(X509_get0_notBefore(x));
	c->not_after = asn1_time(X509_get0_notAfter(x));
	c->self_signed = X509_self_signed(x, 1) == 1;
	c->is_ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0;

	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
	c->serial = keep(t, sd_xstrdup(hex != NULL ? hex : ""));
	OPENSSL_free(hex);
	BN_free(bn);

	char fp[EVP_MAX_MD_SIZE * 3 + 1] = "";
	if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1)
		for (unsigned i = 0; i < mdlen; i++)
			snprintf(fp + i * 3, sizeof(fp) - i * 3, "%02X%s", md[i], i + 1 < mdlen ? ":" : "");
	c->sha256 = keep(t, sd_xstrdup(fp));

	/* the encodings DANE TLSA records are matched against (RFC 6698 2.1.2) */
	int dl = i2d_X509(x, NULL);
	if (dl > 0) {
		unsigned char *b = sd_xcalloc(1, (size_t)dl), *p = b;
		if (i2d_X509(x, &p) == dl) {
			c->der = (const unsigned char *)keep(t, (char *)b);
			c->der_len = (size_t)dl;
		} else {
			free(b);
		}
	}
	X509_PUBKEY *xpk = X509_get_X509_PUBKEY(x);
	int sl = xpk != NULL ? i2d_X509_PUBKEY(xpk, NULL) : -1;
	if (sl > 0) {
		unsigned char *b = sd_xcalloc(1, (size_t)sl), *p = b;
		if (i2d_X509_PUBKEY(xpk, &p) == sl) {
			c->spki = (const unsigned char *)keep(t, (char *)b);
			c->spki_len = (size_t)sl;
		} else {
			free(b);
		}
	}
}

/* describe - everything about the finished handshake */
static void describe(sd_tls *t, const char *sni, int implicit, double ms, const char *ca_file, int full)
{
	sd_tls_info *i = &t->info;
	const SSL_CIPHER *c = SSL_get_current_cipher(t->ssl);

	if (c == NULL)
		c = SSL_get_pending_cipher(t->ssl); /* a probe stopped mid-handshake */

	i->version = SSL_get_version(t->ssl);
	i->version_number = SSL_version(t->ssl);
	i->cipher = c != NULL ? SSL_CIPHER_get_name(c) : "";
	i->cipher_iana = c != NULL && SSL_CIPHER_standard_name(c) != NULL ? SSL_CIPHER_standard_name(c) : "";
	i->cipher_bits = c != NULL ? SSL_CIPHER_get_bits(c, NULL) : 0;
	int nid = SSL_get_negotiated_group(t->ssl);
	const char *g = nid != NID_undef ? SSL_group_to_name(t->ssl, nid) : NULL;
	EVP_PKEY *tmp = NULL;
	char *gname = NULL;
	if (SSL_get_peer_tmp_key(t->ssl, &tmp) == 1) {
		/* the size of the server's ephemeral key is what security levels judge */
		i->kx_bits = EVP_PKEY_get_bits(tmp);
		i->kx_security_bits = EVP_PKEY_get_security_bits(tmp);
		i->kx_finite_field = EVP_PKEY_is_a(tmp, "DH") || EVP_PKEY_is_a(tmp, "DHX");
		if (g == NULL) /* TLS 1.2 DHE: no named group, "DH 1024" */
			gname = sd_asprintf("%s %d", EVP_PKEY_get0_type_name(tmp), EVP_PKEY_get_bits(tmp));
		EVP_PKEY_free(tmp);
	}
	i->group = keep(t, gname != NULL ? gname : sd_xstrdup(g != NULL ? g : ""));
	int kx = c != NULL ? SSL_CIPHER_get_kx_nid(c) : NID_undef;
	i->forward_secrecy = i->version_number >= TLS1_3_VERSION || kx == NID_kx_ecdhe || kx == NID_kx_dhe ||
			     kx == NID_kx_ecdhe_psk || kx == NID_kx_dhe_psk;
	const unsigned char *alpn = NULL;
	unsigned alen = 0;
	SSL_get0_alpn_selected(t->ssl, &alpn, &alen);
	i->alpn = keep(t, alen ? sd_xstrndup((const char *)alpn, alen) : sd_xstrdup(""));
	i->sni = keep(t, sd_xstrdup(sni != NULL ? sni : ""));
	i->handshake_ms = ms;
	i->implicit = implicit;
	i->trust_store = keep(t, sd_xstrdup(ca_file != NULL ? ca_file : "system"));

	if (!full)
		return; /* a probe needs the suite and group, not the chain */
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(t->ssl);
	i->nchain_sent = chain != NULL ? (size_t)sk_X509_num(chain) : 0;
	for (int k = 0; chain != NULL && k < sk_X509_num(chain) && k < SD_TLS_MAX_CHAIN; k++)
		describe_cert(t, sk_X509_value(chain, k), &t->chain[i->nchain++]);
	i->chain = t->chain;
	i->errors = t->errors;
	if (i->nchain > 0)
		i->ca_issuers = keep(t, ca_issuers(sk_X509_value(chain, 0)));
	i->verified = i->nchain > 0 && i->nerrors == 0 && SSL_get_verify_result(t->ssl) == X509_V_OK;
}

/* is_ip_literal - is H an IPv4 or IPv6 address literal rather than a host name */
static int is_ip_literal(const char *h)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1;
}

/* alert_name - the IANA name of TLS alert DESC (RFC 8446 6, RFC 5246 7.2) */
static const char *alert_name(int desc)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
		{ 0, "close_notify" },          { 10, "unexpected_message" },    { 20, "bad_record_mac" },
		{ 22, "record_overflow" },      { 40, "handshake_failure" },     { 42, "bad_certificate" },
		{ 43, "unsupported_certificate" }, { 44, "certificate_revoked" }, { 45, "certificate_expired" },
		{ 46, "certificate_unknown" },  { 47, "illegal_parameter" },     { 48, "unknown_ca" },
		{ 49, "access_denied" },        { 50, "decode_error" },          { 51, "decrypt_error" },
		{ 70, "protocol_version" },     { 71, "insufficient_security" }, { 80, "internal_error" },
		{ 86, "inappropriate_fallback" }, { 90, "user_canceled" },      { 109, "missing_extension" },
		{ 110, "unsupported_extension" }, { 112, "unrecognized_name" }, { 113, "bad_certificate_status_response" },
		{ 115, "unknown_psk_identity" }, { 116, "certificate_required" }, { 120, "no_application_protocol" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == desc)
			return names[i].name;
	return "unknown_alert";
}

/* info_cb - keep the last alert the server sent (the reason it gave) */
static void info_cb(const SSL *ssl, int where, int ret)
{
	sd_tls *t = SSL_get_app_data(ssl);

	if (t != NULL && (where & SSL_CB_READ_ALERT) && (ret & 0xff) != 0)
		t->info.alert = alert_name(ret & 0xff); /* close_notify is no reason */
}

/* A hello-only probe has what it came for once the server has chosen: its
 * ServerHello. The message callback notices it and a thin BIO under the
 * SSL then ends the input, so OpenSSL stops before the costly part of the
 * handshake (our DH key, signatures to check, a DH group to validate). */
static const unsigned char hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* probe_msg - handshake message callback: note a CertificateRequest, and stop a
 * hello-only probe at the ServerHello */
static void probe_msg(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl,
		      void *arg)
{
	const unsigned char *m = buf;
	sd_tls *t = SSL_get_app_data(ssl);

	(void)version;
	(void)arg;
	if (!write_p && content_type == SSL3_RT_HANDSHAKE && len > 0 && t != NULL &&
	    m[0] == SSL3_MT_CERTIFICATE_REQUEST)
		t->info.cert_requested = 1;
	if (!write_p && content_type == SSL3_RT_HANDSHAKE && len > 0 && t != NULL &&
	    m[0] == SSL3_MT_NEWSESSION_TICKET)
		t->ticket_seen = 1;
	if (write_p || content_type != SSL3_RT_HANDSHAKE || len < 38 || m[0] != SSL3_MT_SERVER_HELLO ||
	    t == NULL || !t->hello_only)
		return;
	/* a HelloRetryRequest (RFC 8446 4.1.3) is not the choice yet */
	if (memcmp(m + 6, hrr_random, sizeof(hrr_random)) != 0)
		t->stopped = 1;
}

/* stop_read - filter BIO read: fail once the probe has its ServerHello, else
 * read from the next BIO */
static int stop_read(BIO *b, char *out, int outl)
{
	const sd_tls *t = BIO_get_data(b);

	BIO_clear_retry_flags(b);
	if (t->stopped)
		return -1; /* the ServerHello was all we needed */
	int n = BIO_read(BIO_next(b), out, outl);
	BIO_copy_next_retry(b);
	return n;
}

/* stop_write - filter BIO write: pass the bytes to the next BIO */
static int stop_write(BIO *b, const char *in, int inl)
{
	BIO_clear_retry_flags(b);
	int n = BIO_write(BIO_next(b), in, inl);
	BIO_copy_next_retry(b);
	return n;
}

/* stop_ctrl - filter BIO control: pass CMD to the next BIO */
static long stop_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	return BIO_ctrl(BIO_next(b), cmd, num, ptr);
}

/* stop_create - filter BIO create: mark B initialised */
static int stop_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

/* stop_bio - FD under a filter that ends the input once T->stopped */
static BIO *stop_bio(sd_tls *t, int fd)
{
	/* a fixed type number: BIO_get_new_index() hands out a few hundred
	 * numbers per process, and the type is only a label here */
	t->meth = BIO_meth_new(0xf0 | BIO_TYPE_FILTER, "smtpdiag hello-only");
	if (t->meth == NULL || BIO_meth_set_read(t->meth, stop_read) != 1 ||
	    BIO_meth_set_write(t->meth, stop_write) != 1 || BIO_meth_set_ctrl(t->meth, stop_ctrl) != 1 ||
	    BIO_meth_set_create(t->meth, stop_create) != 1)
		return NULL;
	BIO *filter = BIO_new(t->meth), *sock = BIO_new_socket(fd, BIO_NOCLOSE);
	if (filter == NULL || sock == NULL) {
		BIO_free(filter);
		BIO_free(sock);
		return NULL;
	}
	BIO_set_data(filter, t);
	return BIO_push(filter, sock);
}

/* probe_ctx - an SSL_CTX for probes: security level 0, no tickets, no
 * verification, ServerHello callback */
static SSL_CTX *probe_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	/* no trust store: probes only ask what the server accepts */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_msg_callback(ctx, probe_msg);
	return ctx;
}

/* sd_tls_probe_ctx_new - one OpenSSL context for many probes */
sd_tls_ctx *sd_tls_probe_ctx_new(void)
{
	SSL_CTX *ctx = probe_ctx();

	if (ctx == NULL)
		return NULL;
	sd_tls_ctx *c = sd_xcalloc(1, sizeof(*c));
	c->ctx = ctx;
	return c;
}

/* verify_setup - a context for the session's own handshake: every
 * version and suite OpenSSL has, the chain verified (and every problem
 * recorded by verify_cb) against CA_FILE or the system store; 0 or -1 */
static int verify_setup(SSL_CTX *ctx, const char *ca_file)
{
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
	SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
	if (ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1)
			return -1;
	} else {
		SSL_CTX_set_default_verify_paths(ctx);
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
	return 0;
}

/* sd_tls_verify_ctx_new - the session context, made once for a run */
sd_tls_ctx *sd_tls_verify_ctx_new(const char *ca_file, char **err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		*err = sd_xstrdup("cannot create an OpenSSL context");
		return NULL;
	}
	if (verify_setup(ctx, ca_file) != 0) {
		*err = sd_asprintf("cannot read CA file '%s'", ca_file);
		SSL_CTX_free(ctx);
		ERR_clear_error();
		return NULL;
	}
	sd_tls_ctx *c = sd_xcalloc(1, sizeof(*c));
	c->ctx = ctx;
	return c;
}

/* sd_tls_ctx_free - NULL is fine */
void sd_tls_ctx_free(sd_tls_ctx *c)
{
	if (c == NULL)
		return;
	SSL_CTX_free(c->ctx);
	free(c);
}

/* narrow - offer exactly PROBE on this connection */
static int narrow(SSL *ssl, const sd_tls_probe *probe)
{
	SSL_set_min_proto_version(ssl, probe->version);
	SSL_set_max_proto_version(ssl, probe->version);
	/* an empty list is legal for one family when only the other is probed */
	return (probe->ciphers != NULL && SSL_set_cipher_list(ssl, probe->ciphers) != 1 &&
		probe->version < TLS1_3_VERSION) ||
			       (probe->ciphersuites != NULL && SSL_set_ciphersuites(ssl, probe->ciphersuites) != 1) ||
			       (probe->groups != NULL && SSL_set1_groups_list(ssl, probe->groups) != 1)
		       ? -1
		       : 0;
}

/* await_verdict - TLS 1.3 with a CertificateRequest: the server judges our
 * (empty) Certificate only after our Finished, and one that requires a
 * certificate answers with an alert and closes. Wait a moment for that
 * verdict so the alert is read (and recorded by info_cb) before a write of
 * ours can meet the reset of the closed connection and lose it. A server
 * that only asks sends nothing: the wait ends at its limit. A server
 * sends its session tickets only after it accepted our Finished (RFC 8446
 * 4.6.1; Sendmail asks every client for a certificate and waited here the
 * whole 500 ms on every audit): a ticket is the verdict. Without tickets
 * the wait is the handshake's own time again (at least a round trip, the
 * alert's way back), 50 to 500 ms. */
static void await_verdict(sd_tls *t, int fd, double deadline)
{
	double hs = t->info.handshake_ms;
	double until = sd_now_ms() + (hs < 50 ? 50 : hs > 500 ? 500 : hs);
	char b;

	if (until > deadline)
		until = deadline;
	for (;;) {
		ERR_clear_error();
		int r = SSL_peek(t->ssl, &b, 1);
		short want;
		if (r > 0 || t->ticket_seen)
			break;
		ssl_status(t->ssl, r, &want);
		if (want != POLLIN)
			break; /* an alert, or the connection closed */
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int left = sd_remaining_ms(until);
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			break;
	}
	ERR_clear_error();
}

/* start - handshake within the deadline; PROBE (or NULL) narrows the offer,
 * made from SHARED's context when given */
static sd_tls *start(int fd, const char *host, const char *ca_file, int implicit, const sd_tls_probe *probe,
		     sd_tls_ctx *shared, int hello_only, double deadline, sd_error *kind, char **msg, sd_tls **broken)
{
	sd_tls *t = sd_xcalloc(1, sizeof(*t));
	const char *sni = host != NULL && *host != '\0' && !is_ip_literal(host) ? host : NULL;
	double t0 = sd_now_ms();

	ERR_clear_error();
	int configured = 0;
	if (shared != NULL && SSL_CTX_up_ref(shared->ctx) == 1) {
		t->ctx = shared->ctx;
		configured = 1;
	} else if (probe != NULL)
		t->ctx = probe_ctx();
	else
		t->ctx = SSL_CTX_new(TLS_client_method());
	if (t->ctx == NULL) {
		*kind = SD_ERR_TLS;
		*msg = sd_xstrdup("cannot create an OpenSSL context");
		sd_tls_free(t);
		return NULL;
	}
	if (probe == NULL && !configured && verify_setup(t->ctx, ca_file) != 0) {
		*kind = SD_ERR_STATE;
		*msg = sd_asprintf("cannot read CA file '%s'", ca_file);
		sd_tls_free(t);
		return NULL;
	}
	t->ssl = SSL_new(t->ctx);
	if (t->ssl == NULL) {
		*kind = SD_ERR_TLS;
		*msg = sd_xstrdup("cannot create an OpenSSL connection object");
		sd_tls_free(t);
		return NULL;
	}
	SSL_set_app_data(t->ssl, t);
	t->info.alert = "";
	t->info.ca_issuers = "";
	SSL_set_msg_callback(t->ssl, probe_msg);
	SSL_set_info_callback(t->ssl, info_cb);
	t->hello_only = probe != NULL && hello_only;
	if (probe != NULL && narrow(t->ssl, probe) != 0) {
		*kind = SD_ERR_STATE;
		*msg = sd_asprintf("this OpenSSL cannot offer '%s%s%s'", probe->ciphers ? probe->ciphers : "",
				   probe->ciphersuites ? probe->ciphersuites : "", probe->groups ? probe->groups : "");
		sd_tls_free(t);
		return NULL;
	}
	if (t->hello_only) {
		BIO *b = stop_bio(t, fd);
		if (b == NULL) {
			*kind = SD_ERR_TLS;
			*msg = sd_xstrdup("cannot create an OpenSSL I/O object");
			sd_tls_free(t);
			return NULL;
		}
		SSL_set_bio(t->ssl, b, b);
	} else {
		SSL_set_fd(t->ssl, fd);
	}
	char *sni_name = sni != NULL ? sd_xstrdup(sni) : NULL;
	sd_strip_final_dot(sni_name); /* RFC 6066 3: no trailing dot in a HostName */
	if (sni_name != NULL) {
		SSL_set_tlsext_host_name(t->ssl, sni_name);
		sni = keep(t, sni_name);
	}

	for (;;) {
		ERR_clear_error();
		errno = 0;
		int r = SSL_connect(t->ssl);
		if (r == 1)
			break;
		int se = errno;
		short want;
		int err = ssl_status(t->ssl, r, &want);
		/* hello-only: stopped by our filter after a ServerHello that OpenSSL
		 * accepted (a rejected one, e.g. the wrong version, fails in
		 * OpenSSL first and leaves its reason on the error queue) */
		if (t->stopped && err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 &&
		    SSL_get_pending_cipher(t->ssl) != NULL)
			break;
		t->stopped = 0;
		if (want == 0) {
			*kind = SD_ERR_TLS;
			*msg = in_words(t, r, err, se);
			if (broken != NULL && probe == NULL && t->info.cert_requested &&
			    SSL_get_peer_cert_chain(t->ssl) != NULL) {
				/* the server's certificate came before its demand for ours */
				describe(t, sni, implicit, sd_now_ms() - t0, ca_file, 1);
				sd_tls_shutdown(t);
				*broken = t;
				return NULL;
			}
			sd_tls_free(t);
			return NULL;
		}
		struct pollfd pfd = { .fd = fd, .events = want };
		int left = sd_remaining_ms(deadline);
		int n = left > 0 ? poll(&pfd, 1, left) : 0;
		if (n == 0) {
			*kind = SD_ERR_TIMEOUT;
			*msg = sd_asprintf("TLS handshake stalled: no answer from the server within %.0f ms",
					   deadline - t0);
			sd_tls_free(t);
			return NULL;
		}
		if (n < 0 && errno != EINTR) {
			*kind = SD_ERR_IO;
			*msg = sd_asprintf("poll during the TLS handshake: %s", strerror(errno));
			sd_tls_free(t);
			return NULL;
		}
	}
	describe(t, sni, implicit, sd_now_ms() - t0, ca_file, probe == NULL);
	if (probe == NULL && t->info.cert_requested && SSL_version(t->ssl) >= TLS1_3_VERSION)
		await_verdict(t, fd, deadline);
	return t;
}

/* sd_tls_start - a full handshake for the session */
sd_tls *sd_tls_start(int fd, const char *host, const char *ca_file, sd_tls_ctx *shared, int implicit,
		     double deadline, sd_error *kind, char **msg, sd_tls **broken)
{
	return start(fd, host, ca_file, implicit, NULL, shared, 0, deadline, kind, msg, broken);
}

/* sd_tls_start_probe - a narrowed handshake for enumeration */
sd_tls *sd_tls_start_probe(int fd, const char *host, const sd_tls_probe *probe, sd_tls_ctx *shared, int hello_only,
			   double deadline, sd_error *kind, char **msg)
{
	return start(fd, host, NULL, 0, probe, shared, hello_only, deadline, kind, msg, NULL);
}

/* sd_tls_version_testable - what this OpenSSL can offer at all */
int sd_tls_version_testable(int version)
{
	switch (version) {
	case TLS1_VERSION:
	case TLS1_1_VERSION:
	case TLS1_2_VERSION:
	case TLS1_3_VERSION:
		return 1;
#ifndef OPENSSL_NO_SSL3_METHOD
	case SSL3_VERSION:
		return 1;
#endif
	default:
		return 0;
	}
}

/* field - the VALUE of "Key=value" in an SSL_CIPHER_description line */
static void field(const char *desc, const char *key, char *out, size_t n)
{
	const char *p = strstr(desc, key);

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(key);
	size_t l = strcspn(p, " \n");
	snprintf(out, n, "%.*s", (int)l, p);
}

/* sd_tls_suites - everything this OpenSSL can offer, TLS 1.3 first */
size_t sd_tls_suites(sd_tls_suite **out)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = NULL;
	size_t n = 0;

	*out = NULL;
	if (ctx == NULL)
		return 0;
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_min_proto_version(ctx, 0);
	SSL_CTX_set_max_proto_version(ctx, 0);
	SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:@SECLEVEL=0");
	SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
				      "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256");
	ssl = SSL_new(ctx);
	STACK_OF(SSL_CIPHER) *list = ssl != NULL ? SSL_get_ciphers(ssl) : NULL;
	int total = list != NULL ? sk_SSL_CIPHER_num(list) : 0;
	if (total > 0)
		*out = sd_xcalloc((size_t)total, sizeof(sd_tls_suite));
	for (int i = 0; i < total; i++) {
		const SSL_CIPHER *c = sk_SSL_CIPHER_value(list, i);
		sd_tls_suite *u = &(*out)[n++];
		char desc[256];
		const char *std = SSL_CIPHER_standard_name(c);

		snprintf(u->name, sizeof(u->name), "%s", SSL_CIPHER_get_name(c));
		snprintf(u->iana, sizeof(u->iana), "%s", std != NULL ? std : SSL_CIPHER_get_name(c));
		const char *v = SSL_CIPHER_get_version(c); /* "TLSv1.3", "TLSv1.2", "SSLv3", ... */
		u->min_version = strcmp(v, "TLSv1.3") == 0 ? TLS1_3_VERSION
				 : strcmp(v, "TLSv1.2") == 0 ? TLS1_2_VERSION
							     : TLS1_VERSION;
		u->tls13 = u->min_version >= TLS1_3_VERSION;
		int kx = SSL_CIPHER_get_kx_nid(c);
		u->forward_secrecy = u->tls13 || kx == NID_kx_ecdhe || kx == NID_kx_dhe || kx == NID_kx_ecdhe_psk ||
				     kx == NID_kx_dhe_psk;
		u->anonymous = SSL_CIPHER_get_auth_nid(c) == NID_auth_null;
		u->bits = SSL_CIPHER_get_bits(c, NULL);
		SSL_CIPHER_description(c, desc, sizeof(desc));
		field(desc, "Kx=", u->kx, sizeof(u->kx));
		field(desc, "Au=", u->au, sizeof(u->au));
		field(desc, "Enc=", u->enc, sizeof(u->enc));
		field(desc, "Mac=", u->mac, sizeof(u->mac));
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return n;
}

/* sd_tls_get_info - the handshake's description */
const sd_tls_info *sd_tls_get_info(const sd_tls *t)
{
	return &t->info;
}

/* sd_tls_shutdown - best-effort close_notify; keep the description */
void sd_tls_shutdown(sd_tls *t)
{
	if (t == NULL)
		return;
	if (t->ssl != NULL) {
		if (SSL_is_init_finished(t->ssl))
			SSL_shutdown(t->ssl); /* non-blocking socket: never waits */
		SSL_free(t->ssl);
		t->ssl = NULL;
	}
	SSL_CTX_free(t->ctx);
	t->ctx = NULL;
	BIO_meth_free(t->meth); /* after SSL_free, which freed the BIOs */
	t->meth = NULL;
	ERR_clear_error();
}

/* sd_tls_free - free everything */
void sd_tls_free(sd_tls *t)
{
	if (t == NULL)
		return;
	sd_tls_shutdown(t);
	for (size_t i = 0; i < t->nstrings; i++)
		free(t->strings[i]);
	free(t->strings);
	free(t);
	ERR_clear_error();
}
