/* SPDX-License-Identifier: GPL-2.0 */
/*
 * testutil: helpers shared by the user-space test programs (mmaptest,
 * fuzz, stress, hostile, zerocopy, filecalls), which link testutil.c.
 */
#ifndef MMAPDEV_TESTUTIL_H
#define MMAPDEV_TESTUTIL_H

#include <stddef.h>
#include <sys/mman.h>
#include <sys/types.h>

/* What fuzz and hostile use that an older C library may not define. */
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

/* open(path, flags | O_CLOEXEC), or "Bail out! cannot open ..." and exit 1. */
int open_dev(const char *path, int flags);

/*
 * Reads a whole small file (procfs, sysfs) into buf with raw read(2): no
 * allocation, no stdio. NUL-terminated; returns its length, or -1.
 */
ssize_t read_file(const char *path, char *buf, size_t cap);

/* splitmix64: the next pseudo-random number from *state, which it advances. */
unsigned long long next64(unsigned long long *state);

/* Fills p[0..len) with bytes of next64(state), eight bytes a number. */
void fill_random(unsigned char *p, size_t len, unsigned long long *state);

/*
 * The SIGSEGV handler for faults() (install it with signal()): jumps back
 * into faults() when it expects a fault, otherwise dies of the signal.
 */
void on_segv(int sig);

/* Does touching p (a store if write) raise SIGSEGV? Needs on_segv. */
int faults(volatile unsigned char *p, int write);

/*
 * TAP output (zerocopy, filecalls): "ok N - ...", "not ok N - ...",
 * "ok N - ... # SKIP why", "# ..." notes, and the plan "1..N" at the end.
 * Each line is flushed at once (a child process may print too).
 */
int tap_check(int pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Passes when ret is -1 with errno want; the line names what was got. */
int tap_errno(long ret, int want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tap_skip(const char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the plan; returns the exit status: 0 when nothing failed, else 1. */
int tap_done(void);
/* An errno's name ("EFAULT"); "no error" for 0. */
const char *errname(int err);
/* "N", or "-1 (EFAULT)" with errno's name, for a result line (a static buffer). */
const char *tap_result(long n);

static inline size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * A device test's buffer (zerocopy, filecalls): opens path O_RDWR, saves the
 * buffer's bytes and maps it whole, MAP_SHARED read-write; sets *fd, *size
 * and *map, returns the saved copy. "Bail out! ..." and exit 1 on failure,
 * or when the buffer is smaller than a page.
 */
unsigned char *dev_open_mapped(const char *path, int *fd, size_t *size, unsigned char **map);
/* Writes saved back (a TAP check: the buffer as it was found), unmaps, closes, frees. */
void dev_restore(int fd, unsigned char *saved, unsigned char *map, size_t size);

/* Writes random bytes (from *seed) at off in fd with pwrite, and into expect. */
int pwrite_random(int fd, off_t off, unsigned char *expect, size_t len, unsigned long long *seed);
/* Does fd, read with pread, hold expect at off? */
int fd_holds(int fd, off_t off, const unsigned char *expect, size_t len);

#endif
