/* SPDX-License-Identifier: MIT */
/*
 * ehlo_id.c - the EHLO fingerprints of the MTAs of the vendor lab
 * (tests/lab/vendors-up.sh), each taken from the real server's default reply:
 *   Exim       "<name> Hello <ehlo> [<ip>]", HELP, PIPECONNECT; no ENHANCEDSTATUSCODES
 *   Sendmail   "<name> Hello <host> [<ip>], pleased to meet you", VERB, DELIVERBY
 *   OpenSMTPD  "<name> Hello <ehlo> [<ip>], pleased to meet you", HELP; no VERB
 *   chasquid   "<name> - Your hour of destiny has come."
 *   Postfix    "<name>" alone, ENHANCEDSTATUSCODES, VRFY/ETRN, no HELP
 *   Exchange   X-ANONYMOUSTLS, XEXCH50, XRDST, X-EXPS (Microsoft's own keywords); Exchange
 *              Online advertises none of them, but answers "<name> Hello [<ip>]" (no
 *              client name) and advertises BINARYMIME, which no lab MTA does
 * Rules are tried in order; the first whose conditions all hold wins.
 */
#include <string.h>
#include <strings.h>

#include "ehlo_id.h"

/* has_kw - KW among the N advertised keywords (case-insensitive) */
static int has_kw(const char *const *kws, size_t n, const char *kw)
{
	for (size_t i = 0; i < n; i++)
		if (kws[i] != NULL && strcasecmp(kws[i], kw) == 0)
			return 1;
	return 0;
}

/* has_text - NEEDLE in the first line (case-insensitive) */
static int has_text(const char *rest, const char *needle)
{
	return rest != NULL && strcasestr(rest, needle) != NULL;
}

/* set - fill ID with SOFTWARE, CONFIDENCE and up to three pieces of evidence */
static int set(sd_ehlo_id *id, const char *software, const char *confidence, const char *e1, const char *e2,
	       const char *e3)
{
	size_t k = 0;

	id->software = software;
	id->confidence = confidence;
	if (e1 != NULL)
		id->evidence[k++] = e1;
	if (e2 != NULL)
		id->evidence[k++] = e2;
	if (e3 != NULL)
		id->evidence[k++] = e3;
	id->evidence[k] = NULL;
	return 1;
}

/* sd_ehlo_identify - see ehlo_id.h */
int sd_ehlo_identify(const char *rest, const char *const *kws, size_t n, sd_ehlo_id *id)
{
	memset(id, 0, sizeof(*id));
	if (has_kw(kws, n, "X-ANONYMOUSTLS") || has_kw(kws, n, "XEXCH50") || has_kw(kws, n, "XRDST") ||
	    has_kw(kws, n, "X-EXPS"))
		return set(id, "Microsoft Exchange", "high",
			   "EHLO advertises Exchange's own keywords (X-ANONYMOUSTLS / XEXCH50 / XRDST / X-EXPS)",
			   NULL, NULL);
	if (rest != NULL && strncasecmp(rest, "Hello [", 7) == 0 && has_kw(kws, n, "BINARYMIME") &&
	    has_kw(kws, n, "CHUNKING"))
		return set(id, "Microsoft Exchange", "medium",
			   "EHLO reply text '<name> Hello [<address>]' (no client name: Exchange's form)",
			   "BINARYMIME and CHUNKING advertised (Exchange's and Exchange Online's default set)", NULL);
	if (has_text(rest, "Your hour of destiny has come"))
		return set(id, "chasquid", "high", "EHLO reply text 'Your hour of destiny has come.' (chasquid's)",
			   NULL, NULL);
	if (has_text(rest, "pleased to meet you")) {
		if (has_kw(kws, n, "VERB") || has_kw(kws, n, "DELIVERBY"))
			return set(id, "Sendmail", "high", "EHLO reply text 'Hello ..., pleased to meet you'",
				   "VERB / DELIVERBY advertised (Sendmail's extensions)", NULL);
		if (has_kw(kws, n, "HELP") && !has_kw(kws, n, "VRFY"))
			return set(id, "OpenSMTPD", "medium", "EHLO reply text 'Hello ..., pleased to meet you'",
				   "HELP advertised, no VERB or DELIVERBY (not Sendmail)", NULL);
		return set(id, "Sendmail", "low", "EHLO reply text 'Hello ..., pleased to meet you'", NULL, NULL);
	}
	if (has_text(rest, "Hello ") && has_text(rest, "[") && has_kw(kws, n, "HELP") &&
	    !has_kw(kws, n, "ENHANCEDSTATUSCODES")) {
		if (has_kw(kws, n, "PIPECONNECT") || has_kw(kws, n, "X_PIPE_CONNECT"))
			return set(id, "Exim", "high", "EHLO reply text 'Hello <name> [<address>]'",
				   "PIPECONNECT advertised (Exim's early-pipelining extension)",
				   "HELP advertised, no ENHANCEDSTATUSCODES (Exim's default set)");
		return set(id, "Exim", "medium", "EHLO reply text 'Hello <name> [<address>]'",
			   "HELP advertised, no ENHANCEDSTATUSCODES (Exim's default set)", NULL);
	}
	if ((rest == NULL || rest[0] == '\0') && has_kw(kws, n, "ENHANCEDSTATUSCODES") &&
	    !has_kw(kws, n, "HELP") && (has_kw(kws, n, "VRFY") || has_kw(kws, n, "ETRN")) &&
	    has_kw(kws, n, "DSN"))
		return set(id, "Postfix", "low", "EHLO reply's first line is the host name alone",
			   "ENHANCEDSTATUSCODES, DSN and VRFY/ETRN without HELP (Postfix's default set)", NULL);
	return 0;
}
