/* SPDX-License-Identifier: MIT */
/*
 * fuzz_dns.c - the DNS answer parser (names with compression pointers,
 * every record type the checks ask for) and the answer/question matcher.
 */
#include "dns/dns_wire.h"
#include "fuzz.h"

/* LLVMFuzzerTestOneInput - fuzz target: parse the input as a DNS answer of each
 * type and match it against a query */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const sd_dns_type types[] = { SD_DNS_A, SD_DNS_AAAA, SD_DNS_MX, SD_DNS_TXT, SD_DNS_PTR,
					     SD_DNS_TLSA, SD_DNS_CNAME };
	unsigned char q[512];

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		sd_dns_answer a = { 0 };
		int truncated = 0;
		sd_dns_parse_answer(data, size, types[i], &a, &truncated);
		sd_dns_answer_reset(&a);
	}
	int qlen = sd_dns_build_query(size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0, "example.com", SD_DNS_MX, q,
				      sizeof(q));
	if (qlen > 0)
		sd_dns_matches_query(q, (size_t)qlen, data, size);
	return 0;
}
