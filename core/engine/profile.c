/* SPDX-License-Identifier: MIT */
/*
 * profile.c - YAML profiles: target defaults and the checks to run.
 *
 * The YAML is loaded as a node tree with libyaml and walked once. Unknown
 * keys, duplicate keys and wrong node kinds are errors with the node's
 * position; nothing is silently ignored, because a typo in a compliance
 * profile must not quietly turn a check off. Aliases are refused (they buy
 * nothing in a profile and make exponential documents possible).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "engine/profile.h"
#include "base/util.h"

#define SD_PROFILE_MAX_BYTES (1024 * 1024)

typedef struct loader {
	sd_profile *p;
	const char *file;     /* the file being read (owned by p->files) */
	yaml_document_t *doc;
	const char *dirs;
	int depth;
	char *err;
} loader;

static int fail(loader *L, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* fail - record "file:line:col: message" once; always returns -1 */
static int fail(loader *L, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (L->err != NULL)
		return -1;
	va_start(ap, fmt);
	msg = sd_vasprintf(fmt, ap);
	va_end(ap);
	if (n != NULL)
		L->err = sd_asprintf("%s:%zu:%zu: %s", L->file, n->start_mark.line + 1,
				     n->start_mark.column + 1, msg);
	else
		L->err = sd_asprintf("%s: %s", L->file, msg);
	free(msg);
	return -1;
}

/* mark_of - the file, line and column of YAML node N */
static sd_mark mark_of(loader *L, const yaml_node_t *n)
{
	return (sd_mark){ L->file, (unsigned)n->start_mark.line + 1, (unsigned)n->start_mark.column + 1 };
}

/* kind_name - what YAML node N is, for messages ("a scalar", "a list", ...) */
static const char *kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

/* scalar - the text of scalar node N */
static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* node - the node ID of L's YAML document */
static yaml_node_t *node(loader *L, int id)
{
	return yaml_document_get_node(L->doc, id);
}

/* expect - node must be of TYPE; WHAT names it in the message */
static int expect(loader *L, const yaml_node_t *n, yaml_node_type_t type, const char *what)
{
	static const char *const want[] = {
		[YAML_SCALAR_NODE] = "a single value", [YAML_SEQUENCE_NODE] = "a list",
		[YAML_MAPPING_NODE] = "a mapping (key: value)",
	};
	if (n->type == type)
		return 0;
	return fail(L, n, "%s must be %s, not %s", what, want[type], kind_name(n));
}

/* check_keys - keys of mapping N must be scalars, unique, and in ALLOWED */
static int check_keys(loader *L, const yaml_node_t *n, const char *const *allowed, const char *what)
{
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
		yaml_node_t *k = node(L, a->key);

		if (k->type != YAML_SCALAR_NODE)
			return fail(L, k, "keys in %s must be plain words", what);
		for (yaml_node_pair_t *b = n->data.mapping.pairs.start; b < a; b++)
			if (strcmp(scalar(node(L, b->key)), scalar(k)) == 0)
				return fail(L, k, "duplicate key '%s' in %s", scalar(k), what);
		if (allowed == NULL)
			continue;
		int ok = 0;
		for (const char *const *w = allowed; *w != NULL; w++)
			if (strcmp(*w, scalar(k)) == 0)
				ok = 1;
		if (!ok) {
			char list[256] = "";
			for (const char *const *w = allowed; *w != NULL; w++) {
				strncat(list, *w, sizeof(list) - strlen(list) - 3);
				if (w[1] != NULL)
					strncat(list, ", ", sizeof(list) - strlen(list) - 1);
			}
			return fail(L, k, "unknown key '%s' in %s (expected one of: %s)", scalar(k), what, list);
		}
	}
	return 0;
}

/* get_duration - read duration scalar V (at least 100ms) into *OUT in ms; -1
 * with the error in L otherwise */
static int get_duration(loader *L, yaml_node_t *v, const char *what, long long *out)
{
	if (expect(L, v, YAML_SCALAR_NODE, what) != 0)
		return -1;
	if (sd_parse_duration_ms(scalar(v), out) != 0)
		return fail(L, v, "%s expects a duration such as 500ms, 10s or 1m, got '%s'", what, scalar(v));
	if (*out < 100)
		return fail(L, v, "%s must be at least 100ms (no server answers sooner), got '%s'", what, scalar(v));
	return 0;
}

/* load_timeouts - target.timeouts: connect / greeting / command */
static int load_timeouts(loader *L, yaml_node_t *n)
{
	static const char *const keys[] = { "connect", "greeting", "command", NULL };
	sd_profile_target *t = &L->p->target;

	if (expect(L, n, YAML_MAPPING_NODE, "'timeouts'") != 0 || check_keys(L, n, keys, "'timeouts'") != 0)
		return -1;
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
		const char *k = scalar(node(L, a->key));
		yaml_node_t *v = node(L, a->value);
		char what[64];

		snprintf(what, sizeof(what), "timeouts.%s", k);
		long long *dst = strcmp(k, "connect") == 0    ? &t->connect_timeout_ms
				 : strcmp(k, "greeting") == 0 ? &t->greeting_timeout_ms
							      : &t->command_timeout_ms;
		if (get_duration(L, v, what, dst) != 0)
			return -1;
	}
	return 0;
}

/* load_target - port, tls, ehlo_name, timeouts */
static int load_target(loader *L, yaml_node_t *n)
{
	static const char *const keys[] = { "port", "tls", "ehlo_name", "timeouts", NULL };
	sd_profile_target *t = &L->p->target;

	if (expect(L, n, YAML_MAPPING_NODE, "'target'") != 0 || check_keys(L, n, keys, "'target'") != 0)
		return -1;
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
		const char *k = scalar(node(L, a->key));
		yaml_node_t *v = node(L, a->value);

		if (strcmp(k, "timeouts") == 0) {
			if (load_timeouts(L, v) != 0)
				return -1;
			continue;
		}
		if (expect(L, v, YAML_SCALAR_NODE, k) != 0)
			return -1;
		if (strcmp(k, "port") == 0) {
			long long port;
			if (sd_parse_int(scalar(v), &port) != 0 || port < 1 || port > 65535)
				return fail(L, v, "port must be a number from 1 to 65535, got '%s'", scalar(v));
			t->port = (unsigned)port;
			t->port_set = 1;
		} else if (strcmp(k, "tls") == 0) {
			if (sd_tls_mode_parse(scalar(v), &t->tls) != 0)
				return fail(L, v, "tls must be none, starttls or implicit, got '%s'", scalar(v));
			t->tls_set = 1;
		} else {
			if (scalar(v)[0] == '\0' || strpbrk(scalar(v), " \t\r\n") != NULL)
				return fail(L, v, "ehlo_name must be one word (a domain or [address]), got '%s'",
					    scalar(v));
			free(t->ehlo_name);
			t->ehlo_name = sd_xstrdup(scalar(v));
		}
	}
	return 0;
}

/* load_params - params: { key: scalar | [scalars] } */
static int load_params(loader *L, yaml_node_t *n, sd_profile_check *c)
{
	if (expect(L, n, YAML_MAPPING_NODE, "'params'") != 0 || check_keys(L, n, NULL, "'params'") != 0)
		return -1;
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
		yaml_node_t *k = node(L, a->key), *v = node(L, a->value);
		sd_raw_param rp = { .key = sd_xstrdup(scalar(k)), .key_mark = mark_of(L, k), .mark = mark_of(L, v) };

		if (v->type == YAML_SCALAR_NODE) {
			rp.scalar = sd_xstrdup(scalar(v));
		} else if (v->type == YAML_SEQUENCE_NODE) {
			for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
				yaml_node_t *e = node(L, *it);
				if (e->type != YAML_SCALAR_NODE) {
					free(rp.key);
					for (size_t i = 0; i < rp.nitems; i++)
						free(rp.items[i]);
					free(rp.items);
					return fail(L, e, "items of '%s' must be single values, not %s", scalar(k),
						    kind_name(e));
				}
				rp.items = sd_xrealloc(rp.items, (rp.nitems + 1) * sizeof(char *));
				rp.items[rp.nitems++] = sd_xstrdup(scalar(e));
			}
		} else {
			free(rp.key);
			return fail(L, v, "parameter '%s' must be a value or a list, not a mapping", scalar(k));
		}
		c->params = sd_xrealloc(c->params, (c->nparams + 1) * sizeof(*c->params));
		c->params[c->nparams++] = rp;
	}
	return 0;
}

/* load_severity - severity: { finding.id: ok|info|warning|critical } */
static int load_severity(loader *L, yaml_node_t *n, sd_profile_check *c)
{
	if (expect(L, n, YAML_MAPPING_NODE, "'severity'") != 0 || check_keys(L, n, NULL, "'severity'") != 0)
		return -1;
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
		yaml_node_t *k = node(L, a->key), *v = node(L, a->value);
		sd_severity sev;

		if (expect(L, v, YAML_SCALAR_NODE, "a severity") != 0)
			return -1;
		if (sd_severity_parse(scalar(v), &sev) != 0 || sev == SD_CHECK_ERROR)
			return fail(L, v, "severity must be ok, info, warning or critical, got '%s'", scalar(v));
		if (strncmp(scalar(k), c->name, strlen(c->name)) != 0 || scalar(k)[strlen(c->name)] != '.')
			return fail(L, k, "finding id '%s' does not belong to check '%s' (ids look like '%s.something')",
				    scalar(k), c->name, c->name);
		c->overrides = sd_xrealloc(c->overrides, (c->noverrides + 1) * sizeof(*c->overrides));
		c->overrides[c->noverrides++] = (sd_severity_override){ sd_xstrdup(scalar(k)), sev };
	}
	return 0;
}

/* check_clear - free profile check C's name, parameters, overrides and bound values, and zero it */
static void check_clear(sd_profile_check *c)
{
	free(c->name);
	for (size_t i = 0; i < c->nparams; i++) {
		free(c->params[i].key);
		free(c->params[i].scalar);
		for (size_t j = 0; j < c->params[i].nitems; j++)
			free(c->params[i].items[j]);
		free(c->params[i].items);
	}
	free(c->params);
	for (size_t i = 0; i < c->noverrides; i++)
		free(c->overrides[i].id);
	free(c->overrides);
	sd_params_free(c->bound);
	memset(c, 0, sizeof(*c));
}

/* valid_check_name - is S a non-empty check name of [a-z0-9_-] */
static int valid_check_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

/* merge_check - add entry C, merging into an earlier entry of the same
 * name (inherited from `extends`): later params and severities win */
static void merge_check(sd_profile *p, sd_profile_check *c)
{
	sd_profile_check *old = sd_profile_find_check(p, c->name);

	if (old == NULL) {
		p->checks = sd_xrealloc(p->checks, (p->nchecks + 1) * sizeof(*p->checks));
		p->checks[p->nchecks++] = *c;
		memset(c, 0, sizeof(*c));
		return;
	}
	old->disabled = c->disabled;
	old->mark = c->mark;
	for (size_t i = 0; i < c->nparams; i++) {
		size_t j;
		for (j = 0; j < old->nparams; j++)
			if (strcmp(old->params[j].key, c->params[i].key) == 0)
				break;
		if (j == old->nparams) {
			old->params = sd_xrealloc(old->params, (old->nparams + 1) * sizeof(*old->params));
			old->nparams++;
		} else {
			free(old->params[j].key);
			free(old->params[j].scalar);
			for (size_t k = 0; k < old->params[j].nitems; k++)
				free(old->params[j].items[k]);
			free(old->params[j].items);
		}
		old->params[j] = c->params[i];
	}
	free(c->params);
	c->params = NULL;
	c->nparams = 0;
	for (size_t i = 0; i < c->noverrides; i++) {
		size_t j;
		for (j = 0; j < old->noverrides; j++)
			if (strcmp(old->overrides[j].id, c->overrides[i].id) == 0)
				break;
		if (j == old->noverrides) {
			old->overrides = sd_xrealloc(old->overrides, (old->noverrides + 1) * sizeof(*old->overrides));
			old->noverrides++;
		} else {
			free(old->overrides[j].id);
		}
		old->overrides[j] = c->overrides[i];
	}
	free(c->overrides);
	c->overrides = NULL;
	c->noverrides = 0;
	check_clear(c);
}

/* load_check - one item of `checks:`: a name, or a mapping with name: */
static int load_check(loader *L, yaml_node_t *n)
{
	static const char *const keys[] = { "name", "params", "severity", "disabled", NULL };
	sd_profile_check c = { 0 };
	yaml_node_t *name = NULL;

	if (n->type == YAML_SCALAR_NODE) {
		name = n;
	} else if (n->type == YAML_MAPPING_NODE) {
		if (check_keys(L, n, keys, "a check entry") != 0)
			return -1;
		for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++)
			if (strcmp(scalar(node(L, a->key)), "name") == 0)
				name = node(L, a->value);
		if (name == NULL)
			return fail(L, n, "check entry has no 'name'");
		if (expect(L, name, YAML_SCALAR_NODE, "'name'") != 0)
			return -1;
	} else {
		return fail(L, n, "a check entry must be a check name or a mapping with 'name', not %s",
			    kind_name(n));
	}
	if (!valid_check_name(scalar(name)))
		return fail(L, name, "'%s' is not a valid check name (use a-z, 0-9, '-')", scalar(name));
	c.name = sd_xstrdup(scalar(name));
	c.mark = mark_of(L, name);
	if (n->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
			const char *k = scalar(node(L, a->key));
			yaml_node_t *v = node(L, a->value);
			int rc = 0;

			if (strcmp(k, "params") == 0) {
				rc = load_params(L, v, &c);
			} else if (strcmp(k, "severity") == 0) {
				rc = load_severity(L, v, &c);
			} else if (strcmp(k, "disabled") == 0) {
				if (expect(L, v, YAML_SCALAR_NODE, "'disabled'") != 0 ||
				    sd_parse_bool(scalar(v), &c.disabled) != 0)
					rc = fail(L, v, "'disabled' must be true or false");
			}
			if (rc != 0) {
				check_clear(&c);
				return -1;
			}
		}
	}
	merge_check(L->p, &c);
	return 0;
}

static int load_file(loader *L, const char *path);

/* same_file - do paths A and B name the same file? */
static int same_file(const char *a, const char *b)
{
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	int same = ra != NULL && rb != NULL && strcmp(ra, rb) == 0;

	free(ra);
	free(rb);
	return same;
}

/* locate_after - NAME.yaml in the directories of DIRS that come after the
 * one holding FILE (NULL and *err when none has it) */
static char *locate_after(const char *name, const char *dirs, const char *file, char **err)
{
	char *copy = sd_xstrdup(dirs != NULL ? dirs : ""), *save = NULL, *found = NULL;
	int passed = 0;
	struct stat st;

	for (char *d = strtok_r(copy, ":", &save); d != NULL && found == NULL; d = strtok_r(NULL, ":", &save)) {
		char *path = sd_asprintf("%s/%s.yaml", d, name);
		if (passed && stat(path, &st) == 0)
			found = path;
		else {
			passed |= same_file(path, file);
			free(path);
		}
	}
	free(copy);
	if (found == NULL)
		*err = sd_asprintf("'%s' extends itself and no directory after its own in %s holds a profile of "
				   "that name", name, dirs != NULL ? dirs : "");
	return found;
}

/* load_extends - read the parent profile into the same sd_profile first */
static int load_extends(loader *L, yaml_node_t *v)
{
	char *err = NULL;
	char *path;

	if (expect(L, v, YAML_SCALAR_NODE, "'extends'") != 0)
		return -1;
	if (L->depth + 1 >= SD_PROFILE_MAX_DEPTH)
		return fail(L, v, "'extends' nested more than %d deep (a loop?)", SD_PROFILE_MAX_DEPTH);
	const char *want = scalar(v);
	const char *as_written = want;
	if (strchr(want, '/') != NULL && want[0] != '/') {
		/* relative paths are relative to the including file */
		const char *slash = strrchr(L->file, '/');
		if (strncmp(want, "./", 2) == 0)
			want += 2;
		char *rel = slash != NULL ? sd_asprintf("%.*s/%s", (int)(slash - L->file), L->file, want)
					  : sd_xstrdup(want);
		path = sd_profile_locate(rel, L->dirs, &err);
		free(rel);
	} else {
		path = sd_profile_locate(want, L->dirs, &err);
		/* a site profile extending the profile it shadows (default.yaml
		 * in the site directory saying 'extends: default'): the search
		 * goes on in the directories after the one holding this file */
		if (path != NULL && same_file(path, L->file)) {
			free(path);
			path = locate_after(want, L->dirs, L->file, &err);
		}
	}
	if (path == NULL) {
		fail(L, v, "extends: %s", err);
		free(err);
		return -1;
	}
	char *real = realpath(path, NULL);
	for (size_t i = 0; real != NULL && i < L->p->nfiles; i++) {
		char *seen = realpath(L->p->files[i], NULL);
		int same = seen != NULL && strcmp(seen, real) == 0;
		free(seen);
		if (same) {
			fail(L, v, "'extends: %s' makes a loop (%s is already being read)", as_written, path);
			free(real);
			free(path);
			return -1;
		}
	}
	free(real);
	loader sub = { .p = L->p, .dirs = L->dirs, .depth = L->depth + 1 };
	int rc = load_file(&sub, path);
	free(path);
	if (rc != 0) {
		L->err = sub.err;
		return -1;
	}
	return 0;
}

/* valid_kind - is S a finding kind "family.word" of [a-z0-9._-] */
static int valid_kind(const char *s)
{
	const char *dot = strchr(s, '.');
	if (dot == NULL || dot == s || dot[1] == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr("._-", *s) != NULL))
			return 0;
	return 1;
}

/* valid_code - is S a reply code pattern such as 550, 55x or 5xx */
static int valid_code(const char *s)
{
	return strlen(s) == 3 && s[0] >= '2' && s[0] <= '5' && (isdigit((unsigned char)s[1]) || s[1] == 'x') &&
	       (isdigit((unsigned char)s[2]) || s[2] == 'x') && !(s[1] == 'x' && s[2] != 'x');
}

/* valid_status - is S an RFC 3463 enhanced status code, or a prefix of one (5, 5.7, 5.7.1) */
static int valid_status(const char *s)
{
	/* class[.subject[.detail]] as in RFC 3463, or a prefix of it */
	if (!(s[0] == '2' || s[0] == '4' || s[0] == '5'))
		return 0;
	int parts = 1, digits = 0;
	for (s++; *s; s++) {
		if (*s == '.') {
			if (parts > 1 && digits == 0)
				return 0;
			parts++;
			digits = 0;
		} else if (isdigit((unsigned char)*s) && ++digits <= 3) {
			continue;
		} else {
			return 0;
		}
	}
	return parts <= 3 && (parts == 1 || digits > 0);
}

/* load_diagnosis - one item of `diagnoses:` (docs/diagnosis.md) */
static int load_diagnosis(loader *L, yaml_node_t *n)
{
	static const char *const keys[] = { "kind", "context", "code", "status", "text", "vendor", "cause", "fix",
					    NULL };
	const char *val[8] = { NULL };

	if (expect(L, n, YAML_MAPPING_NODE, "an item of 'diagnoses'") != 0 ||
	    check_keys(L, n, keys, "a diagnosis") != 0)
		return -1;
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
		const char *k = scalar(node(L, a->key));
		yaml_node_t *v = node(L, a->value);
		size_t i = 0;
		while (strcmp(keys[i], k) != 0)
			i++;
		if (expect(L, v, YAML_SCALAR_NODE, k) != 0)
			return -1;
		const char *t = scalar(v);
		if (*t == '\0')
			return fail(L, v, "'%s' must not be empty", k);
		if (i == 0 && !valid_kind(t))
			return fail(L, v, "'kind' must look like smtp.relay_denied or a finding id, got '%s'", t);
		if (i == 1 && strcmp(t, "*") != 0 && !valid_check_name(t))
			return fail(L, v, "'context' is a command name such as rcpt, mail, auth or data, or *");
		if (i == 2 && !valid_code(t))
			return fail(L, v, "'code' must be a reply code such as 554, 55x or 5xx, got '%s'", t);
		if (i == 3 && !valid_status(t))
			return fail(L, v, "'status' must be an enhanced status code such as 5.7.1 or 5.7, got '%s'", t);
		val[i] = t;
	}
	if (val[0] == NULL)
		return fail(L, n, "a diagnosis needs 'kind'");
	int rule = val[1] != NULL || val[2] != NULL || val[3] != NULL || val[4] != NULL;
	if (rule && val[1] == NULL)
		return fail(L, n, "a reply rule needs 'context' (the command it answers, or *)");
	if (rule && val[2] == NULL && val[3] == NULL && val[4] == NULL)
		return fail(L, n, "a reply rule needs 'code', 'status' or 'text'");
	if (!rule && val[6] == NULL && val[7] == NULL)
		return fail(L, n, "a diagnosis needs 'cause' or 'fix' (or a reply rule: context with code/status/text)");
	sd_profile *p = L->p;
	p->diagnoses = sd_xrealloc(p->diagnoses, (p->ndiagnoses + 1) * sizeof(*p->diagnoses));
	sd_kb_entry *e = &p->diagnoses[p->ndiagnoses++];
	const char **dst[8] = { &e->kind, &e->context, &e->code, &e->status, &e->text, &e->vendor, &e->cause, &e->fix };
	for (int i = 0; i < 8; i++)
		*dst[i] = val[i] != NULL ? sd_xstrdup(val[i]) : NULL;
	return 0;
}

/* var_name_ok - is N a variable name: [a-z_] then [a-z0-9_] */
static int var_name_ok(const char *n)
{
	if (!((*n >= 'a' && *n <= 'z') || *n == '_'))
		return 0;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= '0' && *n <= '9') || *n == '_'))
			return 0;
	return 1;
}

/* put_var - set P's variable NAME to VALUE (replacing an earlier one),
 * remembering where it was set */
static void put_var(sd_profile *p, const char *name, const char *value, sd_mark mark)
{
	for (size_t i = 0; i < p->nvars; i++)
		if (strcmp(p->vars[i].name, name) == 0) {
			free(p->vars[i].value);
			p->vars[i].value = sd_xstrdup(value);
			p->vars[i].mark = mark;
			return;
		}
	p->vars = sd_xrealloc(p->vars, (p->nvars + 1) * sizeof(*p->vars));
	p->vars[p->nvars++] = (sd_profile_var){ sd_xstrdup(name), sd_xstrdup(value), mark, 0 };
}

/* load_variables - `variables: { name: default, ... }` */
static int load_variables(loader *L, yaml_node_t *n)
{
	if (expect(L, n, YAML_MAPPING_NODE, "'variables'") != 0)
		return -1;
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
		yaml_node_t *k = node(L, a->key), *v = node(L, a->value);
		if (expect(L, k, YAML_SCALAR_NODE, "a variable name") != 0)
			return -1;
		if (!var_name_ok(scalar(k)))
			return fail(L, k, "variable name '%s' must be lower-case letters, digits and '_'", scalar(k));
		if (expect(L, v, YAML_SCALAR_NODE, "a variable's value (a scalar)") != 0)
			return -1;
		put_var(L->p, scalar(k), scalar(v), mark_of(L, v));
	}
	return 0;
}

/* load_compliance - `compliance: {name: ..., source: ...}` */
static int load_compliance(loader *L, yaml_node_t *n)
{
	static const char *const keys[] = { "name", "source", NULL };

	if (expect(L, n, YAML_MAPPING_NODE, "'compliance'") != 0 || check_keys(L, n, keys, "'compliance'") != 0)
		return -1;
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
		const char *k = scalar(node(L, a->key));
		yaml_node_t *v = node(L, a->value);
		if (expect(L, v, YAML_SCALAR_NODE, k) != 0)
			return -1;
		char **dst = strcmp(k, "name") == 0 ? &L->p->compliance_name : &L->p->compliance_source;
		free(*dst);
		*dst = sd_xstrdup(scalar(v));
	}
	if (L->p->compliance_name == NULL)
		return fail(L, n, "'compliance' needs 'name' (the baseline, e.g. \"BSI TR-03108-1\")");
	return 0;
}

/* string_list - a scalar or a sequence of scalars into *OUT */
static int string_list(loader *L, yaml_node_t *v, const char *what, char ***out, size_t *n)
{
	if (v->type == YAML_SCALAR_NODE) {
		*out = sd_xcalloc(1, sizeof(char *));
		(*out)[0] = sd_xstrdup(scalar(v));
		*n = 1;
		return 0;
	}
	if (expect(L, v, YAML_SEQUENCE_NODE, what) != 0)
		return -1;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = node(L, *it);
		if (expect(L, e, YAML_SCALAR_NODE, what) != 0)
			return -1;
		*out = sd_xrealloc(*out, (*n + 1) * sizeof(char *));
		(*out)[(*n)++] = sd_xstrdup(scalar(e));
	}
	return 0;
}

/* requirement_clear - free requirement R's texts, checks and fail_on patterns */
static void requirement_clear(sd_requirement *r)
{
	free(r->id);
	free(r->title);
	free(r->source);
	for (size_t i = 0; i < r->nchecks; i++)
		free(r->checks[i]);
	free(r->checks);
	for (size_t i = 0; i < r->nfail_on; i++)
		free(r->fail_on[i]);
	free(r->fail_on);
}

/* load_requirement - one entry of `requirements:` */
static int load_requirement(loader *L, yaml_node_t *n)
{
	static const char *const keys[] = { "id", "title", "source", "checks", "fail_on", "fail_at", NULL };
	sd_requirement r = { .fail_at = -1 };

	if (expect(L, n, YAML_MAPPING_NODE, "a requirement") != 0 || check_keys(L, n, keys, "a requirement") != 0)
		return -1;
	r.mark = mark_of(L, n);
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
		const char *k = scalar(node(L, a->key));
		yaml_node_t *v = node(L, a->value);
		int rc = 0;
		if (strcmp(k, "checks") == 0) {
			rc = string_list(L, v, "'checks' (check names)", &r.checks, &r.nchecks);
		} else if (strcmp(k, "fail_on") == 0) {
			rc = string_list(L, v, "'fail_on' (finding ids)", &r.fail_on, &r.nfail_on);
		} else if (expect(L, v, YAML_SCALAR_NODE, k) != 0) {
			rc = -1;
		} else if (strcmp(k, "fail_at") == 0) {
			static const char *const sev[] = { "ok", "info", "warning", "critical" };
			for (int i = 1; i < 4; i++)
				if (strcmp(scalar(v), sev[i]) == 0)
					r.fail_at = i;
			if (r.fail_at < 0)
				rc = fail(L, v, "'fail_at' must be info, warning or critical, got '%s'", scalar(v));
		} else {
			char **dst = strcmp(k, "id") == 0 ? &r.id : strcmp(k, "title") == 0 ? &r.title : &r.source;
			free(*dst);
			*dst = sd_xstrdup(scalar(v));
		}
		if (rc != 0) {
			requirement_clear(&r);
			return -1;
		}
	}
	const char *missing = r.id == NULL ? "id" : r.title == NULL ? "title" : r.source == NULL ? "source"
			      : r.nchecks == 0 ? "checks" : NULL;
	if (missing == NULL && r.nfail_on == 0 && r.fail_at < 0)
		missing = "fail_on or fail_at";
	if (missing != NULL) {
		requirement_clear(&r);
		return fail(L, n, "a requirement needs '%s' (every requirement cites its source section)", missing);
	}
	sd_profile *p = L->p;
	for (size_t i = 0; i < p->nrequirements; i++)
		if (strcmp(p->requirements[i].id, r.id) == 0) {   /* a child profile replaces a parent's */
			requirement_clear(&p->requirements[i]);
			p->requirements[i] = r;
			return 0;
		}
	p->requirements = sd_xrealloc(p->requirements, (p->nrequirements + 1) * sizeof(*p->requirements));
	p->requirements[p->nrequirements++] = r;
	return 0;
}

/* sd_profile_uses_var - was ${NAME} substituted by sd_profile_bind()? */
int sd_profile_uses_var(const sd_profile *p, const char *name)
{
	for (size_t i = 0; i < p->nvars; i++)
		if (strcmp(p->vars[i].name, name) == 0)
			return p->vars[i].used;
	return 0;
}

/* sd_profile_set_var - the run's own variables and --var */
int sd_profile_set_var(sd_profile *p, const char *name, const char *value, const char *origin, char **err)
{
	if (!var_name_ok(name)) {
		*err = sd_asprintf("%s: variable name '%s' must be lower-case letters, digits and '_'", origin, name);
		return -1;
	}
	put_var(p, name, value, (sd_mark){ origin, 0, 0 });
	return 0;
}

/* walk_root - the top-level mapping */
static int walk_root(loader *L)
{
	static const char *const keys[] = { "name", "description", "extends", "target", "checks", "vendor",
					    "diagnoses", "variables", "compliance", "requirements", NULL };
	yaml_node_t *root = yaml_document_get_root_node(L->doc);

	if (root == NULL)
		return fail(L, NULL, "the profile is empty");
	if (expect(L, root, YAML_MAPPING_NODE, "a profile") != 0 || check_keys(L, root, keys, "the profile") != 0)
		return -1;
	/* extends first, whatever the key order, so this file overrides it */
	for (yaml_node_pair_t *a = root->data.mapping.pairs.start; a < root->data.mapping.pairs.top; a++)
		if (strcmp(scalar(node(L, a->key)), "extends") == 0 && load_extends(L, node(L, a->value)) != 0)
			return -1;
	for (yaml_node_pair_t *a = root->data.mapping.pairs.start; a < root->data.mapping.pairs.top; a++) {
		const char *k = scalar(node(L, a->key));
		yaml_node_t *v = node(L, a->value);

		if (strcmp(k, "name") == 0 || strcmp(k, "description") == 0) {
			if (expect(L, v, YAML_SCALAR_NODE, k) != 0)
				return -1;
			if (L->depth == 0) {
				char **dst = k[0] == 'n' ? &L->p->name : &L->p->description;
				free(*dst);
				*dst = sd_xstrdup(scalar(v));
			}
		} else if (strcmp(k, "vendor") == 0) {
			if (expect(L, v, YAML_SCALAR_NODE, "'vendor'") != 0)
				return -1;
			free(L->p->vendor);
			L->p->vendor = sd_xstrdup(scalar(v));
		} else if (strcmp(k, "diagnoses") == 0) {
			if (expect(L, v, YAML_SEQUENCE_NODE, "'diagnoses'") != 0)
				return -1;
			for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
				if (load_diagnosis(L, node(L, *it)) != 0)
					return -1;
		} else if (strcmp(k, "compliance") == 0) {
			if (load_compliance(L, v) != 0)
				return -1;
		} else if (strcmp(k, "requirements") == 0) {
			if (expect(L, v, YAML_SEQUENCE_NODE, "'requirements'") != 0)
				return -1;
			for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
				if (load_requirement(L, node(L, *it)) != 0)
					return -1;
		} else if (strcmp(k, "variables") == 0) {
			if (load_variables(L, v) != 0)
				return -1;
		} else if (strcmp(k, "target") == 0) {
			if (load_target(L, v) != 0)
				return -1;
		} else if (strcmp(k, "checks") == 0) {
			if (expect(L, v, YAML_SEQUENCE_NODE, "'checks'") != 0)
				return -1;
			for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
				if (load_check(L, node(L, *it)) != 0)
					return -1;
		}
	}
	return 0;
}

/* has_alias - the raw text uses YAML aliases (refused, see the header) */
static int parse_document(loader *L, const unsigned char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc;

	if (!yaml_parser_initialize(&parser))
		return fail(L, NULL, "cannot initialise the YAML parser");
	yaml_parser_set_input_string(&parser, text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		if (parser.problem_mark.line || parser.problem_mark.column || parser.problem_mark.index)
			L->err = sd_asprintf("%s:%zu:%zu: YAML syntax error: %s%s%s", L->file,
					     parser.problem_mark.line + 1, parser.problem_mark.column + 1,
					     parser.problem != NULL ? parser.problem : "unknown problem",
					     parser.context != NULL ? " " : "",
					     parser.context != NULL ? parser.context : "");
		else
			L->err = sd_asprintf("%s:1:1: YAML syntax error: %s", L->file,
					     parser.problem != NULL ? parser.problem : "unknown problem");
		yaml_parser_delete(&parser);
		return -1;
	}
	/* a second document in one file is a mistake worth saying */
	yaml_document_t extra;
	if (yaml_parser_load(&parser, &extra)) {
		int more = yaml_document_get_root_node(&extra) != NULL;
		yaml_node_t *r = yaml_document_get_root_node(&extra);
		size_t line = r != NULL ? r->start_mark.line + 1 : 1;
		yaml_document_delete(&extra);
		if (more) {
			L->err = sd_asprintf("%s:%zu:1: a profile is one YAML document; remove the second '---'",
					     L->file, line);
			yaml_document_delete(&doc);
			yaml_parser_delete(&parser);
			return -1;
		}
	}
	yaml_parser_delete(&parser);
	L->doc = &doc;
	rc = walk_root(L);
	L->doc = NULL;
	yaml_document_delete(&doc);
	return rc;
}

/* refuse_aliases - fail when the YAML TEXT uses aliases (*name); syntax errors
 * are left to the loader */
static int refuse_aliases(loader *L, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int rc = 0;

	if (!yaml_parser_initialize(&parser))
		return fail(L, NULL, "cannot initialise the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &ev))
			break; /* syntax errors are reported by the loader */
		yaml_event_type_t t = ev.type;
		if (t == YAML_ALIAS_EVENT) {
			L->err = sd_asprintf("%s:%zu:%zu: YAML aliases (*name) are not allowed in profiles",
					     L->file, ev.start_mark.line + 1, ev.start_mark.column + 1);
			rc = -1;
		}
		yaml_event_delete(&ev);
		if (rc != 0 || t == YAML_STREAM_END_EVENT)
			break;
	}
	yaml_parser_delete(&parser);
	return rc;
}

/* remember_file - keep a copy of PATH among P's files and return it */
static const char *remember_file(sd_profile *p, const char *path)
{
	p->files = sd_xrealloc(p->files, (p->nfiles + 1) * sizeof(char *));
	p->files[p->nfiles] = sd_xstrdup(path);
	return p->files[p->nfiles++];
}

/* load_text - parse TEXT as the file FILE */
static int load_text(loader *L, const char *text, size_t len, const char *file)
{
	L->file = remember_file(L->p, file);
	if (memchr(text, '\0', len) != NULL)
		return fail(L, NULL, "contains NUL bytes; not a text file");
	if (refuse_aliases(L, text, len) != 0)
		return -1;
	return parse_document(L, (const unsigned char *)text, len);
}

/* load_file - read PATH and parse it */
static int load_file(loader *L, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int rc;

	if (f == NULL) {
		L->file = remember_file(L->p, path);
		return fail(L, NULL, "cannot open: %s", strerror(errno));
	}
	buf = sd_xcalloc(SD_PROFILE_MAX_BYTES + 1, 1);
	n = fread(buf, 1, SD_PROFILE_MAX_BYTES + 1, f);
	fclose(f);
	if (n > SD_PROFILE_MAX_BYTES) {
		free(buf);
		L->file = remember_file(L->p, path);
		return fail(L, NULL, "larger than %d bytes; not a profile", SD_PROFILE_MAX_BYTES);
	}
	rc = load_text(L, buf, n, path);
	free(buf);
	return rc;
}

/* is_path - is profile name S a path (has a '/' or ends in .yaml or .yml)
 * rather than a profile name */
static int is_path(const char *s)
{
	size_t n = strlen(s);
	return strchr(s, '/') != NULL || (n > 5 && strcmp(s + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(s + n - 4, ".yml") == 0);
}

/* sd_profile_locate - a path, or NAME.yaml in the profile directories */
char *sd_profile_locate(const char *name_or_path, const char *dirs, char **err)
{
	struct stat st;

	if (is_path(name_or_path)) {
		if (stat(name_or_path, &st) == 0)
			return sd_xstrdup(name_or_path);
		*err = sd_asprintf("profile file '%s': %s", name_or_path, strerror(errno));
		return NULL;
	}
	if (!valid_check_name(name_or_path)) {
		*err = sd_asprintf("'%s' is not a profile name (use a-z, 0-9, '-') or a path", name_or_path);
		return NULL;
	}
	char *copy = sd_xstrdup(dirs != NULL ? dirs : ""), *save = NULL;
	for (char *d = strtok_r(copy, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save)) {
		char *path = sd_asprintf("%s/%s.yaml", d, name_or_path);
		if (stat(path, &st) == 0) {
			free(copy);
			return path;
		}
		free(path);
	}
	free(copy);
	*err = sd_asprintf("no profile named '%s' in %s (see --list-profiles)", name_or_path,
			   dirs != NULL && *dirs ? dirs : "(no profile directory)");
	return NULL;
}

/* profile_new - an empty profile of PATH */
static sd_profile *profile_new(const char *path)
{
	sd_profile *p = sd_xcalloc(1, sizeof(*p));

	p->path = sd_xstrdup(path);
	return p;
}

/* default_name - file stem of PATH */
static char *default_name(const char *path)
{
	const char *b = strrchr(path, '/');
	b = b != NULL ? b + 1 : path;
	size_t n = strcspn(b, ".");
	return sd_xstrndup(b, n);
}

/* sd_profile_load - locate, read, follow extends */
sd_profile *sd_profile_load(const char *name_or_path, const char *dirs, char **err)
{
	char *path = sd_profile_locate(name_or_path, dirs, err);

	if (path == NULL)
		return NULL;
	sd_profile *p = profile_new(path);
	loader L = { .p = p, .dirs = dirs };
	if (load_file(&L, path) != 0) {
		*err = L.err;
		sd_profile_free(p);
		free(path);
		return NULL;
	}
	if (p->name == NULL)
		p->name = default_name(path);
	free(path);
	return p;
}

/* sd_profile_load_string - parse YAML in memory */
sd_profile *sd_profile_load_string(const char *yaml, size_t len, const char *filename,
				   const char *dirs, char **err)
{
	sd_profile *p = profile_new(filename);
	loader L = { .p = p, .dirs = dirs };

	if (load_text(&L, yaml, len, filename) != 0) {
		*err = L.err;
		sd_profile_free(p);
		return NULL;
	}
	if (p->name == NULL)
		p->name = default_name(filename);
	return p;
}

/* sd_profile_find_check - entry by check name */
sd_profile_check *sd_profile_find_check(const sd_profile *p, const char *name)
{
	for (size_t i = 0; i < p->nchecks; i++)
		if (strcmp(p->checks[i].name, name) == 0)
			return &p->checks[i];
	return NULL;
}

static char *at(const sd_mark *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* at - the formatted message prefixed with mark M's "file:line:column: " (or "file: ") */
static char *at(const sd_mark *m, const char *fmt, ...)
{
	va_list ap;
	char *msg, *out;

	va_start(ap, fmt);
	msg = sd_vasprintf(fmt, ap);
	va_end(ap);
	out = m->line > 0 ? sd_asprintf("%s:%u:%u: %s", m->file, m->line, m->column, msg)
			  : sd_asprintf("%s: %s", m->file, msg);
	free(msg);
	return out;
}

/* split_list - a list given on the command line as "a,b,c" */
static void split_list(sd_raw_param *rp)
{
	rp->nitems = sd_split_list(rp->scalar, &rp->items);
	free(rp->scalar);
	rp->scalar = NULL;
}

/* sd_profile_enable_check - --send and the like */
void sd_profile_enable_check(sd_profile *p, const char *name)
{
	sd_profile_check *c = sd_profile_find_check(p, name);

	if (c != NULL) {
		c->disabled = 0;
		return;
	}
	sd_profile_check n = { .name = sd_xstrdup(name), .mark = { .file = "--send" } };
	merge_check(p, &n);
}

/* sd_profile_set_param - a CHECK.PARAM=VALUE override from the command line */
int sd_profile_set_param(sd_profile *p, const char *assignment, const char *origin, char **err)
{
	const char *dot = strchr(assignment, '.'), *eq = strchr(assignment, '=');

	if (dot == NULL || eq == NULL || dot > eq || dot == assignment || eq == dot + 1) {
		*err = sd_asprintf("%s: '%s' is not CHECK.PARAM=VALUE (e.g. cipher.parallel=4)", origin,
				   assignment);
		return -1;
	}
	sd_profile_check c = { .name = sd_xstrndup(assignment, (size_t)(dot - assignment)),
			       .mark = { .file = origin } };
	if (!valid_check_name(c.name)) {
		*err = sd_asprintf("%s: '%s' is not a check name", origin, c.name);
		check_clear(&c);
		return -1;
	}
	sd_profile_check *old = sd_profile_find_check(p, c.name);
	if (old != NULL) {
		c.disabled = old->disabled;
		c.mark = old->mark;  /* errors about the check itself point at the profile */
	} else {
		c.disabled = 1;      /* parameters only: --checks decides whether it runs */
	}
	c.params = sd_xcalloc(1, sizeof(*c.params));
	c.nparams = 1;
	c.params[0] = (sd_raw_param){ .key = sd_xstrndup(dot + 1, (size_t)(eq - dot - 1)),
				      .scalar = sd_xstrdup(eq + 1),
				      .from_cli = 1,
				      .key_mark = { .file = origin },
				      .mark = { .file = origin } };
	merge_check(p, &c);
	return 0;
}

/* sd_profile_bind - resolve checks and validate parameters */
/* expand - TEXT with every ${name} replaced by the variable's value;
 * NULL and *err (at MARK) for an unknown or unterminated one */
static char *expand(const sd_profile *p, const char *text, const sd_mark *mark, int depth, char **err)
{
	char *out = sd_xstrdup("");

	if (depth > 8) {
		*err = at(mark, "variables refer to each other in a loop (in '%s')", text);
		free(out);
		return NULL;
	}

	for (const char *s = text; *s;) {
		const char *d = strstr(s, "${");
		if (d == NULL) {
			char *n = sd_asprintf("%s%s", out, s);
			free(out);
			return n;
		}
		const char *end = strchr(d + 2, '}');
		if (end == NULL) {
			*err = at(mark, "'${' without a closing '}' in '%s'", text);
			free(out);
			return NULL;
		}
		char *name = sd_xstrndup(d + 2, (size_t)(end - d - 2));
		const sd_profile_var *v = NULL;
		for (size_t i = 0; i < p->nvars; i++)
			if (strcmp(p->vars[i].name, name) == 0)
				v = &p->vars[i];
		if (v != NULL)
			((sd_profile_var *)v)->used = 1;   /* bookkeeping only: sd_profile_uses_var() */
		if (v == NULL) {
			char known[256] = "";
			for (size_t i = 0; i < p->nvars; i++)
				snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s", i ? ", " : "",
					 p->vars[i].name);
			*err = at(mark, "variable ${%s} is not set (set: %s; define it under 'variables:' or with --var %s=VALUE)",
				  name, known[0] ? known : "none", name);
			free(name);
			free(out);
			return NULL;
		}
		char *val = expand(p, v->value, mark, depth + 1, err);   /* a value may use others */
		free(name);
		if (val == NULL) {
			free(out);
			return NULL;
		}
		char *n = sd_asprintf("%s%.*s%s", out, (int)(d - s), s, val);
		free(out);
		free(val);
		out = n;
		s = end + 1;
	}
	return out;
}

/* expand_param - substitute variables in a raw parameter, in place */
static int expand_param(const sd_profile *p, sd_raw_param *rp, char **err)
{
	if (rp->scalar != NULL) {
		char *v = expand(p, rp->scalar, &rp->mark, 0, err);
		if (v == NULL)
			return -1;
		free(rp->scalar);
		rp->scalar = v;
	}
	for (size_t i = 0; i < rp->nitems; i++) {
		char *v = expand(p, rp->items[i], &rp->mark, 0, err);
		if (v == NULL)
			return -1;
		free(rp->items[i]);
		rp->items[i] = v;
	}
	return 0;
}

/* sd_profile_bind - check P's requirements and checks against the registry REG
 * and bind their parameters; -1 and *ERR on error */
int sd_profile_bind(sd_profile *p, const sd_registry *reg, char **err)
{
	for (size_t i = 0; i < p->nrequirements; i++)
		for (size_t j = 0; j < p->requirements[i].nchecks; j++)
			/* "mx": the core's MX discovery of a --domain run, judged like a check */
			if (strcmp(p->requirements[i].checks[j], "mx") != 0 &&
			    sd_registry_find(reg, p->requirements[i].checks[j]) == NULL) {
				*err = at(&p->requirements[i].mark, "requirement '%s' names unknown check '%s'",
					  p->requirements[i].id, p->requirements[i].checks[j]);
				return -1;
			}
	for (size_t i = 0; i < p->nchecks; i++) {
		sd_profile_check *c = &p->checks[i];
		const sd_check *chk = sd_registry_find(reg, c->name);

		if (chk == NULL) {
			const char *why = sd_registry_refusal(reg, c->name);
			*err = why != NULL ? at(&c->mark, "check '%s' is not available: its module was refused: %s",
					       c->name, why)
					   : at(&c->mark, "unknown check '%s' (see --list-checks)", c->name);
			return -1;
		}
		c->check = chk;
		sd_params_free(c->bound);
		c->bound = sd_params_new(chk->params);
		for (size_t j = 0; j < c->nparams; j++) {
			sd_raw_param *rp = &c->params[j];
			const sd_param_spec *sp = sd_params_spec_find(chk->params, rp->key);
			char *msg = NULL;

			if (sp == NULL) {
				char list[512] = "";
				for (const sd_param_spec *s = chk->params; s != NULL && s->name != NULL; s++) {
					strncat(list, s->name, sizeof(list) - strlen(list) - 3);
					if (s[1].name != NULL)
						strncat(list, ", ", sizeof(list) - strlen(list) - 1);
				}
				*err = at(&rp->key_mark, "check '%s' has no parameter '%s' (it takes: %s)", c->name,
					  rp->key, list[0] ? list : "none");
				return -1;
			}
			if (expand_param(p, rp, err) != 0)
				return -1;
			if (rp->scalar != NULL && rp->from_cli && sp->type == SD_PARAM_LIST)
				split_list(rp);
			int rc = rp->scalar != NULL
				 ? sd_params_set(c->bound, rp->key, rp->scalar, &msg)
				 : sd_params_set_list(c->bound, rp->key, (const char *const *)rp->items,
						      rp->nitems, &msg);
			if (rc != 0) {
				*err = at(&rp->mark, "check '%s': %s", c->name, msg);
				free(msg);
				return -1;
			}
		}
		/* --set certificate.warn_days=900 with crit_days=1000 (trial):
		 * refused as --warning above --critical is */
		char *msg = NULL;
		const char *wn = NULL, *cn = NULL;
		if (sd_params_check_order(c->bound, &wn, &cn, &msg) != 0) {
			/* where the later of the two was set: --set, else the
			 * profile named (not the one it extends) */
			const sd_raw_param *where = NULL;
			int where_rank = -1;
			for (size_t j = 0; j < c->nparams; j++) {
				const sd_raw_param *rp = &c->params[j];
				if (strcmp(rp->key, wn) != 0 && strcmp(rp->key, cn) != 0)
					continue;
				int rank = rp->from_cli ? 2
					   : rp->mark.file != NULL && p->path != NULL && strcmp(rp->mark.file, p->path) == 0 ? 1
																: 0;
				if (rank > where_rank) {
					where = rp;
					where_rank = rank;
				}
			}
			*err = where != NULL ? at(&where->mark, "check '%s': %s", c->name, msg)
					     : sd_asprintf("check '%s': %s", c->name, msg);
			free(msg);
			return -1;
		}
	}
	return 0;
}

/* sd_profile_free - free everything */
void sd_profile_free(sd_profile *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nchecks; i++)
		check_clear(&p->checks[i]);
	free(p->checks);
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p->target.ehlo_name);
	for (size_t i = 0; i < p->ndiagnoses; i++) {
		sd_kb_entry *e = &p->diagnoses[i];
		const char *f[] = { e->kind, e->context, e->code, e->status, e->text, e->vendor, e->cause, e->fix };
		for (size_t j = 0; j < sizeof(f) / sizeof(f[0]); j++)
			free((char *)f[j]);
	}
	free(p->diagnoses);
	for (size_t i = 0; i < p->nvars; i++) {
		free(p->vars[i].name);
		free(p->vars[i].value);
	}
	free(p->vars);
	for (size_t i = 0; i < p->nrequirements; i++)
		requirement_clear(&p->requirements[i]);
	free(p->requirements);
	free(p->compliance_name);
	free(p->compliance_source);
	free(p->vendor);
	free(p->name);
	free(p->description);
	free(p->path);
	free(p);
}
