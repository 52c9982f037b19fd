/* SPDX-License-Identifier: MIT */
/*
 * dane.c - check "dane": DANE for SMTP (RFC 7672, RFC 7671, RFC 6698).
 *
 * The TLSA records at _<port>._tcp.<server> are matched against the
 * certificate chain the server presented in the session's TLS handshake:
 *   usage 3 (DANE-EE): the server's own certificate or public key; names
 *     and dates do not matter (RFC 7672 3.1.1);
 *   usage 2 (DANE-TA): a CA certificate the server sent, which must sign
 *     the chain down to the server's certificate, which must name the host;
 *   usages 0 and 1 (PKIX-*): unusable for SMTP (RFC 7672 3.1.3).
 * Selector 0 (whole certificate) or 1 (SubjectPublicKeyInfo); matching 0
 * (exact), 1 (SHA-256), 2 (SHA-512).
 *
 * DANE only counts when the TLSA answer is DNSSEC-validated. This check
 * does not validate DNSSEC itself: it trusts the AD bit of the resolver in
 * use, as Postfix does (docs/domain.md says why), which is only as
 * trustworthy as that resolver and the path to it. dnssec: "validated" (AD),
 * "not validated" (no AD: an unsigned zone, or a resolver that does not
 * validate; from here validation cannot be established either way), "bogus"
 * (SERVFAIL, but the records are there with CD).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <smtpdiag/plugin.h>

static const char *const requires[] = { "ehlo", NULL };

typedef enum { M_NO = 0, M_YES, M_UNUSABLE } match;

/* hex - the N bytes at D as lowercase hex into OUT (as many as fit) */
static void hex(const unsigned char *d, size_t n, char *out, size_t size)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 3 <= size; i++)
		k += (size_t)snprintf(out + k, size - k, "%02x", d[i]);
	out[k] = '\0';
}

/* digest - the association data of DATA for matching type MT; length or 0 */
static size_t digest(unsigned mt, const unsigned char *data, size_t len, unsigned char *out)
{
	unsigned int n = 0;

	if (mt == 1)
		return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 ? n : 0;
	if (mt == 2)
		return EVP_Digest(data, len, out, &n, EVP_sha512(), NULL) == 1 ? n : 0;
	return 0;
}

/* cert_matches - does certificate C match the record's selector/matching/data? */
static int cert_matches(const sd_cert *c, const sd_dns_record *t)
{
	const unsigned char *data = t->selector == 0 ? c->der : c->spki;
	size_t len = t->selector == 0 ? c->der_len : c->spki_len;
	unsigned char md[EVP_MAX_MD_SIZE];

	if (data == NULL)
		return 0;
	if (t->matching == 0)
		return len == t->data_len && memcmp(data, t->data, len) == 0;
	size_t n = digest(t->matching, data, len, md);
	return n > 0 && n == t->data_len && memcmp(md, t->data, n) == 0;
}

/* signs - does CA sign C (signature and issuer name)? */
static int signs(const sd_cert *ca, const sd_cert *c)
{
	const unsigned char *p = ca->der, *q = c->der;
	int ok = 0;

	if (p == NULL || q == NULL)
		return 0;
	X509 *xca = d2i_X509(NULL, &p, (long)ca->der_len), *xc = d2i_X509(NULL, &q, (long)c->der_len);
	if (xca != NULL && xc != NULL && X509_check_issued(xca, xc) == X509_V_OK) {
		EVP_PKEY *k = X509_get0_pubkey(xca);
		ok = k != NULL && X509_verify(xc, k) == 1;
	}
	X509_free(xca);
	X509_free(xc);
	return ok;
}

/* judge - one TLSA record against the presented chain; *how says why */
static match judge(const sd_dns_record *t, const sd_tls_info *tls, const char *host, const char **how)
{
	if (t->usage == 0 || t->usage == 1) {
		*how = "PKIX usages (0, 1) are not used by SMTP senders (RFC 7672 3.1.3)";
		return M_UNUSABLE;
	}
	if (t->usage > 3 || t->selector > 1 || t->matching > 2) {
		*how = "unknown usage, selector or matching type";
		return M_UNUSABLE;
	}
	if (t->usage == 3) {
		*how = cert_matches(&tls->chain[0], t) ? "matches the server's certificate"
						       : "does not match the server's certificate";
		return cert_matches(&tls->chain[0], t) ? M_YES : M_NO;
	}
	for (size_t d = 1; d < tls->nchain; d++) {
		if (!cert_matches(&tls->chain[d], t))
			continue;
		for (size_t k = 0; k < d; k++)
			if (!signs(&tls->chain[k + 1], &tls->chain[k])) {
				*how = "matches a CA certificate the server sent, but that CA does not sign the chain down to the server's certificate";
				return M_NO;
			}
		if (!sd_cert_matches_host(&tls->chain[0], host)) {
			*how = "matches the trust anchor, but the server's certificate does not name the host";
			return M_NO;
		}
		*how = "matches a trust anchor that signs the server's certificate, which names the host";
		return M_YES;
	}
	*how = tls->nchain < 2 ? "the server sent no CA certificate to match (DANE-TA needs the trust anchor in the chain)"
			       : "matches none of the CA certificates the server sent";
	return M_NO;
}

/* tls_works - can the session make a TLS session with a certificate (made
 * now if needed)? 1 also when --tls none (not asked: nothing known); *why
 * says why not */
static int tls_works(sd_session *s, const char **why)
{
	const sd_tls_info *tls = sd_session_tls(s);
	if (tls == NULL)
		tls = sd_session_tls_broken(s);
	if (tls == NULL && strcmp(sd_session_tls_mode(s), "none") == 0)
		return 1;
	if (tls == NULL && sd_session_starttls(s) == 0)
		tls = sd_session_tls(s);
	if (tls != NULL && tls->nchain > 0)
		return 1;
	sd_session_error(s, why);
	return 0;
}

/* run - the dane check: look up the TLSA records of the MX host and match them
 * against its certificate */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	const char *host = sd_session_server(s);
	char name[320];
	unsigned char lit[16];
	sd_finding *f;

	(void)p;
	if (inet_pton(AF_INET, host, lit) == 1 || inet_pton(AF_INET6, host, lit) == 1) {
		sd_report_summary(r, "not applicable: the target is an address, DANE needs the MX host name");
		return SD_RUN_DONE;
	}
	snprintf(name, sizeof(name), "_%u._tcp.%s", sd_session_port(s), host);
	sd_report_phase(r, "DANE TLSA records at %s", name);
	sd_report_fact_str(r, "tlsa_name", "%s", name);
	sd_report_fact_str(r, "resolver", "%s", sd_dns_resolver(s));
	sd_dns_answer *a = sd_dns_query(s, name, SD_DNS_TLSA);
	sd_report_fact_str(r, "lookup", "%s", sd_dns_status_name(a->status));
	if (a->status == SD_DNS_NXDOMAIN || a->status == SD_DNS_NODATA) {
		f = sd_report_finding(r, SD_INFO, "dane.absent", "no TLSA records at %s", name);
		sd_finding_cause(f, "without DANE (or MTA-STS) senders cannot detect an attacker who strips STARTTLS or presents another certificate");
		const char *why = NULL;
		if (!tls_works(s, &why))
			/* TLSA for a host without TLS: DANE senders defer all its mail */
			sd_finding_fix(f, "first offer STARTTLS with a valid certificate (no TLS session now: %s); only once it "
					  "works, with a DNSSEC-signed zone, publish %s TLSA 3 1 1 <SHA-256 of the server's "
					  "public key>: TLSA records for a host without working TLS make DANE senders defer "
					  "all its mail (RFC 7672 2.2)",
				       why != NULL ? why : "no certificate", name);
		else
			sd_finding_fix(f, "with a DNSSEC-signed zone, publish %s TLSA 3 1 1 <SHA-256 of the server's public key> (and a second record before every key change)",
				       name);
		sd_report_summary(r, "no TLSA records");
		sd_dns_answer_free(a);
		return SD_RUN_DONE;
	}
	if (a->status == SD_DNS_TIMEOUT || a->status == SD_DNS_NET_ERROR) {
		f = sd_report_finding(r, SD_INFO, "dane.not_checked", "DANE not checked: %s", a->error);
		sd_finding_fix(f, "point smtp-diag at a working resolver with --dns-server");
		sd_dns_answer_free(a);
		return SD_RUN_DONE;
	}
	if (a->status == SD_DNS_SERVFAIL) {
		/* SERVFAIL from a validating resolver: is the data there, failing
		 * validation (bogus), or is the zone broken? Ask again with CD */
		sd_dns_answer *cd = sd_dns_query_unchecked(s, name, SD_DNS_TLSA);
		int bogus = cd->status == SD_DNS_OK || cd->status == SD_DNS_NODATA || cd->status == SD_DNS_NXDOMAIN;
		sd_dns_answer_free(cd);
		if (bogus) {
			sd_report_fact_str(r, "dnssec", "bogus");
			sd_report_fact_bool(r, "dnssec_validated", false);
			f = sd_report_finding(r, SD_CRIT, "dane.bogus",
					      "the TLSA records at %s fail DNSSEC validation (bogus)", name);
			sd_finding_cause(f, "the resolver %s answers SERVFAIL, and hands out the records only with checking disabled: their signatures do not validate (expired RRSIG, a key rollover gone wrong, records changed without re-signing). RFC 7672 2.2: DANE senders defer all mail to this host",
					 sd_dns_resolver(s));
			sd_finding_fix(f, "re-sign the zone (and check that signing runs automatically before the RRSIGs expire), check the DS at the parent against the DNSKEY; test with delv or DNSViz");
			sd_report_summary(r, "TLSA records bogus: DNSSEC validation fails");
			sd_dns_answer_free(a);
			return SD_RUN_DONE;
		}
	}
	if (a->status != SD_DNS_OK) {
		f = sd_report_finding(r, SD_WARN, "dane.lookup_failed", "the TLSA lookup for %s failed: %s", name,
				      a->error[0] ? a->error : sd_dns_status_name(a->status));
		sd_finding_cause(f, "RFC 7672 2.2: when the TLSA lookup fails (e.g. SERVFAIL from a broken DNSSEC chain) DANE senders must not deliver to this host and defer the mail");
		sd_finding_fix(f, "repair the zone's DNSSEC signatures and delegation (check with dig +dnssec TLSA %s, or DNSViz)",
			       name);
		sd_dns_answer_free(a);
		return SD_RUN_DONE;
	}

	int validated = a->authenticated;
	sd_report_fact_bool(r, "dnssec_validated", validated);
	/* not validated, never "insecure": without AD an unsigned zone cannot be
	 * told from a resolver that does not validate (docs/domain.md) */
	sd_report_fact_str(r, "dnssec", "%s", validated ? "validated" : "not validated");
	size_t ee_spki = 0;
	for (size_t i = 0; i < a->n; i++) {
		const sd_dns_record *t = &a->records[i];
		char h[130], line[160], key[64], desc[160];
		hex(t->data, t->data_len < 64 ? t->data_len : 64, h, sizeof(h));
		snprintf(line, sizeof(line), "%u %u %u %s%s", t->usage, t->selector, t->matching, h,
			 t->data_len > 64 ? "..." : "");
		sd_report_fact_list_add(r, "records", line);
		static const char *const usages[] = { "PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE" };
		static const char *const selectors[] = { "Cert", "SPKI" };
		static const char *const matchings[] = { "Full", "SHA2-256", "SHA2-512" };
		snprintf(key, sizeof(key), "%u %u %u #%zu", t->usage, t->selector, t->matching, i + 1);
		snprintf(desc, sizeof(desc), "%s(%u) %s(%u) %s(%u)", t->usage < 4 ? usages[t->usage] : "unknown", t->usage,
			 t->selector < 2 ? selectors[t->selector] : "unknown", t->selector,
			 t->matching < 3 ? matchings[t->matching] : "unknown", t->matching);
		sd_report_fact_map_add(r, "record_types", key, desc);
		ee_spki += t->usage == 3;
	}
	if (!validated) {
		/* info, not warning: from here an unsigned zone cannot be told from a
		 * resolver that does not validate; a profile can raise it */
		f = sd_report_finding(r, SD_INFO, "dane.not_validated",
				      "the TLSA records are not DNSSEC-validated (the resolver %s did not set AD)",
				      sd_dns_resolver(s));
		sd_finding_cause(f, "DANE senders use TLSA records only from a signed zone; either %s is not DNSSEC-signed (the records are ignored) or the resolver does not validate, so validation cannot be established from here",
				 host);
		sd_finding_fix(f, "sign the zone with DNSSEC and publish the DS record at the parent; to check from here, use a validating resolver on a trusted path (--dns-server 127.0.0.1 with unbound)");
	}

	const sd_tls_info *tls = sd_session_tls(s);
	if (tls == NULL) /* a server that wants a client certificate still showed its own */
		tls = sd_session_tls_broken(s);
	if (tls == NULL && strcmp(sd_session_tls_mode(s), "none") == 0) {
		/* the user asked for no TLS: say what is published, match nothing */
		sd_report_summary(r, "%zu TLSA record%s; not matched against a certificate (--tls none)", a->n,
				  a->n == 1 ? "" : "s");
		sd_dns_answer_free(a);
		return SD_RUN_DONE;
	}
	if (tls == NULL && sd_session_starttls(s) == 0)
		tls = sd_session_tls(s);
	if (tls == NULL || tls->nchain == 0) {
		const char *why = NULL;
		sd_session_error(s, &why);
		f = sd_report_finding(r, validated ? SD_CRIT : SD_WARN, "dane.no_tls",
				      "TLSA records are published, but no TLS session could be made: %s",
				      why != NULL ? why : "no certificate");
		sd_finding_cause(f, "with TLSA records DANE senders insist on STARTTLS and a matching certificate; they defer mail to this host");
		sd_finding_fix(f, "offer STARTTLS with the certificate the TLSA records describe, or remove the TLSA records");
		sd_dns_answer_free(a);
		return SD_RUN_DONE;
	}

	size_t usable = 0, matched = 0, ee_matched = 0;
	for (size_t i = 0; i < a->n; i++) {
		const sd_dns_record *t = &a->records[i];
		const char *how = "";
		match m = judge(t, tls, host, &how);
		ee_matched += m == M_YES && t->usage == 3;
		char key[64];
		snprintf(key, sizeof(key), "%u %u %u #%zu", t->usage, t->selector, t->matching, i + 1);
		sd_report_fact_map_add(r, "verdicts", key, how);
		sd_report_note(r, "TLSA %u %u %u: %s", t->usage, t->selector, t->matching, how);
		usable += m != M_UNUSABLE;
		matched += m == M_YES;
	}
	sd_report_fact_int(r, "records_usable", (long long)usable);
	sd_report_fact_int(r, "records_matching", (long long)matched);
	if (usable == 0) {
		f = sd_report_finding(r, SD_WARN, "dane.no_usable_records", "none of the %zu TLSA records is usable for SMTP",
				      a->n);
		sd_finding_cause(f, "RFC 7672 3.1.3: SMTP senders use only DANE-TA(2) and DANE-EE(3) records; with only others, DANE senders treat the TLSA RRset as unusable");
		sd_finding_fix(f, "publish %s TLSA 3 1 1 <SHA-256 of the server's SubjectPublicKeyInfo>", name);
	} else if (matched == 0) {
		f = sd_report_finding(r, validated ? SD_CRIT : SD_WARN, "dane.mismatch",
				      "no TLSA record at %s matches the certificate %s presents", name, host);
		sd_finding_cause(f, validated ? "DANE senders (Postfix with smtp_tls_security_level = dane, Exim, Microsoft 365...) refuse this certificate and defer all mail to this host; typical after a certificate or key renewal without a TLSA update"
					      : "the records are not DNSSEC-validated, so senders ignore them today; once the zone is signed, DANE senders would defer all mail to this host");
		sd_finding_fix(f, "publish a TLSA record for the current key (3 1 1 = SHA-256 of its SubjectPublicKeyInfo: openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum), keep the old one until caches expire, then remove it");
	}
	if (validated && ee_matched > 0 && !tls->verified) {
		/* RFC 7672 3.1.1: a DANE-EE match is the whole authentication; the
		 * certificate check's trust, name and date findings are what PKIX
		 * senders (MTA-STS) see, not what DANE senders see */
		f = sd_report_finding(r, SD_INFO, "dane.authenticates_certificate",
				      "a DNSSEC-validated DANE-EE TLSA record matches: DANE senders accept this "
				      "certificate although it does not verify against the trust store");
		sd_finding_cause(f, "RFC 7672 3.1.1: with DANE-EE(3) senders ignore the issuer, the names and the dates "
				    "of the server's certificate; only the key or certificate the record names counts");
		sd_finding_fix(f, "nothing for DANE senders; the certificate check's findings still apply to senders that "
				  "verify against CAs (MTA-STS, RFC 8461 4.2): use a CA-issued certificate if the domain "
				  "publishes an MTA-STS policy");
	}
	if (a->n == 1 && ee_spki == 1 && matched == 1) {
		f = sd_report_finding(r, SD_INFO, "dane.rollover",
				      "a single DANE-EE TLSA record: it will not survive the next key change");
		sd_finding_cause(f, "RFC 7671 8.1 and RFC 7672 8.1: when the server's key changes, DANE senders that still cache the old record defer mail until it expires; the next key's record has to be published at least two TTLs in advance");
		sd_finding_fix(f, "generate the next key now and publish its record next to the current one (\"3 1 1\" current + \"3 1 1\" next), or add a \"2 1 1\" record for the issuing CA; renew with the same key (certbot --reuse-key) until then");
	}
	sd_report_summary(r, "%zu of %zu TLSA record%s match%s", matched, a->n, a->n == 1 ? "" : "s",
			  validated ? " (DNSSEC-validated)" : ", not DNSSEC-validated");
	sd_dns_answer_free(a);
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(dane) = {
	.abi = SD_PLUGIN_ABI,
	.name = "dane",
	.title = "DANE",
	.summary = "DANE (RFC 7672): TLSA records of the server, DNSSEC status (resolver's AD bit), match against its certificate chain",
	.requires = requires,
	.run = run,
};
