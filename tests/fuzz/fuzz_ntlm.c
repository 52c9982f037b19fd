/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ntlm.c - the NTLM CHALLENGE_MESSAGE parser of the ntlm-info check
 * (offsets and lengths are the server's: every one must be checked).
 */
#include "fuzz.h"
#include "auth/ntlm_parse.h"

/* LLVMFuzzerTestOneInput - fuzz target: parse the input as an NTLM challenge
 * and name its Windows version */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sd_ntlm_info info;
	const char *why;

	if (sd_ntlm_parse_challenge(data, size, &info, &why) == 0 && info.has_version)
		sd_windows_name(info.major, info.minor, info.build);
	return 0;
}
