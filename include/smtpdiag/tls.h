/* SPDX-License-Identifier: MIT */
/*
 * smtpdiag/tls.h - what the TLS handshake of a session established.
 *
 * Part of the smtpdiag plugin API. The core does the handshake (STARTTLS or
 * implicit TLS) with OpenSSL and describes the result here, so checks need
 * no TLS library of their own. The structures belong to the session and
 * stay valid until it is freed. Verification is always done (against the
 * system trust store or --ca-file) but never stops the handshake: a
 * diagnostic tool must see a bad certificate to report it.
 */
#ifndef SMTPDIAG_TLS_H
#define SMTPDIAG_TLS_H

#include <stddef.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One certificate as presented by the server. */
typedef struct sd_cert {
	const char *subject;        /* one-line RFC 2253 form */
	const char *issuer;
	const char *common_name;    /* subject CN, or "" */
	size_t nsans;
	const char *const *sans;    /* "DNS:mail.example.com", "IP:192.0.2.1" */
	const char *key_type;       /* "RSA", "EC", "ED25519", ... */
	int key_bits;
	const char *signature_algorithm; /* "sha256WithRSAEncryption" */
	time_t not_before, not_after;
	int self_signed;            /* subject == issuer and the signature verifies */
	int is_ca;                  /* basicConstraints CA:TRUE */
	const char *serial;         /* hex */
	const char *sha256;         /* fingerprint, hex with colons */
	const unsigned char *der;   /* the whole certificate, DER (TLSA selector 0) */
	size_t der_len;
	const unsigned char *spki;  /* its SubjectPublicKeyInfo, DER (TLSA selector 1) */
	size_t spki_len;
	int name_nul;               /* the subject CN or a DNS SAN holds a NUL byte: shown as
				     * \x00 in common_name / sans, so it matches no host name */
} sd_cert;

/* What kind of verification problem (so checks need no OpenSSL headers). */
typedef enum sd_verify_kind {
	SD_VERIFY_OTHER = 0,
	SD_VERIFY_EXPIRED,
	SD_VERIFY_NOT_YET_VALID,
	SD_VERIFY_SELF_SIGNED,          /* the server's certificate signs itself */
	SD_VERIFY_SELF_SIGNED_IN_CHAIN, /* the chain ends in a root we do not trust */
	SD_VERIFY_UNKNOWN_ISSUER,       /* the issuer is neither sent nor trusted */
	SD_VERIFY_BAD_SIGNATURE
} sd_verify_kind;

/* One problem found while verifying the chain (all are kept, not only the first). */
typedef struct sd_verify_error {
	int depth;                  /* 0 = the server's own certificate */
	int code;                   /* OpenSSL X509_V_ERR_* */
	const char *text;           /* OpenSSL's words for it */
	sd_verify_kind kind;
} sd_verify_error;

typedef struct sd_tls_info {
	const char *version;        /* "TLSv1.3" */
	int version_number;         /* 0x0304 */
	const char *cipher;         /* OpenSSL name, "TLS_AES_256_GCM_SHA384" */
	const char *cipher_iana;    /* IANA / RFC name */
	int cipher_bits;
	const char *group;          /* key exchange group, "X25519", or "" */
	int forward_secrecy;        /* ephemeral key exchange */
	const char *alpn;           /* negotiated ALPN protocol or "" */
	const char *sni;            /* server name sent, or "" (IP literals send none) */
	double handshake_ms;
	int implicit;               /* 1: TLS from the first byte (SMTPS) */
	size_t nchain;
	const sd_cert *chain;       /* as presented, the server's certificate first */
	int verified;               /* the chain verified against the trust store */
	size_t nerrors;
	const sd_verify_error *errors;
	const char *trust_store;    /* "system" or the --ca-file path */
	size_t nchain_sent;         /* certificates the server sent; more than nchain when the
				     * chain was longer than the core describes (the first
				     * nchain are in chain; verification still saw them all) */
	/* appended (ABI 2 modules built earlier never read past trust_store) */
	int kx_bits;                /* the server's ephemeral key: DH modulus or curve size; 0 unknown */
	int kx_security_bits;       /* its strength in bits (OpenSSL's figure: DH 1024 = 80); 0 unknown */
	int kx_finite_field;        /* 1: finite-field DH (DHE suites, ffdhe groups) */
	int cert_requested;         /* the server sent a CertificateRequest (wants a client certificate) */
	const char *alert;          /* the last TLS alert the server sent, "certificate_required", or "" */
	const char *ca_issuers;     /* the server certificate's Authority Information Access
				     * CA Issuers URI (RFC 5280 4.2.2.1: where its issuer's
				     * certificate is published), or "" */
} sd_tls_info;

/* One cipher suite the linked OpenSSL can offer. */
typedef struct sd_tls_suite {
	char name[64];              /* OpenSSL name, "ECDHE-RSA-AES256-GCM-SHA384" */
	char iana[96];              /* IANA name, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" */
	int tls13;                  /* a TLS 1.3 suite (offered with set_ciphersuites) */
	int min_version;            /* lowest protocol it can be used with, e.g. 0x0303 */
	int forward_secrecy;        /* ephemeral key exchange (always for TLS 1.3) */
	int anonymous;              /* no authentication (aNULL) */
	int bits;                   /* symmetric strength */
	char kx[16], au[16], enc[32], mac[16]; /* as OpenSSL describes them */
} sd_tls_suite;

/* sd_tls_suites - every suite the linked OpenSSL can offer (also NULL,
 * EXPORT-grade and anonymous ones, if compiled in); *out is malloc'ed,
 * free() it. Returns the count. */
size_t sd_tls_suites(sd_tls_suite **out);
/* sd_tls_version_testable - can this OpenSSL offer protocol VERSION at all
 * (0x0300 SSLv3 ... 0x0304 TLS 1.3)? Debian's OpenSSL 3 cannot offer SSLv3,
 * and no OpenSSL 3 can offer SSLv2. */
int sd_tls_version_testable(int version);

/* sd_cert_name_matches - does certificate name PATTERN (a DNS-ID, possibly
 * "*.example.com") match HOST, by the rules of RFC 6125 6.4: case-insensitive,
 * a wildcard only as the whole left-most label, never matching an empty
 * label, never on a public-suffix-like two-label pattern ("*.com"), and
 * A-labels ("xn--...") compared as ASCII. 1 or 0. */
int sd_cert_name_matches(const char *pattern, const char *host);
/* sd_cert_matches_host - does CERT cover HOST? DNS SANs (or the CN when the
 * certificate has no DNS SAN), IP SANs for an address literal. 1 or 0. */
int sd_cert_matches_host(const sd_cert *cert, const char *host);

#ifdef __cplusplus
}
#endif
#endif
