/* SPDX-License-Identifier: MIT */
/*
 * dns_wire.h - DNS messages on the wire: build a query, parse an answer.
 *
 * Kept apart from the transport so the parser can be fed hostile
 * packets in unit tests. Names are handled by libresolv (dn_comp,
 * ns_initparse, ns_name_uncompress); the record data is checked here.
 */
#ifndef SD_DNS_WIRE_H
#define SD_DNS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <smtpdiag/dns.h>

#define SD_DNS_UDP_SIZE 1232   /* EDNS0 buffer size (DNS flag day 2020) */
#define SD_DNS_MAX_CHAIN 16    /* names followed from the question through CNAMEs (BIND follows 16);
				* a longer chain is a bad reply, never cut silently */
#define SD_DNS_MAX_CHAIN_TEXT "16"

/* or'ed into the type given to sd_dns_build_query() / sd_resolver_query_by():
 * set the CD (checking disabled) bit, to tell a bogus answer from a broken one */
#define SD_DNS_QUERY_CD 0x10000u

/* sd_dns_build_query - a recursive query for NAME/TYPE with id ID, EDNS0
 * with the DO bit and AD set (so a validating resolver reports it);
 * length, or -1 if NAME is not a valid domain name */
int sd_dns_build_query(uint16_t id, const char *name, sd_dns_type type, unsigned char *buf,
		       size_t size);
/* sd_dns_matches_query - is MSG an answer to QUERY (id, QR, question)? */
int sd_dns_matches_query(const unsigned char *query, size_t qlen, const unsigned char *msg,
			 size_t len);
/* sd_dns_parse_answer - fill A from the answer MSG to a query for TYPE:
 * status from the RCODE, AD bit, the records of TYPE owned by the name of
 * the question or of its CNAME chain (others counted in A->foreign);
 * *truncated gets TC */
void sd_dns_parse_answer(const unsigned char *msg, size_t len, sd_dns_type type, sd_dns_answer *a,
			 int *truncated);
/* sd_dns_answer_reset - free the records of A, keep the rest */
void sd_dns_answer_reset(sd_dns_answer *a);

#endif
