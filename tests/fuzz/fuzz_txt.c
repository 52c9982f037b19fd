/* SPDX-License-Identifier: MIT */
/*
 * fuzz_txt.c - the TXT record parsers: _mta-sts (RFC 8461 3.1) and
 * _smtp._tls (RFC 8460 3).
 */
#include <stdlib.h>

#include "fuzz.h"
#include "mta_sts/mta_sts_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *txt = fuzz_cstr(data, size);
	sd_sts_txt sts;
	sd_tlsrpt rpt;

	sd_sts_is_record(txt);
	sd_sts_txt_parse(txt, size, &sts);
	sd_tlsrpt_is_record(txt);
	sd_tlsrpt_parse(txt, size, &rpt);
	free(txt);
	return 0;
}
