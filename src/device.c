// SPDX-License-Identifier: GPL-2.0
/*
 * The mmapdev device, shared by kmmap and vmmap: a fixed-size buffer of
 * kernel memory behind a misc device, with read/write/lseek semantics of a
 * regular file of that size, shared mmap, and a procfs file that tells the
 * reading process how much virtual memory it has mapped.
 *
 * Each module compiles this file once (kmmap_device.c, vmmap_device.c)
 * and links it with its own mmapdev_buffer_*() functions: the two devices
 * differ only in how their buffer is allocated.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>

#include "mmapdev.h"

static unsigned int npages = 16;
module_param(npages, uint, 0444);
MODULE_PARM_DESC(npages, "Size of the buffer in pages (default 16)");

static const u8 page_signature[] = { 0xaa, 0xbb, 0xcc, 0xdd };

static void *buffer;
static size_t buffer_size;
/* The buffer's pages, in buffer order: what mmap() and page faults map. */
static struct page **buffer_pages;
/*
 * Serialises reads and writes so that each sees or leaves the buffer whole.
 * It is held across user copies, which may fault and take mmap_lock, so
 * nothing that runs under mmap_lock (mmap, page faults, vm_ops) may take
 * it. The buffer never changes after load, so those paths need no lock.
 */
static DEFINE_MUTEX(buffer_lock);

/*
 * A user copy that stops at a fault may stop some bytes short of it (arm64
 * copies in blocks and reports only whole ones); copying again from where
 * it stopped moves at least one byte while the next one is accessible. A
 * regular file's read and write retry the same way, and so return every
 * byte up to the fault. Writes from user memory go through copyin(), which
 * leaves the bytes it did not copy alone: a fault never zeroes live buffer.
 * Both return how many bytes were copied.
 */
static size_t mmapdev_copy_to_iter(const u8 *from, size_t count,
				   struct iov_iter *to)
{
	size_t done = 0, copied;

	while (done < count) {
		copied = copy_to_iter(from + done, count - done, to);
		if (!copied)
			break;
		done += copied;
	}
	return done;
}

static size_t mmapdev_copy_from_iter(u8 *to, size_t count,
				     struct iov_iter *from)
{
	size_t done = 0, copied;

	while (done < count) {
		copied = copy_from_iter(to + done, count - done, from);
		if (!copied)
			break;
		done += copied;
	}
	return done;
}

/*
 * read(), readv(), pread(), io_uring reads and splice() from the device
 * (through copy_splice_read()) all come here.
 */
static ssize_t mmapdev_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	loff_t pos = iocb->ki_pos;
	size_t count = iov_iter_count(to), copied;

	if (pos < 0)
		return -EINVAL;
	if (pos >= buffer_size || !count)
		return 0;
	count = min_t(size_t, count, buffer_size - pos);

	if (mutex_lock_interruptible(&buffer_lock))
		return -ERESTARTSYS;
	copied = mmapdev_copy_to_iter((u8 *)buffer + pos, count, to);
	mutex_unlock(&buffer_lock);

	if (!copied)
		return -EFAULT;
	iocb->ki_pos = pos + copied;
	return copied;
}

/* write(), writev(), pwrite(), io_uring writes and splice() to the device. */
static ssize_t mmapdev_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	loff_t pos = iocb->ki_pos;
	size_t count = iov_iter_count(from), copied;

	if (pos < 0)
		return -EINVAL;
	if (!count)
		return 0;
	/* A fixed-size file: no room at or past its end. */
	if (pos >= buffer_size)
		return -ENOSPC;
	count = min_t(size_t, count, buffer_size - pos);

	if (mutex_lock_interruptible(&buffer_lock))
		return -ERESTARTSYS;
	copied = mmapdev_copy_from_iter((u8 *)buffer + pos, count, from);
	mutex_unlock(&buffer_lock);

	if (!copied)
		return -EFAULT;
	iocb->ki_pos = pos + copied;
	return copied;
}

static loff_t mmapdev_llseek(struct file *file, loff_t offset, int whence)
{
	/* Like a regular file of buffer_size bytes: seeking past the end is allowed. */
	return generic_file_llseek_size(file, offset, whence, MAX_LFS_FILESIZE,
					buffer_size);
}

/* A page the page tables lost (madvise(MADV_DONTNEED)) comes back here. */
static vm_fault_t mmapdev_fault(struct vm_fault *vmf)
{
	/* mmap() bounded the VMA by the buffer, and it cannot grow. */
	vmf->page = buffer_pages[vmf->pgoff];
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct mmapdev_vm_ops = {
	.fault = mmapdev_fault,
};

/*
 * Maps the buffer's real pages, as any file's, so that get_user_pages()
 * works on the mapping: O_DIRECT, io_uring fixed buffers, process_vm_readv()
 * and ptrace() reach the buffer through it. One vm_insert_pages() call takes
 * each page table's lock once per batch of pages, not once per page.
 */
static int mmapdev_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long pages = buffer_size >> PAGE_SHIFT, num;

	/*
	 * Only shared mappings: a private one would be copy-on-write, and its
	 * copies would silently stop following the buffer. VM_MAYSHARE, not
	 * VM_SHARED, because a read-only open's MAP_SHARED lacks VM_SHARED.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	/* The buffer is data: never executable, not even after mprotect(). */
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	vm_flags_clear(vma, VM_MAYEXEC);

	if (vma->vm_pgoff >= pages || vma_pages(vma) > pages - vma->vm_pgoff)
		return -EINVAL;

	vma->vm_ops = &mmapdev_vm_ops;
	/* No mremap() growth, no core dumps; vm_insert_pages() adds VM_MIXEDMAP. */
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	num = vma_pages(vma);
	return vm_insert_pages(vma, vma->vm_start, buffer_pages + vma->vm_pgoff,
			       &num);
}

static const struct file_operations mmapdev_fops = {
	.owner = THIS_MODULE,
	.read_iter = mmapdev_read_iter,
	.write_iter = mmapdev_write_iter,
	.splice_read = copy_splice_read,
	.splice_write = iter_file_splice_write,
	.llseek = mmapdev_llseek,
	.mmap = mmapdev_mmap,
	/*
	 * The buffer is memory: what a write or a store through a mapping left
	 * there is already what every reader sees. fsync(), fdatasync() and
	 * msync(MS_SYNC) have nothing to wait for, and succeed.
	 */
	.fsync = noop_fsync,
};

static struct miscdevice mmapdev_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = KBUILD_MODNAME,
	.fops = &mmapdev_fops,
};

/*
 * The total size of the reading process's mappings, in bytes, no newline.
 * That is mm->total_vm, which the kernel keeps equal to the sum of the
 * sizes of the process's VMAs (VmSize in /proc/PID/status): read in O(1)
 * with no lock, where a walk of every VMA under mmap_lock costs O(VMAs).
 * Only the task itself changes its mm, and it is here reading this file.
 */
static int mmapdev_proc_show(struct seq_file *m, void *v)
{
	struct mm_struct *mm = current->mm;
	unsigned long pages = mm ? READ_ONCE(mm->total_vm) : 0;

	seq_printf(m, "%llu", (unsigned long long)pages << PAGE_SHIFT);
	return 0;
}

static void mmapdev_buffer_destroy(void)
{
	kvfree(buffer_pages);
	mmapdev_buffer_free(buffer, npages);
}

/* Allocates the buffer, signs its pages and lists them for mmap(). */
static int mmapdev_buffer_create(void)
{
	unsigned long i;
	void *addr;

	buffer_size = (size_t)npages << PAGE_SHIFT;
	buffer = mmapdev_buffer_alloc(npages);
	if (!buffer) {
		pr_err("cannot allocate %u %s pages (%zu bytes) from %s\n",
		       npages, mmapdev_buffer_kind, buffer_size,
		       mmapdev_buffer_source(npages));
		return -ENOMEM;
	}
	/* No splat on failure: the line below says what went wrong. */
	buffer_pages = kvmalloc_array(npages, sizeof(*buffer_pages),
				      GFP_KERNEL | __GFP_NOWARN);
	if (!buffer_pages) {
		pr_err("cannot allocate the page list of a %u-page buffer\n",
		       npages);
		mmapdev_buffer_free(buffer, npages);
		return -ENOMEM;
	}
	for (i = 0; i < npages; i++) {
		addr = (u8 *)buffer + (i << PAGE_SHIFT);
		memcpy(addr, page_signature, sizeof(page_signature));
		buffer_pages[i] = is_vmalloc_addr(addr) ? vmalloc_to_page(addr) :
			virt_to_page(addr);
	}
	return 0;
}

static int __init mmapdev_init(void)
{
	unsigned long max_pages = mmapdev_buffer_max_pages();
	struct proc_dir_entry *proc;
	int err;

	if (npages == 0 || npages > max_pages) {
		pr_err("npages=%u is out of range: 1 to %lu pages (%s)\n",
		       npages, max_pages, mmapdev_buffer_limit);
		return -EINVAL;
	}
	err = mmapdev_buffer_create();
	if (err)
		return err;

	proc = proc_create_single(KBUILD_MODNAME, 0444, NULL, mmapdev_proc_show);
	if (!proc) {
		pr_err("cannot create /proc/%s\n", KBUILD_MODNAME);
		err = -ENOMEM;
		goto destroy_buffer;
	}

	err = misc_register(&mmapdev_misc);
	if (err) {
		pr_err("cannot register /dev/%s: %d\n", KBUILD_MODNAME, err);
		goto remove_proc;
	}
	pr_info("/dev/%s ready: %u %s pages (%zu bytes) from %s; at most %lu pages on this kernel (%s)\n",
		KBUILD_MODNAME, npages, mmapdev_buffer_kind, buffer_size,
		mmapdev_buffer_source(npages), max_pages, mmapdev_buffer_limit);
	return 0;

remove_proc:
	proc_remove(proc);
destroy_buffer:
	mmapdev_buffer_destroy();
	return err;
}

static void __exit mmapdev_exit(void)
{
	misc_deregister(&mmapdev_misc);
	remove_proc_entry(KBUILD_MODNAME, NULL);
	mmapdev_buffer_destroy();
}

module_init(mmapdev_init);
module_exit(mmapdev_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(MMAPDEV_VERSION);
MODULE_AUTHOR("The mmapdev developers");
