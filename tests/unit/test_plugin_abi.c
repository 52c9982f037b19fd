/* SPDX-License-Identifier: MIT */
/*
 * test_plugin_abi.c - the loader refuses modules of another ABI, and
 * modules it must not trust, and loads the ones it should.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/plugin_loader.h"

static char testplugins[4096];

/* setup - find the test modules under $SD_TOP_BUILDDIR/tests/plugins */
static int setup(void **state)
{
	const char *b = getenv("SD_TOP_BUILDDIR");
	(void)state;
	if (b == NULL)
		return -1;
	snprintf(testplugins, sizeof(testplugins), "%s/tests/plugins", b);
	return 0;
}

/* test_abi_mismatch_refused - a module built for another plugin ABI is refused
 * with a message naming both ABIs */
static void test_abi_mismatch_refused(void **state)
{
	char *err = NULL;
	(void)state;

	sd_registry *reg = sd_registry_new();
	assert_int_equal(sd_registry_load_dir(reg, testplugins, &err), 0);
	assert_non_null(sd_registry_find(reg, "goodabi"));
	assert_null(sd_registry_find(reg, "badabi"));
	const char *why = sd_registry_refusal(reg, "badabi");
	assert_non_null(why);
	char want[128];
	snprintf(want, sizeof(want), "built for plugin ABI %d, but this smtp-diag speaks ABI %d",
		 SD_PLUGIN_ABI + 1, SD_PLUGIN_ABI);
	if (strstr(why, want) == NULL)
		fail_msg("got '%s', want '%s'", why, want);
	sd_registry_free(reg);
}

/* test_validate_reads_abi_first - validation refuses another ABI before reading
 * any other field, then bad names */
static void test_validate_reads_abi_first(void **state)
{
	char buf[256];
	(void)state;

	/* everything but abi is garbage: validation must stop at abi */
	sd_check c;
	memset(&c, 0xff, sizeof(c));
	c.abi = 999;
	assert_non_null(sd_check_validate(&c, buf, sizeof(buf)));
	assert_non_null(strstr(buf, "ABI 999"));

	sd_check ok = { .abi = SD_PLUGIN_ABI, .name = "Bad Name", .run = (void *)1 };
	assert_non_null(sd_check_validate(&ok, buf, sizeof(buf)));
	ok.name = "fine-name";
	assert_null(sd_check_validate(&ok, buf, sizeof(buf)));
}

/* test_writable_dir_refused - a module directory writable by everyone is refused */
static void test_writable_dir_refused(void **state)
{
	char dir[] = "/tmp/sd-plugins-XXXXXX";
	char *err = NULL;
	(void)state;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0777), 0);
	sd_registry *reg = sd_registry_new();
	assert_int_equal(sd_registry_load_dir(reg, dir, &err), -1);
	if (strstr(err, "writable by everyone") == NULL)
		fail_msg("got '%s'", err);
	free(err);
	err = NULL;
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(sd_registry_load_dir(reg, dir, &err), 0);
	assert_int_equal(reg->nplugins, 0);
	sd_registry_free(reg);
	rmdir(dir);

	reg = sd_registry_new();
	assert_int_equal(sd_registry_load_dir(reg, "/nonexistent/plugins", &err), -1);
	assert_non_null(strstr(err, "/nonexistent/plugins"));
	free(err);
	sd_registry_free(reg);
}

/* main - run the plugin loader tests */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abi_mismatch_refused),
		cmocka_unit_test(test_validate_reads_abi_first),
		cmocka_unit_test(test_writable_dir_refused),
	};
	return cmocka_run_group_tests_name("plugin loader", tests, setup, NULL);
}
