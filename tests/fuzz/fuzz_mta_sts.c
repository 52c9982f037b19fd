/* SPDX-License-Identifier: MIT */
/*
 * fuzz_mta_sts.c - the MTA-STS policy file parser (RFC 8461 3.2) and the
 * mx pattern matcher over every pattern it returns.
 */
#include "fuzz.h"
#include "mta_sts/mta_sts_parse.h"

/* LLVMFuzzerTestOneInput - fuzz target: parse the input as an MTA-STS policy
 * and match its mx patterns */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sd_sts_policy pol;   /* large; one per process is enough */

	sd_sts_policy_parse((const char *)data, size, &pol);
	for (size_t i = 0; i < pol.nmx && i < SD_STS_MAX_MX; i++) {
		sd_sts_mx_matches(pol.mx[i], "mail.example.com");
		sd_sts_mx_matches(pol.mx[i], pol.mx[i]);
	}
	sd_sts_mode_name(pol.mode);
	return 0;
}
