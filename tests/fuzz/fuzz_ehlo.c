/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ehlo.c - the EHLO capability parser over any parsed reply.
 */
#include "smtp/ehlo_parser.h"
#include "fuzz.h"
#include "smtp/reply_parser.h"

/* LLVMFuzzerTestOneInput - fuzz target: parse the input as a reply, then as an
 * EHLO and a HELO reply */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sd_reply *r = sd_reply_parse_text((const char *)data, size);

	if (r == NULL)
		return 0;
	sd_ehlo_free(sd_ehlo_parse(r, 1));
	sd_ehlo *e = sd_ehlo_parse(r, 0);
	sd_ehlo_free(e);
	sd_reply_free(r);
	return 0;
}
