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

#include <linux/mm.h>

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
 * The total size of @mm's VMAs; the caller holds mmap_lock. 6.1 replaced
 * the VMA list with a maple tree walked by for_each_vma(), in one pass.
 * The find_vma() loop works on every kernel (no mm->mmap, which 6.1
 * removed), but searches from the root for every VMA: n log n.
 */
static inline unsigned long long mmapdev_vma_bytes(struct mm_struct *mm)
{
	struct vm_area_struct *vma;
	unsigned long long total = 0;
#ifdef HAVE_FOR_EACH_VMA
	VMA_ITERATOR(vmi, mm, 0);

	for_each_vma(vmi, vma)
#else
	for (vma = find_vma(mm, 0); vma; vma = find_vma(mm, vma->vm_end))
#endif
		total += vma->vm_end - vma->vm_start;
	return total;
}

#endif /* MMAPDEV_COMPAT_H */
