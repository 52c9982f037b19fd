/* SPDX-License-Identifier: MIT */
/*
 * plan.h - audits beyond one machine: the plan (domains resolved once to
 * their MX addresses, one unit of work per address:port), the shard a
 * unit belongs to, and the merge that checks shard outputs against the
 * plan (docs/fleet.md "Plans, shards and merge").
 *
 * An address is one unit, so only one machine ever talks to a given
 * address and per-address limits hold across a cluster with no shared
 * state. The plan is JSON Lines: a header line with the SHA-256 of the
 * lines after it, then the units sorted by key, then the domains that
 * could not be resolved, then the MX hosts without an address of domains
 * that have others (format 2; a format 1 plan has none of those).
 * Everything is sorted: the same answers give the same bytes and the same
 * hash.
 */
#ifndef SD_FLEET_PLAN_H
#define SD_FLEET_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fleet/targets.h"

#define SD_PLAN_FORMAT 2     /* written; 1 is still read */
#define SD_SHARD_MAX 100000

typedef struct sd_plan_unit {
	char *key;              /* "192.0.2.1:25", "[2001:db8::1]:25" */
	char *address;
	unsigned port;
	char **hosts;           /* MX host names that lead here, sorted */
	size_t nhosts;
	char **domains;         /* domains served, sorted, unique */
	size_t ndomains, cap;
	uint64_t hash;          /* FNV-1a 64 of the key */
} sd_plan_unit;

typedef struct sd_plan_unresolved {
	char *domain;
	char *host;             /* NULL: the whole domain; else one MX host of it without an address */
	char *reason;
} sd_plan_unresolved;

typedef struct sd_fleet_plan {
	sd_plan_unit *v;
	size_t n, cap;
	sd_plan_unresolved *bad;
	size_t nbad, badcap;
	sd_plan_unresolved *badmx;  /* MX hosts without an address of domains that have units */
	size_t nbadmx, badmxcap;
	size_t ndomains;        /* distinct domains, resolved or not */
	char hash[72];          /* "sha256:" + hex */
	size_t *index;          /* open-addressing table of key -> unit + 1 */
	size_t index_cap;
} sd_fleet_plan;

typedef struct sd_make_plan_opts {
	const char *dns_servers;    /* NULL: resolv.conf */
	int dns_timeout_ms;
	unsigned mx_limit;          /* MX hosts per domain (0: 5) */
	unsigned port;              /* 0: 25 */
	const char *mx_map;         /* a file "DOMAIN HOST ADDRESS[,ADDRESS]" instead of DNS */
	unsigned parallel;          /* domains looked up at once (0: 32) */
} sd_make_plan_opts;

/* sd_plan_build - resolve every domain of TARGETS (or read O->mx_map)
 * into P; 0, or -1 and *err */
int sd_plan_build(sd_fleet_plan *p, const sd_target_list *targets, const sd_make_plan_opts *o, char **err);
/* sd_plan_write - P as JSON Lines to OUT (computes P->hash); 0 or -1 */
int sd_plan_write(sd_fleet_plan *p, FILE *out);
/* sd_plan_read - a plan file, its hash checked; 0, or -1 and *err */
int sd_plan_read(sd_fleet_plan *p, const char *file, char **err);
/* sd_plan_find - the unit with KEY, or NULL */
const sd_plan_unit *sd_plan_find(const sd_fleet_plan *p, const char *key);
/* sd_plan_free_all - free P */
void sd_plan_free_all(sd_fleet_plan *p);

/* sd_plan_assign - OUT[u] = the shard (0..N-1) of unit u: units by weight
 * (domains served) heaviest first, equal weights by address hash, each to
 * the least loaded shard so far (lowest index on a tie) */
void sd_plan_assign(const sd_fleet_plan *p, unsigned n, unsigned *out);

/* sd_shard_parse - "I/N" into *I, *N; 0, or -1 and *err */
int sd_shard_parse(const char *text, unsigned *i, unsigned *n, char **err);
/* sd_shard_from_env - I/N from SLURM_ARRAY_TASK_ID/_COUNT (less
 * SLURM_ARRAY_TASK_MIN) or JOB_COMPLETION_INDEX with COUNT (0: not
 * given); 1 found, 0 none, -1 and *err */
int sd_shard_from_env(unsigned count, unsigned *i, unsigned *n, char **err);

/* sd_plan_shard_targets - the units of shard I/N as server targets into
 * L (each keeps its unit key) */
void sd_plan_shard_targets(const sd_fleet_plan *p, unsigned i, unsigned n, sd_target_list *l);

typedef struct sd_merge_opts {
	const char *plan_file;
	const char *const *files;   /* shard outputs */
	size_t nfiles;
	int jsonl;                  /* JSON Lines on OUT, else text */
	const char *report_path;    /* HTML fleet report, or NULL */
	FILE *out;
	FILE *err;                  /* what is missing, refused */
} sd_merge_opts;

/* sd_merge - verify the shards against the plan and write the merged
 * result; the worst unit's exit status, 3 when verification fails */
int sd_merge(const sd_merge_opts *o);

#endif
