// SPDX-License-Identifier: GPL-2.0
/*
 * hostile: hostile inputs to one mmapdev device, each with the exact
 * result it must get (a value or an errno), as TAP-style lines:
 *   ok - hostile kmmap: mmap length 0 -> EINVAL
 *   not ok - hostile kmmap: ... -> GOT (want WANT)
 * A few results depend on the kernel's configuration (a syscall left out:
 * ENOSYS); those accept both and say which they got.
 *
 * The buffer's content is saved first and written back at the end; the
 * checks that a failed call changed nothing compare it before and after.
 *
 * Usage: hostile DEVICE
 *        hostile --insmod MODULE.ko PARAMS WANT
 *            load a module with finit_module() (what insmod does) and
 *            check the result: WANT is "ok" (then it is unloaded again)
 *            or an errno name (EINVAL, ERANGE, ENOENT, EEXIST, ...)
 * Ends with "figure: hostile_inputs_DEVICE N" (inputs tried).
 * Exit status: 0 all as expected, 1 otherwise, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x8
#endif
#ifndef RWF_APPEND
#define RWF_APPEND 0x10
#endif
#ifndef RWF_HIPRI
#define RWF_HIPRI 0x1
#endif

static const char *dev_path;
static char dev_name[64];
static size_t page, size, npages;
static int inputs, failures;
static unsigned char *saved, *before, *after;

static const char *name_of(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "E?";
}

/* "  ..." lines check what an input did; they are not inputs of their own. */
static void result(int pass, const char *what, const char *got, const char *want)
{
	if (strncmp(what, "  ...", 5) != 0)
		inputs++;
	if (!pass)
		failures++;
	printf("%sok - hostile %s: %s -> %s", pass ? "" : "not ", dev_name, what, got);
	if (!pass)
		printf(" (want %s)", want);
	printf("\n");
	fflush(stdout);
}

static void format_ret(char *buf, size_t cap, long ret, int err)
{
	if (ret == -1)
		snprintf(buf, cap, "%s", name_of(err));
	else
		snprintf(buf, cap, "%ld", ret);
}

/* want >= 0: that value; want < 0: failure with errno -want. */
static int matches(long ret, int err, long want)
{
	return want >= 0 ? ret == want : ret == -1 && err == -want;
}

static int expect(const char *what, long ret, long want)
{
	int err = errno;
	char got[48], wanted[48];

	format_ret(got, sizeof(got), ret, err);
	format_ret(wanted, sizeof(wanted), want < 0 ? -1 : want, (int)-want);
	result(matches(ret, err, want), what, got, wanted);
	return matches(ret, err, want);
}

/* A result the kernel's configuration decides: either want or alt. */
static int expect_either(const char *what, long ret, long want, long alt, const char *why)
{
	int err = errno;
	char got[96], wanted[96], w1[32], w2[32];

	format_ret(got, sizeof(got), ret, err);
	format_ret(w1, sizeof(w1), want < 0 ? -1 : want, (int)-want);
	format_ret(w2, sizeof(w2), alt < 0 ? -1 : alt, (int)-alt);
	if (matches(ret, err, alt) && !matches(ret, err, want))
		snprintf(got + strlen(got), sizeof(got) - strlen(got), " (%s)", why);
	snprintf(wanted, sizeof(wanted), "%s or %s", w1, w2);
	result(matches(ret, err, want) || matches(ret, err, alt), what, got, wanted);
	return matches(ret, err, want) || matches(ret, err, alt);
}

static void expect_true(const char *what, int pass, const char *got)
{
	result(pass, what, got, "the check to hold");
}

static void snapshot(unsigned char *into)
{
	int fd = open_dev(dev_path, O_RDONLY);

	if (pread(fd, into, size, 0) != (ssize_t)size) {
		printf("Bail out! cannot read %s\n", dev_path);
		exit(1);
	}
	close(fd);
}

/* After a call that must not have changed the buffer. */
static void unchanged(const char *what)
{
	size_t i;

	snapshot(after);
	for (i = 0; i < size && before[i] == after[i]; i++)
		;
	if (i == size) {
		expect_true(what, 1, "buffer unchanged");
	} else {
		char got[96];

		snprintf(got, sizeof(got), "byte %zu changed from %02x to %02x", i, before[i], after[i]);
		result(0, what, got, "buffer unchanged");
	}
}

static long raw_read(int fd, void *buf, size_t len)
{
	return syscall(SYS_read, fd, buf, len);
}

static long raw_write(int fd, const void *buf, size_t len)
{
	return syscall(SYS_write, fd, buf, len);
}

static long raw_pread(int fd, void *buf, size_t len, long long off)
{
	return syscall(SYS_pread64, fd, buf, len, off);
}

static long raw_pwrite(int fd, const void *buf, size_t len, long long off)
{
	return syscall(SYS_pwrite64, fd, buf, len, off);
}

static long map_ret(void *p)
{
	return p == MAP_FAILED ? -1 : 0;
}

static void *map(int fd, size_t len, int prot, int flags, off_t off)
{
	return mmap(NULL, len, prot, flags, fd, off);
}

/* ---- opening ------------------------------------------------------------- */

static void test_open(void)
{
	char buf[16];
	int fd;

	fd = open(dev_path, O_RDWR | O_DIRECT | O_CLOEXEC);
	expect("open O_DIRECT", fd < 0 ? -1 : 0, -EINVAL);
	if (fd >= 0)
		close(fd);

	snapshot(before);
	fd = open(dev_path, O_RDWR | O_TRUNC | O_CLOEXEC);
	expect("open O_RDWR|O_TRUNC (a fixed-size device: nothing to truncate)", fd < 0 ? -1 : 0, 0);
	if (fd >= 0)
		close(fd);
	unchanged("  ... leaves the buffer alone");

	fd = open(dev_path, O_PATH | O_CLOEXEC);
	if (fd >= 0) {
		expect("read on an O_PATH open", raw_read(fd, buf, 1), -EBADF);
		expect("mmap of an O_PATH open", map_ret(map(fd, page, PROT_READ, MAP_SHARED, 0)), -EBADF);
		close(fd);
	}

	fd = open_dev(dev_path, O_WRONLY);
	expect("read on an O_WRONLY open", raw_read(fd, buf, 1), -EBADF);
	expect("mmap PROT_WRITE of an O_WRONLY open", map_ret(map(fd, page, PROT_WRITE, MAP_SHARED, 0)), -EACCES);
	expect("mmap PROT_NONE of an O_WRONLY open", map_ret(map(fd, page, PROT_NONE, MAP_SHARED, 0)), -EACCES);
	close(fd);

	fd = open_dev(dev_path, O_RDONLY);
	expect("write on an O_RDONLY open", raw_write(fd, "x", 1), -EBADF);
	expect("pwrite on an O_RDONLY open", raw_pwrite(fd, "x", 1, 0), -EBADF);
	close(fd);

	/* O_APPEND: the device has no end to append at; .write sees the file offset. */
	snapshot(before);
	fd = open_dev(dev_path, O_RDWR | O_APPEND);
	expect("write on an O_APPEND open writes at the file offset (0)", raw_write(fd, "APPEND", 6), 6);
	snapshot(after);
	expect_true("  ... and the bytes land at offset 0", memcmp(after, "APPEND", 6) == 0,
		    memcmp(after, "APPEND", 6) == 0 ? "at offset 0" : "elsewhere");
	close(fd);
}

/* ---- read and write ------------------------------------------------------ */

static void test_read_write(void)
{
	int fd = open_dev(dev_path, O_RDWR);
	void *kernel = (void *)0xffff888000000000UL;
	size_t big = 1UL << 30;
	unsigned char *buf = malloc(size), *gone, *two, *tail;
	struct iovec iov[2];
	char small[64];

	gone = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, page);
	expect("read of 0 bytes", raw_read(fd, small, 0), 0);
	expect("read of 0 bytes into NULL", raw_read(fd, NULL, 0), 0);
	expect("write of 0 bytes from NULL", raw_write(fd, NULL, 0), 0);
	expect("read into NULL", raw_read(fd, NULL, 16), -EFAULT);
	expect("read into an unmapped page", raw_read(fd, gone, 16), -EFAULT);
	expect("read into a kernel address", raw_read(fd, kernel, 16), -EFAULT);
	expect("read of SSIZE_MAX bytes", raw_read(fd, buf, SSIZE_MAX), -EFAULT);
	expect("read of SIZE_MAX bytes", raw_read(fd, buf, SIZE_MAX), -EFAULT);
	expect("pread of SSIZE_MAX bytes", raw_pread(fd, buf, SSIZE_MAX, 0), -EFAULT);
	expect("lseek back to 0 after the failed reads", lseek(fd, 0, SEEK_CUR), 0);

	snapshot(before);
	expect("write from NULL", raw_write(fd, NULL, 16), -EFAULT);
	unchanged("  ... changes nothing in the buffer (NULL)");
	expect("write from an unmapped page", raw_write(fd, gone, 16), -EFAULT);
	unchanged("  ... changes nothing in the buffer (unmapped page)");
	expect("write from a kernel address", raw_write(fd, kernel, 16), -EFAULT);
	expect("write of SSIZE_MAX bytes", raw_write(fd, buf, SSIZE_MAX), -EFAULT);
	expect("write of SIZE_MAX bytes", raw_write(fd, buf, SIZE_MAX), -EFAULT);
	expect("pwrite of SSIZE_MAX bytes", raw_pwrite(fd, buf, SSIZE_MAX, 0), -EFAULT);
	unchanged("  ... the refused writes changed nothing");

	/* Two pages, the second unmapped: a copy that runs into it. */
	two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(two + page, page);
	tail = two + page - 40;
	memset(tail, 'T', 40);
	/* Non-zero bytes where the write must stop: zeroing them must show. */
	memset(buf, 'B', 200);
	if (raw_pwrite(fd, buf, 200, 1000) != 200)
		printf("# cannot prepare the short-write check\n");
	snapshot(before);
	expect("pwrite of 100 bytes from a buffer with 40 before an unmapped page",
	       raw_pwrite(fd, tail, 100, 1000), 40);
	memcpy(before + 1000, tail, 40);
	unchanged("  ... writes those 40 bytes and not one more");
	expect("pread of 100 bytes into a buffer with 40 before an unmapped page",
	       raw_pread(fd, tail, 100, 0), 40);
	munmap(two, page);

	/* Counts far beyond the buffer, with a user buffer only as big as the device. */
	expect("read of 1 GiB at 0 returns the buffer size", raw_pread(fd, buf, big, 0), (long)size);
	memcpy(before, buf, size);
	expect("write of 1 GiB at 0 writes the buffer size", raw_pwrite(fd, buf, big, 0), (long)size);
	unchanged("  ... with the bytes given");

	expect("pread at offset -1", raw_pread(fd, small, 1, -1), -EINVAL);
	expect("pwrite at offset -1", raw_pwrite(fd, "x", 1, -1), -EINVAL);
	expect("pread at LLONG_MAX (offset + count overflows)", raw_pread(fd, small, 1, LLONG_MAX), -EINVAL);
	expect("pread of 0 bytes at LLONG_MAX", raw_pread(fd, small, 0, LLONG_MAX), 0);
	expect("pread at LLONG_MAX - 64 (past the end)", raw_pread(fd, small, 64, LLONG_MAX - 64), 0);
	expect("pwrite at LLONG_MAX - 64 (past the end)", raw_pwrite(fd, small, 64, LLONG_MAX - 64), -ENOSPC);
	expect("pwrite at the end", raw_pwrite(fd, "x", 1, (long long)size), -ENOSPC);
	expect("pwrite of 0 bytes past the end", raw_pwrite(fd, "x", 0, (long long)size + 10), 0);
	expect("pwrite crossing the end is short", raw_pwrite(fd, "0123456789", 10, (long long)size - 4), 4);

	/* Vectors: one iovec per .read/.write call, so a bad second one is a short result. */
	iov[0] = (struct iovec){ small, 16 };
	iov[1] = (struct iovec){ NULL, 16 };
	expect("preadv with a NULL second iovec is short", preadv(fd, iov, 2, 0), 16);
	iov[1] = (struct iovec){ small + 16, (size_t)-1 };
	expect("preadv with an iovec of SIZE_MAX bytes", preadv(fd, iov, 2, 0), -EINVAL);
	iov[1] = (struct iovec){ small + 16, 16 };
	expect("preadv2 RWF_NOWAIT", preadv2(fd, iov, 2, 0, RWF_NOWAIT), -EOPNOTSUPP);
	/* Like O_APPEND: the device has no end to append at; the write lands at the offset given. */
	expect("pwritev2 RWF_APPEND writes at the offset given", pwritev2(fd, iov, 2, 0, RWF_APPEND), 32);
	expect("pwritev2 with an unknown flag", pwritev2(fd, iov, 2, 0, 0x40000000), -EOPNOTSUPP);
	expect("preadv2 RWF_HIPRI (ignored)", preadv2(fd, iov, 2, 0, RWF_HIPRI), 32);
	free(buf);
	close(fd);
}

/* Whether this kernel's sendfile() reads /dev/zero (a character device). */
static int sendfile_reads_char_devices(void)
{
	int zero = open("/dev/zero", O_RDONLY | O_CLOEXEC), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int reads = zero >= 0 && null >= 0 && sendfile(null, zero, NULL, 1) == 1;

	if (zero >= 0)
		close(zero);
	if (null >= 0)
		close(null);
	return reads;
}

static void test_lseek_misc(void)
{
	int fd = open_dev(dev_path, O_RDWR), out, err;
	long ret;
	char tmpl[] = "/tmp/hostile-XXXXXX", small[16];
	loff_t off_in = 0;
	int pipes[2];

	expect("lseek SEEK_DATA 0", lseek(fd, 0, SEEK_DATA), 0);
	expect("lseek SEEK_DATA at the end", lseek(fd, (off_t)size, SEEK_DATA), -ENXIO);
	expect("lseek SEEK_HOLE 0 (the hole is at the end)", lseek(fd, 0, SEEK_HOLE), (long)size);
	expect("lseek SEEK_DATA -1", lseek(fd, -1, SEEK_DATA), -ENXIO);
	expect("lseek whence 5", lseek(fd, 0, 5), -EINVAL);
	expect("lseek to -1", lseek(fd, -1, SEEK_SET), -EINVAL);
	expect("lseek to LLONG_MIN", lseek(fd, LLONG_MIN, SEEK_SET), -EINVAL);
	expect("lseek SEEK_END -(size+1)", lseek(fd, -(off_t)size - 1, SEEK_END), -EINVAL);
	expect("lseek to LLONG_MAX - 1", lseek(fd, LLONG_MAX - 1, SEEK_SET), LLONG_MAX - 1);
	expect("  ... read of 1 byte there", raw_read(fd, small, 1), 0);
	expect("  ... write of 1 byte there", raw_write(fd, "x", 1), -ENOSPC);
	expect("lseek to LLONG_MAX (MAX_LFS_FILESIZE)", lseek(fd, LLONG_MAX, SEEK_SET), LLONG_MAX);
	expect("  ... read of 1 byte there (offset + count overflows)", raw_read(fd, small, 1), -EINVAL);
	expect("  ... write of 1 byte there (offset + count overflows)", raw_write(fd, "x", 1), -EINVAL);
	expect("lseek SEEK_CUR +1 from LLONG_MAX (overflow)", lseek(fd, 1, SEEK_CUR), -EINVAL);
	expect("lseek SEEK_END LLONG_MAX (overflow)", lseek(fd, LLONG_MAX, SEEK_END), -EINVAL);

	expect("ioctl 0x1234", ioctl(fd, 0x1234, 0), -ENOTTY);
	expect("ioctl FIONREAD", ioctl(fd, FIONREAD, small), -ENOTTY);
	/* The buffer is memory: nothing to flush, and nothing fails. */
	expect("fsync", fsync(fd), 0);
	expect("fdatasync", fdatasync(fd), 0);
	expect("ftruncate", ftruncate(fd, 0), -EINVAL);
	expect("fallocate", syscall(SYS_fallocate, fd, 0, 0L, (long)page), -ENODEV);

	out = mkstemp(tmpl);
	if (out >= 0) {
		unlink(tmpl);
		/*
		 * Before 5.19, sendfile() read only regular files and block
		 * devices: EINVAL is the kernel's answer only where it refuses
		 * /dev/zero too (6.1 reads the device, not /dev/zero).
		 */
		ret = sendfile(out, fd, &off_in, 16);
		err = errno;
		if (sendfile_reads_char_devices() || ret == 16) {
			expect("sendfile from the device", ret, 16);
		} else {
			errno = err;
			expect_either("sendfile from the device", ret, 16, -EINVAL,
				      "this kernel's sendfile reads no character device, nor /dev/zero");
		}
		expect("copy_file_range from the device", copy_file_range(fd, NULL, out, NULL, 16, 0), -EINVAL);
		close(out);
	}
	if (pipe(pipes) == 0) {
		off_in = 0;
		expect("splice from the device into a pipe", splice(fd, &off_in, pipes[1], NULL, 16, 0), 16);
		expect("splice 16 more bytes from the last ones of the buffer (short)",
		       splice(fd, &(loff_t){ (loff_t)size - 4 }, pipes[1], NULL, 16, 0), 4);
		expect("splice from the device at its end (end of file)",
		       splice(fd, &(loff_t){ (loff_t)size }, pipes[1], NULL, 16, 0), 0);
		expect("splice from a pipe into the device", splice(pipes[0], NULL, fd, &off_in, 20, 0), 20);
		if (write(pipes[1], "0123456789abcdef", 16) == 16)
			expect("splice from a pipe into the device at its end",
			       splice(pipes[0], NULL, fd, &(loff_t){ (loff_t)size }, 16, 0), -ENOSPC);
		close(pipes[0]);
		close(pipes[1]);
	}
	close(fd);
}

/* ---- the procfs file ----------------------------------------------------- */

static void test_procfs(void)
{
	char path[96], buf[64], one;
	int fd, n = 0;

	snprintf(path, sizeof(path), "/proc/%s", dev_name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		expect("write to /proc/DEVICE (root opens it for writing)", raw_write(fd, "1", 1), -EIO);
		close(fd);
	} else {
		expect("open /proc/DEVICE for writing", -1, -EACCES);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		while (raw_read(fd, &one, 1) == 1 && n < (int)sizeof(buf))
			buf[n++] = one;
		expect_true("/proc/DEVICE read one byte at a time is a number", n > 0 && one >= '0' && one <= '9',
			    n > 0 ? "digits" : "nothing");
		expect("mmap of /proc/DEVICE", map_ret(map(fd, page, PROT_READ, MAP_SHARED, 0)), -EIO);
		lseek(fd, 0, SEEK_SET);
		expect("read of /proc/DEVICE into NULL", raw_read(fd, NULL, 16), -EFAULT);
		close(fd);
	}
}

/* ---- mmap ---------------------------------------------------------------- */

static void test_mmap(void)
{
	int fd = open_dev(dev_path, O_RDWR), ro = open_dev(dev_path, O_RDONLY);
	int rw = PROT_READ | PROT_WRITE;
	unsigned long top_pgoff = ULONG_MAX / page;
	unsigned char *m, *anon;
	char got[64];

	expect("mmap length 0", map_ret(map(fd, 0, rw, MAP_SHARED, 0)), -EINVAL);
	expect("mmap one page more than the buffer", map_ret(map(fd, size + page, rw, MAP_SHARED, 0)), -EINVAL);
	expect("mmap length SIZE_MAX", map_ret(map(fd, SIZE_MAX, rw, MAP_SHARED, 0)), -ENOMEM);
	/* Beyond every user address space: 47 bits on x86-64, 48 to 52 on arm64
	 * and ppc64, 56 with 5-level paging. */
	expect("mmap length 2^57 (more than the address space)", map_ret(map(fd, 1UL << 57, rw, MAP_SHARED, 0)), -ENOMEM);
	expect("mmap at the page after the end", map_ret(map(fd, page, rw, MAP_SHARED, (off_t)size)), -EINVAL);
	expect("mmap of 2 pages from the last page", map_ret(map(fd, 2 * page, rw, MAP_SHARED, (off_t)(size - page))), -EINVAL);
	expect("mmap at offset 1 (not page-aligned)", map_ret(map(fd, page, rw, MAP_SHARED, 1)), -EINVAL);
	expect("mmap at page offset ULONG_MAX >> PAGE_SHIFT",
	       map_ret(map(fd, page, rw, MAP_SHARED, (off_t)(top_pgoff * page))), -EOVERFLOW);
	expect("mmap at page offset (ULONG_MAX >> PAGE_SHIFT) - npages",
	       map_ret(map(fd, page, rw, MAP_SHARED, (off_t)((top_pgoff - npages) * page))), -EINVAL);
	expect("mmap at page offset LLONG_MAX >> PAGE_SHIFT",
	       map_ret(map(fd, page, rw, MAP_SHARED, (off_t)(LLONG_MAX & ~(long long)(page - 1)))), -EINVAL);
	expect("mmap at offset -PAGE_SIZE", map_ret(map(fd, page, rw, MAP_SHARED, -(off_t)page)), -EOVERFLOW);
	expect("mmap of the whole buffer at page offset 1 (one page too long)",
	       map_ret(map(fd, size, rw, MAP_SHARED, (off_t)page)), -EINVAL);
	expect("mmap MAP_PRIVATE", map_ret(map(fd, page, rw, MAP_PRIVATE, 0)), -EINVAL);
	expect("mmap MAP_PRIVATE of an O_RDONLY open", map_ret(map(ro, page, PROT_READ, MAP_PRIVATE, 0)), -EINVAL);
	expect("mmap MAP_PRIVATE|PROT_EXEC", map_ret(map(fd, page, PROT_READ | PROT_EXEC, MAP_PRIVATE, 0)), -EINVAL);
	expect("mmap PROT_EXEC (never executable)", map_ret(map(fd, page, PROT_READ | PROT_EXEC, MAP_SHARED, 0)), -EPERM);
	expect("mmap PROT_EXEC of an O_RDONLY open", map_ret(map(ro, page, PROT_READ | PROT_EXEC, MAP_SHARED, 0)), -EPERM);
	expect("mmap PROT_WRITE of an O_RDONLY open", map_ret(map(ro, page, rw, MAP_SHARED, 0)), -EACCES);
	expect("mmap MAP_SHARED_VALIDATE|MAP_SYNC", map_ret(map(fd, page, rw, MAP_SHARED_VALIDATE | MAP_SYNC, 0)), -EOPNOTSUPP);
	expect("mmap MAP_SHARED_VALIDATE with an unknown flag",
	       map_ret(map(fd, page, rw, MAP_SHARED_VALIDATE | 0x200000, 0)), -EOPNOTSUPP);
	expect("mmap MAP_SHARED|MAP_HUGETLB", map_ret(map(fd, page, rw, MAP_SHARED | MAP_HUGETLB, 0)), -EINVAL);
	expect("mmap MAP_SHARED|MAP_GROWSDOWN", map_ret(map(fd, page, rw, MAP_SHARED | MAP_GROWSDOWN, 0)), -EINVAL);
	expect("mmap with neither MAP_SHARED nor MAP_PRIVATE", map_ret(map(fd, page, rw, 0, 0)), -EINVAL);

	m = map(fd, 100, rw, MAP_SHARED, 0);
	expect("mmap of 100 bytes (rounded up to a page)", map_ret(m), 0);
	if (m != MAP_FAILED) {
		snprintf(got, sizeof(got), "byte %zu readable", page - 1);
		expect_true("  ... the whole first page is mapped", !faults(m + page - 1, 0), got);
		munmap(m, page);
	}
	anon = mmap(NULL, page, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	expect("mmap MAP_FIXED_NOREPLACE over an existing mapping",
	       map_ret(mmap(anon, page, rw, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0)), -EEXIST);
	m = mmap(anon, page, rw, MAP_SHARED | MAP_FIXED, fd, 0);
	expect("mmap MAP_FIXED over an anonymous mapping", m == anon ? 0 : -1, 0);
	if (m == anon)
		munmap(m, page);
	m = map(fd, size, rw, MAP_SHARED | MAP_POPULATE | MAP_LOCKED | MAP_NORESERVE, 0);
	expect("mmap MAP_POPULATE|MAP_LOCKED|MAP_NORESERVE", map_ret(m), 0);
	if (m != MAP_FAILED)
		munmap(m, size);
	m = map(fd, page, PROT_NONE, MAP_SHARED, 0);
	expect("mmap PROT_NONE", map_ret(m), 0);
	if (m != MAP_FAILED) {
		expect_true("  ... a load from it faults", faults(m, 0), "SIGSEGV");
		expect("  ... mprotect PROT_READ", mprotect(m, page, PROT_READ), 0);
		expect_true("  ... then it shows the buffer", !faults(m, 0) && memcmp(m, saved, 16) == 0,
			    "the buffer's bytes");
		munmap(m, page);
	}
	close(ro);
	close(fd);
}

/* ---- mprotect, mremap, munmap, msync, mincore, remap_file_pages ----------- */

static void test_vma_calls(void)
{
	int fd = open_dev(dev_path, O_RDWR), ro = open_dev(dev_path, O_RDONLY);
	int rw = PROT_READ | PROT_WRITE;
	unsigned char *m, *r, *moved, *target, vec[64];

	r = map(ro, page, PROT_READ, MAP_SHARED, 0);
	if (r != MAP_FAILED) {
		expect("mprotect PROT_WRITE on an O_RDONLY open's mapping", mprotect(r, page, rw), -EACCES);
		expect("msync MS_SYNC on a read-only mapping", msync(r, page, MS_SYNC), 0);
		expect_true("a store through a read-only mapping faults", faults(r, 1), "SIGSEGV");
		munmap(r, page);
	}
	m = map(fd, size, rw, MAP_SHARED, 0);
	if (m == MAP_FAILED) {
		expect("mmap the whole buffer", -1, 0);
		return;
	}
	expect("mprotect PROT_EXEC", mprotect(m, page, PROT_READ | PROT_EXEC), -EACCES);
	expect("mprotect PROT_GROWSDOWN", mprotect(m, page, PROT_READ | PROT_GROWSDOWN), -EINVAL);
	expect("mprotect at an unaligned address", mprotect(m + 1, page, PROT_READ), -EINVAL);
	expect("msync MS_SYNC", msync(m, page, MS_SYNC), 0);
	expect("msync MS_ASYNC", msync(m, page, MS_ASYNC), 0);
	expect("msync MS_INVALIDATE", msync(m, page, MS_INVALIDATE), 0);
	expect("mincore", mincore(m, size, vec), 0);
	expect("mlock", mlock(m, size), 0);
	expect("munlock", munlock(m, size), 0);

	expect("mremap growing in place", map_ret(mremap(m, size, size + page, 0)), -EFAULT);
	expect("mremap growing with MREMAP_MAYMOVE", map_ret(mremap(m, size, size + page, MREMAP_MAYMOVE)), -EFAULT);
	expect("mremap duplicating (old_len 0)", map_ret(mremap(m, 0, page, MREMAP_MAYMOVE)), -EFAULT);
	expect("mremap MREMAP_DONTUNMAP", map_ret(mremap(m, size, size, MREMAP_MAYMOVE | MREMAP_DONTUNMAP)), -EINVAL);
	expect("mremap growing, with an old length beyond the mapping",
	       map_ret(mremap(m, size + page, size + 2 * page, 0)), -EFAULT);
	expect("mremap MREMAP_FIXED onto itself (overlap)",
	       map_ret(mremap(m, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, m + page)), -EINVAL);
	if (npages >= 2) {
		r = mremap(m, size, size - page, 0);
		expect("mremap shrinking", r == m ? 0 : -1, 0);
		target = mmap(NULL, size - page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		moved = mremap(m, size - page, size - page, MREMAP_MAYMOVE | MREMAP_FIXED, target);
		expect("mremap moving (MREMAP_FIXED)", moved == target ? 0 : -1, 0);
		if (moved == target) {
			expect_true("  ... the moved mapping shows the buffer",
				    memcmp(moved, saved, size - page) == 0, "the buffer's bytes");
			m = moved;
		}
		expect("munmap at an unaligned address", munmap(m + 1, page), -EINVAL);
		expect("munmap of 0 bytes", munmap(m, 0), -EINVAL);
		munmap(m, size - page);
	} else {
		munmap(m, size);
	}

	/* A hole in the middle: two VMAs that both still show the buffer. */
	if (npages >= 3) {
		m = map(fd, 3 * page, rw, MAP_SHARED, 0);
		if (m != MAP_FAILED) {
			expect("munmap of the middle page of a 3-page mapping", munmap(m + page, page), 0);
			expect_true("  ... both ends still show the buffer",
				    memcmp(m, saved, page) == 0 && memcmp(m + 2 * page, saved + 2 * page, page) == 0,
				    "pages 0 and 2");
			expect_true("  ... the middle page faults", faults(m + page, 0), "SIGSEGV");
			munmap(m, 3 * page);
		}
	}

	/* remap_file_pages(): emulated by a new MAP_FIXED mmap at that page offset. */
	m = map(fd, page, rw, MAP_SHARED, 0);
	if (m != MAP_FAILED) {
		long ret = syscall(SYS_remap_file_pages, m, page, 0, npages, 0);

		expect("remap_file_pages to page offset npages (past the end)", ret, -EINVAL);
		munmap(m, page);
	}
	if (npages >= 2) {
		unsigned char *p = map(fd, page, rw, MAP_SHARED, 0);

		if (p != MAP_FAILED) {
			expect("remap_file_pages to page offset 1", syscall(SYS_remap_file_pages, p, page, 0, 1, 0), 0);
			expect_true("  ... shows the buffer's page 1", memcmp(p, saved + page, 16) == 0,
				    memcmp(p, saved + page, 16) == 0 ? "page 1" : "other bytes");
			munmap(p, page);
		}
	}
	close(ro);
	close(fd);
}

/* ---- madvise ------------------------------------------------------------- */

/*
 * MADV_POPULATE_READ/WRITE came in 5.14; an older kernel refuses them as
 * unknown advice (EINVAL) on any mapping. An anonymous page tells which.
 */
static int kernel_knows_populate(void)
{
	void *a = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int known;

	if (a == MAP_FAILED)
		return 1;
	known = madvise(a, page, MADV_POPULATE_READ) == 0;
	munmap(a, page);
	return known;
}

static void test_madvise(void)
{
	int fd = open_dev(dev_path, O_RDWR), ro = open_dev(dev_path, O_RDONLY);
	unsigned char *m = map(fd, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	unsigned char *r = map(ro, size, PROT_READ, MAP_SHARED, 0);
	int populate = kernel_knows_populate();
	long want_populate = populate ? 0 : -EINVAL;
	int status, dofork;
	pid_t pid;

	if (m == MAP_FAILED || r == MAP_FAILED) {
		expect("mmap for the madvise checks", -1, 0);
		return;
	}
	if (madvise(m, page, MADV_NORMAL) != 0 && errno == ENOSYS) {
		expect_either("madvise", -1, 0, -ENOSYS, "not in this kernel");
		goto out;
	}
	expect("madvise MADV_DONTNEED", madvise(m, size, MADV_DONTNEED), 0);
	expect_true("  ... the mapping still shows the buffer", memcmp(m, saved, size) == 0, "the buffer");
	expect("madvise MADV_COLD", madvise(m, size, MADV_COLD), 0);
	expect("madvise MADV_PAGEOUT", madvise(m, size, MADV_PAGEOUT), 0);
	expect_true("  ... the mapping still shows the buffer", memcmp(m, saved, size) == 0, "the buffer");
	expect("madvise MADV_FREE", madvise(m, size, MADV_FREE), -EINVAL);
	expect("madvise MADV_REMOVE", madvise(m, size, MADV_REMOVE), -ENODEV);
	expect("madvise MADV_REMOVE on a read-only mapping", madvise(r, size, MADV_REMOVE), -EACCES);
	expect("madvise MADV_WIPEONFORK", madvise(m, size, MADV_WIPEONFORK), -EINVAL);
	expect("madvise MADV_DODUMP", madvise(m, size, MADV_DODUMP), -EINVAL);
	expect("madvise MADV_DONTDUMP", madvise(m, size, MADV_DONTDUMP), 0);
	expect("madvise MADV_WILLNEED", madvise(m, size, MADV_WILLNEED), 0);
	/* GUP works on the mapping; it refuses writes to a read-only one. */
	expect(populate ? "madvise MADV_POPULATE_READ" : "madvise MADV_POPULATE_READ (unknown before 5.14)",
	       madvise(m, size, MADV_POPULATE_READ), want_populate);
	expect(populate ? "madvise MADV_POPULATE_WRITE" : "madvise MADV_POPULATE_WRITE (unknown before 5.14)",
	       madvise(m, size, MADV_POPULATE_WRITE), want_populate);
	expect("madvise MADV_POPULATE_WRITE on a read-only mapping", madvise(r, size, MADV_POPULATE_WRITE),
	       -EINVAL);
	expect_either("madvise MADV_MERGEABLE (KSM leaves special mappings alone)",
		      madvise(m, size, MADV_MERGEABLE), 0, -EINVAL, "no KSM in this kernel");
	expect_either("madvise MADV_HUGEPAGE", madvise(m, size, MADV_HUGEPAGE), 0, -EINVAL,
		      "no THP in this kernel");
	expect("madvise with an unknown advice (1000)", madvise(m, size, 1000), -EINVAL);
	expect("madvise MADV_DONTFORK", madvise(m, size, MADV_DONTFORK), 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(faults(m, 0) ? 0 : 1);
	expect_true("  ... a forked child does not have the mapping",
		    pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0, "the child's load faults");
	/*
	 * Both devices' VMAs are VM_MIXEDMAP | VM_DONTEXPAND. MADV_DOFORK
	 * refuses only VM_IO mappings in 6.12, every VM_SPECIAL one in 7.3.
	 * Either answer is the kernel's; a fork must then do what it said.
	 */
	dofork = madvise(m, size, MADV_DOFORK);
	expect_either("madvise MADV_DOFORK", dofork, 0, -EINVAL,
		      "this kernel refuses it for every VM_SPECIAL mapping");
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(faults(m, 0) == (dofork != 0) ? 0 : 1);
	expect_true("  ... a forked child has the mapping exactly when MADV_DOFORK succeeded",
		    pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0, dofork ? "the child's load faults" :
		    "the child's load reads the buffer");
out:
	munmap(m, size);
	munmap(r, size);
	close(ro);
	close(fd);
}

/* ---- other processes' access: /proc/PID/mem, ptrace, process_vm_* -------- */

static void test_remote(void)
{
	int fd = open_dev(dev_path, O_RDWR), ro = open_dev(dev_path, O_RDONLY), mem, status;
	unsigned char *m = map(fd, page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	unsigned char *r = map(ro, page, PROT_READ, MAP_SHARED, 0);
	unsigned char got[8];
	struct iovec local = { got, sizeof(got) }, remote = { m, sizeof(got) };
	long word, poke;
	pid_t pid;

	if (m == MAP_FAILED || r == MAP_FAILED) {
		expect("mmap for the remote-access checks", -1, 0);
		return;
	}
	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	expect("/proc/self/mem read of a mapping", pread(mem, got, 8, (off_t)(uintptr_t)m), 8);
	expect("/proc/self/mem write through a writable mapping",
	       pwrite(mem, "MEMWRITE", 8, (off_t)(uintptr_t)m), 8);
	expect_true("  ... shows in the mapping", memcmp(m, "MEMWRITE", 8) == 0, "the bytes");
	expect("/proc/self/mem write through a read-only mapping",
	       pwrite(mem, "X", 1, (off_t)(uintptr_t)r), -EIO);
	{
		unsigned char *two = map(fd, 2 * page, PROT_READ, MAP_SHARED, 0);

		if (two != MAP_FAILED) {
			munmap(two + page, page);
			expect("/proc/self/mem read across the end of a mapping",
			       pread(mem, got, 8, (off_t)(uintptr_t)(two + page - 4)), 4);
			munmap(two, page);
		}
	}
	close(mem);

	errno = 0;
	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) < 0 && errno == ENOSYS) {
		expect_either("process_vm_readv", -1, 0, -ENOSYS, "not in this kernel");
	} else {
		expect("process_vm_readv of a mapping", process_vm_readv(getpid(), &local, 1, &remote, 1, 0), 8);
		expect("process_vm_writev to a writable mapping",
		       process_vm_writev(getpid(), &local, 1, &remote, 1, 0), 8);
		remote.iov_base = r;
		expect("process_vm_writev to a read-only mapping",
		       process_vm_writev(getpid(), &local, 1, &remote, 1, 0), -EFAULT);
	}

	/* ptrace from a parent into a stopped child that inherited the mappings. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		_exit(0);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFSTOPPED(status)) {
		errno = 0;
		word = ptrace(PTRACE_PEEKDATA, pid, m, NULL);
		expect_true("ptrace PEEKDATA of a mapping", errno == 0 && memcmp(&word, m, sizeof(word)) == 0,
			    errno ? name_of(errno) : "the buffer's bytes");
		memcpy(&poke, "PEEKPOOK", sizeof(poke));
		expect("ptrace POKEDATA through a writable mapping",
		       ptrace(PTRACE_POKEDATA, pid, m + 8, (void *)poke), 0);
		expect_true("  ... shows in the parent's mapping", memcmp(m + 8, "PEEKPOOK", 8) == 0,
			    "the bytes");
		expect("ptrace POKEDATA through a read-only mapping",
		       ptrace(PTRACE_POKEDATA, pid, r, (void *)1UL), -EIO);
		ptrace(PTRACE_CONT, pid, NULL, NULL);
		waitpid(pid, &status, 0);
	} else {
		expect("ptrace a child", -1, 0);
	}
	munmap(m, page);
	munmap(r, page);
	close(ro);
	close(fd);
}

/* ---- the buffer as the user buffer of its own read/write ------------------ */

static void test_self_io(void)
{
	int fd = open_dev(dev_path, O_RDWR), ro = open_dev(dev_path, O_RDONLY), uffd;
	unsigned char *m = map(fd, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	unsigned char *r = map(ro, size, PROT_READ, MAP_SHARED, 0);
	unsigned char *n = map(fd, page, PROT_NONE, MAP_SHARED, 0);
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;

	if (m == MAP_FAILED || r == MAP_FAILED || n == MAP_FAILED) {
		expect("mmap for the self-I/O checks", -1, 0);
		return;
	}
	snapshot(before);
	expect("pread into a read-only mapping of the device", raw_pread(fd, r, 16, 0), -EFAULT);
	expect("pwrite from a PROT_NONE mapping of the device", raw_pwrite(fd, n, 16, 0), -EFAULT);
	unchanged("  ... both change nothing");
	expect("pread into the device's own mapping, overlapping",
	       raw_pread(fd, m + 8, size - 8, 0), (long)(size - 8));
	expect("pwrite from the device's own mapping, overlapping",
	       raw_pwrite(fd, m, size - 8, 8), (long)(size - 8));
	if (npages >= 2) {
		/* Not overlapping: a defined result. */
		memcpy(before, m, size);
		memcpy(before + page, before, page);
		expect("pwrite of page 0 from the mapping onto page 1", raw_pwrite(fd, m, page, (long long)page),
		       (long)page);
		unchanged("  ... copies page 0 onto page 1");
	}

	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0) {
		expect_either("userfaultfd", -1, 0, -ENOSYS, "not in this kernel");
	} else {
		reg = (struct uffdio_register){ .range = { (uintptr_t)m, size },
						.mode = UFFDIO_REGISTER_MODE_MISSING };
		if (ioctl(uffd, UFFDIO_API, &api) == 0)
			expect("userfaultfd UFFDIO_REGISTER of a mapping", ioctl(uffd, UFFDIO_REGISTER, &reg),
			       -EINVAL);
		close(uffd);
	}
	munmap(m, size);
	munmap(r, size);
	munmap(n, page);
	close(ro);
	close(fd);
}

/* ---- many mappings: vm.max_map_count ------------------------------------- */

static void test_map_count(void)
{
	const char *sysctl = "/proc/sys/vm/max_map_count";
	char old[32] = "", limit[32];
	int fd = open_dev(dev_path, O_RDONLY), sfd, n = 0, err = 0;
	unsigned char **maps;
	ssize_t len;

	sfd = open(sysctl, O_RDWR | O_CLOEXEC);
	if (sfd < 0 || (len = read(sfd, old, sizeof(old) - 1)) <= 0) {
		printf("# vm.max_map_count cannot be changed here: not tried\n");
		close(fd);
		return;
	}
	old[len] = '\0';
	/* Few enough to hit quickly; what the process has mapped is well below. */
	snprintf(limit, sizeof(limit), "%d", 600);
	if (pwrite(sfd, limit, strlen(limit), 0) < 0) {
		close(sfd);
		close(fd);
		return;
	}
	maps = calloc(1000, sizeof(*maps));
	for (n = 0; maps && n < 1000; n++) {
		/* The same page each time: device mappings never merge. */
		maps[n] = map(fd, page, PROT_READ, MAP_SHARED, 0);
		if (maps[n] == MAP_FAILED) {
			err = errno;
			break;
		}
	}
	errno = err;
	expect("mmap until vm.max_map_count (600) is reached", n < 1000 ? -1 : 0, -ENOMEM);
	while (maps && n > 0)
		munmap(maps[--n], page);
	free(maps);
	if (pwrite(sfd, old, strlen(old), 0) < 0)
		printf("# cannot restore vm.max_map_count %s\n", old);
	close(sfd);
	close(fd);
}

/* ---- module loading ------------------------------------------------------ */

static int insmod(const char *ko, const char *params, const char *want)
{
	const char *base = strrchr(ko, '/');
	char name[64], what[160], got[64];
	int kfd = open(ko, O_RDONLY | O_CLOEXEC), ok;
	long ret;
	char *dot;

	snprintf(name, sizeof(name), "%s", base ? base + 1 : ko);
	dot = strstr(name, ".ko");
	if (dot)
		*dot = '\0';
	snprintf(dev_name, sizeof(dev_name), "%s", name);
	ret = kfd < 0 ? -1 : syscall(SYS_finit_module, kfd, params, 0);
	format_ret(got, sizeof(got), ret == 0 ? 0 : -1, errno);
	if (ret == 0)
		snprintf(got, sizeof(got), "ok");
	ok = strcmp(got, want) == 0;
	if (ret == 0) {
		/* What the module made of the value (0x10, 010, +16 are numbers too). */
		char path[128], value[32] = "";
		int pfd;
		ssize_t n;

		snprintf(path, sizeof(path), "/sys/module/%s/parameters/npages", name);
		pfd = open(path, O_RDONLY | O_CLOEXEC);
		n = pfd < 0 ? -1 : read(pfd, value, sizeof(value) - 1);
		if (n > 0) {
			value[n - (value[n - 1] == '\n')] = '\0';
			snprintf(got + strlen(got), sizeof(got) - strlen(got), " (npages %s)", value);
		}
		if (pfd >= 0)
			close(pfd);
	}
	snprintf(what, sizeof(what), "insmod %s %s", name, *params ? params : "(no parameters)");
	result(ok, what, got, want);
	if (kfd >= 0)
		close(kfd);
	if (ret == 0 && strcmp(want, "ok") == 0 && syscall(SYS_delete_module, name, O_NONBLOCK) != 0)
		printf("# cannot unload %s: %s\n", name, strerror(errno));
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *base;
	int fd;

	page = (size_t)sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && strcmp(argv[1], "--insmod") == 0)
		return insmod(argv[2], argv[3], argv[4]);
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: %s DEVICE\n       %s --insmod MODULE.ko PARAMS WANT\n", argv[0], argv[0]);
		return 2;
	}
	dev_path = argv[1];
	base = strrchr(dev_path, '/');
	snprintf(dev_name, sizeof(dev_name), "%s", base ? base + 1 : dev_path);
	signal(SIGSEGV, on_segv);

	fd = open_dev(dev_path, O_RDONLY);
	size = (size_t)lseek(fd, 0, SEEK_END);
	close(fd);
	npages = size / page;
	saved = malloc(size);
	before = malloc(size);
	after = malloc(size);
	if (!npages || !saved || !before || !after) {
		printf("Bail out! %s: no buffer\n", dev_path);
		return 1;
	}
	snapshot(saved);

	test_open();
	test_read_write();
	test_lseek_misc();
	test_procfs();
	/* The checks below compare mappings with the buffer as saved here. */
	fd = open_dev(dev_path, O_RDWR);
	if (pwrite(fd, saved, size, 0) != (ssize_t)size)
		printf("Bail out! cannot restore %s\n", dev_path);
	close(fd);
	test_mmap();
	test_vma_calls();
	test_madvise();
	test_remote();
	test_self_io();
	test_map_count();

	fd = open_dev(dev_path, O_RDWR);
	if (pwrite(fd, saved, size, 0) != (ssize_t)size) {
		printf("not ok - hostile %s: restore the buffer as it was found\n", dev_name);
		failures++;
	}
	close(fd);
	printf("# hostile %s: %d inputs, %d not as expected\n", dev_name, inputs, failures);
	printf("figure: hostile_inputs_%s %d\n", dev_name, inputs);
	return failures ? 1 : 0;
}
