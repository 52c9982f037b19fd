/* SPDX-License-Identifier: MIT */
/*
 * clock.c - monotonic time for phase timings and deadlines.
 */
#include <limits.h>
#include <math.h>
#include <time.h>

#include "base/clock.h"

/* sd_now_ms - milliseconds on the monotonic clock */
double sd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* sd_remaining_ms - time left until DEADLINE for poll(), rounded up */
int sd_remaining_ms(double deadline)
{
	double left = deadline - sd_now_ms();

	if (left <= 0)
		return 0;
	if (left >= (double)INT_MAX)
		return INT_MAX;
	return (int)ceil(left);
}
