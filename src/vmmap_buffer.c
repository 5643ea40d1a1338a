// SPDX-License-Identifier: GPL-2.0
/*
 * vmmap's buffer: vmalloc_user() memory, virtually contiguous only. The
 * mapping holds the real pages, so get_user_pages(), ptrace() and
 * process_vm_readv() work on it as they do on any memory.
 *
 * mmap() maps the requested range in one vm_insert_pages() call, which
 * takes each page table's lock once per batch of pages rather than once
 * per page as remap_vmalloc_range() (one vm_insert_page() a page) does.
 * It needs the buffer's pages in an array: built once, at load.
 *
 * Pages can leave the page tables again (madvise(MADV_DONTNEED) may zap
 * them); vmmap_fault() puts the buffer's page back when they are touched.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "mmapdev.h"

const char *const mmapdev_buffer_limit = "half of RAM";

/* The buffer's pages, in buffer order; they never change after load. */
static struct page **vmmap_pages;

unsigned long mmapdev_buffer_max_pages(void)
{
	/* Bounded by memory, with room left so that a load cannot OOM the machine. */
	return totalram_pages() / 2;
}

void *mmapdev_buffer_alloc(size_t size)
{
	unsigned long i, npages = size >> PAGE_SHIFT;
	void *buf;

	/* Zeroed, and page-aligned at both ends: the pages hold nothing else. */
	buf = vmalloc_user(size);
	if (!buf)
		return NULL;

	/* Report a failure here, as device.c does the buffer's: no splat. */
	vmmap_pages = kvmalloc_array(npages, sizeof(*vmmap_pages),
				     GFP_KERNEL | __GFP_NOWARN);
	if (!vmmap_pages) {
		pr_err("cannot allocate the page array of a %lu-page buffer\n",
		       npages);
		vfree(buf);
		return NULL;
	}
	for (i = 0; i < npages; i++)
		vmmap_pages[i] = vmalloc_to_page(buf + (i << PAGE_SHIFT));
	return buf;
}

void mmapdev_buffer_free(void *buf)
{
	kvfree(vmmap_pages);
	vmmap_pages = NULL;
	vfree(buf);
}

static vm_fault_t vmmap_fault(struct vm_fault *vmf)
{
	/* mmap() bounded the VMA by the buffer, and it cannot grow. */
	vmf->page = vmmap_pages[vmf->pgoff];
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct vmmap_vm_ops = {
	.fault = vmmap_fault,
};

int mmapdev_buffer_mmap(void *buf, struct vm_area_struct *vma)
{
	unsigned long num = vma_pages(vma);

	/* device.c has checked that the range lies within the buffer. */
	vma->vm_ops = &vmmap_vm_ops;
	/* What remap_vmalloc_range() sets: no mremap() growth, no core dumps. */
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	/* Sets VM_MIXEDMAP, as vm_insert_page() did. */
	return vm_insert_pages(vma, vma->vm_start, vmmap_pages + vma->vm_pgoff,
			       &num);
}

MODULE_DESCRIPTION("mmap()able virtually contiguous kernel buffer (vmalloc)");
