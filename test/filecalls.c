// SPDX-License-Identifier: GPL-2.0
/*
 * filecalls: the file calls an mmapdev device answers like a fixed-size
 * regular file: msync (MS_SYNC, MS_ASYNC, MS_INVALIDATE) of a shared
 * mapping, fsync and fdatasync, sendfile from the device (to a file and to
 * a pipe) and into it, splice device -> pipe and pipe -> device, readv,
 * writev, preadv and pwritev (an iovec that faults part-way, the end of the
 * buffer), io_uring READ, WRITE, READV and WRITEV on the device's fd. Each
 * check is one behaviour, with the bytes compared. Prints TAP; exits 0
 * when every check passes, 1 when one fails.
 *
 * The buffer's content is saved first and written back at the end.
 *
 * Usage: filecalls [--tmpdir DIR] DEVICE
 *   --tmpdir DIR   where a scratch file is made (default /tmp)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "testutil.h"
#include "uring.h"

static const char *dev_path, *tmpdir = "/tmp";
static int devfd, scratch;		/* the device (O_RDWR), a scratch regular file */
static size_t page, size;
static off_t end;			/* size, as an offset */
static unsigned char *map;		/* the whole buffer, MAP_SHARED read-write */
static unsigned long long seed = 0x66696c6563616c6cULL;

static unsigned char *alloc(size_t len)
{
	unsigned char *p = malloc(len ? len : 1);

	if (!p) {
		printf("Bail out! cannot allocate %zu bytes\n", len);
		exit(1);
	}
	return p;
}

static off_t pos(void)
{
	return lseek(devfd, 0, SEEK_CUR);
}

/* A new pipe, its read end non-blocking (a check must never hang on it). */
static void new_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) || fcntl(p[0], F_SETFL, O_NONBLOCK)) {
		printf("Bail out! pipe: %s\n", strerror(errno));
		exit(1);
	}
}

static void close_pipe(int p[2])
{
	close(p[0]);
	close(p[1]);
}

/* Bytes waiting in a pipe. */
static int in_pipe(int fd)
{
	int n = -1;

	return ioctl(fd, FIONREAD, &n) ? -1 : n;
}

/* Reads what the pipe holds (up to len) into buf: the count. */
static ssize_t drain(int fd, unsigned char *buf, size_t len)
{
	ssize_t got = 0, n;

	while ((size_t)got < len && (n = read(fd, buf + got, len - got)) > 0)
		got += n;
	return got;
}

/* The scratch file: exactly data. */
static int set_scratch(const unsigned char *data, size_t len)
{
	return ftruncate(scratch, 0) == 0 && pwrite(scratch, data, len, 0) == (ssize_t)len &&
	       lseek(scratch, 0, SEEK_SET) == 0;
}

/* ---- msync, fsync, fdatasync ----------------------------------------------- */

static void test_sync(void)
{
	unsigned char *data = alloc(size);
	int rdonly, ret;

	fill_random(data, size, &seed);
	memcpy(map, data, size);
	ret = msync(map, size, MS_SYNC);
	tap_check(ret == 0, "msync MS_SYNC of a shared writable mapping of the whole buffer returns 0 (got %s)",
		  tap_result(ret));
	ret = msync(map + size - page, page, MS_SYNC);
	tap_check(ret == 0, "msync MS_SYNC of its last page returns 0 (got %s)", tap_result(ret));
	ret = msync(map, size, MS_ASYNC);
	tap_check(ret == 0, "msync MS_ASYNC returns 0 (got %s)", tap_result(ret));
	ret = msync(map, size, MS_INVALIDATE);
	tap_check(ret == 0, "msync MS_INVALIDATE returns 0 (got %s)", tap_result(ret));
	tap_check(fd_holds(devfd, 0, data, size) && memcmp(map, data, size) == 0,
		  "  ... after them read() returns the stored bytes, and the mapping still shows them");

	ret = fsync(devfd);
	tap_check(ret == 0, "fsync returns 0 (got %s)", tap_result(ret));
	ret = fdatasync(devfd);
	tap_check(ret == 0, "fdatasync returns 0 (got %s)", tap_result(ret));
	rdonly = open_dev(dev_path, O_RDONLY);
	ret = fsync(rdonly);
	tap_check(ret == 0, "fsync of a read-only open returns 0 (got %s)", tap_result(ret));
	close(rdonly);
	tap_check(fd_holds(devfd, 0, data, size), "  ... and the buffer is as it was");
	free(data);
}

/* ---- sendfile -------------------------------------------------------------- */

static char sendfile_why[256];

/*
 * Before 5.19 (5.10 here) sendfile() reads only regular files and block
 * devices (splice_direct_to_actor() checked S_ISREG/S_ISBLK; now it wants
 * FMODE_LSEEK): EINVAL for every character device. Is that why sendfile
 * from the device failed? Yes when splice() from the device works (its
 * ->splice_read is fine) and sendfile from /dev/zero, another character
 * device, gets EINVAL too; the SKIP reason goes into why.
 */
static int sendfile_refused(void)
{
	int err = errno, zero = open("/dev/zero", O_RDONLY | O_CLOEXEC), p[2], refused;
	loff_t off = 0;
	ssize_t spliced, sent;

	new_pipe(p);
	spliced = splice(devfd, &off, p[1], NULL, 16, 0);
	off = 0;
	sent = zero < 0 ? 0 : sendfile(scratch, zero, &off, 16);
	refused = spliced == 16 && sent == -1 && errno == EINVAL;
	snprintf(sendfile_why, sizeof(sendfile_why), "EINVAL: this kernel's sendfile reads only regular files and block devices"
		 " (from /dev/zero: EINVAL too; splice from the device works)");
	close_pipe(p);
	if (zero >= 0)
		close(zero);
	errno = err;
	return refused;
}


static void test_sendfile(void)
{
	const char *from[] = { "sendfile from the device to a file",
			       "  ... the file holds the device's bytes",
			       "  ... the offset given moves on by the count",
			       "  ... the device's file offset is left alone",
			       "sendfile without an offset reads at the device's file offset and moves it on",
			       "sendfile from the device at its end returns 0",
			       "sendfile from the device past its end returns 0",
			       "sendfile crossing the device's end is short: 10 of 100 bytes",
			       "sendfile from the device at offset 3 to a pipe" };
	off_t off0 = end / 3 + 5, off, foff;
	size_t len = (size_t)(end - off0) / 2 + 1, plen = min_size(size, 2 * page) - 3;
	unsigned char *data = alloc(size), *got = alloc(size);
	ssize_t n;
	int p[2];

	/* From the device to a file, at an offset. */
	pwrite_random(devfd, off0, data, len, &seed);
	lseek(devfd, 7, SEEK_SET);
	set_scratch(NULL, 0);
	off = off0;
	n = sendfile(scratch, devfd, &off, len);
	if (n == -1 && errno == EINVAL && sendfile_refused()) {
		for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++)
			tap_skip(sendfile_why, "%s", from[i]);
		goto into;
	}
	tap_check(n == (ssize_t)len, "%s at offset %lld: %zu bytes (got %s)", from[0],
		  (long long)off0, len, tap_result(n));
	tap_check(fd_holds(scratch, 0, data, len), "%s", from[1]);
	tap_check(off == off0 + (off_t)len, "%s (%lld)", from[2], (long long)off);
	tap_check(pos() == 7, "%s (%lld)", from[3], (long long)pos());

	/* No offset: the device's file offset is used and moved on. */
	pwrite_random(devfd, end / 2, data, 100, &seed);
	lseek(devfd, end / 2, SEEK_SET);
	set_scratch(NULL, 0);
	n = sendfile(scratch, devfd, NULL, 100);
	tap_check(n == 100 && fd_holds(scratch, 0, data, 100) && pos() == end / 2 + 100,
		  "%s (got %s, offset %lld)", from[4], tap_result(n), (long long)pos());

	off = end;
	n = sendfile(scratch, devfd, &off, 100);
	tap_check(n == 0 && off == end, "%s (got %s)", from[5], tap_result(n));
	off = end + (off_t)page;
	n = sendfile(scratch, devfd, &off, 100);
	tap_check(n == 0, "%s (got %s)", from[6], tap_result(n));
	pwrite_random(devfd, end - 10, data, 10, &seed);
	set_scratch(NULL, 0);
	off = end - 10;
	n = sendfile(scratch, devfd, &off, 100);
	tap_check(n == 10 && fd_holds(scratch, 0, data, 10) && off == end, "%s (got %s)", from[7], tap_result(n));

	/* To a pipe. */
	new_pipe(p);
	pwrite_random(devfd, 3, data, plen, &seed);
	off = 3;
	n = sendfile(p[1], devfd, &off, plen);
	tap_check(n == (ssize_t)plen && drain(p[0], got, plen) == (ssize_t)plen &&
		  memcmp(got, data, plen) == 0, "%s: %zu bytes, the device's (got %s)", from[8],
		  plen, tap_result(n));
	close_pipe(p);

into:
	/* Into the device, at its file offset (sendfile has no output offset). */
	len = min_size(size - 5, 3 * page + 1);
	fill_random(data, len, &seed);
	set_scratch(data, len);
	lseek(devfd, 5, SEEK_SET);
	foff = 0;
	n = sendfile(devfd, scratch, &foff, len);
	tap_check(n == (ssize_t)len, "sendfile from a file into the device at offset 5: %zu bytes (got %s)",
		  len, tap_result(n));
	tap_check(fd_holds(devfd, 5, data, len) && memcmp(map + 5, data, len) == 0,
		  "  ... the device holds the bytes (read() and the mapping)");
	tap_check(pos() == 5 + (off_t)len, "  ... its file offset moves on by the count (%lld)",
		  (long long)pos());

	lseek(devfd, end, SEEK_SET);
	foff = 0;
	tap_errno(sendfile(devfd, scratch, &foff, 10), ENOSPC, "sendfile into the device at its end");
	memcpy(got, map + size - 10, 10);
	lseek(devfd, end - 10, SEEK_SET);
	foff = 0;
	n = sendfile(devfd, scratch, &foff, 100);
	tap_check(n == 10 && memcmp(map + size - 10, data, 10) == 0 && pos() == end,
		  "sendfile into the device crossing its end is short: 10 of 100 bytes (got %s)", tap_result(n));
	free(data);
	free(got);
}

/* ---- splice ---------------------------------------------------------------- */

static void test_splice(void)
{
	size_t len = min_size(size - 11, 2 * page);
	unsigned char *data = alloc(size), *got = alloc(size);
	loff_t off;
	ssize_t n;
	int p[2];

	/* Device -> pipe. */
	new_pipe(p);
	pwrite_random(devfd, 11, data, len, &seed);
	lseek(devfd, 7, SEEK_SET);
	off = 11;
	n = splice(devfd, &off, p[1], NULL, len, 0);
	tap_check(n == (ssize_t)len, "splice from the device at offset 11 into a pipe: %zu bytes (got %s)",
		  len, tap_result(n));
	tap_check(drain(p[0], got, size) == (ssize_t)len && memcmp(got, data, len) == 0,
		  "  ... the pipe holds the device's bytes");
	tap_check(off == 11 + (loff_t)len, "  ... the offset given moves on by the count (%lld)",
		  (long long)off);
	tap_check(pos() == 7, "  ... the device's file offset is left alone (%lld)", (long long)pos());

	pwrite_random(devfd, end / 2, data, 100, &seed);
	lseek(devfd, end / 2, SEEK_SET);
	n = splice(devfd, NULL, p[1], NULL, 100, 0);
	tap_check(n == 100 && drain(p[0], got, size) == 100 && memcmp(got, data, 100) == 0 &&
		  pos() == end / 2 + 100,
		  "splice from the device without an offset reads at its file offset and moves it on (got %s)",
		  tap_result(n));
	off = end;
	n = splice(devfd, &off, p[1], NULL, 100, 0);
	tap_check(n == 0 && in_pipe(p[0]) == 0, "splice from the device at its end returns 0 (got %s)",
		  tap_result(n));
	off = end + (loff_t)page;
	n = splice(devfd, &off, p[1], NULL, 100, 0);
	tap_check(n == 0, "splice from the device past its end returns 0 (got %s)", tap_result(n));
	pwrite_random(devfd, end - 10, data, 10, &seed);
	off = end - 10;
	n = splice(devfd, &off, p[1], NULL, 100, 0);
	tap_check(n == 10 && drain(p[0], got, size) == 10 && memcmp(got, data, 10) == 0,
		  "splice from the device crossing its end is short: 10 of 100 bytes (got %s)", tap_result(n));
	close_pipe(p);

	/* Pipe -> device. */
	new_pipe(p);
	len = min_size(size - 13, 2 * page);
	fill_random(data, len, &seed);
	lseek(devfd, 7, SEEK_SET);
	off = 13;
	n = write(p[1], data, len) == (ssize_t)len ? splice(p[0], NULL, devfd, &off, len, 0) : -1;
	tap_check(n == (ssize_t)len, "splice from a pipe into the device at offset 13: %zu bytes (got %s)",
		  len, tap_result(n));
	tap_check(fd_holds(devfd, 13, data, len) && memcmp(map + 13, data, len) == 0,
		  "  ... the device holds the bytes (read() and the mapping)");
	tap_check(off == 13 + (loff_t)len, "  ... the offset given moves on by the count (%lld)",
		  (long long)off);
	tap_check(pos() == 7, "  ... the device's file offset is left alone (%lld)", (long long)pos());
	drain(p[0], got, size);

	fill_random(data, 100, &seed);
	lseek(devfd, end / 2, SEEK_SET);
	n = write(p[1], data, 100) == 100 ? splice(p[0], NULL, devfd, NULL, 100, 0) : -1;
	tap_check(n == 100 && fd_holds(devfd, end / 2, data, 100) && pos() == end / 2 + 100,
		  "splice into the device without an offset writes at its file offset and moves it on (got %s)",
		  tap_result(n));

	n = write(p[1], data, 100);
	off = end;
	tap_errno(n == 100 ? splice(p[0], NULL, devfd, &off, 100, 0) : 0, ENOSPC,
		  "splice into the device at its end");
	off = end + (loff_t)page;
	tap_errno(splice(p[0], NULL, devfd, &off, 100, 0), ENOSPC, "splice into the device past its end");
	tap_check(in_pipe(p[0]) == 100, "  ... the pipe keeps the bytes (%d)", in_pipe(p[0]));
	off = end - 10;
	n = splice(p[0], NULL, devfd, &off, 100, 0);
	tap_check(n == 10 && memcmp(map + size - 10, data, 10) == 0 && off == end,
		  "splice into the device crossing its end is short: 10 of 100 bytes (got %s)", tap_result(n));
	tap_check(in_pipe(p[0]) == 90, "  ... the pipe keeps the other 90 (%d)", in_pipe(p[0]));
	close_pipe(p);
	free(data);
	free(got);
}

/* ---- readv, writev, preadv, pwritev ---------------------------------------- */

static void test_vectors(void)
{
	off_t at = size > page ? (off_t)page - 50 : 10;	/* across a page boundary if there is one */
	unsigned char a[100], b[100], c[50], want[250], before[250], got[250];
	unsigned char *two, *gone;
	struct iovec iov[3];
	ssize_t n;

	fill_random(a, sizeof(a), &seed);
	fill_random(b, sizeof(b), &seed);
	fill_random(c, sizeof(c), &seed);
	memcpy(want, a, 100);
	memcpy(want + 100, b, 100);
	memcpy(want + 200, c, 50);

	iov[0] = (struct iovec){ a, 100 };
	iov[1] = (struct iovec){ b, 100 };
	iov[2] = (struct iovec){ c, 50 };
	lseek(devfd, at, SEEK_SET);
	n = writev(devfd, iov, 3);
	tap_check(n == 250 && fd_holds(devfd, at, want, 250) && pos() == at + 250,
		  "writev of 3 iovecs writes them in order at the file offset and moves it on (got %s)",
		  tap_result(n));
	memset(got, 0, sizeof(got));
	iov[0] = (struct iovec){ got, 100 };
	iov[1] = (struct iovec){ got + 100, 100 };
	iov[2] = (struct iovec){ got + 200, 50 };
	lseek(devfd, at, SEEK_SET);
	n = readv(devfd, iov, 3);
	tap_check(n == 250 && memcmp(got, want, 250) == 0 && pos() == at + 250,
		  "readv into 3 iovecs reads them in order and moves the file offset on (got %s)", tap_result(n));

	fill_random(want, sizeof(want), &seed);
	iov[0] = (struct iovec){ want, 50 };
	iov[1] = (struct iovec){ want + 50, 200 };
	lseek(devfd, 3, SEEK_SET);
	n = pwritev(devfd, iov, 2, at);
	tap_check(n == 250 && fd_holds(devfd, at, want, 250) && pos() == 3,
		  "pwritev writes at its offset and leaves the file offset alone (got %s)", tap_result(n));
	memset(got, 0, sizeof(got));
	iov[0] = (struct iovec){ got, 200 };
	iov[1] = (struct iovec){ got + 200, 50 };
	n = preadv(devfd, iov, 2, at);
	tap_check(n == 250 && memcmp(got, want, 250) == 0 && pos() == 3,
		  "preadv reads at its offset and leaves the file offset alone (got %s)", tap_result(n));

	/* An iovec that faults part-way: 100 bytes, then 40 before an unmapped page. */
	two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (two == MAP_FAILED) {
		tap_check(0, "map two anonymous pages: %s", strerror(errno));
		return;
	}
	munmap(two + page, page);
	gone = two + page;
	fill_random(two + page - 40, 40, &seed);
	if (pread(devfd, before, 250, at) != 250) {
		tap_check(0, "read the 250 bytes the next checks change: %s", strerror(errno));
		munmap(two, page);
		return;
	}
	iov[0] = (struct iovec){ a, 100 };
	iov[1] = (struct iovec){ two + page - 40, 100 };
	iov[2] = (struct iovec){ c, 50 };
	n = pwritev(devfd, iov, 3, at);
	tap_check(n == 140, "pwritev with an iovec that faults after 40 of its 100 bytes is short: 140 (got %s)",
		  tap_result(n));
	memcpy(want, a, 100);
	memcpy(want + 100, two + page - 40, 40);
	tap_check(fd_holds(devfd, at, want, 140), "  ... the 140 bytes before the fault are written");
	tap_check(fd_holds(devfd, at + 140, before + 140, 110),
		  "  ... the 110 bytes after the fault are left untouched");

	memset(got, 0, sizeof(got));
	memset(two + page - 40, 0, 40);
	iov[0] = (struct iovec){ got, 100 };
	iov[1] = (struct iovec){ two + page - 40, 100 };
	iov[2] = (struct iovec){ got + 100, 50 };
	n = preadv(devfd, iov, 3, at);
	tap_check(n == 140 && memcmp(got, want, 100) == 0 && memcmp(two + page - 40, want + 100, 40) == 0,
		  "preadv into an iovec that faults after 40 of its 100 bytes is short: 140, the device's bytes (got %s)",
		  tap_result(n));
	tap_check(fd_holds(devfd, at, want, 140) && fd_holds(devfd, at + 140, before + 140, 110),
		  "  ... and leaves the buffer as it was");

	iov[0] = (struct iovec){ gone, 16 };
	iov[1] = (struct iovec){ a, 16 };
	tap_errno(pwritev(devfd, iov, 2, at), EFAULT, "pwritev whose first iovec is unmapped");
	tap_check(fd_holds(devfd, at, want, 140), "  ... changes nothing");
	tap_errno(preadv(devfd, iov, 2, at), EFAULT, "preadv whose first iovec is unmapped");
	munmap(two, page);

	/* The end of the buffer. */
	iov[0] = (struct iovec){ a, 8 };
	iov[1] = (struct iovec){ b, 8 };
	n = pwritev(devfd, iov, 2, end - 10);
	memcpy(want, a, 8);
	memcpy(want + 8, b, 2);
	tap_check(n == 10 && fd_holds(devfd, end - 10, want, 10),
		  "pwritev of 2 x 8 bytes crossing the end is short: 10 (got %s)", tap_result(n));
	iov[0] = (struct iovec){ got, 8 };
	iov[1] = (struct iovec){ got + 8, 8 };
	n = preadv(devfd, iov, 2, end - 10);
	tap_check(n == 10 && memcmp(got, want, 10) == 0,
		  "preadv of 2 x 8 bytes crossing the end is short: 10 (got %s)", tap_result(n));
	tap_errno(pwritev(devfd, iov, 2, end), ENOSPC, "pwritev at the end");
	n = preadv(devfd, iov, 2, end);
	tap_check(n == 0, "preadv at the end returns 0 (got %s)", tap_result(n));
}

/* ---- io_uring on the device's fd -------------------------------------------- */

/* Runs one SQE: its result, or -errno of io_uring_enter() itself. */
static int run(struct uring *r, int opcode, const void *addr, unsigned int len, off_t off)
{
	struct io_uring_sqe sqe;
	int res = 0, ret;

	uring_prep(&sqe, opcode, devfd, addr, len, (unsigned long long)off);
	ret = uring_run(r, &sqe, &res);
	return ret ? ret : res;
}

/* "N" or "-ENOSPC" for a result line. */
static const char *res_text(int res)
{
	static char text[64];

	if (res < 0)
		snprintf(text, sizeof(text), "-%s", errname(-res));
	else
		snprintf(text, sizeof(text), "%d", res);
	return text;
}

static void test_uring(void)
{
	const char *what[] = { "io_uring IORING_OP_READ", "io_uring IORING_OP_WRITE",
			       "io_uring IORING_OP_READV", "io_uring IORING_OP_WRITEV",
			       "io_uring IORING_OP_READ at the end", "io_uring IORING_OP_READ crossing the end",
			       "io_uring IORING_OP_WRITE at the end", "io_uring IORING_OP_WRITE crossing the end" };
	off_t off = (off_t)(page / 2 + 1);
	size_t len = min_size(size - (size_t)off, 2 * page);
	unsigned char *data = alloc(len), *got = alloc(len);
	struct iovec iov[2];
	struct uring r;
	char why[128];
	int ret;

	ret = uring_init(&r, 4);
	if (ret == -ENOSYS || ret == -EPERM) {
		snprintf(why, sizeof(why), "io_uring_setup: %s (%s)", errname(-ret),
			 ret == -ENOSYS ? "this kernel has no io_uring" :
			 "io_uring is disabled here: kernel.io_uring_disabled");
		for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++)
			tap_skip(why, "%s", what[i]);
		goto out;
	}
	if (!tap_check(ret == 0, "io_uring_setup (got %s)", errname(-ret)))
		goto out;

	pwrite_random(devfd, off, data, len, &seed);
	memset(got, 0, len);
	ret = run(&r, IORING_OP_READ, got, (unsigned int)len, off);
	tap_check(ret == (int)len && memcmp(got, data, len) == 0,
		  "%s of %zu bytes at offset %lld returns the device's bytes (got %s)", what[0], len,
		  (long long)off, res_text(ret));
	fill_random(data, len, &seed);
	ret = run(&r, IORING_OP_WRITE, data, (unsigned int)len, off);
	tap_check(ret == (int)len && fd_holds(devfd, off, data, len) && memcmp(map + off, data, len) == 0,
		  "%s of %zu bytes at offset %lld: the device holds them (got %s)", what[1], len,
		  (long long)off, res_text(ret));
	memset(got, 0, len);
	iov[0] = (struct iovec){ got, len / 2 };
	iov[1] = (struct iovec){ got + len / 2, len - len / 2 };
	ret = run(&r, IORING_OP_READV, iov, 2, off);
	tap_check(ret == (int)len && memcmp(got, data, len) == 0,
		  "%s into 2 iovecs returns the device's bytes (got %s)", what[2], res_text(ret));
	fill_random(data, len, &seed);
	iov[0] = (struct iovec){ data, len / 3 };
	iov[1] = (struct iovec){ data + len / 3, len - len / 3 };
	ret = run(&r, IORING_OP_WRITEV, iov, 2, off);
	tap_check(ret == (int)len && fd_holds(devfd, off, data, len),
		  "%s from 2 iovecs: the device holds them (got %s)", what[3], res_text(ret));

	ret = run(&r, IORING_OP_READ, got, 100, end);
	tap_check(ret == 0, "%s returns 0 (got %s)", what[4], res_text(ret));
	pwrite_random(devfd, end - 10, data, 10, &seed);
	ret = run(&r, IORING_OP_READ, got, 100, end - 10);
	tap_check(ret == 10 && memcmp(got, data, 10) == 0, "%s is short: 10 of 100 bytes (got %s)",
		  what[5], res_text(ret));
	ret = run(&r, IORING_OP_WRITE, data, 100, end);
	tap_check(ret == -ENOSPC, "%s fails with ENOSPC (got %s)", what[6], res_text(ret));
	fill_random(data, 10, &seed);
	ret = run(&r, IORING_OP_WRITE, data, 100, end - 10);
	tap_check(ret == 10 && fd_holds(devfd, end - 10, data, 10), "%s is short: 10 of 100 bytes (got %s)",
		  what[7], res_text(ret));
	uring_exit(&r);
out:
	free(data);
	free(got);
}

int main(int argc, char **argv)
{
	unsigned char *saved;
	char path[300];
	int i;

	for (i = 1; i + 1 < argc && strcmp(argv[i], "--tmpdir") == 0; i += 2)
		tmpdir = argv[i + 1];
	if (i + 1 != argc || argv[i][0] == '-') {
		fprintf(stderr, "usage: %s [--tmpdir DIR] DEVICE\n", argv[0]);
		return 2;
	}
	dev_path = argv[i];
	page = (size_t)sysconf(_SC_PAGESIZE);
	saved = dev_open_mapped(dev_path, &devfd, &size, &map);
	end = (off_t)size;
	snprintf(path, sizeof(path), "%s/filecalls.XXXXXX", tmpdir);
	scratch = mkostemp(path, O_CLOEXEC);
	if (scratch < 0) {
		printf("Bail out! cannot make a scratch file in %s: %s\n", tmpdir, strerror(errno));
		return 1;
	}
	unlink(path);
	tap_diag("%s: %zu bytes (%zu pages of %zu)", dev_path, size, size / page, page);

	test_sync();
	test_sendfile();
	test_splice();
	test_vectors();
	test_uring();

	close(scratch);
	dev_restore(devfd, saved, map, size);
	return tap_done();
}
