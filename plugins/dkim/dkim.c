/* SPDX-License-Identifier: MIT */
/*
 * dkim.c - check "dkim": the DKIM public keys of the domain (RFC 6376 3.6.1).
 *
 * Owns: looking up <selector>._domainkey.<domain> for each selector the
 * profile or --set dkim.selectors=... names (selectors cannot be listed
 * from DNS, so without any nothing is checked, and the report says so),
 * the record's tags (v, k, p, t), the key itself (decoded: its type and
 * size; RFC 8301: RSA below 1024 bits must not be accepted), a revoked
 * key (empty p=) and testing mode (t=y).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <smtpdiag/plugin.h>

#define DKIM_SELECTORS_MAX 16
#define DKIM_KEY_MAX 4096        /* bytes of base64 read */

static const sd_param_spec params[] = {
	{ "selectors", SD_PARAM_LIST, "", "DKIM selectors to look up, e.g. [default, selector1, selector2]" },
	{ "min_rsa_bits", SD_PARAM_INT, "2048", "RSA keys below this are a remark (below 1024 a warning: RFC 8301)" },
	{ NULL, 0, NULL, NULL }
};

/* tag - the value of tag NAME in the DKIM key record REC into OUT (trimmed,
 * spaces inside removed: p= may be split); 1 found, 0 not */
static int tag(const char *rec, const char *name, char *out, size_t size)
{
	const char *v;
	size_t n, k = 0;

	if (!sd_dns_txt_tag(rec, name, &v, &n))
		return 0;
	for (size_t i = 0; i < n && k + 1 < size; i++)
		if (v[i] != ' ' && v[i] != '\t')
			out[k++] = v[i];
	out[k] = '\0';
	return 1;
}

/* key_bits - type ("rsa"/"ed25519") and size of the base64 SubjectPublicKeyInfo
 * (RSA) or raw key (Ed25519) B64; bits, or -1 when it does not decode */
static int key_bits(const char *b64, const char *k, const char **type)
{
	size_t n = strlen(b64);
	unsigned char *der = malloc(n + 4);
	int bits = -1;

	if (der == NULL || n == 0 || n % 4 != 0) {
		free(der);
		return -1;
	}
	int len = EVP_DecodeBlock(der, (const unsigned char *)b64, (int)n);
	if (len > 0) {
		len -= (b64[n - 1] == '=') + (n > 1 && b64[n - 2] == '=');
		if (strcasecmp(k, "ed25519") == 0) {
			*type = "ed25519";
			bits = len == 32 ? 256 : -1;
		} else {
			const unsigned char *p = der;
			EVP_PKEY *key = d2i_PUBKEY(NULL, &p, len);
			if (key != NULL) {
				*type = EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA ? "rsa" : "other";
				bits = EVP_PKEY_get_bits(key);
				EVP_PKEY_free(key);
			}
		}
	}
	free(der);
	return bits;
}

/* run - the dkim check: look up the DKIM key of each selector given and report
 * its size and faults */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	const char *domain = sd_session_domain(s);
	const char *const *sel;
	size_t n = sd_param_list(p, "selectors", &sel);
	long long min_bits = sd_param_int(p, "min_rsa_bits");
	size_t good = 0;
	sd_finding *f;

	if (n == 0) {
		sd_report_summary(r, "not checked: no selector named (--set dkim.selectors=NAME,...)");
		return SD_RUN_DONE;
	}
	if (n > DKIM_SELECTORS_MAX)
		n = DKIM_SELECTORS_MAX;
	sd_report_phase(r, "DKIM keys of %s (%zu selector%s)", domain, n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		char name[400];
		snprintf(name, sizeof(name), "%s._domainkey.%s", sel[i], domain);
		sd_dns_answer *a = sd_dns_query(s, name, SD_DNS_TXT);
		const char *rec = NULL;
		for (size_t k = 0; k < a->n && rec == NULL; k++)
			if (a->records[k].text != NULL && strlen(a->records[k].text) == a->records[k].text_len &&
			    (strncmp(a->records[k].text, "v=DKIM1", 7) == 0 || strstr(a->records[k].text, "p=") != NULL))
				rec = a->records[k].text;
		if (rec == NULL) {
			int failed = a->status != SD_DNS_OK && a->status != SD_DNS_NODATA && a->status != SD_DNS_NXDOMAIN;
			sd_report_fact_map_add(r, "selectors", sel[i], failed ? "lookup failed" : "no key");
			f = sd_report_finding(r, SD_WARN, "dkim.absent", "no DKIM key at %s (%s)", name,
					      failed ? sd_dns_status_name(a->status) : "no v=DKIM1 record");
			sd_finding_cause(f, "mail signed with selector %s cannot be verified: DKIM fails, and DMARC cannot pass on DKIM", sel[i]);
			sd_finding_fix(f, "publish the public key the signing server uses at %s TXT \"v=DKIM1; k=rsa; p=...\", or correct the selector name",
				       name);
			sd_dns_answer_free(a);
			continue;
		}
		char v[DKIM_KEY_MAX], k[32] = "rsa", t[64] = "";
		tag(rec, "k", k, sizeof(k));
		tag(rec, "t", t, sizeof(t));
		if (!tag(rec, "p", v, sizeof(v))) {
			sd_report_fact_map_add(r, "selectors", sel[i], "invalid: no p=");
			f = sd_report_finding(r, SD_WARN, "dkim.invalid", "the DKIM record at %s has no p= tag", name);
			sd_finding_cause(f, "RFC 6376 3.6.1: p= (the public key) is required; verifiers fail every signature with this selector");
			sd_finding_fix(f, "publish the record as the signing software prints it (v=DKIM1; k=rsa; p=<base64 key>)");
		} else if (v[0] == '\0') {
			sd_report_fact_map_add(r, "selectors", sel[i], "revoked");
			f = sd_report_finding(r, SD_INFO, "dkim.revoked", "the DKIM key at %s is revoked (empty p=)", name);
			sd_finding_cause(f, "RFC 6376 3.6.1: an empty p= revokes the key; signatures with this selector fail");
			sd_finding_fix(f, "nothing to do if the selector is retired; else publish its key");
		} else {
			const char *type = "other";
			int bits = key_bits(v, k, &type);
			char what[96];
			if (bits < 0) {
				sd_report_fact_map_add(r, "selectors", sel[i], "invalid: the key does not decode");
				f = sd_report_finding(r, SD_WARN, "dkim.invalid", "the DKIM key at %s does not decode (k=%s)", name, k);
				sd_finding_cause(f, "p= must be the base64 of the public key (RSA: SubjectPublicKeyInfo DER); a key cut by a 255-byte TXT string boundary or quoted wrongly is the usual cause");
				sd_finding_fix(f, "republish the key exactly as the signing software prints it, split into several strings of one TXT record");
			} else {
				snprintf(what, sizeof(what), "%s %d bits%s", type, bits, t[0] && strchr(t, 'y') ? ", testing (t=y)" : "");
				sd_report_fact_map_add(r, "selectors", sel[i], what);
				if (strcmp(type, "rsa") == 0 && bits < 1024) {
					f = sd_report_finding(r, SD_WARN, "dkim.weak_key", "the DKIM key at %s is RSA %d bits", name, bits);
					sd_finding_cause(f, "RFC 8301 3.2: verifiers must not accept signatures with RSA keys below 1024 bits");
					sd_finding_fix(f, "generate a 2048-bit key under a new selector, publish it, switch the signer, then revoke the old selector");
				} else if (strcmp(type, "rsa") == 0 && bits < min_bits) {
					f = sd_report_finding(r, SD_INFO, "dkim.short_key", "the DKIM key at %s is RSA %d bits (below %lld)",
							      name, bits, min_bits);
					sd_finding_cause(f, "RFC 8301 3.2: signers should use at least 2048 bits");
					sd_finding_fix(f, "rotate to a 2048-bit key under a new selector");
				} else {
					good++;
				}
				if (t[0] && strchr(t, 'y') != NULL) {
					f = sd_report_finding(r, SD_INFO, "dkim.testing", "the DKIM key at %s is in testing mode (t=y)", name);
					sd_finding_cause(f, "RFC 6376 3.6.1: verifiers may treat signatures with this key as unsigned");
					sd_finding_fix(f, "remove t=y once signing works");
				}
			}
		}
		sd_dns_answer_free(a);
	}
	sd_report_summary(r, "%zu of %zu selector%s with a usable key", good, n, n == 1 ? "" : "s");
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(dkim) = {
	.abi = SD_PLUGIN_ABI,
	.name = "dkim",
	.title = "DKIM keys",
	.summary = "DKIM (RFC 6376): the public key of each selector the profile names (--set dkim.selectors=...), its type and size",
	.params = params,
	.run = run,
	.scope = SD_SCOPE_DOMAIN,
};
