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

/* An arena: zeroed blocks carved one after another from chunks that grow
 * from 1 MiB to 64 MiB, the large ones from al_calloc_huge, and freed
 * only all at once.  For pools of slabs that never move (the simulator's
 * flows and sockets): consecutive slabs share huge pages, where each
 * slab alone (half a MiB) was too small for one.  Memory follows use: a
 * chunk is reserved, not touched, until its blocks are. */
struct al_arena_chunk;
struct al_arena {
	struct al_arena_chunk *chunks;   /* newest first */
	size_t used, cap;                /* bytes of the newest chunk */
};

/* n * size zeroed bytes, aligned for any object; NULL with errno ENOMEM
 * on overflow or when memory runs out. */
void *al_arena_calloc(struct al_arena *a, size_t n, size_t size);
/* Frees every block; the arena is then empty and usable again. */
void al_arena_free(struct al_arena *a);

#endif
