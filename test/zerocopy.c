// SPDX-License-Identifier: GPL-2.0
/*
 * zerocopy: the calls that take the pages behind a user address
 * (get_user_pages) on a shared mapping of an mmapdev device, each with its
 * data checked both ways: O_DIRECT reads and writes between a block device
 * and the mapping, the mapping registered as an io_uring fixed buffer
 * (READ_FIXED, WRITE_FIXED), process_vm_readv/process_vm_writev on the
 * mapping (of this process and of a child), vmsplice of the mapping into a
 * pipe. Prints TAP; exits 0 when every check passes, 1 when one fails.
 *
 * The buffer's content is saved first and written back at the end.
 *
 * Usage: zerocopy [--blockdev DEV | --no-blockdev REASON] [--tmpdir DIR] DEVICE
 *   --blockdev DEV      a scratch block device for the O_DIRECT checks (its
 *                       first MiB is overwritten)
 *   --no-blockdev WHY   there is none: those checks SKIP, saying WHY
 *   --tmpdir DIR        where a scratch file may be made (default /tmp)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "uring.h"

/* The most any one check moves: the buffer may be tens of MiB. */
#define CHUNK_MAX (1UL << 20)

static const char *dev_path, *blockdev, *no_blockdev = "no block device given (--blockdev)";
static const char *tmpdir = "/tmp";
static int devfd;
static size_t page, size;
static unsigned char *map;		/* the whole buffer, MAP_SHARED read-write */
static unsigned long long seed = 0x7a65726f636f7079ULL;

/* A page-aligned anonymous buffer (O_DIRECT wants aligned memory). */
static unsigned char *anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		printf("Bail out! cannot map %zu anonymous bytes: %s\n", len, strerror(errno));
		exit(1);
	}
	return p;
}

/* ---- O_DIRECT ------------------------------------------------------------- */

static void test_odirect(void)
{
	const char *what[] = { "O_DIRECT read from the block device into the mapping",
			       "  ... the bytes show through the mapping",
			       "  ... and through read() of the device",
			       "O_DIRECT write from the mapping to the block device",
			       "  ... the block device holds the buffer's bytes" };
	unsigned long long bsize = 0;
	unsigned char *src, *back;
	size_t chunk, spots[2];
	int bfd, nspots;
	ssize_t n;

	if (!blockdev) {
		for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++)
			tap_skip(no_blockdev, "%s", what[i]);
		return;
	}
	bfd = open(blockdev, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (!tap_check(bfd >= 0 && ioctl(bfd, BLKGETSIZE64, &bsize) == 0 && bsize >= page,
		       "open %s with O_DIRECT (%llu bytes)", blockdev, bsize)) {
		if (bfd >= 0)
			close(bfd);
		return;
	}
	chunk = min_size(min_size(size, CHUNK_MAX), (size_t)bsize) / page * page;
	spots[0] = 0;
	spots[1] = size - chunk;
	nspots = spots[1] ? 2 : 1;
	src = anon(chunk);
	back = anon(chunk);
	for (int s = 0; s < nspots; s++) {
		size_t off = spots[s];

		/* Block device -> mapping: the device holds other bytes before. */
		fill_random(src, chunk, &seed);
		if (pwrite(bfd, src, chunk, 0) != (ssize_t)chunk ||
		    !pwrite_random(devfd, (off_t)off, back, chunk, &seed)) {
			tap_check(0, "prepare the O_DIRECT read: %s", strerror(errno));
			continue;
		}
		n = pread(bfd, map + off, chunk, 0);
		tap_check(n == (ssize_t)chunk, "%s at buffer offset %zu: %zu bytes (got %s)",
			  what[0], off, chunk, tap_result(n));
		tap_check(memcmp(map + off, src, chunk) == 0, "%s", what[1]);
		tap_check(fd_holds(devfd, (off_t)off, src, chunk), "%s", what[2]);

		/* Mapping -> block device. */
		if (!pwrite_random(devfd, (off_t)off, src, chunk, &seed)) {
			tap_check(0, "prepare the O_DIRECT write: %s", strerror(errno));
			continue;
		}
		n = pwrite(bfd, map + off, chunk, 0);
		tap_check(n == (ssize_t)chunk, "%s from buffer offset %zu: %zu bytes (got %s)",
			  what[3], off, chunk, tap_result(n));
		memset(back, 0, chunk);
		tap_check(pread(bfd, back, chunk, 0) == (ssize_t)chunk && memcmp(back, src, chunk) == 0,
			  "%s (read back with O_DIRECT)", what[4]);
	}
	munmap(src, chunk);
	munmap(back, chunk);
	close(bfd);
}

/* ---- io_uring fixed buffers ----------------------------------------------- */

/*
 * Kernels before 6.3 (5.10, 6.1) refuse every file-backed fixed buffer but
 * shmem's and hugetlbfs's with EOPNOTSUPP. When the device's mapping gets
 * EOPNOTSUPP, the same registration of another file-backed mapping that is
 * not shmem (the block device's, or a file's on ramfs) tells whether that
 * is the kernel's general refusal. Returns 1 when it is, or cannot be told
 * (the SKIP reason is in why), 0 when it is not (why says what showed it).
 */
static int general_refusal(struct uring *r, char *why, size_t cap)
{
	char dir[256] = "", path[300] = "";
	const char *what = NULL;
	void *ref = MAP_FAILED;
	struct iovec iov;
	int fd = -1, ret = 0, general = 1;

	if (blockdev && (fd = open(blockdev, O_RDWR | O_CLOEXEC)) >= 0) {
		what = blockdev;
	} else {
		/* ramfs: file-backed and not shmem. Mounting it needs root (the guests are). */
		snprintf(dir, sizeof(dir), "%s/zerocopy.XXXXXX", tmpdir);
		if (!mkdtemp(dir)) {
			dir[0] = '\0';
		} else if (mount("ramfs", dir, "ramfs", 0, NULL) == 0) {
			snprintf(path, sizeof(path), "%s/file", dir);
			fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
			if (fd >= 0 && ftruncate(fd, (off_t)page) == 0)
				what = "a file on ramfs";
		}
	}
	if (what)
		ref = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ref == MAP_FAILED) {
		snprintf(why, cap, "EOPNOTSUPP: this kernel refuses file-backed fixed buffers"
			 " (no other file-backed mapping here to compare with)");
	} else {
		iov.iov_base = ref;
		iov.iov_len = page;
		ret = uring_register_buffers(r, &iov, 1);
		if (ret == 0)
			uring_unregister_buffers(r);
		general = ret == -EOPNOTSUPP;
		if (general)
			snprintf(why, cap, "EOPNOTSUPP: this kernel refuses every file-backed fixed buffer"
				 " (a MAP_SHARED mapping of %s gets EOPNOTSUPP too)", what);
		else
			snprintf(why, cap, "a MAP_SHARED mapping of %s gets %s", what,
				 ret ? errname(-ret) : "registered");
		munmap(ref, page);
	}
	if (fd >= 0)
		close(fd);
	if (path[0])
		unlink(path);
	if (dir[0]) {
		umount(dir);
		rmdir(dir);
	}
	return general;
}


/* One READ_FIXED or WRITE_FIXED of chunk bytes between fd (at 0) and the mapping at off. */
static void fixed_io(struct uring *r, int opcode, int fd, size_t off, size_t chunk, const char *what)
{
	struct io_uring_sqe sqe;
	int res = 0, ret;

	uring_prep(&sqe, opcode, fd, map + off, (unsigned int)chunk, 0);
	sqe.buf_index = 0;
	ret = uring_run(r, &sqe, &res);
	tap_check(ret == 0 && res == (int)chunk, "%s: %zu bytes (got %d%s%s)", what, chunk,
		  ret ? ret : res, ret || res < 0 ? ", " : "",
		  ret ? errname(-ret) : res < 0 ? errname(-res) : "");
}
/* READ_FIXED into the mapping at off from fd (at 0), and WRITE_FIXED back from it. */
static void fixed_pair(struct uring *r, int fd, const char *from, size_t off, size_t chunk)
{
	unsigned char *src = anon(chunk), *back = anon(chunk);
	char what[160];

	fill_random(src, chunk, &seed);
	if (pwrite(fd, src, chunk, 0) != (ssize_t)chunk ||
	    !pwrite_random(devfd, (off_t)off, back, chunk, &seed)) {
		tap_check(0, "prepare IORING_OP_READ_FIXED from %s: %s", from, strerror(errno));
		goto out;
	}
	snprintf(what, sizeof(what), "IORING_OP_READ_FIXED from %s into the registered mapping at offset %zu",
		 from, off);
	fixed_io(r, IORING_OP_READ_FIXED, fd, off, chunk, what);
	tap_check(memcmp(map + off, src, chunk) == 0 && fd_holds(devfd, (off_t)off, src, chunk),
		  "  ... the bytes show through the mapping and through read()");

	if (!pwrite_random(devfd, (off_t)off, src, chunk, &seed)) {
		tap_check(0, "prepare IORING_OP_WRITE_FIXED to %s: %s", from, strerror(errno));
		goto out;
	}
	snprintf(what, sizeof(what), "IORING_OP_WRITE_FIXED from the registered mapping at offset %zu to %s",
		 off, from);
	fixed_io(r, IORING_OP_WRITE_FIXED, fd, off, chunk, what);
	memset(back, 0, chunk);
	tap_check(pread(fd, back, chunk, 0) == (ssize_t)chunk && memcmp(back, src, chunk) == 0,
		  "  ... %s holds the buffer's bytes", from);
out:
	munmap(src, chunk);
	munmap(back, chunk);
}

static void test_fixed_buffers(void)
{
	const char *what[] = { "io_uring: register the whole mapping as a fixed buffer",
			       "IORING_OP_READ_FIXED/WRITE_FIXED between a file and the mapping",
			       "IORING_OP_READ_FIXED/WRITE_FIXED with O_DIRECT between the block device and the mapping" };
	size_t chunk = min_size(size, CHUNK_MAX);
	char why[256], path[300];
	struct iovec iov = { map, size };
	struct uring r;
	unsigned long long bsize = 0;
	int ret, fd, bfd;

	ret = uring_init(&r, 4);
	if (ret == -ENOSYS || ret == -EPERM) {
		snprintf(why, sizeof(why), "io_uring_setup: %s (%s)", errname(-ret),
			 ret == -ENOSYS ? "this kernel has no io_uring" :
			 "io_uring is disabled here: kernel.io_uring_disabled");
		for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++)
			tap_skip(why, "%s", what[i]);
		return;
	}
	if (!tap_check(ret == 0, "io_uring_setup (got %s)", errname(-ret)))
		return;
	ret = uring_register_buffers(&r, &iov, 1);
	if (ret == -EOPNOTSUPP) {
		if (general_refusal(&r, why, sizeof(why))) {
			for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++)
				tap_skip(why, "%s", what[i]);
		} else {
			tap_check(0, "%s (got EOPNOTSUPP, but %s)", what[0], why);
		}
		uring_exit(&r);
		return;
	}
	if (!tap_check(ret == 0, "%s (%zu bytes; got %s)", what[0], size, errname(-ret))) {
		uring_exit(&r);
		return;
	}

	snprintf(path, sizeof(path), "%s/zerocopy.XXXXXX", tmpdir);
	fd = mkostemp(path, O_CLOEXEC);
	if (tap_check(fd >= 0, "a scratch file in %s", tmpdir)) {
		unlink(path);
		fixed_pair(&r, fd, "a file", 0, chunk);
		close(fd);
	}
	if (!blockdev) {
		tap_skip(no_blockdev, "%s", what[2]);
	} else {
		bfd = open(blockdev, O_RDWR | O_DIRECT | O_CLOEXEC);
		if (tap_check(bfd >= 0 && ioctl(bfd, BLKGETSIZE64, &bsize) == 0 && bsize >= page,
			      "open %s with O_DIRECT (%llu bytes)", blockdev, bsize)) {
			chunk = min_size(chunk, (size_t)bsize) / page * page;
			/* The end of the buffer this time. */
			fixed_pair(&r, bfd, blockdev, size - chunk, chunk);
			close(bfd);
		}
	}
	tap_check(uring_unregister_buffers(&r) == 0, "io_uring: unregister the fixed buffer");
	uring_exit(&r);
}

/* ---- process_vm_readv / process_vm_writev ---------------------------------- */

static void test_process_vm(void)
{
	/* A range across a page boundary when there is one. */
	size_t len = min_size(size, 64), off = size > page ? page - len / 2 : 0;
	unsigned char data[64], got[64], cmd = 0;
	struct iovec local, remote;
	int to_child[2], to_parent[2], status;
	unsigned char *child_map;
	pid_t pid;
	ssize_t n;

	pwrite_random(devfd, (off_t)off, data, len, &seed);
	memset(got, 0, sizeof(got));
	local = (struct iovec){ got, len };
	remote = (struct iovec){ map + off, len };
	n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	tap_check(n == (ssize_t)len && memcmp(got, data, len) == 0,
		  "process_vm_readv of this process's mapping: %zu bytes at offset %zu (got %s)",
		  len, off, tap_result(n));

	fill_random(data, len, &seed);
	local = (struct iovec){ data, len };
	n = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	tap_check(n == (ssize_t)len && fd_holds(devfd, (off_t)off, data, len),
		  "process_vm_writev into this process's mapping: the device holds the bytes (got %s)",
		  tap_result(n));

	/*
	 * A child maps the device itself and says where; this process writes
	 * there, the child looks through its own mapping and says what it saw,
	 * then this process reads there.
	 */
	if (pipe(to_child) || pipe(to_parent)) {
		tap_check(0, "pipes for the child: %s", strerror(errno));
		return;
	}
	fill_random(data, len, &seed);	/* what this process will write: the child has it too */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int fd = open(dev_path, O_RDWR | O_CLOEXEC);

		close(to_child[1]);
		close(to_parent[0]);
		child_map = fd < 0 ? MAP_FAILED : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (write(to_parent[1], &child_map, sizeof(child_map)) != sizeof(child_map) ||
		    child_map == MAP_FAILED || read(to_child[0], &cmd, 1) != 1)
			_exit(2);
		cmd = memcmp(child_map + off, data, len) == 0;
		if (write(to_parent[1], &cmd, 1) != 1)
			_exit(2);
		/* Until the parent is done with this mapping (it closes the pipe). */
		while (read(to_child[0], &cmd, 1) > 0)
			;
		_exit(0);
	}
	close(to_child[0]);
	close(to_parent[1]);
	if (pid < 0 || read(to_parent[0], &child_map, sizeof(child_map)) != sizeof(child_map) ||
	    child_map == MAP_FAILED) {
		tap_check(0, "a child maps the device (%s)", pid < 0 ? strerror(errno) : "it could not");
		goto out;
	}
	local = (struct iovec){ data, len };
	remote = (struct iovec){ child_map + off, len };
	n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
	tap_check(n == (ssize_t)len && fd_holds(devfd, (off_t)off, data, len),
		  "process_vm_writev into a child's mapping: the device holds the bytes (got %s)",
		  tap_result(n));
	cmd = 1;
	tap_check(write(to_child[1], &cmd, 1) == 1 && read(to_parent[0], &cmd, 1) == 1 && cmd == 1,
		  "  ... the child sees them through its own mapping");
	pwrite_random(devfd, (off_t)off, data, len, &seed);
	memset(got, 0, sizeof(got));
	local = (struct iovec){ got, len };
	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	tap_check(n == (ssize_t)len && memcmp(got, data, len) == 0,
		  "process_vm_readv of a child's mapping returns the device's bytes (got %s)", tap_result(n));
out:
	close(to_child[1]);
	close(to_parent[0]);
	if (pid > 0)
		tap_check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
			  "  ... the child exits 0");
}

/* ---- vmsplice ------------------------------------------------------------- */

static void test_vmsplice(void)
{
	size_t len = min_size(size, 2 * page);
	unsigned char *data = anon(len), *got = anon(len), first;
	struct iovec iov = { map, len };
	ssize_t n, r = 0, m;
	int p[2];

	if (pipe(p)) {
		tap_check(0, "a pipe for vmsplice: %s", strerror(errno));
		goto out;
	}
	pwrite_random(devfd, (off_t)0, data, len, &seed);
	n = vmsplice(p[1], &iov, 1, 0);
	tap_check(n == (ssize_t)len, "vmsplice of %zu bytes of the mapping into a pipe (got %s)",
		  len, tap_result(n));
	/*
	 * Not a check: a store after vmsplice shows in what the pipe returns
	 * when the pipe holds the pages themselves, not a copy.
	 */
	first = map[0] ^= 0xff;
	while (n > 0 && r < n && (m = read(p[0], got + r, (size_t)(n - r))) > 0)
		r += m;
	if (r > 0)
		tap_diag("a store through the mapping after vmsplice %s in what the pipe returns",
			 got[0] == first ? "shows (the pipe held the device's pages)" :
			 "does not show (the pipe held a copy)");
	map[0] = data[0];
	tap_check(r == (ssize_t)len && (got[0] == data[0] || got[0] == first) &&
		  memcmp(got + 1, data + 1, len - 1) == 0,
		  "  ... reading the pipe returns the buffer's bytes (%zd bytes)", r);
	close(p[0]);
	close(p[1]);
out:
	munmap(data, len);
	munmap(got, len);
}

int main(int argc, char **argv)
{
	unsigned char *saved;
	int i;

	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "--blockdev") == 0)
			blockdev = argv[i + 1];
		else if (strcmp(argv[i], "--no-blockdev") == 0)
			no_blockdev = argv[i + 1];
		else if (strcmp(argv[i], "--tmpdir") == 0)
			tmpdir = argv[i + 1];
		else
			break;
	}
	if (i + 1 != argc || argv[i][0] == '-') {
		fprintf(stderr, "usage: %s [--blockdev DEV | --no-blockdev REASON] [--tmpdir DIR] DEVICE\n",
			argv[0]);
		return 2;
	}
	dev_path = argv[i];
	page = (size_t)sysconf(_SC_PAGESIZE);
	saved = dev_open_mapped(dev_path, &devfd, &size, &map);
	tap_diag("%s: %zu bytes (%zu pages of %zu); block device: %s", dev_path, size, size / page,
		 page, blockdev ? blockdev : no_blockdev);

	test_odirect();
	test_fixed_buffers();
	test_process_vm();
	test_vmsplice();

	dev_restore(devfd, saved, map, size);
	return tap_done();
}
