// SPDX-License-Identifier: GPL-2.0
/*
 * stress: concurrency and lifetime stress for the mmapdev devices.
 *
 * stress [--threads N] [--seconds M] [--seed S] DEVICE...
 *   N threads for M seconds, spread over the devices. Each thread owns a
 *   lane of pages of its device (lanes are disjoint) and mixes on it, at
 *   random: pwrite/pread, stores and loads through fresh mappings and
 *   through a long-lived one, mmap/munmap of the whole buffer (read-only,
 *   over everybody's lanes), mprotect, madvise(MADV_DONTNEED), reads of
 *   /proc/DEVICE, and fork (the child checks the lane through the mapping
 *   it inherited and rewrites it; the parent checks the child's bytes).
 *   Whatever path a byte was written by, every later read of it by any
 *   path must return it: the thread keeps its lane's expected content.
 *   The buffers are restored at the end.
 *   Prints "figure: stress_threads N", "figure: stress_seconds M",
 *   "figure: stress_ops N", "figure: stress_errors N".
 *
 * stress --cycles N [--npages LIST] MODULE.ko...
 *   N load/unload cycles of the modules (finit_module/delete_module, as
 *   insmod/rmmod do): load each (npages taken in turn from LIST, default
 *   1,16,100,257), open its device, map the whole buffer, check that every
 *   page starts with aa bb cc dd, write and read back, close, check that
 *   unloading is refused while the mapping exists, munmap, unload, check
 *   that the device node is gone. MemAvailable is read (the median of
 *   three readings, each after dropping caches and with KASAN's quarantine
 *   full) after 10 warm-up cycles and after the last one.
 *   Prints "figure: load_cycles N" and "figure: leak_kib N" (MemAvailable
 *   lost, 0 if none, less what the kernel's stack depot grew by: see
 *   stack_depot_kib()).
 *
 * Exit status: 0 when nothing went wrong, 1 otherwise, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define MAX_DEVICES 4
#define MAX_THREADS 64
#define MAX_ERRORS_SHOWN 30

static size_t page;
static unsigned long long seed;
/* Where the time of the load/unload cycles goes. */
enum { PH_LOAD, PH_MAP, PH_UNLOAD, PH_MEMINFO, PH_COUNT };
static const char *const phase_names[PH_COUNT] = { "load", "open+map+check", "unload", "meminfo" };
static double phase_seconds[PH_COUNT];
static int errors;
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static void complain(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&print_lock);
	if (++errors <= MAX_ERRORS_SHOWN) {
		va_start(ap, fmt);
		printf("# error: ");
		vprintf(fmt, ap);
		printf("\n");
		fflush(stdout);
		va_end(ap);
	}
	pthread_mutex_unlock(&print_lock);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- threads ------------------------------------------------------------ */

struct device {
	const char *path;
	const char *name;
	size_t size, npages;
	unsigned char *saved;
};

enum { A_PWRITE, A_PREAD, A_FRESH_MAP, A_KEEP_MAP, A_PROTECT, A_WHOLE_MAP, A_PROC, A_WHOLE_PREAD,
       A_FORK, A_COUNT };
static const char *const action_names[A_COUNT] = {
	"pwrite", "pread", "fresh-map", "kept-map", "mprotect+madvise", "whole-map", "procfs",
	"whole-pread", "fork"
};

struct worker {
	double seconds[A_COUNT];
	unsigned long long count[A_COUNT];
	pthread_t tid;
	int id;
	struct device *dev;
	size_t first, npg;	/* the lane: pages [first, first + npg) */
	unsigned char *expect;	/* the lane's content as it must read */
	unsigned char *tmp;
	unsigned long long rng, ops;
	double deadline;
};

/* Compares what a path showed of the lane (from lane offset off) with the expectation. */
static int lane_ok(struct worker *w, const unsigned char *seen, size_t off, size_t len,
		   const char *how)
{
	if (memcmp(seen, w->expect + off, len) == 0)
		return 1;
	for (size_t i = 0; i < len; i++) {
		if (seen[i] != w->expect[off + i]) {
			complain("thread %d %s: %s byte %zu (buffer offset %zu) is %02x, %02x was written",
				 w->id, w->dev->name, how, off + i, w->first * page + off + i,
				 seen[i], w->expect[off + i]);
			break;
		}
	}
	return 0;
}

static int lane_pread_ok(struct worker *w, int fd, const char *how)
{
	size_t len = w->npg * page;

	if (pread(fd, w->tmp, len, (off_t)(w->first * page)) != (ssize_t)len) {
		complain("thread %d %s: pread of the lane: %s", w->id, w->dev->name, strerror(errno));
		return 0;
	}
	return lane_ok(w, w->tmp, 0, len, how);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	size_t lane_len = w->npg * page, lane_off = w->first * page;
	int fd = open(w->dev->path, O_RDWR | O_CLOEXEC);
	unsigned char *keep = MAP_FAILED;	/* the long-lived mapping of the lane */
	int keep_prot = PROT_READ | PROT_WRITE;
	char proc[96], num[32];

	snprintf(proc, sizeof(proc), "/proc/%s", w->dev->name);
	if (fd < 0) {
		complain("thread %d: open %s: %s", w->id, w->dev->path, strerror(errno));
		return NULL;
	}
	fill_random(w->expect, lane_len, &w->rng);
	if (pwrite(fd, w->expect, lane_len, (off_t)lane_off) != (ssize_t)lane_len)
		complain("thread %d: the first pwrite: %s", w->id, strerror(errno));

	int last = -1;
	double t_last = 0, t;

	while ((t = now()) < w->deadline) {
		unsigned long long r = next64(&w->rng) % 100;
		size_t off = next64(&w->rng) % lane_len;
		size_t len = 1 + next64(&w->rng) % (lane_len - off);
		unsigned char *m;

		/* The time of the previous action (the branches below may "continue"). */
		if (last >= 0)
			w->seconds[last] += t - t_last;
		last = r < 20 ? A_PWRITE : r < 35 ? A_PREAD : r < 50 ? A_FRESH_MAP : r < 65 ? A_KEEP_MAP :
		       r < 70 ? A_PROTECT : r < 80 ? A_WHOLE_MAP : r < 85 ? A_PROC : r < 95 ? A_WHOLE_PREAD :
		       A_FORK;
		t_last = t;
		w->count[last]++;
		w->ops++;
		if (r < 20) {
			/* pwrite, then pread back. */
			fill_random(w->tmp, len, &w->rng);
			if (pwrite(fd, w->tmp, len, (off_t)(lane_off + off)) != (ssize_t)len) {
				complain("thread %d %s: pwrite: %s", w->id, w->dev->name, strerror(errno));
				continue;
			}
			memcpy(w->expect + off, w->tmp, len);
			if (pread(fd, w->tmp, len, (off_t)(lane_off + off)) != (ssize_t)len)
				complain("thread %d %s: pread: %s", w->id, w->dev->name, strerror(errno));
			else
				lane_ok(w, w->tmp, off, len, "pread after pwrite");
		} else if (r < 35) {
			lane_pread_ok(w, fd, "pread");
		} else if (r < 50) {
			/* A fresh read-write mapping of the lane: store, check, unmap. */
			m = mmap(NULL, lane_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)lane_off);
			if (m == MAP_FAILED) {
				complain("thread %d %s: mmap: %s", w->id, w->dev->name, strerror(errno));
				continue;
			}
			lane_ok(w, m, 0, lane_len, "a fresh mapping");
			fill_random(m + off, len, &w->rng);
			memcpy(w->expect + off, m + off, len);
			munmap(m, lane_len);
			lane_pread_ok(w, fd, "pread after stores through a mapping");
		} else if (r < 65) {
			/* The long-lived mapping: (re)create it, store or check through it. */
			if (keep == MAP_FAILED || next64(&w->rng) % 16 == 0) {
				if (keep != MAP_FAILED)
					munmap(keep, lane_len);
				keep = mmap(NULL, lane_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
					    (off_t)lane_off);
				keep_prot = PROT_READ | PROT_WRITE;
				if (keep == MAP_FAILED) {
					complain("thread %d %s: mmap: %s", w->id, w->dev->name,
						 strerror(errno));
					continue;
				}
			}
			if (keep_prot & PROT_WRITE) {
				fill_random(keep + off, len, &w->rng);
				memcpy(w->expect + off, keep + off, len);
			}
			lane_ok(w, keep, 0, lane_len, "the long-lived mapping");
		} else if (r < 70) {
			/* Protection changes and DONTNEED on the long-lived mapping. */
			if (keep == MAP_FAILED)
				continue;
			keep_prot = keep_prot & PROT_WRITE ? PROT_READ : PROT_READ | PROT_WRITE;
			if (mprotect(keep, lane_len, keep_prot) != 0)
				complain("thread %d %s: mprotect: %s", w->id, w->dev->name, strerror(errno));
			if (madvise(keep, lane_len, MADV_DONTNEED) != 0 && errno != ENOSYS)
				complain("thread %d %s: madvise: %s", w->id, w->dev->name, strerror(errno));
			lane_ok(w, keep, 0, lane_len, "the long-lived mapping after mprotect/madvise");
		} else if (r < 80) {
			/* The whole buffer, read-only, over every lane: only this one is known. */
			m = mmap(NULL, w->dev->size, PROT_READ, MAP_SHARED, fd, 0);
			if (m == MAP_FAILED) {
				complain("thread %d %s: mmap whole: %s", w->id, w->dev->name, strerror(errno));
				continue;
			}
			lane_ok(w, m + lane_off, 0, lane_len, "a mapping of the whole buffer");
			munmap(m, w->dev->size);
		} else if (r < 85) {
			int pfd = open(proc, O_RDONLY | O_CLOEXEC);
			ssize_t n = pfd < 0 ? -1 : read(pfd, num, sizeof(num) - 1);

			if (n <= 0)
				complain("thread %d: read %s: %s", w->id, proc, strerror(errno));
			if (pfd >= 0)
				close(pfd);
		} else if (r < 95) {
			/* A second open and a whole-buffer pread across the others' lanes. */
			int fd2 = open(w->dev->path, O_RDONLY | O_CLOEXEC);
			unsigned char *all = malloc(w->dev->size);

			if (fd2 < 0 || !all ||
			    pread(fd2, all, w->dev->size, 0) != (ssize_t)w->dev->size)
				complain("thread %d %s: whole pread: %s", w->id, w->dev->name, strerror(errno));
			else
				lane_ok(w, all + lane_off, 0, lane_len, "a pread of the whole buffer");
			free(all);
			if (fd2 >= 0)
				close(fd2);
		} else {
			/*
			 * fork: the child checks the lane through the inherited
			 * mapping and by pread, rewrites a range with pwrite and
			 * exits; only async-signal-safe calls in the child.
			 */
			unsigned long long plan = next64(&w->rng), p2 = plan;
			int status;
			pid_t pid;

			if (keep == MAP_FAILED || !(keep_prot & PROT_READ))
				continue;
			pid = fork();
			if (pid < 0) {
				complain("thread %d: fork: %s", w->id, strerror(errno));
				continue;
			}
			if (pid == 0) {
				int bad = memcmp(keep, w->expect, lane_len) != 0;

				bad |= pread(fd, w->tmp, lane_len, (off_t)lane_off) != (ssize_t)lane_len ||
				       memcmp(w->tmp, w->expect, lane_len) != 0;
				fill_random(w->tmp, len, &p2);
				bad |= pwrite(fd, w->tmp, len, (off_t)(lane_off + off)) != (ssize_t)len;
				bad |= memcmp(keep + off, w->tmp, len) != 0;
				_exit(bad);
			}
			if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
			    WEXITSTATUS(status) != 0) {
				complain("thread %d %s: the forked child found a difference (status %#x)",
					 w->id, w->dev->name, status);
				fill_random(w->tmp, len, &plan);
				memcpy(w->expect + off, w->tmp, len);
				continue;
			}
			fill_random(w->tmp, len, &plan);
			memcpy(w->expect + off, w->tmp, len);
			lane_ok(w, keep, 0, lane_len, "the mapping after a child's pwrite");
		}
	}
	if (last >= 0)
		w->seconds[last] += now() - t_last;
	if (keep != MAP_FAILED)
		munmap(keep, lane_len);
	lane_pread_ok(w, fd, "the final pread");
	close(fd);
	return NULL;
}

static int run_threads(int nthreads, int seconds, int ndev, char **paths)
{
	static struct device devs[MAX_DEVICES];
	static struct worker workers[MAX_THREADS];
	unsigned long long total = 0, count[A_COUNT] = { 0 };
	double start, action_seconds[A_COUNT] = { 0 };
	int d, t, a;

	for (d = 0; d < ndev; d++) {
		struct device *dev = &devs[d];
		const char *base = strrchr(paths[d], '/');
		int fd = open(paths[d], O_RDWR | O_CLOEXEC);

		dev->path = paths[d];
		dev->name = base ? base + 1 : paths[d];
		if (fd < 0) {
			printf("Bail out! cannot open %s: %s\n", paths[d], strerror(errno));
			return 1;
		}
		dev->size = (size_t)lseek(fd, 0, SEEK_END);
		dev->npages = dev->size / page;
		dev->saved = malloc(dev->size);
		if (!dev->saved || pread(fd, dev->saved, dev->size, 0) != (ssize_t)dev->size) {
			printf("Bail out! cannot read %s\n", paths[d]);
			return 1;
		}
		close(fd);
	}
	start = now();
	for (t = 0; t < nthreads; t++) {
		struct worker *w = &workers[t];
		struct device *dev = &devs[t % ndev];
		int on_dev = nthreads / ndev + (t % ndev < nthreads % ndev);
		size_t per = dev->npages / on_dev;

		if (!per) {
			printf("Bail out! %s has %zu pages, too few for %d threads\n", dev->path,
			       dev->npages, on_dev);
			return 1;
		}
		w->id = t;
		w->dev = dev;
		w->npg = per;
		w->first = (size_t)(t / ndev) * per;
		w->expect = malloc(per * page);
		w->tmp = malloc(per * page);
		w->rng = seed + (unsigned long long)t * 0x1000193;
		w->deadline = start + seconds;
		if (!w->expect || !w->tmp || pthread_create(&w->tid, NULL, work, w) != 0) {
			printf("Bail out! cannot start thread %d\n", t);
			return 1;
		}
	}
	for (t = 0; t < nthreads; t++) {
		pthread_join(workers[t].tid, NULL);
		total += workers[t].ops;
		for (a = 0; a < A_COUNT; a++) {
			count[a] += workers[t].count[a];
			action_seconds[a] += workers[t].seconds[a];
		}
	}
	for (d = 0; d < ndev; d++) {
		int fd = open(devs[d].path, O_RDWR | O_CLOEXEC);

		if (fd < 0 || pwrite(fd, devs[d].saved, devs[d].size, 0) != (ssize_t)devs[d].size)
			complain("cannot restore %s", devs[d].path);
		if (fd >= 0)
			close(fd);
	}
	printf("# stress: %d threads x %d s on", nthreads, seconds);
	for (d = 0; d < ndev; d++)
		printf(" %s (%zu pages)", devs[d].path, devs[d].npages);
	printf(", seed %llu: %llu operations in %.1f s, %d errors\n", seed, total, now() - start,
	       errors);
	printf("# stress: operations (thread-seconds):");
	for (a = 0; a < A_COUNT; a++)
		printf(" %s %llu (%.1f)", action_names[a], count[a], action_seconds[a]);
	printf("\n");
	printf("figure: stress_threads %d\n", nthreads);
	printf("figure: stress_seconds %d\n", seconds);
	printf("figure: stress_ops %llu\n", total);
	printf("figure: stress_errors %d\n", errors);
	return errors ? 1 : 0;
}

/* ---- load/unload cycles -------------------------------------------------- */

/*
 * KASAN holds freed slab objects back in a quarantine of up to 1/32 of RAM
 * before they really are free: MemAvailable falls while it fills, without
 * a leak. Filling it before each reading puts it at its steady size every
 * time. poll() copies its array into page-sized kmalloc() chunks and frees
 * them: a million ignored entries (fd -1) free 8 MiB per call. The array
 * is mmap()ed and munmap()ed, not malloc()ed: glibc would keep a freed
 * 8 MiB block in the heap and MemAvailable would see it. Harmless without
 * KASAN.
 */
static void fill_kasan_quarantine(void)
{
	struct rlimit lim = { 1 << 20, 1 << 20 };
	struct pollfd *fds;
	size_t n, i, len;

	if (setrlimit(RLIMIT_NOFILE, &lim) != 0 && getrlimit(RLIMIT_NOFILE, &lim) != 0)
		return;
	n = lim.rlim_cur;
	len = n * sizeof(*fds);
	fds = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fds == MAP_FAILED)
		return;
	for (i = 0; i < n; i++)
		fds[i] = (struct pollfd){ .fd = -1 };
	/* 128 MiB through the allocator: more than RAM/32 of a 2 GiB guest. */
	for (i = 0; i * len < (128UL << 20); i++)
		if (poll(fds, n, 0) < 0) {
			complain("poll of %zu entries: %s", n, strerror(errno));
			break;
		}
	munmap(fds, len);
}

static long long read_mem_available_kib(void)
{
	char buf[4096];
	int fd;
	char *p;

	fill_kasan_quarantine();
	/* Page cache and reclaimable slab out of the way of the comparison. */
	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "3", 1) != 1)
			complain("drop_caches: %s", strerror(errno));
		close(fd);
	}
	if (read_file("/proc/meminfo", buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "MemAvailable:");
	return p ? strtoll(p + 13, NULL, 10) : -1;
}

/*
 * Back-to-back readings with nothing else going on spread over ~1.5 MiB
 * under KASAN (per-CPU page lists, the 1 MiB per-CPU quarantine): the
 * median of three.
 */
static long long mem_available_kib(void)
{
	long long a = read_mem_available_kib(), b = read_mem_available_kib();
	long long c = read_mem_available_kib();

	if ((a <= b && b <= c) || (c <= b && b <= a))
		return b;
	if ((b <= a && a <= c) || (c <= a && a <= b))
		return a;
	return c;
}

/*
 * KiB held by the kernel's stack depot (/sys/kernel/debug/stackdepot/stats:
 * "pools: N", of four pages each: DEPOT_POOL_ORDER 2), or -1 if it has none. KASAN and kmemleak store
 * the stack trace of every allocation there, once per distinct trace, and
 * never free it; a module loaded at a new address gives its allocations new
 * traces, so the depot grows with every cycle, for the sanitizers' own
 * bookkeeping, not the drivers'.
 */
static long long stack_depot_kib(void)
{
	char buf[512], *p;

	if (read_file("/sys/kernel/debug/stackdepot/stats", buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "pools:");
	return p ? strtoll(p + 6, NULL, 10) * 4 * (long long)page / 1024 : -1;
}

/* One module through one cycle; returns 0 when all went as it must. */
static int cycle_one(const char *ko, const char *name, unsigned int npages, int cycle)
{
	char params[32], dev[sizeof("/dev/") + NAME_MAX];
	unsigned char *map;
	size_t size = (size_t)npages * page, bad = 0;
	struct stat st;
	int kfd, fd, ret;

	double t = now();

	snprintf(params, sizeof(params), "npages=%u", npages);
	snprintf(dev, sizeof(dev), "/dev/%s", name);
	kfd = open(ko, O_RDONLY | O_CLOEXEC);
	if (kfd < 0 || syscall(SYS_finit_module, kfd, params, 0) != 0) {
		complain("cycle %d: load %s %s: %s", cycle, ko, params, strerror(errno));
		if (kfd >= 0)
			close(kfd);
		return -1;
	}
	close(kfd);
	phase_seconds[PH_LOAD] += now() - t;
	t = now();
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		complain("cycle %d: open %s: %s", cycle, dev, strerror(errno));
		syscall(SYS_delete_module, name, O_NONBLOCK);
		return -1;
	}
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		complain("cycle %d: mmap %s: %s", cycle, dev, strerror(errno));
		close(fd);
		syscall(SYS_delete_module, name, O_NONBLOCK);
		return -1;
	}
	for (size_t pg = 0; pg < npages; pg++)
		bad += memcmp(map + pg * page, "\xaa\xbb\xcc\xdd", 4) != 0;
	if (bad)
		complain("cycle %d: %s %s: %zu pages do not start with aa bb cc dd", cycle, dev,
			 params, bad);
	memset(map, cycle & 0xff, size);
	if (pwrite(fd, "cycle", 5, 0) != 5 || memcmp(map, "cycle", 5) != 0)
		complain("cycle %d: %s: a pwrite does not show through the mapping", cycle, dev);
	close(fd);
	/* The mapping holds the file, the file the module. */
	ret = (int)syscall(SYS_delete_module, name, O_NONBLOCK);
	if (ret == 0) {
		complain("cycle %d: %s was unloaded while mapped", cycle, name);
		return -1;
	}
	if (errno != EWOULDBLOCK && errno != EBUSY)
		complain("cycle %d: unloading mapped %s: %s", cycle, name, strerror(errno));
	if (munmap(map, size) != 0)
		complain("cycle %d: munmap: %s", cycle, strerror(errno));
	phase_seconds[PH_MAP] += now() - t;
	t = now();
	if (syscall(SYS_delete_module, name, O_NONBLOCK) != 0) {
		complain("cycle %d: unload %s: %s", cycle, name, strerror(errno));
		return -1;
	}
	if (stat(dev, &st) == 0 || errno != ENOENT)
		complain("cycle %d: %s is still there after unloading", cycle, dev);
	phase_seconds[PH_UNLOAD] += now() - t;
	return 0;
}

static int run_cycles(int ncycles, const char *npages_list, int nko, char **kos)
{
	unsigned int sizes[16];
	int nsizes = 0, warmup = ncycles > 20 ? 10 : 0, c, k, done = 0;
	long long before = -1, after, depot_before = -1, depot_after, lost;
	char names[MAX_DEVICES][64];
	char *list = strdup(npages_list), *tok, *save = NULL;
	double start = now();

	for (tok = strtok_r(list, ",", &save); tok && nsizes < 16; tok = strtok_r(NULL, ",", &save))
		sizes[nsizes++] = (unsigned int)strtoul(tok, NULL, 0);
	free(list);
	if (!nsizes) {
		printf("Bail out! no npages values\n");
		return 2;
	}
	for (k = 0; k < nko; k++) {
		const char *base = strrchr(kos[k], '/');
		char *dot;

		snprintf(names[k], sizeof(names[k]), "%s", base ? base + 1 : kos[k]);
		dot = strstr(names[k], ".ko");
		if (dot)
			*dot = '\0';
	}
	/* The quarantine at its steady size before the warm-up already. */
	fill_kasan_quarantine();
	for (c = 0; c < warmup + ncycles; c++) {
		if (c == warmup) {
			double t = now();

			before = mem_available_kib();
			depot_before = stack_depot_kib();
			phase_seconds[PH_MEMINFO] += now() - t;
		}
		for (k = 0; k < nko; k++)
			if (cycle_one(kos[k], names[k], sizes[(c + k) % nsizes], c) != 0)
				goto out;
		if (c >= warmup)
			done++;
	}
out:
	after = mem_available_kib();
	depot_after = stack_depot_kib();
	lost = before > after ? before - after : 0;
	printf("# cycles: %d load/map/unload cycles of %d modules (+%d warm-up) in %.1f s, npages %s; MemAvailable %lld -> %lld KiB; %d errors\n",
	       done, nko, warmup, now() - start, npages_list, before, after, errors);
	if (depot_before >= 0 && depot_after >= 0) {
		printf("# cycles: the stack depot grew by %lld KiB (%lld -> %lld): not counted as lost\n",
		       depot_after - depot_before, depot_before, depot_after);
		lost -= depot_after - depot_before;
		if (lost < 0)
			lost = 0;
	}
	printf("# cycles: time in");
	for (k = 0; k < PH_COUNT; k++)
		printf(" %s %.1f s", phase_names[k], phase_seconds[k]);
	printf("\n");
	printf("figure: load_cycles %d\n", done);
	printf("figure: leak_kib %lld\n", lost);
	return errors || done != ncycles ? 1 : 0;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--threads N] [--seconds M] [--seed S] DEVICE...\n"
		"       %s --cycles N [--npages LIST] MODULE.ko...\n", argv0, argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	int threads = 4, seconds = 10, cycles = 0, i;
	const char *npages_list = "1,16,100,257";

	page = (size_t)sysconf(_SC_PAGESIZE);
	seed = (unsigned long long)time(NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (i + 1 >= argc)
			usage(argv[0]);
		if (strcmp(argv[i], "--threads") == 0)
			threads = atoi(argv[++i]);
		else if (strcmp(argv[i], "--seconds") == 0)
			seconds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--seed") == 0)
			seed = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--cycles") == 0)
			cycles = atoi(argv[++i]);
		else if (strcmp(argv[i], "--npages") == 0)
			npages_list = argv[++i];
		else
			usage(argv[0]);
	}
	if (i >= argc || argc - i > MAX_DEVICES || threads < 1 || threads > MAX_THREADS ||
	    seconds < 1)
		usage(argv[0]);
	if (cycles > 0)
		return run_cycles(cycles, npages_list, argc - i, argv + i);
	return run_threads(threads, seconds, argc - i, argv + i);
}
