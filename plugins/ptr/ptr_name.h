/* SPDX-License-Identifier: MIT */
/*
 * ptr_name.h - does a reverse DNS name look like an ISP's generic name?
 */
#ifndef SD_PTR_NAME_H
#define SD_PTR_NAME_H

/* sd_ptr_generic - 1 when NAME (a PTR target) looks generic for ADDRESS:
 * it spells the address's numbers (1-2-3-4, 4.3.2.1, 010002003004, hex)
 * or has a label part such as "dyn", "pool", "dsl", "dhcp", "cable";
 * *why gets a static word saying which. 0 otherwise. */
int sd_ptr_generic(const char *name, const char *address, const char **why);

#endif
