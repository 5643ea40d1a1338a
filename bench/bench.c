// SPDX-License-Identifier: GPL-2.0
/*
 * bench: what mapping kernel memory saves, measured side by side.
 *
 * Measures /dev/kmmap and /dev/vmmap against what a user would reach for
 * instead: anonymous memory, a memfd (tmpfs) mapping, a user-space
 * memcpy(), and the kernel's own dma-buf buffers where it has them
 * (alternatives.c). Every figure is the median of REPS samples, each
 * sample the fastest of BEST_OF runs back to back (a load spike only ever
 * slows a run down); within each repetition every variant takes one
 * sample, in an order that rotates from repetition to repetition, so that
 * the report can set each sample against the baseline's of the same
 * repetition (report.c). Under software emulation only the ratios mean
 * anything.
 *
 * Usage (inside the guest, with the modules loaded at the wanted npages):
 *   bench [OPTIONS] stream PAGES  streaming bandwidth through the mapping:
 *                                 memset (write), memcpy out (read)
 *   bench [OPTIONS] rw PAGES      read()/write() in 4 KiB, 64 KiB and
 *                                 whole-buffer chunks, and the same copies
 *                                 in user space (memcpy, rep movsq)
 *   bench [OPTIONS] setup PAGES   mmap + write one byte per page + munmap
 *   bench [OPTIONS] procfs [N...] cost of reading /proc/DEVICE (and
 *                                 /proc/self/statm) with N VMAs
 *   OPTIONS: -r REPS (default 9), -k BEST_OF (default 3), -d DEVICE
 *   (repeatable; default kmmap and vmmap: /dev/DEVICE and /proc/DEVICE),
 *   -a ALTERNATIVE (repeatable; dmaheap, udmabuf: stream and setup only)
 * each prints raw rows: BENCH,test,variant,pages,param,reps,median_ns,
 * min_ns,max_ns,value,unit, each followed by SAMPLES,test,variant,pages,
 * param,best_of,NS NS ... (the samples in repetition order). A device or
 * alternative that is absent, or smaller than PAGES, is left out.
 *
 * On the host:
 *   bench report RAW.csv OUT.csv  reads the collected rows, writes them with
 *                                 their baseline and ratio, and prints the
 *                                 tables, "ratio: NAME VALUE spread LOW-HIGH",
 *                                 "limit:" and "figure:" lines and the
 *                                 targets (report.c)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define STREAM_CHUNK 4096UL

size_t page_size;
static int reps = 9;
/* Each sample is the fastest of this many runs back to back. */
static int best_of = 3;
/* The devices measured: /dev/NAME and /proc/NAME. */
static const char *devices[MAXDEVS] = { "kmmap", "vmmap" };
static int ndevices = 2;
/* The kernel's alternatives measured (alternatives.c). */
static const char *alternatives[MAXDEVS];
static int nalternatives;

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * A full TLB flush before each sample. QEMU sizes its software TLB to the
 * workload only when the guest flushes it whole, and a process that only
 * reads, writes and makes system calls never does: without this, a figure
 * depends on what ran before it (4x on the procfs walk at 10,000 VMAs).
 * Changing the protection of more than 33 present pages makes Linux flush
 * the whole TLB (tlb_single_page_flush_ceiling) instead of page by page.
 */
#define FLUSH_PAGES 64
static char *flush_area;

static void tlb_flush_all(void)
{
	size_t len = FLUSH_PAGES * page_size;

	if (!flush_area) {
		flush_area = mmap(NULL, len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (flush_area == MAP_FAILED)
			exit(1);
		memset(flush_area, 1, len);
	}
	if (mprotect(flush_area, len, PROT_READ) || mprotect(flush_area, len, PROT_READ | PROT_WRITE))
		exit(1);
}

/* Keeps the compiler from dropping or merging copies into a buffer. */
static void clobber(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct stats {
	uint64_t median, min, max;
};

static struct stats summarize(uint64_t *v, int n)
{
	struct stats s;

	qsort(v, n, sizeof(*v), cmp_u64);
	s.min = v[0];
	s.max = v[n - 1];
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return s;
}

static double median_of(uint64_t *samples)
{
	uint64_t tmp[reps];

	memcpy(tmp, samples, sizeof(tmp));
	return (double)summarize(tmp, reps).median;
}

/*
 * One raw row, value derived from the median, and its samples in
 * repetition order: the report pairs them with the baseline's.
 */
static void row(const char *test, const char *variant, unsigned long pages,
		unsigned long long param, uint64_t *samples, double value,
		const char *unit)
{
	uint64_t tmp[reps];
	struct stats s;

	memcpy(tmp, samples, sizeof(tmp));
	s = summarize(tmp, reps);
	printf("BENCH,%s,%s,%lu,%llu,%d,%llu,%llu,%llu,%.6g,%s\n", test, variant,
	       pages, param, reps, (unsigned long long)s.median,
	       (unsigned long long)s.min, (unsigned long long)s.max, value, unit);
	printf("SAMPLES,%s,%s,%lu,%llu,%d,", test, variant, pages, param, best_of);
	for (int r = 0; r < reps; r++)
		printf("%s%llu", r ? " " : "", (unsigned long long)samples[r]);
	putchar('\n');
	fflush(stdout);
}

/*
 * Which variant takes the @j-th turn of repetition @r: the order rotates
 * by one every repetition, so that each variant takes every position in
 * turn, and none always comes first (or last) in a repetition.
 */
static int turn(int j, int r, int n)
{
	return (j + (r < 0 ? 0 : r)) % n;
}

/* Keeps the fastest of the runs of one sample. */
static void keep_min(uint64_t *best, uint64_t t)
{
	if (!*best || t < *best)
		*best = t;
}

/* ------------------------------------------------------------------ */
/* The memory under test                                               */

/* Opens a device if it is there and at least @size bytes. */
static void open_device(struct variant *v, const char *path, size_t size)
{
	off_t end;

	v->kind = DEVICE;
	v->fd = open(path, O_RDWR);
	if (v->fd < 0) {
		printf("# %s: %s, left out\n", path, strerror(errno));
		return;
	}
	end = lseek(v->fd, 0, SEEK_END);
	if (end < 0 || (size_t)end < size) {
		printf("# %s: %lld bytes, less than %zu, left out\n", path,
		       (long long)end, size);
		close(v->fd);
		v->fd = -1;
		return;
	}
	v->present = 1;
}

/* A memfd of @size bytes whose pages all exist already. */
static void open_memfd(struct variant *v, size_t size)
{
	char *p;

	v->kind = MEMFD;
	/* Sealable: udmabuf takes its pages from this memfd (alternatives.c). */
	v->fd = memfd_create("bench", MFD_ALLOW_SEALING);
	if (v->fd < 0 || ftruncate(v->fd, (off_t)size))
		die("memfd of %zu bytes: %s", size, strerror(errno));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (p == MAP_FAILED)
		die("mmap memfd: %s", strerror(errno));
	memset(p, 0x5a, size);
	munmap(p, size);
	v->present = 1;
}

static void *map_variant(struct variant *v, size_t size)
{
	void *p;

	if (v->kind == ANON)
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (p == MAP_FAILED)
		die("mmap %s (%zu bytes): %s", v->name, size, strerror(errno));
	return p;
}

/*
 * Private, already faulted-in memory for the other side of a copy, starting
 * @skew pages into its mapping. QEMU's software TLB is direct-mapped, indexed
 * by virtual page number modulo its (power-of-two, changing) size: when a
 * copy's source and destination pages share an index, every access evicts
 * the other and the copy runs several times slower. Kernel buffers and
 * large anonymous mappings are 2 MiB or 4 MiB aligned, so odd, different
 * skews keep user buffers off their indices and off each other's.
 */
#define SKEW_MAX 64

static void *private_buffer(size_t size, int fill, unsigned skew)
{
	size_t len = size + SKEW_MAX * page_size;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		die("private buffer of %zu bytes: %s", size, strerror(errno));
	memset(p, fill, len);
	return p + skew * page_size;
}

static void free_private_buffer(void *p, size_t size, unsigned skew)
{
	munmap((char *)p - skew * page_size, size + SKEW_MAX * page_size);
}

static void alloc_samples(struct variant *vs, int n, int phases)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < phases; j++) {
			vs[i].t[j] = calloc(reps, sizeof(uint64_t));
			if (!vs[i].t[j])
				die("out of memory");
		}
}

/*
 * The kinds of memory, devices only when present and big enough. For
 * read()/write(), the baselines are copies in user space instead: memcpy(),
 * and (x86-64) "rep movsq", the instruction the kernel's copy_to_user() uses
 * on a CPU without FSRM/ERMS, such as QEMU's qemu64: against it, a device
 * shows what the system call and the driver add to the copy itself. The
 * kernel's alternatives, for mapping only (they have no read()/write()),
 * come last; udmabuf shares the memfd's pages (its memory, no more).
 */
static int setup_variants(struct variant *vs, size_t size, int with_memcpy)
{
	int n = 0, memfd = -1;

	if (with_memcpy) {
		vs[n++] = (struct variant){ .name = "memcpy", .kind = MEMCPY, .fd = -1, .present = 1 };
#ifdef __x86_64__
		vs[n++] = (struct variant){ .name = "movsq", .kind = MOVSQ, .fd = -1, .present = 1 };
#endif
	} else
		vs[n++] = (struct variant){ .name = "anon", .kind = ANON, .fd = -1, .present = 1 };
	vs[n] = (struct variant){ .name = "memfd" };
	open_memfd(&vs[n], size);
	memfd = vs[n++].fd;
	for (int d = 0; d < ndevices; d++) {
		char path[64];

		snprintf(path, sizeof(path), "/dev/%s", devices[d]);
		vs[n] = (struct variant){ .name = devices[d] };
		open_device(&vs[n], path, size);
		n += vs[n].present;
	}
	for (int a = 0; a < nalternatives && !with_memcpy; a++) {
		open_alternative(&vs[n], alternatives[a], size, memfd);
		n += vs[n].present;
	}
	return n;
}

static void close_variants(struct variant *vs, int n)
{
	for (int i = 0; i < n; i++) {
		if (vs[i].fd >= 0)
			close(vs[i].fd);
		for (int j = 0; j < 5; j++)
			free(vs[i].t[j]);
	}
}

/*
 * Samples are short (a window of WINDOW bytes, about a millisecond under
 * emulation) and many: on a loaded machine the emulator loses the CPU every
 * few milliseconds, and only samples that mostly miss that make a median
 * worth having. Successive samples move through the buffer window by window.
 */
#define WINDOW (1 * MIB)

static size_t window_of(size_t size)
{
	return size < WINDOW ? size : WINDOW;
}

static size_t window_offset(size_t size, int r)
{
	size_t win = window_of(size);

	return (size_t)(r < 0 ? 0 : r) % (size / win) * win;
}

/* ------------------------------------------------------------------ */
/* Streaming bandwidth through the mapping                             */

static void bench_stream(unsigned long pages)
{
	size_t size = pages * page_size, win = window_of(size);
	struct variant vs[2 * MAXDEVS + 2];
	int n = setup_variants(vs, size, 0);
	char *priv = private_buffer(STREAM_CHUNK, 1, 7);

	if (win % STREAM_CHUNK || size % win)
		die("stream: %lu pages is not a multiple of %lu KiB", pages, WINDOW / 1024);
	alloc_samples(vs, n, 2);
	for (int i = 0; i < n; i++) {
		vs[i].map = map_variant(&vs[i], size);
		memset(vs[i].map, 0, size);	/* every page present */
	}
	/* One round not counted: lets QEMU size its TLB for the job. */
	for (int r = -1; r < reps; r++)
		for (int j = 0; j < n; j++) {
			int i = turn(j, r, n);
			char *m = (char *)vs[i].map + window_offset(size, r);
			uint64_t best[2] = { 0, 0 };

			for (int k = 0; k < best_of; k++) {
				uint64_t t0;

				tlb_flush_all();
				t0 = now_ns();

				memset(m, r + k, win);
				clobber(m);
				uint64_t t1 = now_ns();

				/*
				 * Out a page at a time into one private page that
				 * stays hot: a second buffer as large as the first
				 * would, at times, share QEMU TLB indices with it
				 * (see private_buffer()) and halve every figure alike.
				 */
				for (size_t off = 0; off < win; off += STREAM_CHUNK) {
					memcpy(priv, m + off, STREAM_CHUNK);
					clobber(priv);
				}
				uint64_t t2 = now_ns();

				keep_min(&best[0], t1 - t0);
				keep_min(&best[1], t2 - t1);
			}
			if (r < 0)
				continue;
			vs[i].t[0][r] = best[0];
			vs[i].t[1][r] = best[1];
		}
	for (int i = 0; i < n; i++) {
		row("stream_write", vs[i].name, pages, win, vs[i].t[0],
		    (double)win / median_of(vs[i].t[0]) * 1e3, "MB/s");
		row("stream_read", vs[i].name, pages, win, vs[i].t[1],
		    (double)win / median_of(vs[i].t[1]) * 1e3, "MB/s");
		munmap(vs[i].map, size);
	}
	free_private_buffer(priv, STREAM_CHUNK, 7);
	close_variants(vs, n);
}

/* ------------------------------------------------------------------ */
/* read()/write() against memcpy                                       */

static void copy_movsq(void *dst, const void *src, size_t len)
{
#ifdef __x86_64__
	size_t words = len / 8;

	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
#else
	memcpy(dst, src, len);
#endif
}

/* Copies [off, off + len) in @chunk pieces between the device and a private buffer. */
static void copy_window(struct variant *v, int write_dir, char *dst, char *src,
			size_t off, size_t len, size_t chunk)
{
	for (size_t end = off + len; off < end; off += chunk) {
		ssize_t done;

		if (v->kind == MEMCPY) {
			memcpy(dst + off, src + off, chunk);
			clobber(dst);
			continue;
		}
		if (v->kind == MOVSQ) {
			copy_movsq(dst + off, src + off, chunk);
			continue;
		}
		if (write_dir)
			done = pwrite(v->fd, src + off, chunk, (off_t)off);
		else
			done = pread(v->fd, dst + off, chunk, (off_t)off);
		if (done != (ssize_t)chunk)
			die("%s %s of %zu bytes at %zu: %zd (%s)", v->name,
			    write_dir ? "write" : "read", chunk, off, done,
			    strerror(errno));
	}
}

static void bench_rw(unsigned long pages)
{
	size_t size = pages * page_size;
	size_t chunks[] = { 4096, 65536, size };
	struct variant vs[MAXDEVS + 3];
	int n = setup_variants(vs, size, 1);
	char *src = private_buffer(size, 1, 5);
	char *dst = private_buffer(size, 2, 11);

	alloc_samples(vs, n, 2);
	for (unsigned c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		size_t chunk = chunks[c];
		/* A window of chunks, or the one whole-buffer chunk. */
		size_t win = chunk > window_of(size) ? chunk : window_of(size);

		if (chunk > size || size % chunk || size % win)
			continue;
		if (c == 2 && chunk == chunks[1])
			continue;	/* whole buffer is 64 KiB: measured already */
		for (int r = -1; r < reps; r++)
			for (int j = 0; j < n; j++) {
				int i = turn(j, r, n);
				size_t off = chunk == size ? 0 : window_offset(size, r);
				uint64_t best[2] = { 0, 0 };

				for (int k = 0; k < best_of; k++) {
					uint64_t t0;

					tlb_flush_all();
					t0 = now_ns();

					copy_window(&vs[i], 0, dst, src, off, win, chunk);
					uint64_t t1 = now_ns();

					copy_window(&vs[i], 1, dst, src, off, win, chunk);
					uint64_t t2 = now_ns();

					keep_min(&best[0], t1 - t0);
					keep_min(&best[1], t2 - t1);
				}
				if (r < 0)
					continue;
				vs[i].t[0][r] = best[0];
				vs[i].t[1][r] = best[1];
			}
		for (int i = 0; i < n; i++) {
			const char *rd = c == 2 ? "read_whole" : c ? "read_64k" : "read_4k";
			const char *wr = c == 2 ? "write_whole" : c ? "write_64k" : "write_4k";

			row(rd, vs[i].name, pages, chunk, vs[i].t[0],
			    (double)win / median_of(vs[i].t[0]) * 1e3, "MB/s");
			row(wr, vs[i].name, pages, chunk, vs[i].t[1],
			    (double)win / median_of(vs[i].t[1]) * 1e3, "MB/s");
		}
	}
	free_private_buffer(src, size, 5);
	free_private_buffer(dst, size, 11);
	close_variants(vs, n);
}

/* ------------------------------------------------------------------ */
/* mmap + touch every page + munmap                                    */

/*
 * The touch phase is timed TOUCH_CHUNK pages at a time, and each chunk
 * keeps its fastest of the runs: a round of a large buffer lasts longer
 * than the host lets the emulator run undisturbed on a loaded machine (a
 * few milliseconds), so no whole round of it is ever clean, and the
 * fastest of a few would still carry the other load, more of it the longer
 * the variant takes. A chunk is short (64 pages: 6 us for kmmap, 0.25 ms
 * for memfd under TCG), and the same chunk of every run does the
 * same work (a transparent huge page's fault, say): the fastest of k is
 * clean unless all k were interrupted there. (The clock is read once a
 * chunk, alike for every variant.) mmap() and munmap() are one system call
 * each, and keep the fastest of the runs.
 */
#define TOUCH_CHUNK 64UL

static void touch_pages(volatile char *m, unsigned long pages, uint64_t *chunk_best)
{
	uint64_t prev = now_ns();

	for (unsigned long c = 0; c * TOUCH_CHUNK < pages; c++) {
		unsigned long end = (c + 1) * TOUCH_CHUNK < pages ? (c + 1) * TOUCH_CHUNK : pages;

		for (unsigned long p = c * TOUCH_CHUNK; p < end; p++)
			m[p * page_size] = (char)p;
		uint64_t t = now_ns();

		keep_min(&chunk_best[c], t - prev);
		prev = t;
	}
}

/*
 * Runs of mmap + a byte written per page + munmap of the first @pages
 * pages of @v, best_of of them back to back: the fastest mmap(), the sum of
 * each touch chunk's fastest, the fastest munmap(), and (best[0]) their sum.
 */
static void setup_rounds(struct variant *v, unsigned long pages, uint64_t best[4])
{
	size_t size = pages * page_size;
	unsigned long nchunks = (pages + TOUCH_CHUNK - 1) / TOUCH_CHUNK;
	uint64_t *chunk_best = calloc(nchunks, sizeof(*chunk_best));

	if (!chunk_best)
		die("out of memory");
	for (int p = 0; p < 4; p++)
		best[p] = 0;
	for (int k = 0; k < best_of; k++) {
		uint64_t t0;
		volatile char *m;

		tlb_flush_all();
		t0 = now_ns();
		m = map_variant(v, size);
		uint64_t t1 = now_ns();

		touch_pages(m, pages, chunk_best);
		uint64_t t2 = now_ns();

		munmap((void *)m, size);
		uint64_t t3 = now_ns();

		keep_min(&best[1], t1 - t0);
		keep_min(&best[3], t3 - t2);
	}
	for (unsigned long c = 0; c < nchunks; c++)
		best[2] += chunk_best[c];
	best[0] = best[1] + best[2] + best[3];
	free(chunk_best);
}

/*
 * The size the report's linearity compares the cost per page with. Each
 * repetition also maps that many pages of the same buffer right after the
 * full size (row lin_setup, PARAM = LIN_REF_PAGES): the report sets the
 * two against each other per repetition, as it does a variant against its
 * baseline, so that a load that comes or goes between the sizes of the
 * sweep (minutes apart) does not move the figure.
 */
#define LIN_REF_PAGES 256UL

static void bench_setup(unsigned long pages)
{
	size_t size = pages * page_size;
	struct variant vs[2 * MAXDEVS + 2];
	int n = setup_variants(vs, size, 0), lin = pages > LIN_REF_PAGES;
	static const char *const names[4] = {
		"setup", "setup_mmap", "setup_touch", "setup_munmap"
	};

	alloc_samples(vs, n, 5);
	/* One round not counted: first faults, page tables, caches. */
	for (int r = -1; r < reps; r++)
		for (int j = 0; j < n; j++) {
			int i = turn(j, r, n);
			uint64_t best[4], ref[4];

			setup_rounds(&vs[i], pages, best);
			if (lin)
				setup_rounds(&vs[i], LIN_REF_PAGES, ref);
			if (r < 0)
				continue;
			for (int p = 0; p < 4; p++)
				vs[i].t[p][r] = best[p];
			vs[i].t[4][r] = lin ? ref[0] : 0;
		}
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < 4; j++)
			row(names[j], vs[i].name, pages, 0, vs[i].t[j],
			    median_of(vs[i].t[j]) / (double)pages, "ns/page");
		if (lin)
			row("lin_setup", vs[i].name, pages, LIN_REF_PAGES, vs[i].t[4],
			    median_of(vs[i].t[4]) / (double)LIN_REF_PAGES, "ns/page");
	}
	close_variants(vs, n);
}

/* ------------------------------------------------------------------ */
/* procfs against the number of VMAs                                   */

static long count_vmas(void)
{
	static char buf[1 << 16];
	long lines = 0, vsyscall = 0;
	int fd = open("/proc/self/maps", O_RDONLY);
	ssize_t got;
	char tail[16] = "";

	if (fd < 0)
		die("/proc/self/maps: %s", strerror(errno));
	/* [vsyscall] is listed but is not a VMA; it is the last line. */
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < got; i++)
			if (buf[i] == '\n')
				lines++;
		if (got >= 12)
			memcpy(tail, buf + got - 12, 12);
	}
	close(fd);
	vsyscall = !strncmp(tail, "[vsyscall]\n", 11);
	return lines - vsyscall;
}

/* A region of @n pages split into @n VMAs by alternating protections. */
static void *make_vmas(long n, size_t *len)
{
	char *p;

	*len = (size_t)n * page_size;
	if (n <= 0)
		return NULL;
	p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		die("mmap %ld pages: %s", n, strerror(errno));
	for (long i = 1; i < n; i += 2)
		if (mprotect(p + i * page_size, page_size, PROT_NONE))
			die("mprotect: %s", strerror(errno));
	return p;
}

static void bench_procfs(long *counts, int ncounts)
{
	const char *names[MAXDEVS + 1] = { "statm" };
	char files[MAXDEVS + 1][64] = { "/proc/self/statm" };
	int nf = ndevices + 1, fds[MAXDEVS + 1];
	uint64_t *t[MAXDEVS + 1];
	char buf[256];

	for (int f = 0; f < nf; f++) {
		if (f) {
			names[f] = devices[f - 1];
			snprintf(files[f], sizeof(files[f]), "/proc/%s", names[f]);
		}
		fds[f] = open(files[f], O_RDONLY);
		if (fds[f] < 0)
			printf("# %s: %s, left out\n", files[f], strerror(errno));
		t[f] = calloc(reps, sizeof(uint64_t));
		if (!t[f])
			die("out of memory");
	}
	for (int c = 0; c < ncounts; c++) {
		size_t len;
		long base = count_vmas();
		char *region = make_vmas(counts[c] - base, &len);
		long vmas = count_vmas();

		/* The figure must follow the mappings: compare with statm's VmSize. */
		for (int f = 1; f < nf; f++) {
			unsigned long long total = 0, vm_pages = 0;
			ssize_t got;

			if (fds[f] < 0)
				continue;
			got = pread(fds[f], buf, sizeof(buf) - 1, 0);
			buf[got > 0 ? got : 0] = 0;
			total = strtoull(buf, NULL, 10);
			got = pread(fds[0], buf, sizeof(buf) - 1, 0);
			buf[got > 0 ? got : 0] = 0;
			vm_pages = strtoull(buf, NULL, 10);
			if (total != vm_pages * page_size)
				printf("# %s says %llu bytes, statm %llu pages\n",
				       files[f], total, vm_pages);
		}
		for (int r = -1; r < reps; r++)
			for (int j = 0; j < nf; j++) {
				int f = turn(j, r, nf);
				uint64_t best = 0;

				if (fds[f] < 0)
					continue;
				for (int k = 0; k < best_of; k++) {
					uint64_t t0;

					tlb_flush_all();
					t0 = now_ns();
					if (pread(fds[f], buf, sizeof(buf), 0) <= 0)
						die("read %s: %s", files[f], strerror(errno));
					keep_min(&best, now_ns() - t0);
				}
				if (r >= 0)
					t[f][r] = best;
			}
		for (int f = 0; f < nf; f++)
			if (fds[f] >= 0)
				row("procfs", names[f], 0, vmas, t[f], median_of(t[f]), "ns/read");
		if (region)
			munmap(region, len);
	}
	for (int f = 0; f < nf; f++) {
		if (fds[f] >= 0)
			close(fds[f]);
		free(t[f]);
	}
}

/* ------------------------------------------------------------------ */

static void usage(void)
{
	fputs("usage: bench [-r REPS] [-k BEST_OF] [-d DEVICE]... [-a dmaheap|udmabuf]...\n"
	      "             stream|rw|setup PAGES\n"
	      "       bench [-r REPS] [-k BEST_OF] [-d DEVICE]... procfs [VMAS...]\n"
	      "       bench report RAW.csv OUT.csv\n", stderr);
	exit(2);
}

static unsigned long parse_ul(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v == 0)
		die("not a positive number: %s", s);
	return v;
}

int main(int argc, char **argv)
{
	int opt, devs_given = 0;

	page_size = (size_t)sysconf(_SC_PAGESIZE);
	while ((opt = getopt(argc, argv, "+r:k:d:a:")) != -1) {
		if (opt == 'r') {
			reps = (int)parse_ul(optarg);
		} else if (opt == 'k') {
			best_of = (int)parse_ul(optarg);
		} else if (opt == 'a') {
			if (nalternatives == MAXDEVS || !is_alternative(optarg))
				die("bad alternative: %s (dmaheap or udmabuf)", optarg);
			alternatives[nalternatives++] = optarg;
		} else if (opt == 'd') {
			if (devs_given == MAXDEVS || strlen(optarg) > 20 || strchr(optarg, '/'))
				die("bad device: %s", optarg);
			devices[devs_given++] = optarg;
			ndevices = devs_given;
		} else {
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (!strcmp(argv[0], "report")) {
		if (argc != 3)
			usage();
		return report(argv[1], argv[2]);
	}
	if (!strcmp(argv[0], "procfs")) {
		long def[] = { 10, 30, 100, 300, 1000, 3000, 10000 }, counts[32];
		int n = 0;

		for (int i = 1; i < argc && n < 32; i++)
			counts[n++] = (long)parse_ul(argv[i]);
		if (!n) {
			memcpy(counts, def, sizeof(def));
			n = sizeof(def) / sizeof(def[0]);
		}
		bench_procfs(counts, n);
		return 0;
	}
	if (argc != 2)
		usage();
	if (!strcmp(argv[0], "stream"))
		bench_stream(parse_ul(argv[1]));
	else if (!strcmp(argv[0], "rw"))
		bench_rw(parse_ul(argv[1]));
	else if (!strcmp(argv[0], "setup"))
		bench_setup(parse_ul(argv[1]));
	else
		usage();
	return 0;
}
