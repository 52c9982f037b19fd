/* SPDX-License-Identifier: MIT */
/*
 * test_profile.c - the profile loader: good files resolve as documented,
 * bad files fail with file:line:column and a message that says what.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/plugin_loader.h"
#include "engine/profile.h"
#include "engine/runner.h"

static sd_registry *reg;
static char dirs[4096];       /* shipped profiles */
static char testdir[4096];    /* tests/profiles */

static int setup(void **state)
{
	char *err = NULL;
	const char *src = getenv("SD_TOP_SRCDIR"), *plugins = getenv("SMTPDIAG_PLUGIN_DIR");
	(void)state;

	if (src == NULL || plugins == NULL) {
		fprintf(stderr, "run through 'make check' (SD_TOP_SRCDIR, SMTPDIAG_PLUGIN_DIR unset)\n");
		return -1;
	}
	snprintf(dirs, sizeof(dirs), "%s/profiles", src);
	snprintf(testdir, sizeof(testdir), "%s/tests/profiles", src);
	reg = sd_registry_new();
	if (sd_registry_load_dir(reg, plugins, &err) != 0) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return -1;
	}
	return 0;
}

/* teardown - free the registry of checks */
static int teardown(void **state)
{
	(void)state;
	sd_registry_free(reg);
	return 0;
}

/* load - load and bind tests/profiles/NAME; returns the error or NULL */
static char *load(const char *name, sd_profile **out)
{
	char path[8192];
	char *err = NULL;

	snprintf(path, sizeof(path), "%s/%s", testdir, name);
	sd_profile *p = sd_profile_load(path, dirs, &err);
	if (p != NULL && sd_profile_bind(p, reg, &err) != 0) {
		sd_profile_free(p);
		p = NULL;
	}
	if (out != NULL)
		*out = p;
	else
		sd_profile_free(p);
	return err;
}

/* test_bad_files - each bad profile file is refused with its file:line:column and what is wrong */
static void test_bad_files(void **state)
{
	static const struct {
		const char *file, *where, *what;
	} rows[] = {
		{ "bad-syntax.yaml", "bad-syntax.yaml:5:", "YAML syntax error" },
		{ "bad-unknown-check.yaml", "bad-unknown-check.yaml:4:5: ", "unknown check 'ehloo'" },
		{ "bad-unknown-key.yaml", "bad-unknown-key.yaml:4:3: ", "unknown key 'prot' in 'target'" },
		{ "bad-param-type.yaml", "bad-param-type.yaml:5:17: ", "'min_size' expects an integer, got 'lots'" },
		{ "bad-unknown-param.yaml", "bad-unknown-param.yaml:4:7: ", "has no parameter 'require_hostnme'" },
		{ "bad-port.yaml", "bad-port.yaml:2:9: ", "port must be a number from 1 to 65535" },
		{ "bad-duration.yaml", "bad-duration.yaml:3:14: ", "expects a duration" },
		{ "bad-severity.yaml", "bad-severity.yaml:4:18: ", "severity must be ok, info, warning or critical" },
		{ "bad-severity-id.yaml", "bad-severity-id.yaml:4:7: ", "does not belong to check 'ehlo'" },
		{ "bad-loop-a.yaml", "bad-loop-b.yaml:1:10: ", "makes a loop" },
		{ "bad-alias.yaml", "bad-alias.yaml:2:9: ", "aliases" },
		{ "bad-checks-kind.yaml", "bad-checks-kind.yaml:2:3: ", "'checks' must be a list" },
		{ "bad-duplicate-key.yaml", "bad-duplicate-key.yaml:2:1: ", "duplicate key 'name'" },
		{ "bad-list-for-int.yaml", "bad-list-for-int.yaml:4:17: ", "expects a integer, got a list" },
		{ "bad-empty.yaml", "bad-empty.yaml: ", "the profile is empty" },
		{ "bad-tls.yaml", "bad-tls.yaml:2:8: ", "tls must be none, starttls or implicit" },
		{ "does-not-exist.yaml", "does-not-exist.yaml'", "No such file" },
		{ "bad-diagnosis-code.yaml", "bad-diagnosis-code.yaml:5:11: ", "'code' must be a reply code such as 554" },
		{ "bad-diagnosis-kind.yaml", "bad-diagnosis-kind.yaml:3:11: ", "'kind' must look like smtp.relay_denied" },
		{ "bad-diagnosis-empty.yaml", "bad-diagnosis-empty.yaml:3:5: ", "needs 'cause' or 'fix'" },
		{ "bad-diagnosis-rule.yaml", "bad-diagnosis-rule.yaml:3:5: ", "a reply rule needs 'context'" },
		{ "bad-diagnosis-status.yaml", "bad-diagnosis-status.yaml:5:13: ", "'status' must be an enhanced status" },
		{ "bad-requirement.yaml", "bad-requirement.yaml:3:5: ", "a requirement needs 'source'" },
		{ "bad-variable.yaml", "bad-variable.yaml:5:24: ", "variable ${domian} is not set" },
		{ "bad-variable-name.yaml", "bad-variable-name.yaml:3:3: ", "variable name 'Domain' must be lower-case" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *err = load(rows[i].file, NULL);

		if (err == NULL)
			fail_msg("%s: loaded, want an error", rows[i].file);
		if (strstr(err, rows[i].where) == NULL || strstr(err, rows[i].what) == NULL)
			fail_msg("%s: got '%s', want '%s' and '%s'", rows[i].file, err, rows[i].where, rows[i].what);
		if (strchr(err, '\n') != NULL)
			fail_msg("%s: error is more than one line: '%s'", rows[i].file, err);
		free(err);
	}
}

/* test_default_profile - the shipped default profile loads and binds, with its
 * port and checks in order */
static void test_default_profile(void **state)
{
	char *err = NULL;
	(void)state;

	sd_profile *p = sd_profile_load("default", dirs, &err);
	assert_non_null(p);
	assert_int_equal(sd_profile_bind(p, reg, &err), 0);
	assert_string_equal(p->name, "default");
	assert_int_equal(p->target.port, 25);
	assert_int_equal(p->nchecks, 14);
	assert_string_equal(p->checks[0].name, "connect");
	assert_string_equal(p->checks[3].name, "starttls");
	assert_string_equal(p->checks[4].name, "certificate");
	assert_string_equal(p->checks[5].name, "relay-light");
	assert_string_equal(p->checks[6].name, "dane");
	assert_string_equal(p->checks[7].name, "ptr");
	assert_string_equal(p->checks[8].name, "mta-sts");
	assert_string_equal(p->checks[9].name, "tls-rpt");
	assert_string_equal(p->checks[10].name, "spf");
	assert_string_equal(p->checks[11].name, "dmarc");
	assert_string_equal(p->checks[12].name, "dkim");
	assert_string_equal(p->checks[13].name, "response-time");
	sd_profile_free(p);
}

/* test_extends - a child profile overrides its parent's settings and inherits the rest */
static void test_extends(void **state)
{
	sd_profile *p = NULL;
	const char *const *items;
	(void)state;

	char *err = load("good-child.yaml", &p);
	if (err != NULL)
		fail_msg("good-child.yaml: %s", err);
	assert_string_equal(p->name, "good-child");
	assert_int_equal(p->target.port, 2525);
	assert_string_equal(p->target.ehlo_name, "probe.example.net");
	assert_int_equal(p->target.command_timeout_ms, 5000);
	assert_int_equal(p->target.connect_timeout_ms, 10000);   /* inherited */
	assert_true(p->target.tls_set);                            /* inherited */

	sd_profile_check *e = sd_profile_find_check(p, "ehlo");
	assert_non_null(e);
	assert_int_equal(sd_param_int(e->bound, "min_size"), 1000000);
	assert_int_equal(sd_param_list(e->bound, "require", &items), 1); /* inherited: default.yaml's [8BITMIME] */
	assert_int_equal(sd_param_list(e->bound, "forbid", &items), 1);
	assert_string_equal(items[0], "VRFY");
	assert_int_equal(e->noverrides, 1);
	assert_true(sd_profile_find_check(p, "response-time")->disabled);

	sd_plan plan;
	assert_int_equal(sd_plan_make(&plan, p, reg, NULL, 0, &err), 0);
	assert_int_equal(plan.n, 13); /* response-time disabled */
	assert_string_equal(plan.items[2].check->name, "ehlo");
	assert_string_equal(plan.items[4].check->name, "certificate");
	sd_plan_clear(&plan);
	sd_profile_free(p);
}

/* test_variables - profile variables take their defaults, use each other, and
 * the run's values win */
static void test_variables(void **state)
{
	char path[8192], *err = NULL;
	const char *const *items;
	(void)state;

	/* the file's defaults */
	snprintf(path, sizeof(path), "%s/variables.yaml", testdir);
	sd_profile *p = sd_profile_load(path, dirs, &err);
	assert_non_null(p);
	assert_int_equal(sd_profile_bind(p, reg, &err), 0);
	assert_string_equal(sd_param_string(sd_profile_find_check(p, "banner")->bound, "expect_hostname"),
			    "mail.example.com");   /* a variable using another */
	assert_int_equal(sd_param_list(sd_profile_find_check(p, "ehlo")->bound, "forbid", &items), 2);
	assert_string_equal(items[1], "X-example.com");
	sd_profile_free(p);

	/* the run's value wins over the default, --set may use variables too */
	p = sd_profile_load(path, dirs, &err);
	assert_int_equal(sd_profile_set_var(p, "domain", "lab.test", "--domain", &err), 0);
	assert_int_equal(sd_profile_set_param(p, "certificate.expect_name=${domain}", "--set", &err), 0);
	assert_int_equal(sd_profile_bind(p, reg, &err), 0);
	assert_string_equal(sd_param_string(sd_profile_find_check(p, "banner")->bound, "expect_hostname"),
			    "mail.lab.test");
	assert_string_equal(sd_param_string(sd_profile_find_check(p, "certificate")->bound, "expect_name"),
			    "lab.test");
	sd_profile_free(p);

	/* --var with a bad name; an unknown variable in --set says where */
	p = sd_profile_load(path, dirs, &err);
	assert_int_equal(sd_profile_set_var(p, "Bad-Name", "x", "--var", &err), -1);
	assert_non_null(strstr(err, "--var: variable name 'Bad-Name'"));
	free(err);
	err = NULL;
	assert_int_equal(sd_profile_set_param(p, "banner.expect_hostname=${nope}", "--set", &err), 0);
	assert_int_equal(sd_profile_bind(p, reg, &err), -1);
	assert_non_null(strstr(err, "variable ${nope} is not set (set: domain, mailhost"));
	free(err);
	sd_profile_free(p);

	/* variables that refer to each other */
	p = sd_profile_load(path, dirs, &err);
	assert_int_equal(sd_profile_set_var(p, "a", "${b}", "--var", &err), 0);
	assert_int_equal(sd_profile_set_var(p, "b", "x${a}", "--var", &err), 0);
	assert_int_equal(sd_profile_set_param(p, "banner.expect_hostname=${a}", "--set", &err), 0);
	err = NULL;
	assert_int_equal(sd_profile_bind(p, reg, &err), -1);
	assert_non_null(strstr(err, "loop"));
	free(err);
	sd_profile_free(p);
}

/* test_plan_only - a plan of only some checks adds their prerequisites, marked as such */
static void test_plan_only(void **state)
{
	char *err = NULL;
	sd_plan plan;
	(void)state;

	sd_profile *p = sd_profile_load("default", dirs, &err);
	assert_int_equal(sd_profile_bind(p, reg, &err), 0);

	const char *only[] = { "ehlo" };
	assert_int_equal(sd_plan_make(&plan, p, reg, only, 1, &err), 0);
	assert_int_equal(plan.n, 3);  /* connect, banner, ehlo */
	assert_string_equal(plan.items[0].check->name, "connect");
	assert_true(plan.items[0].added_as_prerequisite);
	assert_string_equal(plan.items[1].check->name, "banner");
	assert_false(plan.items[2].added_as_prerequisite);
	sd_plan_clear(&plan);

	const char *rt[] = { "response-time" };
	assert_int_equal(sd_plan_make(&plan, p, reg, rt, 1, &err), 0);
	assert_int_equal(plan.n, 2);
	sd_plan_clear(&plan);

	const char *cert[] = { "certificate" };
	assert_int_equal(sd_plan_make(&plan, p, reg, cert, 1, &err), 0);
	assert_int_equal(plan.n, 5);  /* connect, banner, ehlo, starttls, certificate */
	assert_string_equal(plan.items[3].check->name, "starttls");
	sd_plan_clear(&plan);

	const char *bad[] = { "nosuch" };
	assert_int_equal(sd_plan_make(&plan, p, reg, bad, 1, &err), -1);
	assert_non_null(strstr(err, "unknown check 'nosuch'"));
	free(err);
	sd_profile_free(p);
}

/* test_string_and_names - a profile loads from a string; unknown names and path
 * tricks are refused */
static void test_string_and_names(void **state)
{
	static const char yaml[] = "checks:\n  - connect\n  - name: banner\n    params: {require_hostname: no}\n";
	char *err = NULL;
	(void)state;

	sd_profile *p = sd_profile_load_string(yaml, sizeof(yaml) - 1, "inline.yaml", dirs, &err);
	assert_non_null(p);
	assert_string_equal(p->name, "inline");
	assert_int_equal(sd_profile_bind(p, reg, &err), 0);
	assert_false(sd_param_bool(sd_profile_find_check(p, "banner")->bound, "require_hostname"));
	sd_profile_free(p);

	assert_null(sd_profile_load("no-such-profile", dirs, &err));
	assert_non_null(strstr(err, "no profile named 'no-such-profile'"));
	free(err);
	err = NULL;
	assert_null(sd_profile_load("../etc/passwd-ish", dirs, &err));
	free(err);
}

/* main - run the profile loader tests */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_default_profile),
		cmocka_unit_test(test_extends),
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_plan_only),
		cmocka_unit_test(test_string_and_names),
	};
	return cmocka_run_group_tests_name("profile loader", tests, setup, teardown);
}
