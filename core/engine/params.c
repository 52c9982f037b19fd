/* SPDX-License-Identifier: MIT */
/*
 * params.c - typed check parameters, validated against the check's spec.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/params.h"
#include "base/util.h"

typedef struct param_value {
	int set;
	char *str;
	long long num;      /* int, bool (0/1) or duration (ms) */
	char **list;
	size_t nlist;
} param_value;

struct sd_params {
	const sd_param_spec *spec;
	size_t n;
	param_value *v;
};

/* sd_param_type_name - word for error messages and docs */
const char *sd_param_type_name(sd_param_type t)
{
	switch (t) {
	case SD_PARAM_STRING:
		return "string";
	case SD_PARAM_INT:
		return "integer";
	case SD_PARAM_BOOL:
		return "boolean";
	case SD_PARAM_DURATION:
		return "duration";
	case SD_PARAM_LIST:
		return "list of strings";
	}
	return "unknown";
}

/* sd_parse_int - whole string as a decimal integer */
int sd_parse_int(const char *text, long long *out)
{
	char *end;

	if (text == NULL || *text == '\0' || isspace((unsigned char)*text))
		return -1;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* sd_parse_bool - YAML-ish booleans */
int sd_parse_bool(const char *text, int *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* sd_parse_duration_ms - number + optional unit ms/s/m/h; bare = seconds */
int sd_parse_duration_ms(const char *text, long long *out)
{
	char *end;

	if (text == NULL || *text == '\0' || !(isdigit((unsigned char)*text) || *text == '.'))
		return -1;
	errno = 0;
	double v = strtod(text, &end);
	if (errno != 0 || end == text || !isfinite(v) || v < 0)
		return -1;
	double mult;
	if (*end == '\0' || strcmp(end, "s") == 0)
		mult = 1000;
	else if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mult = 60000;
	else if (strcmp(end, "h") == 0)
		mult = 3600000;
	else if (strcmp(end, "d") == 0)
		mult = 86400000;
	else
		return -1;
	double ms = v * mult;
	if (ms > 86400000.0 * 365)
		return -1;
	*out = (long long)llround(ms);
	return 0;
}

/* sd_params_spec_find - spec entry by name */
const sd_param_spec *sd_params_spec_find(const sd_param_spec *spec, const char *name)
{
	for (; spec != NULL && spec->name != NULL; spec++)
		if (strcmp(spec->name, name) == 0)
			return spec;
	return NULL;
}

/* index_of - the index of parameter NAME in P's spec (-1 when undeclared) */
static int index_of(const sd_params *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->spec[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* clear_value - free parameter value V and zero it */
static void clear_value(param_value *v)
{
	free(v->str);
	for (size_t i = 0; i < v->nlist; i++)
		free(v->list[i]);
	free(v->list);
	memset(v, 0, sizeof(*v));
}

/* set_scalar - validate and store TEXT in V according to TYPE */
static int set_scalar(param_value *v, const sd_param_spec *sp, const char *text, char **err)
{
	long long num = 0;
	int b;

	switch (sp->type) {
	case SD_PARAM_STRING:
		break;
	case SD_PARAM_INT:
		if (sd_parse_int(text, &num) != 0) {
			*err = sd_asprintf("parameter '%s' expects an integer, got '%s'", sp->name, text);
			return -1;
		}
		break;
	case SD_PARAM_BOOL:
		if (sd_parse_bool(text, &b) != 0) {
			*err = sd_asprintf("parameter '%s' expects true or false, got '%s'", sp->name, text);
			return -1;
		}
		num = b;
		break;
	case SD_PARAM_DURATION:
		if (sd_parse_duration_ms(text, &num) != 0) {
			*err = sd_asprintf("parameter '%s' expects a duration such as 500ms, 2s or 1m, got '%s'",
					   sp->name, text);
			return -1;
		}
		break;
	case SD_PARAM_LIST: {
		/* one scalar is a one-item list */
		clear_value(v);
		v->list = sd_xcalloc(1, sizeof(char *));
		v->list[0] = sd_xstrdup(text);
		v->nlist = 1;
		v->set = 1;
		return 0;
	}
	}
	clear_value(v);
	v->str = sd_xstrdup(text);
	v->num = num;
	v->set = 1;
	return 0;
}

/* sd_split_list - "a, b,,c " -> a b c (copies) */
size_t sd_split_list(const char *text, char ***items)
{
	char *copy = sd_xstrdup(text), *save = NULL;
	size_t n = 0;

	*items = NULL;
	for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		size_t l = strlen(t);
		while (l > 0 && t[l - 1] == ' ')
			t[--l] = '\0';
		if (l == 0)
			continue;
		*items = sd_xrealloc(*items, (n + 1) * sizeof(char *));
		(*items)[n++] = sd_xstrdup(t);
	}
	free(copy);
	return n;
}

/* sd_params_new - defaults from the spec */
sd_params *sd_params_new(const sd_param_spec *spec)
{
	sd_params *p = sd_xcalloc(1, sizeof(*p));

	p->spec = spec;
	while (spec != NULL && spec[p->n].name != NULL)
		p->n++;
	p->v = sd_xcalloc(p->n, sizeof(param_value));
	for (size_t i = 0; i < p->n; i++) {
		char *err = NULL;
		const char *d = spec[i].default_value;
		size_t dl = d != NULL ? strlen(d) : 0;
		if (spec[i].type == SD_PARAM_LIST && dl >= 2 && d[0] == '[' && d[dl - 1] == ']') {
			/* a list default is written as in YAML flow style: [a, b] */
			char *copy = sd_xstrndup(d + 1, dl - 2), **items = NULL;
			size_t n = sd_split_list(copy, &items);
			sd_params_set_list(p, spec[i].name, (const char *const *)items, n, &err);
			for (size_t k = 0; k < n; k++)
				free(items[k]);
			free(items);
			free(copy);
			free(err);
			continue;
		}
		if (spec[i].default_value != NULL &&
		    (spec[i].type != SD_PARAM_LIST || spec[i].default_value[0] != '\0') &&
		    set_scalar(&p->v[i], &spec[i], spec[i].default_value, &err) != 0) {
			/* a plugin with a bad default: leave it unset, say so once */
			fprintf(stderr, "smtp-diag: check parameter default: %s\n", err);
			free(err);
		}
	}
	return p;
}

/* sd_params_free - free all values */
void sd_params_free(sd_params *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		clear_value(&p->v[i]);
	free(p->v);
	free(p);
}

/* sd_params_set - set a parameter from its scalar text */
int sd_params_set(sd_params *p, const char *name, const char *text, char **err)
{
	int i = index_of(p, name);

	if (i < 0) {
		*err = sd_asprintf("unknown parameter '%s'", name);
		return -1;
	}
	return set_scalar(&p->v[i], &p->spec[i], text, err);
}

/* sd_params_set_list - set a list parameter */
int sd_params_set_list(sd_params *p, const char *name, const char *const *items, size_t n,
		       char **err)
{
	int i = index_of(p, name);

	if (i < 0) {
		*err = sd_asprintf("unknown parameter '%s'", name);
		return -1;
	}
	if (p->spec[i].type != SD_PARAM_LIST) {
		*err = sd_asprintf("parameter '%s' expects a %s, got a list", name,
				   sd_param_type_name(p->spec[i].type));
		return -1;
	}
	param_value *v = &p->v[i];
	clear_value(v);
	v->list = sd_xcalloc(n, sizeof(char *));
	for (size_t k = 0; k < n; k++)
		v->list[k] = sd_xstrdup(items[k]);
	v->nlist = n;
	v->set = 1;
	return 0;
}

/* lookup - the set value of P's parameter NAME of TYPE (NULL when unset;
 * undeclared is reported on stderr) */
static const param_value *lookup(const sd_params *p, const char *name, sd_param_type type)
{
	int i = p != NULL ? index_of(p, name) : -1;

	if (i < 0 || p->spec[i].type != type) {
		fprintf(stderr, "smtp-diag: a check asked for undeclared %s parameter '%s'\n",
			sd_param_type_name(type), name);
		return NULL;
	}
	return p->v[i].set ? &p->v[i] : NULL;
}

/* sd_param_string - the string parameter NAME (NULL when unset) */
const char *sd_param_string(const sd_params *p, const char *name)
{
	const param_value *v = lookup(p, name, SD_PARAM_STRING);
	return v != NULL ? v->str : NULL;
}

/* sd_param_int - the integer parameter NAME (0 when unset) */
long long sd_param_int(const sd_params *p, const char *name)
{
	const param_value *v = lookup(p, name, SD_PARAM_INT);
	return v != NULL ? v->num : 0;
}

/* sd_param_bool - the boolean parameter NAME (false when unset) */
bool sd_param_bool(const sd_params *p, const char *name)
{
	const param_value *v = lookup(p, name, SD_PARAM_BOOL);
	return v != NULL && v->num != 0;
}

/* sd_param_duration_ms - the duration parameter NAME in ms (-1 when unset) */
long long sd_param_duration_ms(const sd_params *p, const char *name)
{
	const param_value *v = lookup(p, name, SD_PARAM_DURATION);
	return v != NULL ? v->num : -1;
}

/* sd_param_list - the list parameter NAME into *ITEMS; its length (0 and NULL when unset) */
size_t sd_param_list(const sd_params *p, const char *name, const char *const **items)
{
	const param_value *v = lookup(p, name, SD_PARAM_LIST);

	*items = v != NULL ? (const char *const *)v->list : NULL;
	return v != NULL ? v->nlist : 0;
}

/* partner - the critical twin of warning threshold NAME ("warn_days" ->
 * "crit_days", "tls_warn" -> "tls_crit") into BUF, or NULL */
static const char *partner(const char *name, char *buf, size_t size)
{
	size_t n = strlen(name);

	if (strncmp(name, "warn_", 5) == 0 && n > 5)
		snprintf(buf, size, "crit_%s", name + 5);
	else if (n > 5 && strcmp(name + n - 5, "_warn") == 0)
		snprintf(buf, size, "%.*s_crit", (int)(n - 5), name);
	else
		return NULL;
	return buf;
}

/* sd_params_check_order - warning and critical thresholds in order (see params.h) */
int sd_params_check_order(const sd_params *p, const char **warn_name, const char **crit_name, char **err)
{
	for (const sd_param_spec *w = p->spec; w != NULL && w->name != NULL; w++) {
		char twin[96];
		if ((w->type != SD_PARAM_INT && w->type != SD_PARAM_DURATION) || partner(w->name, twin, sizeof(twin)) == NULL)
			continue;
		const sd_param_spec *c = sd_params_spec_find(p->spec, twin);
		if (c == NULL || c->type != w->type)
			continue;
		long long wv = w->type == SD_PARAM_INT ? sd_param_int(p, w->name) : sd_param_duration_ms(p, w->name);
		long long cv = c->type == SD_PARAM_INT ? sd_param_int(p, c->name) : sd_param_duration_ms(p, c->name);
		if (wv == 0 || cv == 0)
			continue;   /* one of them is off */
		int days_left = strstr(w->name, "days") != NULL;
		if (days_left ? wv < cv : wv > cv) {
			const char *unit = w->type == SD_PARAM_DURATION ? " ms" : "";
			*err = sd_asprintf("%s (%lld%s) is %s than %s (%lld%s): the warning must come first", w->name, wv,
					   unit, days_left ? "fewer days" : "later", c->name, cv, unit);
			*warn_name = w->name;
			*crit_name = c->name;
			return -1;
		}
	}
	return 0;
}
