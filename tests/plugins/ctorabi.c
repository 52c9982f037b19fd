/* SPDX-License-Identifier: MIT */
/*
 * ctorabi.c - a module built for another plugin ABI that also has a
 * constructor: it writes the file named by SD_CTOR_MARKER the moment it is
 * loaded. The loader must refuse it from the file alone, so the marker
 * never appears.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <smtpdiag/plugin.h>

/* loaded - constructor: write "ran" to the file $SD_CTOR_MARKER names, showing
 * the module was loaded */
__attribute__((constructor)) static void loaded(void)
{
	const char *marker = getenv("SD_CTOR_MARKER");

	if (marker != NULL) {
		int fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			if (write(fd, "ran\n", 4) != 4)
				abort();
			close(fd);
		}
	}
}

/* run - never called: the module declares another plugin ABI and must be refused */
static sd_run_status run(sd_session *s, const sd_params *p, sd_report *r)
{
	(void)s;
	(void)p;
	sd_report_summary(r, "must never run");
	return SD_RUN_DONE;
}

SD_CHECK_EXPORT(ctorabi) = {
	.abi = SD_PLUGIN_ABI + 1,
	.name = "ctorabi",
	.title = "Constructor, bad ABI",
	.summary = "built against another ABI, with a constructor",
	.run = run,
};
