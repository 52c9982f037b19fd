/* SPDX-License-Identifier: MIT */
/*
 * report_html.c - the HTML audit report (report_html.h).
 *
 * Layout: a header (when, what, profile, version, verdict); for a fleet an
 * overview table worst first, a histogram of audit times and the most
 * frequent findings; then per target its findings sorted by severity with
 * cause and fix, a timing waterfall (SVG), the compliance table, every
 * check with its facts, and the transcript folded in <details>.
 *
 * Everything that came from a server goes through esc(). Nothing here
 * reads text output; the input is the JSON model.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/domain_table.h"
#include "report/report_html.h"
#include "base/util.h"

/* ---- escaping ---------------------------------------------------------- */

/* utf8_len - length of the valid UTF-8 sequence at S (N bytes left), 0 if invalid */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* esc - S as HTML text or attribute value: markup characters as entities,
 * control characters as a visible \xNN, invalid UTF-8 as U+FFFD */
static void esc(FILE *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t n = strlen((const char *)p);

	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		switch (c) {
		case '&': fputs("&amp;", o); i++; continue;
		case '<': fputs("&lt;", o); i++; continue;
		case '>': fputs("&gt;", o); i++; continue;
		case '"': fputs("&quot;", o); i++; continue;
		case '\'': fputs("&#39;", o); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(o, "\\x%02x", c);
			i++;
			continue;
		}
		size_t len = utf8_len(p + i, n - i);
		if (len == 0) {
			fputs("\xef\xbf\xbd", o);
			i++;
			continue;
		}
		/* C1 controls (U+0080..U+009F) are invisible too */
		if (len == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) {
			fprintf(o, "\\u%04x", p[i + 1]);
			i += 2;
			continue;
		}
		fwrite(p + i, 1, len, o);
		i += len;
	}
}

/* ---- small accessors ---------------------------------------------------- */

static const char *str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* num - the number KEY of object O, or DFLT */
static double num(const json_t *o, const char *key, double dflt)
{
	const json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : dflt;
}

/* sev_rank - the rank of severity word S, worst first (6 for an unknown word) */
static int sev_rank(const char *s)
{
	static const char *const order[] = { "critical", "error", "warning", "info", "ok", "skipped" };
	for (int i = 0; i < 6; i++)
		if (s != NULL && strcmp(s, order[i]) == 0)
			return i;
	return 6;
}

/* sev_class - the CSS class of severity word S */
static const char *sev_class(const char *s)
{
	switch (sev_rank(s)) {
	case 0: return "crit";
	case 1: return "err";
	case 2: return "warn";
	case 3: return "info";
	case 4: return "ok";
	default: return "skip";
	}
}

/* verdict_word - a target's verdict in the one vocabulary of every output
 * (OK / WARNING / CRITICAL / UNKNOWN, as the text [RESULT] line and
 * monitoring plugins say it): from its "verdict", else its exit code */
static const char *verdict_word(const json_t *doc)
{
	static const char *const words[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };
	const char *v = str(doc, "verdict");
	if (v != NULL)
		return v;
	double e = num(doc, "exit_code", 3);
	return words[e >= 0 && e <= 3 ? (int)e : 3];
}

/* verdict_class - the badge colour of a verdict word */
static const char *verdict_class(const char *v)
{
	return v == NULL ? "skip" : strcmp(v, "OK") == 0 ? "ok" : strcmp(v, "WARNING") == 0 ? "warn"
		: strcmp(v, "CRITICAL") == 0 ? "crit" : "err";
}

/* verdict_rank - worse first, for sorting and the run's verdict */
static int verdict_rank(const char *v)
{
	return v == NULL ? 9 : strcmp(v, "CRITICAL") == 0 ? 0 : strcmp(v, "UNKNOWN") == 0 ? 1
		: strcmp(v, "WARNING") == 0 ? 2 : strcmp(v, "OK") == 0 ? 3 : 9;
}

/* verdict_badge - a target's verdict as a badge */
static void verdict_badge(FILE *o, const json_t *doc)
{
	const char *v = verdict_word(doc);
	fprintf(o, "<span class=\"b %s\">", verdict_class(v));
	esc(o, v);
	fputs("</span>", o);
}

/* badge - write the coloured badge of severity word STATUS */
static void badge(FILE *o, const char *status)
{
	fprintf(o, "<span class=\"b %s\">", sev_class(status));
	esc(o, status != NULL ? status : "?");
	fputs("</span>", o);
}

/* ---- style -------------------------------------------------------------- */

static const char STYLE[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:#1d2330;"
	"margin:0;background:#f4f6f9}\n"
	"main{max-width:1180px;margin:0 auto;padding:24px}\n"
	"h1{font-size:24px;margin:0 0 12px}h2{font-size:20px;margin:32px 0 8px;border-bottom:2px solid #d5dbe5;"
	"padding-bottom:4px}h3{font-size:16px;margin:18px 0 6px}\n"
	"section,header{background:#fff;border:1px solid #d5dbe5;border-radius:6px;padding:16px 20px;margin:16px 0}\n"
	"table{border-collapse:collapse;width:100%;margin:6px 0 10px}th,td{text-align:left;vertical-align:top;"
	"padding:5px 8px;border-bottom:1px solid #e4e8ef}th{background:#eef1f6;font-weight:600}\n"
	"table.kv th{width:210px;background:none;color:#4a5568}\n"
	"td.wrap,td code{word-break:break-word}code,pre{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;"
	"font-size:12.5px}\n"
	".b{display:inline-block;min-width:62px;text-align:center;border-radius:4px;padding:1px 6px;font-weight:600;"
	"font-size:12px;text-transform:uppercase;color:#fff}\n"
	".crit{background:#c62828}.err{background:#6a1b9a}.warn{background:#ef8f00}.info{background:#1e6fd9}"
	".ok{background:#2e7d32}.skip{background:#8a94a6}\n"
	".domain-table td.crit{background:#fde0e0}.domain-table td.err{background:#efe0f5}"
	".domain-table td.warn{background:#fff1d6}.domain-table td.info{background:#e3eefc}"
	".domain-table td.ok{background:#e3f4e4}.domain-table td.skip{background:#f1f3f6}\n"
	".verdict{font-size:18px;padding:4px 12px}.muted{color:#5f6b7d}.bad{color:#b71c1c;font-weight:600}\n"
	"ul.facts{margin:0;padding-left:18px}details{margin:8px 0}summary{cursor:pointer;color:#1e4f9c}\n"
	"pre.transcript{background:#0f1722;color:#d6e2f0;padding:10px;border-radius:4px;overflow-x:auto;"
	"white-space:pre-wrap}\n"
	".dir-client{color:#8fd18f}.dir-server{color:#d6e2f0}.dir-event{color:#8a9bb3}\n"
	"svg text{font:11px system-ui,'DejaVu Sans',sans-serif;fill:#1d2330}\n"
	"nav a{margin-right:12px}a{color:#1e4f9c}section>h2:first-child{margin-top:0}\n"
	"table.findings{table-layout:fixed}table.findings th:nth-child(1){width:84px}"
	"table.findings th:nth-child(2){width:205px}table.findings th:nth-child(3){width:34%}\n"
	"table.findings td:nth-child(2) code{white-space:nowrap}\n"
	"table.compliance{table-layout:fixed}table.compliance th:nth-child(1){width:30%}"
	"table.compliance th:nth-child(2){width:92px}table.compliance th:nth-child(3){width:22%}\n"
	"table.compliance.targets th:nth-child(1){width:14%}table.compliance.targets th:nth-child(2){width:26%}"
	"table.compliance.targets th:nth-child(3){width:92px}table.compliance.targets th:nth-child(4){width:18%}\n"
	"details.fold{display:inline;margin:0}details.fold>summary{color:inherit;list-style-position:inside}"
	"details.fold[open]>summary{display:none}\n"
	"div.summary{margin:6px 0 10px}\n"
	".cert{display:grid;grid-template-columns:210px 1fr;gap:4px 12px;margin:6px 0 12px}"
	".cert>div:nth-child(odd){color:#4a5568;font-weight:600}\n"
	"svg.validity{display:block;margin:3px 0}\n"
	"table.matrix td.y{text-align:center;color:#2e7d32;font-weight:700}table.matrix td.n{text-align:center;"
	"color:#b7c0cd}table.matrix th.v{width:70px;text-align:center}\n"
	".pill{display:inline-block;border-radius:10px;padding:0 8px;margin:0 6px 4px 0;font-size:12px;"
	"border:1px solid #d5dbe5}.pill.y{background:#e7f4e8;border-color:#9bd19f}.pill.bad{background:#fdecea;"
	"border-color:#f1a9a0}\n"
	"@media print{body{background:#fff}section,header{border:none;padding:0}}\n";

/* ---- facts -------------------------------------------------------------- */

/* What the findings of one check point at: every string of their details,
 * and their summaries. A fact value named there is an offending one (an
 * accepted suite the finding lists, an expiry date) and is marked. */
typedef struct {
	json_t *values;          /* object used as a set */
	const json_t *findings;  /* the check's findings */
} marks;

/* collect_strings - add every string in V (recursing into arrays and objects) as a key of SET */
static void collect_strings(const json_t *v, json_t *set)
{
	size_t i;
	const char *k;
	json_t *x;

	if (json_is_string(v)) {
		json_object_set_new(set, json_string_value(v), json_true());
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			collect_strings(x, set);
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x)
			collect_strings(x, set);
	}
}

/* word_char - can C be part of a word the report marks (letters, digits, '-', '_', '.') */
static int word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
	       c == '.';
}

/* mentioned - is S named, as a whole word, by a finding of M? */
static int mentioned(const marks *m, const char *s)
{
	size_t i, n = strlen(s);
	json_t *f;

	if (m == NULL || n < 5)
		return 0;
	if (json_object_get(m->values, s) != NULL)
		return 1;
	/* in prose only identifiers count (suite names, versions, dates,
	 * host names), never plain words such as "accepted" */
	if (strpbrk(s, "0123456789-_.") == NULL)
		return 0;
	json_array_foreach(m->findings, i, f) {
		const char *sum = str(f, "summary");
		for (const char *p = sum != NULL ? strstr(sum, s) : NULL; p != NULL; p = strstr(p + 1, s)) {
			char after = p[n];
			if ((p == sum || !word_char(p[-1])) && (after == '\0' || !word_char(after) ||
								 (after == '.' && !word_char(p[n + 1]))))
				return 1;
		}
	}
	return 0;
}

static void value_html(FILE *o, const json_t *v, const marks *bad, int depth);
static void folded(FILE *o, const char *s, size_t max);

/* scalar_html - write scalar V as HTML (yes/no, a dash for null), strings that
 * BAD mentions marked */
static void scalar_html(FILE *o, const json_t *v, const marks *bad)
{
	char buf[64];

	if (json_is_string(v)) {
		int mark = mentioned(bad, json_string_value(v));
		if (mark)
			fputs("<span class=\"bad\">", o);
		esc(o, json_string_value(v));
		if (mark)
			fputs("</span>", o);
	} else if (json_is_true(v)) {
		fputs("yes", o);
	} else if (json_is_false(v)) {
		fputs("no", o);
	} else if (json_is_null(v)) {
		fputs("<span class=\"muted\">&#8212;</span>", o);
	} else if (json_is_integer(v)) {
		fprintf(o, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		snprintf(buf, sizeof(buf), "%.3f", json_real_value(v));
		/* trim trailing zeros: 12.500 -> 12.5 */
		char *e = buf + strlen(buf) - 1;
		while (e > buf && *e == '0')
			*e-- = '\0';
		if (*e == '.')
			*e = '\0';
		fputs(buf, o);
	}
}

/* value_html - write fact value V as HTML: lists (long ones folded), nested
 * objects as tables, scalars */
static void value_html(FILE *o, const json_t *v, const marks *bad, int depth)
{
	size_t i;
	const char *k;
	json_t *x;

	if (json_is_array(v)) {
		if (json_array_size(v) == 0) {
			fputs("<span class=\"muted\">none</span>", o);
			return;
		}
		int simple = 1;
		json_array_foreach(v, i, x)
			if (json_is_object(x) || json_is_array(x))
				simple = 0;
		if (simple) {   /* a long list folds away behind its count */
			int fold = json_array_size(v) > 12;
			if (fold)
				fprintf(o, "<details><summary>%zu entries</summary>", json_array_size(v));
			json_array_foreach(v, i, x) {
				if (i > 0)
					fputs(", ", o);
				scalar_html(o, x, bad);
			}
			if (fold)
				fputs("</details>", o);
			return;
		}
		fputs("<ul class=\"facts\">", o);
		json_array_foreach(v, i, x) {
			fputs("<li>", o);
			value_html(o, x, bad, depth + 1);
			fputs("</li>", o);
		}
		fputs("</ul>", o);
	} else if (json_is_object(v)) {
		if (json_object_size(v) == 0) {
			fputs("<span class=\"muted\">none</span>", o);
			return;
		}
		if (depth > 6) {
			fputs("&#8230;", o);
			return;
		}
		fputs("<table class=\"kv\">", o);
		json_object_foreach((json_t *)v, k, x) {
			fputs("<tr><th>", o);
			esc(o, k);
			fputs("</th><td class=\"wrap\">", o);
			value_html(o, x, bad, depth + 1);
			fputs("</td></tr>", o);
		}
		fputs("</table>", o);
	} else {
		scalar_html(o, v, bad);
	}
}

/* ---- findings ------------------------------------------------------------ */

typedef struct {
	const json_t *finding;
	size_t order;
} found;

/* found_cmp - qsort order of findings: worst severity first, then report order */
static int found_cmp(const void *a, const void *b)
{
	const found *x = a, *y = b;
	int r = sev_rank(str(x->finding, "severity")) - sev_rank(str(y->finding, "severity"));
	if (r != 0)
		return r;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* findings_table - write the table of all the CHECKS' findings, worst first */
static void findings_table(FILE *o, const json_t *checks)
{
	size_t i, j, n = 0, cap = 0;
	json_t *c, *f;
	found *all = NULL;

	json_array_foreach(checks, i, c) {
		json_array_foreach(json_object_get(c, "findings"), j, f) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				all = sd_xrealloc(all, cap * sizeof(*all));
			}
			all[n] = (found){ f, n };
			n++;
		}
	}
	if (n == 0) {
		fputs("<p class=\"muted\">No findings.</p>\n", o);
		free(all);
		return;
	}
	qsort(all, n, sizeof(*all), found_cmp);
	fputs("<table class=\"findings\"><thead><tr><th>Severity</th><th>Finding</th><th>What</th>"
	      "<th>Likely cause</th><th>Fix</th></tr></thead><tbody>\n", o);
	for (i = 0; i < n; i++) {
		const json_t *x = all[i].finding;
		fputs("<tr><td>", o);
		badge(o, str(x, "severity"));
		fputs("</td><td><code>", o);
		esc(o, str(x, "id"));
		fputs("</code>", o);
		const json_t *refs = json_object_get(x, "references");
		if (json_is_array(refs) && json_array_size(refs) > 0) {
			/* the CVEs and RFCs the finding concerns (absent from older reports) */
			size_t k;
			const json_t *ref;
			fputs("<br><span class=\"muted\">", o);
			json_array_foreach(refs, k, ref) {
				if (k > 0)
					fputs(", ", o);
				esc(o, json_is_string(ref) ? json_string_value(ref) : "");
			}
			fputs("</span>", o);
		}
		fputs("</td><td class=\"wrap\">", o);
		folded(o, str(x, "summary"), 150);   /* a list of 16 suites folds behind its start */
		fputs("</td><td class=\"wrap\">", o);
		if (str(x, "cause") != NULL)
			esc(o, str(x, "cause"));
		else
			fputs("<span class=\"muted\">&#8212;</span>", o);
		fputs("</td><td class=\"wrap\">", o);
		if (str(x, "fix") != NULL)
			esc(o, str(x, "fix"));
		else
			fputs("<span class=\"muted\">&#8212;</span>", o);
		fputs("</td></tr>\n", o);
	}
	fputs("</tbody></table>\n", o);
	free(all);
}

/* ---- waterfall ------------------------------------------------------------ */

typedef struct {
	const char *label;
	double start, ms;
	int kind;   /* 0 session phase, 1 check */
} bar;

/* clip_point - bytes of S to show for at most MAX characters, ending
 * between words (a suite name or a date is never cut in half); all of S
 * when it fits */
static size_t clip_point(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0, i = 0, n = strlen(s);

	while (i < n && chars < max) {
		size_t len = utf8_len(p + i, n - i);
		i += len > 0 ? len : 1;
		chars++;
	}
	return i >= n ? n : sd_word_prefix(s, i);
}

/* clipped - at most MAX characters of S, ended between words, then an
 * ellipsis: for labels whose whole text is in a tooltip beside them */
static void clipped(FILE *o, const char *s, size_t max)
{
	s = s != NULL ? s : "";
	size_t i = clip_point(s, max);
	char *cut = sd_xstrndup(s, i);
	esc(o, cut);
	if (i < strlen(s))
		fputs("&#8230;", o);
	free(cut);
}

/* folded - S in full; when longer than MAX characters its start (ended
 * between words) is shown and the whole folds out behind it: a value is
 * never cut, a long one never floods the page */
static void folded(FILE *o, const char *s, size_t max)
{
	s = s != NULL ? s : "";
	size_t i = clip_point(s, max);
	if (i >= strlen(s)) {
		esc(o, s);
		return;
	}
	char *cut = sd_xstrndup(s, i);
	fputs("<details class=\"fold\"><summary>", o);
	esc(o, cut);
	fprintf(o, " &#8230; <span class=\"muted\">(%zu more characters)</span></summary>", strlen(s) - i);
	esc(o, s);
	fputs("</details>", o);
	free(cut);
}

/* waterfall - write the timing waterfall of DOC: connection phases and check durations as bars */
static void waterfall(FILE *o, const json_t *doc)
{
	static const struct {
		const char *key, *label;
	} phases[] = {
		{ "resolve_ms", "DNS lookup" },
		{ "connect_ms", "TCP connect" },
		{ "greeting_ms", "greeting" },
		{ "ehlo_ms", "EHLO" },
		{ "starttls_ms", "STARTTLS" },
		{ "tls_handshake_ms", "TLS handshake" },
		{ "ehlo_tls_ms", "EHLO after TLS" },
	};
	const json_t *timings = json_object_get(doc, "timings");
	const json_t *checks = json_object_get(doc, "checks");
	bar bars[64];
	size_t nb = 0;
	double t = 0, total = 0;

	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		double ms = num(timings, phases[i].key, -1);
		if (ms < 0)
			continue;
		bars[nb++] = (bar){ phases[i].label, t, ms, 0 };
		t += ms;
	}
	total = t;
	/* checks run one after another: each starts where the previous ended */
	t = 0;
	size_t i;
	json_t *c;
	json_array_foreach(checks, i, c) {
		double ms = num(c, "duration_ms", -1);
		const char *st = str(c, "status");
		if (ms < 0 || nb >= sizeof(bars) / sizeof(bars[0]) || (st != NULL && strcmp(st, "skipped") == 0))
			continue;
		bars[nb++] = (bar){ str(c, "title") != NULL ? str(c, "title") : str(c, "name"), t, ms, 1 };
		t += ms;
	}
	if (t > total)
		total = t;
	if (nb == 0 || total <= 0) {
		fputs("<p class=\"muted\">No timings.</p>\n", o);
		return;
	}
	const int left = 230, width = 640, row = 20, top = 24;
	int groups = bars[nb - 1].kind != bars[0].kind ? 1 : 0;
	int h = top + (int)(nb + (size_t)groups) * row + 30;
	fprintf(o, "<svg class=\"waterfall\" role=\"img\" aria-label=\"timing waterfall\" "
		   "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
		left + width + 90, h, left + width + 90, h);
	fprintf(o, "<text x=\"0\" y=\"14\" font-weight=\"600\">%s</text>\n",
		bars[0].kind == 0 ? "session phases" : "checks");
	/* time axis: 5 ticks */
	for (int k = 0; k <= 4; k++) {
		double x = left + width * k / 4.0;
		fprintf(o, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e4e8ef\"/>", x, top - 4, x,
			h - 24);
		fprintf(o, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.3g ms</text>\n", x, h - 8,
			total * k / 4.0);
	}
	int y = top;
	for (size_t b = 0; b < nb; b++) {
		if (b > 0 && bars[b].kind != bars[b - 1].kind) {   /* the checks, one after another */
			fprintf(o, "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#b7c0cd\"/>"
				   "<text x=\"0\" y=\"%d\" font-weight=\"600\">checks</text>\n",
				y + 2, left + width, y + 2, y + 16);
			y += row;
		}
		double x = left + width * bars[b].start / total;
		double w = width * bars[b].ms / total;
		if (w < 1.5)
			w = 1.5;
		/* a phase over a third of the whole, or over 1 s, is what the reader looks for */
		const char *fill = bars[b].ms >= 1000 || bars[b].ms > total / 3 ? "#ef8f00"
				   : bars[b].kind == 0 ? "#1e6fd9" : "#5a8fd6";
		fprintf(o, "<text x=\"8\" y=\"%d\">", y + 13);
		clipped(o, bars[b].label, 34);
		fprintf(o, "</text><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"2\" fill=\"%s\"><title>", x,
			y + 3, w, row - 6, fill);
		esc(o, bars[b].label);
		fprintf(o, ": %.1f ms</title></rect><text x=\"%.1f\" y=\"%d\">%.1f ms</text>\n", bars[b].ms,
			x + w + 4 > left + width + 10 ? (double)(left + width + 10) : x + w + 4, y + 13, bars[b].ms);
		y += row;
	}
	fputs("</svg>\n", o);
}

/* ---- one target ----------------------------------------------------------- */

/* compliance_tables - the requirements of a compliance profile for N
 * targets in one table (a domain: its own rows, then each MX host's, with
 * a Target column): result, source, and the evidence either way (the
 * findings that failed it, or what the deciding checks saw when it
 * passed), each folded when long */
static void compliance_tables(FILE *o, const json_t *const *comps, const char *const *labels, size_t n)
{
	size_t i, j, k;
	json_t *r, *e;
	long long passed = 0, failed = 0, untested = 0;
	size_t present = 0;

	for (k = 0; k < n; k++) {
		if (!json_is_object(comps[k]))
			continue;
		present++;
		passed += (long long)num(comps[k], "passed", 0);
		failed += (long long)num(comps[k], "failed", 0);
		untested += (long long)num(comps[k], "not_tested", 0);
	}
	if (present == 0)
		return;
	int with_target = n > 1;
	fprintf(o, "<h3>Compliance: %lld passed, %lld failed, %lld not tested</h3>\n", passed, failed, untested);
	fprintf(o, "<table class=\"compliance%s\"><thead><tr>%s<th>Requirement</th><th>Result</th><th>Source</th>"
		   "<th>Evidence</th></tr></thead><tbody>\n", with_target ? " targets" : "",
		with_target ? "<th>Target</th>" : "");
	for (k = 0; k < n; k++) {
		json_array_foreach(json_object_get(comps[k], "requirements"), i, r) {
			const char *st = str(r, "status");
			const char *cls = st != NULL && strcmp(st, "pass") == 0 ? "ok"
					  : st != NULL && strcmp(st, "fail") == 0 ? "crit" : "skip";
			fputs("<tr>", o);
			if (with_target) {
				fputs("<td>", o);
				esc(o, labels[k]);
				fputs("</td>", o);
			}
			fputs("<td><code>", o);
			esc(o, str(r, "id"));
			fputs("</code> ", o);
			esc(o, str(r, "title"));
			fprintf(o, "</td><td><span class=\"b %s\">", cls);
			esc(o, st != NULL && strcmp(st, "not_tested") == 0 ? "not tested" : st);
			fputs("</span></td><td>", o);
			esc(o, str(r, "source"));
			fputs("</td><td class=\"wrap\">", o);
			const json_t *ev = json_object_get(r, "evidence");
			if (json_array_size(ev) == 0)
				fputs("<span class=\"muted\">&#8212;</span>", o);
			json_array_foreach(ev, j, e) {
				fputs("<div>", o);
				folded(o, json_string_value(e), 110);
				fputs("</div>", o);
			}
			fputs("</td></tr>\n", o);
		}
	}
	fputs("</tbody></table>\n", o);
}

/* compliance_table - one target's requirements */
static void compliance_table(FILE *o, const json_t *comp)
{
	const char *label = "";
	compliance_tables(o, &comp, &label, 1);
}

/* ---- facts for people ------------------------------------------------------ */

/* fact_label - a fact's key in words: "dnssec_validated" -> "DNSSEC
 * validated", "handshake_ms" -> "handshake (ms)". Keys that are data
 * (capability keywords, protocol names, host names) are left alone; the
 * raw key stays in the tooltip, for whoever reads the JSON next. */
static void fact_label(FILE *o, const char *key)
{
	static const struct {
		const char *word, *shown;
	} words[] = {
		{ "tls", "TLS" }, { "dnssec", "DNSSEC" }, { "mx", "MX" }, { "ehlo", "EHLO" }, { "sni", "SNI" },
		{ "alpn", "ALPN" }, { "iana", "(IANA names)" }, { "sha256", "SHA-256 fingerprint" }, { "dh", "DH" },
		{ "ip", "IP" }, { "id", "ID" }, { "url", "URL" }, { "http", "HTTP" }, { "txt", "TXT record" },
		{ "tlsa", "TLSA" }, { "rua", "reporting URIs (rua)" }, { "sans", "subject alternative names" },
		{ "ptr", "PTR" }, { "dns", "DNS" }, { "smtp", "SMTP" }, { "esmtp", "ESMTP" }, { "ntlm", "NTLM" },
		{ "tlsv1", "TLS 1.0" }, { "tlsv1_1", "TLS 1.1" }, { "tlsv1_2", "TLS 1.2" }, { "tlsv1_3", "TLS 1.3" },
		{ "ms", "(ms)" }, { "rdns", "reverse DNS" }, { "fcrdns", "forward-confirmed reverse DNS" },
		{ "auth", "AUTH" }, { "vrfy", "VRFY" }, { "expn", "EXPN" }, { "rcpt", "RCPT" }, { "utf8", "UTF-8" },
	};
	int plain = key[0] != '\0';

	for (const char *p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			plain = 0;
	fputs("<th title=\"", o);
	esc(o, key);
	fputs("\">", o);
	if (!plain) {
		esc(o, key);
		fputs("</th>", o);
		return;
	}
	char *copy = sd_xstrdup(key), *save = NULL;
	int first = 1;
	/* "tlsv1_2_suites": the version is one word of two tokens */
	for (char *w = strtok_r(copy, "_", &save); w != NULL; w = strtok_r(NULL, "_", &save)) {
		char joined[32];
		const char *shown = NULL;
		if (strcmp(w, "tlsv1") == 0 && save != NULL && *save >= '1' && *save <= '3' &&
		    (save[1] == '_' || save[1] == '\0')) {
			snprintf(joined, sizeof(joined), "tlsv1_%c", *save);
			save += save[1] == '_' ? 2 : 1;
			w = joined;
		}
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]) && shown == NULL; i++)
			if (strcmp(w, words[i].word) == 0)
				shown = words[i].shown;
		if (!first)
			fputc(' ', o);
		if (shown != NULL) {
			esc(o, shown);
		} else {
			if (first && w[0] >= 'a' && w[0] <= 'z')
				w[0] = (char)(w[0] - 'a' + 'A');
			esc(o, w);
		}
		first = 0;
	}
	free(copy);
	fputs("</th>", o);
}

/* caps_html - EHLO capabilities as keyword pills, each with its parameters */
static void caps_html(FILE *o, const json_t *caps)
{
	const char *k;
	json_t *x;

	json_object_foreach((json_t *)caps, k, x) {
		fputs("<span class=\"pill\"><code>", o);
		esc(o, k);
		if (json_is_string(x) && json_string_value(x)[0] != '\0') {
			fputs(" ", o);
			esc(o, json_string_value(x));
		}
		fputs("</code></span>", o);
	}
}

/* facts_table - one row per fact not in SKIP (a NULL-terminated list) */
static void facts_table(FILE *o, const json_t *facts, const marks *m, const char *const *skip)
{
	const char *k;
	json_t *x;
	int rows = 0;

	json_object_foreach((json_t *)facts, k, x) {
		int skipped = 0;
		for (const char *const *s = skip; s != NULL && *s != NULL && !skipped; s++)
			skipped = strcmp(*s, k) == 0;
		if (skipped)
			continue;
		if (rows++ == 0)
			fputs("<table class=\"kv\">", o);
		fputs("<tr>", o);
		fact_label(o, k);
		fputs("<td class=\"wrap\">", o);
		if (json_is_object(x) && strncmp(k, "capabilities", 12) == 0)
			caps_html(o, x);
		else
			value_html(o, x, m, 1);
		fputs("</td></tr>", o);
	}
	if (rows > 0)
		fputs("</table>", o);
}

/* ehlo_facts - the capabilities once: the offered keywords with their
 * parameters, then in one line the well-known ones that are not offered
 * (the check also states each as a yes/no fact for JSON readers) */
static void ehlo_facts(FILE *o, const json_t *facts, const marks *m)
{
	const char *k;
	json_t *x;
	const char **skip = sd_xcalloc(json_object_size(facts) + 1, sizeof(char *));
	size_t n = 0, missing = 0;

	json_object_foreach((json_t *)facts, k, x) {
		int keyword = k[0] != '\0';
		for (const char *p = k; *p && keyword; p++)
			keyword = (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-';
		if (keyword && json_is_boolean(x))
			skip[n++] = k;
	}
	facts_table(o, facts, m, skip);
	for (size_t i = 0; i < n; i++)
		if (json_is_false(json_object_get(facts, skip[i])))
			missing++;
	if (missing > 0) {
		fputs("<p><span class=\"muted\">Not offered:</span> ", o);
		for (size_t i = 0, shown = 0; i < n; i++)
			if (json_is_false(json_object_get(facts, skip[i]))) {
				fprintf(o, "%s<code>", shown++ ? ", " : "");
				esc(o, skip[i]);
				fputs("</code>", o);
			}
		fputs("</p>", o);
	}
	free(skip);
}

/* days_from_civil - days since 1970-01-01 of a proleptic Gregorian date */
static long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* day_number - "YYYY-MM-DD..." as a day number; 0 and -1 if it is not one */
static int day_number(const char *s, long *out)
{
	int y, m, d;
	if (s == NULL || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*out = days_from_civil(y, m, d);
	return 0;
}

/* certificate_facts - the certificate as a card: subject, issuer, a
 * validity bar with the audit day marked, key, names, chain, verification;
 * everything else the check stated below it */
static void certificate_facts(FILE *o, const json_t *facts, const marks *m, const char *started)
{
	static const char *const shown[] = { "subject", "issuer", "not_before", "not_after", "days_left",
					     "key_type", "key_bits", "signature_algorithm", "sans", "chain",
					     "verified", "name_matches", "checked_name", NULL };
	long from, to, now;

	fputs("<div class=\"cert\"><div>Subject</div><div>", o);
	value_html(o, json_object_get(facts, "subject"), m, 1);
	fputs("</div><div>Issuer</div><div>", o);
	value_html(o, json_object_get(facts, "issuer"), m, 1);
	fputs("</div><div>Validity</div><div>", o);
	esc(o, str(facts, "not_before"));
	fputs(" &#8594; ", o);
	scalar_html(o, json_object_get(facts, "not_after"), m);
	if (json_is_integer(json_object_get(facts, "days_left")))
		fprintf(o, " <span class=\"muted\">(%lld days left on the audit day)</span>",
			(long long)json_integer_value(json_object_get(facts, "days_left")));
	if (day_number(str(facts, "not_before"), &from) == 0 && day_number(str(facts, "not_after"), &to) == 0 &&
	    day_number(started, &now) == 0 && to > from) {
		double used = (double)(now - from) / (double)(to - from);
		long left = to - now;
		const char *colour = left < 0 ? "#c62828" : left < 14 ? "#c62828" : left < 30 ? "#ef8f00" : "#2e7d32";
		used = used < 0 ? 0 : used > 1 ? 1 : used;
		/* the whole period, the part behind the audit day darker, the day marked */
		fprintf(o, "<svg class=\"validity\" role=\"img\" aria-label=\"validity period, audit day marked\" "
			   "xmlns=\"http://www.w3.org/2000/svg\" width=\"520\" height=\"16\" viewBox=\"0 0 520 16\">"
			   "<rect x=\"0\" y=\"3\" width=\"520\" height=\"10\" rx=\"5\" fill=\"%s\" opacity=\"0.3\"/>"
			   "<rect x=\"0\" y=\"3\" width=\"%.1f\" height=\"10\" rx=\"5\" fill=\"%s\" opacity=\"0.6\"/>"
			   "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"16\" stroke=\"#1d2330\"/></svg>",
			colour, 520 * used, colour, 520 * used, 520 * used);
	}
	fputs("</div><div>Key</div><div>", o);
	esc(o, str(facts, "key_type"));
	if (json_is_integer(json_object_get(facts, "key_bits")))
		fprintf(o, " %lld bits", (long long)json_integer_value(json_object_get(facts, "key_bits")));
	if (str(facts, "signature_algorithm") != NULL) {
		fputs(", signed with ", o);
		esc(o, str(facts, "signature_algorithm"));
	}
	fputs("</div><div>Names (SAN)</div><div>", o);
	value_html(o, json_object_get(facts, "sans"), m, 1);
	fputs("</div><div>Verification</div><div>", o);
	const json_t *ver = json_object_get(facts, "verified"), *nm = json_object_get(facts, "name_matches");
	/* a chain that fails only on its dates is trusted, and out of date */
	int dated = !json_is_true(ver) && json_is_true(json_object_get(facts, "chain_trusted"));
	fprintf(o, "<span class=\"pill %s\">chain %s</span>", json_is_true(ver) ? "y" : "bad",
		json_is_true(ver) ? "trusted" : dated ? "trusted, out of its validity period" : "not trusted");
	fprintf(o, "<span class=\"pill %s\">", json_is_true(nm) ? "y" : "bad");
	fputs(json_is_true(nm) ? "names " : "does not name ", o);
	esc(o, str(facts, "checked_name") != NULL ? str(facts, "checked_name") : "the server");
	fputs("</span></div><div>Chain as sent</div><div>", o);
	const json_t *chain = json_object_get(facts, "chain");
	size_t i;
	json_t *c;
	if (json_array_size(chain) == 0)
		fputs("<span class=\"muted\">&#8212;</span>", o);
	fputs("<ul class=\"facts\">", o);
	json_array_foreach(chain, i, c) {   /* "N: subject (issuer; key; signature; until)" */
		fputs("<li>", o);
		scalar_html(o, c, m);
		fputs("</li>", o);
	}
	fputs("</ul></div></div>\n", o);
	facts_table(o, facts, m, shown);
}

/* cipher_facts - the protocol versions as pills, then the matrix of
 * accepted suites (rows, IANA name with OpenSSL's beside it) by version
 * (columns), the suites a finding names marked; a long matrix folds away
 * behind its count */
static void cipher_facts(FILE *o, const json_t *facts, const marks *m)
{
	static const struct {
		const char *version, *key, *iana;
	} cols[] = {
		{ "TLSv1.3", "tlsv1_3_suites", "tlsv1_3_suites_iana" },
		{ "TLSv1.2", "tlsv1_2_suites", "tlsv1_2_suites_iana" },
		{ "TLSv1.1", "tlsv1_1_suites", "tlsv1_1_suites_iana" },
		{ "TLSv1", "tlsv1_suites", "tlsv1_suites_iana" },
	};
	enum { NCOLS = sizeof(cols) / sizeof(cols[0]) };
	const json_t *protocols = json_object_get(facts, "protocols");
	const char *k;
	json_t *x;
	size_t i;
	int present[NCOLS] = { 0 };
	json_t *rows = json_array();   /* [iana, openssl, mask] */
	json_t *index = json_object();

	fputs("<p>", o);
	json_object_foreach((json_t *)protocols, k, x) {
		const char *v = json_string_value(x);
		int yes = v != NULL && strcmp(v, "accepted") == 0;
		int mark = yes && mentioned(m, k);
		fprintf(o, "<span class=\"pill %s\" title=\"", mark ? "bad" : yes ? "y" : "");
		esc(o, v);
		fputs("\">", o);
		esc(o, k);
		fputs(yes ? " &#10003;" : " &#8212;", o);
		fputs("</span>", o);
	}
	fputs("</p>\n", o);
	for (int c = 0; c < NCOLS; c++) {
		const json_t *names = json_object_get(facts, cols[c].key), *iana = json_object_get(facts, cols[c].iana);
		json_array_foreach(names, i, x) {
			const char *name = json_string_value(x);
			const char *in = json_string_value(json_array_get(iana, i));
			const char *key = in != NULL && in[0] != '\0' ? in : name;
			if (key == NULL)
				continue;
			json_t *row = json_object_get(index, key);
			if (row == NULL) {
				row = json_pack("[s, s, i]", key, name != NULL ? name : "", 0);
				json_array_append_new(rows, row);
				json_object_set(index, key, row);
			}
			json_array_set_new(row, 2, json_integer(json_integer_value(json_array_get(row, 2)) | (1 << c)));
			present[c] = 1;
		}
	}
	size_t n = json_array_size(rows), bad = 0;
	json_array_foreach(rows, i, x)
		if (mentioned(m, json_string_value(json_array_get(x, 0))) ||
		    mentioned(m, json_string_value(json_array_get(x, 1))))
			bad++;
	if (n > 0) {
		int fold = n > 16;
		if (fold)
			fprintf(o, "<details><summary>%zu cipher suites accepted%s", n,
				bad > 0 ? ": " : ", none named by a finding</summary>");
		if (bad > 0)
			fprintf(o, "%s<span class=\"bad\">%zu marked</span> %s named by a finding%s", fold ? "" : "<p>", bad,
				bad == 1 ? "is" : "are", fold ? "" : "</p>");
		if (fold && bad > 0)
			fputs("</summary>", o);
		fputs("<table class=\"matrix\"><thead><tr><th>Cipher suite (IANA)</th><th>OpenSSL name</th>", o);
		for (int c = 0; c < NCOLS; c++)
			if (present[c])
				fprintf(o, "<th class=\"v\">%s</th>", cols[c].version);
		fputs("</tr></thead><tbody>\n", o);
		json_array_foreach(rows, i, x) {
			const char *in = json_string_value(json_array_get(x, 0));
			const char *os = json_string_value(json_array_get(x, 1));
			int mark = mentioned(m, in) || mentioned(m, os);
			long long mask = json_integer_value(json_array_get(x, 2));
			fprintf(o, "<tr><td><code%s>", mark ? " class=\"bad\"" : "");
			esc(o, in);
			fputs("</code></td><td><code class=\"muted\">", o);
			esc(o, os);
			fputs("</code></td>", o);
			for (int c = 0; c < NCOLS; c++)
				if (present[c])
					fprintf(o, "<td class=\"%s\">%s</td>", mask & (1 << c) ? "y" : "n",
						mask & (1 << c) ? "&#10003;" : "&#183;");
			fputs("</tr>\n", o);
		}
		fputs("</tbody></table>", o);
		if (fold)
			fputs("</details>", o);
		fputc('\n', o);
	}
	json_decref(rows);
	json_decref(index);
	/* every other fact (groups, DH size, server order, grade, counts) */
	static const char *const skip[] = { "protocols", "tlsv1_3_suites", "tlsv1_3_suites_iana", "tlsv1_2_suites",
					    "tlsv1_2_suites_iana", "tlsv1_1_suites", "tlsv1_1_suites_iana",
					    "tlsv1_suites", "tlsv1_suites_iana", NULL };
	facts_table(o, facts, m, skip);
}

/* checks_html - each check: verdict, title, summary, facts (in their
 * own layout for the certificate, the cipher suites and EHLO), notes;
 * STARTED is the audit's date, for the certificate's validity bar */
static void checks_html(FILE *o, const json_t *checks, const char *started)
{
	size_t i, j;
	json_t *c, *f;

	json_array_foreach(checks, i, c) {
		marks m = { json_object(), json_object_get(c, "findings") };
		json_array_foreach(m.findings, j, f)
			collect_strings(json_object_get(f, "details"), m.values);
		fputs("<h3>", o);
		badge(o, str(c, "status"));
		fputs(" ", o);
		esc(o, str(c, "title") != NULL ? str(c, "title") : str(c, "name"));
		fputs(" <span class=\"muted\">(", o);
		esc(o, str(c, "name"));
		fprintf(o, ", %.1f ms)</span></h3>\n", num(c, "duration_ms", 0));
		if (str(c, "summary") != NULL) {
			fputs("<p>", o);
			esc(o, str(c, "summary"));
			fputs("</p>\n", o);
		}
		if (str(c, "skip_reason") != NULL) {
			fputs("<p class=\"muted\">skipped: ", o);
			esc(o, str(c, "skip_reason"));
			fputs("</p>\n", o);
		}
		const json_t *facts = json_object_get(c, "facts");
		const char *name = str(c, "name") != NULL ? str(c, "name") : "";
		if (!json_is_object(facts) || json_object_size(facts) == 0)
			;
		else if (strcmp(name, "certificate") == 0 && str(facts, "subject") != NULL)
			certificate_facts(o, facts, &m, started);
		else if (strcmp(name, "cipher") == 0 && json_is_object(json_object_get(facts, "protocols")))
			cipher_facts(o, facts, &m);
		else if (strcmp(name, "ehlo") == 0)
			ehlo_facts(o, facts, &m);
		else
			facts_table(o, facts, &m, NULL);
		const json_t *notes = json_object_get(c, "notes");
		if (json_array_size(notes) > 0) {
			fputs("<details><summary>notes</summary><ul class=\"facts\">", o);
			json_array_foreach(notes, j, f) {
				fputs("<li>", o);
				esc(o, json_string_value(f));
				fputs("</li>", o);
			}
			fputs("</ul></details>\n", o);
		}
		json_decref(m.values);
	}
}

/* transcript_html - write transcript TR as a folded <pre> of lines with time,
 * connection and direction */
static void transcript_html(FILE *o, const json_t *tr)
{
	size_t i;
	json_t *e;

	if (json_array_size(tr) == 0)
		return;
	fprintf(o, "<details><summary>SMTP transcript (%zu lines, credentials redacted)</summary>"
		   "<pre class=\"transcript\">", json_array_size(tr));
	json_array_foreach(tr, i, e) {
		const char *dir = str(e, "dir");
		const char *arrow = dir == NULL ? "  " : strcmp(dir, "client") == 0 ? "-&gt;" : strcmp(dir, "server") == 0
								      ? "&lt;-" : "==";
		fprintf(o, "<span class=\"dir-%s\">%9.1f ms #%lld %s ",
			dir != NULL && (strcmp(dir, "client") == 0 || strcmp(dir, "server") == 0) ? dir : "event",
			num(e, "t_ms", 0), (long long)num(e, "conn", 0), arrow);
		esc(o, str(e, "line"));
		fputs("</span>\n", o);
	}
	fputs("</pre></details>\n", o);
}

/* target_name - write the target of DOC: "domain NAME", or the server with its
 * port and peer address */
static void target_name(FILE *o, const json_t *doc)
{
	const json_t *t = json_object_get(doc, "target");
	const json_t *d = json_object_get(doc, "domain");

	if (json_is_object(d)) {
		fputs("domain ", o);
		esc(o, str(d, "name"));
	} else if (json_is_object(t)) {
		esc(o, str(t, "server"));
		fprintf(o, " port %lld", (long long)num(t, "port", 25));
		if (str(t, "peer") != NULL && strcmp(str(t, "peer"), str(t, "server") ? str(t, "server") : "") != 0) {
			fputs(" (", o);
			esc(o, str(t, "peer"));
			fputs(")", o);
		}
	} else {
		fputs("?", o);
	}
}

/* server_section - write the <section> of one server's report DOC: verdict,
 * summary, target, findings, checks */
static void server_section(FILE *o, const json_t *doc, const char *anchor, int level)
{
	fprintf(o, "<section id=\"%s\">\n<h%d>", anchor, level);
	verdict_badge(o, doc);
	fputs(" ", o);
	target_name(o, doc);
	fprintf(o, "</h%d>\n<div class=\"summary\">", level);
	folded(o, str(doc, "summary"), 180);
	fprintf(o, " <span class=\"muted\">(%.0f ms)</span></div>\n", num(doc, "duration_ms", 0));
	const json_t *t = json_object_get(doc, "target");
	if (json_is_object(t)) {
		fputs("<table class=\"kv\">", o);
		fputs("<tr><th>TLS mode</th><td>", o);
		esc(o, str(t, "tls"));
		fputs("</td></tr><tr><th>from</th><td>", o);
		esc(o, str(t, "local"));
		fputs(" (EHLO ", o);
		esc(o, str(t, "ehlo_name"));
		fputs(")</td></tr></table>\n", o);
	}
	/* a compliance profile is run to answer its requirements: they lead */
	compliance_table(o, json_object_get(doc, "compliance"));
	if (json_is_object(json_object_get(doc, "timings"))) {   /* a slow phase, at a glance */
		fputs("<h3>Timing</h3>\n", o);
		waterfall(o, doc);
	}
	fputs("<h3>Findings</h3>\n", o);
	findings_table(o, json_object_get(doc, "checks"));
	fputs("<h3>Checks and facts</h3>\n", o);
	checks_html(o, json_object_get(doc, "checks"), str(doc, "started"));
	transcript_html(o, json_object_get(doc, "transcript"));
	fputs("</section>\n", o);
}

/* domain_grid - each address of each MX against reachable, TLS, certificate,
 * DANE, PTR, blocklists; then the domain's rows (domain_table.h) */
static void domain_grid(FILE *o, const json_t *doc)
{
	json_t *t = sd_domain_table(doc), *h, *c;
	size_t i, k, ncol = 0;

	while (sd_domain_table_columns[ncol] != NULL)
		ncol++;
	fputs("<h3>Domain table</h3>\n<table class=\"domain-table\"><thead><tr><th>MX host</th><th>Address</th>", o);
	for (k = 0; k < ncol; k++) {
		fputs("<th>", o);
		esc(o, sd_domain_table_columns[k]);
		fputs("</th>", o);
	}
	fputs("</tr></thead><tbody>\n", o);
	json_array_foreach(json_object_get(t, "hosts"), i, h) {
		fprintf(o, "<tr><td>%lld ", (long long)num(h, "preference", 0));
		esc(o, str(h, "host"));
		fputs("</td><td>", o);
		esc(o, str(h, "address"));
		fputs("</td>", o);
		json_array_foreach(json_object_get(h, "cells"), k, c) {
			fprintf(o, "<td class=\"%s\">", str(c, "status") && str(c, "status")[0] ? sev_class(str(c, "status")) : "skip");
			esc(o, str(c, "text"));
			fputs("</td>", o);
		}
		fputs("</tr>\n", o);
	}
	fputs("</tbody></table>\n<table class=\"domain-table\"><thead><tr><th>Domain</th><th>Result</th></tr></thead><tbody>\n", o);
	json_array_foreach(json_object_get(t, "domain"), i, c) {
		fputs("<tr><th>", o);
		esc(o, str(c, "name"));
		fprintf(o, "</th><td class=\"%s\">", str(c, "status") && str(c, "status")[0] ? sev_class(str(c, "status")) : "skip");
		esc(o, str(c, "text"));
		fputs("</td></tr>\n", o);
	}
	fputs("</tbody></table>\n", o);
	json_decref(t);
}

/* domain_section - write the <section> of a --domain report DOC: verdict,
 * summary, compliance and its MX hosts */
static void domain_section(FILE *o, const json_t *doc, const char *anchor)
{
	size_t i;
	json_t *mx, *s;
	const json_t *d = json_object_get(doc, "domain");

	fprintf(o, "<section id=\"%s\">\n<h2>", anchor);
	verdict_badge(o, doc);
	fputs(" domain ", o);
	esc(o, str(d, "name"));
	fputs("</h2>\n<div class=\"summary\">", o);
	folded(o, str(doc, "summary"), 180);
	fputs("</div>\n", o);
	/* a compliance profile's answer leads: the domain's requirements and
	 * every MX host's in one table (each host's section repeats its own) */
	const json_t *servers = json_object_get(doc, "servers");
	size_t ncomp = 1 + json_array_size(servers);
	const json_t **comps = sd_xcalloc(ncomp, sizeof(*comps));
	const char **labels = sd_xcalloc(ncomp, sizeof(*labels));
	comps[0] = json_object_get(doc, "compliance");
	labels[0] = str(d, "name") != NULL ? str(d, "name") : "domain";
	json_array_foreach(servers, i, s) {
		comps[i + 1] = json_object_get(s, "compliance");
		labels[i + 1] = str(json_object_get(s, "target"), "server") != NULL
					? str(json_object_get(s, "target"), "server") : "MX host";
	}
	compliance_tables(o, comps, labels, ncomp);
	free(comps);
	free(labels);
	domain_grid(o, doc);
	fputs("<h3>MX hosts</h3>\n<table><thead><tr><th>Preference</th><th>Host</th><th>Addresses</th>"
	      "<th>Problem</th></tr></thead><tbody>\n", o);
	json_array_foreach(json_object_get(d, "mx"), i, mx) {
		fprintf(o, "<tr><td>%lld</td><td>", (long long)num(mx, "preference", 0));
		esc(o, str(mx, "host"));
		fputs("</td><td>", o);
		value_html(o, json_object_get(mx, "addresses"), NULL, 1);
		fputs("</td><td>", o);
		if (str(mx, "problem") != NULL)
			esc(o, str(mx, "problem"));
		fputs("</td></tr>\n", o);
	}
	fputs("</tbody></table>\n<h3>Domain findings</h3>\n", o);
	findings_table(o, json_object_get(doc, "checks"));
	fputs("<h3>Domain checks</h3>\n", o);
	checks_html(o, json_object_get(doc, "checks"), str(doc, "started"));
	transcript_html(o, json_object_get(doc, "transcript"));
	fputs("</section>\n", o);
	json_array_foreach(json_object_get(doc, "servers"), i, s) {
		char a[64];
		snprintf(a, sizeof(a), "%s-mx%zu", anchor, i + 1);
		server_section(o, s, a, 2);
	}
}

/* ---- fleet ----------------------------------------------------------------- */

typedef struct {
	const json_t *doc;
	size_t index;
} entry;

/* entry_cmp - qsort order of fleet entries: worst verdict and status first,
 * then slowest, then input order */
static int entry_cmp(const void *a, const void *b)
{
	const entry *x = a, *y = b;
	int r = verdict_rank(verdict_word(x->doc)) - verdict_rank(verdict_word(y->doc));
	if (r == 0)
		r = sev_rank(str(x->doc, "status")) - sev_rank(str(y->doc, "status"));
	if (r != 0)
		return r;
	double dx = num(x->doc, "duration_ms", 0), dy = num(y->doc, "duration_ms", 0);
	if (dx != dy)
		return dx > dy ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* histogram - write a histogram of the REPORTS' durations in twelve bins */
static void histogram(FILE *o, const json_t *reports)
{
	enum { NBINS = 12 };
	size_t i, counts[NBINS] = { 0 }, n = json_array_size(reports), most = 0;
	json_t *r;
	double max = 0;

	json_array_foreach(reports, i, r)
		if (num(r, "duration_ms", 0) > max)
			max = num(r, "duration_ms", 0);
	if (n == 0 || max <= 0)
		return;
	double step = max / NBINS;
	json_array_foreach(reports, i, r) {
		size_t b = (size_t)(num(r, "duration_ms", 0) / step);
		if (b >= NBINS)
			b = NBINS - 1;
		if (++counts[b] > most)
			most = counts[b];
	}
	const int w = 56, hmax = 140, top = 36, left = 40;   /* top: caption, then the tallest count */
	int width = left + NBINS * w + 10, height = top + hmax + 40;
	fprintf(o, "<svg class=\"histogram\" role=\"img\" aria-label=\"audit time per target\" "
		   "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
		width, height, width, height);
	fprintf(o, "<text x=\"0\" y=\"13\" font-weight=\"600\">targets per audit time</text>\n");
	for (int b = 0; b < NBINS; b++) {
		int h = most > 0 ? (int)(hmax * (double)counts[b] / (double)most + 0.5) : 0;
		int x = left + b * w;
		fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#1e6fd9\"><title>%.0f-%.0f ms: "
			   "%zu targets</title></rect>", x + 3, top + hmax - h, w - 6, h, step * b, step * (b + 1),
			counts[b]);
		if (counts[b] > 0)
			fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%zu</text>", x + w / 2,
				top + hmax - h - 3, counts[b]);
		fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.0f</text>\n", x + w / 2,
			top + hmax + 16, step * (b + 0.5));
	}
	fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">audit time (ms, bin centre)</text>\n",
		left + NBINS * w / 2, top + hmax + 34);
	fputs("</svg>\n", o);
}

/* fleet_html - write a fleet document DOC: the overview, the histogram and a section per target */
static void fleet_html(FILE *o, const json_t *doc)
{
	const json_t *f = json_object_get(doc, "fleet");
	const json_t *reports = json_object_get(doc, "reports");
	size_t n = json_array_size(reports), i;
	json_t *r;

	fputs("<section id=\"overview\"><h2>Overview</h2>\n<table class=\"kv\">", o);
	fprintf(o, "<tr><th>targets</th><td>%lld (%lld ok, %lld warning, %lld critical, %lld unreachable, "
		   "%lld error)</td></tr>", (long long)num(f, "targets", 0), (long long)num(f, "ok", 0),
		(long long)num(f, "warning", 0), (long long)num(f, "critical", 0), (long long)num(f, "unreachable", 0),
		(long long)num(f, "error", 0));
	fprintf(o, "<tr><th>run</th><td>%.1f s, %lld in parallel, %.1f targets/s</td></tr>",
		num(f, "duration_ms", 0) / 1000.0, (long long)num(f, "parallel", 0), num(f, "targets_per_second", 0));
	const json_t *dom = json_object_get(f, "domains"), *plan = json_object_get(f, "plan");
	if (json_is_object(dom))   /* a merged sharded run (--merge): the domains behind the addresses */
		fprintf(o, "<tr><th>domains</th><td>%lld (%lld ok, %lld warning, %lld critical, %lld unreachable, "
			   "%lld error, %lld unresolved)</td></tr>", (long long)num(dom, "total", 0),
			(long long)num(dom, "ok", 0), (long long)num(dom, "warning", 0), (long long)num(dom, "critical", 0),
			(long long)num(dom, "unreachable", 0), (long long)num(dom, "error", 0),
			(long long)num(dom, "unresolved", 0));
	if (json_is_object(plan)) {
		fprintf(o, "<tr><th>plan</th><td>%lld shards, smtp-diag ", (long long)num(plan, "shards", 0));
		esc(o, str(plan, "version"));
		fputs(", <code>", o);
		esc(o, str(plan, "hash"));
		fputs("</code></td></tr>", o);
	}
	fputs("</table>\n", o);
	histogram(o, reports);
	fputs("<h3>Most frequent findings</h3>\n<table><thead><tr><th>Severity</th><th>Finding</th><th>Targets</th>"
	      "<th>Example</th></tr></thead><tbody>\n", o);
	json_array_foreach(json_object_get(f, "top_findings"), i, r) {
		fputs("<tr><td>", o);
		badge(o, str(r, "severity"));
		fputs("</td><td><code>", o);
		esc(o, str(r, "id"));
		fprintf(o, "</code></td><td>%lld</td><td class=\"wrap\">", (long long)num(r, "targets", 0));
		esc(o, str(r, "example"));
		fputs("</td></tr>\n", o);
	}
	fputs("</tbody></table>\n", o);

	entry *order = sd_xcalloc(n > 0 ? n : 1, sizeof(*order));
	json_array_foreach(reports, i, r)
		order[i] = (entry){ r, i };
	qsort(order, n, sizeof(*order), entry_cmp);
	fputs("<h3>Targets, worst first</h3>\n<table><thead><tr><th>Verdict</th><th>Target</th><th>Time</th>"
	      "<th>Summary</th></tr></thead><tbody>\n", o);
	for (i = 0; i < n; i++) {
		fputs("<tr><td>", o);
		verdict_badge(o, order[i].doc);
		fprintf(o, "</td><td><a href=\"#t%zu\">", order[i].index + 1);
		target_name(o, order[i].doc);
		fprintf(o, "</a></td><td>%.0f ms</td><td class=\"wrap\">", num(order[i].doc, "duration_ms", 0));
		esc(o, str(order[i].doc, "summary"));
		fputs("</td></tr>\n", o);
	}
	fputs("</tbody></table></section>\n", o);
	for (i = 0; i < n; i++) {
		char a[32];
		snprintf(a, sizeof(a), "t%zu", order[i].index + 1);
		if (json_is_object(json_object_get(order[i].doc, "domain")))
			domain_section(o, order[i].doc, a);
		else
			server_section(o, order[i].doc, a, 2);
	}
	free(order);
}

/* ---- the document ------------------------------------------------------------ */

int sd_html_report(const json_t *doc, FILE *o, char **err)
{
	const json_t *tool = json_object_get(doc, "tool");
	const json_t *profile = json_object_get(doc, "profile");
	int fleet = json_is_object(json_object_get(doc, "fleet"));
	int domain = json_is_object(json_object_get(doc, "domain"));

	if (!json_is_object(doc) || (!fleet && !domain && !json_is_object(json_object_get(doc, "target")))) {
		*err = sd_xstrdup("not an smtp-diag report (no target, domain or fleet)");
		return -1;
	}
	if (fleet && !json_is_array(json_object_get(doc, "reports"))) {
		*err = sd_xstrdup("a fleet summary without its reports (use the output of --json, not the last "
				  "line of --jsonl)");
		return -1;
	}
	const json_t *first = fleet ? json_array_get(json_object_get(doc, "reports"), 0) : doc;
	if (!fleet)
		profile = json_object_get(doc, "profile");
	else if (first != NULL)
		profile = json_object_get(first, "profile");
	const char *status = fleet ? NULL : verdict_word(doc);
	if (fleet) {   /* the worst target's verdict is the run's */
		size_t i;
		json_t *r;
		json_array_foreach(json_object_get(doc, "reports"), i, r)
			if (status == NULL || verdict_rank(verdict_word(r)) < verdict_rank(status))
				status = verdict_word(r);
	}

	fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
	      "<meta name=\"generator\" content=\"smtp-diag\"/>\n<title>SMTP audit: ", o);
	if (fleet)
		fprintf(o, "%lld targets", (long long)num(json_object_get(doc, "fleet"), "targets", 0));
	else
		target_name(o, doc);
	fprintf(o, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<header>\n<h1>SMTP audit: ", STYLE);
	if (fleet)
		fprintf(o, "%lld targets", (long long)num(json_object_get(doc, "fleet"), "targets", 0));
	else
		target_name(o, doc);
	fputs("</h1>\n<table class=\"kv\">\n<tr><th>verdict</th><td>", o);
	fprintf(o, "<span class=\"b verdict %s\">", verdict_class(status));
	esc(o, status != NULL ? status : "none");
	fputs("</span>", o);
	if (!fleet && str(doc, "summary") != NULL) {   /* folded: the findings below have it all */
		fputs(" ", o);
		folded(o, str(doc, "summary"), 180);
	} else if (fleet) {   /* the run in one sentence */
		const json_t *f = json_object_get(doc, "fleet");
		fprintf(o, " %lld targets: %lld OK, %lld WARNING, %lld CRITICAL, %lld unreachable, %lld UNKNOWN", (long long)num(f, "targets", 0), (long long)num(f, "ok", 0),
			(long long)num(f, "warning", 0), (long long)num(f, "critical", 0),
			(long long)num(f, "unreachable", 0), (long long)num(f, "error", 0));
	}
	fputs("</td></tr>\n<tr><th>started</th><td>", o);
	esc(o, first != NULL && str(first, "started") != NULL ? str(first, "started") : "?");
	fputs("</td></tr>\n<tr><th>profile</th><td>", o);
	esc(o, str(profile, "name"));
	if (str(profile, "path") != NULL) {
		fputs(" <span class=\"muted\">(", o);
		esc(o, str(profile, "path"));
		fputs(")</span>", o);
	}
	fputs("</td></tr>\n<tr><th>tool</th><td>", o);
	esc(o, str(tool, "name"));
	fputs(" ", o);
	esc(o, str(tool, "version"));
	fprintf(o, " <span class=\"muted\">(report schema %lld)</span></td></tr>\n</table>\n</header>\n",
		(long long)num(doc, "schema_version", 0));

	if (fleet)
		fleet_html(o, doc);
	else if (domain)
		domain_section(o, doc, "t1");
	else
		server_section(o, doc, "t1", 2);
	fputs("<p class=\"muted\">Generated by smtp-diag from its JSON report model "
	      "(docs/report.schema.json). No script, no external resource.</p>\n</main>\n</body>\n</html>\n", o);
	if (ferror(o)) {
		*err = sd_asprintf("write error: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* sd_html_report_file - write the HTML report of DOC to PATH through a
 * temporary file renamed into place; -1 and *ERR */
int sd_html_report_file(const json_t *doc, const char *path, char **err)
{
	char *tmp = sd_asprintf("%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");

	if (f == NULL) {
		*err = sd_asprintf("--report %s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	char *why = NULL;
	int rc = sd_html_report(doc, f, &why);
	if (fclose(f) != 0 && rc == 0) {
		why = sd_asprintf("%s", strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		why = sd_asprintf("%s", strerror(errno));
		rc = -1;
	}
	if (rc != 0) {
		unlink(tmp);
		*err = sd_asprintf("--report %s: %s", path, why != NULL ? why : "failed");
	}
	free(why);
	free(tmp);
	return rc;
}
