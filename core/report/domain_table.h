/* SPDX-License-Identifier: MIT */
/*
 * domain_table.h - a --domain report as one table: each address of each MX
 * host against reachable, TLS, certificate, DANE, PTR and blocklists, then
 * one row per domain-wide answer (MTA-STS, TLS-RPT, SPF, DMARC, DNSSEC).
 * Built from the domain's JSON document, so the text and HTML reports
 * (and anyone reading --json) show the same cells.
 */
#ifndef SD_DOMAIN_TABLE_H
#define SD_DOMAIN_TABLE_H

#include <jansson.h>

/* The columns of a host row, in order (NULL-ended). */
extern const char *const sd_domain_table_columns[];

/* sd_domain_table - from DOC (sd_domain_to_json()): {"hosts": [{"preference",
 * "host", "address", "cells": [{"text", "status"}...]}], "domain": [{"name",
 * "text", "status"}]}; "status" is ok/info/warning/critical/skipped/"" */
json_t *sd_domain_table(const json_t *doc);

#endif
