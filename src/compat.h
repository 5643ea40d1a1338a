/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference mmapdev depends on, in one place.
 *
 * Each HAVE_* macro comes from compat_probes.h, which the build generates
 * by compiling the matching src/probes/NAME.c against the target kernel's
 * headers (see probe.sh): features are detected, not inferred from version
 * numbers, because distribution kernels backport API changes.
 */
#ifndef MMAPDEV_COMPAT_H
#define MMAPDEV_COMPAT_H

#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mmzone.h>

#include "compat_probes.h"

/* 6.3 made vma->vm_flags read-only behind vm_flags_set()/vm_flags_clear(). */
#ifndef HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma,
				unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * The contiguous range allocator, alloc_contig_range(): declared where the
 * kernel has CONFIG_CONTIG_ALLOC. mmapdev_contig_range_alloc() takes the
 * @npages page frames from @start_pfn on, or returns false. The allocator's
 * third argument is the range's migratetype (MIGRATE_MOVABLE: its pages can
 * be moved away) until 6.15, flags from 6.16 on (none: not for CMA).
 */
#ifdef HAVE_ALLOC_CONTIG_RANGE
#define MMAPDEV_HAVE_CONTIG_RANGE true
#ifdef HAVE_ACR_FLAGS_T
#define MMAPDEV_CONTIG_RANGE_ORDINARY ((__force acr_flags_t)0)
#else
#define MMAPDEV_CONTIG_RANGE_ORDINARY MIGRATE_MOVABLE
#endif
static inline bool mmapdev_contig_range_alloc(unsigned long start_pfn,
					      unsigned long npages, gfp_t gfp)
{
	return !alloc_contig_range(start_pfn, start_pfn + npages,
				   MMAPDEV_CONTIG_RANGE_ORDINARY, gfp);
}
#else
#define MMAPDEV_HAVE_CONTIG_RANGE false
static inline bool mmapdev_contig_range_alloc(unsigned long start_pfn,
					      unsigned long npages, gfp_t gfp)
{
	return false;
}
#endif

/* 6.5 replaced generic_file_splice_read() by copy_splice_read(). */
#ifndef HAVE_COPY_SPLICE_READ
#define copy_splice_read generic_file_splice_read
#endif

#endif /* MMAPDEV_COMPAT_H */
