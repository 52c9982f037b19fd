/* SPDX-License-Identifier: MIT */
/*
 * ntlm_info.c - check "ntlm-info": what AUTH NTLM tells anyone who asks.
 *
 * Exchange (and other Windows SMTP services with Integrated Windows
 * Authentication) answer an NTLM NEGOTIATE_MESSAGE from any client, before
 * any credential, with a CHALLENGE_MESSAGE naming the server's NetBIOS and
 * DNS names, its Active Directory domain and forest, and its Windows
 * build -- what nmap's smtp-ntlm-info shows. The check sends the same
 * anonymous NEGOTIATE_MESSAGE, decodes the challenge, cancels the
 * exchange with "*" (RFC 4954 4) and reports the disclosure.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <smtpdiag/plugin.h>

#include "ntlm_parse.h"
#include "sasl.h"

static const char *const requires[] = { "ehlo", NULL };

static const sd_param_spec params[] = {
	{ "starttls", SD_PARAM_BOOL, "true", "ask after STARTTLS when the server offers it (where clients log in)" },
	{ "always", SD_PARAM_BOOL, "false", "send AUTH NTLM even when the EHLO reply does not list it (as nmap does)" },
	{ NULL, 0, NULL, NULL },
};

/* offers_ntlm - does EHLO reply E offer AUTH NTLM */
static int offers_ntlm(const sd_ehlo *e)
{
	const sd_capability *a = e != NULL ? sd_ehlo_find(e, "AUTH") : NULL;

	for (size_t i = 0; a != NULL && i < a->nargs; i++)
		if (strcasecmp(a->args[i], "NTLM") == 0)
			return 1;
	return 0;
}

/* run - the ntlm_info check: start AUTH NTLM (after STARTTLS when asked) and
 * report what the server's challenge discloses */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	const sd_ehlo *e = sd_session_ehlo(s);
	sd_ntlm_info ni;
	const char *why = NULL;

	sd_report_phase(r, "AUTH NTLM information");
	if (e == NULL)
		return SD_RUN_FAILED;
	if (sd_param_bool(p, "starttls") && sd_session_tls(s) == NULL && sd_ehlo_find(e, "STARTTLS") != NULL &&
	    sd_session_starttls(s) == 0)
		e = sd_session_ehlo(s);
	int offered = offers_ntlm(e);
	sd_report_fact_bool(r, "offered", offered);
	sd_report_fact_bool(r, "over_tls", sd_session_tls(s) != NULL);
	if (!offered && !sd_param_bool(p, "always")) {
		sd_report_summary(r, "AUTH NTLM not offered");
		return SD_RUN_DONE;
	}
	const sd_reply *rep = sd_session_command(s, "AUTH NTLM %s", SD_NTLM_NEGOTIATE_B64);
	if (rep == NULL)
		return SD_RUN_FAILED;
	if (rep->code != 334 || rep->nlines == 0) {
		sd_report_fact_int(r, "reply_code", rep->code);
		sd_report_summary(r, "AUTH NTLM refused (%d)", rep->code);
		return SD_RUN_DONE;
	}
	size_t len = 0;
	unsigned char *msg = sasl_unb64(rep->lines[0], &len);
	int ok = msg != NULL && sd_ntlm_parse_challenge(msg, len, &ni, &why) == 0;
	free(msg);
	(void)sd_session_command(s, "*");   /* cancel: RFC 4954 4, the server answers 501 */
	if (!ok) {
		sd_finding *f = sd_report_finding(r, SD_INFO, "ntlm_info.malformed",
						  "the server's NTLM challenge does not decode: %s",
						  msg == NULL && why == NULL ? "not base64" : why);
		sd_finding_cause(f, "a server (or a proxy in front of it) that answers AUTH NTLM with something else");
		return SD_RUN_DONE;
	}

	char version[96] = "";
	if (ni.has_version) {
		const char *name = sd_windows_name(ni.major, ni.minor, ni.build);
		snprintf(version, sizeof(version), "%s%s%u.%u.%u%s", name != NULL ? name : "", name != NULL ? " (" : "",
			 ni.major, ni.minor, ni.build, name != NULL ? ")" : "");
		sd_report_fact_str(r, "windows_version", "%u.%u.%u", ni.major, ni.minor, ni.build);
		if (name != NULL)
			sd_report_fact_str(r, "windows", "%s", name);
	}
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
		{ "target_name", offsetof(sd_ntlm_info, target_name) },
		{ "netbios_computer", offsetof(sd_ntlm_info, nb_computer) },
		{ "netbios_domain", offsetof(sd_ntlm_info, nb_domain) },
		{ "dns_computer", offsetof(sd_ntlm_info, dns_computer) },
		{ "dns_domain", offsetof(sd_ntlm_info, dns_domain) },
		{ "dns_tree", offsetof(sd_ntlm_info, dns_tree) },
	};
	int names = 0;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *v = (const char *)&ni + fields[i].off;
		if (v[0]) {
			sd_report_fact_str(r, fields[i].key, "%s", v);
			names++;
		}
	}
	if (names == 0 && !ni.has_version) {
		sd_report_summary(r, "AUTH NTLM answers, but discloses no names");
		return SD_RUN_DONE;
	}
	char what[1700];
	snprintf(what, sizeof(what), "%s%s%s%s%s%s%s%s%s", ni.nb_domain[0] ? ni.nb_domain : ni.target_name,
		 ni.nb_computer[0] ? "\\" : "", ni.nb_computer, ni.dns_computer[0] ? ", " : "", ni.dns_computer,
		 ni.dns_tree[0] ? " (forest " : "", ni.dns_tree, ni.dns_tree[0] ? ")" : "",
		 version[0] ? ", " : "");
	sd_finding *f = sd_report_finding(r, SD_WARN, "ntlm_info.disclosure",
					  "AUTH NTLM discloses internal names to anyone: %s%s", what, version);
	sd_finding_cause(f, "Integrated Windows Authentication (NTLM) answers an anonymous NEGOTIATE with the server's NetBIOS and DNS names, its Active Directory domain and forest and its Windows build, before any credential; attackers use them to map the internal network and pick exploits (nmap smtp-ntlm-info)");
	sd_finding_fix(f, "offer NTLM only on internal connectors; internet mail and modern clients need no NTLM on SMTP");
	if (ni.dns_domain[0])
		sd_finding_detail(f, "dns_domain", "%s", ni.dns_domain);
	if (version[0])
		sd_finding_detail(f, "windows", "%s", version);
	sd_report_summary(r, "discloses %s%s", what, version);
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(ntlm_info) = {
	.abi = SD_PLUGIN_ABI,
	.name = "ntlm-info",
	.title = "NTLM information",
	.summary = "what AUTH NTLM discloses before login: internal NetBIOS/DNS names, AD forest, Windows build",
	.requires = requires,
	.params = params,
	.run = run,
};
