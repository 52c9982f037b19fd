/* SPDX-License-Identifier: MIT */
/*
 * fleet.c - many targets, a pool of worker threads (see fleet.h).
 *
 * Shared state lives in one struct for the run, behind one mutex: the
 * index of the next target, the counters and the findings tally for the
 * summary, and the output stream. Workers do all the auditing outside the
 * lock and take it only to write a finished target and to count it.
 */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "fleet/fleet.h"
#include "report/reporters.h"
#include "report/report_html.h"
#include "report/result_json.h"
#include "base/util.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define WORKER_STACK (512 * 1024)
#define TOP_FINDINGS 10

typedef struct tally {
	char *id;
	sd_severity severity;     /* the worst seen */
	size_t targets;
	char *example;            /* "server: summary" of the first target */
} tally;

typedef struct fleet {
	const sd_fleet_job *job;
	pthread_mutex_t lock;
	pthread_cond_t tick;      /* wakes the progress thread early at the end */
	size_t next;              /* next target index */
	size_t running;
	sd_fleet_totals t;
	tally *tallies;
	size_t ntallies;
	json_t *reports;          /* SD_FLEET_JSON: every document, in finishing order */
	double t0;
	unsigned workers;         /* threads actually auditing */
	int progress_shown;       /* a bar is on the screen and must be cleared before output */
	int finished;
} fleet;

/* ---- categories and the findings tally ---- */

static int connect_failed(const sd_target_result *r)
{
	for (size_t i = 0; i < r->nchecks; i++)
		for (size_t j = 0; j < r->checks[i]->nfindings; j++) {
			const sd_finding *f = r->checks[i]->findings[j];
			if (f->severity >= SD_CRIT && strncmp(f->id, "connect.", 8) == 0)
				return 1;
		}
	return 0;
}

/* count_finding - count finding F of SERVER at PORT in the fleet's tallies
 * by id (keeping the worst severity and an example naming both: targets
 * that share a name differ by port) */
static void count_finding(fleet *F, const sd_finding *f, const char *server, unsigned port)
{
	for (size_t i = 0; i < F->ntallies; i++)
		if (strcmp(F->tallies[i].id, f->id) == 0) {
			F->tallies[i].targets++;
			if (f->severity > F->tallies[i].severity)
				F->tallies[i].severity = f->severity;
			return;
		}
	F->tallies = sd_xrealloc(F->tallies, (F->ntallies + 1) * sizeof(*F->tallies));
	F->tallies[F->ntallies++] = (tally){ sd_xstrdup(f->id), f->severity, 1,
					     port > 0 ? sd_asprintf("%s port %u: %s", server, port, f->summary)
						      : sd_asprintf("%s: %s", server, f->summary) };
}

/* tally_result - each finding id at warning or worse once per target */
static void tally_result(fleet *F, const sd_target_result *r)
{
	for (size_t i = 0; i < r->nchecks; i++)
		for (size_t j = 0; j < r->checks[i]->nfindings; j++) {
			const sd_finding *f = r->checks[i]->findings[j];
			int seen = 0;
			if (f->severity < SD_WARN || f->severity == SD_CHECK_ERROR)
				continue;
			for (size_t a = 0; a <= i && !seen; a++)
				for (size_t b = 0; b < (a == i ? j : r->checks[a]->nfindings) && !seen; b++)
					seen = strcmp(r->checks[a]->findings[b]->id, f->id) == 0;
			if (!seen)
				count_finding(F, f, r->is_domain ? r->cfg.domain : r->cfg.server,
					      r->is_domain ? 0 : r->cfg.port);
		}
}

/* classify - one of the summary's buckets, under F->lock */
static void classify(fleet *F, sd_severity worst, int exit_code, int unreachable)
{
	sd_fleet_totals *t = &F->t;

	t->done++;
	if (unreachable)
		t->unreachable++;
	else if (exit_code == 3)
		t->error++;
	else if (worst >= SD_CRIT)
		t->critical++;
	else if (worst >= SD_WARN)
		t->warning++;
	else
		t->ok++;
	if (exit_code > t->exit_code)
		t->exit_code = exit_code;
}

/* ---- progress ---- */

static void clear_progress(fleet *F)
{
	if (F->progress_shown) {
		fputs("\r\033[K", F->job->progress_out);
		fflush(F->job->progress_out);
		F->progress_shown = 0;
	}
}

/* terminal_columns - the width of the terminal behind OUT, asked again at
 * every redraw (four times a second), so a resized window (SIGWINCH) is
 * followed without a signal handler or any global state; 80 when unknown */
static unsigned terminal_columns(FILE *out)
{
	struct winsize ws;

	if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* progress_line - the status line for a terminal COLS wide into BUF: the
 * longest form that fits in COLS - 1 (the last column would wrap on some
 * terminals), shorter forms drop detail, the last resort is cut */
static void progress_line(fleet *F, unsigned cols, char *buf, size_t size)
{
	size_t n = F->job->targets->n, done = F->t.done, left = n - done;
	double elapsed = (sd_now_ms() - F->t0) / 1000.0;
	char eta[32] = "--:--", bar[64];
	size_t width = cols > 1 ? cols - 1 : 1;

	if (done == n) {
		snprintf(eta, sizeof(eta), "0:00");
	} else if (left <= F->running) {
		/* what is left is in flight: its time is its servers' (up to the
		 * timeouts), not the average so far, which would say 0:00 */
		snprintf(eta, sizeof(eta), "last %zu", left);
	} else if (done > 0) {
		long sec = (long)(elapsed / (double)done * (double)left + 0.5);
		sec = sec < 1 ? 1 : sec;
		snprintf(eta, sizeof(eta), "%ld:%02ld", sec / 60, sec % 60);
	}
	for (int form = 0; form < 5; form++) {
		char tail[160];
		switch (form) {
		case 0:
			snprintf(tail, sizeof(tail), " %zu/%zu  %zu running  ok %zu  warn %zu  crit %zu  unreachable %zu  "
				 "%.0fs  ETA %s", done, n, F->running, F->t.ok, F->t.warning, F->t.critical,
				 F->t.unreachable, elapsed, eta);
			break;
		case 1:
			snprintf(tail, sizeof(tail), " %zu/%zu ok %zu warn %zu crit %zu unr %zu ETA %s", done, n,
				 F->t.ok, F->t.warning, F->t.critical, F->t.unreachable, eta);
			break;
		case 2:
			snprintf(tail, sizeof(tail), " %zu/%zu ETA %s", done, n, eta);
			break;
		default:
			snprintf(tail, sizeof(tail), "%zu/%zu", done, n);
			break;
		}
		size_t tl = strlen(tail);
		/* a bar of 10 to 30 cells when it fits beside the text */
		if (form < 3 && width >= tl + 12) {
			size_t cells = width - tl - 2 > 30 ? 30 : width - tl - 2;
			size_t fill = n > 0 ? done * cells / n : cells;
			if (cells >= 10) {
				for (size_t i = 0; i < cells; i++)
					bar[i] = i < fill ? '#' : '.';
				bar[cells] = '\0';
				snprintf(buf, size, "[%s]%s", bar, tail);
				return;
			}
		}
		if (form >= 1 && tl <= width) {
			snprintf(buf, size, "%s", tail[0] == ' ' ? tail + 1 : tail);
			return;
		}
	}
	char d[32];   /* a terminal narrower than "d/n": as much of d as fits */
	snprintf(d, sizeof(d), "%zu", done);
	snprintf(buf, size, "%.*s", (int)width, d);
}

/* draw_progress - redraw the progress line over the terminal line, cut to its width */
static void draw_progress(fleet *F)
{
	char line[512];
	unsigned cols = terminal_columns(F->job->progress_out);

	progress_line(F, cols > sizeof(line) ? (unsigned)sizeof(line) : cols, line, sizeof(line));
	fprintf(F->job->progress_out, "\r\033[K%s", line);
	fflush(F->job->progress_out);
	F->progress_shown = 1;
}

/* progress_main - progress thread: redraw the progress line every 250 ms until
 * the fleet finishes, then clear it */
static void *progress_main(void *arg)
{
	fleet *F = arg;
	struct timespec ts;

	pthread_mutex_lock(&F->lock);
	while (!F->finished) {
		draw_progress(F);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 250 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&F->tick, &F->lock, &ts);
	}
	clear_progress(F);
	pthread_mutex_unlock(&F->lock);
	return NULL;
}

/* ---- one target ---- */

static void write_locked(fleet *F, const char *buf, size_t len)
{
	clear_progress(F);
	if (len > 0 && (fwrite(buf, 1, len, F->job->out) != len || fflush(F->job->out) != 0))
		F->t.write_failed = 1;
}

/* target_config - CFG: the job's template configuration for target T (its name,
 * address, domain and port) */
static void target_config(const sd_fleet_job *job, const sd_target_spec *t, sd_target_config *cfg)
{
	sd_target_config_copy(cfg, job->tmpl);
	free(cfg->server);
	free(cfg->address);
	free(cfg->domain);
	cfg->server = sd_xstrdup(t->name);
	cfg->address = t->address != NULL ? sd_xstrdup(t->address) : NULL;
	cfg->domain = t->kind == SD_TARGET_DOMAIN ? sd_xstrdup(t->name) : NULL;
	if (t->port != 0) {
		cfg->port = t->port;
		if (t->port == 465 && !job->tmpl_tls_explicit)    /* SMTPS, as for --port 465 */
			cfg->tls = SD_TLS_IMPLICIT;
	}
}

/* run_one - run target IDX of the fleet (its own profile and plan when the job
 * prepares one) and count its result */
static void run_one(fleet *F, size_t idx)
{
	const sd_fleet_job *job = F->job;
	const sd_target_spec *t = &job->targets->v[idx];
	sd_profile *own_profile = NULL;
	sd_plan own_plan = { 0 };
	const sd_profile *profile = job->profile;
	const sd_plan *plan = t->kind == SD_TARGET_DOMAIN ? job->domain_plan : job->server_plan;
	sd_target_config cfg;
	char *err = NULL;

	if (job->prepare != NULL) {
		if (job->prepare(job->prepare_ctx, t, &own_profile, &own_plan, &err) != 0) {
			pthread_mutex_lock(&F->lock);
			clear_progress(F);
			fprintf(stderr, "smtp-diag: %s: %s\n", t->origin, err);
			classify(F, SD_CHECK_ERROR, 3, 0);
			pthread_mutex_unlock(&F->lock);
			free(err);
			return;
		}
		profile = own_profile;
		plan = &own_plan;
	}
	target_config(job, t, &cfg);

	char *buf = NULL;
	size_t len = 0;
	FILE *mem = NULL;
	sd_reporter rep, *repp = NULL;
	sd_text_state ts;
	if (job->format == SD_FLEET_TEXT) {
		mem = open_memstream(&buf, &len);
		if (mem == NULL)
			abort();   /* out of memory: as sd_xcalloc */
		sd_text_options to = { .out = mem, .quiet = job->quiet, .verbose = job->verbose };
		sd_text_reporter_init(&rep, &ts, &to);
		repp = &rep;
	}

	json_t *doc = NULL;
	sd_severity worst;
	int exit_code, unreachable;
	sd_target_result *res = NULL;
	sd_domain_result *d = NULL;
	if (t->kind == SD_TARGET_DOMAIN) {
		d = sd_run_domain(plan, &cfg, profile, repp, job->transcript);
		worst = d->worst;
		exit_code = d->exit_code;
		unreachable = d->ntargets > 0;
		for (size_t i = 0; i < d->ntargets; i++)
			unreachable &= connect_failed(d->targets[i]);
		if (job->format != SD_FLEET_TEXT || job->report_path != NULL)
			doc = sd_domain_to_json(d);
	} else {
		res = sd_run_target(plan, &cfg, profile, repp, job->transcript);
		worst = res->worst;
		exit_code = res->exit_code;
		unreachable = connect_failed(res);
		if (job->format != SD_FLEET_TEXT || job->report_path != NULL)
			doc = sd_result_to_json(res);
	}
	if (mem != NULL)
		fclose(mem);
	if (doc != NULL && t->unit != NULL)   /* a plan's unit: the merge finds it by this key */
		json_object_set_new(doc, "unit", json_string(t->unit));
	char *line = NULL;
	if (doc != NULL && job->format == SD_FLEET_JSONL)
		line = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(10));

	pthread_mutex_lock(&F->lock);
	if (buf != NULL)
		write_locked(F, buf, len);
	if (line != NULL) {
		write_locked(F, line, strlen(line));
		write_locked(F, "\n", 1);
	}
	if (doc != NULL && (job->format == SD_FLEET_JSON || job->report_path != NULL))
		json_array_append(F->reports, doc);
	if (res != NULL)
		tally_result(F, res);
	for (size_t i = 0; d != NULL && i < d->ntargets; i++)
		tally_result(F, d->targets[i]);
	if (d != NULL)
		tally_result(F, d->domain);
	classify(F, worst, exit_code, unreachable);
	F->running--;
	pthread_mutex_unlock(&F->lock);

	free(line);
	free(buf);
	json_decref(doc);
	sd_target_result_free(res);
	sd_domain_result_free(d);
	sd_target_config_clear(&cfg);
	if (own_profile != NULL) {
		sd_plan_clear(&own_plan);
		job->free_profile(own_profile);
	}
}

/* worker_main - worker thread: take the next target and run it until none is left */
static void *worker_main(void *arg)
{
	fleet *F = arg;

	for (;;) {
		pthread_mutex_lock(&F->lock);
		size_t idx = F->next;
		if (idx < F->job->targets->n) {
			F->next++;
			F->running++;
		}
		pthread_mutex_unlock(&F->lock);
		if (idx >= F->job->targets->n)
			return NULL;
		run_one(F, idx);
	}
}

/* ---- the summary ---- */

static int by_targets(const void *a, const void *b)
{
	const tally *x = a, *y = b;

	if (x->targets != y->targets)
		return x->targets < y->targets ? 1 : -1;
	if (x->severity != y->severity)
		return x->severity < y->severity ? 1 : -1;
	return strcmp(x->id, y->id);
}

/* summary_json - the fleet summary as JSON: counts, duration, rate, verdict and the top findings */
static json_t *summary_json(const fleet *F, double ms)
{
	const sd_fleet_totals *t = &F->t;
	json_t *top = json_array();

	for (size_t i = 0; i < F->ntallies && i < TOP_FINDINGS; i++)
		json_array_append_new(top, json_pack("{s:s, s:s, s:I, s:o}", "id", F->tallies[i].id, "severity",
						     sd_severity_name(F->tallies[i].severity), "targets",
						     (json_int_t)F->tallies[i].targets, "example",
						     sd_json_text(F->tallies[i].example)));
	return json_pack("{s:I, s:I, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:i, s:s, s:o}", "targets",
			 (json_int_t)F->job->targets->n, "parallel", (json_int_t)F->workers, "duration_ms", ms,
			 "targets_per_second", ms > 0 ? (double)t->done * 1000.0 / ms : 0.0, "ok", (json_int_t)t->ok,
			 "warning", (json_int_t)t->warning, "critical", (json_int_t)t->critical, "unreachable",
			 (json_int_t)t->unreachable, "error", (json_int_t)t->error, "exit_code", t->exit_code,
			 "verdict", sd_verdict_name(t->exit_code), "top_findings", top);
}

/* summary_text - write the [SUMMARY] lines and the most frequent findings to the job's output */
static void summary_text(fleet *F, double ms)
{
	const sd_fleet_totals *t = &F->t;
	FILE *out = F->job->out;
	char dur[32];

	fprintf(out, "\n[SUMMARY] %zu targets in %s (%.1f/s, %u in parallel): %zu ok, %zu warning, %zu critical, "
		     "%zu unreachable%s",
		t->done, sd_format_ms(ms, dur, sizeof(dur)), ms > 0 ? (double)t->done * 1000.0 / ms : 0.0,
		F->workers, t->ok, t->warning, t->critical, t->unreachable, t->error ? "" : "\n");
	if (t->error)
		fprintf(out, ", %zu with errors\n", t->error);
	if (F->ntallies > 0)
		fprintf(out, "Most frequent findings (targets):\n");
	for (size_t i = 0; i < F->ntallies && i < TOP_FINDINGS; i++) {
		char *ex = sd_printable(F->tallies[i].example);
		fprintf(out, "  %6zu  %-8s %-32s e.g. %.100s\n", F->tallies[i].targets,
			sd_severity_name(F->tallies[i].severity), F->tallies[i].id, ex);
		free(ex);
	}
	if (fflush(out) != 0)
		F->t.write_failed = 1;
}

/* emit_summary - sort the findings by targets and emit the summary: HTML report, text or JSON */
static void emit_summary(fleet *F)
{
	double ms = sd_now_ms() - F->t0;

	if (F->ntallies > 1)   /* qsort(NULL, 0, ...) is undefined: a fleet with no finding at all */
		qsort(F->tallies, F->ntallies, sizeof(*F->tallies), by_targets);
	if (F->job->report_path != NULL) {   /* the same document --json prints, as HTML */
		json_t *full = json_object();
		json_object_set_new(full, "schema_version", json_integer(SD_JSON_SCHEMA_VERSION));
		json_object_set_new(full, "tool", json_pack("{s:s, s:s}", "name", "smtp-diag", "version",
							    PACKAGE_VERSION));
		json_object_set_new(full, "fleet", summary_json(F, ms));
		json_object_set(full, "reports", F->reports);
		sd_html_report_file(full, F->job->report_path, &F->t.report_error);
		json_decref(full);
	}
	if (F->job->format == SD_FLEET_TEXT) {
		summary_text(F, ms);
		return;
	}
	json_t *doc = json_object();
	json_object_set_new(doc, "schema_version", json_integer(SD_JSON_SCHEMA_VERSION));
	json_object_set_new(doc, "tool", json_pack("{s:s, s:s}", "name", "smtp-diag", "version", PACKAGE_VERSION));
	json_object_set_new(doc, "fleet", summary_json(F, ms));
	if (F->job->format == SD_FLEET_JSON)
		json_object_set(doc, "reports", F->reports);
	size_t flags = (F->job->format == SD_FLEET_JSONL ? JSON_COMPACT : JSON_INDENT(2)) | JSON_REAL_PRECISION(10);
	if (json_dumpf(doc, F->job->out, flags) != 0 || fputc('\n', F->job->out) == EOF || fflush(F->job->out) != 0)
		F->t.write_failed = 1;
	json_decref(doc);
}

/* enough_files - raise the soft descriptor limit for PARALLEL targets (each
 * may hold a main connection, a few probes, a DNS socket); the number of
 * workers the limit allows */
static unsigned enough_files(unsigned parallel)
{
	struct rlimit rl;
	const rlim_t per_target = 8, reserve = 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return parallel;
	rlim_t want = (rlim_t)parallel * per_target + reserve;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < want) {
		unsigned fit = rl.rlim_cur > reserve + per_target ? (unsigned)((rl.rlim_cur - reserve) / per_target) : 1;
		return fit < parallel ? fit : parallel;
	}
	return parallel;
}

/* sd_fleet_run - run JOB's targets on parallel worker threads (within the
 * open-files limit); totals in TOTALS */
int sd_fleet_run(const sd_fleet_job *job, sd_fleet_totals *totals)
{
	fleet F = { .job = job };
	size_t n = job->targets->n;
	unsigned workers = job->parallel > 0 ? job->parallel : 1;
	pthread_t *th, prog;
	pthread_attr_t attr;
	pthread_condattr_t ca;
	int prog_started = 0;

	if (workers > n)
		workers = (unsigned)n;
	unsigned fit = enough_files(workers);
	if (fit < workers) {
		fprintf(stderr, "smtp-diag: warning: the open-files limit allows only %u targets in parallel "
				"(asked for %u; raise 'ulimit -n')\n", fit, workers);
		workers = fit;
	}
	pthread_mutex_init(&F.lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&F.tick, &ca);
	pthread_condattr_destroy(&ca);
	F.reports = json_array();
	F.t0 = sd_now_ms();
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);

	if (job->jsonl_header != NULL && job->format == SD_FLEET_JSONL) {
		write_locked(&F, job->jsonl_header, strlen(job->jsonl_header));
		write_locked(&F, "\n", 1);
	}
	if (job->progress && pthread_create(&prog, &attr, progress_main, &F) == 0)
		prog_started = 1;
	th = sd_xcalloc(workers, sizeof(*th));
	unsigned started = 0;
	for (; started < workers; started++)
		if (pthread_create(&th[started], &attr, worker_main, &F) != 0)
			break;
	F.workers = started > 0 ? started : 1;
	if (started == 0)            /* no thread at all: do the work here */
		worker_main(&F);
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_lock(&F.lock);
	F.finished = 1;
	pthread_cond_broadcast(&F.tick);
	pthread_mutex_unlock(&F.lock);
	if (prog_started)
		pthread_join(prog, NULL);
	pthread_attr_destroy(&attr);
	free(th);

	emit_summary(&F);
	*totals = F.t;
	for (size_t i = 0; i < F.ntallies; i++) {
		free(F.tallies[i].id);
		free(F.tallies[i].example);
	}
	free(F.tallies);
	json_decref(F.reports);
	pthread_cond_destroy(&F.tick);
	pthread_mutex_destroy(&F.lock);
	return totals->write_failed ? 3 : totals->exit_code;
}
