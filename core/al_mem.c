/* Large zeroed arrays with a transparent-huge-page hint.
 *
 * The hint goes on the 2 MiB-aligned interior of what calloc returned:
 * glibc serves such sizes from a fresh mapping that calloc leaves
 * untouched (the kernel's pages are zero already), so the first touch
 * comes after the hint and takes a huge page.  When the memory came from
 * the heap and calloc zeroed it, it is touched already and the hint only
 * lets the kernel merge it later: no harm, no gain. */
#include <errno.h>
#include <stddef.h>
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

struct al_arena_chunk {
	struct al_arena_chunk *next;
	max_align_t data[];
};

enum { ARENA_FIRST = 1 << 20, ARENA_MAX = 64 << 20 };

void *al_arena_calloc(struct al_arena *a, size_t n, size_t size)
{
	const size_t align = _Alignof(max_align_t);

	if (size && n > (SIZE_MAX - align) / size) {
		errno = ENOMEM;
		return NULL;
	}
	size_t len = (n * size + align - 1) & ~(align - 1);

	if (!a->chunks || a->cap - a->used < len) {
		size_t cap = a->chunks ? 2 * a->cap : ARENA_FIRST;
		if (cap > ARENA_MAX)
			cap = ARENA_MAX;
		if (cap < len)
			cap = len;
		struct al_arena_chunk *c = al_calloc_huge(1, sizeof *c + cap);
		if (!c)
			return NULL;
		c->next = a->chunks;
		a->chunks = c;
		a->cap = cap;
		a->used = 0;
	}
	void *p = (char *)a->chunks->data + a->used;
	a->used += len;
	return p;
}

void al_arena_free(struct al_arena *a)
{
	struct al_arena_chunk *c = a->chunks, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	*a = (struct al_arena){0};
}
