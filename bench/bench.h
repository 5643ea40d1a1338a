/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench: what the measuring side (bench.c), the kernel's alternatives
 * (alternatives.c) and the host's report (report.c) share.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

#define MIB (1024UL * 1024UL)

/* Measured devices (-d) and kernel alternatives (-a) at most. */
#define MAXDEVS 6

extern size_t page_size;

void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* ------------------------------------------------------------------ */
/* The memory under test (bench.c, alternatives.c)                     */

enum kind { ANON, MEMFD, DEVICE, DMABUF, MEMCPY, MOVSQ };

struct variant {
	const char *name;
	enum kind kind;
	int fd;
	int present;
	void *map;		/* a standing mapping, where the test wants one */
	uint64_t *t[5];		/* samples, per phase or direction */
};

/*
 * The kernel's own ways to hand user space a shared buffer, where the
 * booted kernel has them: "dmaheap" (a dma-buf from /dev/dma_heap/system)
 * and "udmabuf" (a dma-buf of the pages of @memfd, from /dev/udmabuf).
 * Fills @v (present or not: a line says why not) for @size bytes.
 */
void open_alternative(struct variant *v, const char *name, size_t size, int memfd);
/* Whether @name is one of them. */
int is_alternative(const char *name);

/* ------------------------------------------------------------------ */
/* The report (report.c)                                               */

int report(const char *raw, const char *out);

#endif
