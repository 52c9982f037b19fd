/* SPDX-License-Identifier: MIT */
/*
 * test_report_html.c - the HTML report's escaping of strings that never
 * passed through the JSON layer's cleaning: raw invalid UTF-8, control
 * characters, markup, C1 controls. Whatever the input, the output is
 * valid UTF-8 with no markup of the input's making.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "report/report_html.h"

/* render - the HTML report of DOC as a string (failing the test when it cannot render) */
static char *render(json_t *doc)
{
	char *buf = NULL, *err = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	int rc = sd_html_report(doc, f, &err);
	fclose(f);
	if (rc != 0)
		fail_msg("render failed: %s", err);
	return buf;
}

/* valid_utf8 - every byte sequence of S is well-formed UTF-8 */
static int valid_utf8(const unsigned char *s)
{
	while (*s) {
		int n = *s < 0x80 ? 1 : (*s >> 5) == 6 ? 2 : (*s >> 4) == 14 ? 3 : (*s >> 3) == 30 ? 4 : 0;
		if (n == 0)
			return 0;
		for (int i = 1; i < n; i++)
			if ((s[i] & 0xc0) != 0x80)
				return 0;
		s += n;
	}
	return 1;
}

/* test_raw_bytes_escaped - markup, invalid UTF-8 and control bytes in a report
 * come out escaped and valid UTF-8 */
static void test_raw_bytes_escaped(void **state)
{
	(void)state;
	json_t *doc = json_object();
	json_t *target = json_object();
	/* strings the JSON layer would have cleaned, inserted unchecked */
	json_object_set_new(target, "server", json_string_nocheck("a<b>\"c\"&'d'\xff\xfe\xc3(\x1b[2J\xc2\x85z"));
	json_object_set_new(doc, "target", target);
	json_object_set_new(doc, "status", json_string("critical"));
	json_object_set_new(doc, "summary", json_string_nocheck("</p><script>alert(1)</script>\x01"));
	json_object_set_new(doc, "checks", json_array());

	char *html = render(doc);
	assert_true(valid_utf8((const unsigned char *)html));
	assert_non_null(strstr(html, "a&lt;b&gt;&quot;c&quot;&amp;&#39;d&#39;\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd(\\x1b[2J"
				     "\\u0085z"));
	assert_non_null(strstr(html, "&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;\\x01"));
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "\x1b"));
	free(html);
	json_decref(doc);
}

/* test_not_a_report - a JSON document that is not a report (or a summary line) is refused */
static void test_not_a_report(void **state)
{
	(void)state;
	char *buf = NULL, *err = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *doc = json_pack("{s:s}", "hello", "world");

	assert_int_equal(sd_html_report(doc, f, &err), -1);
	assert_non_null(strstr(err, "not an smtp-diag report"));
	free(err);
	fclose(f);
	free(buf);
	json_decref(doc);

	/* a --jsonl summary line has no reports to show */
	doc = json_pack("{s:{s:i}}", "fleet", "targets", 3);
	f = open_memstream(&buf, &len);
	assert_int_equal(sd_html_report(doc, f, &err), -1);
	assert_non_null(strstr(err, "without its reports"));
	free(err);
	fclose(f);
	free(buf);
	json_decref(doc);
}

/* main - run the HTML report tests */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_bytes_escaped),
		cmocka_unit_test(test_not_a_report),
	};
	return cmocka_run_group_tests_name("html report", tests, NULL, NULL);
}
