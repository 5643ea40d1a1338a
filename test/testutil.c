// SPDX-License-Identifier: GPL-2.0
/*
 * testutil: helpers shared by the user-space test programs; see testutil.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

int open_dev(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0) {
		printf("Bail out! cannot open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

ssize_t read_file(const char *path, char *buf, size_t cap)
{
	ssize_t len = 0, n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((size_t)len < cap - 1 &&
	       (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += n;
	close(fd);
	if (n < 0)
		return -1;
	buf[len] = '\0';
	return len;
}

/* ---- randomness: splitmix64 ---------------------------------------------- */

unsigned long long next64(unsigned long long *state)
{
	unsigned long long z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void fill_random(unsigned char *p, size_t len, unsigned long long *state)
{
	unsigned long long v = 0;

	for (size_t i = 0; i < len; i++) {
		if (i % 8 == 0)
			v = next64(state);
		p[i] = (unsigned char)(v >> (8 * (i % 8)));
	}
}

/* ---- expected faults ----------------------------------------------------- */

static sigjmp_buf fault_jump;
static volatile sig_atomic_t expecting_fault;

void on_segv(int sig)
{
	if (!expecting_fault) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(fault_jump, 1);
}

int faults(volatile unsigned char *p, int write)
{
	int faulted = 0;

	expecting_fault = 1;
	if (sigsetjmp(fault_jump, 1) == 0) {
		if (write)
			*p = 0x5a;
		else
			(void)*p;
	} else {
		faulted = 1;
	}
	expecting_fault = 0;
	return faulted;
}

/* ---- TAP ----------------------------------------------------------------- */

static int tap_tests, tap_failures;

static int tap_line(int pass, const char *skip, const char *fmt, va_list ap)
{
	printf("%sok %d - ", pass ? "" : "not ", ++tap_tests);
	vprintf(fmt, ap);
	if (skip)
		printf(" # SKIP %s", skip);
	putchar('\n');
	fflush(stdout);
	if (!pass)
		tap_failures++;
	return pass;
}

int tap_check(int pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line(pass, NULL, fmt, ap);
	va_end(ap);
	return pass;
}

int tap_errno(long ret, int want, const char *fmt, ...)
{
	int err = errno, pass = ret == -1 && err == want;
	va_list ap;

	va_start(ap, fmt);
	printf("%sok %d - ", pass ? "" : "not ", ++tap_tests);
	vprintf(fmt, ap);
	printf(" fails with %s (got %ld, %s)\n", errname(want), ret,
	       ret == -1 ? errname(err) : "no error");
	fflush(stdout);
	va_end(ap);
	if (!pass)
		tap_failures++;
	return pass;
}

void tap_skip(const char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line(1, why, fmt, ap);
	va_end(ap);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	va_end(ap);
}

int tap_done(void)
{
	printf("1..%d\n", tap_tests);
	fflush(stdout);
	return tap_failures ? 1 : 0;
}

const char *errname(int err)
{
	const char *name = err ? strerrorname_np(err) : NULL;

	return name ? name : err ? "unknown errno" : "no error";
}

const char *tap_result(long n)
{
	static char text[64];

	if (n < 0)
		snprintf(text, sizeof(text), "%ld (%s)", n, errname(errno));
	else
		snprintf(text, sizeof(text), "%ld", n);
	return text;
}

unsigned char *dev_open_mapped(const char *path, int *fd, size_t *size, unsigned char **map)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *saved;

	*fd = open_dev(path, O_RDWR);
	*size = (size_t)lseek(*fd, 0, SEEK_END);
	saved = malloc(*size ? *size : 1);
	if (!saved || *size < page || pread(*fd, saved, *size, 0) != (ssize_t)*size) {
		printf("Bail out! cannot read the %zu-byte buffer of %s\n", *size, path);
		exit(1);
	}
	*map = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (*map == MAP_FAILED) {
		printf("Bail out! cannot map %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return saved;
}

void dev_restore(int fd, unsigned char *saved, unsigned char *map, size_t size)
{
	tap_check(pwrite(fd, saved, size, 0) == (ssize_t)size, "restore the buffer as it was found");
	munmap(map, size);
	close(fd);
	free(saved);
}

int pwrite_random(int fd, off_t off, unsigned char *expect, size_t len, unsigned long long *seed)
{
	fill_random(expect, len, seed);
	return pwrite(fd, expect, len, off) == (ssize_t)len;
}

int fd_holds(int fd, off_t off, const unsigned char *expect, size_t len)
{
	unsigned char *got = malloc(len ? len : 1);
	int same = got && pread(fd, got, len, off) == (ssize_t)len && memcmp(got, expect, len) == 0;

	free(got);
	return same;
}
