/* SPDX-License-Identifier: MIT */
/*
 * replay.c - run a fuzz target over files without libFuzzer: every file
 * named, or every file of every directory named, is one input. Prints one
 * line with the number of inputs; a crash, an abort or a sanitizer report
 * is the failure. make check runs it over tests/fuzz/corpus/<target>.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX_INPUT (4 * 1024 * 1024)

/* run_file - run the fuzz target on the contents of file PATH (an exact-size
 * copy) and count it; -1 when unreadable */
static int run_file(const char *path, size_t *count)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	uint8_t *buf = malloc(REPLAY_MAX_INPUT);
	if (buf == NULL)
		abort();
	size_t n = fread(buf, 1, REPLAY_MAX_INPUT, f);
	fclose(f);
	/* an exact-size copy, so reads past the input are caught */
	uint8_t *input = malloc(n > 0 ? n : 1);
	if (input == NULL)
		abort();
	memcpy(input, buf, n);
	free(buf);
	LLVMFuzzerTestOneInput(input, n);
	free(input);
	(*count)++;
	return 0;
}

/* run_path - run the fuzz target on file PATH, or on every file of directory PATH; -1 on error */
static int run_path(const char *path, size_t *count)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path, count);
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' && rc == 0) {
			size_t len = strlen(path) + strlen(names[i]->d_name) + 2;
			char *p = malloc(len);
			if (p == NULL)
				abort();
			snprintf(p, len, "%s/%s", path, names[i]->d_name);
			rc = run_path(p, count);
			free(p);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/* main - run the fuzz target over every file or directory named; fails when none was run */
int main(int argc, char **argv)
{
	size_t count = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &count) != 0)
			return 1;
	printf("%zu inputs\n", count);
	return count > 0 ? 0 : 1;
}
