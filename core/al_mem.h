/* Large zeroed arrays: the per-page arrays of a run (a million tasks,
 * frames), which the run then touches page by page; and the growth of
 * the simulator's queues. */
#ifndef AL_MEM_H
#define AL_MEM_H

#include <stddef.h>

/* As calloc(n, size).  An array of 64 KiB or more is a mapping of its
 * own (but in the sanitizer's build, which keeps every array on its
 * heap), so that its memory goes back to the kernel when it is freed; a
 * large one (AL_MEM_HUGE bytes or more) is 2 MiB-aligned and rounded up
 * to 2 MiB, with the kernel's transparent-huge-page hint over its whole
 * huge pages (the last, partial one only if the array fills half of it:
 * a hinted page is zeroed whole), so its first touches fault once per
 * 2 MiB instead of once per 4 KiB.  A 4 KiB fault costs ~20 us on this
 * project's VMs (a quarter of a 100k-page crawl's CPU went there, half of
 * a 10k-page one's); only the hint is asked, so where the kernel has no
 * THP or refuses, the memory is the same.  Memory still follows use:
 * nothing is touched before the caller touches it.
 * Free it with al_free_huge() (never free()).  NULL with errno ENOMEM if
 * n * size overflows or memory runs out. */
void *al_calloc_huge(size_t n, size_t size);
/* Frees what al_calloc_huge returned; NULL is ignored. */
void al_free_huge(void *p);
/* p (from al_calloc_huge, or NULL), an array of old elements of size
 * bytes, copied to a fresh al_calloc_huge array of n >= old: its first
 * old elements kept, zero after them (whatever p held past old), then p
 * freed: realloc for buffers that grow past AL_MEM_HUGE, whose touches
 * then fault per 2 MiB, huge pages from the start of the array.  p's
 * memory goes back (a mapping's is unmapped) once copied.  NULL with
 * errno ENOMEM, p left as it was. */
void *al_realloc_huge(void *p, size_t old, size_t n, size_t size);

enum { AL_MEM_HUGE = 1 << 20 };

/* p, an array of *cap elements of size bytes, reallocated with twice the
 * room (64 elements at first), *cap updated.  Aborts when memory runs
 * out: for a simulator's queue, which has nothing sane to continue with
 * when it cannot grow. */
void *al_grow_or_die(void *p, size_t *cap, size_t size);

/* An arena: zeroed blocks carved one after another from chunks that grow
 * from 2 MiB to 64 MiB, each from al_calloc_huge and, its header
 * included, a whole number of huge pages, and freed only all at once.
 * For pools of slabs that never move (the simulator's sockets, flows and
 * queue blocks, all from one arena): consecutive slabs share huge pages,
 * where each slab alone (half a MiB) was too small for one, and so do
 * the pools.  Memory follows use: a chunk is reserved, not touched,
 * until its blocks are. */
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
