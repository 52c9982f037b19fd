/* SPDX-License-Identifier: MIT */
/*
 * fuzz_banner.c - the banner identifier (software and version from the
 * greeting text, through the compiled pattern table).
 */
#include <stdlib.h>

#include "banner/banner_id.h"
#include "fuzz.h"

/* LLVMFuzzerTestOneInput - fuzz target: identify the software in the input as a greeting */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	sd_banner_id id;

	sd_banner_identify(text, &id);
	free(text);
	return 0;
}
