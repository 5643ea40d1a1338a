// SPDX-License-Identifier: GPL-2.0
/*
 * kmmap's buffer: one physically contiguous kmalloc() allocation, mapped
 * in a single remap_pfn_range() call.
 *
 * The buffer is always a whole number of pages, and kmalloc() aligns
 * page-multiple sizes to a page, so the mapped pages hold nothing else.
 * The mapping is VM_PFNMAP: get_user_pages() cannot see its pages, so
 * kmmap_access() serves ptrace() and process_vm_readv() from the buffer.
 */
#include <linux/io.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "mmapdev.h"

const char *const mmapdev_buffer_limit = "KMALLOC_MAX_SIZE";

unsigned long mmapdev_buffer_max_pages(void)
{
	return KMALLOC_MAX_SIZE >> PAGE_SHIFT;
}

void *mmapdev_buffer_alloc(size_t size)
{
	/* A large contiguous block may not be there: report it, no splat. */
	return kzalloc(size, GFP_KERNEL | __GFP_NOWARN);
}

void mmapdev_buffer_free(void *buf)
{
	kfree(buf);
}

static int kmmap_access(struct vm_area_struct *vma, unsigned long addr,
			void *data, int len, int write)
{
	void *buf = vma->vm_private_data;
	unsigned long off = (vma->vm_pgoff << PAGE_SHIFT) + addr - vma->vm_start;

	/* As get_user_pages() would: no writes through a read-only mapping. */
	if (write && !(vma->vm_flags & VM_WRITE))
		return -EFAULT;

	len = min_t(unsigned long, len, vma->vm_end - addr);
	if (write)
		memcpy(buf + off, data, len);
	else
		memcpy(data, buf + off, len);
	return len;
}

static const struct vm_operations_struct kmmap_vm_ops = {
	.access = kmmap_access,
};

int mmapdev_buffer_mmap(void *buf, struct vm_area_struct *vma)
{
	unsigned long pfn = (virt_to_phys(buf) >> PAGE_SHIFT) + vma->vm_pgoff;

	vma->vm_ops = &kmmap_vm_ops;
	vma->vm_private_data = buf;
	return remap_pfn_range(vma, vma->vm_start, pfn,
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

MODULE_DESCRIPTION("mmap()able physically contiguous kernel buffer (kmalloc)");
