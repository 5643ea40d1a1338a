/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmapdev: a misc device whose buffer of kernel memory user space can
 * read, write and mmap. device.c implements the device once, mapping
 * included; each module supplies the buffer: how it is allocated and freed.
 */
#ifndef MMAPDEV_H
#define MMAPDEV_H

#include <linux/types.h>

#include "compat.h"

/* What the buffer is, for the kernel log: "physically contiguous". */
extern const char *const mmapdev_buffer_kind;

/* Largest buffer, in pages, this module may be asked for on this kernel. */
unsigned long mmapdev_buffer_max_pages(void);

/* What sets that limit, for the kernel log: "half of RAM". */
extern const char *const mmapdev_buffer_limit;

/* The allocator a buffer of @npages pages comes from, for the kernel log. */
const char *mmapdev_buffer_source(unsigned long npages);

/*
 * Returns a zeroed buffer of @npages pages in the kernel's direct map or in
 * vmalloc space, or NULL. Its pages are order-0 pages holding nothing else,
 * each with its own reference count, so they can be mapped as real pages.
 */
void *mmapdev_buffer_alloc(unsigned long npages);

void mmapdev_buffer_free(void *buf, unsigned long npages);

#endif /* MMAPDEV_H */
