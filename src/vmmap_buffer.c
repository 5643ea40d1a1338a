// SPDX-License-Identifier: GPL-2.0
/*
 * vmmap's buffer: vmalloc_user() memory, virtually contiguous only, mapped
 * with remap_vmalloc_range(). The mapping holds the real pages, so
 * get_user_pages(), ptrace() and process_vm_readv() work on it as they
 * do on any memory.
 *
 * Pages can leave the page tables again (madvise(MADV_DONTNEED) may zap
 * them); vmmap_fault() puts the buffer's page back when they are touched.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/vmalloc.h>

#include "mmapdev.h"

const char *const mmapdev_buffer_limit = "half of RAM";

unsigned long mmapdev_buffer_max_pages(void)
{
	/* Bounded by memory, with room left so that a load cannot OOM the machine. */
	return totalram_pages() / 2;
}

void *mmapdev_buffer_alloc(size_t size)
{
	/* Zeroed, and marked VM_USERMAP as remap_vmalloc_range() requires. */
	return vmalloc_user(size);
}

void mmapdev_buffer_free(void *buf)
{
	vfree(buf);
}

static vm_fault_t vmmap_fault(struct vm_fault *vmf)
{
	void *buf = vmf->vma->vm_private_data;

	/* mmap() bounded the VMA by the buffer, and it cannot grow. */
	vmf->page = vmalloc_to_page(buf + (vmf->pgoff << PAGE_SHIFT));
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct vmmap_vm_ops = {
	.fault = vmmap_fault,
};

int mmapdev_buffer_mmap(void *buf, size_t size, struct vm_area_struct *vma)
{
	vma->vm_ops = &vmmap_vm_ops;
	vma->vm_private_data = buf;
	/* Checks the range against the allocation itself, too. */
	return remap_vmalloc_range(vma, buf, vma->vm_pgoff);
}

MODULE_DESCRIPTION("mmap()able virtually contiguous kernel buffer (vmalloc)");
