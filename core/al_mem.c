/* Large zeroed arrays with a transparent-huge-page hint.
 *
 * The hint goes on the 2 MiB-aligned interior of what calloc returned:
 * glibc serves such sizes from a fresh mapping that calloc leaves
 * untouched (the kernel's pages are zero already), so the first touch
 * comes after the hint and takes a huge page.  When the memory came from
 * the heap and calloc zeroed it, it is touched already and the hint only
 * lets the kernel merge it later: no harm, no gain. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "core/al_mem.h"

void *al_calloc_huge(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = calloc(n, size);
#ifdef MADV_HUGEPAGE
	size_t len = n * size;
	const uintptr_t huge = (uintptr_t)2 << 20;

	if (p && len >= AL_MEM_HUGE) {
		uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1);
		uintptr_t hi = ((uintptr_t)p + len) & ~(huge - 1);

		if (hi > lo)
			(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);  /* a hint: its failure changes nothing */
	}
#endif
	return p;
}
