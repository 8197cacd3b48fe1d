/* Large zeroed arrays: the per-page arrays of a run (a million tasks,
 * frames), which the run then touches page by page. */
#ifndef AL_MEM_H
#define AL_MEM_H

#include <stddef.h>

/* As calloc(n, size), and if the array is large (AL_MEM_HUGE bytes or
 * more) asks the kernel for transparent huge pages over it, so its first
 * touches fault once per 2 MiB instead of once per 4 KiB: at C10M's
 * million pages those faults were a third of the run's CPU.  Only a hint
 * (ignored where the kernel has no THP, or refuses): the memory is the
 * same, zeroed, and freed with free().  NULL with errno ENOMEM if n *
 * size overflows or memory runs out. */
void *al_calloc_huge(size_t n, size_t size);

enum { AL_MEM_HUGE = 4 << 20 };

#endif
