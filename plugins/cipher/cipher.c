/* SPDX-License-Identifier: MIT */
/*
 * cipher.c - check "cipher": which protocol versions and cipher suites the
 * server accepts, whether it imposes its own order, judged by a policy.
 *
 * Enumeration offers a whole chunk of suites (at most `chunk` per
 * ClientHello: some servers ignore the rest), removes the one the server
 * picked and asks again, so a chunk costs accepted+1 handshakes. Each
 * handshake needs its own SMTP connection (and STARTTLS), run `parallel` at
 * a time. A 421 or a refused connection is the server limiting us: the
 * probe waits and retries, and a probe that never gets through makes the
 * result "incomplete" rather than "not supported". A probe connection whose
 * EHLO lacks STARTTLS (or that refuses it) never sent a ClientHello: it is
 * retried at once (a load balancer may pick another node), and if it never
 * gets through, its versions are "unknown", never "not accepted".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <smtpdiag/plugin.h>

static const char *const requires[] = { "starttls", NULL };

static const sd_param_spec params[] = {
	{ "parallel", SD_PARAM_INT, "4", "probe connections at once (mail servers limit connections per client: keep it small)" },
	{ "chunk", SD_PARAM_INT, "64", "most suites offered in one ClientHello" },
	{ "min_version", SD_PARAM_STRING, "TLSv1.2", "accepting an older protocol is a warning" },
	{ "forbid", SD_PARAM_LIST, "[NULL, EXPORT, RC4, DES, 3DES, MD5]",
	  "suite families that are critical when accepted" },
	/* anonymous (aNULL) suites: Postfix enables them on purpose for
	 * opportunistic TLS on port 25 (TLS_README), and clients that verify
	 * certificates never offer them: a warning here, critical in the
	 * compliance profiles that forbid them */
	{ "warn", SD_PARAM_LIST, "[anonymous, CBC-SHA1]", "suite families that are a warning when accepted" },
	{ "require_forward_secrecy", SD_PARAM_BOOL, "true", "accepting a suite without forward secrecy is a warning" },
	{ "require_server_order", SD_PARAM_BOOL, "false",
	  "TLS 1.2 and older: a server that follows the client's suite order is a warning (NCSC-NL, internet.nl)" },
	{ "retries", SD_PARAM_INT, "3", "attempts per probe when the server rate-limits" },
	{ "backoff", SD_PARAM_DURATION, "1s", "first pause after a rate-limited probe (doubles each time)" },
	{ NULL, 0, NULL, NULL },
};

#define NVERSIONS 4
static const struct {
	int number;
	const char *name, *key;
} versions[NVERSIONS] = {
	{ 0x0301, "TLSv1", "tlsv1_0" },
	{ 0x0302, "TLSv1.1", "tlsv1_1" },
	{ 0x0303, "TLSv1.2", "tlsv1_2" },
	{ 0x0304, "TLSv1.3", "tlsv1_3" },
};

typedef struct job {
	int v;                /* index into versions */
	size_t *idx;          /* suite indices still to offer */
	size_t n;
} job;

typedef struct scan {
	sd_session *s;
	const sd_params *p;
	sd_tls_suite *suites;
	size_t nsuites;
	unsigned char *accepted[NVERSIONS]; /* per suite */
	job *jobs;
	size_t njobs, next;
	int active, idle;           /* workers running a job / waiting for one */
	pthread_mutex_t lock;
	pthread_cond_t more;        /* a job was added, or the last one ended */
	int handshakes, rate_limited, incomplete;
	int unknown[NVERSIONS];     /* probes of the version that never got an answer */
	int offered, not_offered;   /* probe connections whose EHLO had STARTTLS / had not (or refused it) */
	char last_error[256], no_starttls_error[256];
} scan;

/* made_by - the banner or EHLO reply named VENDOR's software (fixes carrying
 * the profile's numbers are worded here; the rest by the knowledge base) */
static int made_by(const sd_session *s, const char *vendor)
{
	const char *sw = sd_session_software(s);
	return sw != NULL && strcasestr(sw, vendor) != NULL;
}

/* find_suite - the index of suite NAME among SC's suites ((size_t)-1 when missing) */
static size_t find_suite(const scan *sc, const char *name)
{
	for (size_t i = 0; i < sc->nsuites; i++)
		if (strcmp(sc->suites[i].name, name) == 0)
			return i;
	return (size_t)-1;
}

/* list_of - suites joined by ':' */
static char *list_of(const scan *sc, const size_t *idx, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(sc->suites[idx[i]].name) + 1;
	char *out = calloc(1, len);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, ":");
		strcat(out, sc->suites[idx[i]].name);
	}
	return out;
}

/* pause_ms - sleep MS milliseconds */
static void pause_ms(long long ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* probe - one handshake offering IDX at version V, with rate-limit retries;
 * 1 accepted (*chosen set), 0 refused, -1 could not find out, -2 never got
 * to a ClientHello (no STARTTLS on any connection tried) */
static int probe(scan *sc, int v, const size_t *idx, size_t n, size_t *chosen)
{
	char *list = list_of(sc, idx, n);
	sd_tls_probe pr = { .version = versions[v].number };
	sd_tls_probe_result res;
	long long wait = sd_param_duration_ms(sc->p, "backoff");
	int tries = (int)sd_param_int(sc->p, "retries"), rc = -1;

	if (list == NULL)
		return -1;
	if (versions[v].number >= 0x0304)
		pr.ciphersuites = list;
	else
		pr.ciphers = list;
	for (int t = 0; t < (tries > 0 ? tries : 1); t++) {
		/* the server's choice is all enumeration needs */
		int ran = sd_session_tls_hello_probe(sc->s, &pr, &res);
		int no_tls = !res.accepted && res.error == SD_ERR_NO_STARTTLS;
		pthread_mutex_lock(&sc->lock);
		sc->handshakes++;
		if (res.rate_limited)
			sc->rate_limited++;
		if (no_tls) {
			sc->not_offered++;
			snprintf(sc->no_starttls_error, sizeof(sc->no_starttls_error), "%s", res.message);
		} else if (res.accepted || res.refused_by_server) {
			sc->offered++;
		}
		if (!res.accepted && !res.refused_by_server && !no_tls)
			snprintf(sc->last_error, sizeof(sc->last_error), "%s", res.message);
		pthread_mutex_unlock(&sc->lock);
		if (no_tls) {
			rc = -2; /* try another connection at once: it may reach another node */
			continue;
		}
		rc = -1;
		if (ran == 0 && res.accepted) {
			*chosen = find_suite(sc, res.cipher);
			rc = *chosen != (size_t)-1 && res.version == versions[v].number ? 1 : -1;
			break;
		}
		if (ran == 0) {
			rc = 0;
			break;
		}
		pause_ms(wait);
		wait *= 2;
	}
	free(list);
	return rc;
}

/* add_job - queue a job of SC: try the N suites at IDX with protocol version V */
static void add_job(scan *sc, int v, const size_t *idx, size_t n)
{
	job *j = &sc->jobs[sc->njobs++];
	j->v = v;
	j->idx = malloc(n * sizeof(size_t));
	j->n = n;
	if (j->idx == NULL)
		j->n = 0;
	else
		memcpy(j->idx, idx, n * sizeof(size_t));
}

#define SPLIT_MIN 8 /* never split a chunk into halves smaller than 4 */

/* run_job - offer the chunk, remove what the server picks, repeat. Each
 * probe waits for the one before, so a long chunk is a long chain of round
 * trips: while a worker is idle, hand it half of what is left (one more
 * final refusal to pay, a chain half as long). */
static void run_job(scan *sc, job *j)
{
	while (j->n > 0) {
		size_t chosen;
		int rc = probe(sc, j->v, j->idx, j->n, &chosen);
		if (rc == 0)
			return;
		if (rc < 0) {
			pthread_mutex_lock(&sc->lock);
			sc->unknown[j->v]++;
			if (rc == -1)
				sc->incomplete++;
			pthread_mutex_unlock(&sc->lock);
			return;
		}
		pthread_mutex_lock(&sc->lock);
		sc->accepted[j->v][chosen] = 1;
		size_t k = 0;
		for (size_t i = 0; i < j->n; i++)
			if (j->idx[i] != chosen)
				j->idx[k++] = j->idx[i];
		if (k == j->n) {
			pthread_mutex_unlock(&sc->lock);
			return; /* the server picked something we did not offer: stop */
		}
		j->n = k;
		if (sc->idle > 0 && k >= SPLIT_MIN) {
			add_job(sc, j->v, j->idx + k / 2, k - k / 2);
			j->n = k / 2;
			pthread_cond_signal(&sc->more);
		}
		pthread_mutex_unlock(&sc->lock);
	}
}

/* worker - worker thread: run queued jobs until none is queued and none running can split one */
static void *worker(void *arg)
{
	scan *sc = arg;

	pthread_mutex_lock(&sc->lock);
	for (;;) {
		while (sc->next == sc->njobs && sc->active > 0) {
			sc->idle++;
			pthread_cond_wait(&sc->more, &sc->lock);
			sc->idle--;
		}
		if (sc->next == sc->njobs)
			break; /* nothing queued and nobody left to split a job */
		job *j = &sc->jobs[sc->next++];
		sc->active++;
		pthread_mutex_unlock(&sc->lock);
		run_job(sc, j);
		pthread_mutex_lock(&sc->lock);
		sc->active--;
		if (sc->active == 0)
			pthread_cond_broadcast(&sc->more);
	}
	pthread_mutex_unlock(&sc->lock);
	return NULL;
}

/* families - the policy words that describe suite U */
static int in_family(const sd_tls_suite *u, const char *fam)
{
	int aead = strstr(u->enc, "GCM") != NULL || strstr(u->enc, "CCM") != NULL || strstr(u->enc, "CHACHA") != NULL;
	if (strcasecmp(fam, "NULL") == 0)
		return strcmp(u->enc, "None") == 0;
	if (strcasecmp(fam, "EXPORT") == 0)
		return strstr(u->name, "EXP") != NULL;
	if (strcasecmp(fam, "RC4") == 0)
		return strncmp(u->enc, "RC4", 3) == 0;
	if (strcasecmp(fam, "DES") == 0)
		return strncmp(u->enc, "DES(", 4) == 0;
	if (strcasecmp(fam, "3DES") == 0)
		return strncmp(u->enc, "3DES", 4) == 0;
	if (strcasecmp(fam, "anonymous") == 0)
		return u->anonymous;
	if (strcasecmp(fam, "MD5") == 0)
		return strcmp(u->mac, "MD5") == 0;
	if (strcasecmp(fam, "CBC-SHA1") == 0)
		return strcmp(u->mac, "SHA1") == 0 && !aead && strncmp(u->enc, "RC4", 3) != 0 &&
		       strcmp(u->enc, "None") != 0;
	if (strcasecmp(fam, "CBC") == 0)
		return !aead && strcmp(u->enc, "None") != 0 && strncmp(u->enc, "RC4", 3) != 0;
	return 0;
}

/* policy - one finding per family, naming every offending suite */
static int policy(scan *sc, sd_report *r, const char *param, sd_severity sev)
{
	const char *const *fams;
	size_t nf = sd_param_list(sc->p, param, &fams);
	int hits = 0;

	for (size_t f = 0; f < nf; f++) {
		char names[2048] = "", id[64];
		size_t count = 0;
		for (size_t i = 0; i < sc->nsuites; i++) {
			int any = 0;
			for (int v = 0; v < NVERSIONS; v++)
				any |= sc->accepted[v][i];
			if (!any || !in_family(&sc->suites[i], fams[f]))
				continue;
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s (%s)", count ? ", " : "",
				 sc->suites[i].iana, sc->suites[i].name);
			count++;
		}
		if (count == 0)
			continue;
		hits++;
		snprintf(id, sizeof(id), "cipher.%s_%s", sev == SD_CRIT ? "forbidden" : "weak", fams[f]);
		for (char *c = id; *c; c++)
			*c = (*c >= 'A' && *c <= 'Z') ? (char)(*c - 'A' + 'a') : (*c == '-' ? '_' : *c);
		sd_finding *fd = sd_report_finding(r, sev, id, "%zu %s suite%s accepted: %s", count, fams[f],
						   count == 1 ? "" : "s", names);
		sd_finding_detail(fd, "family", "%s", fams[f]);
		if (strcasecmp(fams[f], "anonymous") == 0)
			sd_finding_cause(fd, "anonymous (aNULL) suites authenticate no server: a client that offers one "
					    "and gets it accepts any man in the middle. Only clients that do not verify "
					    "certificates offer them (opportunistic TLS on port 25, where Postfix enables "
					    "them on purpose: unauthenticated encryption, RFC 7435); on a submission port, "
					    "or where DANE or MTA-STS promise authentication, they should go");
		else
			sd_finding_cause(fd, "the server's cipher list still includes %s suites", fams[f]);
		if (made_by(sc->s, "postfix"))
			sd_finding_fix(fd, "Postfix: smtpd_tls_exclude_ciphers = %s (and smtpd_tls_ciphers = high) in "
				       "main.cf (or in master.cf, when this listener overrides them with -o), then "
				       "'postfix reload'",
				       strcasecmp(fams[f], "anonymous") == 0 ? "aNULL"
				       : strcasecmp(fams[f], "CBC-SHA1") == 0 ? "SHA1" : fams[f]);
		else if (made_by(sc->s, "exchange"))
			sd_finding_fix(fd, "Exchange: remove the %s suites from the SCHANNEL cipher suite order "
				       "(Disable-TlsCipherSuite)", fams[f]);
		else
			sd_finding_fix(fd, "remove the %s suites from the server's TLS cipher list (keep ECDHE with "
				       "AES-GCM or ChaCha20-Poly1305)", fams[f]);
	}
	return hits;
}

/* server_order - does the server pick by its own preference? Report the order. */
static void server_order(scan *sc, sd_report *r, int v)
{
	size_t idx[256], n = 0, chosen_a, chosen_b;
	char key[64];

	for (size_t i = 0; i < sc->nsuites && n < 64; i++)
		if (sc->accepted[v][i])
			idx[n++] = i;
	if (n < 2)
		return;
	size_t rev[256];
	for (size_t i = 0; i < n; i++)
		rev[i] = idx[n - 1 - i];
	if (probe(sc, v, idx, n, &chosen_a) != 1 || probe(sc, v, rev, n, &chosen_b) != 1)
		return;
	int server = chosen_a == chosen_b;
	snprintf(key, sizeof(key), "%s_server_order", versions[v].key);
	sd_report_fact_bool(r, key, server);
	if (!server) {
		sd_report_note(r, "%s: the server follows the client's order", versions[v].name);
		if (v < 3 && sd_param_bool(sc->p, "require_server_order")) {
			/* judged per profile: the measurement is the same, the policy differs */
			sd_finding *f = sd_report_finding(r, SD_WARN, "cipher.client_order",
							  "%s: the server follows the client's cipher suite order",
							  versions[v].name);
			sd_finding_cause(f, "the server takes the first suite the client offers that it accepts: a "
					    "client that lists weaker suites first gets them");
			sd_finding_fix(f, "make the server choose by its own cipher suite order, not the client's "
					  "(its 'server cipher preference' setting)");
		}
		return;
	}
	/* take the favourite, remove it, ask again: the server's order */
	snprintf(key, sizeof(key), "%s_order", versions[v].key);
	sd_report_fact_list_add(r, key, sc->suites[chosen_a].name);
	size_t left = 0;
	for (size_t i = 0; i < n; i++)
		if (idx[i] != chosen_a)
			idx[left++] = idx[i];
	while (left > 1) {
		size_t c;
		if (probe(sc, v, idx, left, &c) != 1)
			break;
		sd_report_fact_list_add(r, key, sc->suites[c].name);
		size_t k = 0;
		for (size_t i = 0; i < left; i++)
			if (idx[i] != c)
				idx[k++] = idx[i];
		if (k == left)
			break;
		left = k;
	}
	if (left == 1)
		sd_report_fact_list_add(r, key, sc->suites[idx[0]].name);
	sd_report_note(r, "%s: the server imposes its own order", versions[v].name);
}

/* Key exchange groups: the name offered, and the one OpenSSL reports back. */
static const struct {
	const char *name, *negotiated;
} all_groups[] = {
	{ "X25519", "x25519" },     { "X448", "x448" },         { "P-256", "secp256r1" },
	{ "P-384", "secp384r1" },   { "P-521", "secp521r1" },   { "ffdhe2048", "ffdhe2048" },
	{ "ffdhe3072", "ffdhe3072" }, { "ffdhe4096", "ffdhe4096" }, { "ffdhe6144", "ffdhe6144" },
	{ "ffdhe8192", "ffdhe8192" },
};
#define NGROUPS (sizeof(all_groups) / sizeof(all_groups[0]))

/* group_index - the index of key-exchange group NEGOTIATED in the group table (-1 when unknown) */
static int group_index(const char *negotiated)
{
	for (size_t i = 0; i < NGROUPS; i++)
		if (strcasecmp(negotiated, all_groups[i].negotiated) == 0 ||
		    strcasecmp(negotiated, all_groups[i].name) == 0)
			return (int)i;
	return -1;
}

/* groups - which key exchange groups the server takes, at TLS 1.3 (else
 * TLS 1.2 with its ECDHE suites): offer every group not yet seen, note the
 * one the server takes, repeat (accepted+1 handshakes); and the DH size
 * when DHE suites are accepted at TLS 1.2 or below */
static void groups(scan *sc, sd_report *r, int highest)
{
	int v = -1;
	size_t idx[256], n = 0;

	for (int cand = 3; cand >= 2 && v < 0; cand--)
		for (size_t i = 0; i < sc->nsuites && n < 256; i++)
			if (sc->accepted[cand][i] && (cand == 3 || strncmp(sc->suites[i].kx, "ECDH", 4) == 0)) {
				idx[n++] = i;
				v = cand;
			}
	if (v >= 0) {
		char *list = list_of(sc, idx, n);
		int taken[NGROUPS] = { 0 }, tried[NGROUPS] = { 0 };
		for (size_t round = 0; round < NGROUPS && list != NULL; round++) {
			char offer[256] = "";
			for (size_t g = 0; g < NGROUPS; g++) {
				/* TLS 1.2 ECDHE suites take EC groups only */
				if (tried[g] || (v < 3 && strncmp(all_groups[g].name, "ffdhe", 5) == 0))
					continue;
				if (offer[0])
					strcat(offer, ":");
				strcat(offer, all_groups[g].name);
			}
			if (offer[0] == '\0')
				break;
			sd_tls_probe pr = { .version = versions[v].number, .groups = offer };
			sd_tls_probe_result res;
			if (v == 3)
				pr.ciphersuites = list;
			else
				pr.ciphers = list;
			/* at TLS 1.3 the group is in the ServerHello; at 1.2 it
			 * comes with the key exchange, so that takes it all */
			int ran = v == 3 ? sd_session_tls_hello_probe(sc->s, &pr, &res)
					 : sd_session_tls_probe(sc->s, &pr, &res);
			sc->handshakes++;
			int g = ran == 0 && res.accepted ? group_index(res.group) : -1;
			if (g < 0 || tried[g])
				break; /* refused (none left it takes), or an answer we cannot place */
			tried[g] = taken[g] = 1;
		}
		for (size_t g = 0; g < NGROUPS; g++)
			if (taken[g])
				sd_report_fact_list_add(r, "groups", all_groups[g].name);
		free(list);
		sd_report_fact_str(r, "groups_tested_with", "%s", versions[v].name);
	}
	/* DHE: the server picks the group, so offer only DHE suites and look */
	n = 0;
	int dv = highest < 3 ? highest : 2;
	for (size_t i = 0; dv >= 0 && i < sc->nsuites && n < 256; i++)
		if (sc->accepted[dv][i] && strcmp(sc->suites[i].kx, "DH") == 0)
			idx[n++] = i;
	if (n > 0) {
		sd_tls_probe_result res;
		char *list = list_of(sc, idx, n);
		sd_tls_probe pr = { .version = versions[dv].number, .ciphers = list };
		if (list != NULL && sd_session_tls_probe(sc->s, &pr, &res) == 0 && res.accepted) {
			int bits = 0;
			const char *sp = strrchr(res.group, ' ');
			if (sp != NULL)
				bits = atoi(sp + 1);
			sd_report_fact_int(r, "dh_bits", bits);
			if (bits > 0 && bits < 2048) {
				sd_finding *f = sd_report_finding(r, SD_WARN, "cipher.weak_dh", "DHE uses a %d-bit group", bits);
				sd_finding_cause(f, "DH groups under 2048 bits are within reach of well-funded attackers (Logjam)");
				sd_finding_fix(f, "use a DH group of 2048 bits or more (an RFC 7919 ffdhe group) in the "
						  "server's TLS settings, or offer only ECDHE key exchange");
			}
		}
		sc->handshakes++;
		free(list);
	}
}

/* version_index - the index of protocol version NAME in the version table (-1 when unknown) */
static int version_index(const char *name)
{
	for (int v = 0; v < NVERSIONS; v++)
		if (name != NULL && (strcasecmp(name, versions[v].name) == 0 ||
				     (v == 0 && strcasecmp(name, "TLSv1.0") == 0)))
			return v;
	return -1;
}

/* run - the cipher check: which protocol versions, cipher suites and groups the server accepts */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	scan sc = { .s = s, .p = p };
	long long chunk = sd_param_int(p, "chunk"), par = sd_param_int(p, "parallel");
	sd_run_status st = SD_RUN_DONE;

	sd_report_phase(r, "Protocols and cipher suites");
	if (chunk < 1 || chunk > 256 || par < 1 || par > 32) {
		sd_report_finding(r, SD_CHECK_ERROR, "cipher.bad_parameters", "chunk must be 1-256 and parallel 1-32");
		return SD_RUN_ERROR;
	}
	sc.nsuites = sd_tls_suites(&sc.suites);
	pthread_mutex_init(&sc.lock, NULL);
	pthread_cond_init(&sc.more, NULL);
	for (int v = 0; v < NVERSIONS; v++)
		sc.accepted[v] = calloc(sc.nsuites ? sc.nsuites : 1, 1);
	/* every (version, suite) pair starts in at most one job, and a split
	 * needs an acceptance, so twice the pairs is always enough */
	sc.jobs = calloc(2 * NVERSIONS * (sc.nsuites + 1), sizeof(job));
	size_t *idx = calloc(sc.nsuites ? sc.nsuites : 1, sizeof(size_t));
	if (sc.jobs == NULL || idx == NULL) {
		sd_report_finding(r, SD_CHECK_ERROR, "cipher.memory", "out of memory");
		st = SD_RUN_ERROR;
		goto out;
	}
	for (int v = 0; v < NVERSIONS; v++) {
		size_t n = 0;
		for (size_t i = 0; i < sc.nsuites; i++)
			if (sc.suites[i].tls13 == (versions[v].number >= 0x0304) &&
			    sc.suites[i].min_version <= versions[v].number)
				idx[n++] = i;
		for (size_t off = 0; off < n; off += (size_t)chunk)
			add_job(&sc, v, idx + off, n - off < (size_t)chunk ? n - off : (size_t)chunk);
	}

	pthread_t th[32];
	int started = 0;
	for (int i = 0; i < par; i++)
		if (pthread_create(&th[started], NULL, worker, &sc) == 0)
			started++;
	if (started == 0)
		worker(&sc);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);

	/* facts: what this OpenSSL could test, and what the server accepted */
	sd_report_fact_map_add(r, "protocols", "SSLv2", "not testable with this OpenSSL");
	sd_report_fact_map_add(r, "protocols", "SSLv3",
			       sd_tls_version_testable(0x0300) ? "not tested" : "not testable with this OpenSSL");
	int total = 0, lowest = -1, highest = -1;
	for (int v = 0; v < NVERSIONS; v++) {
		char key[64], line[4096] = "";
		int count = 0;
		snprintf(key, sizeof(key), "%s_suites", versions[v].key);
		for (size_t i = 0; i < sc.nsuites; i++)
			if (sc.accepted[v][i]) {
				sd_report_fact_list_add(r, key, sc.suites[i].name);
				snprintf(key, sizeof(key), "%s_suites_iana", versions[v].key);
				sd_report_fact_list_add(r, key, sc.suites[i].iana);
				snprintf(key, sizeof(key), "%s_suites", versions[v].key);
				snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s", sc.suites[i].name);
				count++;
			}
		/* a version whose probes never got an answer proves nothing */
		sd_report_fact_map_add(r, "protocols", versions[v].name,
				       count > 0 ? "accepted" : sc.unknown[v] > 0 ? "unknown" : "not accepted");
		if (count > 0) {
			sd_report_note(r, "%s (%d):%s", versions[v].name, count, line);
			if (lowest < 0)
				lowest = v;
			highest = v;
		}
		total += count;
	}
	/* server order for TLS 1.3 and for the best older version accepted */
	server_order(&sc, r, 3);
	for (int v = 2; v >= 0; v--) {
		size_t any = 0;
		for (size_t i = 0; i < sc.nsuites; i++)
			any += sc.accepted[v][i];
		if (any > 0) {
			server_order(&sc, r, v);
			break;
		}
	}
	if (total > 0)
		groups(&sc, r, highest);
	sd_report_fact_int(r, "suites_accepted", total);
	sd_report_fact_int(r, "handshakes", sc.handshakes);
	sd_report_fact_int(r, "rate_limited", sc.rate_limited);

	if (sc.incomplete > 0) {
		sd_finding *f = sd_report_finding(r, SD_WARN, "cipher.incomplete",
						  "results incomplete: %d probe%s could not finish (last: %s)", sc.incomplete,
						  sc.incomplete == 1 ? "" : "s", sc.last_error);
		sd_finding_cause(f, sc.rate_limited ? "the server rate-limits connections (421 or refused) and "
						      "kept doing so after the back-off"
						    : "probe connections failed for reasons other than a TLS refusal");
		sd_finding_fix(f, "run again with parallel: 1 and a longer backoff in the profile, or allow this "
				  "client more connections (the server's per-client connection limits)");
	}
	if (sc.not_offered > 0) {
		/* the session this check started from had STARTTLS: count it */
		int n = sc.offered + sc.not_offered + 1, k = sc.offered + 1;
		sd_report_fact_int(r, "starttls_offered_connections", k);
		sd_report_fact_int(r, "probe_connections", n);
		sd_finding *f = sd_report_finding(r, SD_WARN, "cipher.starttls_inconsistent",
						  "STARTTLS offered on %d of %d connections: %s", k, n,
						  total == 0 ? "protocol versions and suites not determined"
							     : "results incomplete");
		sd_finding_detail(f, "last", "%s", sc.no_starttls_error);
		sd_finding_cause(f, "connections to the same address get different answers to EHLO or STARTTLS: a "
				    "load balancer in front of nodes configured differently (one without a "
				    "certificate or TLS), or a server that offers TLS only sometimes (a connection or "
				    "TLS session limit); senders that reach such a node deliver in plain text (last: %s)",
				 sc.no_starttls_error);
		sd_finding_fix(f, "give every node behind the address the same TLS configuration (the same "
				  "certificate and TLS settings on each), then run again");
	}
	if (total == 0) {
		int unknown = 0;
		for (int v = 0; v < NVERSIONS; v++)
			unknown += sc.unknown[v] > 0;
		if (unknown == 0)
			sd_report_finding(r, SD_CRIT, "cipher.none", "no protocol version and cipher suite was accepted");
		else
			sd_report_summary(r, "not determined: no probe reached a TLS handshake");
		goto out;
	}
	int minv = version_index(sd_param_string(p, "min_version"));
	for (int v = 0; minv >= 0 && v < minv; v++)
		for (size_t i = 0; i < sc.nsuites; i++)
			if (sc.accepted[v][i]) {
				sd_finding *f = sd_report_finding(r, SD_WARN, "cipher.old_protocol", "%s is accepted (minimum: %s)",
								  versions[v].name, versions[minv].name);
				sd_finding_detail(f, "version", "%s", versions[v].name);
				if (versions[v].number < 0x0303)
					sd_finding_cause(f, "old protocol versions stay enabled for old clients; RFC 8996 "
							    "deprecates TLS 1.0 and 1.1");
				else
					sd_finding_cause(f, "the profile's min_version is stricter than the server's setting");
				/* the profile's minimum: Exim, Sendmail, OpenSMTPD get theirs from the KB */
				if (made_by(s, "postfix"))
					sd_finding_fix(f, "Postfix: smtpd_tls_protocols = >=%s and "
						       "smtpd_tls_mandatory_protocols = >=%s in main.cf (or in master.cf, "
						       "when this listener overrides them with -o), then 'postfix reload'",
						       versions[minv].name, versions[minv].name);
				else if (made_by(s, "exchange"))
					sd_finding_fix(f, "Exchange: disable the TLS versions below %s in SCHANNEL, then "
						       "restart the server", versions[minv].name);
				else
					sd_finding_fix(f, "allow only %s and later in the server's TLS settings (its "
						       "minimum protocol version), then reload it", versions[minv].name);
				break;
			}
	int bad = policy(&sc, r, "forbid", SD_CRIT);
	int weak = policy(&sc, r, "warn", SD_WARN);
	if (sd_param_bool(p, "require_forward_secrecy")) {
		char names[2048] = "";
		size_t count = 0;
		for (size_t i = 0; i < sc.nsuites; i++) {
			int any = 0;
			for (int v = 0; v < NVERSIONS; v++)
				any |= sc.accepted[v][i];
			if (any && !sc.suites[i].forward_secrecy && !sc.suites[i].anonymous) {
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s (%s)", count ? ", " : "",
					 sc.suites[i].iana, sc.suites[i].name);
				count++;
			}
		}
		if (count > 0) {
			weak++;
			sd_finding *f = sd_report_finding(r, SD_WARN, "cipher.no_forward_secrecy",
							  "%zu suite%s without forward secrecy accepted: %s", count,
							  count == 1 ? "" : "s", names);
			sd_finding_cause(f, "static RSA key exchange is still enabled");
			sd_finding_fix(f, "remove the static-RSA key exchange suites (TLS_RSA_*) from the server's "
					  "cipher list; keep the ECDHE suites");
		}
	}
	const char *grade = bad ? "F" : (minv >= 0 && lowest < minv) ? "C" : weak ? "B" : "A";
	sd_report_fact_str(r, "grade", "%s", grade);
	sd_report_summary(r, "%s-%s, %d suites, grade %s", versions[lowest].name, versions[highest].name, total, grade);

out:
	for (size_t i = 0; i < sc.njobs; i++)
		free(sc.jobs[i].idx);
	free(sc.jobs);
	free(idx);
	for (int v = 0; v < NVERSIONS; v++)
		free(sc.accepted[v]);
	free(sc.suites);
	pthread_mutex_destroy(&sc.lock);
	pthread_cond_destroy(&sc.more);
	return st;
}

SD_CHECK_EXPORT(cipher) = {
	.abi = SD_PLUGIN_ABI,
	.name = "cipher",
	.title = "Protocols and cipher suites",
	.summary = "accepted TLS versions and cipher suites (chunked enumeration), server order, policy grade",
	.requires = requires,
	.params = params,
	.run = run,
};
