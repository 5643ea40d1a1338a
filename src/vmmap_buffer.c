// SPDX-License-Identifier: GPL-2.0
/*
 * vmmap's buffer: vmalloc_user() memory, virtually contiguous only: its
 * pages are order-0 pages from anywhere in memory, zeroed, and the
 * allocation is page-aligned at both ends, so they hold nothing else.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/vmalloc.h>

#include "mmapdev.h"

const char *const mmapdev_buffer_kind = "virtually contiguous";
const char *const mmapdev_buffer_limit = "half of RAM";

unsigned long mmapdev_buffer_max_pages(void)
{
	/* Bounded by memory, with room left so that a load cannot OOM the machine. */
	return totalram_pages() / 2;
}

const char *mmapdev_buffer_source(unsigned long npages)
{
	return "vmalloc";
}

void *mmapdev_buffer_alloc(unsigned long npages)
{
	return vmalloc_user(npages << PAGE_SHIFT);
}

void mmapdev_buffer_free(void *buf, unsigned long npages)
{
	vfree(buf);
}

MODULE_DESCRIPTION("mmap()able virtually contiguous kernel buffer (vmalloc)");
