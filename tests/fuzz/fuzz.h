/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - the one entry point every fuzz target defines (libFuzzer's).
 *
 * Built with clang -fsanitize=fuzzer when configured --enable-fuzzing
 * (make fuzz-smoke); otherwise linked with replay.c into a program that
 * runs the seed corpus once, as a regression test of make check.
 */
#ifndef SD_FUZZ_H
#define SD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_cstr - DATA as a NUL-terminated string (free it); parsers of text
 * fields take C strings, and an embedded NUL simply ends the text there */
char *fuzz_cstr(const uint8_t *data, size_t size);

#endif
