// SPDX-License-Identifier: GPL-2.0
/*
 * mmapdemo: a short, readable session with one mmapdev device, for
 * "make demo": the signature through a mapping, a write() seen through
 * the mapping, and the procfs figure.
 *
 * Usage: mmapdemo DEVICE
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void show_page_start(const unsigned char *map, size_t pg, size_t page)
{
	const unsigned char *p = map + pg * page;

	printf("  page %zu starts with %02x %02x %02x %02x\n", pg, p[0], p[1], p[2], p[3]);
}

int main(int argc, char **argv)
{
	static const char msg[] = "hello through write()";
	const char *name;
	char proc[64], figure[32];
	size_t page = (size_t)sysconf(_SC_PAGESIZE), size;
	unsigned char *map;
	ssize_t n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s /dev/kmmap|/dev/vmmap\n", argv[0]);
		return 2;
	}
	name = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "mmapdemo: cannot open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	size = (size_t)lseek(fd, 0, SEEK_END);
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "mmapdemo: cannot map %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	printf("%s: mapped all %zu bytes (%zu pages) at %p\n", argv[1], size, size / page,
	       (void *)map);
	show_page_start(map, 0, page);
	show_page_start(map, size / page - 1, page);

	if (pwrite(fd, msg, sizeof(msg), 256) != (ssize_t)sizeof(msg)) {
		fprintf(stderr, "mmapdemo: pwrite: %s\n", strerror(errno));
		return 1;
	}
	printf("  pwrite(\"%s\") at offset 256; the mapping there now reads \"%s\"\n",
	       msg, (const char *)map + 256);

	snprintf(proc, sizeof(proc), "/proc/%s", name);
	close(fd);
	fd = open(proc, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, figure, sizeof(figure) - 1);
	if (n < 0) {
		fprintf(stderr, "mmapdemo: cannot read %s: %s\n", proc, strerror(errno));
		return 1;
	}
	figure[n] = '\0';
	printf("  %s says this process maps %s bytes of virtual memory\n", proc, figure);
	return 0;
}
