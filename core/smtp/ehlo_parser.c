/* SPDX-License-Identifier: MIT */
/*
 * ehlo_parser.c - turn a 250 EHLO reply into a capability table.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp/ehlo_parser.h"
#include "base/util.h"

typedef struct owned_ehlo {
	sd_ehlo pub;
	sd_capability *caps;
	char *domain;
} owned_ehlo;

/* split_args - split capability C's parameters at blanks into its argument list
 * (at most SD_EHLO_MAX_ARGS) */
static void split_args(sd_capability *c)
{
	const char **args = NULL;
	size_t n = 0;
	const char *s = c->params;

	while (*s != '\0' && n < SD_EHLO_MAX_ARGS) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		const char *e = s;
		while (*e != '\0' && *e != ' ' && *e != '\t')
			e++;
		args = sd_xrealloc(args, (n + 1) * sizeof(char *));
		args[n++] = sd_xstrndup(s, (size_t)(e - s));
		s = e;
	}
	c->nargs = n;
	c->args = args;
}

/* SMTP service extension keywords (the IANA registry and common X- ones)
 * that a broken reply puts on its first line instead of the domain */
static const char *const registered[] = {
	"STARTTLS", "PIPELINING", "8BITMIME", "SIZE", "AUTH", "ENHANCEDSTATUSCODES", "DSN", "SMTPUTF8",
	"CHUNKING", "BINARYMIME", "ETRN", "VRFY", "EXPN", "HELP", "REQUIRETLS", "DELIVERBY", "MT-PRIORITY",
	"FUTURERELEASE", "CHECKPOINT", "ATRN", "NO-SOLICITING", "MTRK", "LIMITS", "RRVS", "SUBMITTER",
	"CONNEG", "TURN", "VERB", "ONEX", "SEND", "SAML", "SOML", "XCLIENT", "XFORWARD", "XEXCH50",
	"X-EXPS", "X-LINK2STATE", "XRDST", "XSHADOW", "X-ANONYMOUSTLS", "XXXXXXXA", NULL,
};

/* keyword_first - is the first word of L a capability rather than a domain? */
static int keyword_first(const char *l, size_t n)
{
	if (n == 0 || memchr(l, '.', n) != NULL || memchr(l, '[', n) != NULL)
		return 0;
	for (const char *const *k = registered; *k != NULL; k++) {
		size_t kl = strlen(*k);
		/* "AUTH=LOGIN" is the old form of AUTH */
		if ((n == kl || (n > kl && l[kl] == '=')) && strncasecmp(l, *k, kl) == 0)
			return 1;
	}
	return 0;
}

/* sd_ehlo_parse - one capability per line after the first */
sd_ehlo *sd_ehlo_parse(const sd_reply *reply, int with_caps)
{
	owned_ehlo *o = sd_xcalloc(1, sizeof(*o));
	size_t first_word = 0;

	o->pub.reply = reply;
	if (reply->nlines > 0) {
		const char *l0 = reply->lines[0];

		first_word = strcspn(l0, " \t");
		o->domain = sd_xstrndup(l0, first_word);
	} else {
		o->domain = sd_xstrdup("");
	}
	size_t from = 1; /* line 0 is the domain (and a greeting) */
	if (with_caps && reply->nlines > 0 && keyword_first(reply->lines[0], first_word)) {
		/* broken, but the keyword is there: read it like the others */
		from = 0;
		o->domain[0] = '\0';
	}
	o->pub.domain = o->domain;
	if (reply->nlines > from && with_caps)
		o->caps = sd_xcalloc(reply->nlines - from, sizeof(sd_capability));
	for (size_t i = from; with_caps && i < reply->nlines; i++) {
		const char *l = reply->lines[i];
		while (*l == ' ')
			l++;
		size_t kl = strcspn(l, " \t");
		if (kl == 0)
			continue;
		char *kw = sd_xstrndup(l, kl);
		for (char *k = kw; *k != '\0'; k++)
			*k = (char)toupper((unsigned char)*k);
		const char *params = l + kl;
		while (*params == ' ' || *params == '\t')
			params++;
		for (size_t j = 0; j < o->pub.ncaps; j++)
			if (strcmp(o->caps[j].keyword, kw) == 0) {
				o->pub.duplicate_keywords++;
				break;
			}
		sd_capability *c = &o->caps[o->pub.ncaps++];
		c->keyword = kw;
		c->params = sd_xstrdup(params);
		split_args(c);
	}
	o->pub.caps = o->caps;
	if (from == 0 && o->pub.ncaps > 0)
		o->pub.first_line_keyword = o->caps[0].keyword;
	return &o->pub;
}

/* sd_ehlo_free - free the table */
void sd_ehlo_free(sd_ehlo *e)
{
	owned_ehlo *o = (owned_ehlo *)e;

	if (o == NULL)
		return;
	for (size_t i = 0; i < o->pub.ncaps; i++) {
		sd_capability *c = &o->caps[i];
		for (size_t j = 0; j < c->nargs; j++)
			free((char *)c->args[j]);
		free((void *)c->args);
		free((char *)c->keyword);
		free((char *)c->params);
	}
	free(o->caps);
	free(o->domain);
	free(o);
}

/* sd_ehlo_find - capability by keyword, case-insensitive */
const sd_capability *sd_ehlo_find(const sd_ehlo *e, const char *keyword)
{
	if (e == NULL)
		return NULL;
	for (size_t i = 0; i < e->ncaps; i++)
		if (strcasecmp(e->caps[i].keyword, keyword) == 0)
			return &e->caps[i];
	return NULL;
}
