/* SPDX-License-Identifier: MIT */
/*
 * transcript.c - the SMTP dialogue of one target, both directions, timed.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "smtp/transcript.h"
#include "base/util.h"

struct sd_transcript {
	int enabled;
	double t0;
	pthread_mutex_t lock;
	unsigned conns;
	sd_transcript_entry *v;
	size_t n, cap, dropped;
};

/* sd_transcript_new - an empty transcript */
sd_transcript *sd_transcript_new(int enabled)
{
	sd_transcript *t = sd_xcalloc(1, sizeof(*t));

	t->enabled = enabled;
	t->t0 = sd_now_ms();
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

/* sd_transcript_free - free entries and the transcript */
void sd_transcript_free(sd_transcript *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].text);
	free(t->v);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* sd_transcript_next_conn - a fresh connection number */
unsigned sd_transcript_next_conn(sd_transcript *t)
{
	unsigned n;

	pthread_mutex_lock(&t->lock);
	n = ++t->conns;
	pthread_mutex_unlock(&t->lock);
	return n;
}

/* redact - the text to store for a client line */
static char *redact(const char *line, int secret)
{
	if (secret)
		return sd_xstrdup("********");
	if (strncasecmp(line, "AUTH ", 5) == 0) {
		/* keep "AUTH MECH", hide any initial response */
		const char *mech = line + 5;
		size_t ml = strcspn(mech, " ");
		if (mech[ml] != '\0')
			return sd_asprintf("AUTH %.*s ********", (int)ml, mech);
	}
	return NULL;
}

/* sd_transcript_add - record a line */
void sd_transcript_add(sd_transcript *t, unsigned conn, sd_direction dir, const char *line,
		       int secret)
{
	if (t == NULL || !t->enabled)
		return;
	char *text = dir == SD_DIR_CLIENT ? redact(line, secret) : NULL;
	if (text == NULL) {
		size_t len = strlen(line);
		if (len > SD_TRANSCRIPT_MAX_LINE)
			text = sd_asprintf("%.*s... [%zu more bytes]", SD_TRANSCRIPT_MAX_LINE, line,
					   len - SD_TRANSCRIPT_MAX_LINE);
		else
			text = sd_xstrdup(line);
	}
	pthread_mutex_lock(&t->lock);
	if (t->n >= SD_TRANSCRIPT_MAX_ENTRIES) {
		t->dropped++;
		pthread_mutex_unlock(&t->lock);
		free(text);
		return;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = sd_xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n++] = (sd_transcript_entry){ conn, sd_now_ms() - t->t0, dir, text };
	pthread_mutex_unlock(&t->lock);
}

/* sd_transcript_entries - read access for reporters */
size_t sd_transcript_entries(const sd_transcript *t, const sd_transcript_entry **entries)
{
	*entries = t != NULL ? t->v : NULL;
	return t != NULL ? t->n : 0;
}

/* sd_transcript_dropped - how many entries the cap refused */
size_t sd_transcript_dropped(const sd_transcript *t)
{
	return t != NULL ? t->dropped : 0;
}
