// SPDX-License-Identifier: GPL-2.0
/*
 * The mmapdev device, shared by kmmap and vmmap: a fixed-size buffer of
 * kernel memory behind a misc device, with read/write/lseek semantics of a
 * regular file of that size, shared mmap, and a procfs file that tells the
 * reading process how much virtual memory it has mapped.
 *
 * Each module compiles this file once (kmmap_device.c, vmmap_device.c)
 * and links it with its own mmapdev_buffer_*() functions.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "mmapdev.h"

static unsigned int npages = 16;
module_param(npages, uint, 0444);
MODULE_PARM_DESC(npages, "Size of the buffer in pages (default 16)");

static const u8 page_signature[] = { 0xaa, 0xbb, 0xcc, 0xdd };

static void *buffer;
static size_t buffer_size;
/*
 * Serialises read() and write() so that each sees or leaves the buffer
 * whole. It is held across copy_{to,from}_user(), which may fault and take
 * mmap_lock, so nothing that runs under mmap_lock (mmap, page faults,
 * vm_ops) may take it. The buffer never changes after load, so those paths
 * need no lock.
 */
static DEFINE_MUTEX(buffer_lock);

/*
 * A user copy that stops at a fault may stop some bytes short of it (arm64
 * copies in blocks and reports only whole ones); copying again from where
 * it stopped moves at least one byte while the next one is accessible. A
 * regular file's read and write retry the same way, and so return every
 * byte up to the fault. Both return how many bytes were copied.
 */
static size_t mmapdev_copy_to_user(char __user *to, const u8 *from, size_t count)
{
	size_t done = 0, left;

	while (done < count) {
		left = copy_to_user(to + done, from + done, count - done);
		if (left == count - done)
			break;
		done = count - left;
	}
	return done;
}

/*
 * Not copy_from_user(): when the user buffer faults part-way, it zero-fills
 * the rest of the destination, which here is live buffer the write does not
 * report as written. __copy_from_user() leaves the bytes it did not copy
 * alone; the caller checks access_ok().
 */
static size_t mmapdev_copy_from_user(u8 *to, const char __user *from, size_t count)
{
	size_t done = 0, left;

	while (done < count) {
		left = __copy_from_user(to + done, from + done, count - done);
		if (left == count - done)
			break;
		done = count - left;
	}
	return done;
}

static ssize_t mmapdev_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	loff_t pos = *ppos;
	size_t copied;

	if (pos < 0)
		return -EINVAL;
	if (pos >= buffer_size || !count)
		return 0;
	count = min_t(size_t, count, buffer_size - pos);

	if (mutex_lock_interruptible(&buffer_lock))
		return -ERESTARTSYS;
	copied = mmapdev_copy_to_user(ubuf, (u8 *)buffer + pos, count);
	mutex_unlock(&buffer_lock);

	if (!copied)
		return -EFAULT;
	*ppos = pos + copied;
	return copied;
}

static ssize_t mmapdev_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	loff_t pos = *ppos;
	size_t copied;

	if (pos < 0)
		return -EINVAL;
	if (!count)
		return 0;
	/* A fixed-size file: no room at or past its end. */
	if (pos >= buffer_size)
		return -ENOSPC;
	count = min_t(size_t, count, buffer_size - pos);
	if (!access_ok(ubuf, count))
		return -EFAULT;

	if (mutex_lock_interruptible(&buffer_lock))
		return -ERESTARTSYS;
	copied = mmapdev_copy_from_user((u8 *)buffer + pos, ubuf, count);
	mutex_unlock(&buffer_lock);

	if (!copied)
		return -EFAULT;
	*ppos = pos + copied;
	return copied;
}

static loff_t mmapdev_llseek(struct file *file, loff_t offset, int whence)
{
	/* Like a regular file of buffer_size bytes: seeking past the end is allowed. */
	return generic_file_llseek_size(file, offset, whence, MAX_LFS_FILESIZE,
					buffer_size);
}

static int mmapdev_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long pages = buffer_size >> PAGE_SHIFT;

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

	return mmapdev_buffer_mmap(buffer, vma);
}

static const struct file_operations mmapdev_fops = {
	.owner = THIS_MODULE,
	.read = mmapdev_read,
	.write = mmapdev_write,
	.llseek = mmapdev_llseek,
	.mmap = mmapdev_mmap,
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

static int __init mmapdev_init(void)
{
	unsigned long max_pages = mmapdev_buffer_max_pages();
	struct proc_dir_entry *proc;
	size_t off;
	int err;

	if (npages == 0 || npages > max_pages) {
		pr_err("npages=%u is out of range: 1 to %lu pages (%s)\n",
		       npages, max_pages, mmapdev_buffer_limit);
		return -EINVAL;
	}
	buffer_size = (size_t)npages << PAGE_SHIFT;

	buffer = mmapdev_buffer_alloc(buffer_size);
	if (!buffer) {
		pr_err("cannot allocate a buffer of %u pages (%zu bytes)\n",
		       npages, buffer_size);
		return -ENOMEM;
	}
	for (off = 0; off < buffer_size; off += PAGE_SIZE)
		memcpy(buffer + off, page_signature, sizeof(page_signature));

	proc = proc_create_single(KBUILD_MODNAME, 0444, NULL, mmapdev_proc_show);
	if (!proc) {
		pr_err("cannot create /proc/%s\n", KBUILD_MODNAME);
		err = -ENOMEM;
		goto free_buffer;
	}

	err = misc_register(&mmapdev_misc);
	if (err) {
		pr_err("cannot register /dev/%s: %d\n", KBUILD_MODNAME, err);
		goto remove_proc;
	}
	pr_info("/dev/%s ready: %u pages (%zu bytes)\n", KBUILD_MODNAME,
		npages, buffer_size);
	return 0;

remove_proc:
	proc_remove(proc);
free_buffer:
	mmapdev_buffer_free(buffer);
	return err;
}

static void __exit mmapdev_exit(void)
{
	misc_deregister(&mmapdev_misc);
	remove_proc_entry(KBUILD_MODNAME, NULL);
	mmapdev_buffer_free(buffer);
}

module_init(mmapdev_init);
module_exit(mmapdev_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(MMAPDEV_VERSION);
MODULE_AUTHOR("The mmapdev developers");
