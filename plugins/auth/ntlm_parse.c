/* SPDX-License-Identifier: MIT */
/*
 * ntlm_parse.c - decode an NTLM CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2 and
 * 2.2.2.1 AV_PAIRs), every offset and length checked against the message.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ntlm_parse.h"

/* u16 - the little-endian 16-bit number at P */
static unsigned u16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* u32 - the little-endian 32-bit number at P */
static unsigned u32(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8 | (unsigned)p[2] << 16 | (unsigned)p[3] << 24;
}

/* utf16 - UTF-16LE to UTF-8 (BMP; others and controls become '?') */
static void utf16(const unsigned char *p, size_t len, char *out, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i + 1 < len && n + 4 < size; i += 2) {
		unsigned c = u16(p + i);
		if (c < 0x20 || (c >= 0xd800 && c <= 0xdfff))
			out[n++] = '?';
		else if (c < 0x80)
			out[n++] = (char)c;
		else if (c < 0x800) {
			out[n++] = (char)(0xc0 | c >> 6);
			out[n++] = (char)(0x80 | (c & 0x3f));
		} else {
			out[n++] = (char)(0xe0 | c >> 12);
			out[n++] = (char)(0x80 | (c >> 6 & 0x3f));
			out[n++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[n] = '\0';
}

/* sd_ntlm_parse_challenge - signature, type 2, TargetName, TargetInfo, Version */
int sd_ntlm_parse_challenge(const unsigned char *m, size_t len, sd_ntlm_info *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	if (len < 32 || memcmp(m, "NTLMSSP\0", 8) != 0)
		return *why = "not an NTLMSSP message", -1;
	if (u32(m + 8) != 2)
		return *why = "not a CHALLENGE_MESSAGE (type 2)", -1;
	size_t tl = u16(m + 12), to = u32(m + 16);
	out->flags = u32(m + 20);
	int unicode = (out->flags & 0x1) != 0;
	if (tl > 0) {
		if (to > len || tl > len - to)
			return *why = "TargetName lies outside the message", -1;
		if (unicode) {
			utf16(m + to, tl, out->target_name, sizeof(out->target_name));
		} else {
			size_t n = tl < sizeof(out->target_name) - 1 ? tl : sizeof(out->target_name) - 1;
			for (size_t i = 0; i < n; i++)
				out->target_name[i] = m[to + i] >= 0x20 && m[to + i] < 0x7f ? (char)m[to + i] : '?';
			out->target_name[n] = '\0';
		}
	}
	if (len >= 48 && (out->flags & 0x00800000)) { /* NTLMSSP_NEGOTIATE_TARGET_INFO */
		size_t il = u16(m + 40), io = u32(m + 44);
		if (io > len || il > len - io)
			return *why = "TargetInfo lies outside the message", -1;
		const unsigned char *p = m + io, *end = m + io + il;
		while (p + 4 <= end) {
			unsigned id = u16(p), l = u16(p + 2);
			if (id == 0)
				break;           /* MsvAvEOL */
			if ((size_t)(end - p - 4) < l)
				return *why = "an AV_PAIR runs past TargetInfo", -1;
			char *dst = id == 1 ? out->nb_computer : id == 2 ? out->nb_domain : id == 3 ? out->dns_computer
				    : id == 4 ? out->dns_domain : id == 5 ? out->dns_tree : NULL;
			if (dst != NULL)
				utf16(p + 4, l, dst, sizeof(out->nb_computer));
			p += 4 + l;
		}
	}
	if (len >= 56 && (out->flags & 0x02000000)) { /* NTLMSSP_NEGOTIATE_VERSION */
		out->has_version = 1;
		out->major = m[48];
		out->minor = m[49];
		out->build = u16(m + 50);
	}
	return 0;
}

/* sd_windows_name - the common server releases by build number */
const char *sd_windows_name(unsigned major, unsigned minor, unsigned build)
{
	static const struct {
		unsigned major, minor, build;
		const char *name;
	} table[] = {
		{ 6, 0, 6002, "Windows Server 2008" }, { 6, 1, 7601, "Windows Server 2008 R2" },
		{ 6, 2, 9200, "Windows Server 2012" }, { 6, 3, 9600, "Windows Server 2012 R2" },
		{ 10, 0, 14393, "Windows Server 2016" }, { 10, 0, 17763, "Windows Server 2019" },
		{ 10, 0, 20348, "Windows Server 2022" }, { 10, 0, 26100, "Windows Server 2025" },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].major == major && table[i].minor == minor && table[i].build == build)
			return table[i].name;
	return NULL;
}
