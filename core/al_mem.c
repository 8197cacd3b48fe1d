/* Large zeroed arrays with a transparent-huge-page hint.
 *
 * A large array is a mapping of its own, its data 2 MiB-aligned and the
 * hint over its whole huge pages (and the last, partial one if the array
 * fills half of it): calloc's memory, hinted only on its aligned
 * interior, left up to 4 MiB an array (its two ends) to 4 KiB faults, and
 * an array under 4 MiB all of it; glibc, having raised its mmap threshold
 * after a large free, may also serve it from the heap, touched already.
 * A fresh mapping is zero and untouched: the first touch comes after the
 * hint.  A middling array (AL_MEM_OWN up) is a mapping too, unhinted, so
 * that its memory goes back when it is freed or outgrown.  Growth copies
 * into a fresh array, then unmaps the old (why not mremap: at
 * al_realloc_huge).  A head just below the data says how to free it (the
 * mapping, or calloc's block for a small array). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/al_mem.h"

struct huge_head {
	void *base;                  /* what to free or unmap */
	size_t map;                  /* the mapping's length; 0: calloc's */
};

/* The head's room: the data stays aligned for any object. */
#define HEAD (((sizeof(struct huge_head) + _Alignof(max_align_t) - 1) / \
	       _Alignof(max_align_t)) * _Alignof(max_align_t))

/* The sanitizer's build keeps every array on its heap, where it checks
 * the bounds. */
#if defined(__SANITIZE_ADDRESS__)
#define AL_MEM_MAP 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AL_MEM_MAP 0
#endif
#endif
#if !defined(AL_MEM_MAP) && defined(MADV_HUGEPAGE)
#define AL_MEM_MAP 1
#endif
#ifndef AL_MEM_MAP
#define AL_MEM_MAP 0
#endif

/* Arrays from AL_MEM_OWN bytes up are mappings of their own, hinted or
 * not: freed (outgrown ones too), their memory goes back to the
 * kernel.  From calloc, a growing buffer's outgrown sizes stayed in
 * glibc's heap, touched, all of them under AL_MEM_HUGE: 3 MB of a
 * 100k-page crawl (the trace's grab buffer's, the link's ring's, the
 * fast-forward's). */
enum { AL_MEM_OWN = 64 << 10 };

#if AL_MEM_MAP
/* How much of a large array of len bytes the hint covers: its whole huge
 * pages, and the last, partial one only if the array fills half of it or
 * more.  A hinted page is zeroed whole at its first touch: a 2.4 MB array
 * (a 100k-page crawl's latencies) took 4 MB, the last 1.6 MB of it zeroed
 * for nothing, where its 0.3 MB tail on 4 KiB pages costs 70 faults, less
 * than zeroing those 1.6 MB. */
static size_t hinted(size_t len)
{
	const size_t huge = (size_t)2 << 20, tail = len & (huge - 1);

	return (len & ~(huge - 1)) + (tail >= huge / 2 ? huge : 0);
}
#endif

void *al_calloc_huge(size_t n, size_t size)
{
	const size_t huge = (size_t)2 << 20;

	if (size && n > (SIZE_MAX - 2 * huge) / size) {
		errno = ENOMEM;
		return NULL;
	}
	size_t len = n * size;
	struct huge_head *h;
	char *data;

	if (AL_MEM_MAP && len >= AL_MEM_OWN) {
		/* a large array's data 2 MiB-aligned, in whole huge pages;
		 * a smaller one's a page after the mapping's start; the head
		 * below the data either way */
		size_t align = len >= AL_MEM_HUGE ? huge : (size_t)sysconf(_SC_PAGESIZE);
		size_t map = ((len + align - 1) & ~(align - 1)) + align;
		char *base = mmap(NULL, map, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (base == MAP_FAILED) {
			errno = ENOMEM;
			return NULL;
		}
		data = (char *)(((uintptr_t)base + HEAD + align - 1) & ~(uintptr_t)(align - 1));
#if AL_MEM_MAP
		if (len >= AL_MEM_HUGE)    /* a hint: its failure changes nothing */
			(void)madvise(data, hinted(len), MADV_HUGEPAGE);
#endif
		h = (struct huge_head *)(void *)(data - HEAD);
		*h = (struct huge_head){base, map};
		return data;
	}
	char *p = calloc(1, len + HEAD);

	if (!p)
		return NULL;
	data = p + HEAD;
	h = (struct huge_head *)(void *)p;
	*h = (struct huge_head){p, 0};
	return data;
}

static struct huge_head *head_of(void *p)
{
	return (struct huge_head *)(void *)((char *)p - HEAD);
}

void al_free_huge(void *p)
{
	if (!p)
		return;
	struct huge_head *h = head_of(p);

	if (h->map)
		munmap(h->base, h->map);
	else
		free(h->base);
}

/* A copy, not a move: mremap(MREMAP_FIXED) of the old pages over the
 * fresh array's saved the copy's memory (2 MB of a 100k-page crawl's
 * 67), but a grown array is several VMAs (the moved part, the rest, the
 * hint's bounds), and a range of several VMAs is refused by Linux before
 * 6.17, which up to 6.10 unmapped the destination first: the fallback's
 * copy wrote into nothing.  The moved pages also kept the first 2 MiB of
 * an array grown from below 1 MiB off huge pages; copied into a fresh
 * hinted mapping, they are on one. */
void *al_realloc_huge(void *p, size_t old, size_t n, size_t size)
{
	void *q = al_calloc_huge(n, size);

	if (!q)
		return NULL;
	if (p && old)
		memcpy(q, p, old * size);
	al_free_huge(p);
	return q;
}

struct al_arena_chunk {
	struct al_arena_chunk *next;
	max_align_t data[];
};

/* A chunk, its header included, is a whole number of huge pages (2 MiB
 * at first, doubling up to 64 MiB): a chunk of 1 MiB plus its header
 * took a huge page to itself, half of it never used but zeroed all the
 * same, and a larger one's header spilled into one huge page more. */
enum { ARENA_FIRST = 2 << 20, ARENA_MAX = 64 << 20 };

void *al_arena_calloc(struct al_arena *a, size_t n, size_t size)
{
	const size_t align = _Alignof(max_align_t), huge = (size_t)2 << 20;

	if (size && n > (SIZE_MAX - align - 2 * huge) / size) {
		errno = ENOMEM;
		return NULL;
	}
	size_t len = (n * size + align - 1) & ~(align - 1);

	if (!a->chunks || a->cap - a->used < len) {
		const size_t head = sizeof(struct al_arena_chunk);
		size_t whole = a->chunks ? 2 * (a->cap + head) : ARENA_FIRST;
		if (whole > ARENA_MAX)
			whole = ARENA_MAX;
		if (whole < head + len)
			whole = (head + len + huge - 1) & ~(huge - 1);
		size_t cap = whole - head;
		struct al_arena_chunk *c = al_calloc_huge(1, whole);
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
		al_free_huge(c);
	}
	*a = (struct al_arena){0};
}

void *al_grow_or_die(void *p, size_t *cap, size_t size)
{
	size_t n = *cap ? 2 * *cap : 64;
	void *v = n <= SIZE_MAX / size ? realloc(p, n * size) : NULL;

	if (!v)
		abort();
	*cap = n;
	return v;
}
