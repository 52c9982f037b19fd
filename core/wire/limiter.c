/* SPDX-License-Identifier: MIT */
/*
 * limiter.c - per-address connection bound, global connection rate, and
 * the run's memory of which destinations answered (see limiter.h).
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "wire/limiter.h"
#include "base/util.h"

#define NBUCKETS 1024u

typedef struct dest {
	struct dest *next;
	unsigned open;            /* slots held */
	char key[];               /* "addr" (slots) or "addr|port" (answered) */
} dest;

struct sd_limiter {
	pthread_mutex_t lock;
	pthread_cond_t changed;   /* a slot was released or tokens refilled */
	unsigned per_dest;
	double rate;              /* tokens per millisecond, 0: none */
	double tokens;
	double refilled_at;
	dest *slots[NBUCKETS];
	dest *answered[NBUCKETS];
};

/* hash - the FNV-1a hash of S, reduced to a bucket index */
static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;             /* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % NBUCKETS;
}

/* find - the entry of TABLE for KEY; created (zeroed) when missing and CREATE, else NULL */
static dest *find(dest **table, const char *key, int create)
{
	dest **head = &table[hash(key)];

	for (dest *d = *head; d != NULL; d = d->next)
		if (strcmp(d->key, key) == 0)
			return d;
	if (!create)
		return NULL;
	size_t n = strlen(key) + 1;
	dest *d = sd_xcalloc(1, sizeof(*d) + n);
	memcpy(d->key, key, n);
	d->next = *head;
	*head = d;
	return d;
}

/* free_table - free every entry of the hash table TABLE */
static void free_table(dest **table)
{
	for (unsigned i = 0; i < NBUCKETS; i++)
		for (dest *d = table[i], *next; d != NULL; d = next) {
			next = d->next;
			free(d);
		}
}

/* sd_limiter_new - a limiter of PER_DEST connections per destination and RATE
 * new ones a second (0: no rate) */
sd_limiter *sd_limiter_new(unsigned per_dest, double rate)
{
	sd_limiter *l = sd_xcalloc(1, sizeof(*l));
	pthread_condattr_t ca;

	pthread_mutex_init(&l->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->changed, &ca);
	pthread_condattr_destroy(&ca);
	l->per_dest = per_dest > 0 ? per_dest : 1;
	l->rate = rate > 0 ? rate / 1000.0 : 0;
	l->tokens = rate > 0 ? rate : 0;     /* a second's burst */
	l->refilled_at = sd_now_ms();
	return l;
}

/* sd_limiter_free - free L and its tables (NULL is fine) */
void sd_limiter_free(sd_limiter *l)
{
	if (l == NULL)
		return;
	free_table(l->slots);
	free_table(l->answered);
	pthread_cond_destroy(&l->changed);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

/* sd_limiter_per_dest - how many connections L lets one destination have open at once */
unsigned sd_limiter_per_dest(const sd_limiter *l)
{
	return l->per_dest;
}

/* wait_until - sleep on the condition until woken or AT (monotonic ms) */
static void wait_until(sd_limiter *l, double at)
{
	struct timespec ts;

	if (at < 0)
		at = 0;
	ts.tv_sec = (time_t)(at / 1000.0);
	ts.tv_nsec = (long)fmod(at * 1e6, 1e9);
	pthread_cond_timedwait(&l->changed, &l->lock, &ts);
}

/* refill - add the tokens earned since the last refill, capped at a burst */
static void refill(sd_limiter *l, double now)
{
	double burst = l->rate * 1000.0 < 1 ? 1 : l->rate * 1000.0;

	l->tokens += (now - l->refilled_at) * l->rate;
	if (l->tokens > burst)
		l->tokens = burst;
	l->refilled_at = now;
}

/* sd_limiter_acquire - wait (up to DEADLINE) for a free connection slot to ADDR
 * and take it; -1 on timeout */
int sd_limiter_acquire(sd_limiter *l, const char *addr, int owner_holds, double deadline, double *waited_ms)
{
	double t0 = sd_now_ms();
	int rc = 0;

	pthread_mutex_lock(&l->lock);
	dest *d = find(l->slots, addr, 1);
	for (;;) {
		unsigned counted = d->open - (owner_holds && d->open > 0 ? 1u : 0u);
		if (counted < l->per_dest)
			break;
		if (sd_now_ms() >= deadline) {
			rc = -1;
			goto out;
		}
		wait_until(l, deadline);
	}
	d->open++;
	while (l->rate > 0) {
		double now = sd_now_ms();
		refill(l, now);
		if (l->tokens >= 1) {
			l->tokens -= 1;
			break;
		}
		if (now >= deadline) {
			d->open--;
			pthread_cond_broadcast(&l->changed);
			rc = -1;
			goto out;
		}
		double at = now + (1 - l->tokens) / l->rate;
		wait_until(l, at < deadline ? at : deadline);
	}
out:
	pthread_mutex_unlock(&l->lock);
	if (waited_ms != NULL)
		*waited_ms = sd_now_ms() - t0;
	return rc;
}

/* sd_limiter_release - give back a connection slot to ADDR and wake the waiters */
void sd_limiter_release(sd_limiter *l, const char *addr)
{
	pthread_mutex_lock(&l->lock);
	dest *d = find(l->slots, addr, 0);
	if (d != NULL && d->open > 0)
		d->open--;
	pthread_cond_broadcast(&l->changed);
	pthread_mutex_unlock(&l->lock);
}

/* answered_key - the table key "ADDR|PORT" of a destination into BUF */
static void answered_key(char *buf, size_t n, const char *addr, unsigned port)
{
	snprintf(buf, n, "%s|%u", addr, port);
}

/* sd_limiter_mark_ok - remember that ADDR port PORT answered */
void sd_limiter_mark_ok(sd_limiter *l, const char *addr, unsigned port)
{
	char key[128];

	answered_key(key, sizeof(key), addr, port);
	pthread_mutex_lock(&l->lock);
	find(l->answered, key, 1);
	pthread_mutex_unlock(&l->lock);
}

/* sd_limiter_was_ok - has ADDR port PORT been marked as answering */
int sd_limiter_was_ok(sd_limiter *l, const char *addr, unsigned port)
{
	char key[128];

	answered_key(key, sizeof(key), addr, port);
	pthread_mutex_lock(&l->lock);
	int ok = find(l->answered, key, 0) != NULL;
	pthread_mutex_unlock(&l->lock);
	return ok;
}
