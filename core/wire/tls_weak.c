/* SPDX-License-Identifier: MIT */
/*
 * tls_weak.c - the client handshake of a weakness probe (issue 25).
 *
 * Owns one OpenSSL connection made to learn what the server does with
 * renegotiation (RFC 5746), extended master secret (RFC 7627), compression
 * (CRIME), TLS_FALLBACK_SCSV (RFC 7507), OCSP stapling (RFC 6066 8 with an
 * RFC 6960 response), session resumption and DHE primes (Logjam). Nothing
 * malformed is ever sent: every message comes from OpenSSL's own client.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/clock.h"
#include "base/util.h"
#include "wire/tls.h"
#include "wire/tls_weak.h"

struct sd_tls_weak {
	SSL_CTX *ctx;
	SSL *ssl;
	char alert[48];          /* the last alert the server sent */
};

/* alert_cb - remember the alert the server sent */
static void alert_cb(const SSL *ssl, int where, int ret)
{
	sd_tls_weak *t = SSL_get_app_data(ssl);

	if (t != NULL && (where & SSL_CB_READ_ALERT))
		snprintf(t->alert, sizeof(t->alert), "%s", SSL_alert_desc_string_long(ret));
}

/* weak_recv - SSL_read as an sd_io_ops transport (tls.c's) */
static ssize_t weak_recv(void *ctx, int fd, void *buf, size_t n, short *want)
{
	(void)fd;
	return sd_tls_ssl_recv(((sd_tls_weak *)ctx)->ssl, buf, n, want);
}

/* weak_send - SSL_write as an sd_io_ops transport (tls.c's) */
static ssize_t weak_send(void *ctx, int fd, const void *buf, size_t n, short *want)
{
	(void)fd;
	return sd_tls_ssl_send(((sd_tls_weak *)ctx)->ssl, buf, n, want);
}

const sd_io_ops sd_tls_weak_io = { weak_recv, weak_send };

/* asn1_time_t - an ASN1 time as time_t, 0 when absent or unreadable */
static long long asn1_time_t(const ASN1_GENERALIZEDTIME *a)
{
	struct tm tm;

	if (a == NULL || ASN1_TIME_to_tm(a, &tm) != 1)
		return 0;
	return (long long)timegm(&tm);
}

/* ocsp - judge the stapled response: parsed, signed by a trusted
 * responder, about the leaf, and its status and validity window */
static void ocsp(SSL *ssl, const char *ca_file, sd_tls_weak_result *out)
{
	const unsigned char *p = NULL;
	long len = SSL_get_tlsext_status_ocsp_resp(ssl, &p);

	if (len <= 0 || p == NULL)
		return;
	out->ocsp_stapled = 1;
	OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &p, len);
	OCSP_BASICRESP *bs = NULL;
	X509_STORE *store = NULL;
	OCSP_CERTID *id = NULL;
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	X509 *leaf = chain != NULL && sk_X509_num(chain) > 0 ? sk_X509_value(chain, 0) : NULL;
	X509 *issuer = chain != NULL && sk_X509_num(chain) > 1 ? sk_X509_value(chain, 1) : NULL;

	if (resp == NULL) {
		snprintf(out->ocsp_error, sizeof(out->ocsp_error), "the stapled response is not DER OCSP");
		goto done;
	}
	if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		snprintf(out->ocsp_error, sizeof(out->ocsp_error), "the responder's status is %s",
			 OCSP_response_status_str(OCSP_response_status(resp)));
		goto done;
	}
	bs = OCSP_response_get1_basic(resp);
	if (bs == NULL || leaf == NULL) {
		snprintf(out->ocsp_error, sizeof(out->ocsp_error), "no basic response (or no certificate) to judge");
		goto done;
	}
	store = X509_STORE_new();
	if (store != NULL) {
		if (ca_file != NULL)
			X509_STORE_load_file(store, ca_file);
		else
			X509_STORE_set_default_paths(store);
		out->ocsp_verified = OCSP_basic_verify(bs, chain, store, 0) == 1;
		if (!out->ocsp_verified)
			snprintf(out->ocsp_error, sizeof(out->ocsp_error),
				 "the response's signature does not verify against the trust store");
	}
	/* without the issuer in the chain the CertID cannot be built: look
	 * for any single response that names the leaf's serial */
	int status = -1, reason = 0;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	if (issuer != NULL)
		id = OCSP_cert_to_id(NULL, leaf, issuer);
	if (id != NULL && OCSP_resp_find_status(bs, id, &status, &reason, &rev, &thisupd, &nextupd) == 1) {
		snprintf(out->ocsp_status, sizeof(out->ocsp_status), "%s", OCSP_cert_status_str(status));
		out->ocsp_this_update = asn1_time_t(thisupd);
		out->ocsp_next_update = asn1_time_t(nextupd);
		if (OCSP_check_validity(thisupd, nextupd, 300, -1) != 1 && out->ocsp_error[0] == '\0')
			snprintf(out->ocsp_error, sizeof(out->ocsp_error),
				 "the response is outside its validity window (thisUpdate..nextUpdate)");
	} else if (out->ocsp_error[0] == '\0') {
		snprintf(out->ocsp_error, sizeof(out->ocsp_error),
			 "the response says nothing about the server's certificate");
	}
done:
	OCSP_CERTID_free(id);
	X509_STORE_free(store);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	ERR_clear_error();
}

/* dh_prime - the server's ephemeral finite-field DH prime and generator */
static void dh_prime(SSL *ssl, sd_tls_weak_result *out)
{
	EVP_PKEY *tmp = NULL;
	BIGNUM *p = NULL, *g = NULL;

	if (SSL_get_peer_tmp_key(ssl, &tmp) != 1)
		return;
	if ((EVP_PKEY_is_a(tmp, "DH") || EVP_PKEY_is_a(tmp, "DHX")) &&
	    EVP_PKEY_get_bn_param(tmp, OSSL_PKEY_PARAM_FFC_P, &p) == 1 &&
	    (size_t)BN_num_bytes(p) <= sizeof(out->dh_prime)) {
		out->dh_prime_len = (size_t)BN_bn2bin(p, out->dh_prime);
		if (EVP_PKEY_get_bn_param(tmp, OSSL_PKEY_PARAM_FFC_G, &g) == 1 && BN_num_bits(g) < 31)
			out->dh_generator = (int)BN_get_word(g);
	}
	BN_free(p);
	BN_free(g);
	EVP_PKEY_free(tmp);
	ERR_clear_error();
}

/* drive - run FN (SSL_connect / SSL_do_handshake) to the end within the
 * deadline: 1 done, 0 failed (an alert, a close), -1 timed out */
static int drive(sd_tls_weak *t, int fd, double deadline, int (*fn)(SSL *))
{
	for (;;) {
		ERR_clear_error();
		errno = 0;
		int r = fn(t->ssl);
		if (r == 1)
			return 1;
		int e = SSL_get_error(t->ssl, r);
		short want = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
		if (want == 0)
			return 0;
		struct pollfd pfd = { .fd = fd, .events = want };
		int left = sd_remaining_ms(deadline);
		int n = left > 0 ? poll(&pfd, 1, left) : 0;
		if (n == 0)
			return -1;
		if (n < 0 && errno != EINTR)
			return 0;
	}
}

/* sd_tls_weak_start - the probe's handshake */
sd_tls_weak *sd_tls_weak_start(int fd, const char *host, const char *ca_file, const sd_tls_weak_probe *probe,
			       void *resume, double deadline, sd_tls_weak_result *out, sd_error *kind, char **msg)
{
	sd_tls_weak *t = sd_xcalloc(1, sizeof(*t));
	struct in6_addr a6;

	ERR_clear_error();
	t->ctx = SSL_CTX_new(TLS_client_method());
	t->ssl = t->ctx != NULL ? SSL_new(t->ctx) : NULL;
	if (t->ssl == NULL) {
		*kind = SD_ERR_TLS;
		*msg = sd_xstrdup("cannot create an OpenSSL connection object");
		sd_tls_weak_free(t);
		return NULL;
	}
	SSL_set_app_data(t->ssl, t);
	SSL_set_info_callback(t->ssl, alert_cb);
	SSL_set_security_level(t->ssl, 0);
	SSL_set_min_proto_version(t->ssl, TLS1_VERSION);
	if (probe->max_version > 0)
		SSL_set_max_proto_version(t->ssl, probe->max_version);
	if (SSL_set_cipher_list(t->ssl, probe->ciphers != NULL ? probe->ciphers : "ALL:COMPLEMENTOFALL:@SECLEVEL=0") !=
	    1) {
		*kind = SD_ERR_STATE;
		*msg = sd_asprintf("this OpenSSL cannot offer '%s'", probe->ciphers);
		sd_tls_weak_free(t);
		return NULL;
	}
	SSL_set_verify(t->ssl, SSL_VERIFY_NONE, NULL);
	if (probe->fallback_scsv)
		SSL_set_mode(t->ssl, SSL_MODE_SEND_FALLBACK_SCSV);
	if (probe->status_request)
		SSL_set_tlsext_status_type(t->ssl, TLSEXT_STATUSTYPE_ocsp);
	STACK_OF(SSL_COMP) *methods = SSL_COMP_get_compression_methods();
	out->compression_testable = methods != NULL && sk_SSL_COMP_num(methods) > 0;
	if (probe->compression && out->compression_testable)
		SSL_clear_options(t->ssl, SSL_OP_NO_COMPRESSION);
	if (resume != NULL)
		SSL_set_session(t->ssl, resume);
	SSL_set_fd(t->ssl, fd);
	if (host != NULL && *host != '\0' && inet_pton(AF_INET6, host, &a6) != 1 &&
	    strspn(host, "0123456789.") != strlen(host)) {
		char *sni = sd_xstrdup(host);
		sd_strip_final_dot(sni);
		SSL_set_tlsext_host_name(t->ssl, sni);
		free(sni);
	}
	int r = drive(t, fd, deadline, SSL_connect);
	snprintf(out->alert, sizeof(out->alert), "%s", t->alert);
	if (r != 1) {
		unsigned long e = ERR_peek_last_error();
		char detail[160] = "";
		if (e != 0)
			ERR_error_string_n(e, detail, sizeof(detail));
		*kind = r < 0 ? SD_ERR_TIMEOUT : SD_ERR_TLS;
		*msg = r < 0 ? sd_xstrdup("TLS handshake stalled: no answer from the server before the deadline")
			     : sd_asprintf("TLS handshake failed%s%s%s%s", t->alert[0] ? ": the server sent " : "",
					   t->alert[0] ? t->alert : "", detail[0] ? " " : "", detail);
		out->refused_by_server = r == 0;
		sd_tls_weak_free(t);
		return NULL;
	}
	const SSL_CIPHER *c = SSL_get_current_cipher(t->ssl);
	out->accepted = 1;
	out->version = SSL_version(t->ssl);
	snprintf(out->cipher, sizeof(out->cipher), "%s", c != NULL ? SSL_CIPHER_get_name(c) : "");
	int nid = SSL_get_negotiated_group(t->ssl);
	const char *g = nid != NID_undef ? SSL_group_to_name(t->ssl, nid) : NULL;
	snprintf(out->group, sizeof(out->group), "%s", g != NULL ? g : "");
	out->secure_renegotiation = (int)SSL_get_secure_renegotiation_support(t->ssl);
	out->extended_master_secret = SSL_get_extms_support(t->ssl) == 1;
	const COMP_METHOD *cm = SSL_get_current_compression(t->ssl);
	snprintf(out->compression, sizeof(out->compression), "%s", cm != NULL ? SSL_COMP_get_name(cm) : "");
	if (probe->status_request)
		ocsp(t->ssl, ca_file, out);
	dh_prime(t->ssl, out);
	SSL_SESSION *sess = SSL_get_session(t->ssl);
	unsigned idlen = 0;
	if (sess != NULL)
		SSL_SESSION_get_id(sess, &idlen);
	out->session_id = out->version < TLS1_3_VERSION && idlen > 0;
	out->ticket = sess != NULL && SSL_SESSION_has_ticket(sess);
	out->resumed = SSL_session_reused(t->ssl);
	ERR_clear_error();
	return t;
}

/* sd_tls_weak_renegotiate - ask for a new handshake on the open connection */
int sd_tls_weak_renegotiate(sd_tls_weak *t, int fd, double deadline)
{
	if (t == NULL || t->ssl == NULL || SSL_version(t->ssl) >= TLS1_3_VERSION)
		return -1;
	ERR_clear_error();
	t->alert[0] = '\0';
	/* OpenSSL refuses to start one when the server lacks RFC 5746 support
	 * (legacy renegotiation is off): that is a refusal of ours, not the
	 * server's, and the finding about RFC 5746 already says it */
	if (SSL_renegotiate(t->ssl) != 1) {
		ERR_clear_error();
		return -1;
	}
	int r = drive(t, fd, deadline, SSL_do_handshake);
	ERR_clear_error();
	/* OpenSSL's client returns from SSL_do_handshake once its ClientHello
	 * is out when the server answers nothing yet; finished means the new
	 * handshake really completed */
	if (r == 1 && SSL_renegotiate_pending(t->ssl)) {
		char b;
		for (;;) {
			ERR_clear_error();
			int n = SSL_peek(t->ssl, &b, 1);
			if (n > 0 || !SSL_renegotiate_pending(t->ssl))
				break;
			int e = SSL_get_error(t->ssl, n);
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
				return 0;
			struct pollfd pfd = { .fd = fd, .events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT };
			int left = sd_remaining_ms(deadline);
			if (left <= 0 || poll(&pfd, 1, left) <= 0)
				return -1;
		}
		ERR_clear_error();
		return SSL_renegotiate_pending(t->ssl) ? -1 : 1;
	}
	return r;
}

/* sd_tls_weak_tickets - a ticket that came after the handshake */
void sd_tls_weak_tickets(sd_tls_weak *t, sd_tls_weak_result *out)
{
	SSL_SESSION *sess = t != NULL && t->ssl != NULL ? SSL_get_session(t->ssl) : NULL;

	if (sess != NULL && SSL_SESSION_has_ticket(sess))
		out->ticket = 1;
}

/* sd_tls_weak_session - a reference to the session for a resumption */
void *sd_tls_weak_session(sd_tls_weak *t)
{
	return t != NULL && t->ssl != NULL ? SSL_get1_session(t->ssl) : NULL;
}

/* sd_tls_weak_session_free - drop a reference from sd_tls_weak_session */
void sd_tls_weak_session_free(void *session)
{
	SSL_SESSION_free(session);
}

/* sd_tls_weak_free - best-effort close_notify, then free */
void sd_tls_weak_free(sd_tls_weak *t)
{
	if (t == NULL)
		return;
	if (t->ssl != NULL) {
		if (SSL_is_init_finished(t->ssl))
			SSL_shutdown(t->ssl);
		SSL_free(t->ssl);
	}
	SSL_CTX_free(t->ctx);
	free(t);
	ERR_clear_error();
}
