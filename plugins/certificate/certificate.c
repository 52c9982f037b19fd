/* SPDX-License-Identifier: MIT */
/*
 * certificate.c - check "certificate": the chain the server presents.
 *
 * Describes every certificate of the chain and reports one finding per
 * problem: expired or not yet valid, expiring soon, not valid for the host
 * name (RFC 6125), self-signed, missing intermediate, untrusted chain,
 * weak key, SHA-1 or MD5 signature. Verification used the system trust
 * store or --ca-file; the handshake itself never depends on it. When the
 * session sent SNI, one more handshake without it (a fresh connection to
 * the same address) shows what senders that send no SNI get.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <smtpdiag/plugin.h>

static const char *const requires[] = { "starttls", NULL };

static const sd_param_spec params[] = {
	{ "warn_days", SD_PARAM_INT, "30", "warn when the certificate expires within this many days" },
	{ "crit_days", SD_PARAM_INT, "14", "critical when it expires within this many days" },
	{ "min_rsa_bits", SD_PARAM_INT, "2048", "smallest acceptable RSA key" },
	{ "expect_name", SD_PARAM_STRING, NULL, "host name the certificate must cover (default: --server)" },
	{ "verify", SD_PARAM_BOOL, "true", "report chains that do not verify against the trust store" },
	{ NULL, 0, NULL, NULL },
};

/* day - time T as a UTC date YYYY-MM-DD in BUF */
static const char *day(time_t t, char *buf, size_t n)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d", &tm);
	return buf;
}

/* install_words - how to install a certificate, in the words of the software
 * the banner or EHLO reply named (fixes that carry the profile's numbers
 * keep them this way), else in general terms: never another vendor's */
static const char *install_words(const sd_session *s)
{
	static const struct {
		const char *vendor, *words;
	} words[] = {
		{ "postfix", "Postfix: smtpd_tls_chain_files = key, certificate, intermediates (in that order), then "
			     "'postfix reload'" },
		{ "exchange", "Exchange: Import-ExchangeCertificate and Enable-ExchangeCertificate -Services SMTP" },
		{ "exim", "Exim: tls_certificate (the full chain) and tls_privatekey, then 'systemctl reload exim4'" },
		{ "sendmail", "Sendmail: confSERVER_CERT and confSERVER_KEY in sendmail.mc, rebuild sendmail.cf, then "
			      "'systemctl reload sendmail'" },
		{ "opensmtpd", "OpenSMTPD: 'pki <name> cert' (the full chain) and 'pki <name> key' in /etc/smtpd.conf, "
			       "then restart smtpd" },
		{ "chasquid", "chasquid: /etc/chasquid/certs/<hostname>/fullchain.pem and privkey.pem, then "
			      "'systemctl reload chasquid'" },
	};
	const char *sw = sd_session_software(s);

	for (size_t i = 0; sw != NULL && i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(sw, words[i].vendor) != NULL)
			return words[i].words;
	return "install key, certificate and intermediates (the full chain) where the server's TLS settings "
	       "point, then reload the server";
}

/* has_kind - did verification report an error of kind K (at DEPTH, or at any
 * depth when negative) */
static int has_kind(const sd_tls_info *t, sd_verify_kind k, int depth)
{
	for (size_t i = 0; i < t->nerrors; i++)
		if (t->errors[i].kind == k && (depth < 0 || t->errors[i].depth == depth))
			return 1;
	return 0;
}

/* chain_trusted - whether the chain leads to a trusted root apart from its
 * dates: verified, or every verify error an expiry or a not-yet-valid (an
 * expired certificate from a public CA is a date problem, not a trust one) */
static int chain_trusted(const sd_tls_info *t)
{
	if (t->verified)
		return 1;
	if (t->nerrors == 0)
		return 0;
	for (size_t i = 0; i < t->nerrors; i++)
		if (t->errors[i].kind != SD_VERIFY_EXPIRED && t->errors[i].kind != SD_VERIFY_NOT_YET_VALID)
			return 0;
	return 1;
}

/* dates - report certificate C's days left: expired, not yet valid, or expiring soon */
static void dates(sd_report *r, const sd_cert *c, const sd_params *p, const char *fix_install)
{
	time_t now = time(NULL);
	char a[32], b[32];
	long days = (long)((c->not_after - now) / 86400);

	sd_report_fact_int(r, "days_left", days);
	if (now > c->not_after) {
		sd_finding *f = sd_report_finding(r, SD_CRIT, "certificate.expired", "certificate expired on %s (%ld days ago)",
						  day(c->not_after, a, sizeof(a)), -days);
		sd_finding_cause(f, "the certificate was not renewed, or the renewed one was never installed or the "
				    "service not reloaded");
		sd_finding_fix(f, "renew the certificate and install it; %s", fix_install);
	} else if (now < c->not_before) {
		sd_finding *f = sd_report_finding(r, SD_CRIT, "certificate.not_yet_valid",
						  "certificate is not valid before %s", day(c->not_before, a, sizeof(a)));
		sd_finding_cause(f, "a certificate dated in the future, or a wrong clock on the server or here");
		sd_finding_fix(f, "check both clocks (NTP); reissue the certificate if its dates are wrong");
	} else if (days < sd_param_int(p, "crit_days") || days < sd_param_int(p, "warn_days")) {
		int crit = days < sd_param_int(p, "crit_days");
		sd_finding *f = sd_report_finding(r, crit ? SD_CRIT : SD_WARN, "certificate.expiring",
						  "certificate expires in %ld days (%s)", days, day(c->not_after, b, sizeof(b)));
		sd_finding_cause(f, "renewal is due; automated renewal may be failing");
		sd_finding_fix(f, "renew now and check the renewal job; %s", fix_install);
	}
}

/* keys_and_signatures - report a leaf key below the profile's minimum size and
 * weak signatures in the chain */
static void keys_and_signatures(sd_report *r, const sd_tls_info *t, const sd_params *p, const char *fix_install)
{
	const sd_cert *leaf = &t->chain[0];
	long long min_rsa = sd_param_int(p, "min_rsa_bits");

	if ((strcasecmp(leaf->key_type, "RSA") == 0 && leaf->key_bits < min_rsa) ||
	    (strcasecmp(leaf->key_type, "EC") == 0 && leaf->key_bits < 224)) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "certificate.weak_key", "weak %s key of %d bits",
						  leaf->key_type, leaf->key_bits);
		sd_finding_cause(f, "keys this small can be factored or are refused by current clients (the profile "
				    "asks for RSA keys of at least %lld bits, EC keys of at least 224)", min_rsa);
		/* the numbers are the profile's, never a fixed 2048 that could
		 * contradict a stricter baseline (BSI TR-03108: 3000) */
		sd_finding_fix(f, "issue a new certificate with an RSA key of %lld bits or more, or an ECDSA P-256 "
			       "key; %s", min_rsa, fix_install);
	}
	for (size_t i = 0; i < t->nchain; i++) {
		const sd_cert *c = &t->chain[i];
		const char *alg = c->signature_algorithm;
		int md5 = strstr(alg, "md5") != NULL || strstr(alg, "MD5") != NULL;
		int sha1 = strstr(alg, "sha1") != NULL || strstr(alg, "SHA1") != NULL;
		if (c->self_signed && i > 0)
			continue; /* a root's self-signature is not relied upon */
		if (md5 || sha1) {
			sd_finding *f = sd_report_finding(r, md5 ? SD_CRIT : SD_WARN, "certificate.weak_signature",
							  "%s at depth %zu is signed with %s", i == 0 ? "the certificate" : "an intermediate",
							  i, alg);
			sd_finding_cause(f, "%s signatures can be forged; current clients reject them", md5 ? "MD5" : "SHA-1");
			sd_finding_fix(f, "reissue with a SHA-256 signature; %s", fix_install);
		}
	}
}

/* trust - report the chain's verification: trusted or not, self-signed, unknown issuer, errors */
static void trust(sd_report *r, const sd_tls_info *t, const sd_params *p, const char *fix_install)
{
	const sd_cert *leaf = &t->chain[0];

	sd_report_fact_bool(r, "verified", t->verified);
	sd_report_fact_bool(r, "chain_trusted", chain_trusted(t));
	sd_report_fact_str(r, "trust_store", "%s", t->trust_store);
	for (size_t i = 0; i < t->nerrors; i++) {
		char line[300];
		snprintf(line, sizeof(line), "depth %d: %s", t->errors[i].depth, t->errors[i].text);
		sd_report_fact_list_add(r, "verify_errors", line);
	}
	if (leaf->self_signed) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "certificate.self_signed",
						  "the certificate is self-signed (%s)", leaf->subject);
		sd_finding_cause(f, "no CA vouches for it: senders that verify (MTA-STS, DANE-TA, enforced TLS) "
				    "will refuse to deliver");
		sd_finding_fix(f, "install a certificate from a public CA (for example ACME / Let's Encrypt), or "
				  "publish DANE-EE TLSA records for this key (DANE senders then accept it; senders with an "
				  "MTA-STS policy still need a CA); %s", fix_install);
		return;
	}
	if (!sd_param_bool(p, "verify") || t->verified)
		return;
	/* only the leaf came, and its issuer is neither sent nor trusted. An
	 * intermediate is provably missing only when the leaf names where its
	 * issuer's certificate is published (AIA CA Issuers, as public CAs'
	 * leaves do), or when the auditor gave the private root (--ca-file) and
	 * the leaf's issuer is not it; otherwise the leaf comes straight from a
	 * CA we do not trust (a private or self-made root): an untrusted issuer */
	if (t->nchain == 1 && has_kind(t, SD_VERIFY_UNKNOWN_ISSUER, 0)) {
		const char *aia = t->ca_issuers != NULL ? t->ca_issuers : "";
		if (aia[0] != '\0' || strcmp(t->trust_store, "system") != 0) {
			sd_finding *f = sd_report_finding(r, SD_WARN, "certificate.missing_intermediate",
							  "the server sends only its own certificate, and its issuer '%s' is not a "
							  "trust anchor: the intermediate is missing%s%s%s",
							  leaf->issuer, aia[0] != '\0' ? " (published at " : " (or --ca-file is not its CA)",
							  aia, aia[0] != '\0' ? ")" : "");
			sd_finding_cause(f, "the server's certificate file holds only the leaf; clients without the "
					    "intermediate cached cannot build a chain to a trusted root");
			sd_finding_fix(f, "install the CA chain: append the intermediate certificate(s) after the leaf; %s",
				       fix_install);
			return;
		}
		sd_finding *f = sd_report_finding(r, SD_WARN, "certificate.untrusted",
						  "the certificate's issuer '%s' is not a trusted CA (trust store: %s), and "
						  "the certificate names no CA Issuers URL: a private or self-made CA",
						  leaf->issuer, t->trust_store);
		sd_finding_cause(f, "the certificate was issued by a CA the senders' trust stores do not hold (an "
				    "internal or self-made root), so verifying senders (MTA-STS, DANE-TA, enforced TLS) "
				    "refuse it; sending the CA's certificate too would not change that");
		sd_finding_fix(f, "use a certificate from a CA the senders trust (for example ACME / Let's Encrypt), or "
				  "publish DANE-EE TLSA records for this key (DANE senders then accept it; senders with an MTA-STS "
				  "policy still need a CA); to audit a private CA, give its root with "
				  "--ca-file");
		return;
	}
	const char *what = has_kind(t, SD_VERIFY_SELF_SIGNED_IN_CHAIN, -1) || has_kind(t, SD_VERIFY_UNKNOWN_ISSUER, -1)
				   ? "the chain does not lead to a trusted root"
				   : "the chain does not verify";
	char first[256] = "";
	for (size_t i = 0; i < t->nerrors; i++)
		if (t->errors[i].kind != SD_VERIFY_EXPIRED && t->errors[i].kind != SD_VERIFY_NOT_YET_VALID) {
			snprintf(first, sizeof(first), "%s at depth %d", t->errors[i].text, t->errors[i].depth);
			break;
		}
	if (first[0] == '\0')
		return; /* only date problems, reported on their own */
	sd_finding *f = sd_report_finding(r, SD_WARN, "certificate.untrusted", "%s (%s; trust store: %s)", what, first,
					  t->trust_store);
	sd_finding_cause(f, "a private or unknown CA, or a broken chain");
	sd_finding_fix(f, "use a certificate from a CA the senders trust and send the full chain; to audit a "
			  "private CA, give it with --ca-file");
}

/* without_sni - the certificate a sender without SNI gets (many MTAs send
 * none unless configured): a fresh connection to the same address, named
 * by its address literal so that no SNI goes out */
static void without_sni(sd_session *s, sd_report *r, const sd_tls_info *t, const char *name)
{
	const char *peer = sd_session_peer(s);

	if (t->sni[0] == '\0' || peer[0] == '\0')
		return; /* no SNI was sent: the certificate above is what everyone gets */
	const char *msg = "no certificate";
	/* made beside the main session by the core (usually done by now) */
	const sd_tls_info *u = sd_session_tls_without_sni(s, &msg);
	if (u == NULL || u->nchain == 0) {
		if (u != NULL)
			msg = "no certificate";
		sd_report_fact_str(r, "without_sni", "handshake failed: %s", msg);
		sd_finding *fd = sd_report_finding(r, SD_WARN, "certificate.sni_required",
						   "without SNI the TLS handshake fails: %s", msg);
		sd_finding_cause(fd, "the server picks its certificate by the name the client sends (SNI) and has "
				     "none for clients that send no name; many MTAs send no SNI unless configured, so "
				     "they cannot use TLS");
		sd_finding_fix(fd, "configure a default certificate for %s, used when no SNI is sent (the "
				   "server's default certificate beside its per-name ones)", name);
		return;
	}
	const sd_cert *leaf = &t->chain[0], *other = &u->chain[0];
	int same = strcmp(leaf->sha256, other->sha256) == 0;
	int good = u->verified && sd_cert_matches_host(other, name);
	sd_report_fact_str(r, "without_sni", "%s", same ? "same certificate" : other->subject);
	if (!same && !good) {
		char why[320] = "";
		if (!sd_cert_matches_host(other, name))
			snprintf(why, sizeof(why), "not valid for %s", name);
		if (!u->verified)
			snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s", why[0] ? ", " : "",
				 other->self_signed ? "self-signed" : "does not verify");
		sd_finding *fd = sd_report_finding(r, SD_WARN, "certificate.sni_required",
						   "without SNI the server presents another certificate (%s): %s",
						   other->subject, why);
		sd_finding_detail(fd, "sha256", "%s", other->sha256);
		sd_finding_cause(fd, "the certificate depends on SNI: with the name %s the server shows a good one, "
				     "without a name its default one, which fails verification; many MTAs send no "
				     "SNI unless configured, so senders that verify (MTA-STS, DANE, enforced TLS) refuse it", t->sni);
		sd_finding_fix(fd, "make the good certificate for %s the server's default one (used without SNI); "
				   "keep per-name certificates only for the other names", name);
	} else if (!same) {
		sd_report_note(r, "without SNI: another certificate (%s), also valid for %s", other->subject, name);
	}
}

/* run - the certificate check: the server certificate's names, dates, keys and trust */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	const sd_tls_info *t = sd_session_tls(s);
	char a[32], b[32];

	if (t == NULL) /* a server that demands a client certificate sent its own first */
		t = sd_session_tls_broken(s);

	sd_report_phase(r, "Certificate");
	if (t == NULL) {
		sd_report_finding(r, SD_CHECK_ERROR, "certificate.no_tls", "no TLS session to inspect");
		return SD_RUN_ERROR;
	}
	if (t->nchain == 0) {
		sd_report_finding(r, SD_CRIT, "certificate.none", "the server presented no certificate");
		return SD_RUN_FAILED;
	}
	const sd_cert *leaf = &t->chain[0];
	sd_report_fact_str(r, "subject", "%s", leaf->subject);
	sd_report_fact_str(r, "issuer", "%s", leaf->issuer);
	for (size_t i = 0; i < leaf->nsans; i++)
		sd_report_fact_list_add(r, "sans", leaf->sans[i]);
	sd_report_fact_str(r, "key_type", "%s", leaf->key_type);
	sd_report_fact_int(r, "key_bits", leaf->key_bits);
	sd_report_fact_str(r, "signature_algorithm", "%s", leaf->signature_algorithm);
	sd_report_fact_str(r, "not_before", "%s", day(leaf->not_before, a, sizeof(a)));
	sd_report_fact_str(r, "not_after", "%s", day(leaf->not_after, b, sizeof(b)));
	sd_report_fact_int(r, "not_after_epoch", (long long)leaf->not_after);
	time_t earliest = leaf->not_after;   /* as blackbox_exporter's probe_ssl_earliest_cert_expiry */
	for (size_t i = 1; i < t->nchain; i++)
		if (t->chain[i].not_after < earliest)
			earliest = t->chain[i].not_after;
	sd_report_fact_int(r, "chain_earliest_not_after_epoch", (long long)earliest);
	sd_report_fact_str(r, "serial", "%s", leaf->serial);
	sd_report_fact_str(r, "sha256", "%s", leaf->sha256);
	sd_report_fact_bool(r, "self_signed", leaf->self_signed);
	sd_report_fact_int(r, "chain_length", (long long)(t->nchain_sent > t->nchain ? t->nchain_sent : t->nchain));
	if (t->nchain_sent > t->nchain) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "certificate.chain_too_long",
						  "the server sent %zu certificates; only the first %zu are described here",
						  t->nchain_sent, t->nchain);
		sd_finding_cause(f, "a chain is the server's certificate and its intermediates, 2 to 4 certificates; "
				    "%zu is a misconfiguration (a whole CA bundle sent) or hostile, and some clients "
				    "reject long chains. Trust was verified over all of them; the key, signature "
				    "and date checks cover the first %zu", t->nchain_sent, t->nchain);
		sd_finding_fix(f, "send only the server certificate and the intermediates up to (not including) the root");
	}
	for (size_t i = 0; i < t->nchain; i++)
		if (t->chain[i].name_nul) {
			const char *bad = t->chain[i].common_name;
			for (size_t k = 0; k < t->chain[i].nsans; k++)
				if (strstr(t->chain[i].sans[k], "\\x00") != NULL)
					bad = t->chain[i].sans[k];
			sd_finding *f = sd_report_finding(r, SD_CRIT, "certificate.name_nul",
							  "certificate %zu names a host with a NUL byte: %s", i, bad);
			sd_finding_cause(f, "a name with an embedded NUL (\\x00) is invalid (RFC 5280 4.2.1.6) and "
					    "the classic attack on clients that compare names as C strings "
					    "(\"mail.example.com\\0.evil.test\" read as mail.example.com)");
			sd_finding_fix(f, "replace the certificate; a CA that issued it is misbehaving, report it");
			break;
		}
	for (size_t i = 0; i < t->nchain; i++) {
		const sd_cert *c = &t->chain[i];
		char line[1024];
		snprintf(line, sizeof(line), "%zu: %s (issuer %s; %s %d; %s; until %s)", i, c->subject, c->issuer,
			 c->key_type, c->key_bits, c->signature_algorithm, day(c->not_after, a, sizeof(a)));
		sd_report_fact_list_add(r, "chain", line);
		sd_report_note(r, "%s", line);
	}

	dates(r, leaf, p, install_words(s));
	const char *name = sd_param_string(p, "expect_name");
	int by_address = 0;
	if (name == NULL) {
		name = sd_session_server(s);
		unsigned char a6[16];
		by_address = inet_pton(AF_INET, name, a6) == 1 || inet_pton(AF_INET6, name, a6) == 1;
	}
	sd_report_fact_str(r, "checked_name", "%s", name);
	int match = sd_cert_matches_host(leaf, name);
	sd_report_fact_bool(r, "name_matches", match);
	if (!match && by_address) {
		/* senders check the certificate against the MX host name, never
		 * against the address they connected to: nothing to judge here */
		sd_finding *f = sd_report_finding(r, SD_INFO, "certificate.name_not_checked",
						  "audited by address %s: the certificate's names (%s) were not checked "
						  "against a host name", name, leaf->nsans > 0 ? leaf->sans[0] : leaf->common_name);
		sd_finding_cause(f, "senders verify the certificate against the MX host name (RFC 7672, RFC 8461), "
				    "not against an address; the audit was given only the address");
		sd_finding_fix(f, "audit by name: --server MX-NAME --address %s (or --set certificate.expect_name=NAME)",
			       name);
	} else if (!match) {
		char names[512] = "";
		for (size_t i = 0; i < leaf->nsans; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? ", " : "",
				 leaf->sans[i]);
		sd_finding *f = sd_report_finding(r, SD_WARN, "certificate.hostname_mismatch",
						  "the certificate is not valid for %s (it names %s)", name,
						  names[0] ? names : leaf->common_name);
		sd_finding_cause(f, "the certificate was issued for another name than the one senders use (the MX "
				    "host name); MTA-STS and DANE senders refuse it");
		sd_finding_fix(f, "issue a certificate whose subjectAltName includes %s (the correct FQDN), and "
				  "set the server's own host name to that name", name);
	}
	keys_and_signatures(r, t, p, install_words(s));
	trust(r, t, p, install_words(s));
	without_sni(s, r, t, name);
	long long left = (long long)((leaf->not_after - time(NULL)) / 86400);
	if (left < 0)
		sd_report_summary(r, "%s, expired %lld days ago", leaf->common_name[0] ? leaf->common_name : leaf->subject,
				  -left);
	else
		sd_report_summary(r, "%s, %lld days left%s", leaf->common_name[0] ? leaf->common_name : leaf->subject,
				  left, t->verified ? ", trusted" : "");
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(certificate) = {
	.abi = SD_PLUGIN_ABI,
	.name = "certificate",
	.title = "Certificate",
	.summary = "the presented chain: validity, expiry, host name (RFC 6125), trust, intermediates, key and signature",
	.requires = requires,
	.params = params,
	.run = run,
};
