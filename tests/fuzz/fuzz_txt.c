/* SPDX-License-Identifier: MIT */
/*
 * fuzz_txt.c - the TXT record parsers: _mta-sts (RFC 8461 3.1),
 * _smtp._tls (RFC 8460 3) and the tag=value lookup of DKIM keys and DMARC
 * records (sd_dns_txt_tag).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "base/util.h"
#include "mta_sts/mta_sts_parse.h"

/* LLVMFuzzerTestOneInput - fuzz target: parse the input as MTA-STS and TLS-RPT
 * records and read TXT tags from it */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *txt = fuzz_cstr(data, size);
	sd_sts_txt sts;
	sd_tlsrpt rpt;

	sd_sts_is_record(txt);
	sd_sts_txt_parse(txt, size, &sts);
	sd_tlsrpt_is_record(txt);
	sd_tlsrpt_parse(txt, size, &rpt);
	static const char *const tags[] = { "v", "p", "k", "t", "sp", "pct", "rua", "ruf", "adkim", "aspf" };
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		const char *v = NULL;
		size_t n = 0;
		if (sd_dns_txt_tag(txt, tags[i], &v, &n) == 1 && (v < txt || v + n > txt + strlen(txt)))
			abort();   /* the value must lie within the record */
	}
	free(txt);
	return 0;
}
