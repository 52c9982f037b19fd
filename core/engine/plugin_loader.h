/* SPDX-License-Identifier: MIT */
/*
 * plugin_loader.h - find, vet and load check modules with libltdl.
 *
 * A registry is built once per run from one or more plugin directories and
 * is read-only afterwards, so targets audited on several threads share it.
 * A module is refused (and the reason kept) when its file or directory is
 * writable by group/others or owned by someone other than root or us, when
 * it lacks the descriptor, or when its descriptor's ABI differs from ours.
 */
#ifndef SD_PLUGIN_LOADER_H
#define SD_PLUGIN_LOADER_H

#include <stddef.h>

#include <smtpdiag/plugin.h>

typedef struct sd_plugin {
	const sd_check *check;
	char *path;
	void *handle;         /* lt_dlhandle */
} sd_plugin;

typedef struct sd_refused_plugin {
	char *path;
	char *name;           /* module base name, e.g. "banner" */
	char *reason;
} sd_refused_plugin;

typedef struct sd_registry {
	sd_plugin *plugins;
	size_t nplugins;
	sd_refused_plugin *refused;
	size_t nrefused;
} sd_registry;

/* sd_registry_new - empty registry (initialises libltdl) */
sd_registry *sd_registry_new(void);
/* sd_registry_free - unload everything; NULL is fine */
void sd_registry_free(sd_registry *reg);
/* sd_registry_load_dir - load every module in DIR; -1 with *err when the
 * directory itself is unusable (missing, unsafe); refused modules are kept
 * in reg->refused and do not make this fail */
int sd_registry_load_dir(sd_registry *reg, const char *dir, char **err);
/* sd_registry_load_path - load DIRS separated by ':' */
int sd_registry_load_path(sd_registry *reg, const char *dirs, char **err);
/* sd_registry_find - the check called NAME, or NULL */
const sd_check *sd_registry_find(const sd_registry *reg, const char *name);
/* sd_registry_refusal - why a module of that name was refused, or NULL */
const char *sd_registry_refusal(const sd_registry *reg, const char *name);
/* sd_check_validate - NULL if the descriptor is usable, else why not
 * (static string); checks the ABI before touching anything else */
const char *sd_check_validate(const sd_check *c, char *buf, size_t size);

#endif
