/* SPDX-License-Identifier: MIT */
/*
 * clock.h - monotonic time for phase timings and deadlines.
 *
 * All durations in smtpdiag are measured with CLOCK_MONOTONIC so that a
 * wall-clock step (NTP) never shows up as a slow server.
 */
#ifndef SD_CLOCK_H
#define SD_CLOCK_H

/* sd_now_ms - milliseconds on the monotonic clock (arbitrary origin) */
double sd_now_ms(void);
/* sd_remaining_ms - milliseconds left until DEADLINE, never negative, as an
 * int suitable for poll() (capped at INT_MAX) */
int sd_remaining_ms(double deadline);

#endif
