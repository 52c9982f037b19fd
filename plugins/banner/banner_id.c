/* SPDX-License-Identifier: MIT */
/*
 * banner_id.c - name the SMTP software from its greeting text.
 *
 * Patterns are compiled per call: identification runs once per target and
 * a compiled-once table would be shared mutable state between threads.
 */
#include <pthread.h>
#include <regex.h>
#include <string.h>

#include "banner_id.h"

typedef struct pattern {
	const char *re;
	int version_group;      /* 0: no version in the pattern */
	const char *software;
	const char *vendor;
} pattern;

static const pattern patterns[] = {
	{ "ESMTP Postfix \\(([0-9][0-9.]*[0-9])\\)", 1, "Postfix", "postfix" },
	{ "(^|[^a-z])Postfix([^a-z]|$)", 0, "Postfix", "postfix" },
	{ "Exim ([0-9][0-9.]*[0-9])", 1, "Exim", "exim" },
	{ "(^|[^a-z])Exim([^a-z]|$)", 0, "Exim", "exim" },
	{ "Sendmail ([0-9][0-9.]*[0-9][a-z0-9.]*)", 1, "Sendmail", "sendmail" },
	{ "(^|[^a-z])Sendmail([^a-z]|$)", 0, "Sendmail", "sendmail" },
	{ "Microsoft ESMTP MAIL Service, Version: ([0-9][0-9.]*[0-9])", 1, "Microsoft IIS SMTP / Exchange", "exchange" },
	/* Exchange Online's front ends: "220 XX0PR00MB0000.eurprd00.prod.outlook.com Microsoft ESMTP ..." */
	{ "\\.outlook\\.com\\.? Microsoft ESMTP MAIL Service", 0, "Microsoft Exchange Online", "exchange" },
	{ "Microsoft ESMTP MAIL Service", 0, "Microsoft Exchange", "exchange" },
	{ "Microsoft Exchange Internet Mail Service ([0-9][0-9.]*[0-9])", 1, "Microsoft Exchange", "exchange" },
	{ "Microsoft Exchange", 0, "Microsoft Exchange", "exchange" },
	{ "OpenSMTPD", 0, "OpenSMTPD", "opensmtpd" },
	{ "(^|[^a-z])chasquid([^a-z]|$)", 0, "chasquid", "chasquid" },
	{ "(^|[^a-z])qmail([^a-z]|$)", 0, "qmail", "qmail" },
	{ "hMailServer ([0-9][0-9.]*[0-9])", 1, "hMailServer", "hmailserver" },
	{ "hMailServer", 0, "hMailServer", "hmailserver" },
	{ "MDaemon ([0-9][0-9.]*[0-9])", 1, "MDaemon", "mdaemon" },
	{ "MDaemon", 0, "MDaemon", "mdaemon" },
	{ "Haraka/([0-9][0-9.]*[0-9])", 1, "Haraka", "haraka" },
	{ "Haraka", 0, "Haraka", "haraka" },
	{ "Kerio Connect ([0-9][0-9.]*[0-9])", 1, "Kerio Connect", "kerio" },
	{ "IceWarp ([0-9][0-9.]*[0-9])", 1, "IceWarp", "icewarp" },
	{ "MailEnable", 0, "MailEnable", "mailenable" },
	{ "CommuniGate Pro ([0-9][0-9.]*[0-9])", 1, "CommuniGate Pro", "communigate" },
	{ "CommuniGate", 0, "CommuniGate Pro", "communigate" },
	{ "(Lotus|HCL|IBM) Domino Release ([0-9][0-9.]*[0-9A-Za-z]*)", 2, "Domino", "domino" },
	{ "Domino", 0, "Domino", "domino" },
	{ "Axigen", 0, "Axigen", "axigen" },
	{ "SmarterMail", 0, "SmarterMail", "smartermail" },
	{ "ZMailer", 0, "ZMailer", "zmailer" },
	{ "Courier", 0, "Courier", "courier" },
	{ "Apache JAMES", 0, "Apache James", "james" },
	{ "GroupWise", 0, "GroupWise", "groupwise" },
	{ "Stalwart", 0, "Stalwart", "stalwart" },
	{ "Mimecast", 0, "Mimecast", "mimecast" },
	{ " - gsmtp$", 0, "Google (Gmail)", "google" },
	{ NULL, 0, NULL, NULL },
};

/* The patterns compiled once per process (they are constants): compiling
 * them for every greeting cost more CPU than the rest of the banner check
 * in a fleet run. regexec() on a shared pattern is thread-safe. Freed when
 * the module is unloaded. */
#define NPATTERNS (sizeof(patterns) / sizeof(patterns[0]) - 1)
static regex_t compiled[NPATTERNS];
static int compiled_ok[NPATTERNS];
static pthread_once_t compile_once = PTHREAD_ONCE_INIT;

/* compile_all - compile the software patterns once (a failed one is marked and skipped) */
static void compile_all(void)
{
	for (size_t i = 0; i < NPATTERNS; i++)
		compiled_ok[i] = regcomp(&compiled[i], patterns[i].re, REG_EXTENDED | REG_ICASE) == 0;
}

/* free_all - at unload, free the compiled software patterns */
__attribute__((destructor)) static void free_all(void)
{
	for (size_t i = 0; i < NPATTERNS; i++)
		if (compiled_ok[i]) {
			regfree(&compiled[i]);
			compiled_ok[i] = 0;
		}
}

/* sd_banner_identify - first matching pattern wins */
int sd_banner_identify(const char *text, sd_banner_id *id)
{
	memset(id, 0, sizeof(*id));
	pthread_once(&compile_once, compile_all);
	for (size_t i = 0; i < NPATTERNS; i++) {
		const pattern *p = &patterns[i];
		regmatch_t m[4];

		if (!compiled_ok[i] || regexec(&compiled[i], text, 4, m, 0) != 0)
			continue;
		id->software = p->software;
		id->vendor = p->vendor;
		if (p->version_group > 0 && m[p->version_group].rm_so >= 0) {
			size_t n = (size_t)(m[p->version_group].rm_eo - m[p->version_group].rm_so);
			if (n >= sizeof(id->version))
				n = sizeof(id->version) - 1;
			memcpy(id->version, text + m[p->version_group].rm_so, n);
			id->version[n] = '\0';
		}
		return 1;
	}
	return 0;
}
