// SPDX-License-Identifier: GPL-2.0
/*
 * bench: what mapping kernel memory saves, measured side by side.
 *
 * Measures /dev/kmmap and /dev/vmmap against what a user would reach for
 * instead: anonymous memory, a memfd (tmpfs) mapping, and a user-space
 * memcpy(). Every figure is the median of REPS samples; the variants are
 * interleaved within each repetition so that noise from other load hits
 * them alike. Under software emulation only the ratios mean anything.
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
 *   OPTIONS: -r REPS (default 9), -d DEVICE (repeatable; default kmmap and
 *   vmmap: /dev/DEVICE and /proc/DEVICE)
 * each prints raw rows: BENCH,test,variant,pages,param,reps,median_ns,
 * min_ns,max_ns,value,unit. A device that is absent, or smaller than
 * PAGES, is left out.
 *
 * On the host:
 *   bench report RAW.csv OUT.csv  reads the collected rows, writes them with
 *                                 their baseline and ratio, and prints the
 *                                 table, "ratio: NAME VALUE" and "limit: NAME
 *                                 BYTES" lines and the targets (pass or
 *                                 fall short; never a failure exit)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)
#define STREAM_CHUNK 4096UL

#define MAXDEVS 6

static size_t page_size;
static int reps = 9;
/* The devices measured: /dev/NAME and /proc/NAME. */
static const char *devices[MAXDEVS] = { "kmmap", "vmmap" };
static int ndevices = 2;

static void die(const char *fmt, ...)
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

/* One raw row; value is derived from the median. */
static void row(const char *test, const char *variant, unsigned long pages,
		unsigned long long param, uint64_t *samples, double value,
		const char *unit)
{
	struct stats s = summarize(samples, reps);

	printf("BENCH,%s,%s,%lu,%llu,%d,%llu,%llu,%llu,%.6g,%s\n", test, variant,
	       pages, param, reps, (unsigned long long)s.median,
	       (unsigned long long)s.min, (unsigned long long)s.max, value, unit);
	fflush(stdout);
}

static double median_of(uint64_t *samples)
{
	uint64_t tmp[reps];

	memcpy(tmp, samples, sizeof(tmp));
	return (double)summarize(tmp, reps).median;
}

/* ------------------------------------------------------------------ */
/* The memory under test                                               */

enum kind { ANON, MEMFD, DEVICE, MEMCPY, MOVSQ };

struct variant {
	const char *name;
	enum kind kind;
	int fd;
	int present;
	void *map;		/* a standing mapping, where the test wants one */
	uint64_t *t[4];		/* samples, per phase or direction */
};

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
	v->fd = memfd_create("bench", 0);
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
 * shows what the system call and the driver add to the copy itself.
 */
static int setup_variants(struct variant *vs, size_t size, int with_memcpy)
{
	int n = 0;

	if (with_memcpy) {
		vs[n++] = (struct variant){ .name = "memcpy", .kind = MEMCPY, .fd = -1, .present = 1 };
#ifdef __x86_64__
		vs[n++] = (struct variant){ .name = "movsq", .kind = MOVSQ, .fd = -1, .present = 1 };
#endif
	} else
		vs[n++] = (struct variant){ .name = "anon", .kind = ANON, .fd = -1, .present = 1 };
	vs[n] = (struct variant){ .name = "memfd" };
	open_memfd(&vs[n++], size);
	for (int d = 0; d < ndevices; d++) {
		char path[64];

		snprintf(path, sizeof(path), "/dev/%s", devices[d]);
		vs[n] = (struct variant){ .name = devices[d] };
		open_device(&vs[n], path, size);
		n += vs[n].present;
	}
	return n;
}

static void close_variants(struct variant *vs, int n)
{
	for (int i = 0; i < n; i++) {
		if (vs[i].fd >= 0)
			close(vs[i].fd);
		for (int j = 0; j < 4; j++)
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
	struct variant vs[MAXDEVS + 2];
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
		for (int i = 0; i < n; i++) {
			char *m = (char *)vs[i].map + window_offset(size, r);
			uint64_t t0;

			tlb_flush_all();
			t0 = now_ns();

			memset(m, r, win);
			clobber(m);
			uint64_t t1 = now_ns();

			/*
			 * Out a page at a time into one private page that stays
			 * hot: a second buffer as large as the first would, at
			 * times, share QEMU TLB indices with it (see
			 * private_buffer()) and halve every figure alike.
			 */
			for (size_t off = 0; off < win; off += STREAM_CHUNK) {
				memcpy(priv, m + off, STREAM_CHUNK);
				clobber(priv);
			}
			uint64_t t2 = now_ns();

			if (r < 0)
				continue;
			vs[i].t[0][r] = t1 - t0;
			vs[i].t[1][r] = t2 - t1;
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
			for (int i = 0; i < n; i++) {
				size_t off = chunk == size ? 0 : window_offset(size, r);
				uint64_t t0;

				tlb_flush_all();
				t0 = now_ns();

				copy_window(&vs[i], 0, dst, src, off, win, chunk);
				uint64_t t1 = now_ns();

				copy_window(&vs[i], 1, dst, src, off, win, chunk);
				uint64_t t2 = now_ns();

				if (r < 0)
					continue;
				vs[i].t[0][r] = t1 - t0;
				vs[i].t[1][r] = t2 - t1;
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

static void bench_setup(unsigned long pages)
{
	size_t size = pages * page_size;
	struct variant vs[MAXDEVS + 2];
	int n = setup_variants(vs, size, 0);
	static const char *const names[4] = {
		"setup", "setup_mmap", "setup_touch", "setup_munmap"
	};

	alloc_samples(vs, n, 4);
	/* One round not counted: first faults, page tables, caches. */
	for (int r = -1; r < reps; r++)
		for (int i = 0; i < n; i++) {
			uint64_t t0;
			volatile char *m;

			tlb_flush_all();
			t0 = now_ns();
			m = map_variant(&vs[i], size);
			uint64_t t1 = now_ns();

			for (size_t off = 0; off < size; off += page_size)
				m[off] = (char)off;
			uint64_t t2 = now_ns();

			munmap((void *)m, size);
			uint64_t t3 = now_ns();

			if (r < 0)
				continue;
			vs[i].t[0][r] = t3 - t0;
			vs[i].t[1][r] = t1 - t0;
			vs[i].t[2][r] = t2 - t1;
			vs[i].t[3][r] = t3 - t2;
		}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < 4; j++)
			row(names[j], vs[i].name, pages, 0, vs[i].t[j],
			    median_of(vs[i].t[j]) / (double)pages, "ns/page");
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
			for (int f = 0; f < nf; f++) {
				uint64_t t0;

				if (fds[f] < 0)
					continue;
				tlb_flush_all();
				t0 = now_ns();
				if (pread(fds[f], buf, sizeof(buf), 0) <= 0)
					die("read %s: %s", files[f], strerror(errno));
				if (r >= 0)
					t[f][r] = now_ns() - t0;
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
/* report: the table, ratios, limits and targets, on the host          */

#define MAXROWS 4096
#define MAXVARIANTS 16
#define LINEAR_MAX 1.25

struct rec {
	char test[32], variant[32], unit[16], baseline[16];
	unsigned long pages;
	unsigned long long param;
	int reps;
	unsigned long long median, min, max;
	double value, ratio;
};

static struct rec recs[MAXROWS];
static int nrecs;

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

static void load_raw(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];

	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		struct rec r = { 0 };

		if (strncmp(line, "BENCH,", 6))
			continue;
		if (sscanf(line + 6, "%31[^,],%31[^,],%lu,%llu,%d,%llu,%llu,%llu,%lf,%15[^,\n]",
			   r.test, r.variant, &r.pages, &r.param, &r.reps, &r.median,
			   &r.min, &r.max, &r.value, r.unit) != 10)
			die("%s: bad row: %s", path, line);
		if (nrecs == MAXROWS)
			die("%s: too many rows", path);
		r.ratio = NAN;
		recs[nrecs++] = r;
	}
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

/* Bandwidth: variant / baseline (higher is better). Costs: variant time /
 * baseline time (lower is better). */
static double ratio_to(const struct rec *r, const struct rec *b)
{
	if (!r || !b)
		return NAN;
	if (!strcmp(r->unit, "MB/s"))
		return r->value / b->value;
	return (double)r->median / (double)b->median;
}

static void compute_ratios(void)
{
	for (int i = 0; i < nrecs; i++) {
		struct rec *r = &recs[i];

		snprintf(r->baseline, sizeof(r->baseline), "%s", baseline_of(r));
		if (r->baseline[0] && strcmp(r->baseline, r->variant))
			r->ratio = ratio_to(r, find(r->test, r->baseline, r->pages, r->param));
	}
}

static void write_results(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "test,variant,pages,bytes,param,reps,median_ns,min_ns,max_ns,value,unit,baseline,ratio\n");
	for (int i = 0; i < nrecs; i++) {
		struct rec *r = &recs[i];

		fprintf(f, "%s,%s,%lu,%llu,%llu,%d,%llu,%llu,%llu,%.6g,%s,%s,", r->test,
			r->variant, r->pages, (unsigned long long)r->pages * page_size,
			r->param, r->reps, r->median, r->min, r->max, r->value, r->unit,
			isnan(r->ratio) ? "" : r->baseline);
		if (!isnan(r->ratio))
			fprintf(f, "%.4f", r->ratio);
		fputc('\n', f);
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

static void ratio_line(double value, const char *fmt, ...)
{
	char name[128];
	va_list ap;

	if (isnan(value))
		return;
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	printf("ratio: %s %.3f\n", name, value);
}

static void target(int pass, const char *fmt, ...)
{
	va_list ap;

	printf("target: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(": %s\n", pass ? "pass" : "fall short");
}

/* Sorted sizes (pages, or VMAs for procfs) and median times of one series. */
static int series(const char *test, const char *variant, unsigned long long *x,
		  double *y, int max)
{
	int n = 0;

	for (int i = 0; i < nrecs && n < max; i++) {
		struct rec *r = &recs[i];

		if (strcmp(r->test, test) || strcmp(r->variant, variant))
			continue;
		x[n] = strcmp(test, "procfs") ? r->pages : r->param;
		y[n++] = (double)r->median;
	}
	for (int i = 1; i < n; i++)	/* insertion sort by x */
		for (int j = i; j > 0 && x[j - 1] > x[j]; j--) {
			unsigned long long tx = x[j];
			double ty = y[j];

			x[j] = x[j - 1], y[j] = y[j - 1];
			x[j - 1] = tx, y[j - 1] = ty;
		}
	return n;
}

/*
 * Linearity of a cost series: the cost per unit (page, VMA) at its largest
 * size over the cost per unit at the first size from @floor on, where fixed
 * costs no longer weigh. 1 is linear, below 1 is better than linear (fixed
 * costs amortised, or a constant cost), an n log n cost grows it.
 */
struct lin {
	double value;
	unsigned long long ref, top;
};

static struct lin linearity(const char *test, const char *variant,
			    unsigned long long floor)
{
	unsigned long long x[64];
	double y[64];
	int n = series(test, variant, x, y, 64), ref = -1;
	struct lin l = { NAN, 0, 0 };

	for (int i = 0; i < n; i++)
		if (x[i] >= floor) {
			ref = i;
			break;
		}
	if (ref < 0 || ref >= n - 1)
		return l;
	l.ref = x[ref];
	l.top = x[n - 1];
	l.value = (y[n - 1] / (double)x[n - 1]) / (y[ref] / (double)x[ref]);
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

static void print_ratios(void)
{
	for (int v = 0; v < nvariants; v++) {
		const char *d = variants[v];
		double w = ratio_to(find_any("stream_write", d), find_any("stream_write", "anon"));
		double r = ratio_to(find_any("stream_read", d), find_any("stream_read", "anon"));

		if (is_baseline(d) && strcmp(d, "memfd"))
			continue;
		if (!is_baseline(d))
			ratio_line(fmin(w, r), "%s_map_bw_vs_anon", d);
		ratio_line(w, "%s_map_write_bw_vs_anon", d);
		ratio_line(r, "%s_map_read_bw_vs_anon", d);
		for (unsigned t = 0; t < 6; t++) {
			struct rec *x = find_any(rw_tests[t], d);
			char name[16];

			if (!x)
				continue;
			snprintf(name, sizeof(name), "%.*s%s", (int)strcspn(rw_tests[t], "_"),
				 rw_tests[t], strchr(rw_tests[t], '_') + 1);
			ratio_line(x->ratio, "%s_%s_vs_memcpy", d, name);
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
		ratio_line(linearity("setup", variants[v], 256).value, "%s_setup_linearity",
			   variants[v]);
	for (int v = 0; v < nvariants; v++) {
		const char *d = variants[v];
		unsigned long long x[64];
		double y[64];
		int n = series("procfs", d, x, y, 64);

		if (is_baseline(d) || !n)
			continue;
		ratio_line(ratio_to(find("procfs", d, 0, x[n - 1]), find("procfs", "statm", 0, x[n - 1])),
			   "%s_procfs_vs_statm_%lluvma", d, x[n - 1]);
		ratio_line(linearity("procfs", d, 1000).value, "%s_procfs_linearity", d);
	}
	for (int i = 0; i < nrecs; i++)
		if (!strcmp(recs[i].test, "limit"))
			printf("limit: %s_max_buffer %llu\n", recs[i].variant, recs[i].param);
}

static void print_targets(void)
{
	for (int v = 0; v < nvariants; v++) {
		const char *d = variants[v];
		double w = ratio_to(find_any("stream_write", d), find_any("stream_write", "anon"));
		double r = ratio_to(find_any("stream_read", d), find_any("stream_read", "anon"));

		if (is_baseline(d))
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

		if (is_baseline(d) || isnan(l.value))
			continue;
		target(l.value <= LINEAR_MAX,
		       "%s setup linear in pages (cost per page at %llu pages / at %llu: %.2f, at most %.2f)",
		       d, l.top, l.ref, l.value, LINEAR_MAX);
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
			double q = ratio_to(find("setup", d, common, 0), find("setup", k, common, 0));

			target(q <= 1.5, "%s setup within 1.5x %s (%.2f at %lu pages, the largest both map)",
			       d, k, q, common);
		}
	}
	for (int v = 0; v < nvariants; v++) {
		const char *d = variants[v];
		struct lin l = linearity("procfs", d, 1000);

		if (is_baseline(d) || isnan(l.value))
			continue;
		target(l.value <= LINEAR_MAX,
		       "/proc/%s linear in VMAs (cost per VMA at %llu VMAs / at %llu: %.2f, at most %.2f)",
		       d, l.top, l.ref, l.value, LINEAR_MAX);
	}
}

static int report(const char *raw, const char *out)
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
	print_ratios();
	putchar('\n');
	print_targets();
	return 0;
}

/* ------------------------------------------------------------------ */

static void usage(void)
{
	fputs("usage: bench [-r REPS] [-d DEVICE]... stream|rw|setup PAGES\n"
	      "       bench [-r REPS] [-d DEVICE]... procfs [VMAS...]\n"
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
	while ((opt = getopt(argc, argv, "+r:d:")) != -1) {
		if (opt == 'r') {
			reps = (int)parse_ul(optarg);
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
