/* SPDX-License-Identifier: MIT */
/*
 * plugin_elf.c - find a dynamic symbol's initial value in an ELF shared
 * object without loading it (section headers, .dynsym and its string
 * table). The value of `abi`, the first member of the sd_check descriptor,
 * is a constant the linker writes into the file; only the descriptor's
 * pointers need relocation, so the file holds the number the loader would
 * read after dlopen().
 */
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>

#include "engine/plugin_elf.h"

#if __SIZEOF_POINTER__ == 8
#define SD_ELFCLASS ELFCLASS64
#else
#define SD_ELFCLASS ELFCLASS32
#endif
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SD_ELFDATA ELFDATA2LSB
#else
#define SD_ELFDATA ELFDATA2MSB
#endif

/* fits - is [off, off + n) inside a LEN-byte image (no overflow)? */
static int fits(uint64_t off, uint64_t n, size_t len)
{
	return off <= len && n <= len - off;
}

/* sd_elf_symbol_u32 - read the 32-bit value of SYMBOL from the ELF shared
 * object IMAGE without loading it; -1 and *WHY when it cannot */
int sd_elf_symbol_u32(const unsigned char *image, size_t len, const char *symbol, unsigned *value,
		      const char **why)
{
	ElfW(Ehdr) eh;

	if (len < sizeof(eh) || memcmp(image, ELFMAG, SELFMAG) != 0) {
		*why = "not an ELF file";
		return -1;
	}
	memcpy(&eh, image, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != SD_ELFCLASS || eh.e_ident[EI_DATA] != SD_ELFDATA) {
		*why = "an ELF file for another word size or byte order";
		return -1;
	}
	if (eh.e_type != ET_DYN) {
		*why = "not an ELF shared object";
		return -1;
	}
	if (eh.e_shentsize != sizeof(ElfW(Shdr)) || eh.e_shnum == 0 ||
	    !fits(eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(ElfW(Shdr)), len)) {
		*why = "an ELF file without readable section headers";
		return -1;
	}
	size_t want = strlen(symbol);
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		ElfW(Shdr) sh, strsh;
		memcpy(&sh, image + eh.e_shoff + (uint64_t)i * sizeof(sh), sizeof(sh));
		if (sh.sh_type != SHT_DYNSYM)
			continue;
		if (sh.sh_entsize != sizeof(ElfW(Sym)) || !fits(sh.sh_offset, sh.sh_size, len) ||
		    sh.sh_link >= eh.e_shnum) {
			*why = "a damaged ELF symbol table";
			return -1;
		}
		memcpy(&strsh, image + eh.e_shoff + (uint64_t)sh.sh_link * sizeof(strsh), sizeof(strsh));
		if (!fits(strsh.sh_offset, strsh.sh_size, len)) {
			*why = "a damaged ELF string table";
			return -1;
		}
		const char *strtab = (const char *)image + strsh.sh_offset;
		uint64_t nsyms = sh.sh_size / sizeof(ElfW(Sym));
		for (uint64_t k = 1; k < nsyms; k++) {
			ElfW(Sym) sym;
			memcpy(&sym, image + sh.sh_offset + k * sizeof(sym), sizeof(sym));
			if (sym.st_name >= strsh.sh_size || strsh.sh_size - sym.st_name <= want ||
			    memcmp(strtab + sym.st_name, symbol, want + 1) != 0)
				continue;
			if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= eh.e_shnum || sym.st_size < sizeof(uint32_t)) {
				*why = "the descriptor symbol is not defined in this file";
				return -1;
			}
			ElfW(Shdr) in;
			memcpy(&in, image + eh.e_shoff + (uint64_t)sym.st_shndx * sizeof(in), sizeof(in));
			if (in.sh_type == SHT_NOBITS || in.sh_offset > len || sym.st_value < in.sh_addr ||
			    sym.st_value - in.sh_addr > in.sh_size ||
			    in.sh_size - (sym.st_value - in.sh_addr) < sizeof(uint32_t) ||
			    !fits(in.sh_offset + (sym.st_value - in.sh_addr), sizeof(uint32_t), len)) {
				*why = "the descriptor lies outside the file";
				return -1;
			}
			uint32_t v;
			memcpy(&v, image + in.sh_offset + (sym.st_value - in.sh_addr), sizeof(v));
			*value = v;
			return 0;
		}
	}
	*why = "no descriptor symbol in the ELF dynamic symbol table";
	return -1;
}
