// SPDX-License-Identifier: GPL-2.0
/*
 * bench report RAW.csv OUT.csv, on the host: reads the guest's rows
 * (BENCH: one figure; SAMPLES: its samples, in repetition order), writes
 * them with their baseline and ratio, and prints the tables, the
 * "ratio: NAME VALUE spread LOW-HIGH", "limit: NAME BYTES" and "figure:
 * NAME VALUE" lines and the targets (pass or fall short; never a failure
 * exit).
 *
 * A ratio between two variants measured in the same repetitions is the
 * median of the per-repetition ratios (each sample of one against the
 * sample of the other taken moments apart), and its spread their
 * interquartile range: the middle half. Setup linearity pairs the largest
 * size with the LIN_REF_PAGES-page rounds of the same buffer taken in the
 * same repetitions (lin_setup rows). A ratio between figures of different
 * runs (procfs linearity) is the ratio of the medians, and its spread goes
 * from the ratio of the quartiles that make it lowest to the one that
 * makes it highest. Rows without samples (an older raw.csv) get a ratio
 * of medians and no spread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define MAXROWS 4096
#define MAXVARIANTS 16
#define MAXNOTES 16
#define LINEAR_MAX 1.25

struct rec {
	char test[32], variant[32], unit[16], baseline[16];
	unsigned long pages;
	unsigned long long param;
	int reps;
	unsigned long long median, min, max;
	double value;
	double ratio, ratio_lo, ratio_hi;
	int best_of, ns;	/* samples: each the fastest of best_of runs */
	uint64_t *s;
};

/* A ratio and its spread (NAN where there is none). */
struct q {
	double value, lo, hi;
};

static const struct q no_q = { NAN, NAN, NAN };

static struct rec recs[MAXROWS];
static int nrecs;
static char notes[MAXNOTES][256];
static int nnotes;

/* Baselines first, in this order, then the devices as they come. */
static const char *const baselines[] = { "anon", "memcpy", "movsq", "statm", "memfd" };
#define NBASELINES 5
static char variants[MAXVARIANTS][32];
static int nvariants;

static int is_baseline(const char *v)
{
	for (int i = 0; i < NBASELINES; i++)
		if (!strcmp(v, baselines[i]))
			return 1;
	return 0;
}

static struct rec *find(const char *test, const char *variant,
			unsigned long pages, unsigned long long param)
{
	for (int i = 0; i < nrecs; i++)
		if (!strcmp(recs[i].test, test) && !strcmp(recs[i].variant, variant) &&
		    recs[i].pages == pages && recs[i].param == param)
			return &recs[i];
	return NULL;
}

/* The one row of @test for @variant, whatever its size (bandwidth tests). */
static struct rec *find_any(const char *test, const char *variant)
{
	for (int i = 0; i < nrecs; i++)
		if (!strcmp(recs[i].test, test) && !strcmp(recs[i].variant, variant))
			return &recs[i];
	return NULL;
}

static void add_variant(const char *v)
{
	for (int i = 0; i < nvariants; i++)
		if (!strcmp(variants[i], v))
			return;
	if (nvariants < MAXVARIANTS)
		snprintf(variants[nvariants++], sizeof(variants[0]), "%s", v);
}

/* SAMPLES,test,variant,pages,param,best_of,NS NS NS ...: onto its BENCH row. */
static void load_samples(const char *path, const char *line)
{
	char test[32], variant[32];
	unsigned long pages;
	unsigned long long param;
	int best_of, at, n = 0;
	struct rec *r;
	const char *p;

	if (sscanf(line, "%31[^,],%31[^,],%lu,%llu,%d,%n", test, variant, &pages, &param,
		   &best_of, &at) != 5)
		die("%s: bad row: SAMPLES,%s", path, line);
	r = find(test, variant, pages, param);
	if (!r)
		die("%s: samples without their figure: SAMPLES,%s", path, line);
	r->s = calloc((size_t)r->reps, sizeof(*r->s));
	if (!r->s)
		die("out of memory");
	for (p = line + at; n < r->reps; n++) {
		char *end;
		unsigned long long v = strtoull(p, &end, 10);

		if (end == p)
			break;
		r->s[n] = v ? v : 1;
		p = end;
	}
	if (n != r->reps)
		die("%s: %d samples for %d repetitions: SAMPLES,%s", path, n, r->reps, line);
	r->ns = n;
	r->best_of = best_of;
}

static void load_raw(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		die("%s: %s", path, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		struct rec r = { 0 };

		if (!strncmp(line, "SAMPLES,", 8)) {
			load_samples(path, line + 8);
			continue;
		}
		if (!strncmp(line, "# SKIP", 6)) {
			if (nnotes < MAXNOTES)
				snprintf(notes[nnotes++], sizeof(notes[0]), "%.*s",
					 (int)strcspn(line, "\n"), line);
			continue;
		}
		if (strncmp(line, "BENCH,", 6))
			continue;
		if (sscanf(line + 6, "%31[^,],%31[^,],%lu,%llu,%d,%llu,%llu,%llu,%lf,%15[^,\n]",
			   r.test, r.variant, &r.pages, &r.param, &r.reps, &r.median,
			   &r.min, &r.max, &r.value, r.unit) != 10)
			die("%s: bad row: %s", path, line);
		if (nrecs == MAXROWS)
			die("%s: too many rows", path);
		r.ratio = r.ratio_lo = r.ratio_hi = NAN;
		recs[nrecs++] = r;
	}
	free(line);
	fclose(f);
	for (int i = 0; i < NBASELINES; i++)
		for (int j = 0; j < nrecs; j++)
			if (!strcmp(recs[j].variant, baselines[i]))
				add_variant(baselines[i]);
	for (int j = 0; j < nrecs; j++)
		if (strcmp(recs[j].test, "limit"))
			add_variant(recs[j].variant);
}

/*
 * The baseline of each row: anon for streaming, memcpy for read/write,
 * memfd for setup (mapping memory that exists already), statm for procfs.
 */
static const char *baseline_of(const struct rec *r)
{
	if (!strncmp(r->test, "stream_", 7))
		return "anon";
	if (!strncmp(r->test, "read_", 5) || !strncmp(r->test, "write_", 6))
		return "memcpy";
	if (!strncmp(r->test, "setup", 5))
		return "memfd";
	if (!strcmp(r->test, "procfs"))
		return "statm";
	return "";
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The @p quantile of sorted @v, interpolated between neighbours. */
static double quantile(const double *v, int n, double p)
{
	double at = p * (n - 1);
	int i = (int)at;

	return i + 1 < n ? v[i] + (at - i) * (v[i + 1] - v[i]) : v[n - 1];
}

/* The quartiles of a row's samples: q[0] first, q[1] median, q[2] third. */
static void quartiles(const struct rec *r, double q[3])
{
	double v[r->ns];

	for (int i = 0; i < r->ns; i++)
		v[i] = (double)r->s[i];
	qsort(v, r->ns, sizeof(v[0]), cmp_double);
	q[0] = quantile(v, r->ns, 0.25);
	q[1] = quantile(v, r->ns, 0.5);
	q[2] = quantile(v, r->ns, 0.75);
}

/*
 * @r against @b: bandwidth as r/b (higher is better), costs as r's time
 * over b's (lower is better). Paired per repetition when both come from
 * the same runs (same test and size, as many samples), else unpaired.
 */
static struct q ratio_to(const struct rec *r, const struct rec *b)
{
	struct q q = no_q;
	int bw;

	if (!r || !b)
		return q;
	bw = !strcmp(r->unit, "MB/s");
	if (r->ns && r->ns == b->ns && !strcmp(r->test, b->test) && r->pages == b->pages &&
	    r->param == b->param) {
		double v[r->ns];

		for (int i = 0; i < r->ns; i++)
			v[i] = bw ? (double)b->s[i] / (double)r->s[i]
				  : (double)r->s[i] / (double)b->s[i];
		qsort(v, r->ns, sizeof(v[0]), cmp_double);
		q.value = quantile(v, r->ns, 0.5);
		q.lo = quantile(v, r->ns, 0.25);
		q.hi = quantile(v, r->ns, 0.75);
		return q;
	}
	q.value = bw ? r->value / b->value : (double)r->median / (double)b->median;
	if (r->ns && b->ns) {
		double qr[3], qb[3];

		quartiles(r, qr);
		quartiles(b, qb);
		/* Times: bandwidth goes as b/r, costs as r/b (the same bytes or units). */
		q.lo = bw ? q.value * (qb[0] / qb[1]) / (qr[2] / qr[1])
			  : q.value * (qr[0] / qr[1]) / (qb[2] / qb[1]);
		q.hi = bw ? q.value * (qb[2] / qb[1]) / (qr[0] / qr[1])
			  : q.value * (qr[2] / qr[1]) / (qb[0] / qb[1]);
	}
	return q;
}

static void compute_ratios(void)
{
	for (int i = 0; i < nrecs; i++) {
		struct rec *r = &recs[i];
		struct q q;

		snprintf(r->baseline, sizeof(r->baseline), "%s", baseline_of(r));
		if (!r->baseline[0] || !strcmp(r->baseline, r->variant))
			continue;
		q = ratio_to(r, find(r->test, r->baseline, r->pages, r->param));
		r->ratio = q.value;
		r->ratio_lo = q.lo;
		r->ratio_hi = q.hi;
	}
}

static struct q rec_q(const struct rec *r)
{
	return r ? (struct q){ r->ratio, r->ratio_lo, r->ratio_hi } : no_q;
}

static void write_results(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "test,variant,pages,bytes,param,reps,median_ns,min_ns,max_ns,value,unit,"
		"baseline,ratio,ratio_q1,ratio_q3,best_of\n");
	for (int i = 0; i < nrecs; i++) {
		struct rec *r = &recs[i];

		fprintf(f, "%s,%s,%lu,%llu,%llu,%d,%llu,%llu,%llu,%.6g,%s,%s,", r->test,
			r->variant, r->pages, (unsigned long long)r->pages * page_size,
			r->param, r->reps, r->median, r->min, r->max, r->value, r->unit,
			isnan(r->ratio) ? "" : r->baseline);
		if (!isnan(r->ratio))
			fprintf(f, "%.4f", r->ratio);
		fputc(',', f);
		if (!isnan(r->ratio_lo))
			fprintf(f, "%.4f,%.4f", r->ratio_lo, r->ratio_hi);
		else
			fputc(',', f);
		fprintf(f, ",%d\n", r->best_of);
	}
	if (fclose(f))
		die("%s: %s", path, strerror(errno));
}

static int has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* One table: a line per (test, pages, param), a column per variant. */
static void table(const char *title, const char *prefix, const char *unit_note)
{
	int used[MAXVARIANTS] = { 0 }, any = 0;

	for (int i = 0; i < nrecs; i++)
		if (has_prefix(recs[i].test, prefix))
			for (int v = 0; v < nvariants; v++)
				if (!strcmp(recs[i].variant, variants[v]))
					used[v] = any = 1;
	if (!any)
		return;
	printf("\n%s (%s)\n%-14s %7s %8s", title, unit_note, "test", "pages", "param");
	for (int v = 0; v < nvariants; v++)
		if (used[v])
			printf(" %17s", variants[v]);
	putchar('\n');
	for (int i = 0; i < nrecs; i++) {
		struct rec *r = &recs[i];
		int first = 1;

		if (!has_prefix(r->test, prefix))
			continue;
		for (int j = 0; j < i; j++)	/* once per (test, pages, param) */
			if (!strcmp(recs[j].test, r->test) && recs[j].pages == r->pages &&
			    recs[j].param == r->param)
				first = 0;
		if (!first)
			continue;
		printf("%-14s %7lu %8llu", r->test, r->pages, r->param);
		for (int v = 0; v < nvariants; v++) {
			struct rec *c;
			char cell[40];

			if (!used[v])
				continue;
			c = find(r->test, variants[v], r->pages, r->param);
			if (!c)
				snprintf(cell, sizeof(cell), "-");
			else if (isnan(c->ratio))
				snprintf(cell, sizeof(cell), "%.4g", c->value);
			else
				snprintf(cell, sizeof(cell), "%.4g (%.2fx)", c->value, c->ratio);
			printf(" %17s", cell);
		}
		putchar('\n');
	}
}

static void ratio_line(struct q q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ratio_line(struct q q, const char *fmt, ...)
{
	char name[128];
	va_list ap;

	if (isnan(q.value))
		return;
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	printf("ratio: %s %.3f", name, q.value);
	if (!isnan(q.lo))
		printf(" spread %.3f-%.3f", q.lo, q.hi);
	putchar('\n');
}

static void target(int pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void target(int pass, const char *fmt, ...)
{
	va_list ap;

	printf("target: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(": %s\n", pass ? "pass" : "fall short");
}

/* The rows of one series, sorted by size (pages, or VMAs for procfs). */
static int series(const char *test, const char *variant, struct rec **out, int max)
{
	int n = 0;

	for (int i = 0; i < nrecs && n < max; i++)
		if (!strcmp(recs[i].test, test) && !strcmp(recs[i].variant, variant))
			out[n++] = &recs[i];
	for (int i = 1; i < n; i++)	/* insertion sort by size */
		for (int j = i; j > 0; j--) {
			struct rec *t = out[j];
			int procfs = !strcmp(test, "procfs");

			if (procfs ? out[j - 1]->param <= t->param : out[j - 1]->pages <= t->pages)
				break;
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

static unsigned long long size_of(const struct rec *r)
{
	return strcmp(r->test, "procfs") ? r->pages : r->param;
}

/*
 * Linearity of a cost series: the cost per unit (page, VMA) at its largest
 * size over the cost per unit at the first size from @floor on, where fixed
 * costs no longer weigh. 1 is linear, below 1 is better than linear (fixed
 * costs amortised, or a constant cost), an n log n cost grows it.
 */
struct lin {
	struct q q;
	unsigned long long ref, top;
};

static struct lin linearity(const char *test, const char *variant,
			    unsigned long long floor)
{
	struct rec *x[64];
	int n = series(test, variant, x, 64), ref = -1;
	struct lin l = { no_q, 0, 0 };
	struct rec *pair;
	double scale;

	for (int i = 0; i < n; i++)
		if (size_of(x[i]) >= floor) {
			ref = i;
			break;
		}
	if (ref < 0 || ref >= n - 1)
		return l;
	l.ref = size_of(x[ref]);
	l.top = size_of(x[n - 1]);
	scale = (double)l.ref / (double)l.top;
	/* Paired: the reference size mapped in the same repetitions. */
	pair = find(strcmp(test, "setup") ? "" : "lin_setup", variant, x[n - 1]->pages, l.ref);
	if (pair && pair->ns && pair->ns == x[n - 1]->ns) {
		double v[pair->ns];

		for (int i = 0; i < pair->ns; i++)
			v[i] = (double)x[n - 1]->s[i] / (double)pair->s[i] * scale;
		qsort(v, pair->ns, sizeof(v[0]), cmp_double);
		l.q.value = quantile(v, pair->ns, 0.5);
		l.q.lo = quantile(v, pair->ns, 0.25);
		l.q.hi = quantile(v, pair->ns, 0.75);
		return l;
	}
	/* Unpaired: the times of whole rounds or reads of different runs, per unit. */
	l.q = ratio_to(x[n - 1], x[ref]);
	l.q.value *= scale;
	l.q.lo *= scale;
	l.q.hi *= scale;
	return l;
}

static unsigned long largest_pages(const char *test, const char *variant)
{
	unsigned long best = 0;

	for (int i = 0; i < nrecs; i++)
		if (!strcmp(recs[i].test, test) && !strcmp(recs[i].variant, variant) &&
		    recs[i].pages > best)
			best = recs[i].pages;
	return best;
}

/* vmmap's counterpart: kmmap, or kmmapSUFFIX for vmmapSUFFIX if measured. */
static const char *kmmap_partner(const char *v, char *buf, size_t len)
{
	if (strncmp(v, "vmmap", 5))
		return NULL;
	snprintf(buf, len, "kmmap%s", v + 5);
	for (int i = 0; i < nvariants; i++)
		if (!strcmp(variants[i], buf))
			return buf;
	return find_any("setup", "kmmap") ? "kmmap" : NULL;
}

static const char *const rw_tests[] = { "read_4k", "read_64k", "read_whole",
					"write_4k", "write_64k", "write_whole" };

/* Mapped bandwidth against anon, writing and reading. */
static struct q map_bw(const char *d, const char *test)
{
	return ratio_to(find_any(test, d), find_any(test, "anon"));
}

static void print_ratios(void)
{
	for (int v = 0; v < nvariants; v++) {
		const char *d = variants[v];
		struct q w = map_bw(d, "stream_write"), r = map_bw(d, "stream_read");

		if (is_baseline(d) && strcmp(d, "memfd"))
			continue;
		if (!is_baseline(d) && !isnan(w.value) && !isnan(r.value))
			ratio_line(w.value <= r.value ? w : r, "%s_map_bw_vs_anon", d);
		ratio_line(w, "%s_map_write_bw_vs_anon", d);
		ratio_line(r, "%s_map_read_bw_vs_anon", d);
		for (unsigned t = 0; t < 6; t++) {
			struct rec *x = find_any(rw_tests[t], d);
			char name[16];

			if (!x)
				continue;
			snprintf(name, sizeof(name), "%.*s%s", (int)strcspn(rw_tests[t], "_"),
				 rw_tests[t], strchr(rw_tests[t], '_') + 1);
			ratio_line(rec_q(x), "%s_%s_vs_memcpy", d, name);
			ratio_line(ratio_to(x, find(x->test, "movsq", x->pages, x->param)),
				   "%s_%s_vs_movsq", d, name);
		}
	}
	for (int v = 0; v < nvariants; v++) {
		const char *d = variants[v];
		char buf[40];
		const char *k = kmmap_partner(d, buf, sizeof(buf));

		for (int i = 0; k && i < nrecs; i++)
			if (!strcmp(recs[i].test, "setup") && !strcmp(recs[i].variant, k))
				ratio_line(ratio_to(find("setup", d, recs[i].pages, 0), &recs[i]),
					   "%s_setup_vs_%s_%lup", d, k, recs[i].pages);
	}
	for (int v = 0; v < nvariants; v++) {
		const char *d = variants[v];
		unsigned long sizes[2] = { 1024, largest_pages("setup", d) };

		if (is_baseline(d))
			continue;
		for (int s = 0; s < 2 - (sizes[1] == 1024); s++) {
			struct rec *r = find("setup", d, sizes[s], 0);

			ratio_line(ratio_to(r, find("setup", "memfd", sizes[s], 0)),
				   "%s_setup_vs_memfd_%lup", d, sizes[s]);
			ratio_line(ratio_to(r, find("setup", "anon", sizes[s], 0)),
				   "%s_setup_vs_anon_%lup", d, sizes[s]);
		}
	}
	for (int v = 0; v < nvariants; v++)
		ratio_line(linearity("setup", variants[v], 256).q, "%s_setup_linearity",
			   variants[v]);
	for (int v = 0; v < nvariants; v++) {
		const char *d = variants[v];
		struct rec *x[64];
		int n = series("procfs", d, x, 64);

		if (is_baseline(d) || !n)
			continue;
		ratio_line(ratio_to(x[n - 1], find("procfs", "statm", 0, x[n - 1]->param)),
			   "%s_procfs_vs_statm_%lluvma", d, x[n - 1]->param);
		ratio_line(linearity("procfs", d, 1000).q, "%s_procfs_linearity", d);
	}
	for (int i = 0; i < nrecs; i++)
		if (!strcmp(recs[i].test, "limit")) {
			printf("limit: %s_max_buffer %llu\n", recs[i].variant, recs[i].param);
			/* How long loading that largest buffer took (insmod), where timed. */
			if (recs[i].median)
				printf("figure: %s_max_load_seconds %.2f\n", recs[i].variant,
				       (double)recs[i].median / 1e9);
		}
}

static void print_targets(void)
{
	for (int v = 0; v < nvariants; v++) {
		const char *d = variants[v];
		double w = map_bw(d, "stream_write").value, r = map_bw(d, "stream_read").value;

		if (is_baseline(d) || is_alternative(d))
			continue;
		if (!isnan(w) && !isnan(r))
			target(w >= 0.95 && r >= 0.95,
			       "%s mapped bandwidth >= 0.95x anon (write %.2f, read %.2f)", d, w, r);
		for (unsigned t = 0; t < 6; t++) {
			struct rec *x = find_any(rw_tests[t], d);

			if (!x || isnan(x->ratio) || x->param < 65536)
				continue;
			target(x->ratio >= 0.8, "%s %s() in %llu-byte chunks >= 0.8x memcpy (%.2f)", d,
			       t < 3 ? "read" : "write", x->param, x->ratio);
		}
	}
	for (int v = 0; v < nvariants; v++) {
		const char *d = variants[v];
		struct lin l = linearity("setup", d, 256);

		if (is_baseline(d) || is_alternative(d) || isnan(l.q.value))
			continue;
		target(l.q.value <= LINEAR_MAX,
		       "%s setup linear in pages (cost per page at %llu pages / at %llu: %.2f, at most %.2f)",
		       d, l.top, l.ref, l.q.value, LINEAR_MAX);
	}
	for (int v = 0; v < nvariants; v++) {
		const char *d = variants[v];
		char buf[40];
		const char *k = kmmap_partner(d, buf, sizeof(buf));
		unsigned long common = 0;

		if (!k)
			continue;
		for (int i = 0; i < nrecs; i++)	/* the largest size both map */
			if (!strcmp(recs[i].test, "setup") && !strcmp(recs[i].variant, k) &&
			    recs[i].pages > common && find("setup", d, recs[i].pages, 0))
				common = recs[i].pages;
		if (common) {
			double q = ratio_to(find("setup", d, common, 0), find("setup", k, common, 0)).value;

			target(q <= 1.5, "%s setup within 1.5x %s (%.2f at %lu pages, the largest both map)",
			       d, k, q, common);
		}
	}
	for (int v = 0; v < nvariants; v++) {
		const char *d = variants[v];
		struct lin l = linearity("procfs", d, 1000);

		if (is_baseline(d) || isnan(l.q.value))
			continue;
		target(l.q.value <= LINEAR_MAX,
		       "/proc/%s linear in VMAs (cost per VMA at %llu VMAs / at %llu: %.2f, at most %.2f)",
		       d, l.top, l.ref, l.q.value, LINEAR_MAX);
	}
}

int report(const char *raw, const char *out)
{
	load_raw(raw);
	compute_ratios();
	write_results(out);

	table("Streaming through the mapping: memset (write), memcpy out (read), PARAM bytes a sample",
	      "stream_", "MB/s; ratio to anon");
	table("read() in chunks of PARAM bytes, against copying the same chunks in user space",
	      "read_", "MB/s; ratio to memcpy");
	table("write() in chunks of PARAM bytes, against copying the same chunks in user space",
	      "write_", "MB/s; ratio to memcpy");
	table("mmap + write one byte per page + munmap, and each phase", "setup",
	      "ns per page; ratio to memfd");
	table("Reading the procfs file, PARAM = VMAs of the process", "procfs",
	      "ns per read; ratio to /proc/self/statm");
	putchar('\n');
	for (int i = 0; i < nnotes; i++)
		puts(notes[i]);
	print_ratios();
	putchar('\n');
	print_targets();
	return 0;
}
