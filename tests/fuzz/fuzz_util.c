/* SPDX-License-Identifier: MIT */
/*
 * fuzz_util.c - helpers shared by the fuzz targets.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* fuzz_cstr - the SIZE bytes of DATA as a NUL-terminated copy (aborts when out of memory) */
char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}
