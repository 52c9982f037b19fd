/* SPDX-License-Identifier: MIT */
/*
 * plan.c - the plan of a sharded audit, shard assignment and the merge
 * (see plan.h and docs/fleet.md). Owns the plan file format, the
 * assignment algorithm and every check the merge makes on shard outputs.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "diagnosis/findings.h"
#include "dns/resolver.h"
#include "fleet/plan.h"
#include "report/report_html.h"
#include "report/result_json.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define DEFAULT_MX_LIMIT 5
#define LINE_MAX_BYTES (256u * 1024 * 1024)   /* one plan or report line */
#define TOP_FINDINGS 10

/* ---- a string -> index table (open addressing, FNV-1a 64) ---- */

typedef struct strmap {
	char **keys;            /* borrowed */
	size_t *vals;
	size_t n, cap;          /* cap: a power of two, or 0 */
} strmap;

/* fnv1a - FNV-1a 64 of S: the address hash of the shard assignment */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* map_slot - the slot of KEY, or of the empty slot where it would go */
static size_t map_slot(const strmap *m, const char *key)
{
	size_t i = (size_t)fnv1a(key) & (m->cap - 1);

	while (m->keys[i] != NULL && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* map_get - the value of KEY, or (size_t)-1 */
static size_t map_get(const strmap *m, const char *key)
{
	if (m->cap == 0)
		return (size_t)-1;
	size_t i = map_slot(m, key);
	return m->keys[i] != NULL ? m->vals[i] : (size_t)-1;
}

/* map_put - KEY (kept, not copied) -> VAL, growing at half full */
static void map_put(strmap *m, char *key, size_t val)
{
	if ((m->n + 1) * 2 > m->cap) {
		strmap g = { .cap = m->cap ? m->cap * 2 : 64 };
		g.keys = sd_xcalloc(g.cap, sizeof(char *));
		g.vals = sd_xcalloc(g.cap, sizeof(size_t));
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i] != NULL) {
				size_t j = map_slot(&g, m->keys[i]);
				g.keys[j] = m->keys[i];
				g.vals[j] = m->vals[i];
				g.n++;
			}
		free(m->keys);
		free(m->vals);
		*m = g;
	}
	size_t i = map_slot(m, key);
	if (m->keys[i] == NULL)
		m->n++;
	m->keys[i] = key;
	m->vals[i] = val;
}

/* map_free - the table, not the keys */
static void map_free(strmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* cmp_str - qsort order of C strings */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sort_unique - sort V (owned strings), free repeats; the new count */
static size_t sort_unique(char **v, size_t n)
{
	size_t k = 0;

	if (n > 1)
		qsort(v, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && strcmp(v[k - 1], v[i]) == 0)
			free(v[i]);
		else
			v[k++] = v[i];
	}
	return k;
}

/* ---- building ---- */

/* unit_key - "A:PORT", brackets around an IPv6 address */
static char *unit_key(const char *address, unsigned port)
{
	return strchr(address, ':') != NULL ? sd_asprintf("[%s]:%u", address, port)
					    : sd_asprintf("%s:%u", address, port);
}

/* unit_get - the unit of ADDRESS:PORT in P, made when new */
static sd_plan_unit *unit_get(sd_fleet_plan *p, strmap *m, const char *address, unsigned port)
{
	char *key = unit_key(address, port);
	size_t i = map_get(m, key);

	if (i != (size_t)-1) {
		free(key);
		return &p->v[i];
	}
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = sd_xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	sd_plan_unit *u = &p->v[p->n];
	memset(u, 0, sizeof(*u));
	u->key = key;
	u->address = sd_xstrdup(address);
	u->port = port;
	u->hash = fnv1a(key);
	map_put(m, key, p->n++);
	return u;
}

/* unit_add - DOMAIN and HOST to U (repeats removed when the plan is written) */
static void unit_add(sd_plan_unit *u, const char *domain, const char *host)
{
	if (u->ndomains == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 4;
		u->domains = sd_xrealloc(u->domains, u->cap * sizeof(char *));
	}
	u->domains[u->ndomains++] = sd_xstrdup(domain);
	for (size_t i = 0; i < u->nhosts; i++)
		if (strcmp(u->hosts[i], host) == 0)
			return;
	u->hosts = sd_xrealloc(u->hosts, (u->nhosts + 1) * sizeof(char *));
	u->hosts[u->nhosts++] = sd_xstrdup(host);
}

/* unresolved_add - append (DOMAIN, HOST or NULL, REASON: taken) to the
 * growing array *V of *N entries and *CAP slots */
static void unresolved_add(sd_plan_unresolved **v, size_t *n, size_t *cap, const char *domain, const char *host,
			   char *reason)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = sd_xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = (sd_plan_unresolved){ sd_xstrdup(domain), host != NULL ? sd_xstrdup(host) : NULL, reason };
}

/* add_bad - DOMAIN has nothing to audit, for REASON */
static void add_bad(sd_fleet_plan *p, const char *domain, char *reason)
{
	unresolved_add(&p->bad, &p->nbad, &p->badcap, domain, NULL, reason);
}

/* add_bad_mx - HOST, an MX host of DOMAIN, has no address, for REASON
 * (DOMAIN has other hosts to audit; --domain says mx.no_address) */
static void add_bad_mx(sd_fleet_plan *p, const char *domain, const char *host, char *reason)
{
	unresolved_add(&p->badmx, &p->nbadmx, &p->badmxcap, domain, host, reason);
}

/* put_line - O (taken) as one compact JSON line on OUT */
static void put_line(FILE *out, json_t *o)
{
	json_dumpf(o, out, JSON_COMPACT);
	fputc('\n', out);
	json_decref(o);
}

/* add_addresses - DOMAIN served by HOST at ADDRS (comma list); how many */
static size_t add_addresses(sd_fleet_plan *p, strmap *m, const char *domain, const char *host, const char *addrs,
			    unsigned port)
{
	char *copy = sd_xstrdup(addrs), *save = NULL;
	size_t n = 0;

	for (char *a = strtok_r(copy, ",", &save); a != NULL; a = strtok_r(NULL, ",", &save)) {
		if (*a == '\0')
			continue;
		unit_add(unit_get(p, m, a, port), domain, host);
		n++;
	}
	free(copy);
	return n;
}

typedef struct host_cache {
	pthread_mutex_t lock;
	strmap map;             /* host -> index into addrs */
	char **names, **addrs;  /* addrs: comma list, "" none; problem in why */
	char **why;
	size_t n;
} host_cache;

/* host_addresses - the A and AAAA records of HOST, asked once per run
 * (two threads may both ask; the first answer is kept); "" and *why when
 * there is none. The strings stay until the cache is freed. */
static const char *host_addresses(host_cache *c, const sd_resolver *r, const char *host, const char **why)
{
	pthread_mutex_lock(&c->lock);
	size_t i = map_get(&c->map, host);
	pthread_mutex_unlock(&c->lock);
	if (i == (size_t)-1) {
		char *list = sd_xstrdup(""), *problem = NULL;
		sd_dns_type types[2] = { SD_DNS_A, SD_DNS_AAAA };
		for (int t = 0; t < 2; t++) {
			sd_dns_answer *a = sd_resolver_query(r, host, types[t]);
			for (size_t k = 0; a->status == SD_DNS_OK && k < a->n; k++) {
				char *next = sd_asprintf("%s%s%s", list, *list ? "," : "", a->records[k].target);
				free(list);
				list = next;
			}
			if (a->status != SD_DNS_OK && a->status != SD_DNS_NODATA && problem == NULL)
				problem = sd_asprintf("%s %s: %s", host, t == 0 ? "A" : "AAAA",
						      a->error[0] ? a->error : sd_dns_status_name(a->status));
			sd_dns_answer_free(a);
		}
		if (*list == '\0' && problem == NULL)
			problem = sd_asprintf("%s: no A or AAAA record", host);
		pthread_mutex_lock(&c->lock);
		i = map_get(&c->map, host);
		if (i == (size_t)-1) {
			c->names = sd_xrealloc(c->names, (c->n + 1) * sizeof(char *));
			c->addrs = sd_xrealloc(c->addrs, (c->n + 1) * sizeof(char *));
			c->why = sd_xrealloc(c->why, (c->n + 1) * sizeof(char *));
			c->names[c->n] = sd_xstrdup(host);
			c->addrs[c->n] = list;
			c->why[c->n] = problem;
			map_put(&c->map, c->names[c->n], c->n);
			i = c->n++;
			list = problem = NULL;
		}
		pthread_mutex_unlock(&c->lock);
		free(list);
		free(problem);
	}
	pthread_mutex_lock(&c->lock);
	const char *addrs = c->addrs[i];
	*why = c->why[i];
	pthread_mutex_unlock(&c->lock);
	return addrs;
}

/* mx_cmp - MX records by preference, then exchange name */
static int mx_cmp(const void *a, const void *b)
{
	const sd_dns_record *x = a, *y = b;
	if (x->preference != y->preference)
		return x->preference < y->preference ? -1 : 1;
	return strcmp(x->target, y->target);
}

/* What one domain resolved to: (host, addresses) pairs, or why nothing. */
typedef struct dom_res {
	const char **hosts, **addrs;    /* borrowed from the cache, or the domain name */
	size_t n;
	char *bad;
	const char **nohost, **nowhy;   /* MX hosts without an address, and why (borrowed) */
	size_t nno;
} dom_res;

/* dom_add - HOST at ADDRS (from the cache) to D */
static void dom_add(dom_res *d, const char *host, const char *addrs)
{
	d->hosts = sd_xrealloc(d->hosts, (d->n + 1) * sizeof(char *));
	d->addrs = sd_xrealloc(d->addrs, (d->n + 1) * sizeof(char *));
	d->hosts[d->n] = host;
	d->addrs[d->n++] = addrs;
}

/* resolve_domain - DOMAIN's MX hosts (or its implicit MX) and their
 * addresses into D, or why there is nothing to audit */
static void resolve_domain(dom_res *d, host_cache *c, const sd_resolver *r, const char *domain,
			   const sd_make_plan_opts *o)
{
	unsigned limit = o->mx_limit ? o->mx_limit : DEFAULT_MX_LIMIT;
	sd_dns_answer *a = sd_resolver_query(r, domain, SD_DNS_MX);
	const char *problem = NULL;

	if (a->status == SD_DNS_NXDOMAIN) {
		d->bad = sd_xstrdup("MX: NXDOMAIN: the domain does not exist");
	} else if (a->status == SD_DNS_NODATA) {   /* RFC 5321 5.1: the implicit MX */
		const char *why, *addrs = host_addresses(c, r, domain, &why);
		if (*addrs)
			dom_add(d, domain, addrs);
		else
			d->bad = sd_asprintf("no MX record and no address (implicit MX): %s", why);
	} else if (a->status != SD_DNS_OK) {
		d->bad = sd_asprintf("MX: %s", a->error[0] ? a->error : sd_dns_status_name(a->status));
	} else if (a->n == 1 && (a->records[0].target[0] == '\0' || strcmp(a->records[0].target, ".") == 0)) {
		d->bad = sd_xstrdup("null MX (RFC 7505): the domain accepts no mail");
	} else {
		qsort(a->records, a->n, sizeof(*a->records), mx_cmp);
		unsigned hosts = 0;
		for (size_t k = 0; k < a->n && hosts < limit; k++) {
			const char *host = a->records[k].target, *why;
			if (k > 0 && strcmp(host, a->records[k - 1].target) == 0)
				continue;
			hosts++;
			const char *addrs = host_addresses(c, r, host, &why);
			pthread_mutex_lock(&c->lock);   /* the cache's copy of the name outlives the answer */
			const char *kept = c->names[map_get(&c->map, host)];
			pthread_mutex_unlock(&c->lock);
			if (*addrs) {
				dom_add(d, kept, addrs);
				continue;
			}
			if (problem == NULL)
				problem = why;
			d->nohost = sd_xrealloc(d->nohost, (d->nno + 1) * sizeof(char *));
			d->nowhy = sd_xrealloc(d->nowhy, (d->nno + 1) * sizeof(char *));
			d->nohost[d->nno] = kept;
			d->nowhy[d->nno++] = why;
		}
		if (d->n == 0)
			d->bad = sd_asprintf("no address for any MX host (%s)", problem ? problem : "?");
	}
	sd_dns_answer_free(a);
}

/* The lookups of a plan, shared by its threads. */
typedef struct resolve_pool {
	const sd_resolver *r;
	const sd_make_plan_opts *o;
	char **names;
	size_t n, next;
	dom_res *out;
	host_cache cache;
} resolve_pool;

/* resolve_main - a thread: the next domain until none is left */
static void *resolve_main(void *arg)
{
	resolve_pool *P = arg;

	for (;;) {
		pthread_mutex_lock(&P->cache.lock);
		size_t i = P->next < P->n ? P->next++ : P->n;
		pthread_mutex_unlock(&P->cache.lock);
		if (i >= P->n)
			return NULL;
		resolve_domain(&P->out[i], &P->cache, P->r, P->names[i], P->o);
	}
}

/* resolve_all - NAMES (sorted, unique) looked up by up to O->parallel
 * threads, then put into P in name order, so the plan does not depend on
 * which answer came first */
static void resolve_all(sd_fleet_plan *p, strmap *m, const sd_resolver *r, char **names, size_t n,
			const sd_make_plan_opts *o)
{
	resolve_pool P = { .r = r, .o = o, .names = names, .n = n };
	unsigned want = o->parallel ? o->parallel : 32, started = 0, port = o->port ? o->port : 25;
	pthread_t *th = sd_xcalloc(want, sizeof(*th));
	pthread_attr_t attr;

	P.out = sd_xcalloc(n + 1, sizeof(*P.out));
	pthread_mutex_init(&P.cache.lock, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (want > n)
		want = n > 0 ? (unsigned)n : 1;
	for (; started < want; started++)
		if (pthread_create(&th[started], &attr, resolve_main, &P) != 0)
			break;
	if (started == 0)
		resolve_main(&P);
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_attr_destroy(&attr);
	free(th);
	for (size_t i = 0; i < n; i++) {
		dom_res *d = &P.out[i];
		if (d->bad != NULL)
			add_bad(p, names[i], d->bad);
		for (size_t k = 0; k < d->n; k++)
			add_addresses(p, m, names[i], d->hosts[k], d->addrs[k], port);
		for (size_t k = 0; k < d->nno && d->n > 0; k++)   /* with no host at all: d->bad */
			add_bad_mx(p, names[i], d->nohost[k], sd_xstrdup(d->nowhy[k] ? d->nowhy[k] : "no address"));
		free(d->hosts);
		free(d->addrs);
		free(d->nohost);
		free(d->nowhy);
	}
	free(P.out);
	for (size_t i = 0; i < P.cache.n; i++) {
		free(P.cache.names[i]);
		free(P.cache.addrs[i]);
		free(P.cache.why[i]);
	}
	free(P.cache.names);
	free(P.cache.addrs);
	free(P.cache.why);
	map_free(&P.cache.map);
	pthread_mutex_destroy(&P.cache.lock);
}

/* read_mx_map - "DOMAIN HOST ADDRESS[,ADDRESS]" lines instead of DNS */
static int read_mx_map(sd_fleet_plan *p, strmap *m, const sd_make_plan_opts *o, char **err)
{
	FILE *f = fopen(o->mx_map, "r");
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	unsigned port = o->port ? o->port : 25;

	if (f == NULL) {
		*err = sd_asprintf("--mx-map: cannot read '%s': %s", o->mx_map, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) != -1) {
		char *save = NULL, *hash = strchr(line, '#');
		lineno++;
		if (hash != NULL)
			*hash = '\0';
		char *d = strtok_r(line, " \t\r\n", &save), *h = strtok_r(NULL, " \t\r\n", &save),
		     *a = strtok_r(NULL, " \t\r\n", &save);
		if (d == NULL)
			continue;
		if (h == NULL || a == NULL || strtok_r(NULL, " \t\r\n", &save) != NULL) {
			*err = sd_asprintf("%s:%ld: not 'DOMAIN HOST ADDRESS[,ADDRESS]'", o->mx_map, lineno);
			free(line);
			fclose(f);
			return -1;
		}
		for (char *q = d; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		add_addresses(p, m, d, h, a, port);
	}
	free(line);
	fclose(f);
	return 0;
}

/* normalized - NAME lower-cased without a trailing dot (free it) */
static char *normalized(const char *name)
{
	char *d = sd_xstrdup(name);
	size_t l = strlen(d);

	if (l > 1 && d[l - 1] == '.')
		d[l - 1] = '\0';
	for (char *q = d; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	return d;
}

/* sd_plan_build - domains to units (see plan.h) */
int sd_plan_build(sd_fleet_plan *p, const sd_target_list *targets, const sd_make_plan_opts *o, char **err)
{
	strmap m = { 0 };
	int rc = 0;

	memset(p, 0, sizeof(*p));
	if (o->mx_map != NULL) {
		rc = read_mx_map(p, &m, o, err);
	} else {
		sd_resolver r;
		if (o->dns_servers != NULL) {
			if (sd_resolver_parse(&r, o->dns_servers, o->dns_timeout_ms, err) != 0) {
				map_free(&m);
				return -1;
			}
		} else {
			sd_resolver_system(&r, NULL, o->dns_timeout_ms);
		}
		char **names = sd_xcalloc(targets->n + 1, sizeof(char *));
		size_t n = 0;
		for (size_t i = 0; i < targets->n; i++) {
			if (targets->v[i].kind != SD_TARGET_DOMAIN) {
				*err = sd_asprintf("%s: '%s' is a server: --make-plan takes mail domains (--target-type "
						   "domain, or 'domain NAME' lines)", targets->v[i].origin, targets->v[i].name);
				rc = -1;
				break;
			}
			names[n++] = normalized(targets->v[i].name);
		}
		if (rc == 0) {
			n = sort_unique(names, n);
			resolve_all(p, &m, &r, names, n, o);
		}
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	map_free(&m);
	return rc;
}

/* ---- writing and reading ---- */

/* unit_cmp - units by key */
static int unit_cmp(const void *a, const void *b)
{
	return strcmp(((const sd_plan_unit *)a)->key, ((const sd_plan_unit *)b)->key);
}

/* bad_cmp - unresolved domains (or MX hosts) by domain, then host */
static int bad_cmp(const void *a, const void *b)
{
	const sd_plan_unresolved *x = a, *y = b;
	int r = strcmp(x->domain, y->domain);
	return r != 0 ? r : strcmp(x->host ? x->host : "", y->host ? y->host : "");
}

/* build_index - P->index from the keys (after sorting) */
static void build_index(sd_fleet_plan *p)
{
	size_t cap = 64;

	while (cap < p->n * 2 + 2)
		cap *= 2;
	free(p->index);
	p->index = sd_xcalloc(cap, sizeof(size_t));
	p->index_cap = cap;
	for (size_t u = 0; u < p->n; u++) {
		size_t i = (size_t)p->v[u].hash & (cap - 1);
		while (p->index[i] != 0)
			i = (i + 1) & (cap - 1);
		p->index[i] = u + 1;
	}
}

/* sd_plan_find - a unit by key through the index */
const sd_plan_unit *sd_plan_find(const sd_fleet_plan *p, const char *key)
{
	if (p->index_cap == 0)
		return NULL;
	size_t i = (size_t)fnv1a(key) & (p->index_cap - 1);
	while (p->index[i] != 0) {
		const sd_plan_unit *u = &p->v[p->index[i] - 1];
		if (strcmp(u->key, key) == 0)
			return u;
		i = (i + 1) & (p->index_cap - 1);
	}
	return NULL;
}

/* count_domains - distinct domains of P's units and unresolved entries */
static size_t count_domains(const sd_fleet_plan *p)
{
	size_t total = p->nbad, k = 0;

	for (size_t u = 0; u < p->n; u++)
		total += p->v[u].ndomains;
	const char **all = sd_xcalloc(total + 1, sizeof(char *));
	for (size_t u = 0; u < p->n; u++)
		for (size_t d = 0; d < p->v[u].ndomains; d++)
			all[k++] = p->v[u].domains[d];
	for (size_t b = 0; b < p->nbad; b++)
		all[k++] = p->bad[b].domain;
	if (k > 1)
		qsort(all, k, sizeof(char *), cmp_str);
	size_t n = 0;
	for (size_t i = 0; i < k; i++)
		n += i == 0 || strcmp(all[i - 1], all[i]) != 0;
	free(all);
	return n;
}

/* hex_digest - "sha256:" and the hex of MD */
static void hex_digest(const unsigned char *md, unsigned len, char *out)
{
	int o = sprintf(out, "sha256:");
	for (unsigned i = 0; i < len; i++)
		o += sprintf(out + o, "%02x", md[i]);
}

/* sd_plan_write - header with the hash, then the sorted lines */
int sd_plan_write(sd_fleet_plan *p, FILE *out)
{
	char *body = NULL;
	size_t blen = 0;
	FILE *mem = open_memstream(&body, &blen);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (mem == NULL)
		abort();   /* out of memory, as sd_xcalloc */
	if (p->n > 1)
		qsort(p->v, p->n, sizeof(*p->v), unit_cmp);
	if (p->nbad > 1)
		qsort(p->bad, p->nbad, sizeof(*p->bad), bad_cmp);
	if (p->nbadmx > 1)
		qsort(p->badmx, p->nbadmx, sizeof(*p->badmx), bad_cmp);
	build_index(p);
	for (size_t u = 0; u < p->n; u++) {
		sd_plan_unit *x = &p->v[u];
		x->ndomains = sort_unique(x->domains, x->ndomains);
		x->nhosts = sort_unique(x->hosts, x->nhosts);
		json_t *hosts = json_array(), *doms = json_array();
		for (size_t i = 0; i < x->nhosts; i++)
			json_array_append_new(hosts, json_string(x->hosts[i]));
		for (size_t i = 0; i < x->ndomains; i++)
			json_array_append_new(doms, json_string(x->domains[i]));
		put_line(mem, json_pack("{s:s, s:s, s:i, s:I, s:o, s:o}", "unit", x->key, "address", x->address,
					"port", (int)x->port, "weight", (json_int_t)x->ndomains, "hosts", hosts, "domains",
					doms));
	}
	for (size_t b = 0; b < p->nbad; b++)
		put_line(mem, json_pack("{s:s, s:s}", "unresolved", p->bad[b].domain, "reason", p->bad[b].reason));
	for (size_t b = 0; b < p->nbadmx; b++)
		put_line(mem, json_pack("{s:s, s:s, s:s}", "unresolved_mx", p->badmx[b].host, "domain",
					p->badmx[b].domain, "reason", p->badmx[b].reason));
	fclose(mem);
	EVP_Digest(body, blen, md, &mdlen, EVP_sha256(), NULL);
	hex_digest(md, mdlen, p->hash);
	p->ndomains = count_domains(p);
	json_t *h = json_pack("{s:{s:i, s:s, s:s, s:I, s:I, s:I, s:I}}", "plan", "format", SD_PLAN_FORMAT, "hash",
			      p->hash, "version", PACKAGE_VERSION, "units", (json_int_t)p->n, "domains",
			      (json_int_t)p->ndomains, "unresolved", (json_int_t)p->nbad, "unresolved_mx",
			      (json_int_t)p->nbadmx);
	int rc = json_dumpf(h, out, JSON_COMPACT) == 0 && fputc('\n', out) != EOF &&
			 fwrite(body, 1, blen, out) == blen && fflush(out) == 0
		 ? 0
		 : -1;
	json_decref(h);
	free(body);
	return rc;
}

/* strings_of - the strings of array A, copied; -1 when A is not one */
static int strings_of(const json_t *a, char ***v, size_t *n)
{
	size_t i;
	json_t *s;

	if (!json_is_array(a))
		return -1;
	*v = sd_xcalloc(json_array_size(a) + 1, sizeof(char *));
	*n = 0;
	json_array_foreach(a, i, s) {
		if (!json_is_string(s))
			return -1;
		(*v)[(*n)++] = sd_xstrdup(json_string_value(s));
	}
	return 0;
}

/* sd_plan_read - a plan file, hash checked (see plan.h) */
int sd_plan_read(sd_fleet_plan *p, const char *file, char **err)
{
	FILE *f = fopen(file, "r");
	char *line = NULL, want[72] = "";
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = -1;

	memset(p, 0, sizeof(*p));
	if (f == NULL) {
		*err = sd_asprintf("--plan: cannot read '%s': %s", file, strerror(errno));
		EVP_MD_CTX_free(ctx);
		return -1;
	}
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((len = getline(&line, &cap, f)) != -1) {
		json_error_t je;
		lineno++;
		if ((size_t)len > LINE_MAX_BYTES) {
			*err = sd_asprintf("%s:%ld: line longer than %u bytes", file, lineno, LINE_MAX_BYTES);
			goto out;
		}
		if (lineno > 1)
			EVP_DigestUpdate(ctx, line, (size_t)len);
		json_t *o = json_loadb(line, (size_t)len, 0, &je);
		const json_t *hdr = o != NULL ? json_object_get(o, "plan") : NULL;
		if (lineno == 1) {
			const char *h = json_string_value(json_object_get(hdr, "hash"));
			json_int_t format = json_integer_value(json_object_get(hdr, "format"));
			if (!json_is_object(hdr) || h == NULL || strlen(h) >= sizeof(want) || format < 1 ||
			    format > SD_PLAN_FORMAT) {
				*err = sd_asprintf("%s:1: not a plan of --make-plan (no {\"plan\": {\"format\": %d, \"hash\"...}} "
						   "header)", file, SD_PLAN_FORMAT);
				json_decref(o);
				goto out;
			}
			snprintf(want, sizeof(want), "%s", h);
			p->ndomains = (size_t)json_integer_value(json_object_get(hdr, "domains"));
			json_decref(o);
			continue;
		}
		const char *key = json_string_value(json_object_get(o, "unit"));
		const char *bad = json_string_value(json_object_get(o, "unresolved"));
		const char *badmx = json_string_value(json_object_get(o, "unresolved_mx"));
		if (key != NULL) {
			if (p->n == p->cap) {
				p->cap = p->cap ? p->cap * 2 : 64;
				p->v = sd_xrealloc(p->v, p->cap * sizeof(*p->v));
			}
			sd_plan_unit *u = &p->v[p->n];
			memset(u, 0, sizeof(*u));
			const char *addr = json_string_value(json_object_get(o, "address"));
			json_int_t port = json_integer_value(json_object_get(o, "port"));
			u->key = sd_xstrdup(key);
			u->address = sd_xstrdup(addr != NULL ? addr : "");
			u->port = (unsigned)port;
			u->hash = fnv1a(key);
			p->n++;
			if (addr == NULL || port < 1 || port > 65535 ||
			    strings_of(json_object_get(o, "hosts"), &u->hosts, &u->nhosts) != 0 ||
			    strings_of(json_object_get(o, "domains"), &u->domains, &u->ndomains) != 0) {
				*err = sd_asprintf("%s:%ld: a unit line without address, port, hosts or domains", file, lineno);
				json_decref(o);
				goto out;
			}
		} else if (bad != NULL) {
			const char *why = json_string_value(json_object_get(o, "reason"));
			add_bad(p, bad, sd_xstrdup(why != NULL ? why : ""));
		} else if (badmx != NULL) {
			const char *dom = json_string_value(json_object_get(o, "domain"));
			const char *why = json_string_value(json_object_get(o, "reason"));
			if (dom == NULL) {
				*err = sd_asprintf("%s:%ld: an unresolved_mx line without its domain", file, lineno);
				json_decref(o);
				goto out;
			}
			add_bad_mx(p, dom, badmx, sd_xstrdup(why != NULL ? why : ""));
		} else {
			*err = sd_asprintf("%s:%ld: neither a unit nor an unresolved domain%s%s", file, lineno,
					   o == NULL ? ": " : "", o == NULL ? je.text : "");
			json_decref(o);
			goto out;
		}
		json_decref(o);
	}
	if (lineno == 0) {
		*err = sd_asprintf("%s: empty: not a plan", file);
		goto out;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	hex_digest(md, mdlen, p->hash);
	if (strcmp(p->hash, want) != 0) {
		*err = sd_asprintf("%s: its lines hash to %s, its header says %s: the plan was edited or cut short "
				   "(make it again with --make-plan)", file, p->hash, want);
		goto out;
	}
	build_index(p);
	if (p->nbadmx > 1)   /* domain_verdicts looks them up by domain */
		qsort(p->badmx, p->nbadmx, sizeof(*p->badmx), bad_cmp);
	for (size_t u = 1; u < p->n; u++)
		if (strcmp(p->v[u - 1].key, p->v[u].key) == 0) {
			*err = sd_asprintf("%s: unit %s twice", file, p->v[u].key);
			goto out;
		}
	rc = 0;
out:
	free(line);
	fclose(f);
	EVP_MD_CTX_free(ctx);
	if (rc != 0)
		sd_plan_free_all(p);
	return rc;
}

/* sd_plan_free_all - free everything of P */
void sd_plan_free_all(sd_fleet_plan *p)
{
	for (size_t u = 0; u < p->n; u++) {
		sd_plan_unit *x = &p->v[u];
		for (size_t i = 0; i < x->ndomains; i++)
			free(x->domains[i]);
		for (size_t i = 0; i < x->nhosts; i++)
			free(x->hosts[i]);
		free(x->domains);
		free(x->hosts);
		free(x->key);
		free(x->address);
	}
	for (size_t b = 0; b < p->nbad; b++) {
		free(p->bad[b].domain);
		free(p->bad[b].reason);
	}
	for (size_t b = 0; b < p->nbadmx; b++) {
		free(p->badmx[b].domain);
		free(p->badmx[b].host);
		free(p->badmx[b].reason);
	}
	free(p->v);
	free(p->bad);
	free(p->badmx);
	free(p->index);
	memset(p, 0, sizeof(*p));
}

/* ---- shards ---- */

typedef struct order_item {
	size_t weight;
	uint64_t hash;
	size_t unit;
} order_item;

/* order_cmp - heaviest first, then by address hash, then plan order */
static int order_cmp(const void *a, const void *b)
{
	const order_item *x = a, *y = b;
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->unit < y->unit ? -1 : x->unit > y->unit;
}

/* heap_less - shard A is less loaded than B (lower index on a tie) */
static int heap_less(const uint64_t *load, unsigned a, unsigned b)
{
	return load[a] < load[b] || (load[a] == load[b] && a < b);
}

/* sift_down - restore the heap H of N shards from position I */
static void sift_down(unsigned *h, unsigned n, const uint64_t *load, unsigned i)
{
	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && heap_less(load, h[l], h[m]))
			m = l;
		if (r < n && heap_less(load, h[r], h[m]))
			m = r;
		if (m == i)
			return;
		unsigned t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* sd_plan_assign - greedy heaviest-first assignment (see plan.h) */
void sd_plan_assign(const sd_fleet_plan *p, unsigned n, unsigned *out)
{
	order_item *ord = sd_xcalloc(p->n + 1, sizeof(*ord));
	uint64_t *load = sd_xcalloc(n, sizeof(*load));
	unsigned *heap = sd_xcalloc(n, sizeof(*heap));

	for (size_t u = 0; u < p->n; u++)
		ord[u] = (order_item){ p->v[u].ndomains > 0 ? p->v[u].ndomains : 1, p->v[u].hash, u };
	if (p->n > 1)
		qsort(ord, p->n, sizeof(*ord), order_cmp);
	for (unsigned s = 0; s < n; s++)
		heap[s] = s;          /* all zero: already a heap by index */
	for (size_t k = 0; k < p->n; k++) {
		unsigned s = heap[0];
		out[ord[k].unit] = s;
		load[s] += ord[k].weight;
		sift_down(heap, n, load, 0);
	}
	free(ord);
	free(load);
	free(heap);
}

/* sd_shard_parse - "I/N" (see plan.h) */
int sd_shard_parse(const char *text, unsigned *i, unsigned *n, char **err)
{
	char *end;
	errno = 0;
	unsigned long a = strtoul(text, &end, 10);
	if (end == text || *end != '/' || !isdigit((unsigned char)text[0]))
		goto bad;
	const char *q = end + 1;
	unsigned long b = strtoul(q, &end, 10);
	if (end == q || *end != '\0' || !isdigit((unsigned char)q[0]) || errno != 0 || b < 1 || b > SD_SHARD_MAX ||
	    a >= b)
		goto bad;
	*i = (unsigned)a;
	*n = (unsigned)b;
	return 0;
bad:
	*err = sd_asprintf("--shard: '%s' is not I/N with 0 <= I < N <= %d", text, SD_SHARD_MAX);
	return -1;
}

/* env_number - the environment variable NAME as a number; 1 set, 0 unset, -1 bad */
static int env_number(const char *name, long long *v)
{
	const char *s = getenv(name);
	char *end;

	if (s == NULL || *s == '\0')
		return 0;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return *end == '\0' && errno == 0 && *v >= 0 ? 1 : -1;
}

/* sd_shard_from_env - the batch engine's shard index (see plan.h) */
int sd_shard_from_env(unsigned count, unsigned *i, unsigned *n, char **err)
{
	long long id, cnt, min = 0;
	int has_id = env_number("SLURM_ARRAY_TASK_ID", &id);

	if (has_id != 0) {
		int has_cnt = env_number("SLURM_ARRAY_TASK_COUNT", &cnt);
		if (has_id < 0 || has_cnt <= 0 || env_number("SLURM_ARRAY_TASK_MIN", &min) < 0) {
			*err = sd_xstrdup("SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT are not numbers");
			return -1;
		}
		if (count != 0 && count != cnt) {
			*err = sd_asprintf("--shard-count %u and SLURM_ARRAY_TASK_COUNT %lld disagree", count, cnt);
			return -1;
		}
		if (id < min || id - min >= cnt || cnt > SD_SHARD_MAX) {
			*err = sd_asprintf("SLURM_ARRAY_TASK_ID %lld is not within %lld..%lld: submit --array=0-%lld "
					   "(no step, no gaps)", id, min, min + cnt - 1, cnt - 1);
			return -1;
		}
		*i = (unsigned)(id - min);
		*n = (unsigned)cnt;
		return 1;
	}
	int has_idx = env_number("JOB_COMPLETION_INDEX", &id);
	if (has_idx == 0)
		return 0;
	if (has_idx < 0 || count == 0 || id >= count) {
		*err = has_idx < 0 || count != 0
			       ? sd_asprintf("JOB_COMPLETION_INDEX '%s' is not a number below --shard-count %u",
					     getenv("JOB_COMPLETION_INDEX"), count)
			       : sd_xstrdup("JOB_COMPLETION_INDEX needs --shard-count N (the Job's completions)");
		return -1;
	}
	*i = (unsigned)id;
	*n = count;
	return 1;
}

/* sd_plan_shard_targets - shard I's units as targets */
void sd_plan_shard_targets(const sd_fleet_plan *p, unsigned i, unsigned n, sd_target_list *l)
{
	unsigned *as = sd_xcalloc(p->n + 1, sizeof(unsigned));

	sd_plan_assign(p, n, as);
	for (size_t u = 0; u < p->n; u++) {
		if (as[u] != i)
			continue;
		const sd_plan_unit *x = &p->v[u];
		l->v = sd_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = (sd_target_spec){ .kind = SD_TARGET_SERVER,
						 .name = sd_xstrdup(x->nhosts > 0 ? x->hosts[0] : x->address),
						 .port = x->port,
						 .address = sd_xstrdup(x->address),
						 .origin = sd_asprintf("plan unit %s", x->key),
						 .unit = sd_xstrdup(x->key) };
	}
	free(as);
}

/* ---- merge ---- */

typedef struct got {
	json_t *doc;            /* kept for --jsonl and --report */
	const char *file;
	long line;
	int exit_code;
	int unreachable;
	int seen;
} got;

typedef struct tally {
	char *id;
	int severity;           /* rank: 0 ok .. 3 critical */
	size_t targets;
	char *example;
} tally;

typedef struct merge {
	const sd_merge_opts *o;
	sd_fleet_plan plan;
	unsigned *assign;
	got *units;
	unsigned nshards;
	const char **shard_file; /* by index */
	char *version;
	strmap tmap;            /* finding id -> tally */
	tally *tallies;
	size_t ntallies;
	double duration_ms;
	json_int_t parallel;
	int failed;
} merge;

/* sev_rank - a severity word as 0 (ok) .. 3 (critical) */
static int sev_rank(const char *s)
{
	if (s == NULL)
		return 0;
	return strcmp(s, "critical") == 0 ? 3 : strcmp(s, "warning") == 0 ? 2 : strcmp(s, "info") == 0 ? 1 : 0;
}

/* rank_name - the word of a severity rank */
static const char *rank_name(int r)
{
	static const char *const n[] = { "ok", "info", "warning", "critical" };
	return n[r];
}

/* tally_doc - each finding id at warning or worse once per unit; whether
 * a connect.* finding was critical (the address was unreachable) */
static int tally_doc(merge *M, const json_t *doc, const char *unit)
{
	size_t i, j;
	json_t *c, *f;
	int unreachable = 0;
	strmap seen = { 0 };

	json_array_foreach(json_object_get(doc, "checks"), i, c) {
		json_array_foreach(json_object_get(c, "findings"), j, f) {
			const char *id = json_string_value(json_object_get(f, "id"));
			int r = sev_rank(json_string_value(json_object_get(f, "severity")));
			if (id == NULL)
				continue;
			if (r == 3 && strncmp(id, "connect.", 8) == 0)
				unreachable = 1;
			if (r < 2 || map_get(&seen, id) != (size_t)-1)
				continue;
			map_put(&seen, (char *)id, 0);
			size_t t = map_get(&M->tmap, id);
			if (t == (size_t)-1) {
				M->tallies = sd_xrealloc(M->tallies, (M->ntallies + 1) * sizeof(*M->tallies));
				const char *sum = json_string_value(json_object_get(f, "summary"));
				M->tallies[M->ntallies] = (tally){ sd_xstrdup(id), r, 0,
								   sd_asprintf("%s: %s", unit, sum ? sum : "") };
				map_put(&M->tmap, M->tallies[M->ntallies].id, M->ntallies);
				t = M->ntallies++;
			}
			M->tallies[t].targets++;
			if (r > M->tallies[t].severity)
				M->tallies[t].severity = r;
		}
	}
	map_free(&seen);
	return unreachable;
}

/* fail - one line on the error stream; the merge fails */
static void fail(merge *M, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* fail - one line on the error stream; the merge fails */
static void fail(merge *M, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("smtp-diag: --merge: ", M->o->err);
	vfprintf(M->o->err, fmt, ap);
	fputc('\n', M->o->err);
	va_end(ap);
	M->failed = 1;
}

/* read_shard - one shard output: its header, then its unit reports */
static void read_shard(merge *M, const char *file)
{
	FILE *f = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	unsigned index = 0;
	int header = 0;

	if (f == NULL) {
		fail(M, "cannot read '%s': %s", file, strerror(errno));
		return;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		json_error_t je;
		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;
		json_t *o = json_loadb(line, (size_t)len, 0, &je);
		if (o == NULL || !json_is_object(o)) {
			fail(M, "%s:%ld: not a JSON object (%s)%s", file, lineno, o == NULL ? je.text : "another value",
			     header ? ": the shard was cut short or damaged" : "");
			json_decref(o);
			break;
		}
		if (!header) {
			const json_t *h = json_object_get(o, "shard");
			const char *ph = json_string_value(json_object_get(h, "plan_hash"));
			const char *ver = json_string_value(json_object_get(h, "version"));
			json_int_t i = json_integer_value(json_object_get(h, "index"));
			json_int_t n = json_integer_value(json_object_get(h, "count"));
			if (!json_is_object(h) || ph == NULL || ver == NULL || n < 1 || n > SD_SHARD_MAX || i < 0 || i >= n) {
				fail(M, "%s:%ld: not the output of --plan --shard (no {\"shard\": ...} header line first)",
				     file, lineno);
				json_decref(o);
				break;
			}
			if (strcmp(ph, M->plan.hash) != 0) {
				fail(M, "%s: shard of another plan (%s; %s is %s)", file, ph, M->o->plan_file, M->plan.hash);
				json_decref(o);
				break;
			}
			if (M->version == NULL) {
				M->version = sd_xstrdup(ver);
			} else if (strcmp(M->version, ver) != 0) {
				fail(M, "%s: made by smtp-diag %s, other shards by %s: results of different versions are "
					"not merged", file, ver, M->version);
				json_decref(o);
				break;
			}
			if (M->nshards == 0) {
				M->nshards = (unsigned)n;
				M->shard_file = sd_xcalloc(n, sizeof(char *));
				M->assign = sd_xcalloc(M->plan.n + 1, sizeof(unsigned));
				sd_plan_assign(&M->plan, M->nshards, M->assign);
			} else if ((unsigned)n != M->nshards) {
				fail(M, "%s: shard %lld/%lld, but %s is of %u shards", file, (long long)i, (long long)n,
				     M->shard_file[0] != NULL ? M->shard_file[0] : "another file", M->nshards);
				json_decref(o);
				break;
			}
			if (M->shard_file[i] != NULL) {
				fail(M, "%s and %s are both shard %lld/%u: a duplicate shard is refused (give each once)",
				     M->shard_file[i], file, (long long)i, M->nshards);
				json_decref(o);
				break;
			}
			M->shard_file[i] = file;
			index = (unsigned)i;
			header = 1;
			json_decref(o);
			continue;
		}
		const json_t *fl = json_object_get(o, "fleet");
		if (json_is_object(fl)) {   /* the shard's own summary: complete */
			double d = json_number_value(json_object_get(fl, "duration_ms"));
			M->duration_ms = d > M->duration_ms ? d : M->duration_ms;
			M->parallel += json_integer_value(json_object_get(fl, "parallel"));
			json_decref(o);
			continue;
		}
		const char *key = json_string_value(json_object_get(o, "unit"));
		const sd_plan_unit *u = key != NULL ? sd_plan_find(&M->plan, key) : NULL;
		if (key == NULL) {
			fail(M, "%s:%ld: a line with no \"unit\": not a report of a plan unit", file, lineno);
		} else if (u == NULL) {
			fail(M, "%s:%ld: unit %s is not in the plan", file, lineno, key);
		} else {
			size_t k = (size_t)(u - M->plan.v);
			got *g = &M->units[k];
			if (M->assign[k] != index)
				fail(M, "%s:%ld: unit %s belongs to shard %u/%u, not %u", file, lineno, key, M->assign[k],
				     M->nshards, index);
			else if (g->seen)
				fail(M, "unit %s twice: %s:%ld and %s:%ld", key, g->file, g->line, file, lineno);
			else {
				g->seen = 1;
				g->file = file;
				g->line = lineno;
				json_int_t e = json_integer_value(json_object_get(o, "exit_code"));
				g->exit_code = e >= 0 && e <= 3 ? (int)e : 3;
				g->unreachable = tally_doc(M, o, key);
				if (M->o->jsonl || M->o->report_path != NULL) {
					g->doc = o;
					o = NULL;
				}
			}
		}
		json_decref(o);
	}
	if (!header && !M->failed)
		fail(M, "%s: empty: not the output of --plan --shard", file);
	free(line);
	fclose(f);
}

/* verify - every shard and every unit there; names what is missing */
static void verify(merge *M)
{
	size_t missing = 0;

	for (unsigned s = 0; s < M->nshards; s++)
		if (M->shard_file[s] == NULL) {
			size_t k = 0;
			for (size_t u = 0; u < M->plan.n; u++)
				k += M->assign[u] == s;
			fail(M, "shard %u/%u is missing (no file has its header): its %zu units are not audited", s,
			     M->nshards, k);
		}
	for (size_t u = 0; u < M->plan.n; u++) {
		const sd_plan_unit *x = &M->plan.v[u];
		if (M->units[u].seen)
			continue;
		missing++;
		char doms[512] = "";
		size_t o = 0;
		for (size_t d = 0; d < x->ndomains && d < 3 && o < sizeof(doms); d++)
			o += (size_t)snprintf(doms + o, sizeof(doms) - o, "%s%s", d ? ", " : "", x->domains[d]);
		fail(M, "missing unit %s (shard %u/%u%s%s; domains: %s%s)", x->key, M->assign[u], M->nshards,
		     M->shard_file[M->assign[u]] != NULL ? ", " : "",
		     M->shard_file[M->assign[u]] != NULL ? M->shard_file[M->assign[u]] : "", doms,
		     x->ndomains > 3 ? ", ..." : "");
	}
	if (missing > 0)
		fail(M, "%zu of %zu units missing: run their shards again (a shard is idempotent) and merge again",
		     missing, M->plan.n);
}

typedef struct dom_ref {
	const char *domain;
	size_t unit;
} dom_ref;

/* dom_cmp - domain references by domain, then unit */
static int dom_cmp(const void *a, const void *b)
{
	const dom_ref *x = a, *y = b;
	int r = strcmp(x->domain, y->domain);
	return r != 0 ? r : x->unit < y->unit ? -1 : x->unit > y->unit;
}

/* tally_cmp - most frequent finding first */
static int tally_cmp(const void *a, const void *b)
{
	const tally *x = a, *y = b;
	if (x->targets != y->targets)
		return x->targets < y->targets ? 1 : -1;
	if (x->severity != y->severity)
		return x->severity < y->severity ? 1 : -1;
	return strcmp(x->id, y->id);
}

typedef struct counts {
	size_t ok, warning, critical, unreachable, error, unresolved;
	int worst;
} counts;

/* bucket - count one result into C */
static void bucket(counts *c, int exit_code, int unreachable)
{
	if (unreachable)
		c->unreachable++;
	else if (exit_code >= 3)
		c->error++;
	else if (exit_code == 2)
		c->critical++;
	else if (exit_code == 1)
		c->warning++;
	else
		c->ok++;
	if (exit_code > c->worst)
		c->worst = exit_code;
}

/* first_bad_mx - index of the first of P's MX hosts without an address
 * that belongs to DOMAIN (P->badmx is sorted by domain), or P->nbadmx */
static size_t first_bad_mx(const sd_fleet_plan *p, const char *domain)
{
	size_t lo = 0, hi = p->nbadmx;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(p->badmx[mid].domain, domain) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->nbadmx && strcmp(p->badmx[lo].domain, domain) == 0 ? lo : p->nbadmx;
}

/* domain_verdicts - each domain's verdict from its units' (and the
 * unresolved ones'); an MX host without an address makes its domain
 * CRITICAL, as mx.no_address does in a --domain audit (senders that try
 * that host first fail it); written as JSON Lines when OUT; counted into C */
static void domain_verdicts(merge *M, FILE *out, counts *c)
{
	size_t total = 0, k = 0;

	for (size_t u = 0; u < M->plan.n; u++)
		total += M->plan.v[u].ndomains;
	dom_ref *refs = sd_xcalloc(total + 1, sizeof(*refs));
	for (size_t u = 0; u < M->plan.n; u++)
		for (size_t d = 0; d < M->plan.v[u].ndomains; d++)
			refs[k++] = (dom_ref){ M->plan.v[u].domains[d], u };
	if (k > 1)
		qsort(refs, k, sizeof(*refs), dom_cmp);
	for (size_t i = 0; i < k;) {
		size_t j = i;
		int worst = 0, unreachable = 1;
		json_t *units = out != NULL ? json_array() : NULL;
		for (; j < k && strcmp(refs[j].domain, refs[i].domain) == 0; j++) {
			const got *g = &M->units[refs[j].unit];
			worst = g->exit_code > worst ? g->exit_code : worst;
			unreachable &= g->unreachable;
			if (units != NULL)
				json_array_append_new(units, json_pack("{s:s, s:s}", "unit", M->plan.v[refs[j].unit].key,
								       "verdict", sd_verdict_name(g->exit_code)));
		}
		json_t *nomx = out != NULL ? json_array() : NULL;
		for (size_t b = first_bad_mx(&M->plan, refs[i].domain);
		     b < M->plan.nbadmx && strcmp(M->plan.badmx[b].domain, refs[i].domain) == 0; b++) {
			worst = worst < 2 ? 2 : worst;
			if (nomx != NULL)
				json_array_append_new(nomx, json_pack("{s:s, s:s}", "host", M->plan.badmx[b].host, "reason",
								      M->plan.badmx[b].reason));
		}
		bucket(c, worst, unreachable);
		if (out != NULL) {
			json_t *o = json_pack("{s:s, s:s, s:i, s:b, s:o}", "domain_verdict", refs[i].domain, "verdict",
					      sd_verdict_name(worst), "exit_code", worst, "unreachable", unreachable,
					      "units", units);
			if (json_array_size(nomx) > 0)
				json_object_set(o, "mx_no_address", nomx);
			json_decref(nomx);
			put_line(out, o);
		}
		i = j;
	}
	for (size_t b = 0; b < M->plan.nbad; b++) {
		c->unresolved++;
		if (out != NULL) {
			put_line(out, json_pack("{s:s, s:s, s:i, s:s}", "domain_verdict", M->plan.bad[b].domain, "verdict",
						"UNRESOLVED", "exit_code", 3, "reason", M->plan.bad[b].reason));
		}
	}
	free(refs);
}

/* summary_json - the merged fleet summary */
static json_t *summary_json(merge *M, const counts *u, const counts *d)
{
	json_t *top = json_array();

	for (size_t i = 0; i < M->ntallies && i < TOP_FINDINGS; i++)
		json_array_append_new(top, json_pack("{s:s, s:s, s:I, s:o}", "id", M->tallies[i].id, "severity",
						     rank_name(M->tallies[i].severity), "targets",
						     (json_int_t)M->tallies[i].targets, "example",
						     sd_json_text(M->tallies[i].example)));
	json_t *s = json_pack("{s:I, s:I, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:i, s:s, s:o}", "targets",
			      (json_int_t)M->plan.n, "parallel", M->parallel, "duration_ms", M->duration_ms,
			      "targets_per_second", M->duration_ms > 0 ? (double)M->plan.n * 1000.0 / M->duration_ms : 0.0,
			      "ok", (json_int_t)u->ok, "warning", (json_int_t)u->warning, "critical",
			      (json_int_t)u->critical, "unreachable", (json_int_t)u->unreachable, "error",
			      (json_int_t)u->error, "exit_code", u->worst, "verdict", sd_verdict_name(u->worst),
			      "top_findings", top);
	json_object_set_new(s, "plan", json_pack("{s:s, s:I, s:s}", "hash", M->plan.hash, "shards",
						 (json_int_t)M->nshards, "version", M->version ? M->version : ""));
	json_object_set_new(s, "domains",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "total",
				      (json_int_t)(d->ok + d->warning + d->critical + d->unreachable + d->error +
						   d->unresolved),
				      "ok", (json_int_t)d->ok, "warning", (json_int_t)d->warning, "critical",
				      (json_int_t)d->critical, "unreachable", (json_int_t)d->unreachable, "error",
				      (json_int_t)d->error, "unresolved", (json_int_t)d->unresolved));
	return s;
}

/* sd_merge - verify, then summary, domain verdicts, JSON Lines, HTML */
int sd_merge(const sd_merge_opts *o)
{
	merge M = { .o = o };
	char *err = NULL;
	int rc = 3;

	if (sd_plan_read(&M.plan, o->plan_file, &err) != 0) {
		fprintf(o->err, "smtp-diag: --merge: %s\n", err);
		free(err);
		return 3;
	}
	M.units = sd_xcalloc(M.plan.n + 1, sizeof(*M.units));
	if (o->nfiles == 0)
		fail(&M, "no shard output given (smtp-diag --merge --plan PLAN shard-*.jsonl)");
	for (size_t i = 0; i < o->nfiles && !M.failed; i++)
		read_shard(&M, o->files[i]);
	if (!M.failed && M.nshards > 0)
		verify(&M);
	if (M.failed)
		goto out;

	counts u = { 0 }, d = { 0 };
	for (size_t k = 0; k < M.plan.n; k++)
		bucket(&u, M.units[k].exit_code, M.units[k].unreachable);
	if (M.ntallies > 1)
		qsort(M.tallies, M.ntallies, sizeof(*M.tallies), tally_cmp);
	if (o->jsonl)
		for (size_t k = 0; k < M.plan.n; k++) {
			json_dumpf(M.units[k].doc, o->out, JSON_COMPACT | JSON_REAL_PRECISION(10));
			fputc('\n', o->out);
		}
	domain_verdicts(&M, o->jsonl ? o->out : NULL, &d);
	json_t *summary = summary_json(&M, &u, &d);
	rc = u.worst > d.worst ? u.worst : d.worst;   /* d: also an MX host without an address */
	if (o->jsonl) {
		json_t *doc = json_pack("{s:I, s:{s:s, s:s}, s:O}", "schema_version", (json_int_t)SD_JSON_SCHEMA_VERSION,
					"tool", "name", "smtp-diag", "version", PACKAGE_VERSION, "fleet", summary);
		json_dumpf(doc, o->out, JSON_COMPACT | JSON_REAL_PRECISION(10));
		fputc('\n', o->out);
		json_decref(doc);
	} else {
		fprintf(o->out, "[MERGE] plan %s: %zu units from %u shards, each exactly once (smtp-diag %s)\n",
			M.plan.hash, M.plan.n, M.nshards, M.version);
		fprintf(o->out, "[SUMMARY] %zu addresses: %zu ok, %zu warning, %zu critical, %zu unreachable, %zu with "
				"errors\n", M.plan.n, u.ok, u.warning, u.critical, u.unreachable, u.error);
		fprintf(o->out, "[DOMAINS] %zu domains: %zu ok, %zu warning, %zu critical, %zu unreachable, %zu with "
				"errors, %zu unresolved\n",
			d.ok + d.warning + d.critical + d.unreachable + d.error + d.unresolved, d.ok, d.warning,
			d.critical, d.unreachable, d.error, d.unresolved);
		if (M.ntallies > 0)
			fprintf(o->out, "Most frequent findings (addresses):\n");
		for (size_t i = 0; i < M.ntallies && i < TOP_FINDINGS; i++) {
			char *ex = sd_printable(M.tallies[i].example);
			fprintf(o->out, "  %6zu  %-8s %-32s e.g. %.100s\n", M.tallies[i].targets,
				rank_name(M.tallies[i].severity), M.tallies[i].id, ex);
			free(ex);
		}
	}
	if (fflush(o->out) != 0 || ferror(o->out)) {
		fprintf(o->err, "smtp-diag: --merge: cannot write the output\n");
		rc = 3;
	}
	if (o->report_path != NULL) {
		json_t *reports = json_array();
		for (size_t k = 0; k < M.plan.n; k++)
			json_array_append(reports, M.units[k].doc);
		json_t *doc = json_pack("{s:I, s:{s:s, s:s}, s:O, s:o}", "schema_version",
					(json_int_t)SD_JSON_SCHEMA_VERSION, "tool", "name", "smtp-diag", "version",
					PACKAGE_VERSION, "fleet", summary, "reports", reports);
		if (sd_html_report_file(doc, o->report_path, &err) != 0) {
			fprintf(o->err, "smtp-diag: --merge: %s\n", err);
			free(err);
			rc = 3;
		}
		json_decref(doc);
	}
	json_decref(summary);
out:
	for (size_t k = 0; k < M.plan.n; k++)
		json_decref(M.units[k].doc);
	for (size_t i = 0; i < M.ntallies; i++) {
		free(M.tallies[i].id);
		free(M.tallies[i].example);
	}
	free(M.tallies);
	map_free(&M.tmap);
	free(M.units);
	free(M.assign);
	free(M.shard_file);
	free(M.version);
	sd_plan_free_all(&M.plan);
	return rc;
}
