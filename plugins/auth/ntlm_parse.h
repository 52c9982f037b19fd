/* SPDX-License-Identifier: MIT */
/*
 * ntlm_parse.h - what an NTLM CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2) says
 * about the server: its NetBIOS and DNS names and its Windows version.
 */
#ifndef SD_NTLM_PARSE_H
#define SD_NTLM_PARSE_H

#include <stddef.h>

typedef struct sd_ntlm_info {
	char target_name[256];      /* TargetName: usually the NetBIOS domain */
	char nb_computer[256];      /* MsvAvNbComputerName (1) */
	char nb_domain[256];        /* MsvAvNbDomainName (2) */
	char dns_computer[256];     /* MsvAvDnsComputerName (3) */
	char dns_domain[256];       /* MsvAvDnsDomainName (4) */
	char dns_tree[256];         /* MsvAvDnsTreeName (5): the AD forest */
	int has_version;
	unsigned major, minor, build;  /* Windows version (NTLMSSP_NEGOTIATE_VERSION) */
	unsigned flags;
} sd_ntlm_info;

/* The NEGOTIATE_MESSAGE nmap's smtp-ntlm-info sends: no names of ours. */
#define SD_NTLM_NEGOTIATE_B64 "TlRMTVNTUAABAAAAB4IIAAAAAAAAAAAAAAAAAAAAAAA="

/* sd_ntlm_parse_challenge - fill OUT from the LEN bytes of a type 2
 * message; 0, or -1 with *why (a static string) when it is malformed */
int sd_ntlm_parse_challenge(const unsigned char *msg, size_t len, sd_ntlm_info *out, const char **why);
/* sd_windows_name - "Windows Server 2019" for 10.0.17763, or NULL */
const char *sd_windows_name(unsigned major, unsigned minor, unsigned build);

#endif
