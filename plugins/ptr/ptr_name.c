/* SPDX-License-Identifier: MIT */
/*
 * ptr_name.c - the "generic reverse DNS" heuristic of the ptr check.
 *
 * Receivers (Spamhaus PBL policy, big mailbox providers) treat a PTR
 * that merely encodes the address, or names a dial-up/DSL/cable pool, as
 * an end-user line rather than a mail server. The same two signs are
 * looked for here: the address's numbers in the name, and pool words as
 * whole parts of a label.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ptr_name.h"

static const char *const pool_words[] = {
	"dyn", "dynamic", "dynip", "dhcp", "pool", "dsl", "adsl", "vdsl", "xdsl", "cable", "ppp", "pppoe",
	"dial", "dialup", "dialin", "broadband", "customer", "cust", "residential", "unknown", "unassigned",
	"fttx", "ftth", NULL,
};

/* pool_word - the pool word that is a '-' / '_' / '.' separated part of NAME */
static const char *pool_word(const char *name)
{
	char part[64];
	size_t n = 0;

	for (const char *p = name;; p++) {
		if (*p == '-' || *p == '.' || *p == '_' || *p == '\0') {
			part[n] = '\0';
			/* "dyn123" counts as "dyn": strip trailing digits */
			while (n > 0 && isdigit((unsigned char)part[n - 1]))
				part[--n] = '\0';
			for (size_t i = 0; n > 0 && pool_words[i] != NULL; i++)
				if (strcasecmp(part, pool_words[i]) == 0)
					return pool_words[i];
			n = 0;
			if (*p == '\0')
				return NULL;
			continue;
		}
		if (n + 1 < sizeof(part))
			part[n++] = *p;
	}
}

/* squeeze - NAME's digit runs, separated by single dots */
static void squeeze(const char *name, char *out, size_t size)
{
	size_t n = 0;
	int sep = 1;

	for (const char *p = name; *p && n + 2 < size; p++) {
		if (isdigit((unsigned char)*p)) {
			out[n++] = *p;
			sep = 0;
		} else if (!sep) {
			out[n++] = '.';
			sep = 1;
		}
	}
	out[n] = '\0';
}

/* contains_seq - does HAY contain NEEDLE as whole dot-separated labels */
static int contains_seq(const char *hay, const char *needle)
{
	size_t l = strlen(needle);

	for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle)) {
		int start_ok = p == hay || p[-1] == '.';
		int end_ok = p[l] == '\0' || p[l] == '.';
		if (start_ok && end_ok)
			return 1;
	}
	return 0;
}

/* sd_ptr_generic - address numbers or pool words */
int sd_ptr_generic(const char *name, const char *address, const char **why)
{
	unsigned char b[16];
	char digits[300], want[64];

	if (inet_pton(AF_INET, address, b) == 1) {
		squeeze(name, digits, sizeof(digits));
		snprintf(want, sizeof(want), "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
		int fwd = contains_seq(digits, want);
		snprintf(want, sizeof(want), "%u.%u.%u.%u", b[3], b[2], b[1], b[0]);
		int rev = contains_seq(digits, want);
		snprintf(want, sizeof(want), "%03u%03u%03u%03u", b[0], b[1], b[2], b[3]);
		int packed = contains_seq(digits, want);
		char hex[16];
		snprintf(hex, sizeof(hex), "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
		if (fwd || rev || packed || strcasestr(name, hex) != NULL) {
			*why = "it spells the IP address";
			return 1;
		}
	} else if (inet_pton(AF_INET6, address, b) == 1) {
		/* the low 64 bits in hex are the usual giveaway of an ISP name */
		char hex[24];
		snprintf(hex, sizeof(hex), "%02x%02x%02x%02x", b[12], b[13], b[14], b[15]);
		if (strcasestr(name, hex) != NULL) {
			*why = "it spells the IP address";
			return 1;
		}
	}
	const char *w = pool_word(name);
	if (w != NULL) {
		*why = w;
		return 1;
	}
	return 0;
}
