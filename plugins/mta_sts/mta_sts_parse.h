/* SPDX-License-Identifier: MIT */
/*
 * mta_sts_parse.h - the texts of MTA-STS (RFC 8461) and SMTP TLS
 * Reporting (RFC 8460): the _mta-sts and _smtp._tls TXT records and the
 * policy file. Pure functions, no I/O, so hostile input is unit-tested.
 */
#ifndef SD_MTA_STS_PARSE_H
#define SD_MTA_STS_PARSE_H

#include <stddef.h>

#define SD_STS_MAX_MX 64
#define SD_STS_MAX_PROBLEMS 16
#define SD_STS_MAX_AGE_LIMIT 31557600L   /* RFC 8461 3.2: about a year */

typedef enum { SD_STS_MODE_UNSET = 0, SD_STS_MODE_ENFORCE, SD_STS_MODE_TESTING, SD_STS_MODE_NONE } sd_sts_mode;

/* One problem found in a text: stable short id + what is wrong. */
typedef struct sd_sts_problem {
	const char *id;             /* "mode_invalid", "id_missing", ... */
	char text[200];
} sd_sts_problem;

typedef struct sd_sts_txt {
	char id[64];                /* the policy id, "" if missing */
	size_t nproblems;
	sd_sts_problem problems[SD_STS_MAX_PROBLEMS];
} sd_sts_txt;

typedef struct sd_sts_policy {
	char version[16];
	sd_sts_mode mode;
	long max_age;               /* -1 if missing or invalid */
	size_t nmx;                 /* patterns kept in mx (at most SD_STS_MAX_MX) */
	char mx[SD_STS_MAX_MX][256];
	size_t nmx_total;           /* valid mx lines in the policy: coverage is judged on all
				     * of them (sd_sts_policy_covers), not on the ones kept */
	size_t nproblems;
	sd_sts_problem problems[SD_STS_MAX_PROBLEMS];
} sd_sts_policy;

typedef struct sd_tlsrpt {
	size_t nrua;                /* URIs kept in rua */
	char rua[8][256];
	size_t nrua_total;          /* valid URIs in the record (each one was checked) */
	size_t nproblems;
	sd_sts_problem problems[SD_STS_MAX_PROBLEMS];
} sd_tlsrpt;

/* sd_sts_is_record - does a TXT string start an MTA-STS record ("v=STSv1;" or
 * exactly "v=STSv1")? Others at _mta-sts are to be ignored (RFC 8461 3.1) */
int sd_sts_is_record(const char *txt);
/* sd_sts_txt_parse - "v=STSv1; id=..." (LEN bytes: a NUL inside is the
 * problem "txt_nul", never the end); 0 when valid, else -1 with problems */
int sd_sts_txt_parse(const char *txt, size_t len, sd_sts_txt *out);
/* sd_sts_policy_parse - the policy file (LEN bytes, CRLF or LF lines);
 * 0 when a sender would use it, else -1 with problems */
int sd_sts_policy_parse(const char *body, size_t len, sd_sts_policy *out);
/* sd_sts_policy_covers - does any valid "mx:" line of the policy BODY (LEN
 * bytes) cover HOST? Reads every line, whatever SD_STS_MAX_MX keeps */
int sd_sts_policy_covers(const char *body, size_t len, const char *host);
/* sd_sts_mx_matches - does policy mx PATTERN ("mail.example.com" or
 * "*.example.com", one label only) cover HOST? case-insensitive, final dots ignored */
int sd_sts_mx_matches(const char *pattern, const char *host);
/* sd_sts_mode_name - "enforce", "testing", "none", "unset" */
const char *sd_sts_mode_name(sd_sts_mode m);

/* sd_tlsrpt_is_record - a TXT string starting "v=TLSRPTv1" (then ';' or end) */
int sd_tlsrpt_is_record(const char *txt);
/* sd_tlsrpt_parse - "v=TLSRPTv1; rua=mailto:...,https://..." (LEN bytes,
 * a NUL inside is the problem "nul"); 0 or -1 */
int sd_tlsrpt_parse(const char *txt, size_t len, sd_tlsrpt *out);

#endif
