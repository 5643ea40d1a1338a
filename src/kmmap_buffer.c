// SPDX-License-Identifier: GPL-2.0
/*
 * kmmap's buffer: physically contiguous pages, from the kernel's allocators
 * for contiguous memory.
 *
 * Up to the page allocator's largest block (MAX_ORDER_NR_PAGES: 4 MiB with
 * 4 KiB pages) the buffer comes from alloc_pages_exact(), which splits the
 * block into order-0 pages and frees what lies beyond the buffer.
 *
 * Larger buffers come from the contiguous range allocator, where the
 * kernel has it (compat.h): alloc_contig_range() takes a given range of
 * page frames whole, migrating the movable pages in it elsewhere. Its
 * caller chooses the range, so kmmap searches as alloc_contig_pages() (not
 * exported) does: block-aligned ranges of online, unreserved page frames
 * within one zone that GFP_KERNEL may allocate from, normal memory first.
 *
 * Either way each page is an order-0 page with its own reference count,
 * neither slab nor compound, which vm_insert_pages() maps as a real page;
 * a get_user_pages() pin (an io_uring fixed buffer) keeps it alive beyond
 * the buffer's free.
 */
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/memory_hotplug.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "mmapdev.h"

/* The page allocator's largest block, in pages. */
#define KMMAP_BLOCK_PAGES ((unsigned long)MAX_ORDER_NR_PAGES)

/* May reclaim and compact; never warns, never calls the OOM killer. */
#define KMMAP_GFP (GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

const char *const mmapdev_buffer_kind = "physically contiguous";
const char *const mmapdev_buffer_limit = MMAPDEV_HAVE_CONTIG_RANGE ?
	"half of RAM" : "the page allocator's largest block";

unsigned long mmapdev_buffer_max_pages(void)
{
	if (!MMAPDEV_HAVE_CONTIG_RANGE)
		return KMMAP_BLOCK_PAGES;
	/* As vmmap: room is left, so that a load cannot OOM the machine. */
	return max(totalram_pages() / 2, KMMAP_BLOCK_PAGES);
}

const char *mmapdev_buffer_source(unsigned long npages)
{
	return npages <= KMMAP_BLOCK_PAGES ? "the page allocator" :
	       "the contiguous range allocator";
}

/* The first page frame in [@pfn, @end) that cannot be taken from @zone. */
static unsigned long kmmap_first_unusable(struct zone *zone, unsigned long pfn,
					  unsigned long end)
{
	struct page *page;

	for (; pfn < end; pfn++) {
		page = pfn_to_online_page(pfn);
		if (!page || page_zone(page) != zone || PageReserved(page))
			break;
		if (!(pfn % KMMAP_BLOCK_PAGES))
			cond_resched();
	}
	return pfn;
}

/*
 * Takes @npages page frames in a row from @zone; returns the first, or 0.
 * Page frames found usable are not checked again for the next candidate.
 */
static unsigned long kmmap_take_range(struct zone *zone, unsigned long npages)
{
	unsigned long pfn = ALIGN(zone->zone_start_pfn, KMMAP_BLOCK_PAGES);
	unsigned long end = zone_end_pfn(zone), usable = pfn;

	while (pfn < end && npages <= end - pfn) {
		if (fatal_signal_pending(current))
			return 0;
		usable = kmmap_first_unusable(zone, max(usable, pfn), pfn + npages);
		if (usable < pfn + npages) {
			pfn = ALIGN(usable + 1, KMMAP_BLOCK_PAGES);
			continue;
		}
		if (mmapdev_contig_range_alloc(pfn, npages, KMMAP_GFP))
			return pfn;
		pfn += KMMAP_BLOCK_PAGES;
		cond_resched();
	}
	return 0;
}

static unsigned long kmmap_alloc_range(unsigned long npages)
{
	unsigned long pfn;
	int nid, z;

	for_each_online_node(nid) {
		/* ZONE_MOVABLE is out; the low zones are the devices' last resort. */
		for (z = ZONE_NORMAL; z >= 0; z--) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[z];

			if (!populated_zone(zone))
				continue;
			pfn = kmmap_take_range(zone, npages);
			if (pfn)
				return pfn;
		}
	}
	return 0;
}

void *mmapdev_buffer_alloc(unsigned long npages)
{
	unsigned long pfn, i;

	if (npages <= KMMAP_BLOCK_PAGES)
		return alloc_pages_exact(npages << PAGE_SHIFT,
					 KMMAP_GFP | __GFP_ZERO);

	if (!MMAPDEV_HAVE_CONTIG_RANGE)
		return NULL;
	pfn = kmmap_alloc_range(npages);
	if (!pfn)
		return NULL;
	/* Not every kernel's range allocator takes __GFP_ZERO. */
	for (i = 0; i < npages; i++) {
		clear_highpage(pfn_to_page(pfn + i));
		if (!(i % KMMAP_BLOCK_PAGES))
			cond_resched();
	}
	return page_address(pfn_to_page(pfn));
}

void mmapdev_buffer_free(void *buf, unsigned long npages)
{
	unsigned long pfn = page_to_pfn(virt_to_page(buf)), i;

	if (npages <= KMMAP_BLOCK_PAGES) {
		free_pages_exact(buf, npages << PAGE_SHIFT);
		return;
	}
	/*
	 * What free_contig_range() does, without its warning about pages still
	 * in use: a page pinned by get_user_pages() may outlive the buffer.
	 */
	for (i = 0; i < npages; i++)
		__free_page(pfn_to_page(pfn + i));
}

MODULE_DESCRIPTION("mmap()able physically contiguous kernel buffer");
