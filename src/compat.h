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

#endif /* MMAPDEV_COMPAT_H */
