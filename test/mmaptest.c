// SPDX-License-Identifier: GPL-2.0
/*
 * mmaptest: check one mmapdev device (/dev/kmmap or /dev/vmmap) from user
 * space. Prints TAP; exits 0 when every check passes, 1 when one fails,
 * 77 when the device cannot be tested here (absent, or no permission).
 *
 * The buffer's content is saved first and written back at the end, so a
 * run leaves the device as it found it.
 *
 * Usage: mmaptest [--skip-pattern] DEVICE
 *   --skip-pattern  the buffer was written since the module was loaded:
 *                   do not expect the aa bb cc dd signature on every page
 *        mmaptest --hold DEVICE
 *   map the device's first page, close it, say so, and keep the mapping
 *   until killed (for checking that rmmod is refused meanwhile)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static const unsigned char signature[4] = { 0xaa, 0xbb, 0xcc, 0xdd };

static const char *dev_path;
static char dev_name[64];
static size_t page;
static size_t size;		/* buffer size in bytes */
static size_t npages;
static int tests, failures;

static void report(int pass, const char *fmt, va_list ap)
{
	printf("%sok %d - ", pass ? "" : "not ", ++tests);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	if (!pass)
		failures++;
}

static int check(int pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(pass, fmt, ap);
	va_end(ap);
	return pass;
}

/* Passes when the call failed (returned -1) with errno @want. */
static int check_errno(long ret, int want, const char *what)
{
	int err = errno;

	return check(ret == -1 && err == want, "%s fails with %s (got %ld, %s)",
		     what, strerrorname_np(want), ret,
		     ret == -1 ? strerrorname_np(err) : "no error");
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

/* Raw syscalls for hostile pointers, which the C library rightly rejects. */
static long raw_read(int fd, void *buf, size_t len)
{
	return syscall(SYS_read, fd, buf, len);
}

static long raw_write(int fd, const void *buf, size_t len)
{
	return syscall(SYS_write, fd, buf, len);
}

/* A pwrite() that a check depends on; a failure is reported. */
static void put(int fd, const void *data, size_t len, off_t off)
{
	if (pwrite(fd, data, len, off) != (ssize_t)len)
		check(0, "pwrite of %zu bytes at %lld for the next check", len, (long long)off);
}

static void *map_dev(int fd, size_t len, int prot, off_t off)
{
	return mmap(NULL, len, prot, MAP_SHARED, fd, off);
}

static void fill(unsigned char *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(seed + i * 7 + (i >> 8));
}

static char proc_buf[64];
static char maps_buf[4 << 20];

/* The device's procfs figure, or -1; *raw keeps the text as read. */
static long long read_proc(const char **raw)
{
	char path[96];
	char *end;
	long long val;

	snprintf(path, sizeof(path), "/proc/%s", dev_name);
	if (read_file(path, proc_buf, sizeof(proc_buf)) <= 0)
		return -1;
	if (raw)
		*raw = proc_buf;
	errno = 0;
	val = strtoll(proc_buf, &end, 10);
	return errno || *end ? -1 : val;
}

/* Sum of end - start over /proc/self/maps, without the [vsyscall] line. */
static long long sum_maps(void)
{
	unsigned long long total = 0, start, end;
	char *line = maps_buf, *next;

	if (read_file("/proc/self/maps", maps_buf, sizeof(maps_buf)) <= 0)
		return -1;
	for (; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (memmem(line, next - line, "[vsyscall]", 10))
			continue;
		if (sscanf(line, "%llx-%llx", &start, &end) != 2)
			return -1;
		total += end - start;
	}
	return total;
}

static void test_size(void)
{
	char path[128], text[32];
	int fd = open_dev(dev_path, O_RDONLY);
	off_t end = lseek(fd, 0, SEEK_END);

	close(fd);
	check(end > 0 && (size_t)end % page == 0,
	      "the device has a size of whole pages (lseek SEEK_END: %lld)",
	      (long long)end);
	snprintf(path, sizeof(path), "/sys/module/%s/parameters/npages", dev_name);
	if (read_file(path, text, sizeof(text)) > 0)
		check(strtoull(text, NULL, 10) * page == (size_t)end,
		      "its size is npages (%llu) pages",
		      strtoull(text, NULL, 10));
}

static void test_signature(const unsigned char *saved)
{
	int fd = open_dev(dev_path, O_RDONLY);
	unsigned char *map = map_dev(fd, size, PROT_READ, 0);
	size_t bad_read = 0, bad_map = 0;

	close(fd);
	if (!check(map != MAP_FAILED, "map the whole buffer read-only"))
		return;
	for (size_t i = 0; i < npages; i++) {
		bad_read += memcmp(saved + i * page, signature, 4) != 0;
		bad_map += memcmp(map + i * page, signature, 4) != 0;
	}
	check(!bad_map, "every page starts with aa bb cc dd, through the mapping (%zu pages differ)",
	      bad_map);
	check(!bad_read, "every page starts with aa bb cc dd, through read() (%zu pages differ)",
	      bad_read);
	munmap(map, size);
}

static void test_write_read(void)
{
	int fd = open_dev(dev_path, O_RDWR);
	unsigned char *map = map_dev(fd, size, PROT_READ | PROT_WRITE, 0);
	unsigned char *in = malloc(size), *out = malloc(size);
	off_t mid = (off_t)(size / 2) - 3;

	if (!check(map != MAP_FAILED, "map the whole buffer read-write") || !in || !out)
		goto out;

	fill(out, size, 1);
	check(write(fd, out, size) == (ssize_t)size, "write() fills the buffer");
	check(lseek(fd, 0, SEEK_CUR) == (off_t)size, "write() advances the file offset to the end");
	check(memcmp(map, out, size) == 0, "the written bytes show through the mapping");
	check(lseek(fd, 0, SEEK_SET) == 0, "lseek(0, SEEK_SET) rewinds");
	check(read(fd, in, size) == (ssize_t)size && memcmp(in, out, size) == 0,
	      "read() returns what write() wrote");

	fill(map, size, 2);
	fill(out, size, 2);
	check(pread(fd, in, size, 0) == (ssize_t)size && memcmp(in, out, size) == 0,
	      "bytes stored through the mapping show through pread()");

	check(pwrite(fd, "HELLO", 5, mid) == 5 && memcmp(map + mid, "HELLO", 5) == 0,
	      "pwrite() at an unaligned offset lands at that offset in the mapping");
	check(pread(fd, in, 5, mid) == 5 && memcmp(in, "HELLO", 5) == 0,
	      "pread() at that offset reads it back");
	check(lseek(fd, 0, SEEK_CUR) == (off_t)size, "pread()/pwrite() leave the file offset alone");
out:
	if (map != MAP_FAILED)
		munmap(map, size);
	free(in);
	free(out);
	close(fd);
}

static void test_offsets(void)
{
	int fd = open_dev(dev_path, O_RDWR);
	char buf[64];
	off_t end = (off_t)size;

	check(lseek(fd, 100, SEEK_SET) == 100 && read(fd, buf, 10) == 10 &&
	      lseek(fd, 0, SEEK_CUR) == 110, "read() advances the offset it started from");
	check(lseek(fd, -10, SEEK_CUR) == 100, "lseek SEEK_CUR moves relative to the offset");
	check(lseek(fd, -16, SEEK_END) == end - 16 && read(fd, buf, 64) == 16,
	      "a read that crosses the end is short (16 of 64 bytes)");
	check(read(fd, buf, 64) == 0, "read() at the end returns 0");
	check(lseek(fd, (off_t)page, SEEK_END) == end + (off_t)page, "lseek past the end is allowed");
	check(read(fd, buf, 64) == 0, "read() past the end returns 0");
	check(pread(fd, buf, 64, LLONG_MAX - 64) == 0, "pread() at a huge offset returns 0");
	check_errno(write(fd, buf, 1), ENOSPC, "write() past the end");
	check_errno(pwrite(fd, buf, 1, end), ENOSPC, "pwrite() at the end");
	check(pwrite(fd, buf, 0, end) == 0, "a zero-byte write at the end returns 0");
	check(lseek(fd, end - 10, SEEK_SET) == end - 10 && write(fd, "0123456789abcdef", 16) == 10,
	      "a write that crosses the end is short (10 of 16 bytes)");
	check(lseek(fd, 0, SEEK_CUR) == end, "and leaves the offset at the end");
	check_errno(write(fd, buf, 1), ENOSPC, "the next write()");
	check_errno(lseek(fd, -1, SEEK_SET), EINVAL, "lseek to -1");
	check_errno(lseek(fd, -end - 1, SEEK_END), EINVAL, "lseek before the start from SEEK_END");
	check_errno(lseek(fd, LLONG_MAX, SEEK_CUR), EINVAL, "lseek SEEK_CUR past LLONG_MAX");
	check(lseek(fd, 0, SEEK_CUR) == end, "a refused lseek leaves the offset alone");
	check_errno(pread(fd, buf, 1, -1), EINVAL, "pread() at a negative offset");
	close(fd);
}

static void test_bad_pointers(void)
{
	int fd = open_dev(dev_path, O_RDWR);
	void *kernel = (void *)0xffff888000000000UL;
	unsigned char *two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *gone = mmap(NULL, page, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char expect[100];
	ssize_t n;

	munmap(gone, page);
	check_errno(raw_read(fd, NULL, 16), EFAULT, "read() into NULL");
	check_errno(raw_write(fd, NULL, 16), EFAULT, "write() from NULL");
	check_errno(pread(fd, gone, 16, 0), EFAULT, "pread() into an unmapped page");
	check_errno(pwrite(fd, gone, 16, 0), EFAULT, "pwrite() from an unmapped page");
	check_errno(pread(fd, kernel, 16, 0), EFAULT, "pread() into a kernel address");
	check_errno(pwrite(fd, kernel, 16, 0), EFAULT, "pwrite() from a kernel address");
	check(lseek(fd, 0, SEEK_CUR) == 0, "failed reads and writes leave the offset alone");

	munmap(two + page, page);
	n = pread(fd, expect, 100, 0) == 100 ? pread(fd, two + page - 100, 200, 0) : -1;
	check(n > 0 && n <= 100 && memcmp(two + page - 100, expect, n) == 0,
	      "a read into a buffer that runs into an unmapped page is short (%zd of 200)", n);
	munmap(two, page);
	close(fd);
}

static void test_mmap_rules(void)
{
	int fd = open_dev(dev_path, O_RDWR);
	int rdonly = open_dev(dev_path, O_RDONLY);
	int rw = PROT_READ | PROT_WRITE;
	unsigned char *map, *last;

	check_errno((long)mmap(NULL, size, rw, MAP_PRIVATE, fd, 0), EINVAL, "MAP_PRIVATE mmap");
	check_errno((long)map_dev(fd, 0, rw, 0), EINVAL, "mmap of length 0");
	check_errno((long)map_dev(fd, size + page, rw, 0), EINVAL, "mmap one page longer than the buffer");
	check_errno((long)map_dev(fd, page, rw, size), EINVAL, "mmap at the page after the end");
	check_errno((long)map_dev(fd, 2 * page, rw, size - page), EINVAL,
		    "mmap that starts on the last page and runs past it");
	check_errno((long)map_dev(fd, page, rw, (off_t)(LLONG_MAX & ~(page - 1))), EINVAL,
		    "mmap at a huge page offset");
	check_errno((long)map_dev(fd, page, PROT_READ | PROT_EXEC, 0), EPERM, "mmap with PROT_EXEC");

	last = map_dev(fd, page, rw, size - page);
	if (check(last != MAP_FAILED, "map only the last page (offset %zu)", size - page)) {
		put(fd, "LASTPAGE", 8, size - page + 16);
		check(memcmp(last + 16, "LASTPAGE", 8) == 0,
		      "a mapping at an offset shows the buffer from that offset");
		check_errno(mprotect(last, page, PROT_READ | PROT_EXEC), EACCES,
			    "mprotect adding PROT_EXEC");
		munmap(last, page);
	}

	map = map_dev(rdonly, size, PROT_READ, 0);
	check(map != MAP_FAILED, "a read-only open maps read-only");
	if (map != MAP_FAILED) {
		check_errno(mprotect(map, size, PROT_READ | PROT_WRITE), EACCES,
			    "mprotect upgrading a read-only open's mapping to writable");
		munmap(map, size);
	}
	check_errno((long)map_dev(rdonly, size, rw, 0), EACCES, "a writable mapping of a read-only open");
	check_errno(write(rdonly, "x", 1), EBADF, "write() on a read-only open");
	close(rdonly);
	close(fd);
}

static void test_mremap_madvise_split(void)
{
	int fd = open_dev(dev_path, O_RDWR);
	unsigned char *map = map_dev(fd, size, PROT_READ | PROT_WRITE, 0);
	unsigned char *moved;
	unsigned char byte;
	int ret;

	if (!check(map != MAP_FAILED, "map the whole buffer"))
		goto out;
	check((void *)mremap(map, size, size + page, 0) == MAP_FAILED,
	      "mremap cannot grow the mapping in place");
	moved = mremap(map, size, size + page, MREMAP_MAYMOVE);
	check(moved == MAP_FAILED, "mremap cannot grow the mapping by moving it either");
	if (moved != MAP_FAILED)
		map = moved;

	put(fd, "DONTNEED", 8, 0);
	ret = madvise(map, size, MADV_DONTNEED);
	check(ret == 0, "madvise(MADV_DONTNEED) zaps the mapping's page tables");
	check(memcmp(map, "DONTNEED", 8) == 0,
	      "after madvise(MADV_DONTNEED) the mapping still shows the buffer");

	if (npages >= 3) {
		put(fd, "P2", 2, 2 * page);
		check(munmap(map + page, page) == 0, "munmap of a middle page splits the mapping");
		check(memcmp(map, "DONTNEED", 8) == 0 && memcmp(map + 2 * page, "P2", 2) == 0,
		      "both halves of a split mapping still show the buffer");
		munmap(map + 2 * page, size - 2 * page);
		munmap(map, page);
	} else {
		munmap(map, size);
	}

	map = map_dev(fd, page, PROT_READ, 0);
	if (map != MAP_FAILED) {
		int mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);

		check(mem >= 0 && pread(mem, &byte, 1, (off_t)(uintptr_t)map) == 1 && byte == 'D',
		      "/proc/self/mem (ptrace access) reads the mapping");
		check(mem >= 0 && pwrite(mem, "X", 1, (off_t)(uintptr_t)map) == -1,
		      "/proc/self/mem cannot write through a read-only mapping");
		if (mem >= 0)
			close(mem);
		munmap(map, page);
	}
out:
	close(fd);
}

static void test_process_vm_readv(void)
{
	int fd = open_dev(dev_path, O_RDWR);
	unsigned char *map = map_dev(fd, page, PROT_READ, 0);
	unsigned char got[8];
	struct iovec local = { got, sizeof(got) }, remote = { map, sizeof(got) };
	ssize_t n;

	close(fd);
	if (map == MAP_FAILED)
		return;
	n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	check(n == sizeof(got) && memcmp(got, map, sizeof(got)) == 0,
	      "process_vm_readv reads the mapping (real pages behind it)");
	munmap(map, page);
}

static void test_sharing(void)
{
	int fd1 = open_dev(dev_path, O_RDWR), fd2 = open_dev(dev_path, O_RDWR);
	unsigned char *m1 = map_dev(fd1, page, PROT_READ | PROT_WRITE, 0);
	unsigned char *m2 = map_dev(fd2, page, PROT_READ | PROT_WRITE, 0);
	unsigned char buf[8];
	pid_t pid;
	int status;

	if (!check(m1 != MAP_FAILED && m2 != MAP_FAILED, "two opens map the buffer"))
		goto out;
	memcpy(m1 + 8, "SHARED!", 8);
	check(memcmp(m2 + 8, "SHARED!", 8) == 0, "a store through one open's mapping shows in the other's");

	pid = fork();
	if (pid == 0) {
		memcpy(m1 + 16, "FROMKID", 8);
		_exit(0);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      memcmp(m1 + 16, "FROMKID", 8) == 0, "a child's store through an inherited mapping shows in the parent");

	close(fd2);
	fd2 = -1;
	memcpy(m2 + 24, "CLOSED!", 8);
	check(pread(fd1, buf, 8, 24) == 8 && memcmp(buf, "CLOSED!", 8) == 0,
	      "a mapping stays usable after its file is closed");
out:
	if (m1 != MAP_FAILED)
		munmap(m1, page);
	if (m2 != MAP_FAILED)
		munmap(m2, page);
	close(fd1);
	if (fd2 >= 0)
		close(fd2);
}

static void test_procfs(void)
{
	const size_t ten_mib = 10 << 20;
	const char *raw = NULL;
	long long before, after, maps, proc;
	void *anon;

	before = read_proc(&raw);
	if (!check(before > 0, "/proc/%s reads as a number (\"%s\")", dev_name, raw ? raw : "?"))
		return;
	check(raw[strlen(raw) - 1] != '\n', "it has no trailing newline");

	anon = mmap(NULL, ten_mib, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	after = read_proc(NULL);
	check(anon != MAP_FAILED && after - before == (long long)ten_mib,
	      "it grows by exactly 10 MiB after a 10 MiB anonymous mmap (%lld)", after - before);
	munmap(anon, ten_mib);
	check(read_proc(NULL) == before, "and shrinks back after munmap");

	maps = sum_maps();
	proc = read_proc(NULL);
	check(maps > 0 && proc == maps,
	      "it equals the sum over /proc/self/maps without [vsyscall] (%lld vs %lld)", proc, maps);
}

/* Threads: page-sized pread/pwrite must never tear while others mmap/munmap. */
#define THREAD_ITERATIONS 1500
static int thread_fd;
static int torn, thread_errors;

static void *writer(void *arg)
{
	unsigned char *buf = malloc(page);
	unsigned int seed = (unsigned int)(uintptr_t)arg;

	for (int i = 0; buf && i < THREAD_ITERATIONS; i++) {
		size_t pg = rand_r(&seed) % npages;

		memset(buf, rand_r(&seed) & 0xff, page);
		if (pwrite(thread_fd, buf, page, pg * page) != (ssize_t)page)
			__atomic_add_fetch(&thread_errors, 1, __ATOMIC_RELAXED);
	}
	free(buf);
	return NULL;
}

static void *reader(void *arg)
{
	unsigned char *buf = malloc(page);
	unsigned int seed = (unsigned int)(uintptr_t)arg;

	for (int i = 0; buf && i < THREAD_ITERATIONS; i++) {
		size_t pg = rand_r(&seed) % npages;

		if (pread(thread_fd, buf, page, pg * page) != (ssize_t)page)
			__atomic_add_fetch(&thread_errors, 1, __ATOMIC_RELAXED);
		for (size_t j = 1; j < page; j++) {
			if (buf[j] != buf[0]) {
				__atomic_add_fetch(&torn, 1, __ATOMIC_RELAXED);
				break;
			}
		}
	}
	free(buf);
	return NULL;
}

static void *mapper(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	volatile unsigned char sink;

	for (int i = 0; i < THREAD_ITERATIONS; i++) {
		size_t off = rand_r(&seed) % npages;
		size_t len = 1 + rand_r(&seed) % (npages - off);
		unsigned char *m = map_dev(thread_fd, len * page, PROT_READ, off * page);

		if (m == MAP_FAILED) {
			__atomic_add_fetch(&thread_errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		sink = m[(len - 1) * page];
		(void)sink;
		munmap(m, len * page);
	}
	return NULL;
}

static void test_threads(void)
{
	void *(*roles[])(void *) = { writer, writer, reader, reader, mapper, mapper };
	pthread_t tid[sizeof(roles) / sizeof(roles[0])];
	unsigned char *buf = malloc(page);
	size_t n = sizeof(roles) / sizeof(roles[0]);

	thread_fd = open_dev(dev_path, O_RDWR);
	for (size_t pg = 0; buf && pg < npages; pg++) {
		memset(buf, 0x5a, page);
		put(thread_fd, buf, page, pg * page);
	}
	free(buf);
	for (size_t i = 0; i < n; i++)
		pthread_create(&tid[i], NULL, roles[i], (void *)(uintptr_t)(i + 1));
	for (size_t i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	close(thread_fd);
	check(!thread_errors, "%zu threads x %d pread/pwrite/mmap/munmap calls: no call failed (%d)",
	      n, THREAD_ITERATIONS, thread_errors);
	check(!torn, "no pread() saw a page half-written by a concurrent pwrite() (%d torn)", torn);
}

static int hold_mapping(void)
{
	int fd = open(dev_path, O_RDONLY | O_CLOEXEC);
	void *map = fd < 0 ? MAP_FAILED : mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);

	if (map == MAP_FAILED) {
		fprintf(stderr, "mmaptest: cannot map %s: %s\n", dev_path, strerror(errno));
		return 1;
	}
	close(fd);
	printf("holding a mapping of %s\n", dev_path);
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	int skip_pattern = 0, fd;
	unsigned char *saved;
	const char *base;

	if (argc == 3 && (strcmp(argv[1], "--skip-pattern") == 0 ||
			  strcmp(argv[1], "--hold") == 0)) {
		skip_pattern = 1;
		dev_path = argv[2];
	} else if (argc == 2 && argv[1][0] != '-') {
		dev_path = argv[1];
	} else {
		fprintf(stderr, "usage: %s [--skip-pattern|--hold] /dev/kmmap|/dev/vmmap\n",
			argv[0]);
		return 2;
	}
	base = strrchr(dev_path, '/');
	snprintf(dev_name, sizeof(dev_name), "%s", base ? base + 1 : dev_path);
	page = (size_t)sysconf(_SC_PAGESIZE);
	if (strcmp(argv[1], "--hold") == 0)
		return hold_mapping();

	fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("1..0 # SKIP cannot open %s: %s\n", dev_path, strerror(errno));
		return errno == ENOENT || errno == EACCES || errno == ENXIO ? 77 : 1;
	}
	size = (size_t)lseek(fd, 0, SEEK_END);
	npages = size / page;
	saved = malloc(size ? size : 1);
	if (!saved || npages == 0 || pread(fd, saved, size, 0) != (ssize_t)size) {
		printf("Bail out! cannot read the %zu-byte buffer of %s\n", size, dev_path);
		return 1;
	}
	diag("%s: %zu pages of %zu bytes", dev_path, npages, page);

	test_size();
	if (skip_pattern)
		printf("ok %d - every page starts with aa bb cc dd # SKIP --skip-pattern\n", ++tests);
	else
		test_signature(saved);
	test_write_read();
	test_offsets();
	test_bad_pointers();
	test_mmap_rules();
	test_mremap_madvise_split();
	test_process_vm_readv();
	test_sharing();
	test_procfs();
	test_threads();

	check(pwrite(fd, saved, size, 0) == (ssize_t)size, "restore the buffer as it was found");
	close(fd);
	free(saved);
	printf("1..%d\n", tests);
	return failures ? 1 : 0;
}
