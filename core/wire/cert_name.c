/* SPDX-License-Identifier: MIT */
/*
 * cert_name.c - does a certificate name cover a host? (RFC 6125 6.4)
 *
 * Only ASCII is compared: internationalised names are matched in their
 * A-label ("xn--") form, as they appear in certificates. A wildcard is
 * honoured only as the whole left-most label of a pattern with at least
 * three labels ("*.example.com", never "*.com" or "f*.example.com"), and
 * it stands for exactly one non-empty label.
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include <smtpdiag/tls.h>

/* trimmed_len - length without one trailing dot */
static size_t trimmed_len(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

/* ascii_only - is each of the N bytes of S a 7-bit character other than NUL */
static int ascii_only(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80 || s[i] == '\0')
			return 0;
	return 1;
}

/* sd_cert_name_matches - one DNS-ID against one host name */
int sd_cert_name_matches(const char *pattern, const char *host)
{
	size_t pl = trimmed_len(pattern), hl = trimmed_len(host);

	if (pl == 0 || hl == 0 || !ascii_only(pattern, pl) || !ascii_only(host, hl))
		return 0;
	if (pattern[0] != '*') {
		if (memchr(pattern, '*', pl) != NULL)
			return 0; /* partial or inner wildcards are not honoured */
		return pl == hl && strncasecmp(pattern, host, pl) == 0;
	}
	/* "*.rest": rest must itself have two labels */
	if (pl < 3 || pattern[1] != '.')
		return 0;
	const char *rest = pattern + 2;
	size_t rl = pl - 2;
	const char *dot = memchr(rest, '.', rl);
	if (dot == NULL || dot == rest || memchr(rest, '*', rl) != NULL)
		return 0;
	const char *hdot = memchr(host, '.', hl);
	if (hdot == NULL || hdot == host)
		return 0; /* the wildcard needs one non-empty label */
	size_t hrl = hl - (size_t)(hdot + 1 - host);
	return hrl == rl && strncasecmp(hdot + 1, rest, rl) == 0;
}

/* sd_cert_matches_host - SANs (or CN without DNS SANs) against HOST */
int sd_cert_matches_host(const sd_cert *cert, const char *host)
{
	unsigned char want[16], got[16];
	int fam = inet_pton(AF_INET, host, want) == 1 ? AF_INET : inet_pton(AF_INET6, host, want) == 1 ? AF_INET6 : 0;
	int dns_sans = 0;

	for (size_t i = 0; i < cert->nsans; i++) {
		const char *s = cert->sans[i];
		if (strncmp(s, "DNS:", 4) == 0) {
			dns_sans = 1;
			if (!fam && sd_cert_name_matches(s + 4, host))
				return 1;
		} else if (fam && strncmp(s, "IP:", 3) == 0) {
			if (inet_pton(fam, s + 3, got) == 1 && memcmp(got, want, fam == AF_INET ? 4 : 16) == 0)
				return 1;
		}
	}
	/* RFC 6125 6.4.4: the CN only when there is no DNS SAN at all */
	if (!fam && !dns_sans && cert->common_name != NULL && cert->common_name[0] != '\0')
		return sd_cert_name_matches(cert->common_name, host);
	return 0;
}
