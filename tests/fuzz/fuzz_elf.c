/* SPDX-License-Identifier: MIT */
/*
 * fuzz_elf.c - the ELF reader that takes a check module's ABI number from
 * its file before the module is loaded (section headers, .dynsym, strings:
 * every offset comes from the file).
 */
#include "fuzz.h"
#include "engine/plugin_elf.h"

/* LLVMFuzzerTestOneInput - fuzz target: read the plugin ABI symbol from the
 * input as an ELF shared object */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned abi;
	const char *why;

	sd_elf_symbol_u32(data, size, "goodabi_LTX_sd_check", &abi, &why);
	return 0;
}
