/* SPDX-License-Identifier: MIT */
/*
 * limiter.h - politeness towards the audited servers, shared by one run.
 *
 * Every TCP connection a run opens (main sessions, STARTTLS enforcement,
 * relay and cipher probes alike) asks the limiter first:
 *  - per destination: at most PER_DEST connections open at once to one IP
 *    address, whichever target or check opens them. A probe's own parent
 *    session, idle while its probes run, does not count against them, so a
 *    bound of 1 means one conversation at a time per address.
 *  - globally: at most RATE new connections per second (token bucket with
 *    a burst of one second's worth); 0 means no limit.
 * It also remembers which address:port pairs accepted a connection during
 * the run, so that a later refusal from one of them can be recognised as
 * rate limiting rather than "nothing listens".
 *
 * One limiter per run, created by the CLI and handed to every target by
 * pointer; all calls are thread-safe. No global state.
 */
#ifndef SD_LIMITER_H
#define SD_LIMITER_H

#include <stddef.h>

typedef struct sd_limiter sd_limiter;

/* sd_limiter_new - PER_DEST >= 1 connections per address, RATE connections
 * per second over the whole run (0: unlimited) */
sd_limiter *sd_limiter_new(unsigned per_dest, double rate);
/* sd_limiter_free - NULL is fine; no slot may be held any more */
void sd_limiter_free(sd_limiter *l);

/* sd_limiter_acquire - wait for a slot to ADDR (numeric address) and for a
 * rate token, at most until DEADLINE (sd_now_ms() clock). OWNER_HOLDS is
 * 1 when the caller's parent session holds a slot to ADDR that it is not
 * using meanwhile. 0 with the slot held, -1 when the deadline passed.
 * *WAITED_MS (may be NULL) gets the time spent waiting. */
int sd_limiter_acquire(sd_limiter *l, const char *addr, int owner_holds, double deadline, double *waited_ms);
/* sd_limiter_release - give back a slot taken by sd_limiter_acquire */
void sd_limiter_release(sd_limiter *l, const char *addr);

/* sd_limiter_mark_ok - ADDR port PORT accepted a connection */
void sd_limiter_mark_ok(sd_limiter *l, const char *addr, unsigned port);
/* sd_limiter_was_ok - 1 if ADDR port PORT accepted a connection earlier in the run */
int sd_limiter_was_ok(sd_limiter *l, const char *addr, unsigned port);

/* sd_limiter_per_dest - the per-address bound */
unsigned sd_limiter_per_dest(const sd_limiter *l);

#endif
