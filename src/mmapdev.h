/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmapdev: a misc device whose buffer of kernel memory user space can
 * read, write and mmap. device.c implements the device once; each module
 * supplies the buffer: how it is allocated, freed and mapped.
 */
#ifndef MMAPDEV_H
#define MMAPDEV_H

#include <linux/mm.h>
#include <linux/types.h>

#include "compat.h"

/* Largest buffer, in pages, this allocator may be asked for. */
unsigned long mmapdev_buffer_max_pages(void);

/* Names that limit in the error message of a load that asks for more. */
extern const char *const mmapdev_buffer_limit;

/* Returns a zeroed buffer of @size bytes (a page multiple), or NULL. */
void *mmapdev_buffer_alloc(size_t size);

void mmapdev_buffer_free(void *buf);

/*
 * Maps the buffer into @vma from page vma->vm_pgoff on. The caller has
 * checked that the mapping is shared and lies within the buffer.
 */
int mmapdev_buffer_mmap(void *buf, struct vm_area_struct *vma);

#endif /* MMAPDEV_H */
