// SPDX-License-Identifier: GPL-2.0
/*
 * alloc_contig_range(), the contiguous range allocator: exported since 5.5,
 * declared only where the kernel has CONFIG_CONTIG_ALLOC (every Debian
 * kernel). Its third argument changed type in 6.16 (see acr_flags_t.c).
 */
#include <linux/gfp.h>
#include <linux/mmzone.h>

int probe(unsigned long pfn);
int probe(unsigned long pfn)
{
	free_contig_range(pfn, 1);
	return alloc_contig_range(pfn, pfn + 1, 0, GFP_KERNEL);
}
