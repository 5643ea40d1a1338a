// SPDX-License-Identifier: GPL-2.0
/* VMA_ITERATOR() and for_each_vma(): mainline 6.1, with the maple tree. */
#include <linux/mm.h>

unsigned long probe(struct mm_struct *mm);
unsigned long probe(struct mm_struct *mm)
{
	VMA_ITERATOR(vmi, mm, 0);
	struct vm_area_struct *vma;
	unsigned long n = 0;

	for_each_vma(vmi, vma)
		n++;
	return n;
}
