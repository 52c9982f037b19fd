/* SPDX-License-Identifier: MIT */
/*
 * fuzz_profile.c - the YAML profile loader: any document must give a
 * profile or an error message, never a crash or a leak. `extends` is
 * looked up in a directory that does not exist, so nothing is read.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "engine/profile.h"

/* LLVMFuzzerTestOneInput - fuzz target: load the input as a profile and set a parameter on it */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL;
	sd_profile *p = sd_profile_load_string((const char *)data, size, "fuzz.yaml", "/nonexistent/smtpdiag-fuzz",
					       &err);

	if (p != NULL) {
		char *e2 = NULL;
		if (sd_profile_set_param(p, "banner.timeout=5s", "--set", &e2) != 0)
			free(e2);
		sd_profile_free(p);
	}
	free(err);
	return 0;
}
