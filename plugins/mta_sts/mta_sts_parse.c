/* SPDX-License-Identifier: MIT */
/*
 * mta_sts_parse.c - MTA-STS TXT record and policy (RFC 8461 3.1, 3.2),
 * TLS-RPT record (RFC 8460 3). Strict where the RFCs are strict (a
 * sender ignores what does not parse, so we say exactly why), lenient
 * where they tell senders to be (LF line ends, unknown fields).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mta_sts_parse.h"

static void problem(size_t *n, sd_sts_problem *list, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* problem - add problem ID with the formatted text to LIST (at most SD_STS_MAX_PROBLEMS) */
static void problem(size_t *n, sd_sts_problem *list, const char *id, const char *fmt, ...)
{
	va_list ap;

	if (*n >= SD_STS_MAX_PROBLEMS)
		return;
	list[*n].id = id;
	va_start(ap, fmt);
	vsnprintf(list[*n].text, sizeof(list[*n].text), fmt, ap);
	va_end(ap);
	(*n)++;
}

/* next_field - split TXT at ';' (RFC 8461 sts-sep: *WSP ";" *WSP);
 * copies one trimmed field to OUT, returns where the next one starts */
static const char *next_field(const char *p, char *out, size_t size)
{
	size_t n = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	while (*p && *p != ';') {
		if (n + 1 < size)
			out[n++] = *p;
		p++;
	}
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		n--;
	out[n] = '\0';
	return *p == ';' ? p + 1 : p;
}

/* printable_value - is V a non-empty value of visible ASCII without ';' or '=' */
static int printable_value(const char *v)
{
	if (*v == '\0')
		return 0;
	for (; *v; v++)
		if ((unsigned char)*v < 0x21 || (unsigned char)*v > 0x7e || *v == ';' || *v == '=')
			return 0;
	return 1;
}

/* record_starts - does TXT start with tag VERSION followed by ';', blanks or its end */
static int record_starts(const char *txt, const char *version)
{
	size_t l = strlen(version);
	const char *p = txt + l;

	if (strncmp(txt, version, l) != 0)
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == ';' || *p == '\0';
}

/* sd_sts_is_record - is TXT an MTA-STS record (v=STSv1) */
int sd_sts_is_record(const char *txt)
{
	return record_starts(txt, "v=STSv1");
}

/* sd_tlsrpt_is_record - is TXT a TLS-RPT record (v=TLSRPTv1) */
int sd_tlsrpt_is_record(const char *txt)
{
	return record_starts(txt, "v=TLSRPTv1");
}

/* sd_sts_txt_parse - v=STSv1 first, then id (1-32 alphanumerics) and extensions */
int sd_sts_txt_parse(const char *txt, size_t len, sd_sts_txt *out)
{
	char f[512];
	const char *p = txt;
	int ids = 0;

	memset(out, 0, sizeof(*out));
	const char *nul = memchr(txt, '\0', len);
	if (nul != NULL) /* the fields after it would be lost to C-string parsing: the record is invalid */
		problem(&out->nproblems, out->problems, "txt_nul",
			"the record contains a NUL byte (at byte %zu of %zu)", (size_t)(nul - txt), len);
	p = next_field(p, f, sizeof(f));
	if (strcmp(f, "v=STSv1") != 0) {
		problem(&out->nproblems, out->problems, "txt_version",
			"the record must start with \"v=STSv1\" (it starts \"%.40s\")", f);
		return -1;
	}
	while (*p) {
		p = next_field(p, f, sizeof(f));
		if (f[0] == '\0') {
			if (*p != '\0')
				problem(&out->nproblems, out->problems, "txt_syntax", "an empty field (\";;\")");
			continue;
		}
		char *eq = strchr(f, '=');
		if (eq == NULL || eq == f) {
			problem(&out->nproblems, out->problems, "txt_syntax", "field \"%.60s\" is not name=value", f);
			continue;
		}
		*eq = '\0';
		const char *name = f, *val = eq + 1;
		if (strcmp(name, "id") == 0) {
			size_t l = strlen(val);
			int alnum = l > 0;
			for (const char *c = val; *c; c++)
				alnum = alnum && isalnum((unsigned char)*c);
			if (++ids > 1)
				problem(&out->nproblems, out->problems, "id_repeated", "the id field appears more than once");
			else if (!alnum || l > 32)
				problem(&out->nproblems, out->problems, "id_invalid",
					"id \"%.40s\" is not 1 to 32 letters and digits", val);
			else
				snprintf(out->id, sizeof(out->id), "%s", val);
		} else {
			int ok = isalnum((unsigned char)name[0]) && strlen(name) <= 32;
			for (const char *c = name; *c; c++)
				ok = ok && (isalnum((unsigned char)*c) || *c == '_' || *c == '-' || *c == '.');
			if (!ok || !printable_value(val))
				problem(&out->nproblems, out->problems, "txt_syntax", "field \"%.40s\" is malformed", name);
		}
	}
	if (ids == 0)
		problem(&out->nproblems, out->problems, "id_missing", "the record has no id field");
	if (nul != NULL)
		out->id[0] = '\0';
	return out->nproblems == 0 ? 0 : -1;
}

/* sd_sts_mode_name - the name of MTA-STS policy mode M */
const char *sd_sts_mode_name(sd_sts_mode m)
{
	static const char *const names[] = { "unset", "enforce", "testing", "none" };
	return names[m];
}

/* valid_domain - LDH labels, dots between, no empty label */
static int valid_domain(const char *d)
{
	size_t label = 0, total = 0;

	if (*d == '\0' || *d == '.' || *d == '-')
		return 0;
	for (const char *c = d; *c; c++, total++) {
		if (*c == '.') {
			if (label == 0 || c[-1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*c) && *c != '-')
			return 0;
		if (label == 0 && *c == '-')
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && total <= 253 && strchr(d, '.') != NULL;
}

/* known_field - is the LEN-byte line at P not an extension field: a field
 * of RFC 8461 3.2, or no "name:" line at all? */
static int known_field(const char *p, size_t len)
{
	static const char *const names[] = { "version", "mode", "max_age", "mx" };
	const char *colon = memchr(p, ':', len);
	size_t nl = colon != NULL ? (size_t)(colon - p) : len;

	if (colon == NULL || colon == p)
		return 1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (nl == strlen(names[i]) && memcmp(p, names[i], nl) == 0)
			return 1;
	return 0;
}

/* sd_sts_policy_covers - every "mx:" line, however many */
int sd_sts_policy_covers(const char *body, size_t len, const char *host)
{
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl != NULL ? nl : end;
		const char *v = p + 3;

		if (le - p > 3 && memcmp(p, "mx:", 3) == 0) {
			char pat[256];
			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			const char *ve = le;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			size_t vl = (size_t)(ve - v);
			if (vl > 0 && vl < sizeof(pat) && memchr(v, '\0', vl) == NULL) {
				memcpy(pat, v, vl);
				pat[vl] = '\0';
				const char *d = strncmp(pat, "*.", 2) == 0 ? pat + 2 : pat;
				if (valid_domain(d) && sd_sts_mx_matches(pat, host))
					return 1;
			}
		}
		p = nl != NULL ? nl + 1 : end;
	}
	return 0;
}

/* sd_sts_policy_parse - key: value lines */
int sd_sts_policy_parse(const char *body, size_t len, sd_sts_policy *out)
{
	const char *p = body, *end = body + len;
	int seen_version = 0, seen_mode = 0, seen_max_age = 0, lf_only = 0;
	size_t lineno = 0;

	memset(out, 0, sizeof(*out));
	out->max_age = -1;
	if (memchr(body, '\0', len) != NULL)
		problem(&out->nproblems, out->problems, "policy_syntax", "the policy contains NUL bytes");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl != NULL ? nl : end;
		char line[600];
		size_t l = (size_t)(le - p);

		lineno++;
		if (nl != NULL && (le == p || le[-1] != '\r'))
			lf_only = 1;
		if (l > 0 && p[l - 1] == '\r')
			l--;
		if (l >= sizeof(line)) {
			/* longer than any version/mode/max_age/mx line can be; an extension
			 * (RFC 8461 3.2 sts-policy-ext-value has no length limit) is ignored */
			if (known_field(p, l))
				problem(&out->nproblems, out->problems, "policy_syntax", "line %zu is too long", lineno);
			p = nl != NULL ? nl + 1 : end;
			continue;
		}
		memcpy(line, p, l);
		line[l] = '\0';
		p = nl != NULL ? nl + 1 : end;
		if (line[0] == '\0')
			continue;
		char *colon = strchr(line, ':');
		if (colon == NULL || colon == line) {
			problem(&out->nproblems, out->problems, "policy_syntax", "line %zu is not \"name: value\": \"%.60s\"",
				lineno, line);
			continue;
		}
		*colon = '\0';
		char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t vl = strlen(v);
		while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			v[--vl] = '\0';
		const char *name = line;

		if (strcmp(name, "version") == 0) {
			if (seen_version++) {
				problem(&out->nproblems, out->problems, "field_repeated", "\"version\" appears more than once");
				continue;
			}
			snprintf(out->version, sizeof(out->version), "%s", v);
			if (strcasecmp(v, "STSv1") != 0) /* ABNF strings are case-insensitive */
				problem(&out->nproblems, out->problems, "version_invalid",
					"version is \"%.20s\", not \"STSv1\"", v);
		} else if (strcmp(name, "mode") == 0) {
			if (seen_mode++) {
				problem(&out->nproblems, out->problems, "field_repeated", "\"mode\" appears more than once");
				continue;
			}
			if (strcasecmp(v, "enforce") == 0)
				out->mode = SD_STS_MODE_ENFORCE;
			else if (strcasecmp(v, "testing") == 0)
				out->mode = SD_STS_MODE_TESTING;
			else if (strcasecmp(v, "none") == 0)
				out->mode = SD_STS_MODE_NONE;
			else
				problem(&out->nproblems, out->problems, "mode_invalid",
					"mode is \"%.20s\", not enforce, testing or none", v);
		} else if (strcmp(name, "max_age") == 0) {
			if (seen_max_age++) {
				problem(&out->nproblems, out->problems, "field_repeated", "\"max_age\" appears more than once");
				continue;
			}
			char *e;
			errno = 0;
			long a = strtol(v, &e, 10);
			if (!isdigit((unsigned char)v[0]) || *e != '\0' || vl > 10 || errno != 0 || a > SD_STS_MAX_AGE_LIMIT)
				problem(&out->nproblems, out->problems, "max_age_invalid",
					"max_age \"%.20s\" is not a number of seconds from 0 to %ld", v, SD_STS_MAX_AGE_LIMIT);
			else
				out->max_age = a;
		} else if (strcmp(name, "mx") == 0) {
			const char *d = strncmp(v, "*.", 2) == 0 ? v + 2 : v;
			if (!valid_domain(d))
				problem(&out->nproblems, out->problems, "mx_invalid",
					"mx \"%.60s\" is not a host name or *.domain pattern", v);
			else if (out->nmx_total++ < SD_STS_MAX_MX)
				snprintf(out->mx[out->nmx++], sizeof(out->mx[0]), "%s", v);
		}
		/* other names are extensions: ignored, as senders do */
	}
	if (!seen_version)
		problem(&out->nproblems, out->problems, "version_missing", "no \"version: STSv1\" field");
	if (!seen_mode)
		problem(&out->nproblems, out->problems, "mode_missing", "no \"mode\" field");
	if (!seen_max_age)
		problem(&out->nproblems, out->problems, "max_age_missing", "no \"max_age\" field");
	if (out->nmx == 0 && (out->mode == SD_STS_MODE_ENFORCE || out->mode == SD_STS_MODE_TESTING))
		problem(&out->nproblems, out->problems, "mx_missing", "mode %s but no valid \"mx\" field",
			sd_sts_mode_name(out->mode));
	int usable = out->nproblems == 0;
	/* tolerated by senders (RFC 8461 3.2: "MAY" accept LF), still worth saying */
	if (lf_only)
		problem(&out->nproblems, out->problems, "line_ends", "lines end in LF, not CRLF as RFC 8461 3.2 says");
	return usable ? 0 : -1;
}

/* sd_sts_mx_matches - exact name, or "*." plus exactly one more label */
int sd_sts_mx_matches(const char *pattern, const char *host)
{
	char p[256], h[256];
	size_t pl, hl;

	snprintf(p, sizeof(p), "%s", pattern);
	snprintf(h, sizeof(h), "%s", host);
	pl = strlen(p);
	hl = strlen(h);
	if (pl > 0 && p[pl - 1] == '.')
		p[--pl] = '\0';
	if (hl > 0 && h[hl - 1] == '.')
		h[--hl] = '\0';
	if (strncmp(p, "*.", 2) != 0)
		return strcasecmp(p, h) == 0;
	const char *dot = strchr(h, '.');
	return dot != NULL && dot != h && strcasecmp(dot + 1, p + 2) == 0;
}

/* sd_tlsrpt_parse - version, then rua with mailto:/https: URIs */
int sd_tlsrpt_parse(const char *txt, size_t len, sd_tlsrpt *out)
{
	char f[1024];
	const char *p = txt;
	int ruas = 0;

	memset(out, 0, sizeof(*out));
	const char *nul = memchr(txt, '\0', len);
	if (nul != NULL)
		problem(&out->nproblems, out->problems, "nul",
			"the record contains a NUL byte (at byte %zu of %zu)", (size_t)(nul - txt), len);
	p = next_field(p, f, sizeof(f));
	if (strcmp(f, "v=TLSRPTv1") != 0) {
		problem(&out->nproblems, out->problems, "version", "the record must start with \"v=TLSRPTv1\"");
		return -1;
	}
	while (*p) {
		p = next_field(p, f, sizeof(f));
		if (f[0] == '\0')
			continue;
		if (strncmp(f, "rua=", 4) != 0) {
			if (strchr(f, '=') == NULL)
				problem(&out->nproblems, out->problems, "syntax", "field \"%.60s\" is not name=value", f);
			continue;
		}
		if (ruas++) {
			problem(&out->nproblems, out->problems, "rua_repeated", "rua appears more than once");
			continue;
		}
		char *save = NULL;
		for (char *u = strtok_r(f + 4, ",", &save); u != NULL; u = strtok_r(NULL, ",", &save)) {
			while (*u == ' ' || *u == '\t')
				u++;
			size_t ul = strlen(u);
			while (ul > 0 && (u[ul - 1] == ' ' || u[ul - 1] == '\t'))
				u[--ul] = '\0';
			if (strncasecmp(u, "mailto:", 7) == 0) {
				const char *at = strchr(u + 7, '@');
				if (at == NULL || at == u + 7 || at[1] == '\0' || strchr(at + 1, '.') == NULL) {
					problem(&out->nproblems, out->problems, "rua_invalid",
						"\"%.80s\" is not a mailto: address", u);
					continue;
				}
			} else if (strncasecmp(u, "https://", 8) == 0) {
				if (u[8] == '\0' || u[8] == '/') {
					problem(&out->nproblems, out->problems, "rua_invalid", "\"%.80s\" has no host", u);
					continue;
				}
			} else {
				problem(&out->nproblems, out->problems, "rua_scheme",
					"\"%.80s\": reports go only to mailto: or https: URIs", u);
				continue;
			}
			if (out->nrua_total++ < sizeof(out->rua) / sizeof(out->rua[0]))
				snprintf(out->rua[out->nrua++], sizeof(out->rua[0]), "%s", u);
		}
	}
	if (ruas == 0)
		problem(&out->nproblems, out->problems, "rua_missing", "no rua field: reports have nowhere to go");
	else if (out->nrua == 0 && out->nproblems == 0)
		problem(&out->nproblems, out->problems, "rua_missing", "rua lists no usable URI");
	return out->nproblems == 0 ? 0 : -1;
}
