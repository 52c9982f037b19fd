/* SPDX-License-Identifier: MIT */
/*
 * test_params.c - typed parameters and the scalar parsers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/params.h"

/* test_durations - durations parse to ms (bare seconds, ms, s, m, h, fractions)
 * and bad ones are refused */
static void test_durations(void **state)
{
	static const struct {
		const char *text;
		int ok;
		long long ms;
	} rows[] = {
		{ "10", 1, 10000 }, { "2s", 1, 2000 }, { "250ms", 1, 250 }, { "1.5s", 1, 1500 },
		{ "1m", 1, 60000 }, { "1h", 1, 3600000 }, { "0.5", 1, 500 },
		{ "", 0, 0 }, { "s", 0, 0 }, { "-1s", 0, 0 }, { "5 s", 0, 0 }, { "5x", 0, 0 },
		{ "inf", 0, 0 }, { "nan", 0, 0 }, { "1e30", 0, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		long long ms = -7;
		int rc = sd_parse_duration_ms(rows[i].text, &ms);
		print_message("duration '%s'\n", rows[i].text);
		assert_int_equal(rc == 0, rows[i].ok);
		if (rows[i].ok)
			assert_int_equal(ms, rows[i].ms);
	}
}

static const sd_param_spec spec[] = {
	{ "name", SD_PARAM_STRING, NULL, "" },
	{ "count", SD_PARAM_INT, "3", "" },
	{ "flag", SD_PARAM_BOOL, "false", "" },
	{ "wait", SD_PARAM_DURATION, "2s", "" },
	{ "words", SD_PARAM_LIST, "", "" },
	{ NULL, 0, NULL, NULL },
};

/* test_defaults_and_set - parameters start at their defaults and take values set as text */
static void test_defaults_and_set(void **state)
{
	char *err = NULL;
	const char *const *items;
	(void)state;

	sd_params *p = sd_params_new(spec);
	assert_null(sd_param_string(p, "name"));
	assert_int_equal(sd_param_int(p, "count"), 3);
	assert_false(sd_param_bool(p, "flag"));
	assert_int_equal(sd_param_duration_ms(p, "wait"), 2000);
	assert_int_equal(sd_param_list(p, "words", &items), 0);

	assert_int_equal(sd_params_set(p, "count", "42", &err), 0);
	assert_int_equal(sd_param_int(p, "count"), 42);
	assert_int_equal(sd_params_set(p, "flag", "yes", &err), 0);
	assert_true(sd_param_bool(p, "flag"));
	assert_int_equal(sd_params_set(p, "words", "ONE", &err), 0);
	assert_int_equal(sd_param_list(p, "words", &items), 1);
	assert_string_equal(items[0], "ONE");
	const char *two[] = { "A", "B" };
	assert_int_equal(sd_params_set_list(p, "words", two, 2, &err), 0);
	assert_int_equal(sd_param_list(p, "words", &items), 2);
	assert_string_equal(items[1], "B");
	sd_params_free(p);
}

/* test_errors - bad values and unknown parameters are refused with a message saying why */
static void test_errors(void **state)
{
	static const struct {
		const char *name, *value, *want;
	} rows[] = {
		{ "count", "many", "expects an integer, got 'many'" },
		{ "flag", "perhaps", "expects true or false" },
		{ "wait", "soon", "expects a duration" },
		{ "nosuch", "1", "unknown parameter 'nosuch'" },
	};
	(void)state;
	sd_params *p = sd_params_new(spec);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *err = NULL;
		assert_int_equal(sd_params_set(p, rows[i].name, rows[i].value, &err), -1);
		assert_non_null(err);
		if (strstr(err, rows[i].want) == NULL)
			fail_msg("got '%s', want it to contain '%s'", err, rows[i].want);
		free(err);
	}
	char *err = NULL;
	const char *one[] = { "x" };
	assert_int_equal(sd_params_set_list(p, "count", one, 1, &err), -1);
	assert_non_null(strstr(err, "got a list"));
	free(err);
	sd_params_free(p);
}

/* main - run the parameter tests */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_defaults_and_set),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests_name("parameters", tests, NULL, NULL);
}
