/* SPDX-License-Identifier: MIT */
/*
 * fuzz_cert_name.c - the certificate name matcher (RFC 6125 DNS-ID with
 * wildcards): input is "PATTERN\nHOST".
 */
#include <stdlib.h>
#include <string.h>

#include <smtpdiag/tls.h>

#include "fuzz.h"

/* LLVMFuzzerTestOneInput - fuzz target: match the input's first line as a
 * certificate name against its second, both ways */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	char *nl = strchr(text, '\n');
	const char *host = "mail.example.com";

	if (nl != NULL) {
		*nl = '\0';
		host = nl + 1;
	}
	sd_cert_name_matches(text, host);
	sd_cert_name_matches(host, text);
	free(text);
	return 0;
}
