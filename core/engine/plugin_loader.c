/* SPDX-License-Identifier: MIT */
/*
 * plugin_loader.c - find, vet and load check modules with libltdl.
 *
 * Order of trust, for each *.la (or lone *.so) of a configured directory:
 * the directory and the file are checked with stat(); a .la is resolved by
 * us to the shared object it names, next to it (never to the libdir= it
 * claims); that object's real path, its directory and the object itself are
 * checked again; the descriptor's ABI number is read from the file (ELF
 * dynamic symbol table) - and only then is the module opened, so a module
 * of another ABI never has its constructors run. After dlopen the
 * descriptor's first member (abi) is read before any other member or any
 * function of the module is used. Directories come only from --plugin-dir,
 * SMTPDIAG_PLUGIN_DIR or the built-in default; empty entries are ignored,
 * never taken as the current directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ltdl.h>

#include "engine/plugin_elf.h"
#include "engine/plugin_loader.h"
#include "base/util.h"

/* sd_registry_new - registry plus libltdl init (reference counted) */
sd_registry *sd_registry_new(void)
{
	sd_registry *reg = sd_xcalloc(1, sizeof(*reg));

	lt_dlinit();
	return reg;
}

/* sd_registry_free - close modules and free */
void sd_registry_free(sd_registry *reg)
{
	if (reg == NULL)
		return;
	for (size_t i = 0; i < reg->nplugins; i++) {
		lt_dlclose((lt_dlhandle)reg->plugins[i].handle);
		free(reg->plugins[i].path);
	}
	for (size_t i = 0; i < reg->nrefused; i++) {
		free(reg->refused[i].path);
		free(reg->refused[i].name);
		free(reg->refused[i].reason);
	}
	free(reg->plugins);
	free(reg->refused);
	free(reg);
	lt_dlexit();
}

/* unsafe - why PATH must not be trusted, or NULL (Postfix's rule) */
static const char *unsafe(const char *path, char *buf, size_t size)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		snprintf(buf, size, "cannot stat %s: %s", path, strerror(errno));
		return buf;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(buf, size, "%s is writable by %s; refusing to load code from it", path,
			 st.st_mode & S_IWOTH ? "everyone" : "its group");
		return buf;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(buf, size, "%s is owned by uid %u, neither root nor us; refusing to load code from it",
			 path, (unsigned)st.st_uid);
		return buf;
	}
	return NULL;
}

/* sd_check_validate - is the descriptor one we can use? */
const char *sd_check_validate(const sd_check *c, char *buf, size_t size)
{
	if (c->abi != SD_PLUGIN_ABI) {
		snprintf(buf, size,
			 "built for plugin ABI %u, but this smtp-diag speaks ABI %u; rebuild the module against these headers",
			 c->abi, (unsigned)SD_PLUGIN_ABI);
		return buf;
	}
	if (c->name == NULL || c->name[0] == '\0' || c->run == NULL) {
		snprintf(buf, size, "descriptor has no name or no run function");
		return buf;
	}
	for (const char *p = c->name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_')) {
			snprintf(buf, size, "check name '%s' may only use a-z, 0-9, '-' and '_'", c->name);
			return buf;
		}
	return NULL;
}

static int ends_with(const char *s, const char *suffix);

/* refuse - record that the module at PATH was not loaded, and why */
static void refuse(sd_registry *reg, const char *path, const char *name, const char *reason)
{
	reg->refused = sd_xrealloc(reg->refused, (reg->nrefused + 1) * sizeof(*reg->refused));
	reg->refused[reg->nrefused++] = (sd_refused_plugin){ sd_xstrdup(path), sd_xstrdup(name),
							     sd_xstrdup(reason) };
}

/* la_dlname - the dlname='...' of a libtool .la file: the shared object
 * it stands for, a plain file name (NULL and WHY if unusable; free it) */
static char *la_dlname(const char *la, char *why, size_t size)
{
	FILE *f = fopen(la, "r");
	char line[1024];
	char *name = NULL;

	if (f == NULL) {
		snprintf(why, size, "cannot read %s: %s", la, strerror(errno));
		return NULL;
	}
	while (name == NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "dlname='", 8) != 0)
			continue;
		char *end = strchr(line + 8, '\'');
		if (end != NULL && end > line + 8)
			name = sd_xstrndup(line + 8, (size_t)(end - line - 8));
	}
	fclose(f);
	if (name == NULL)
		snprintf(why, size, "%s names no shared object (dlname)", la);
	else if (strchr(name, '/') != NULL || strcmp(name, "..") == 0) {
		snprintf(why, size, "%s names a shared object outside its directory ('%s')", la, name);
		free(name);
		name = NULL;
	}
	return name;
}

/* shared_object - the file that will really be mapped for PATH (a .la
 * or a .so in DIR): libltdl would follow a .la's libdir= anywhere, so we
 * resolve it ourselves to DIR/.libs/DLNAME (uninstalled) or DIR/DLNAME,
 * then to its real path. NULL and WHY if there is none. */
static char *shared_object(const char *dir, const char *path, char *why, size_t size)
{
	char *so = NULL;

	if (ends_with(path, ".la")) {
		char *dlname = la_dlname(path, why, size);
		if (dlname == NULL)
			return NULL;
		char *uninstalled = sd_asprintf("%s/.libs/%s", dir, dlname);
		char *installed = sd_asprintf("%s/%s", dir, dlname);
		if (access(uninstalled, F_OK) == 0)
			so = uninstalled;
		else if (access(installed, F_OK) == 0)
			so = installed;
		else
			snprintf(why, size, "%s names %s, which is neither in %s nor in %s/.libs", path, dlname, dir,
				 dir);
		if (so != uninstalled)
			free(uninstalled);
		if (so != installed)
			free(installed);
		free(dlname);
		if (so == NULL)
			return NULL;
	} else {
		so = sd_xstrdup(path);
	}
	char *real = realpath(so, NULL);
	if (real == NULL)
		snprintf(why, size, "cannot resolve %s: %s", so, strerror(errno));
	free(so);
	return real;
}

/* vet_object - the checks made before any byte of REAL (a real path) is
 * mapped as code: its directory and itself trusted, a regular file, and a
 * descriptor whose ABI, read from the file, is ours. */
static const char *vet_object(const char *real, const char *symbol, char *why, size_t size)
{
	char *dir = sd_xstrdup(real);
	char *slash = strrchr(dir, '/');
	struct stat st;

	if (slash != NULL && slash != dir)
		*slash = '\0';
	const char *bad = unsafe(dir, why, size);
	free(dir);
	if (bad != NULL)
		return bad;
	if (unsafe(real, why, size) != NULL)
		return why;

	int fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		snprintf(why, size, "%s is not a readable regular file", real);
		if (fd >= 0)
			close(fd);
		return why;
	}
	void *image = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (image == MAP_FAILED) {
		snprintf(why, size, "cannot read %s: %s", real, strerror(errno));
		return why;
	}
	unsigned abi = 0;
	const char *elf_why = NULL;
	int rc = sd_elf_symbol_u32(image, (size_t)st.st_size, symbol, &abi, &elf_why);
	munmap(image, (size_t)st.st_size);
	if (rc != 0) {
		snprintf(why, size, "%s: %s (looked for %s); not loaded", real, elf_why, symbol);
		return why;
	}
	if (abi != SD_PLUGIN_ABI) {
		snprintf(why, size,
			 "built for plugin ABI %u, but this smtp-diag speaks ABI %u; rebuild the module against "
			 "these headers (not loaded: none of its code ran)", abi, (unsigned)SD_PLUGIN_ABI);
		return why;
	}
	return NULL;
}

/* load_one - vet PATH, open it and register its check, or record why not */
static void load_one(sd_registry *reg, const char *dir, const char *path, const char *base)
{
	char why[512];
	lt_dladvise advise;
	lt_dlhandle h;

	if (unsafe(path, why, sizeof(why)) != NULL) {
		refuse(reg, path, base, why);
		return;
	}
	/* the descriptor symbol: libtool's <module>_LTX_sd_check, non-alnum as '_' */
	char symbol[256];
	size_t k = 0;
	for (const char *p = base; *p != '\0' && k + 1 < sizeof(symbol); p++)
		symbol[k++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
				      ? *p : '_';
	snprintf(symbol + k, sizeof(symbol) - k, "_LTX_%s", SD_CHECK_SYMBOL);

	char *real = shared_object(dir, path, why, sizeof(why));
	if (real == NULL) {
		refuse(reg, path, base, why);
		return;
	}
	if (vet_object(real, symbol, why, sizeof(why)) != NULL) {
		refuse(reg, path, base, why);
		free(real);
		return;
	}
	lt_dladvise_init(&advise);
	lt_dladvise_local(&advise);
	h = lt_dlopenadvise(real, advise);
	lt_dladvise_destroy(&advise);
	free(real);
	if (h == NULL) {
		snprintf(why, sizeof(why), "cannot load: %s", lt_dlerror());
		refuse(reg, path, base, why);
		return;
	}
	const sd_check *c = lt_dlsym(h, symbol);
	if (c == NULL) {
		snprintf(why, sizeof(why), "no '%s' descriptor: not an smtpdiag check module", symbol);
		refuse(reg, path, base, why);
		lt_dlclose(h);
		return;
	}
	if (sd_check_validate(c, why, sizeof(why)) != NULL) {
		refuse(reg, path, base, why);
		lt_dlclose(h);
		return;
	}
	if (sd_registry_find(reg, c->name) != NULL) {
		snprintf(why, sizeof(why), "a check named '%s' is already loaded; the first one wins", c->name);
		refuse(reg, path, base, why);
		lt_dlclose(h);
		return;
	}
	reg->plugins = sd_xrealloc(reg->plugins, (reg->nplugins + 1) * sizeof(*reg->plugins));
	reg->plugins[reg->nplugins++] = (sd_plugin){ c, sd_xstrdup(path), h };
}

/* ends_with - does S end in SUFFIX (and hold more than it)? */
static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcmp(s + n - m, suffix) == 0;
}

/* cmp_str - qsort order of C strings */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* has_la_twin - is BASE.la (BL characters of base) among NAMES other than
 * NAMES[SELF]? A .so with a .la twin is the object that .la stands for
 * (an installed tree holds both) and is loaded through the .la only. */
static int has_la_twin(char *const *names, size_t n, size_t self, const char *base, size_t bl)
{
	for (size_t j = 0; j < n; j++)
		if (j != self && strncmp(names[j], base, bl) == 0 && strcmp(names[j] + bl, ".la") == 0)
			return 1;
	return 0;
}

/* sd_registry_load_dir - every *.la (or *.so without a .la twin) in DIR */
int sd_registry_load_dir(sd_registry *reg, const char *dir, char **err)
{
	char why[512];
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;

	if (unsafe(dir, why, sizeof(why)) != NULL) {
		*err = sd_asprintf("plugin directory: %s", why);
		return -1;
	}
	d = opendir(dir);
	if (d == NULL) {
		*err = sd_asprintf("plugin directory %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (ends_with(de->d_name, ".la") || ends_with(de->d_name, ".so")) {
			names = sd_xrealloc(names, (n + 1) * sizeof(char *));
			names[n++] = sd_xstrdup(de->d_name);
		}
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(char *), cmp_str);
	/* every name stays allocated until the whole list is done: the twin
	 * test of a .so looks at the other names, sorted before and after it */
	for (size_t i = 0; i < n; i++) {
		size_t bl = strlen(names[i]) - 3;
		char *base = sd_xstrndup(names[i], bl);

		if (!(ends_with(names[i], ".so") && has_la_twin(names, n, i, base, bl))) {
			char *path = sd_asprintf("%s/%s", dir, names[i]);
			load_one(reg, dir, path, base);
			free(path);
		}
		free(base);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return 0;
}

/* sd_registry_load_path - colon-separated directories, in order. Every
 * entry must be an absolute path: an empty or relative one would load code
 * from wherever smtp-diag happens to be started. */
int sd_registry_load_path(sd_registry *reg, const char *dirs, char **err)
{
	char *copy = sd_xstrdup(dirs), *save = NULL;
	int rc = 0, n = 0;

	for (char *d = strtok_r(copy, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save)) {
		if (d[0] != '/') {
			*err = sd_asprintf("plugin directory '%s' is not an absolute path; smtp-diag never loads "
					   "code relative to the directory it is started from", d);
			rc = -1;
			break;
		}
		n++;
		if (sd_registry_load_dir(reg, d, err) != 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && n == 0) {
		*err = sd_asprintf("the plugin path '%s' names no directory (an empty entry is never the current "
				   "directory)", dirs);
		rc = -1;
	}
	free(copy);
	return rc;
}

/* sd_registry_find - check by name */
const sd_check *sd_registry_find(const sd_registry *reg, const char *name)
{
	for (size_t i = 0; i < reg->nplugins; i++)
		if (strcmp(reg->plugins[i].check->name, name) == 0)
			return reg->plugins[i].check;
	return NULL;
}

/* sd_registry_refusal - reason a module of that base name was refused */
const char *sd_registry_refusal(const sd_registry *reg, const char *name)
{
	for (size_t i = 0; i < reg->nrefused; i++) {
		const char *b = reg->refused[i].name;
		size_t k;
		/* module "response_time" serves check "response-time" */
		for (k = 0; b[k] != '\0' && name[k] != '\0'; k++)
			if (b[k] != name[k] && !(b[k] == '_' && name[k] == '-'))
				break;
		if (b[k] == '\0' && name[k] == '\0')
			return reg->refused[i].reason;
	}
	return NULL;
}
