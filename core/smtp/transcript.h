/* SPDX-License-Identifier: MIT */
/*
 * transcript.h - the SMTP dialogue of one target, both directions, timed.
 *
 * Every line the session sends or receives is offered here; nothing is
 * stored unless the transcript is enabled. Credentials never reach it:
 * the AUTH initial response and the lines of an AUTH exchange are replaced
 * by a placeholder here, once, for every caller. Thread-safe, since probe
 * connections of one target may run in parallel.
 */
#ifndef SD_TRANSCRIPT_H
#define SD_TRANSCRIPT_H

#include <stddef.h>

#define SD_TRANSCRIPT_MAX_ENTRIES 20000
#define SD_TRANSCRIPT_MAX_LINE 1000

typedef enum { SD_DIR_CLIENT, SD_DIR_SERVER, SD_DIR_EVENT } sd_direction;

typedef struct sd_transcript_entry {
	unsigned conn;     /* connection number within the target, from 1 */
	double t_ms;       /* since the transcript started */
	sd_direction dir;
	char *text;
} sd_transcript_entry;

typedef struct sd_transcript sd_transcript;

/* sd_transcript_new - ENABLED 0 makes every add a no-op */
sd_transcript *sd_transcript_new(int enabled);
void sd_transcript_free(sd_transcript *t);
/* sd_transcript_next_conn - number for a new connection */
unsigned sd_transcript_next_conn(sd_transcript *t);
/* sd_transcript_add - record one line (redacting credentials) */
void sd_transcript_add(sd_transcript *t, unsigned conn, sd_direction dir, const char *line,
		       int secret);
/* sd_transcript_entries - the entries so far (call when no one adds) */
size_t sd_transcript_entries(const sd_transcript *t, const sd_transcript_entry **entries);
/* sd_transcript_dropped - entries not kept because of the cap */
size_t sd_transcript_dropped(const sd_transcript *t);

#endif
