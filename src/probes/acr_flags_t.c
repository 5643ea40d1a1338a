// SPDX-License-Identifier: GPL-2.0
/* acr_flags_t: mainline 6.16 replaced alloc_contig_range()'s migratetype by it. */
#include <linux/gfp.h>

acr_flags_t probe(void);
acr_flags_t probe(void)
{
	return (__force acr_flags_t)0;
}
