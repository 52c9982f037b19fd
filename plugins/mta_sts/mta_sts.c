/* SPDX-License-Identifier: MIT */
/*
 * mta_sts.c - check "mta-sts": the domain's MTA-STS policy (RFC 8461),
 * looked at the way a sending MTA does.
 *
 * 1. TXT at _mta-sts.<domain>: exactly one "v=STSv1; id=..." record.
 * 2. The policy from https://mta-sts.<domain>/.well-known/mta-sts.txt:
 *    the host resolved through the run's resolver and handed to libcurl
 *    (CURLOPT_CONNECT_TO, so --dns-server applies and nothing else is
 *    asked), certificate verified (system store or --ca-file), HTTPS
 *    only, no proxy, no redirects followed, 64 KiB at most, a deadline.
 * 3. The policy parsed and checked: version, mode, max_age, mx patterns.
 * 4. Every MX host of the domain matched against the mx patterns and, in
 *    enforce or testing mode, connected to: STARTTLS must work and the
 *    certificate must be valid (PKIX) for the MX name, or senders that
 *    honour the policy will not deliver (enforce) or will report (testing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include <smtpdiag/plugin.h>

#include "mta_sts_parse.h"

#define POLICY_MAX (64 * 1024)   /* RFC 8461 3.3: senders may cap at 64 KiB */

static const sd_param_spec params[] = {
	{ "https_port", SD_PARAM_INT, "443", "port of the policy host (RFC 8461 fixes 443; change only for test labs)" },
	{ "timeout", SD_PARAM_DURATION, "10s",
	  "total time for fetching the policy, counted from the first DNS lookup of the policy host and shared by every address tried (not per attempt)" },
	{ "check_mx_tls", SD_PARAM_BOOL, "true",
	  "connect to every MX host and verify STARTTLS and its certificate as a policy-honouring sender would" },
	{ "min_max_age", SD_PARAM_DURATION, "7d", "a policy max_age shorter than this is reported (RFC 8461 suggests weeks)" },
	{ NULL, 0, NULL, NULL },
};

typedef struct fetch {
	char *body;
	size_t len;
	int too_large;
	long status;
	char content_type[128];
	char redirect[512];
	CURLcode rc;
	char error[CURL_ERROR_SIZE];
	char address[64];
	double ms;
} fetch;

/* on_data - curl write callback: append the bytes to the policy body, aborting past POLICY_MAX */
static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
	fetch *f = ctx;
	size_t add = size * n;

	if (f->len + add > POLICY_MAX) {
		f->too_large = 1;
		return 0;  /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	char *b = realloc(f->body, f->len + add + 1);
	if (b == NULL)
		return 0;
	f->body = b;
	memcpy(f->body + f->len, data, add);
	f->len += add;
	f->body[f->len] = '\0';
	return add;
}

/* get - one HTTPS GET of URL for HOST, connecting to ADDRESS:PORT */
static void get(const char *url, const char *host, const char *address, long port, const char *ca_file,
		long timeout_ms, fetch *f)
{
	char connect_to[400], agent[64];
	struct curl_slist *ct = NULL;
	CURL *c = curl_easy_init();

	if (c == NULL) {
		f->rc = CURLE_FAILED_INIT;
		snprintf(f->error, sizeof(f->error), "libcurl could not start");
		return;
	}
	snprintf(connect_to, sizeof(connect_to), strchr(address, ':') ? "%s:443:[%s]:%ld" : "%s:443:%s:%ld", host,
		 address, port);
	ct = curl_slist_append(NULL, connect_to);
	snprintf(agent, sizeof(agent), "smtp-diag/%s (MTA-STS check)", PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CONNECT_TO, ct);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_PROXY, "");                /* never an environment proxy */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);       /* RFC 8461 3.3 */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, agent);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, f->error);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)POLICY_MAX);
	f->error[0] = '\0';
	f->rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
	char *ctype = NULL, *loc = NULL;
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ctype) == CURLE_OK && ctype != NULL)
		snprintf(f->content_type, sizeof(f->content_type), "%s", ctype);
	if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc != NULL)
		snprintf(f->redirect, sizeof(f->redirect), "%s", loc);
	double secs = 0;
	if (curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &secs) == CURLE_OK)
		f->ms = secs * 1000.0;
	snprintf(f->address, sizeof(f->address), "%s", address);
	curl_easy_cleanup(c);
	curl_slist_free_all(ct);
}

/* now_ms - the monotonic clock, for the fetch's total deadline */
static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* What went wrong in a failed HTTPS fetch, read from libcurl's code and
 * OpenSSL's words in its error buffer: a TLS failure is not always the
 * certificate's. */
typedef enum {
	FAIL_OTHER = 0,       /* not a TLS failure: connect, timeout, HTTP */
	FAIL_CERTIFICATE,     /* the certificate did not verify */
	FAIL_NOT_TLS,         /* the peer answered, but not with TLS (plain HTTP on 443) */
	FAIL_RESET,           /* the connection was reset or closed during the handshake */
	FAIL_ALERT,           /* the peer refused the handshake with a TLS alert */
	FAIL_TLS              /* another TLS failure */
} fail_kind;

/* classify - the kind of failure of RC with libcurl's message ERR */
static fail_kind classify(CURLcode rc, const char *err)
{
	if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_INVALIDCERTSTATUS)
		return FAIL_CERTIFICATE;
	if (rc != CURLE_SSL_CONNECT_ERROR && rc != CURLE_SSL_CERTPROBLEM && rc != CURLE_SSL_CACERT_BADFILE &&
	    rc != CURLE_RECV_ERROR && rc != CURLE_SEND_ERROR)
		return FAIL_OTHER;
	if (strstr(err, "certificate verify failed") != NULL || strstr(err, "SSL certificate problem") != NULL)
		return FAIL_CERTIFICATE;
	if (strstr(err, "wrong version number") != NULL || strstr(err, "packet length too long") != NULL ||
	    strstr(err, "http request") != NULL || strstr(err, "record layer failure") != NULL)
		return FAIL_NOT_TLS;
	/* OpenSSL names a received alert "sslv3 alert handshake failure", "tlsv1 alert
	 * protocol version", "tlsv13 alert certificate required", "tlsv1 unrecognized
	 * name", or "alert number N" */
	if (strstr(err, " alert ") != NULL || strstr(err, "alert number") != NULL || strstr(err, "::tlsv1") != NULL)
		return FAIL_ALERT;
	if (strstr(err, "reset by peer") != NULL || strstr(err, "unexpected eof") != NULL ||
	    strstr(err, "SSL_ERROR_SYSCALL") != NULL || strstr(err, "Connection reset") != NULL)
		return FAIL_RESET;
	if (rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR)
		return FAIL_OTHER;
	return FAIL_TLS;
}

/* alert_name - the alert in OpenSSL's words ("tlsv1 unrecognized name"), into BUF */
static const char *alert_name(const char *err, char *buf, size_t size)
{
	/* OpenSSL's reason follows the last "::" ("error:0A000458:SSL routines::tlsv1 unrecognized name") */
	const char *from = err, *c;

	while ((c = strstr(from, "::")) != NULL)
		from = c + 2;
	snprintf(buf, size, "%.*s", (int)strcspn(from, ",;\n"), from);
	return buf;
}

/* policy_host_addresses - A and AAAA of mta-sts.<domain>, through our resolver */
static size_t policy_host_addresses(sd_session *s, const char *host, char addrs[][64], size_t max,
				    char *why, size_t wl)
{
	static const sd_dns_type types[] = { SD_DNS_A, SD_DNS_AAAA };
	size_t n = 0;

	why[0] = '\0';
	for (size_t t = 0; t < 2; t++) {
		sd_dns_answer *a = sd_dns_query(s, host, types[t]);
		for (size_t i = 0; i < a->n && n < max; i++)
			snprintf(addrs[n++], 64, "%.63s", a->records[i].target);
		if (why[0] == '\0' && a->status != SD_DNS_OK && a->status != SD_DNS_NODATA)
			snprintf(why, wl, "%s", a->status == SD_DNS_NXDOMAIN ? "the name does not exist (NXDOMAIN)"
				 : a->error[0] ? a->error : sd_dns_status_name(a->status));
		sd_dns_answer_free(a);
	}
	if (n == 0 && why[0] == '\0')
		snprintf(why, wl, "no A or AAAA record");
	return n;
}

/* check_txt - 1 when a usable record was found (*id set), 0 when there is
 * none at all (no MTA-STS), -1 when records exist but a sender would not use them */
static int check_txt(sd_session *s, const char *domain, sd_report *r, char *id, size_t idl)
{
	char name[300];
	sd_finding *f;

	snprintf(name, sizeof(name), "_mta-sts.%s", domain);
	sd_dns_answer *a = sd_dns_query(s, name, SD_DNS_TXT);
	if (a->status == SD_DNS_NXDOMAIN || a->status == SD_DNS_NODATA) {
		sd_dns_answer_free(a);
		return 0;
	}
	if (a->status != SD_DNS_OK) {
		f = sd_report_finding(r, SD_WARN, "mta_sts.txt_lookup_failed", "the lookup of %s TXT failed: %s", name,
				      a->error[0] ? a->error : sd_dns_status_name(a->status));
		sd_finding_cause(f, "senders that get the same failure cannot discover the policy (and may deliver without TLS)");
		sd_finding_fix(f, "repair the DNS servers of %s (dig +trace TXT %s)", domain, name);
		sd_dns_answer_free(a);
		return -1;
	}
	sd_report_fact_bool(r, "txt_dnssec_validated", a->authenticated);
	size_t sts = 0;
	const char *rec = NULL;
	size_t rec_len = 0;
	for (size_t i = 0; i < a->n; i++) {
		char *shown = sd_escape(a->records[i].text, a->records[i].text_len);
		sd_report_fact_list_add(r, "txt", shown);
		free(shown);
		if (sd_sts_is_record(a->records[i].text)) {
			sts++;
			if (rec == NULL) {
				rec = a->records[i].text;
				rec_len = a->records[i].text_len;
			}
		}
	}
	int rc = 1;
	if (sts == 0) {
		f = sd_report_finding(r, SD_WARN, "mta_sts.txt_invalid",
				      "%s has TXT records, but none starts with \"v=STSv1\"", name);
		sd_finding_cause(f, "RFC 8461 3.1: records that do not begin with v=STSv1; are discarded, so senders see no policy");
		sd_finding_fix(f, "publish exactly one record: %s TXT \"v=STSv1; id=<a new id each time the policy changes>\"",
			       name);
		rc = -1;
	} else if (sts > 1) {
		f = sd_report_finding(r, SD_WARN, "mta_sts.txt_multiple", "%s has %zu v=STSv1 TXT records; there must be exactly one",
				      name, sts);
		sd_finding_cause(f, "RFC 8461 3.1: with more than one record senders assume the domain has no MTA-STS policy at all");
		sd_finding_fix(f, "delete all but one _mta-sts TXT record (usually an old one left when the id was changed)");
		rc = -1;
	}
	if (rec != NULL) {
		sd_sts_txt t;
		if (sd_sts_txt_parse(rec, rec_len, &t) != 0) {
			f = sd_report_finding(r, SD_WARN, "mta_sts.txt_invalid", "the %s record is invalid: %s", name,
					      t.problems[0].text);
			char *shown = sd_escape(rec, rec_len);
			sd_finding_detail(f, "record", "%s", shown);
			free(shown);
			for (size_t i = 0; i < t.nproblems; i++)
				sd_finding_detail(f, t.problems[i].id, "%s", t.problems[i].text);
			sd_finding_cause(f, "RFC 8461 3.1: a syntactically invalid record means no policy for senders");
			sd_finding_fix(f, "publish %s TXT \"v=STSv1; id=20261123T000000\" (id: 1-32 letters and digits)", name);
			rc = -1;
		}
		snprintf(id, idl, "%s", t.id);
		if (t.id[0])
			sd_report_fact_str(r, "id", "%s", t.id);
	}
	sd_dns_answer_free(a);
	return rc;
}

/* fetch_policy - the policy body, or NULL with findings reported */
static char *fetch_policy(sd_session *s, const sd_params *p, const char *domain, sd_report *r, size_t *len)
{
	char host[300], url[400], addrs[8][64], why[256];
	sd_finding *f;
	fetch ft;

	/* mta-sts.timeout is a total: the lookups and every address share it */
	long total = (long)sd_param_duration_ms(p, "timeout");
	double deadline = now_ms() + (double)total;

	snprintf(host, sizeof(host), "mta-sts.%s", domain);
	snprintf(url, sizeof(url), "https://%s/.well-known/mta-sts.txt", host);
	sd_report_fact_str(r, "policy_url", "%s", url);
	size_t n = policy_host_addresses(s, host, addrs, 8, why, sizeof(why));
	if (n == 0) {
		f = sd_report_finding(r, SD_WARN, "mta_sts.policy_host_unresolvable", "the policy host %s does not resolve: %s",
				      host, why);
		sd_finding_cause(f, "senders cannot fetch the policy, so it is not applied (cached copies expire after max_age)");
		sd_finding_fix(f, "publish an A/AAAA (or CNAME) record for %s pointing at the web server that serves the policy",
			       host);
		return NULL;
	}
	long port = (long)sd_param_int(p, "https_port");
	for (size_t i = 0; i < n; i++) {
		long left = (long)(deadline - now_ms());
		memset(&ft, 0, sizeof(ft));
		if (left <= 0) {
			ft.rc = CURLE_OPERATION_TIMEDOUT;
			snprintf(ft.error, sizeof(ft.error), "mta-sts.timeout (%ld ms, for the whole fetch) used up before %s was tried",
				 total, addrs[i]);
			snprintf(ft.address, sizeof(ft.address), "%s", addrs[i]);
			break;
		}
		get(url, host, addrs[i], port, sd_session_ca_file(s), left, &ft);
		if (ft.rc != CURLE_COULDNT_CONNECT && ft.rc != CURLE_OPERATION_TIMEDOUT)
			break;
		if (i + 1 < n) {
			sd_report_note(r, "policy host %s: %s; trying the next address", addrs[i],
				       ft.error[0] ? ft.error : curl_easy_strerror(ft.rc));
			free(ft.body);
		}
	}
	sd_report_fact_str(r, "policy_address", "%s", ft.address);
	sd_report_fact_ms(r, "policy_fetch_ms", ft.ms);
	if (ft.status > 0)
		sd_report_fact_int(r, "policy_http_status", ft.status);
	if (ft.content_type[0])
		sd_report_fact_str(r, "policy_content_type", "%s", ft.content_type);

	if (ft.too_large || ft.rc == CURLE_FILESIZE_EXCEEDED) {
		f = sd_report_finding(r, SD_WARN, "mta_sts.policy_too_large", "the policy at %s is larger than 64 KiB", url);
		sd_finding_cause(f, "RFC 8461 3.3: senders may refuse policies over 64 KiB, so it is not applied");
		sd_finding_fix(f, "serve only the policy (a few hundred bytes) at that URL");
		free(ft.body);
		return NULL;
	}
	if (ft.rc != CURLE_OK) {
		const char *err = ft.error[0] ? ft.error : curl_easy_strerror(ft.rc);
		fail_kind kind = classify(ft.rc, err);
		char alert[128];
		if (kind == FAIL_CERTIFICATE) {
			f = sd_report_finding(r, SD_WARN, "mta_sts.policy_certificate",
					      "the policy host's HTTPS certificate is not valid: %s", err);
			sd_finding_cause(f, "RFC 8461 3.3: senders fetch the policy only over HTTPS with a certificate valid for %s; with this one the policy is not applied",
					 host);
			sd_finding_fix(f, "install a certificate from a public CA with %s in its subjectAltName on the web server, and renew it before it expires",
				       host);
		} else if (kind == FAIL_NOT_TLS) {
			f = sd_report_finding(r, SD_WARN, "mta_sts.policy_not_tls",
					      "the policy host does not speak TLS on port %ld: %s", port, err);
			sd_finding_cause(f, "the server at %s answered the TLS ClientHello with something else (typically plain HTTP): senders fetch the policy only over HTTPS, so it is not applied",
					 ft.address);
			sd_finding_fix(f, "enable HTTPS (TLS) for %s on port 443; a plain-HTTP virtual host or a proxy forwarding 443 to an HTTP port is the usual cause",
				       host);
		} else if (kind == FAIL_RESET) {
			f = sd_report_finding(r, SD_WARN, "mta_sts.policy_tls_reset",
					      "the policy host closed or reset the connection during the TLS handshake: %s", err);
			sd_finding_cause(f, "something at %s drops the TLS handshake for %s: a firewall or intrusion-prevention rule, a load balancer without a backend, or a server without a certificate for that name",
					 ft.address, host);
			sd_finding_fix(f, "check the web server's and the load balancer's logs for %s; test with openssl s_client -connect %s:443 -servername %s",
				       host, ft.address, host);
		} else if (kind == FAIL_ALERT) {
			f = sd_report_finding(r, SD_WARN, "mta_sts.policy_tls_alert",
					      "the policy host refused the TLS handshake with the alert \"%s\"",
					      alert_name(err, alert, sizeof(alert)));
			sd_finding_cause(f, strstr(err, "unrecognized name") != NULL
					 ? "the server has no site (virtual host) for the name %s sent in SNI, so senders cannot fetch the policy"
					 : "the server would not complete a TLS handshake with a standard client for %s (protocol versions, cipher suites or SNI), so senders cannot fetch the policy",
					 host);
			sd_finding_fix(f, "configure an HTTPS site for %s with TLS 1.2 or 1.3 and common cipher suites; %s",
				       host, "the server's TLS error log names the reason for the alert");
		} else if (kind == FAIL_TLS) {
			f = sd_report_finding(r, SD_WARN, "mta_sts.policy_tls_failed",
					      "the TLS handshake with the policy host failed: %s", err);
			sd_finding_cause(f, "senders cannot fetch the policy over HTTPS, so it is not applied");
			sd_finding_fix(f, "test the site with openssl s_client -connect %s:443 -servername %s and fix what it reports",
				       ft.address, host);
		} else {
			f = sd_report_finding(r, SD_WARN, "mta_sts.policy_fetch_failed", "the policy could not be fetched from %s: %s",
					      url, err);
			sd_finding_cause(f, "senders that cannot fetch the policy do not apply it (cached copies expire after max_age)");
			sd_finding_fix(f, "make %s answer HTTPS on port 443 with the policy at /.well-known/mta-sts.txt", host);
		}
		sd_finding_detail(f, "address", "%s", ft.address);
		free(ft.body);
		return NULL;
	}
	if (ft.status >= 300 && ft.status < 400) {
		f = sd_report_finding(r, SD_WARN, "mta_sts.policy_redirect", "the policy URL redirects (HTTP %ld%s%s)", ft.status,
				      ft.redirect[0] ? " to " : "", ft.redirect);
		sd_finding_cause(f, "RFC 8461 3.3: senders must not follow redirects for the policy, so it is not applied");
		sd_finding_fix(f, "serve the policy directly at %s (exempt that path from any http-to-https or host redirect)",
			       url);
		free(ft.body);
		return NULL;
	}
	if (ft.status != 200) {
		f = sd_report_finding(r, SD_WARN, "mta_sts.policy_http_status", "the policy URL answered HTTP %ld", ft.status);
		sd_finding_cause(f, "the TXT record announces a policy, but senders cannot get it, so it is not applied");
		sd_finding_fix(f, "serve the policy at %s with status 200 (or remove the _mta-sts TXT record)", url);
		free(ft.body);
		return NULL;
	}
	size_t tl = strcspn(ft.content_type, "; \t");
	if (!(tl == 10 && strncasecmp(ft.content_type, "text/plain", 10) == 0)) {
		f = sd_report_finding(r, SD_WARN, "mta_sts.policy_content_type",
				      "the policy is served as \"%s\", not text/plain",
				      ft.content_type[0] ? ft.content_type : "(no Content-Type)");
		sd_finding_cause(f, "RFC 8461 3.2: the policy's media type is text/plain; strict senders reject others");
		sd_finding_fix(f, "configure the web server to send Content-Type: text/plain for /.well-known/mta-sts.txt");
	}
	*len = ft.len;
	return ft.body != NULL ? ft.body : calloc(1, 1);
}

/* mx_tls - connect to one MX as a policy-honouring sender; NULL when fine,
 * else what went wrong (static or in BUF) */
static const char *mx_tls(sd_session *s, const sd_mx_host *mx, char *buf, size_t bl)
{
	sd_session *m = sd_session_open_host(s, mx->name, mx->addresses);
	const char *msg = NULL;
	const char *why = NULL;

	if (sd_session_connect(m) != 0 || sd_session_greeting(m) == NULL || sd_session_ehlo(m) == NULL) {
		sd_session_error(m, &msg);
		snprintf(buf, bl, "no SMTP session: %s", msg != NULL ? msg : "failed");
		why = buf;
	} else if (sd_session_starttls(m) != 0) {
		sd_session_error(m, &msg);
		snprintf(buf, bl, "STARTTLS failed: %s", msg != NULL ? msg : "failed");
		why = buf;
	} else {
		const sd_tls_info *t = sd_session_tls(m);
		if (t == NULL || t->nchain == 0) {
			why = "no certificate presented";
		} else if (!sd_cert_matches_host(&t->chain[0], mx->name)) {
			snprintf(buf, bl, "the certificate is not valid for %s", mx->name);
			why = buf;
		} else if (!t->verified) {
			snprintf(buf, bl, "the certificate does not verify: %s",
				 t->nerrors > 0 ? t->errors[0].text : "untrusted");
			why = buf;
		} else {
			snprintf(buf, bl, "%s, certificate valid for %s", t->version, mx->name);
		}
	}
	sd_session_free(m);
	return why;
}

/* run - the mta_sts check: the domain's MTA-STS TXT record, then its policy
 * over HTTPS, judged against the MX hosts */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	const char *domain = sd_session_domain(s);
	char id[64] = "";
	sd_finding *f;

	sd_report_phase(r, "MTA-STS policy of %s", domain);
	int txt = check_txt(s, domain, r, id, sizeof(id));
	if (txt == 0) {
		f = sd_report_finding(r, SD_INFO, "mta_sts.absent", "%s publishes no MTA-STS policy", domain);
		sd_finding_cause(f, "without MTA-STS (or DANE) a sender cannot tell a server without TLS from an attacker who strips STARTTLS, so mail may travel in clear text");
		sd_finding_fix(f, "publish a policy: _mta-sts.%s TXT \"v=STSv1; id=...\" and https://mta-sts.%s/.well-known/mta-sts.txt; start with mode: testing and TLS-RPT",
			       domain, domain);
		sd_report_summary(r, "no MTA-STS policy");
		return SD_RUN_DONE;
	}

	size_t len = 0;
	char *body = fetch_policy(s, p, domain, r, &len);
	if (body == NULL)
		return SD_RUN_DONE;
	sd_sts_policy pol;
	int usable = sd_sts_policy_parse(body, len, &pol) == 0;
	sd_report_fact_str(r, "mode", "%s", sd_sts_mode_name(pol.mode));
	if (pol.max_age >= 0)
		sd_report_fact_int(r, "max_age", pol.max_age);
	for (size_t i = 0; i < pol.nmx; i++)
		sd_report_fact_list_add(r, "mx_patterns", pol.mx[i]);
	sd_report_fact_int(r, "mx_patterns_total", (long long)pol.nmx_total);
	if (pol.nmx_total > pol.nmx)
		sd_report_note(r, "the policy has %zu mx patterns: the first %zu are listed, every one is matched",
			       pol.nmx_total, pol.nmx);
	sd_report_fact_bool(r, "policy_valid", usable);
	if (!usable) {
		free(body);
		f = sd_report_finding(r, SD_WARN, "mta_sts.policy_invalid", "the policy is invalid: %s", pol.problems[0].text);
		for (size_t i = 0; i < pol.nproblems; i++)
			sd_finding_detail(f, pol.problems[i].id, "%s", pol.problems[i].text);
		sd_finding_cause(f, "senders ignore a policy that does not parse (RFC 8461 3.2), so mail to %s is not protected",
				 domain);
		sd_finding_fix(f, "serve lines \"version: STSv1\", \"mode: enforce|testing|none\", one \"mx: <pattern>\" per MX, \"max_age: <seconds>\", CRLF-terminated");
		return SD_RUN_DONE;
	}
	for (size_t i = 0; i < pol.nproblems; i++) {
		f = sd_report_finding(r, SD_INFO, "mta_sts.policy_style", "policy: %s", pol.problems[i].text);
		sd_finding_fix(f, "end every policy line with CRLF");
	}
	long min_age = (long)(sd_param_duration_ms(p, "min_max_age") / 1000);
	if (pol.max_age < min_age) {
		f = sd_report_finding(r, SD_INFO, "mta_sts.max_age_short", "max_age is %ld s (%.1f days)", pol.max_age,
				      pol.max_age / 86400.0);
		sd_finding_cause(f, "senders re-fetch a short-lived policy often, and an attacker who blocks the fetch after it expires disables it");
		sd_finding_fix(f, "once the policy is stable use max_age: 604800 (a week) or more, up to 31557600");
	}
	if (pol.mode == SD_STS_MODE_NONE) {
		f = sd_report_finding(r, SD_INFO, "mta_sts.mode_none", "the policy's mode is none: MTA-STS is switched off");
		sd_finding_fix(f, "mode: none is the way to withdraw a policy; use testing or enforce to protect mail");
		sd_report_summary(r, "policy mode none (id %s)", id);
		free(body);
		return SD_RUN_DONE;
	}
	if (pol.mode == SD_STS_MODE_TESTING) {
		f = sd_report_finding(r, SD_INFO, "mta_sts.mode_testing",
				      "the policy is in testing mode: senders deliver even when TLS fails, and only report it");
		sd_finding_fix(f, "read the TLS-RPT reports; when they are clean, switch to mode: enforce and change the TXT id");
	}

	/* the domain's MX hosts against the policy */
	int enforce = pol.mode == SD_STS_MODE_ENFORCE;
	sd_severity sev = enforce ? SD_CRIT : SD_WARN;
	const sd_mx_host *mx;
	size_t nmx = sd_session_domain_mx(s, &mx), bad = 0, tls_bad = 0;
	for (size_t i = 0; i < nmx; i++) {
		/* every mx line counts, not only the ones kept for the report */
		int covered = sd_sts_policy_covers(body, len, mx[i].name);
		if (!covered) {
			bad++;
			f = sd_report_finding(r, sev, "mta_sts.mx_not_covered", "MX %s is not listed in the policy (mx: %s%s)",
					      mx[i].name, pol.mx[0], pol.nmx > 1 ? ", ..." : "");
			sd_finding_cause(f, enforce ? "in enforce mode, senders refuse to deliver to an MX host the policy does not list: mail for this MX queues and bounces"
						    : "in testing mode senders still deliver, but report the failure");
			sd_finding_fix(f, "add \"mx: %s\" (or a matching *. pattern) to the policy, then change the id in the _mta-sts TXT record",
				       mx[i].name);
			sd_finding_detail(f, "host", "%s", mx[i].name);
			continue;
		}
		if (!sd_param_bool(p, "check_mx_tls") || mx[i].addresses == NULL || mx[i].addresses[0] == '\0')
			continue;
		char buf[400];
		sd_report_phase(r, "MTA-STS: STARTTLS to %s", mx[i].name);
		const char *why = mx_tls(s, &mx[i], buf, sizeof(buf));
		sd_report_fact_map_add(r, "mx_tls", mx[i].name, why != NULL ? why : buf);
		if (why != NULL) {
			tls_bad++;
			f = sd_report_finding(r, sev, "mta_sts.mx_tls_failed", "MX %s fails the policy: %s", mx[i].name, why);
			sd_finding_cause(f, enforce ? "in enforce mode senders deliver only over TLS with a certificate that is valid (trusted CA, not expired) for the MX name: they will not deliver to this host"
						    : "in testing mode senders still deliver, but report the failure (TLS-RPT)");
			sd_finding_fix(f, "give %s a certificate from a trusted CA naming %s, with the whole chain, and keep STARTTLS on",
				       mx[i].name, mx[i].name);
			sd_finding_detail(f, "host", "%s", mx[i].name);
		}
	}
	free(body);
	if (txt < 0) {
		sd_report_summary(r, "policy %s served, but the TXT record makes senders ignore it", sd_sts_mode_name(pol.mode));
		return SD_RUN_DONE;
	}
	sd_report_summary(r, "%s (id %s, max_age %ld), %zu of %zu MX covered%s", sd_sts_mode_name(pol.mode), id,
			  pol.max_age, nmx - bad, nmx,
			  sd_param_bool(p, "check_mx_tls") && tls_bad == 0 && bad < nmx ? ", TLS valid" : "");
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(mta_sts) = {
	.abi = SD_PLUGIN_ABI,
	.name = "mta-sts",
	.title = "MTA-STS",
	.summary = "MTA-STS (RFC 8461): TXT record, HTTPS policy, mx patterns vs the MX hosts, their TLS in enforce mode",
	.params = params,
	.run = run,
	.scope = SD_SCOPE_DOMAIN,
};
