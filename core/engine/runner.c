/* SPDX-License-Identifier: MIT */
/*
 * runner.c - order the checks, run them on one target, collect results.
 *
 * Ordering is the profile's order, with every check's prerequisites moved
 * in front of it (depth first). A check whose prerequisite did not
 * establish what it needs (SD_RUN_FAILED, skipped, or an error) is skipped
 * with "needs X", so a dead port gives one critical finding, not six.
 *
 * A check that talks only over connections of its own (relay-light) starts
 * on a thread as soon as its prerequisites are done, beside the main
 * session; it is joined, and reported, at its place in the profile order.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "engine/answers.h"
#include "engine/mx.h"
#include "engine/runner.h"
#include "smtp/session_internal.h"
#include "base/util.h"

/* addresses of one MX host audited, in parallel, at most (more are a misconfiguration) */
#define SD_MX_ADDRESS_MAX 8

/* sd_exit_code - documented mapping, monitoring-plugins compatible */
int sd_exit_code(sd_severity worst)
{
	switch (worst) {
	case SD_OK:
	case SD_INFO:
		return 0;
	case SD_WARN:
		return 1;
	case SD_CRIT:
		return 2;
	default:
		return 3;
	}
}

/* plan_has - is check C in PLAN */
static int plan_has(const sd_plan *plan, const sd_check *c)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->items[i].check == c)
			return 1;
	return 0;
}

/* add - append C after its prerequisites; STACK detects require loops */
static int add(sd_plan *plan, const sd_profile *profile, const sd_registry *reg, const sd_check *c,
	       int prerequisite, const sd_check **stack, int depth, char **err)
{
	if (plan_has(plan, c))
		return 0;
	for (int i = 0; i < depth; i++)
		if (stack[i] == c) {
			*err = sd_asprintf("checks '%s' and '%s' require each other", stack[depth - 1]->name,
					   c->name);
			return -1;
		}
	if (depth >= 64) {
		*err = sd_asprintf("check '%s': prerequisites nested too deep", c->name);
		return -1;
	}
	stack[depth] = c;
	for (const char *const *r = c->requires; r != NULL && *r != NULL; r++) {
		const sd_check *dep = sd_registry_find(reg, *r);
		if (dep == NULL) {
			*err = sd_asprintf("check '%s' requires check '%s', which is not loaded", c->name, *r);
			return -1;
		}
		if (dep->scope != c->scope) {
			*err = sd_asprintf("check '%s' requires check '%s', which looks at %s, not at %s", c->name,
					   *r, dep->scope == SD_SCOPE_DOMAIN ? "the mail domain" : "one server",
					   c->scope == SD_SCOPE_DOMAIN ? "the mail domain" : "one server");
			return -1;
		}
		if (add(plan, profile, reg, dep, 1, stack, depth + 1, err) != 0)
			return -1;
	}
	sd_plan_item it = { .check = c, .added_as_prerequisite = prerequisite };
	sd_profile_check *pc = profile != NULL ? sd_profile_find_check(profile, c->name) : NULL;
	if (pc != NULL && pc->bound != NULL) {
		it.params = pc->bound;
		it.overrides = pc->overrides;
		it.noverrides = pc->noverrides;
	} else {
		sd_params *p = sd_params_new(c->params);
		plan->owned = sd_xrealloc(plan->owned, (plan->nowned + 1) * sizeof(*plan->owned));
		plan->owned[plan->nowned++] = p;
		it.params = p;
	}
	plan->items = sd_xrealloc(plan->items, (plan->n + 1) * sizeof(*plan->items));
	plan->items[plan->n++] = it;
	return 0;
}

/* sd_plan_make - ordered checks with prerequisites */
int sd_plan_make(sd_plan *plan, const sd_profile *profile, const sd_registry *reg,
		 const char *const *only, size_t nonly, char **err)
{
	const sd_check *stack[64];

	memset(plan, 0, sizeof(*plan));
	plan->kb = sd_kb_new();
	for (size_t i = 0; profile != NULL && i < profile->ndiagnoses; i++)
		sd_kb_add(plan->kb, &profile->diagnoses[i]);
	plan->vendor = profile != NULL ? profile->vendor : NULL;
	plan->profile = profile;
	if (only != NULL && nonly > 0) {
		for (size_t i = 0; i < nonly; i++) {
			const sd_check *c = sd_registry_find(reg, only[i]);
			if (c == NULL) {
				const char *why = sd_registry_refusal(reg, only[i]);
				*err = why != NULL
					? sd_asprintf("--checks: check '%s' is not available: its module was refused: %s",
						      only[i], why)
					: sd_asprintf("--checks: unknown check '%s' (see --list-checks)", only[i]);
				sd_plan_clear(plan);
				return -1;
			}
			if (add(plan, profile, reg, c, 0, stack, 0, err) != 0) {
				sd_plan_clear(plan);
				return -1;
			}
		}
		return 0;
	}
	for (size_t i = 0; profile != NULL && i < profile->nchecks; i++) {
		const sd_profile_check *pc = &profile->checks[i];
		if (pc->disabled)
			continue;
		if (pc->check == NULL) {
			*err = sd_asprintf("profile check '%s' was not bound to a module", pc->name);
			sd_plan_clear(plan);
			return -1;
		}
		if (add(plan, profile, reg, pc->check, 0, stack, 0, err) != 0) {
			sd_plan_clear(plan);
			return -1;
		}
	}
	if (plan->n == 0) {
		*err = sd_xstrdup("nothing to run: the profile enables no checks");
		return -1;
	}
	return 0;
}

/* sd_plan_drop_domain_checks - without --domain there is no domain to look at */
void sd_plan_drop_domain_checks(sd_plan *plan)
{
	size_t k = 0;

	for (size_t i = 0; i < plan->n; i++)
		if (plan->items[i].check->scope != SD_SCOPE_DOMAIN)
			plan->items[k++] = plan->items[i];
	plan->n = k;
}

/* sd_plan_clear - free the plan */
void sd_plan_clear(sd_plan *plan)
{
	for (size_t i = 0; i < plan->nowned; i++)
		sd_params_free(plan->owned[i]);
	free(plan->owned);
	free(plan->items);
	sd_kb_free(plan->kb);
	memset(plan, 0, sizeof(*plan));
}

/* find_report - the report of check NAME in RES (NULL when it has none) */
static sd_report *find_report(sd_target_result *res, const char *name)
{
	for (size_t i = 0; i < res->nchecks; i++)
		if (strcmp(res->checks[i]->check, name) == 0)
			return res->checks[i];
	return NULL;
}

/* blocked_by - the first prerequisite that did not succeed, or NULL */
static sd_report *blocked_by(sd_target_result *res, const sd_check *c)
{
	for (const char *const *r = c->requires; r != NULL && *r != NULL; r++) {
		sd_report *dep = find_report(res, *r);
		if (dep == NULL || dep->state == SD_CHECK_SKIPPED || dep->run_status != SD_RUN_DONE)
			return dep;
	}
	return NULL;
}

#define RESULT_SUMMARY_MAX 200   /* bytes of the worst finding's summary in the one-line result */

/* summarize - the one-line result shown as [RESULT] and in JSON */
static char *summarize(const sd_target_result *res)
{
	size_t crit = 0, warn = 0, err = 0;
	const sd_finding *worst = NULL;

	for (size_t i = 0; i < res->nchecks; i++) {
		const sd_report *r = res->checks[i];
		for (size_t j = 0; j < r->nfindings; j++) {
			const sd_finding *f = r->findings[j];
			crit += f->severity == SD_CRIT;
			warn += f->severity == SD_WARN;
			err += f->severity == SD_CHECK_ERROR;
			if (worst == NULL || f->severity > worst->severity)
				worst = f;
		}
	}
	if (worst != NULL && worst->severity >= SD_WARN) {
		char counts[128];
		snprintf(counts, sizeof(counts), "%zu critical, %zu warning%s%s", crit, warn,
			 warn == 1 ? "" : "s", err ? ", check errors" : "");
		/* one line: a long list (a dozen suite names) is cut before a
		 * clause; the finding keeps it whole (text and --json) */
		size_t keep = sd_clause_prefix(worst->summary, RESULT_SUMMARY_MAX);
		if (worst->summary[keep] == '\0')
			return sd_asprintf("%s (%s)", worst->summary, counts);
		return sd_asprintf("%.*s ... (%s)", (int)keep, worst->summary, counts);
	}
	if (res->answers_line != NULL && res->answers_line[0])
		return sd_xstrdup(res->answers_line);
	char *out = sd_xstrdup("");
	for (size_t i = 0; i < res->nchecks; i++) {
		const sd_report *r = res->checks[i];
		if (r->summary == NULL || r->state != SD_CHECK_RAN)
			continue;
		/* a domain's parts say whose they are ("SPF: 1 DNS lookup",
		 * "DMARC: p=reject"); a server's summaries name themselves */
		char label[32] = "";
		if (res->is_domain && r->check != NULL) {
			size_t k = 0;
			for (; r->check[k] != '\0' && k + 3 < sizeof(label); k++)
				label[k] = (char)toupper((unsigned char)r->check[k]);
			snprintf(label + k, sizeof(label) - k, ": ");
		}
		char *n = sd_asprintf("%s%s%s%s", out, out[0] ? "; " : "", label, r->summary);
		free(out);
		out = n;
	}
	if (out[0] == '\0') {
		free(out);
		out = sd_xstrdup("no problems found");
	}
	return out;
}

/* diagnose - the knowledge base's cause and fix for each finding of R, in
 * the vendor's words (the profile's vendor:, else the banner's software) */
static void diagnose(const sd_plan *plan, const sd_session *s, sd_report *r)
{
	const char *vendor = plan->vendor != NULL ? plan->vendor : sd_session_software(s);

	for (size_t i = 0; i < r->nfindings; i++) {
		sd_finding *f = r->findings[i];
		const char *cause, *fix;
		const char *refs = sd_kb_references(f->id);
		while (refs != NULL && *refs != '\0') {
			/* "CVE-2016-2183 RFC 7465": each reference is one or two words */
			char ref[48];
			size_t n = strcspn(refs, " ");
			if (strncmp(refs, "RFC", 3) == 0 && refs[n] == ' ')
				n += 1 + strcspn(refs + n + 1, " ");
			snprintf(ref, sizeof(ref), "%.*s", (int)n, refs);
			sd_finding_reference(f, ref);
			refs += n;
			refs += strspn(refs, " ");
		}
		if (!sd_kb_explain(plan->kb, f->kind != NULL ? f->kind : f->id, vendor, &cause, &fix))
			continue;
		if (cause != NULL) {
			free(f->cause);
			f->cause = sd_kb_expand(cause, sd_session_server(s), sd_session_port(s));
		}
		if (fix != NULL) {
			free(f->fix);
			f->fix = sd_kb_expand(fix, sd_session_server(s), sd_session_port(s));
		}
	}
}

/* count_scope - how many checks of PLAN have SCOPE */
static size_t count_scope(const sd_plan *plan, sd_check_scope scope)
{
	size_t n = 0;

	for (size_t i = 0; i < plan->n; i++)
		n += plan->items[i].check->scope == scope;
	return n;
}

/* result_new - a target result for CFG and PROFILE with room for PLAN's reports, phases unset */
static sd_target_result *result_new(const sd_plan *plan, const sd_target_config *cfg,
				    const sd_profile *profile, int transcript)
{
	sd_target_result *res = sd_xcalloc(1, sizeof(*res));

	sd_target_config_copy(&res->cfg, cfg);
	res->profile_name = sd_xstrdup(profile != NULL ? profile->name : "");
	res->profile_path = sd_xstrdup(profile != NULL ? profile->path : "");
	res->started = time(NULL);
	res->transcript = sd_transcript_new(transcript);
	res->checks = sd_xcalloc(plan->n + 1, sizeof(sd_report *));
	for (int i = 0; i < SD_PHASE_COUNT; i++)
		res->phases[i] = -1;
	res->mx_preference = -1;
	for (size_t i = 0; cfg->domain != NULL && i < cfg->nmx; i++)
		if (strcmp(cfg->mx[i].name, cfg->server) == 0)
			res->mx_preference = (int)cfg->mx[i].preference;
	return res;
}

/* report_for - a new report for check NAME (INDEX of TOTAL) added to RES, its phases sent to REP */
static sd_report *report_for(sd_target_result *res, const sd_reporter *rep, const char *name,
			     const char *title, int index, int total)
{
	sd_report *r = sd_report_new(name, title);

	r->index = index;
	r->total = total;
	if (rep != NULL) {
		r->on_phase = rep->check_phase;
		r->on_phase_ctx = rep->ctx;
	}
	res->checks[res->nchecks++] = r;
	return r;
}

/* A check run beside the main session. */
typedef struct side_run {
	const sd_plan_item *it;
	sd_session *f;          /* sd_session_detach() of the main session */
	sd_report *r;
	pthread_t th;
	int started;
	double c0;
} side_run;

/* beside - may check C run on a thread beside the main session, and once
 * which check of the plan is done (NULL: its prerequisites)? Only a check
 * that opens every connection itself, or only asks DNS, and reads nothing
 * of the main session but its greeting, EHLO, name and peer */
static int beside(const sd_check *c, const char **after)
{
	*after = NULL;
	/* relay-light and user-enum open their own plain connections once EHLO
	 * is known; cipher probes open theirs once STARTTLS worked */
	if (strcmp(c->name, "relay-light") == 0 || strcmp(c->name, "user-enum") == 0 ||
	    strcmp(c->name, "cipher") == 0)
		return 1;
	if (strcmp(c->name, "ptr") == 0) {
		*after = "ehlo";   /* it compares the names of the greeting and EHLO with the PTR */
		return 1;
	}
	if (strcmp(c->name, "dane") == 0) {
		*after = "starttls";   /* TLSA records against the certificate the main session got */
		return 1;
	}
	return 0;
}

/* side_main - thread body: the check on its detached session */
static void *side_main(void *arg)
{
	side_run *d = arg;

	d->r->run_status = d->it->check->run(d->f, d->it->params, d->r);
	d->r->duration_ms = sd_now_ms() - d->c0;
	return NULL;
}

/* start_beside - after item DONE ran: start every later check that may run
 * beside the main session and whose prerequisites are all done */
static void start_beside(const sd_plan *plan, sd_check_scope scope, size_t done, sd_session *s,
			 sd_target_result *res, side_run *side)
{
	for (size_t j = done + 1; j < plan->n; j++) {
		const sd_plan_item *it = &plan->items[j];
		const char *after;
		if (it->check->scope != scope || side[j].started || !beside(it->check, &after))
			continue;
		int ready = it->check->requires != NULL;
		for (const char *const *q = it->check->requires; ready && q != NULL && *q != NULL; q++) {
			sd_report *dep = find_report(res, *q);
			ready = dep != NULL && dep->state != SD_CHECK_SKIPPED && dep->run_status == SD_RUN_DONE;
		}
		if (ready && after != NULL) {
			sd_report *dep = find_report(res, after);
			ready = dep != NULL && dep->state != SD_CHECK_SKIPPED && dep->run_status == SD_RUN_DONE;
		}
		/* after STARTTLS: only with a handshake to lend (else the check
		 * runs at its place and may ask the main session for one) */
		if (ready && after != NULL && strcmp(after, "starttls") == 0)
			ready = sd_session_tls(s) != NULL || sd_session_tls_broken(s) != NULL;
		if (!ready)
			continue;
		side_run *d = &side[j];
		d->it = it;
		d->r = sd_report_new(it->check->name, it->check->title);
		d->r->overrides = it->overrides;
		d->r->noverrides = it->noverrides;
		d->f = sd_session_detach(s);
		d->c0 = sd_now_ms();
		if (pthread_create(&d->th, NULL, side_main, d) == 0) {
			d->started = 1;
		} else {   /* no thread: it runs at its place in the order */
			sd_session_free(d->f);
			sd_report_free(d->r);
			memset(d, 0, sizeof(*d));
		}
	}
}

/* join_beside - wait for the check started beside the main session, and
 * put its report at its place in the order */
static sd_report *join_beside(side_run *d, sd_target_result *res, const sd_reporter *rep, int index, int total)
{
	pthread_join(d->th, NULL);
	sd_session_free(d->f);
	sd_report *r = d->r;
	r->index = index;
	r->total = total;
	if (rep != NULL) {
		r->on_phase = rep->check_phase;
		r->on_phase_ctx = rep->ctx;
	}
	res->checks[res->nchecks++] = r;
	d->started = 0;
	return r;
}

/* deadline_finding - the run's --deadline passed during check R, in the
 * wait WAITING: R's own findings (timeouts the deadline caused) give way to
 * one finding with the state chosen for it (-t N:STATE), as check_smtp */
static void deadline_finding(const sd_target_result *res, sd_report *r, const char *waiting)
{
	static const sd_severity sev[] = { SD_INFO, SD_WARN, SD_CRIT, SD_CHECK_ERROR };
	int st = res->cfg.run_deadline_state >= 0 && res->cfg.run_deadline_state <= 3 ? res->cfg.run_deadline_state : 2;
	double s = res->cfg.run_deadline_ms / 1000.0;

	sd_report_drop_findings(r);
	r->run_status = SD_RUN_FAILED;
	sd_finding *f = sd_report_finding(r, sev[st], "run.deadline", "timed out after %g s %s", s,
					  waiting != NULL && waiting[0] != '\0' ? waiting : "before the first wait");
	sd_finding_cause(f, "the whole run has a deadline (--deadline, check_smtpdiag -t) and the server was still "
			    "being waited for when it passed: a server that never answers, or answers too slowly");
	sd_finding_fix(f, "look at the phase named: a greeting that never comes is a stalled or overloaded server "
			  "(or a firewall that accepts and drops); raise the deadline if the server is known to be slow");
}

/* has_deadline_finding - RES already says the run's deadline passed */
static int has_deadline_finding(const sd_target_result *res)
{
	for (size_t i = 0; i < res->nchecks; i++)
		for (size_t j = 0; j < res->checks[i]->nfindings; j++)
			if (strcmp(res->checks[i]->findings[j]->id, "run.deadline") == 0)
				return 1;
	return 0;
}

/* sender_side_check - a domain check about the mail the domain sends (SPF,
 * DMARC): it applies to a domain with a null MX too (RFC 7505 4.: such a
 * domain should publish "v=spf1 -all" and a DMARC reject policy) */
static int sender_side_check(const sd_check *c)
{
	return strcmp(c->name, "spf") == 0 || strcmp(c->name, "dmarc") == 0 || strcmp(c->name, "dkim") == 0;
}

/* vendor_differs - the profile's vendor words the fixes, but the server
 * names other software: say so (info) on R, the banner or EHLO report that
 * just named it and is not shown yet, or an administrator follows fixes
 * for a server they do not run. Once per target. */
static void vendor_differs(const sd_plan *plan, sd_session *s, sd_target_result *res, sd_report *r)
{
	const char *sw = sd_session_software(s);

	if (plan->vendor == NULL || sw == NULL || sw[0] == '\0' || r->state != SD_CHECK_RAN ||
	    sd_kb_vendor_matches(plan->vendor, sw))
		return;
	for (size_t i = 0; i < res->nchecks; i++)
		for (size_t j = 0; j < res->checks[i]->nfindings; j++)
			if (strcmp(res->checks[i]->findings[j]->id, "banner.vendor_differs") == 0)
				return;
	sd_finding *f = sd_report_finding(r, SD_INFO, "banner.vendor_differs",
					  "the profile words its fixes for %s, but the server identifies as %s",
					  plan->vendor, sw);
	sd_finding_cause(f, "a vendor profile (vendor: %s) was chosen for a server that runs other software",
			 plan->vendor);
	sd_finding_fix(f, "use the profile of the software the server runs (or the default profile, whose fixes "
			  "follow the software the server names)");
}

/* run_items - the plan's checks of SCOPE on session S, numbered from FIRST;
 * all skipped with BLOCKED as the reason when it is set, except the
 * sender-side checks when SENDER_SIDE is set (a null MX) */
static void run_items(const sd_plan *plan, sd_check_scope scope, sd_session *s, sd_target_result *res,
		      const sd_reporter *rep, int first, int total, const char *blocked, const char *sender_side)
{
	int index = first;
	char wbuf[96];
	side_run *side = sd_xcalloc(plan->n + 1, sizeof(*side));

	for (size_t i = 0; i < plan->n; i++) {
		const sd_plan_item *it = &plan->items[i];
		if (it->check->scope != scope)
			continue;
		if (side[i].started) {
			sd_report *r = join_beside(&side[i], res, rep, index++, total);
			if (r->run_status == SD_RUN_ERROR && sd_report_status(r) != SD_CHECK_ERROR)
				sd_report_finding(r, SD_CHECK_ERROR, "check.error", "check '%s' could not run",
						  it->check->name);
			diagnose(plan, s, r);
			if (rep != NULL && rep->check_end != NULL)
				rep->check_end(rep->ctx, r);
			continue;
		}
		sd_report *r = report_for(res, rep, it->check->name, it->check->title, index++, total);
		r->overrides = it->overrides;
		r->noverrides = it->noverrides;

		sd_report *dep = blocked_by(res, it->check);
		int expired = blocked == NULL && sd_run_expired(&res->cfg);
		if (expired)
			blocked = "the run's deadline (--deadline) had passed";
		/* a null MX blocks all but the sender-side checks; the run's
		 * deadline blocks everything */
		if (blocked != NULL && (expired || !(sender_side != NULL && sender_side_check(it->check)))) {
			r->state = SD_CHECK_SKIPPED;
			r->run_status = SD_RUN_FAILED;
			r->skip_reason = sd_xstrdup(blocked);
			if (expired && !has_deadline_finding(res))
				deadline_finding(res, r, sd_session_waiting(s, wbuf, sizeof(wbuf)));
			if (expired)
				blocked = NULL;   /* the next check looks again (and is skipped the same way) */
		} else if (dep != NULL || (it->check->requires != NULL && it->check->requires[0] != NULL &&
				    find_report(res, it->check->requires[0]) == NULL)) {
			r->state = SD_CHECK_SKIPPED;
			r->run_status = SD_RUN_FAILED;
			r->skip_reason = sd_asprintf("needs %s", dep != NULL ? dep->check : it->check->requires[0]);
		} else {
			double c0 = sd_now_ms(), waited0;
			unsigned b0 = sd_session_backoffs(s, &waited0, NULL);
			unsigned u0 = sd_session_unsolicited(s, NULL);
			sd_run_status st = it->check->run(s, it->params, r);
			const char *utext;
			if (u0 == 0 && sd_session_unsolicited(s, &utext) > 0) {
				sd_finding *f = sd_report_finding(r, SD_WARN, "smtp.unsolicited_reply",
								  "the server sent a reply to a command never sent: %s",
								  utext);
				sd_finding_cause(f, "the server or a proxy in front of it is out of step with the "
						    "dialogue: it answers twice, sends replies ahead of commands, or a "
						    "middlebox injects text. A client that does not check takes it for "
						    "the answer to its next command");
				sd_finding_fix(f, "read the transcript (--transcript); test without the proxy or "
						  "inspection device, and check the server's own logs for the extra reply");
			}
			double waited;
			const char *why;
			unsigned b = sd_session_backoffs(s, &waited, &why);
			if (b > b0)   /* the core backed off during this check: say so, never "not SMTP" */
				sd_report_finding(r, SD_INFO, "smtp.rate_limited",
						  "the server rate-limits this client (%s): %u retr%s after %.1f s "
						  "of back-off", why, b - b0, b - b0 == 1 ? "y" : "ies",
						  (waited - waited0) / 1000.0);
			r->duration_ms = sd_now_ms() - c0;
			r->run_status = st;
			if (st == SD_RUN_ERROR && sd_report_status(r) != SD_CHECK_ERROR)
				sd_report_finding(r, SD_CHECK_ERROR, "check.error",
						  "check '%s' could not run", it->check->name);
			diagnose(plan, s, r);
			/* the software is known from the greeting, or from EHLO when
			 * the banner is anonymous: before the report is shown */
			if (strcmp(it->check->name, "banner") == 0 || strcmp(it->check->name, "ehlo") == 0)
				vendor_differs(plan, s, res, r);
			if (sd_run_expired(&res->cfg))
				deadline_finding(res, r, sd_session_waiting(s, wbuf, sizeof(wbuf)));
			if (blocked == NULL)
				start_beside(plan, scope, i, s, res, side);
		}
		if (rep != NULL && rep->check_end != NULL)
			rep->check_end(rep->ctx, r);
	}
	free(side);
}

/* domain_requirement - does REQ look at the domain (one of its checks is
 * a domain check of the plan) rather than at each server? */
static int domain_requirement(const sd_plan *plan, const sd_requirement *req)
{
	for (size_t c = 0; c < req->nchecks; c++)
		if (strcmp(req->checks[c], "mx") == 0 && count_scope(plan, SD_SCOPE_DOMAIN) > 0)
			return 1;   /* MX discovery: the domain part of a --domain run */
	for (size_t c = 0; c < req->nchecks; c++)
		for (size_t i = 0; i < plan->n; i++)
			if (plan->items[i].check->scope == SD_SCOPE_DOMAIN &&
			    strcmp(plan->items[i].check->name, req->checks[c]) == 0)
				return 1;
	return 0;
}

/* judge_compliance - the profile's requirements that apply to this part */
static void judge_compliance(const sd_plan *plan, sd_target_result *res)
{
	const sd_profile *p = plan->profile;

	for (size_t i = 0; p != NULL && i < p->nrequirements; i++) {
		const sd_requirement *req = &p->requirements[i];
		if (domain_requirement(plan, req) != res->is_domain)
			continue;
		res->compliance = sd_xrealloc(res->compliance, (res->ncompliance + 1) * sizeof(*res->compliance));
		sd_compliance_row *row = &res->compliance[res->ncompliance++];
		sd_compliance_judge(req, res->checks, res->nchecks, row);
		res->req_passed += row->status == SD_REQ_PASS;
		res->req_failed += row->status == SD_REQ_FAIL;
		res->req_not_tested += row->status == SD_REQ_NOT_TESTED;
	}
}

/* finish - worst status, exit code, summary, duration; then the reporter */
static void finish(const sd_plan *plan, sd_target_result *res, const sd_reporter *rep, int transcript, double t0)
{
	res->worst = SD_OK;
	for (size_t i = 0; i < res->nchecks; i++) {
		sd_severity st = sd_report_status(res->checks[i]);
		if (st > res->worst)
			res->worst = st;
	}
	judge_compliance(plan, res);
	if (!res->is_domain)
		res->answers = sd_answers_build(res, &res->answers_line);
	res->summary = summarize(res);
	if (res->req_failed > 0) {
		/* a failed requirement is never "OK", whatever the findings' own
		 * severity; the summary names the requirements that failed */
		int findings_worse = res->worst >= SD_WARN;
		if (res->worst < SD_WARN)
			res->worst = SD_WARN;
		char *ids = sd_xstrdup("");
		for (size_t i = 0; i < res->ncompliance; i++) {
			if (res->compliance[i].status != SD_REQ_FAIL)
				continue;
			char *n = sd_asprintf("%s%s%s", ids, ids[0] ? ", " : "", res->compliance[i].req->id);
			free(ids);
			ids = n;
		}
		const char *name = plan->profile->compliance_name != NULL ? plan->profile->compliance_name
									   : plan->profile->name;
		char *n = findings_worse ? sd_asprintf("%s: %zu of %zu requirements failed (%s); %s", name, res->req_failed,
						       res->ncompliance, ids, res->summary)
					 : sd_asprintf("%s: %zu of %zu requirements failed (%s)", name, res->req_failed,
						       res->ncompliance, ids);
		/* the answers' "worst" names them when no finding is a warning */
		if (res->answers != NULL && json_is_null(json_object_get(res->answers, "worst"))) {
			json_t *w = json_object();
			json_object_set_new(w, "id", json_string("compliance.failed"));
			json_object_set_new(w, "severity", json_string("warning"));
			json_object_set_new(w, "summary", json_string(n));
			json_object_set_new(res->answers, "worst", w);
		}
		free(ids);
		free(res->summary);
		res->summary = n;
	}
	res->exit_code = sd_exit_code(res->worst);
	res->duration_ms = sd_now_ms() - t0;
	if (!transcript) {
		sd_transcript_free(res->transcript);
		res->transcript = NULL;
	}
	if (rep != NULL && rep->target_end != NULL)
		rep->target_end(rep->ctx, res);
}

/* run_target - one session, every server check of the plan in order; the
 * result is not finished (no verdict yet, nothing told to target_end) */
static sd_target_result *run_target(const sd_plan *plan, const sd_target_config *cfg,
				    const sd_profile *profile, const sd_reporter *rep, int transcript)
{
	sd_target_result *res = result_new(plan, cfg, profile, transcript);
	size_t total = count_scope(plan, SD_SCOPE_SERVER);

	sd_session *s = sd_session_new(cfg, res->transcript);
	sd_session_set_kb(s, plan->kb);
	/* the certificate check looks at what senders without SNI get: that
	 * handshake starts with the main connection and runs beside it */
	for (size_t i = 0; i < plan->n; i++)
		if (strcmp(plan->items[i].check->name, "certificate") == 0)
			sd_session_set_prefetch_without_sni(s, 1);
	if (rep != NULL && rep->target_begin != NULL)
		rep->target_begin(rep->ctx, res, total);
	run_items(plan, SD_SCOPE_SERVER, s, res, rep, 1, (int)total, NULL, NULL);

	sd_session_quit(s);
	for (int i = 0; i < SD_PHASE_COUNT; i++)
		res->phases[i] = sd_session_phase_ms(s, (sd_phase)i);
	sd_strlcpy(res->ehlo_name, sd_session_ehlo_name(s), sizeof(res->ehlo_name));
	sd_strlcpy(res->peer, sd_session_peer(s), sizeof(res->peer));
	sd_strlcpy(res->local, sd_session_local(s), sizeof(res->local));
	sd_session_free(s);
	return res;
}

/* sd_run_target - one session, every server check of the plan in order */
sd_target_result *sd_run_target(const sd_plan *plan, const sd_target_config *cfg,
				 const sd_profile *profile, const sd_reporter *rep, int transcript)
{
	double t0 = sd_now_ms();
	sd_target_result *res = run_target(plan, cfg, profile, rep, transcript);

	finish(plan, res, rep, transcript, t0);
	return res;
}

/* One address of an MX host, audited on a thread of its own. */
typedef struct addr_job {
	const sd_plan *plan;
	const sd_profile *profile;
	sd_target_config cfg;
	int transcript;
	double t0;
	sd_target_result *res;
} addr_job;

/* addr_job_run - thread body: the server checks on one address, unreported */
static void *addr_job_run(void *arg)
{
	addr_job *j = arg;

	j->t0 = sd_now_ms();
	j->res = run_target(j->plan, &j->cfg, j->profile, NULL, j->transcript);
	return NULL;
}

/* fact_text - the string fact KEY of check CHECK in RES, or NULL */
static const char *fact_text(sd_target_result *res, const char *check, const char *key)
{
	sd_report *r = find_report(res, check);

	if (r == NULL || r->state != SD_CHECK_RAN || r->facts == NULL)
		return NULL;
	return json_string_value(json_object_get(r->facts, key));
}

/* reachable - 1 the address answered, 0 it did not, -1 not tried (no connect check) */
static int reachable(sd_target_result *res)
{
	sd_report *r = find_report(res, "connect");

	if (r != NULL && r->state == SD_CHECK_RAN)
		return r->run_status == SD_RUN_DONE;
	return res->peer[0] != '\0' ? 1 : -1;
}

/* same_json - the facts KEY of CHECK equal in A and B (both absent counts as equal) */
static int same_json(sd_target_result *a, sd_target_result *b, const char *check, const char *key)
{
	sd_report *x = find_report(a, check), *y = find_report(b, check);
	json_t *u = x != NULL && x->state == SD_CHECK_RAN ? json_object_get(x->facts, key) : NULL;
	json_t *v = y != NULL && y->state == SD_CHECK_RAN ? json_object_get(y->facts, key) : NULL;

	if (u == NULL || v == NULL)
		return 1;
	return json_equal(u, v);
}

/* compare_addresses - the findings about one MX host as a whole, from the
 * results of its addresses (JOBS, N > 1): an address that does not answer
 * while another does, nodes that differ. They go into an "addresses" report
 * of the first address's result; a dead address's own connect finding
 * becomes a warning (the host is reachable, mail is delayed, not lost) */
static void compare_addresses(const char *host, addr_job *jobs, size_t n)
{
	sd_target_result *first = jobs[0].res;
	size_t alive = 0, dead = 0, ref = n;

	for (size_t i = 0; i < n; i++) {
		int up = reachable(jobs[i].res);
		alive += up == 1;
		dead += up == 0;
		if (up == 1 && ref == n)
			ref = i;
	}
	first->checks = sd_xrealloc(first->checks, (first->nchecks + 1) * sizeof(*first->checks));
	sd_report *r = sd_report_new("addresses", "Addresses of the MX host");
	first->checks[first->nchecks++] = r;
	r->index = r->total = (int)first->nchecks;
	sd_report_phase(r, "every address of %s", host);
	for (size_t i = 0; i < n; i++) {
		int up = reachable(jobs[i].res);
		sd_report_fact_map_add(r, "reachable", jobs[i].cfg.address, up == 1 ? "yes" : up == 0 ? "no" : "not tested");
	}
	sd_report_fact_int(r, "addresses_total", (long long)n);
	sd_report_fact_int(r, "addresses_reachable", (long long)alive);
	if (alive > 0 && dead > 0) {
		for (size_t i = 0; i < n; i++) {
			sd_target_result *t = jobs[i].res;
			if (reachable(t) != 0)
				continue;
			sd_report *c = find_report(t, "connect");
			const char *why = c != NULL ? json_string_value(json_object_get(c->facts, "error")) : NULL;
			for (size_t k = 0; c != NULL && k < c->nfindings; k++)
				if (c->findings[k]->severity == SD_CRIT)
					c->findings[k]->severity = SD_WARN;
			sd_finding *f = sd_report_finding(r, SD_WARN, "mx.address_unreachable",
							  "%s: address %s does not answer (%s) while %s does", host,
							  jobs[i].cfg.address, why != NULL ? why : "no connection",
							  jobs[ref].cfg.address);
			sd_finding_cause(f, "senders try the addresses of an MX host in turn; those that try %s first%s wait for a timeout or a refusal on every message: delays, deferrals, and mail lost when they give up",
					 jobs[i].cfg.address,
					 strchr(jobs[i].cfg.address, ':') != NULL ? " (IPv6 is preferred by most)" : "");
			sd_finding_fix(f, "make the SMTP server listen on %s (Postfix: inet_protocols = all, inet_interfaces), open the firewall for it, or remove the %s record of %s",
				       jobs[i].cfg.address, strchr(jobs[i].cfg.address, ':') != NULL ? "AAAA" : "A", host);
			sd_finding_detail(f, "host", "%s", host);
			sd_finding_detail(f, "address", "%s", jobs[i].cfg.address);
		}
	}
	/* cluster nodes: every address that answered should be the same server */
	for (size_t i = 0; ref < n && i < n; i++) {
		sd_target_result *a = jobs[ref].res, *b = jobs[i].res;
		if (i == ref || reachable(b) != 1)
			continue;
		const char *ca = fact_text(a, "certificate", "sha256"), *cb = fact_text(b, "certificate", "sha256");
		const char *what = NULL;
		if (ca != NULL && cb != NULL && strcmp(ca, cb) != 0)
			what = "certificate";
		else if (!same_json(a, b, "ehlo", "capabilities") || !same_json(a, b, "ehlo", "server_name"))
			what = "EHLO reply";
		if (what == NULL)
			continue;
		sd_finding *f = sd_report_finding(r, SD_WARN, "mx.nodes_inconsistent",
						  "%s: the %s at %s differs from the one at %s", host, what,
						  jobs[i].cfg.address, jobs[ref].cfg.address);
		sd_finding_cause(f, "the addresses of one MX host reach servers configured differently (cluster nodes out of step, a load balancer with a forgotten node, IPv6 handled by another server): senders see one or the other at random");
		sd_finding_fix(f, "configure every node the same (certificate, TLS settings, extensions); compare them with --server %s --address ADDRESS",
			       host);
		sd_finding_detail(f, "host", "%s", host);
		sd_finding_detail(f, "address", "%s", jobs[i].cfg.address);
		sd_finding_detail(f, "differs_in", "%s", what);
	}
	sd_report_summary(r, "%zu of %zu addresses answer", alive, n);
	r->state = SD_CHECK_RAN;
	r->run_status = SD_RUN_DONE;
}

/* run_host - every address of one MX host (HOST's ADDRESSES, comma-separated),
 * in parallel, each its own result appended to D; the host's findings as a
 * whole (compare_addresses) before they are reported */
static void run_host(const sd_plan *plan, const sd_target_config *dcfg, const sd_mx_host *host,
		     const sd_profile *profile, const sd_reporter *rep, int transcript, sd_domain_result *d)
{
	addr_job jobs[SD_MX_ADDRESS_MAX];
	pthread_t tid[SD_MX_ADDRESS_MAX];
	int started[SD_MX_ADDRESS_MAX];
	size_t n = 0;
	char *list = sd_xstrdup(host->addresses), *save = NULL;

	for (char *a = strtok_r(list, ",", &save); a != NULL && n < SD_MX_ADDRESS_MAX; a = strtok_r(NULL, ",", &save)) {
		addr_job *j = &jobs[n++];
		memset(j, 0, sizeof(*j));
		j->plan = plan;
		j->profile = profile;
		j->transcript = transcript;
		sd_target_config_copy(&j->cfg, dcfg);
		free(j->cfg.server);
		j->cfg.server = sd_xstrdup(host->name);
		free(j->cfg.address);
		j->cfg.address = sd_xstrdup(a);
		/* a host started in time runs its checks with their own timeouts: its DNS
		 * lookups (PTR, TLSA) cut short by the domain's deadline would be false findings */
		j->cfg.deadline = 0;
	}
	free(list);
	if (n == 1) {
		jobs[0].res = sd_run_target(plan, &jobs[0].cfg, profile, rep, transcript);
	} else {
		for (size_t i = 0; i < n; i++)
			started[i] = pthread_create(&tid[i], NULL, addr_job_run, &jobs[i]) == 0;
		for (size_t i = 0; i < n; i++) {
			if (started[i])
				pthread_join(tid[i], NULL);
			else
				addr_job_run(&jobs[i]);
		}
		compare_addresses(host->name, jobs, n);
		/* now the reporter sees each address's result, in the DNS order */
		for (size_t i = 0; i < n; i++) {
			sd_target_result *res = jobs[i].res;
			if (rep != NULL && rep->target_begin != NULL)
				rep->target_begin(rep->ctx, res, res->nchecks);
			for (size_t k = 0; k < res->nchecks; k++) {
				res->checks[k]->index = (int)k + 1;
				res->checks[k]->total = (int)res->nchecks;
				if (rep != NULL && rep->check_end != NULL)
					rep->check_end(rep->ctx, res->checks[k]);
			}
			finish(plan, res, rep, transcript, jobs[i].t0);
		}
	}
	for (size_t i = 0; i < n; i++) {
		sd_target_config_clear(&jobs[i].cfg);
		d->targets = sd_xrealloc(d->targets, (d->ntargets + 1) * sizeof(*d->targets));
		d->targets[d->ntargets++] = jobs[i].res;
		if (jobs[i].res->worst > d->worst)
			d->worst = jobs[i].res->worst;
	}
}

/* deadline_result - the result of an MX host not audited because the
 * domain's deadline (BUDGET ms) had passed: one finding, no connection */
static sd_target_result *deadline_result(const sd_plan *plan, const sd_target_config *cfg,
					 const sd_profile *profile, const sd_reporter *rep, int transcript,
					 int budget)
{
	double t0 = sd_now_ms();
	sd_target_result *res = result_new(plan, cfg, profile, transcript);

	if (rep != NULL && rep->target_begin != NULL)
		rep->target_begin(rep->ctx, res, 1);
	sd_report *r = report_for(res, rep, "deadline", "Domain deadline", 1, 1);
	sd_finding *f = sd_report_finding(r, SD_WARN, "domain.deadline",
					  "%s not audited: the deadline of the domain audit (%.1f s) passed", cfg->server,
					  budget / 1000.0);
	sd_finding_cause(f, "the audit of the domain's earlier MX hosts and checks used up --domain-deadline (slow or unresponsive servers)");
	sd_finding_fix(f, "audit this host alone (--server %s), or raise --domain-deadline", cfg->server);
	r->run_status = SD_RUN_FAILED;
	if (rep != NULL && rep->check_end != NULL)
		rep->check_end(rep->ctx, r);
	finish(plan, res, rep, transcript, t0);
	return res;
}

/* domain_summary - the domain's line when something is wrong: the counts
 * of the whole domain (discovery and every MX host), and as headline that
 * no MX host could be reached when none could (mail cannot be delivered at
 * all), else the worst finding, the MX hosts in preference order before
 * the domain's own (a primary's problem before a backup's missing address) */
static char *domain_summary(const sd_domain_result *d, size_t hosts)
{
	size_t crit = 0, warn = 0, err = 0, reached = 0;
	const sd_finding *worst = NULL;
	const char *where = "";

	for (size_t t = 0; t <= d->ntargets; t++) {
		const sd_target_result *res = t < d->ntargets ? d->targets[t] : d->domain;
		if (t < d->ntargets)
			reached += reachable((sd_target_result *)res) == 1;
		for (size_t i = 0; i < res->nchecks; i++)
			for (size_t j = 0; j < res->checks[i]->nfindings; j++) {
				const sd_finding *f = res->checks[i]->findings[j];
				crit += f->severity == SD_CRIT;
				warn += f->severity == SD_WARN;
				err += f->severity == SD_CHECK_ERROR;
				if (worst == NULL || f->severity > worst->severity) {
					worst = f;
					where = t < d->ntargets ? res->cfg.server : "";
				}
			}
	}
	char counts[128];
	snprintf(counts, sizeof(counts), "%zu critical, %zu warning%s%s", crit, warn, warn == 1 ? "" : "s",
		 err ? ", check errors" : "");
	if (reached == 0)
		return sd_asprintf("%zu MX host%s audited; none could be reached: mail to this domain cannot be "
				   "delivered (%s)", hosts, hosts == 1 ? "" : "s", counts);
	return sd_asprintf("%zu MX host%s audited; %s%s%s (%s)", hosts, hosts == 1 ? "" : "s", where,
			   where[0] ? ": " : "", worst != NULL ? worst->summary : "", counts);
}

/* sd_run_domain - MX discovery, the domain checks, then every MX host */
sd_domain_result *sd_run_domain(const sd_plan *plan, const sd_target_config *cfg,
				 const sd_profile *profile, const sd_reporter *rep, int transcript)
{
	char wbuf[96];
	double t0 = sd_now_ms();
	sd_domain_result *d = sd_xcalloc(1, sizeof(*d));
	sd_target_config dcfg;

	sd_target_config_copy(&dcfg, cfg);
	free(dcfg.server);
	dcfg.server = sd_xstrdup(cfg->domain);
	free(dcfg.address);
	dcfg.address = NULL;
	/* one deadline for the whole domain: MX discovery, the domain checks'
	 * lookups, and no MX host started after it */
	int budget = cfg->domain_deadline_ms > 0 ? cfg->domain_deadline_ms : SD_DOMAIN_DEADLINE_DEFAULT_MS;
	dcfg.deadline = t0 + budget;
	if (cfg->run_deadline > 0 && cfg->run_deadline < dcfg.deadline)
		dcfg.deadline = cfg->run_deadline;   /* --deadline: the whole run */

	sd_target_result *res = result_new(plan, &dcfg, profile, transcript);
	size_t total = count_scope(plan, SD_SCOPE_DOMAIN) + 1;
	sd_session *s = sd_session_new(&dcfg, res->transcript);
	sd_session_set_kb(s, plan->kb);
	res->is_domain = 1;
	if (rep != NULL && rep->target_begin != NULL)
		rep->target_begin(rep->ctx, res, total);

	/* MX discovery is the core's: the server checks need its answer */
	sd_report *mx = report_for(res, rep, "mx", "MX records", 1, (int)total);
	double m0 = sd_now_ms();
	mx->run_status = sd_mx_discover(s, &dcfg, mx);
	mx->duration_ms = sd_now_ms() - m0;
	sd_target_config_share_mx(&dcfg);   /* every result below shares it: memory linear in the MX count */
	diagnose(plan, s, mx);
	if (sd_run_expired(&dcfg))
		deadline_finding(res, mx, sd_session_waiting(s, wbuf, sizeof(wbuf)));
	if (rep != NULL && rep->check_end != NULL)
		rep->check_end(rep->ctx, mx);
	sd_session_free(s);

	/* the domain checks see the MX list */
	sd_target_config_clear(&res->cfg);
	sd_target_config_copy(&res->cfg, &dcfg);
	s = sd_session_new(&dcfg, res->transcript);
	sd_session_set_kb(s, plan->kb);
	/* a domain that does not exist, or takes no mail, has nothing more to check */
	int null_mx = dcfg.nmx == 0 && json_is_true(json_object_get(mx->facts, "null_mx"));
	run_items(plan, SD_SCOPE_DOMAIN, s, res, rep, 2, (int)total,
		  mx->run_status == SD_RUN_DONE ? NULL : null_mx ? "the domain accepts no mail (null MX)" : "needs mx",
		  null_mx ? "null MX" : NULL);
	sd_session_free(s);
	finish(plan, res, rep, transcript, t0);
	d->domain = res;

	d->worst = res->worst;
	size_t hosts = 0;
	for (size_t i = 0; i < dcfg.nmx; i++) {
		if (dcfg.mx[i].addresses == NULL || dcfg.mx[i].addresses[0] == '\0')
			continue;
		hosts++;
		if (sd_now_ms() < dcfg.deadline) {
			run_host(plan, &dcfg, &dcfg.mx[i], profile, rep, transcript, d);
			continue;
		}
		sd_target_config tcfg;
		sd_target_config_copy(&tcfg, &dcfg);
		free(tcfg.server);
		tcfg.server = sd_xstrdup(dcfg.mx[i].name);
		tcfg.address = sd_xstrdup(dcfg.mx[i].addresses);
		tcfg.deadline = 0;
		/* past the domain's deadline: the host is reported, not audited;
		 * past the whole run's (--deadline), its run says so itself */
		sd_target_result *t = sd_run_expired(&dcfg) ? sd_run_target(plan, &tcfg, profile, rep, transcript)
							    : deadline_result(plan, &tcfg, profile, rep, transcript, budget);
		sd_target_config_clear(&tcfg);
		d->targets = sd_xrealloc(d->targets, (d->ntargets + 1) * sizeof(*d->targets));
		d->targets[d->ntargets++] = t;
		if (t->worst > d->worst)
			d->worst = t->worst;
	}
	sd_target_config_clear(&dcfg);
	d->exit_code = sd_exit_code(d->worst);
	if (d->ntargets == 0)
		d->summary = sd_asprintf("no MX host to audit; %s", d->domain->summary);
	else if (d->worst >= SD_WARN)
		d->summary = domain_summary(d, hosts);
	else
		d->summary = sd_asprintf("%zu MX host%s audited, no problems found", hosts,
					 hosts == 1 ? "" : "s");
	d->duration_ms = sd_now_ms() - t0;
	if (rep != NULL && rep->domain_end != NULL)
		rep->domain_end(rep->ctx, d);
	return d;
}

/* sd_domain_result_free - NULL is fine */
void sd_domain_result_free(sd_domain_result *d)
{
	if (d == NULL)
		return;
	sd_target_result_free(d->domain);
	for (size_t i = 0; i < d->ntargets; i++)
		sd_target_result_free(d->targets[i]);
	free(d->targets);
	free(d->summary);
	free(d);
}

/* sd_target_result_free - free the result and its reports */
void sd_target_result_free(sd_target_result *res)
{
	if (res == NULL)
		return;
	for (size_t i = 0; i < res->nchecks; i++)
		sd_report_free(res->checks[i]);
	free(res->checks);
	for (size_t i = 0; i < res->ncompliance; i++)
		sd_compliance_row_clear(&res->compliance[i]);
	free(res->compliance);
	sd_transcript_free(res->transcript);
	sd_target_config_clear(&res->cfg);
	free(res->profile_name);
	free(res->profile_path);
	free(res->summary);
	free(res->answers_line);
	json_decref(res->answers);
	free(res);
}
