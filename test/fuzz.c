// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz: a seeded, model-checked fuzzer for one mmapdev device.
 *
 * It issues a random sequence of the device's system calls (open, close,
 * read, write, pread, pwrite, lseek, mmap with and without MAP_FIXED,
 * munmap of whole and partial mappings, mremap shrink/grow/move, mprotect,
 * madvise, stores and loads through mappings, reads and writes whose user
 * buffer is a mapping of the device or runs into an unmapped page,
 * /proc/self/mem, process_vm_readv/writev, expected SIGSEGVs, fork) with
 * random sizes, offsets and protections. A reference model predicts each
 * call's result -- the value or the exact errno -- and holds the buffer's
 * expected content, the file offsets and the mappings. Every read and
 * every byte a mapping shows are compared with the model (bytes an
 * operation changed at once in every mapping that shows them, the pieces
 * a split, move or protection change left at once, everything every
 * FULL_CHECK_EVERY operations and at the end), and so are the device's
 * mappings in /proc/self/maps (addresses, protections, offsets) and the
 * total in /proc/DEVICE (a sample of the changes to the mappings, and at
 * every full check).
 *
 * The model starts from the buffer's content as read; at the end the
 * buffer is written back as it was found.
 *
 * Same seed, same device size: same sequence. A divergence prints the seed
 * and the operation number; --trace prints every operation.
 *
 * Usage: fuzz [--seed N] [--ops N] [--maps-check PERCENT] [--trace] DEVICE
 *   --maps-check: how often /proc/self/maps is compared after a change to
 *   the mappings (default 10%; always every FULL_CHECK_EVERY operations)
 * Output: "# divergence: ..." lines, then
 *   figure: fuzz_ops_NAME N
 *   figure: fuzz_divergences_NAME N
 * Exit status: 0 no divergence, 1 divergences (or a broken setup), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define MAX_FILES 8
#define MAX_MAPS 24
#define MAX_DIVERGENCES 20
#define FULL_CHECK_EVERY 500

struct ofile {
	int fd;
	int acc;		/* O_RDONLY, O_WRONLY or O_RDWR */
	long long pos;		/* the file offset the model expects */
};

/* One VMA of the device: the kernel never merges them (VM_SPECIAL). */
struct mapping {
	unsigned char *addr;
	size_t npg;		/* length in pages */
	size_t pgoff;		/* first buffer page shown */
	int prot;
	int maywrite;		/* from an O_RDWR open: may become writable */
	int advice;		/* MADV_NORMAL, MADV_RANDOM or MADV_SEQUENTIAL */
	int dontfork;
};

static const char *dev_path;
static char dev_name[64];
static size_t page, size, npages;
static int dev_noexec;		/* /dev mounted noexec: PROT_EXEC fails earlier */
static unsigned char *model, *orig, *scratch, *fault_area;
static size_t scratch_len, fault_len;
static unsigned long long seed, rng, op_no, ops_wanted;
static const char *op_name = "setup";
static unsigned long divergences;
static int trace, mem_fd = -1;
static int have_madvise = 1, have_vm_rw = 1;
static unsigned int maps_check_percent = 10;	/* the kernel has the syscall */
static char *maps_text;
static const size_t maps_cap = 1 << 20;
static struct ofile files[MAX_FILES];
static int nfiles;
static struct mapping maps[MAX_MAPS];
static int nmaps;
static unsigned long long counts[32];
static double op_seconds[32];

/* ---- randomness: next64() (testutil.c), all decisions come from here ---- */

static unsigned long long rnd(void)
{
	return next64(&rng);
}

static unsigned long long below(unsigned long long n)
{
	return n ? rnd() % n : 0;
}

static int percent(unsigned int p)
{
	return below(100) < p;
}

/* ---- reporting ---------------------------------------------------------- */

static void resync(void);

static void trace_op(const char *fmt, ...)
{
	va_list ap;

	if (!trace)
		return;
	va_start(ap, fmt);
	printf("# op %llu %s: ", op_no, op_name);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	va_end(ap);
}

static void diverge(const char *fmt, ...)
{
	va_list ap;

	divergences++;
	va_start(ap, fmt);
	printf("# divergence: %s seed %llu op %llu (%s): ", dev_name, seed, op_no, op_name);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	va_end(ap);
	resync();
}

static const char *err_name(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "E?";
}

/* Describes a result: a value, or -1 and an errno; want < 0 is -errno. */
static void describe(char *buf, size_t cap, long long ret, int err)
{
	if (ret == -1)
		snprintf(buf, cap, "-1 %s", err_name(err));
	else
		snprintf(buf, cap, "%lld", ret);
}

/* Does a call's result (ret, errno err) match the model's want (>= 0 a value, < 0 -errno)? */
static int expect(long long ret, int err, long long want, const char *what)
{
	char got_s[48], want_s[48];

	if (want >= 0 ? ret == want : (ret == -1 && err == -want))
		return 1;
	describe(got_s, sizeof(got_s), ret, err);
	if (want >= 0)
		snprintf(want_s, sizeof(want_s), "%lld", want);
	else
		snprintf(want_s, sizeof(want_s), "-1 %s", err_name((int)-want));
	diverge("%s: got %s, the model says %s", what, got_s, want_s);
	return 0;
}

/* Compares len bytes the device showed with the model's, from buffer offset off. */
static int same(const unsigned char *seen, size_t off, size_t len, const char *what)
{
	if (memcmp(seen, model + off, len) == 0)
		return 1;
	for (size_t i = 0; i < len; i++) {
		if (seen[i] != model[off + i]) {
			diverge("%s: buffer byte %zu is %02x, the model says %02x (%zu bytes compared)",
				what, off + i, seen[i], model[off + i], len);
			break;
		}
	}
	return 0;
}

/* ---- the device and the model ------------------------------------------ */

static void resync(void)
{
	int fd = open(dev_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || pread(fd, model, size, 0) != (ssize_t)size) {
		printf("Bail out! cannot re-read %s: %s\n", dev_path, strerror(errno));
		exit(1);
	}
	close(fd);
	for (int i = 0; i < nfiles; i++)
		files[i].pos = lseek(files[i].fd, 0, SEEK_CUR);
}

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

static size_t max_sz(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* Checks buffer bytes [off, off + len) in every readable mapping that shows them. */
static void check_maps_range(size_t off, size_t len, const char *what)
{
	for (int i = 0; i < nmaps; i++) {
		struct mapping *m = &maps[i];
		size_t ms = m->pgoff * page, me = ms + m->npg * page;
		size_t s = max_sz(off, ms), e = min_sz(off + len, me);

		if (!(m->prot & PROT_READ) || s >= e)
			continue;
		if (!same(m->addr + (s - ms), s, e - s, what))
			return;
	}
}

static void check_everything(const char *what)
{
	int fd = open(dev_path, O_RDONLY | O_CLOEXEC);

	check_maps_range(0, size, what);
	if (fd < 0 || pread(fd, scratch, size, 0) != (ssize_t)size)
		diverge("%s: cannot pread the whole buffer: %s", what, strerror(errno));
	else
		same(scratch, 0, size, what);
	if (fd >= 0)
		close(fd);
}

static int by_addr(const void *a, const void *b)
{
	const struct mapping *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * /proc/self/maps must list exactly the model's device mappings, with
 * their protections and offsets; /proc/DEVICE must be the sum of all
 * mappings (as in mmaptest).
 */
static void check_proc_maps(void)
{
	struct mapping sorted[MAX_MAPS];
	unsigned long long total = 0, start, end, offset, proc_total;
	char perms[8], path[256], proc_path[96], num[32];
	char *line, *next, *stop;
	int n = 0, fields;

	if (read_file("/proc/self/maps", maps_text, maps_cap) <= 0) {
		diverge("cannot read /proc/self/maps");
		return;
	}
	memcpy(sorted, maps, sizeof(maps[0]) * nmaps);
	qsort(sorted, nmaps, sizeof(sorted[0]), by_addr);
	for (line = maps_text; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		path[0] = '\0';
		fields = sscanf(line, "%llx-%llx %7s %llx %*s %*s %255s", &start, &end, perms,
				&offset, path);
		if (fields < 4) {
			diverge("unparsable /proc/self/maps line: %.80s", line);
			return;
		}
		if (!strstr(line, "[vsyscall]"))
			total += end - start;
		if (strcmp(path, dev_path) != 0)
			continue;
		if (n >= nmaps) {
			diverge("/proc/self/maps lists a mapping the model does not have: %.80s", line);
			return;
		}
		struct mapping *m = &sorted[n++];
		char want[5] = {
			m->prot & PROT_READ ? 'r' : '-', m->prot & PROT_WRITE ? 'w' : '-',
			m->prot & PROT_EXEC ? 'x' : '-', 's', '\0'
		};

		if ((unsigned char *)(uintptr_t)start != m->addr ||
		    end - start != m->npg * page || offset != m->pgoff * page ||
		    strcmp(perms, want) != 0) {
			diverge("/proc/self/maps shows %llx-%llx %s offset %llx, the model %p-%p %s offset %zx",
				start, end, perms, offset, (void *)m->addr,
				(void *)(m->addr + m->npg * page), want, m->pgoff * page);
			return;
		}
	}
	if (n != nmaps) {
		diverge("/proc/self/maps lists %d mappings of %s, the model %d", n, dev_path, nmaps);
		return;
	}
	snprintf(proc_path, sizeof(proc_path), "/proc/%s", dev_name);
	if (read_file(proc_path, num, sizeof(num)) <= 0) {
		diverge("cannot read %s", proc_path);
		return;
	}
	proc_total = strtoull(num, &stop, 10);
	if (*stop || proc_total != total)
		diverge("%s says \"%s\", /proc/self/maps adds up to %llu", proc_path, num, total);
}

/* After a change to the mappings: /proc/self/maps is slow to read, so a sample. */
static void maybe_check_proc_maps(void)
{
	if (percent(maps_check_percent))
		check_proc_maps();
}

/* ---- the mapping list ---------------------------------------------------- */

static void drop_map(int i)
{
	maps[i] = maps[--nmaps];
}

/* Splits the mapping that straddles addr, if any, so that addr is a boundary. */
static int split_at(unsigned char *addr)
{
	for (int i = 0; i < nmaps; i++) {
		struct mapping *m = &maps[i];
		size_t k;

		if (addr <= m->addr || addr >= m->addr + m->npg * page)
			continue;
		if (nmaps == MAX_MAPS)
			return -1;
		k = (size_t)(addr - m->addr) / page;
		maps[nmaps] = *m;
		maps[nmaps].addr = addr;
		maps[nmaps].npg = m->npg - k;
		maps[nmaps].pgoff = m->pgoff + k;
		m->npg = k;
		nmaps++;
		return 0;
	}
	return 0;
}

/* The model's munmap: every page of [addr, addr + npg pages) leaves the list. */
static void model_unmap(unsigned char *addr, size_t npg)
{
	unsigned char *end = addr + npg * page;

	/* A munmap splits without limit in the kernel; room for the two halves. */
	split_at(addr);
	split_at(end);
	for (int i = 0; i < nmaps;) {
		if (maps[i].addr >= addr && maps[i].addr < end)
			drop_map(i);
		else
			i++;
	}
}

enum attr { ATTR_PROT, ATTR_ADVICE, ATTR_DONTFORK };

static int get_attr(const struct mapping *m, enum attr a)
{
	return a == ATTR_PROT ? m->prot : a == ATTR_ADVICE ? m->advice : m->dontfork;
}

/*
 * The model of a call that changes one VMA attribute on [addr, +npg pages)
 * inside one mapping: the kernel splits only where the attribute changes.
 * Returns -1 when the model has no room for the pieces.
 */
static int model_set(unsigned char *addr, size_t npg, enum attr a, int value)
{
	unsigned char *end = addr + npg * page;
	int i;

	for (i = 0; i < nmaps; i++)
		if (addr >= maps[i].addr && addr < maps[i].addr + maps[i].npg * page)
			break;
	if (i == nmaps || get_attr(&maps[i], a) == value)
		return 0;
	if (nmaps + 2 > MAX_MAPS)
		return -1;
	split_at(addr);
	split_at(end);
	for (i = 0; i < nmaps; i++) {
		if (maps[i].addr == addr) {
			if (a == ATTR_PROT)
				maps[i].prot = value;
			else if (a == ATTR_ADVICE)
				maps[i].advice = value;
			else
				maps[i].dontfork = value;
		}
	}
	return 0;
}

/* A random mapping with all of the prot bits in want (0: any), or -1. */
static int pick_map(int want)
{
	int cand[MAX_MAPS], n = 0;

	for (int i = 0; i < nmaps; i++)
		if ((maps[i].prot & want) == want)
			cand[n++] = i;
	return n ? cand[below(n)] : -1;
}

/* A random sub-range of mapping m: first page *k, *j pages. */
static void pick_subrange(const struct mapping *m, size_t *k, size_t *j)
{
	if (percent(40)) {
		*k = 0;
		*j = m->npg;
	} else {
		*k = below(m->npg);
		*j = 1 + below(m->npg - *k);
	}
}

/*
 * Checks what the mappings in and right around [addr, +npg pages) show:
 * the pieces a split, move or protection change left behind.
 */
static void check_near(unsigned char *addr, size_t npg, const char *what)
{
	unsigned char *lo = addr - page, *hi = addr + (npg + 1) * page;

	for (int i = 0; i < nmaps; i++) {
		struct mapping *m = &maps[i];

		if (!(m->prot & PROT_READ) || m->addr + m->npg * page <= lo || m->addr >= hi)
			continue;
		if (!same(m->addr, m->pgoff * page, m->npg * page, what))
			return;
	}
}

/* ---- operations ---------------------------------------------------------- */

static void op_open(void)
{
	unsigned long long r = below(10);
	int acc = r < 7 ? O_RDWR : r < 9 ? O_RDONLY : O_WRONLY;
	int fd;

	if (nfiles == MAX_FILES)
		return;
	fd = open(dev_path, acc | O_CLOEXEC);
	trace_op("open(%s) = %d", acc == O_RDWR ? "O_RDWR" : acc == O_RDONLY ? "O_RDONLY" : "O_WRONLY", fd);
	if (fd < 0) {
		diverge("open: %s", strerror(errno));
		return;
	}
	files[nfiles++] = (struct ofile){ .fd = fd, .acc = acc, .pos = 0 };
}

static void op_close(void)
{
	int i, ret;

	if (!nfiles)
		return;
	i = (int)below(nfiles);
	ret = close(files[i].fd);
	trace_op("close(%d) = %d", files[i].fd, ret);
	expect(ret, errno, 0, "close");
	files[i] = files[--nfiles];
}

static struct ofile *pick_file(void)
{
	if (!nfiles)
		op_open();
	return nfiles ? &files[below(nfiles)] : NULL;
}

static size_t pick_count(void)
{
	unsigned long long r = below(100);

	if (r < 4)
		return 0;
	if (r < 40)
		return 1 + below(64);
	if (r < 65)
		return 1 + below(2 * page);
	if (r < 90)
		return 1 + below(size);
	return size + below(4 * page);
}

static long long pick_pos(void)
{
	unsigned long long r = below(100);
	long long pos;

	if (r < 3)
		return -(long long)(1 + below(2 * page));
	if (r < 8)
		return (long long)(size + below(2 * page));
	if (r < 10)
		return LLONG_MAX - (long long)below(2 * page);
	if (r < 20)
		return (long long)(size - below(min_sz(size, 128)));
	pos = (long long)below(size);
	if (r < 35)
		pos &= ~(long long)(page - 1);
	return pos;
}

/* The model's read/pread: bytes returned, or -errno. */
static long long model_read(const struct ofile *f, long long pos, size_t count, int positional)
{
	if (positional && pos < 0)
		return -EINVAL;
	if (f->acc == O_WRONLY)
		return -EBADF;
	if ((long long)((unsigned long long)pos + count) < 0)
		return -EINVAL;
	if (pos >= (long long)size)
		return 0;
	return (long long)min_sz(count, size - (size_t)pos);
}

static long long model_write(const struct ofile *f, long long pos, size_t count, int positional)
{
	if (positional && pos < 0)
		return -EINVAL;
	if (f->acc == O_RDONLY)
		return -EBADF;
	if ((long long)((unsigned long long)pos + count) < 0)
		return -EINVAL;
	if (!count)
		return 0;
	if (pos >= (long long)size)
		return -ENOSPC;
	return (long long)min_sz(count, size - (size_t)pos);
}

/* Bytes of a user buffer of count bytes that precede an unmapped page. */
static size_t pick_room(size_t count)
{
	return count ? below(count) : 0;
}

/*
 * A read or write of @count bytes whose user buffer has only @room bytes
 * before an unmapped page, where the model wants more than @room: the call
 * must return at least one byte and at most @room, or EFAULT when nothing
 * fits. Sets *@want to what it got, for expect(); false on a divergence.
 */
static int short_transfer(const char *what, size_t count, size_t room, long long pos,
			  ssize_t got, int err, long long *want)
{
	if (room ? got < 1 || got > (ssize_t)room : !(got == -1 && err == EFAULT)) {
		diverge("%s of %zu bytes with a buffer of %zu bytes before an unmapped page at %lld: got %zd %s",
			what, count, room, pos, got, got < 0 ? err_name(err) : "");
		return 0;
	}
	*want = got < 0 ? -EFAULT : got;
	return 1;
}

/*
 * read/pread into scratch memory, optionally into a user buffer that runs
 * into an unmapped page after `room` bytes: the call then returns what fit
 * (at least one byte) or EFAULT.
 */
static void op_read(int positional, int faulting)
{
	struct ofile *f = pick_file();
	size_t count = pick_count(), room = faulting ? pick_room(count) : count;
	long long pos, want;
	unsigned char *buf;
	ssize_t got;
	int err;

	if (!f)
		return;
	pos = positional ? pick_pos() : f->pos;
	want = model_read(f, pos, count, positional);
	buf = faulting ? fault_area + fault_len - room : scratch;
	memset(buf, 0xa5, min_sz(room + (faulting ? 0 : 16), scratch_len));
	got = positional ? pread(f->fd, buf, count, pos) : read(f->fd, buf, count);
	err = errno;
	trace_op("%s(%d, %zu%s, %lld) = %zd", positional ? "pread" : "read", f->fd, count,
		 faulting ? " into a short buffer" : "", pos, got);
	if (faulting && want > (long long)room &&
	    !short_transfer("read", count, room, pos, got, err, &want))
		return;
	if (!expect(got, err, want, positional ? "pread" : "read"))
		return;
	if (got > 0 && !same(buf, (size_t)pos, (size_t)got, "bytes read"))
		return;
	if (!faulting) {
		for (size_t i = got > 0 ? (size_t)got : 0; i < count + 16 && i < scratch_len; i++) {
			if (buf[i] != 0xa5) {
				diverge("read returned %zd but changed user byte %zu", got, i);
				return;
			}
		}
	}
	if (!positional && got > 0)
		f->pos += got;
}

static void op_write(int positional, int faulting)
{
	struct ofile *f = pick_file();
	size_t count = pick_count(), room = faulting ? pick_room(count) : count;
	long long pos, want;
	unsigned char *buf;
	ssize_t got;
	int err;

	if (!f)
		return;
	pos = positional ? pick_pos() : f->pos;
	want = model_write(f, pos, count, positional);
	buf = faulting ? fault_area + fault_len - room : scratch;
	fill_random(buf, room, &rng);
	got = positional ? pwrite(f->fd, buf, count, pos) : write(f->fd, buf, count);
	err = errno;
	trace_op("%s(%d, %zu%s, %lld) = %zd", positional ? "pwrite" : "write", f->fd, count,
		 faulting ? " from a short buffer" : "", pos, got);
	if (faulting && want > (long long)room &&
	    !short_transfer("write", count, room, pos, got, err, &want))
		return;
	if (!expect(got, err, want, positional ? "pwrite" : "write"))
		return;
	if (got > 0) {
		memcpy(model + pos, buf, (size_t)got);
		if (!positional)
			f->pos += got;
	}
	/*
	 * Everything around the write must be as before, too: a short write
	 * from a faulting buffer must not touch the bytes it did not report.
	 */
	if (got >= 0 && pos >= 0 && pos < (long long)size) {
		size_t from = (size_t)pos, len = min_sz(count + 64, size - from);
		check_maps_range(from, len, faulting ? "after a short write" : "after a write");
	}
}

static void op_lseek(void)
{
	struct ofile *f = pick_file();
	unsigned long long r = below(100);
	int whence = r < 30 ? SEEK_SET : r < 60 ? SEEK_CUR : r < 85 ? SEEK_END :
		     r < 91 ? SEEK_DATA : r < 97 ? SEEK_HOLE : r < 99 ? 5 : -1;
	long long off, want, got, target;
	int err;

	if (!f)
		return;
	r = below(100);
	if (r < 10)
		off = 0;
	else if (r < 60)
		off = (long long)below(size + page) - (whence == SEEK_END ? (long long)size : 0);
	else if (r < 80)
		off = -(long long)below(size + 2 * page);
	else if (r < 90)
		off = LLONG_MAX - (long long)below(size);
	else
		off = LLONG_MIN + (long long)below(size);

	switch (whence) {
	case SEEK_SET:
		target = off;
		want = target < 0 ? -EINVAL : target;
		break;
	case SEEK_CUR:
		target = (long long)((unsigned long long)f->pos + (unsigned long long)off);
		want = off == 0 ? f->pos : target < 0 ? -EINVAL : target;
		break;
	case SEEK_END:
		target = (long long)((unsigned long long)size + (unsigned long long)off);
		want = target < 0 ? -EINVAL : target;
		break;
	case SEEK_DATA:
		want = (unsigned long long)off >= size ? -ENXIO : off;
		break;
	case SEEK_HOLE:
		want = (unsigned long long)off >= size ? -ENXIO : (long long)size;
		break;
	default:
		want = -EINVAL;
	}
	got = lseek(f->fd, off, whence);
	err = errno;
	trace_op("lseek(%d, %lld, %d) = %lld", f->fd, off, whence, got);
	if (expect(got, err, want, "lseek") && got >= 0)
		f->pos = got;
}

static int pick_prot(void)
{
	unsigned long long r = below(100);

	return r < 35 ? PROT_READ : r < 88 ? PROT_READ | PROT_WRITE : r < 93 ? PROT_NONE :
	       r < 97 ? PROT_READ | PROT_EXEC : PROT_READ | PROT_WRITE | PROT_EXEC;
}

/* The model's mmap result: 0 for success or -errno, in the kernel's order of checks. */
static int model_mmap(const struct ofile *f, size_t len, unsigned long long pgoff, int prot,
		      int type)
{
	size_t alen = (len + page - 1) & ~(page - 1);

	if (!len)
		return -EINVAL;
	if (pgoff + alen / page < pgoff || pgoff > (ULONG_MAX - alen) / page)
		return -EOVERFLOW;
	if (type != MAP_PRIVATE && (prot & PROT_WRITE) && f->acc == O_RDONLY)
		return -EACCES;
	if (f->acc == O_WRONLY)
		return -EACCES;
	if ((prot & PROT_EXEC) && dev_noexec)
		return -EPERM;
	if (type == MAP_PRIVATE)
		return -EINVAL;
	if (prot & PROT_EXEC)
		return -EPERM;
	if (pgoff >= npages || alen / page > npages - pgoff)
		return -EINVAL;
	return 0;
}

static void add_map(unsigned char *addr, size_t npg, size_t pgoff, int prot, int maywrite)
{
	maps[nmaps++] = (struct mapping){ .addr = addr, .npg = npg, .pgoff = pgoff, .prot = prot,
					  .maywrite = maywrite, .advice = MADV_NORMAL };
}

static void op_mmap(void)
{
	struct ofile *f = pick_file();
	unsigned long long r = below(100), pgoff;
	int prot = pick_prot(), type, want, fixed = 0;
	size_t len, npg;
	unsigned char *addr = NULL, *got;
	int err;

	if (!f)
		return;
	if (nmaps >= MAX_MAPS - 2) {
		/* Room for the splits of the next operations. */
		int i = (int)below(nmaps);

		munmap(maps[i].addr, maps[i].npg * page);
		drop_map(i);
		return;
	}
	if (r < 85)
		pgoff = below(npages);
	else if (r < 93)
		pgoff = npages + below(3);
	else if (r < 97)
		pgoff = ULONG_MAX / page - below(4);
	else
		pgoff = (1ULL << 62) / page + below(4);	/* offset 2^62: far past the end */
	r = below(100);
	if (r < 3)
		npg = 0;
	else if (r < 90 && pgoff < npages)
		npg = 1 + below(npages - pgoff);
	else
		npg = 1 + below(npages + 2);
	len = npg * page;
	if (len && percent(5))
		len -= 1 + below(page - 1);	/* not a page multiple: rounded up */
	r = below(100);
	type = r < 92 ? MAP_SHARED : r < 97 ? MAP_PRIVATE : MAP_SHARED_VALIDATE;
	want = model_mmap(f, len, pgoff, prot, type);

	/* MAP_FIXED over a part of an existing mapping, with arguments that must work. */
	if (want == 0 && nmaps && percent(10)) {
		struct mapping *m = &maps[below(nmaps)];
		size_t k = below(m->npg);

		if (npg <= m->npg - k) {
			addr = m->addr + k * page;
			fixed = MAP_FIXED;
		}
	}
	got = mmap(addr, len, prot, type | fixed, f->fd, (off_t)(pgoff * page));
	err = errno;
	trace_op("mmap(%p, %zu, %d, %#x, %d, pgoff %#llx) = %p", (void *)addr, len, prot,
		 type | fixed, f->fd, pgoff, (void *)got);
	if (fixed) {
		/* Whatever happened, nothing of ours is left in that range but the new mapping. */
		model_unmap(addr, npg);
		if (got == MAP_FAILED)
			munmap(addr, npg * page);
	}
	if (!expect(got == MAP_FAILED ? -1 : 0, err, want, "mmap")) {
		if (got != MAP_FAILED)
			munmap(got, len);
		maybe_check_proc_maps();
		return;
	}
	if (got != MAP_FAILED) {
		add_map(got, npg, (size_t)pgoff, prot, f->acc == O_RDWR);
		if (prot & PROT_READ)
			check_maps_range(pgoff * page, npg * page, "a new mapping");
	}
	maybe_check_proc_maps();
}

static void op_munmap(void)
{
	int i = pick_map(0), ret;
	size_t k, j;
	unsigned char *addr;

	if (i < 0)
		return;
	pick_subrange(&maps[i], &k, &j);
	if (nmaps + 2 > MAX_MAPS) {
		k = 0;
		j = maps[i].npg;
	}
	addr = maps[i].addr + k * page;
	ret = munmap(addr, j * page);
	trace_op("munmap(%p, %zu pages of %zu at page %zu) = %d", (void *)addr, j, maps[i].npg, k, ret);
	if (expect(ret, errno, 0, "munmap"))
		model_unmap(addr, j);
	maybe_check_proc_maps();
	check_near(addr, j, "after a munmap");
}

static void op_mremap(void)
{
	int i = pick_map(0), err;
	struct mapping *m;
	unsigned long long r = below(100);
	size_t old_len, new_len, newpg;
	unsigned char *got, *target;

	if (i < 0)
		return;
	m = &maps[i];
	old_len = m->npg * page;
	if (r < 35 && m->npg > 1) {
		newpg = 1 + below(m->npg - 1);
		new_len = newpg * page;
		got = mremap(m->addr, old_len, new_len, percent(50) ? MREMAP_MAYMOVE : 0);
		err = errno;
		trace_op("mremap shrink %p %zu -> %zu = %p", (void *)m->addr, old_len, new_len, (void *)got);
		if (expect(got == m->addr ? 0 : -1, err, 0, "mremap shrinking a mapping"))
			m->npg = newpg;
	} else if (r < 60) {
		new_len = old_len + (1 + below(3)) * page;
		got = mremap(m->addr, old_len, new_len, percent(50) ? MREMAP_MAYMOVE : 0);
		err = errno;
		trace_op("mremap grow %p %zu -> %zu = %p", (void *)m->addr, old_len, new_len, (void *)got);
		if (!expect(got == MAP_FAILED ? -1 : 0, err, -EFAULT, "mremap growing a mapping") &&
		    got != MAP_FAILED) {
			model_unmap(m->addr, m->npg);
			munmap(got, new_len);
		}
	} else if (r < 90) {
		/* Move (and maybe shrink) onto a reserved range. */
		newpg = percent(70) ? m->npg : 1 + below(m->npg);
		new_len = newpg * page;
		target = mmap(NULL, new_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (target == MAP_FAILED)
			return;
		got = mremap(m->addr, old_len, new_len, MREMAP_MAYMOVE | MREMAP_FIXED, target);
		err = errno;
		trace_op("mremap move %p %zu -> %p %zu = %p", (void *)m->addr, old_len, (void *)target,
			 new_len, (void *)got);
		if (expect(got == target ? 0 : -1, err, 0, "mremap moving a mapping")) {
			m->addr = target;
			m->npg = newpg;
		} else {
			munmap(target, new_len);
		}
	} else if (r < 95) {
		got = mremap(m->addr, old_len, old_len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
		err = errno;
		trace_op("mremap dontunmap %p = %p", (void *)m->addr, (void *)got);
		if (!expect(got == MAP_FAILED ? -1 : 0, err, -EINVAL, "mremap MREMAP_DONTUNMAP") &&
		    got != MAP_FAILED)
			munmap(got, old_len);
	} else {
		/* old_len 0 asks for a second mapping of the same pages: growth. */
		got = mremap(m->addr, 0, page, MREMAP_MAYMOVE);
		err = errno;
		trace_op("mremap duplicate %p = %p", (void *)m->addr, (void *)got);
		if (!expect(got == MAP_FAILED ? -1 : 0, err, -EFAULT, "mremap duplicating a mapping (old_len 0)") &&
		    got != MAP_FAILED)
			munmap(got, page);
	}
	maybe_check_proc_maps();
	check_near(m->addr, m->npg, "after an mremap");
}

static void op_mprotect(void)
{
	int i = pick_map(0), prot = pick_prot(), ret, want;
	size_t k, j;
	unsigned char *addr;

	if (i < 0)
		return;
	pick_subrange(&maps[i], &k, &j);
	addr = maps[i].addr + k * page;
	want = (prot & PROT_EXEC) || ((prot & PROT_WRITE) && !maps[i].maywrite) ? -EACCES : 0;
	if (want == 0 && nmaps + 2 > MAX_MAPS)
		return;
	ret = mprotect(addr, j * page, prot);
	trace_op("mprotect(%p, %zu pages, %d) = %d", (void *)addr, j, prot, ret);
	if (expect(ret, errno, want, "mprotect") && ret == 0)
		model_set(addr, j, ATTR_PROT, prot);
	maybe_check_proc_maps();
	check_near(addr, j, "after an mprotect");
}

static void op_madvise(void)
{
	static const int advice[] = { MADV_DONTNEED, MADV_DONTNEED, MADV_DONTNEED, MADV_WILLNEED,
				      MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_DONTFORK,
				      MADV_DOFORK, MADV_COLD, MADV_PAGEOUT };
	int i = pick_map(0), adv = advice[below(sizeof(advice) / sizeof(advice[0]))];
	int ret, want = 0;
	size_t k, j;
	unsigned char *addr;

	if (i < 0 || nmaps + 2 > MAX_MAPS || !have_madvise)
		return;
	pick_subrange(&maps[i], &k, &j);
	addr = maps[i].addr + k * page;
	ret = madvise(addr, j * page, adv);
	trace_op("madvise(%p, %zu pages, %d) = %d", (void *)addr, j, adv, ret);
	/*
	 * Both devices' VMAs are VM_MIXEDMAP | VM_DONTEXPAND: MADV_DOFORK refuses only
	 * VM_IO mappings in 6.12, every VM_SPECIAL one in 7.3. Both answers
	 * are the kernel's; the model follows the one it gave.
	 */
	if (adv == MADV_DOFORK && ret == -1 && errno == EINVAL)
		want = -EINVAL;
	if (expect(ret, errno, want, "madvise") && ret == 0) {
		if (adv == MADV_NORMAL || adv == MADV_RANDOM || adv == MADV_SEQUENTIAL)
			model_set(addr, j, ATTR_ADVICE, adv);
		else if (adv == MADV_DONTFORK || adv == MADV_DOFORK)
			model_set(addr, j, ATTR_DONTFORK, adv == MADV_DONTFORK);
	}
	maybe_check_proc_maps();
	check_maps_range(maps[i].pgoff * page, maps[i].npg * page, "after a madvise");
}

/* A store through a writable mapping. */
static void op_store(void)
{
	int i = pick_map(PROT_WRITE);
	struct mapping *m;
	size_t off, len, boff;

	if (i < 0)
		return;
	m = &maps[i];
	off = below(m->npg * page);
	len = 1 + below(min_sz(m->npg * page - off, percent(80) ? 256 : m->npg * page));
	boff = m->pgoff * page + off;
	fill_random(m->addr + off, len, &rng);
	memcpy(model + boff, m->addr + off, len);
	trace_op("store %zu bytes at buffer offset %zu", len, boff);
	check_maps_range(boff, len, "after a store through a mapping");
	if (nfiles && files[0].acc != O_WRONLY) {
		ssize_t got = pread(files[0].fd, scratch, len, (off_t)boff);

		if (expect(got, errno, (long long)len, "pread after a store"))
			same(scratch, boff, len, "pread after a store through a mapping");
	}
}

static void op_load(void)
{
	int i = pick_map(PROT_READ);
	struct mapping *m;
	size_t off, len;

	if (i < 0)
		return;
	m = &maps[i];
	off = below(m->npg * page);
	len = 1 + below(m->npg * page - off);
	trace_op("load %zu bytes at buffer offset %zu", len, m->pgoff * page + off);
	same(m->addr + off, m->pgoff * page + off, len, "load through a mapping");
}

/* pread into a writable mapping / pwrite from a readable one, ranges apart. */
static void op_io_via_map(void)
{
	int write = percent(50), i = pick_map(write ? PROT_READ : PROT_READ | PROT_WRITE);
	struct ofile *f = pick_file();
	struct mapping *m;
	size_t moff, len, boff, pos;
	ssize_t got;
	int err;

	if (i < 0 || !f || f->acc == (write ? O_RDONLY : O_WRONLY))
		return;
	m = &maps[i];
	moff = below(m->npg * page);
	len = 1 + below(m->npg * page - moff);
	boff = m->pgoff * page + moff;
	pos = below(size);
	len = min_sz(len, size - pos);
	if (pos < boff + len && boff < pos + len)
		return;		/* overlapping copies have no defined result */
	if (write)
		got = pwrite(f->fd, m->addr + moff, len, (off_t)pos);
	else
		got = pread(f->fd, m->addr + moff, len, (off_t)pos);
	err = errno;
	trace_op("%s buffer %zu..+%zu %s mapping (buffer offset %zu) = %zd", write ? "pwrite" : "pread",
		 pos, len, write ? "from" : "into", boff, got);
	if (!expect(got, err, (long long)len, write ? "pwrite from a mapping" : "pread into a mapping"))
		return;
	if (write) {
		memmove(model + pos, model + boff, len);
		check_maps_range(pos, len, "after a pwrite from a mapping");
	} else {
		memmove(model + boff, model + pos, len);
		check_maps_range(boff, len, "after a pread into a mapping");
	}
}

/*
 * After @got bytes went between scratch and the buffer at @boff through a
 * path other than the device's file: a write updates the model and checks
 * every mapping showing those bytes (@wrote), a read checks what came back
 * against the model (@read).
 */
static void settle_copy(int write, ssize_t got, size_t boff, const char *wrote,
			const char *read)
{
	if (got <= 0)
		return;
	if (write) {
		memcpy(model + boff, scratch, (size_t)got);
		check_maps_range(boff, (size_t)got, wrote);
	} else {
		same(scratch, boff, (size_t)got, read);
	}
}

/* /proc/self/mem (ptrace's access path) on a mapping. */
static void op_procmem(void)
{
	int write = percent(40), i = pick_map(0), err;
	struct mapping *m;
	size_t off, len, boff;
	long long want;
	ssize_t got;

	/* Unreadable mappings: whether FOLL_FORCE reads them is a kernel option. */
	if (i < 0 || mem_fd < 0 || !(maps[i].prot & PROT_READ))
		return;
	m = &maps[i];
	off = below(m->npg * page);
	len = 1 + below(min_sz(m->npg * page - off, 2 * page));
	boff = m->pgoff * page + off;
	if (write) {
		fill_random(scratch, len, &rng);
		want = m->prot & PROT_WRITE ? (long long)len : -EIO;
		got = pwrite(mem_fd, scratch, len, (off_t)(uintptr_t)(m->addr + off));
	} else {
		want = (long long)len;
		got = pread(mem_fd, scratch, len, (off_t)(uintptr_t)(m->addr + off));
	}
	err = errno;
	trace_op("/proc/self/mem %s %zu bytes at buffer offset %zu = %zd", write ? "write" : "read",
		 len, boff, got);
	if (!expect(got, err, want, write ? "write to /proc/self/mem" : "read from /proc/self/mem"))
		return;
	settle_copy(write, got, boff, "after a write to /proc/self/mem",
		    "read from /proc/self/mem");
}

/* process_vm_readv/writev: real pages (vmmap) only, and no FOLL_FORCE. */
static void op_vm_rw(void)
{
	int write = percent(40), i = pick_map(0), err;
	struct mapping *m;
	size_t off, len, boff;
	struct iovec local, remote;
	long long want;
	ssize_t got;

	if (i < 0 || !have_vm_rw)
		return;
	m = &maps[i];
	off = below(m->npg * page);
	len = 1 + below(min_sz(m->npg * page - off, 2 * page));
	boff = m->pgoff * page + off;
	local = (struct iovec){ scratch, len };
	remote = (struct iovec){ m->addr + off, len };
	if (!(m->prot & (write ? PROT_WRITE : PROT_READ)))
		want = -EFAULT;
	else
		want = (long long)len;
	if (write) {
		fill_random(scratch, len, &rng);
		got = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	} else {
		got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	}
	err = errno;
	trace_op("process_vm_%sv %zu bytes at buffer offset %zu = %zd", write ? "write" : "read",
		 len, boff, got);
	if (!expect(got, err, want, write ? "process_vm_writev" : "process_vm_readv"))
		return;
	settle_copy(write, got, boff, "after process_vm_writev", "process_vm_readv");
}

/* Stores through a read-only mapping and loads from PROT_NONE must fault. */
static void op_segv(void)
{
	int cand[MAX_MAPS], n = 0, i, write;
	struct mapping *m;
	unsigned char *p;

	for (i = 0; i < nmaps; i++)
		if ((maps[i].prot & (PROT_READ | PROT_WRITE)) != (PROT_READ | PROT_WRITE))
			cand[n++] = i;
	if (!n)
		return;
	m = &maps[cand[below(n)]];
	write = (m->prot & PROT_READ) || percent(50);
	p = m->addr + below(m->npg * page);
	trace_op("%s at %p (prot %d) must fault", write ? "store" : "load", (void *)p, m->prot);
	if (!faults(p, write))
		diverge("a %s through a mapping with prot %d did not fault", write ? "store" : "load",
			m->prot);
}

/*
 * The stores a forked child makes, from a seed: through its inherited
 * writable mappings and with pwrite on its inherited O_RDWR files. The
 * child makes them (apply = 0: do them), the parent replays them on its
 * model after the child is gone (apply = 1).
 */
static int child_stores(unsigned long long plan, int apply)
{
	int cand[MAX_MAPS], n = 0, bad = 0;

	for (int i = 0; i < nmaps; i++)
		if ((maps[i].prot & PROT_WRITE) && !maps[i].dontfork)
			cand[n++] = i;
	for (int s = 0; s < 4; s++) {
		size_t len = 1 + next64(&plan) % 128, boff;
		unsigned char data[128];

		fill_random(data, len, &plan);
		if (n && next64(&plan) % 2) {
			struct mapping *m = &maps[cand[next64(&plan) % n]];
			size_t off = next64(&plan) % (m->npg * page - min_sz(len, m->npg * page) + 1);

			len = min_sz(len, m->npg * page - off);
			boff = m->pgoff * page + off;
			if (!apply)
				memcpy(m->addr + off, data, len);
		} else {
			int fi = nfiles ? (int)(next64(&plan) % nfiles) : -1;

			if (fi < 0 || files[fi].acc == O_RDONLY)
				continue;
			boff = next64(&plan) % (size - len + 1);
			if (!apply && pwrite(files[fi].fd, data, len, (off_t)boff) != (ssize_t)len) {
				printf("# divergence: %s seed %llu op %llu (fork): the child's pwrite failed: %s\n",
				       dev_name, seed, op_no, strerror(errno));
				bad = 1;
				continue;
			}
		}
		memcpy(model + boff, data, len);
	}
	return bad;
}

static void op_fork(void)
{
	unsigned long long plan = rnd();
	unsigned long before = divergences;
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		diverge("fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		/* The child: it inherited every mapping but the MADV_DONTFORK ones. */
		op_name = "fork child";
		for (int i = 0; i < nmaps; i++) {
			if (maps[i].dontfork) {
				if (!faults(maps[i].addr, 0))
					diverge("a MADV_DONTFORK mapping is still there in the child");
			} else if (maps[i].prot & PROT_READ) {
				if (!same(maps[i].addr, maps[i].pgoff * page, maps[i].npg * page,
					  "inherited mapping in the child"))
					break;
			}
		}
		if (child_stores(plan, 0))
			divergences++;
		for (int i = 0; i < nmaps; i++)
			if (!maps[i].dontfork && (maps[i].prot & PROT_READ))
				same(maps[i].addr, maps[i].pgoff * page, maps[i].npg * page,
				     "the child's mappings after its stores");
		fflush(stdout);
		_exit(divergences != before);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		diverge("the child ended with status %#x", status);
		return;
	}
	child_stores(plan, 1);
	trace_op("fork: the child checked its mappings and made its stores");
	check_maps_range(0, size, "the parent's mappings after the child's stores");
}

/* ---- the run ------------------------------------------------------------ */

enum op {
	OP_OPEN, OP_CLOSE, OP_READ, OP_WRITE, OP_PREAD, OP_PWRITE, OP_READ_FAULT,
	OP_WRITE_FAULT, OP_LSEEK, OP_MMAP, OP_MUNMAP, OP_MREMAP, OP_MPROTECT,
	OP_MADVISE, OP_STORE, OP_LOAD, OP_IO_MAP, OP_PROCMEM, OP_VM_RW, OP_SEGV,
	OP_FORK, OP_PROC_MAPS, OP_COUNT
};

static const struct {
	const char *name;
	unsigned int weight;
} ops[OP_COUNT] = {
	[OP_OPEN] = { "open", 12 },		[OP_CLOSE] = { "close", 8 },
	[OP_READ] = { "read", 28 },		[OP_WRITE] = { "write", 28 },
	[OP_PREAD] = { "pread", 32 },		[OP_PWRITE] = { "pwrite", 32 },
	[OP_READ_FAULT] = { "read-fault", 8 },	[OP_WRITE_FAULT] = { "write-fault", 8 },
	[OP_LSEEK] = { "lseek", 24 },		[OP_MMAP] = { "mmap", 28 },
	[OP_MUNMAP] = { "munmap", 16 },		[OP_MREMAP] = { "mremap", 12 },
	[OP_MPROTECT] = { "mprotect", 16 },	[OP_MADVISE] = { "madvise", 12 },
	[OP_STORE] = { "store", 40 },		[OP_LOAD] = { "load", 20 },
	[OP_IO_MAP] = { "io-via-map", 12 },	[OP_PROCMEM] = { "proc-mem", 8 },
	[OP_VM_RW] = { "process_vm_rw", 4 },	[OP_SEGV] = { "segv", 4 },
	[OP_FORK] = { "fork", 1 },		[OP_PROC_MAPS] = { "proc-maps", 4 },
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void run_op(enum op op)
{
	double start = now();

	op_name = ops[op].name;
	counts[op]++;
	switch (op) {
	case OP_OPEN: op_open(); break;
	case OP_CLOSE: op_close(); break;
	case OP_READ: op_read(0, 0); break;
	case OP_WRITE: op_write(0, 0); break;
	case OP_PREAD: op_read(1, 0); break;
	case OP_PWRITE: op_write(1, 0); break;
	case OP_READ_FAULT: op_read(percent(50), 1); break;
	case OP_WRITE_FAULT: op_write(percent(50), 1); break;
	case OP_LSEEK: op_lseek(); break;
	case OP_MMAP: op_mmap(); break;
	case OP_MUNMAP: op_munmap(); break;
	case OP_MREMAP: op_mremap(); break;
	case OP_MPROTECT: op_mprotect(); break;
	case OP_MADVISE: op_madvise(); break;
	case OP_STORE: op_store(); break;
	case OP_LOAD: op_load(); break;
	case OP_IO_MAP: op_io_via_map(); break;
	case OP_PROCMEM: op_procmem(); break;
	case OP_VM_RW: op_vm_rw(); break;
	case OP_SEGV: op_segv(); break;
	case OP_FORK: op_fork(); break;
	case OP_PROC_MAPS: check_proc_maps(); break;
	case OP_COUNT: break;
	}
	op_seconds[op] += now() - start;
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--seed N] [--ops N] [--maps-check PERCENT] [--trace] /dev/kmmap|/dev/vmmap\n",
		argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned int total_weight = 0;
	struct timespec t0, t1;
	struct statvfs vfs;
	const char *base;
	int fd, i;

	seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 32);
	ops_wanted = 10000;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc)
			ops_wanted = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--trace") == 0)
			trace = 1;
		else if (strcmp(argv[i], "--maps-check") == 0 && i + 1 < argc)
			maps_check_percent = (unsigned int)strtoul(argv[++i], NULL, 0);
		else
			usage(argv[0]);
	}
	if (i != argc - 1)
		usage(argv[0]);
	dev_path = argv[i];
	base = strrchr(dev_path, '/');
	snprintf(dev_name, sizeof(dev_name), "%s", base ? base + 1 : dev_path);
	page = (size_t)sysconf(_SC_PAGESIZE);
	rng = seed;
	setvbuf(stdout, NULL, _IOLBF, 0);

	fd = open(dev_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("Bail out! cannot open %s: %s\n", dev_path, strerror(errno));
		return 1;
	}
	size = (size_t)lseek(fd, 0, SEEK_END);
	npages = size / page;
	dev_noexec = statvfs(dev_path, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC);
	model = malloc(size);
	orig = malloc(size);
	scratch_len = size + 8 * page;
	scratch = malloc(scratch_len);
	fault_len = size + 8 * page;
	fault_area = mmap(NULL, fault_len + page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	maps_text = malloc(maps_cap);
	if (!npages || !model || !orig || !scratch || !maps_text || fault_area == MAP_FAILED ||
	    mprotect(fault_area + fault_len, page, PROT_NONE) != 0 ||
	    pread(fd, orig, size, 0) != (ssize_t)size) {
		printf("Bail out! cannot set up for %s (%zu bytes)\n", dev_path, size);
		return 1;
	}
	close(fd);
	memcpy(model, orig, size);
	mem_fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	signal(SIGSEGV, on_segv);
	/* Syscalls a small kernel configuration may leave out. */
	if (madvise(fault_area, page, MADV_NORMAL) != 0 && errno == ENOSYS) {
		have_madvise = 0;
		printf("# madvise() is not in this kernel (ENOSYS): not fuzzed\n");
	}
	{
		struct iovec l = { scratch, 1 }, r = { fault_area, 1 };

		if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) < 0 && errno == ENOSYS) {
			have_vm_rw = 0;
			printf("# process_vm_readv() is not in this kernel (ENOSYS): not fuzzed\n");
		}
	}
	for (i = 0; i < OP_COUNT; i++)
		total_weight += ops[i].weight;
	printf("# fuzz %s: seed %llu, %llu operations, %zu pages%s\n", dev_path, seed, ops_wanted,
	       npages, dev_noexec ? ", /dev is noexec" : "");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (op_no = 1; op_no <= ops_wanted && divergences < MAX_DIVERGENCES; op_no++) {
		unsigned int w = (unsigned int)below(total_weight);
		enum op op = 0;

		while (w >= ops[op].weight)
			w -= ops[op++].weight;
		run_op(op);
		if (op_no % FULL_CHECK_EVERY == 0) {
			op_name = "full check";
			check_everything("full check");
			check_proc_maps();
		}
	}
	op_no--;

	op_name = "final check";
	check_everything("final check");
	check_proc_maps();
	while (nmaps) {
		munmap(maps[0].addr, maps[0].npg * page);
		drop_map(0);
	}
	while (nfiles)
		close(files[--nfiles].fd);
	op_name = "restore";
	fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || pwrite(fd, orig, size, 0) != (ssize_t)size ||
	    pread(fd, scratch, size, 0) != (ssize_t)size || memcmp(scratch, orig, size) != 0) {
		divergences++;
		printf("# divergence: %s: cannot restore the buffer as it was found\n", dev_name);
	}
	if (fd >= 0)
		close(fd);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	printf("# fuzz %s: %llu operations in %.1f s:", dev_path, op_no,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (i = 0; i < OP_COUNT; i++)
		printf(" %s %llu (%.1f s)", ops[i].name, counts[i], op_seconds[i]);
	printf("\n");
	printf("figure: fuzz_ops_%s %llu\n", dev_name, op_no);
	printf("figure: fuzz_divergences_%s %lu\n", dev_name, divergences);
	if (divergences) {
		printf("# FAILED: %lu divergences; reproduce with: fuzz --seed %llu --ops %llu %s\n",
		       divergences, seed, op_no, dev_path);
		return 1;
	}
	return 0;
}
