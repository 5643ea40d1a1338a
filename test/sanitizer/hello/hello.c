// SPDX-License-Identifier: GPL-2.0
/*
 * Test module for test/sanitizer/boot-check.sh. Loaded plain, it allocates,
 * locks and frees and must leave no report behind; leak=1 leaks one object
 * (kmemleak must report it), oob=1 reads past a kmalloc object (KASAN must
 * report it).
 */
#include <linux/compiler.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

static bool leak;
module_param(leak, bool, 0444);
MODULE_PARM_DESC(leak, "leak one kmalloc object on load");

static bool oob;
module_param(oob, bool, 0444);
MODULE_PARM_DESC(oob, "read one byte past a kmalloc object on load");

static DEFINE_MUTEX(hello_lock);
static char *kbuf;
static char *vbuf;

static noinline void hello_leak(void)
{
	char *p = kmalloc(321, GFP_KERNEL);

	if (p)
		memset(p, 0x5a, 321);
	pr_info("hello: leaked a 321-byte object\n");
}

static noinline void hello_oob(void)
{
	size_t i = 100;

	OPTIMIZER_HIDE_VAR(i);
	pr_info("hello: byte 100 of a 100-byte object: %d\n", READ_ONCE(kbuf[i]));
}

static int __init hello_init(void)
{
	kbuf = kzalloc(100, GFP_KERNEL);
	vbuf = vmalloc_user(4 * PAGE_SIZE);
	if (!kbuf || !vbuf) {
		kfree(kbuf);
		vfree(vbuf);
		return -ENOMEM;
	}
	mutex_lock(&hello_lock);
	kbuf[99] = 1;
	vbuf[4 * PAGE_SIZE - 1] = 1;
	mutex_unlock(&hello_lock);
	if (leak)
		hello_leak();
	if (oob)
		hello_oob();
	pr_info("hello: loaded\n");
	return 0;
}

static void __exit hello_exit(void)
{
	mutex_lock(&hello_lock);
	kfree(kbuf);
	vfree(vbuf);
	mutex_unlock(&hello_lock);
	pr_info("hello: unloaded\n");
}

module_init(hello_init);
module_exit(hello_exit);
MODULE_DESCRIPTION("sanitizer kernel smoke test module");
MODULE_LICENSE("GPL");
