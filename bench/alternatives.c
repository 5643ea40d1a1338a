// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own alternatives to kmmap and vmmap: a buffer the kernel
 * allocates and user space maps MAP_SHARED through a dma-buf file.
 *
 *   dmaheap  DMA_HEAP_IOCTL_ALLOC on /dev/dma_heap/system (the system heap:
 *            pages from the buddy allocator, in blocks of up to 1 MiB,
 *            zeroed; CONFIG_DMABUF_HEAPS_SYSTEM, 5.6 on).
 *   udmabuf  UDMABUF_CREATE on /dev/udmabuf, over the pages of a memfd
 *            sealed against shrinking (CONFIG_UDMABUF, 4.20 on; at most
 *            the module parameter size_limit_mb, 64 MiB by default).
 *
 * Both are mapped as the devices are: mmap() of the dma-buf fd, MAP_SHARED.
 * The dma-buf CPU-access brackets (DMA_BUF_IOCTL_SYNC) are left out: with
 * no device attached they do nothing, and the devices have none either.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "bench.h"

#define DMA_HEAP "/dev/dma_heap/system"
#define UDMABUF "/dev/udmabuf"
#define UDMABUF_LIMIT "/sys/module/udmabuf/parameters/size_limit_mb"

int is_alternative(const char *name)
{
	return !strcmp(name, "dmaheap") || !strcmp(name, "udmabuf");
}

static int dmaheap_alloc(size_t size)
{
	struct dma_heap_allocation_data d = {
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int heap = open(DMA_HEAP, O_RDONLY | O_CLOEXEC);

	if (heap < 0) {
		printf("# %s: %s, left out\n", DMA_HEAP, strerror(errno));
		return -1;
	}
	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) < 0) {
		printf("# dmaheap: %zu bytes: %s, left out\n", size, strerror(errno));
		close(heap);
		return -1;
	}
	close(heap);
	return (int)d.fd;
}

/* udmabuf's size_limit_mb in bytes, 0 if unknown. */
static size_t udmabuf_limit(void)
{
	FILE *f = fopen(UDMABUF_LIMIT, "r");
	unsigned long mb = 0;

	if (f) {
		if (fscanf(f, "%lu", &mb) != 1)
			mb = 0;
		fclose(f);
	}
	return mb * MIB;
}

static int udmabuf_create(size_t size, int memfd)
{
	struct udmabuf_create c = {
		.memfd = (uint32_t)memfd,
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.offset = 0,
		.size = size,
	};
	size_t limit = udmabuf_limit();
	int dev, fd;

	if (limit && size > limit) {
		printf("# udmabuf: %zu bytes is above its size_limit_mb (%zu MiB), left out\n",
		       size, limit / MIB);
		return -1;
	}
	/* udmabuf refuses a memfd that could shrink under it. */
	if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		printf("# udmabuf: sealing the memfd: %s, left out\n", strerror(errno));
		return -1;
	}
	dev = open(UDMABUF, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		printf("# %s: %s, left out\n", UDMABUF, strerror(errno));
		return -1;
	}
	fd = ioctl(dev, UDMABUF_CREATE, &c);
	if (fd < 0)
		printf("# udmabuf: %zu bytes: %s, left out\n", size, strerror(errno));
	close(dev);
	return fd;
}

void open_alternative(struct variant *v, const char *name, size_t size, int memfd)
{
	*v = (struct variant){ .name = name, .kind = DMABUF, .fd = -1 };
	if (!strcmp(name, "dmaheap"))
		v->fd = dmaheap_alloc(size);
	else if (!strcmp(name, "udmabuf"))
		v->fd = udmabuf_create(size, memfd);
	else
		die("no alternative called %s", name);
	v->present = v->fd >= 0;
}
