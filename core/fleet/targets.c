/* SPDX-License-Identifier: MIT */
/*
 * targets.c - parse target entries and target files (see targets.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/targets.h"
#include "base/util.h"

#define TARGETS_MAX_ERRORS 20   /* bad lines reported one by one */
#define LINE_MAX_BYTES 1024

/* is_ip - is S an IPv4 or IPv6 address literal */
static int is_ip(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* host_ok - letters, digits, '-', '.', '_' (a DNS name as admins write it) */
static int host_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-')
		return 0;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_')
			return 0;
	return strstr(s, "..") == NULL;
}

/* parse_port - read a port 1-65535 of decimal digits S into *OUT; -1 when it is not one */
static int parse_port(const char *s, unsigned *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > 65535)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* split_host_port - NAME[:PORT], [V6]:PORT, [V6] or a bare V6 literal */
static int split_host_port(const char *w, char **name, unsigned *port, char **err)
{
	*port = 0;
	if (w[0] == '[') {
		const char *close = strchr(w, ']');
		if (close == NULL) {
			*err = sd_asprintf("'%s': '[' without ']'", w);
			return -1;
		}
		*name = sd_xstrndup(w + 1, (size_t)(close - w - 1));
		if (close[1] == ':' && parse_port(close + 2, port) != 0) {
			*err = sd_asprintf("'%s': the port must be a number from 1 to 65535", w);
			goto bad;
		}
		if (close[1] != '\0' && close[1] != ':') {
			*err = sd_asprintf("'%s': unexpected text after ']'", w);
			goto bad;
		}
		unsigned char buf[16];
		if (inet_pton(AF_INET6, *name, buf) != 1) {
			*err = sd_asprintf("'%s': brackets hold an IPv6 address", w);
			goto bad;
		}
		return 0;
	}
	const char *colon = strchr(w, ':');
	if (colon != NULL && strchr(colon + 1, ':') == NULL) {     /* exactly one: NAME:PORT */
		*name = sd_xstrndup(w, (size_t)(colon - w));
		if (parse_port(colon + 1, port) != 0) {
			*err = sd_asprintf("'%s': the port must be a number from 1 to 65535", w);
			goto bad;
		}
	} else {
		*name = sd_xstrdup(w);     /* a name, or an IPv6 literal without a port */
	}
	if (!is_ip(*name) && !host_ok(*name)) {
		*err = sd_asprintf("'%s' is not a host name or IP address", *name);
		goto bad;
	}
	return 0;
bad:
	free(*name);
	*name = NULL;
	return -1;
}

/* address_list_ok - one or more IP literals separated by commas */
static int address_list_ok(const char *s)
{
	char *copy = sd_xstrdup(s), *save = NULL;
	int n = 0, ok = 1;

	for (char *a = strtok_r(copy, ",", &save); a != NULL && ok; a = strtok_r(NULL, ",", &save), n++)
		ok = is_ip(a);
	free(copy);
	return ok && n > 0 && s[0] != ',' && s[strlen(s) - 1] != ',';
}

/* sd_target_parse - parse target line TEXT ("[server] NAME[:PORT] [ADDRESS]" or
 * "domain DOMAIN") into OUT; -1 and *ERR */
int sd_target_parse(const char *text, sd_target_kind dflt, sd_target_spec *out, char **err)
{
	char *copy = sd_xstrdup(text), *save = NULL;
	char *words[4];
	size_t n = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	for (char *w = strtok_r(copy, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
		if (n == 4) {
			*err = sd_asprintf("too many words in '%s' (expected [server] NAME[:PORT] [ADDRESS] "
					   "or domain DOMAIN)", text);
			goto out;
		}
		words[n++] = w;
	}
	if (n == 0) {
		*err = sd_xstrdup("empty target");
		goto out;
	}
	size_t i = 0;
	out->kind = dflt;
	if (strcmp(words[0], "server") == 0 || strcmp(words[0], "domain") == 0) {
		out->kind = words[0][0] == 's' ? SD_TARGET_SERVER : SD_TARGET_DOMAIN;
		i = 1;
		if (n == 1) {
			*err = sd_asprintf("'%s' needs a name after it", words[0]);
			goto out;
		}
	}
	if (out->kind == SD_TARGET_DOMAIN) {
		char *d = words[i];
		size_t l = strlen(d);
		if (n - i != 1) {
			*err = sd_asprintf("a domain entry is one name: '%s'", text);
			goto out;
		}
		if (l > 1 && d[l - 1] == '.')
			d[l - 1] = '\0';
		if (!host_ok(d) || is_ip(d)) {
			*err = sd_asprintf("'%s' is not a domain name", words[i]);
			goto out;
		}
		out->name = sd_xstrdup(d);
		rc = 0;
		goto out;
	}
	if (n - i > 2) {
		*err = sd_asprintf("too many words in '%s' (expected [server] NAME[:PORT] [ADDRESS])", text);
		goto out;
	}
	if (split_host_port(words[i], &out->name, &out->port, err) != 0)
		goto out;
	if (n - i == 2) {
		if (!address_list_ok(words[i + 1])) {
			*err = sd_asprintf("'%s' is not an IP address (or a comma-separated list of them)", words[i + 1]);
			free(out->name);
			out->name = NULL;
			goto out;
		}
		out->address = sd_xstrdup(words[i + 1]);
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

/* sd_target_list_add - parse TEXT and add it to L, ORIGIN naming where it came
 * from; -1 and *ERR on a bad target */
int sd_target_list_add(sd_target_list *l, const char *text, sd_target_kind dflt, const char *origin, char **err)
{
	sd_target_spec t;
	char *e = NULL;

	if (sd_target_parse(text, dflt, &t, &e) != 0) {
		*err = sd_asprintf("%s: %s", origin, e);
		free(e);
		return -1;
	}
	t.origin = sd_xstrdup(origin);
	l->v = sd_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = t;
	return 0;
}

/* sd_target_list_read - add the targets of file F (FNAME, # comments) to L; -1
 * and *ERR listing every bad line */
int sd_target_list_read(sd_target_list *l, FILE *f, const char *fname, sd_target_kind dflt, char **err)
{
	char *line = NULL, *errors = NULL;
	size_t cap = 0, nbad = 0;
	ssize_t len;
	unsigned lineno = 0;

	while ((len = getline(&line, &cap, f)) != -1) {
		char *e = NULL;
		lineno++;
		if (len > LINE_MAX_BYTES + 1) {
			e = sd_asprintf("%s:%u: line longer than %d bytes", fname, lineno, LINE_MAX_BYTES);
		} else if (memchr(line, '\0', (size_t)len) != NULL) {
			e = sd_asprintf("%s:%u: the line holds a NUL byte (a binary file?)", fname, lineno);
		} else {
			char *hash = strchr(line, '#');
			if (hash != NULL)
				*hash = '\0';
			line[strcspn(line, "\r\n")] = '\0';
			const char *p = line;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '\0')
				continue;
			char *origin = sd_asprintf("%s:%u", fname, lineno);
			char *why = NULL;
			if (sd_target_list_add(l, p, dflt, origin, &why) != 0) {
				e = sd_printable(why);   /* the line's own bytes, control bytes escaped */
				free(why);
			}
			free(origin);
		}
		if (e == NULL)
			continue;
		/* every bad line is reported (a file is fixed in one go), up to
		 * TARGETS_MAX_ERRORS, then their number */
		if (nbad++ < TARGETS_MAX_ERRORS) {
			char *joined = errors != NULL ? sd_asprintf("%s\n%s", errors, e) : sd_xstrdup(e);
			free(errors);
			errors = joined;
		}
		free(e);
	}
	free(line);
	if (ferror(f)) {
		free(errors);
		*err = sd_asprintf("%s: read error", fname);
		return -1;
	}
	if (nbad > 0) {
		if (nbad > TARGETS_MAX_ERRORS) {
			char *joined = sd_asprintf("%s\n%s: %zu more bad lines not shown (%zu in all)", errors, fname,
						   nbad - TARGETS_MAX_ERRORS, nbad);
			free(errors);
			errors = joined;
		}
		*err = errors;
		return -1;
	}
	return 0;
}

/* sd_target_list_clear - free the targets of L and empty it */
void sd_target_list_clear(sd_target_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].address);
		free(l->v[i].origin);
		free(l->v[i].unit);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
