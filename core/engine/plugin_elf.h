/* SPDX-License-Identifier: MIT */
/*
 * plugin_elf.h - read a check module's ABI number from its file, before
 * the module is opened: dlopen() runs the module's constructors, so a
 * module built for another ABI must be refused without being loaded.
 */
#ifndef SD_PLUGIN_ELF_H
#define SD_PLUGIN_ELF_H

#include <stddef.h>

/* sd_elf_symbol_u32 - the 32-bit value stored at dynamic symbol SYMBOL of
 * the shared object IMAGE (LEN bytes, the whole file) into *VALUE; 0, or -1
 * with *why (a static string) when the image is not an ELF shared object of
 * this machine's class and byte order, has no such symbol, or points
 * outside itself. Every offset and size read from IMAGE is checked. */
int sd_elf_symbol_u32(const unsigned char *image, size_t len, const char *symbol, unsigned *value,
		      const char **why);

#endif
