/* Fibers: stackful coroutines, each a function on a small stack of its
 * own, switched by our own code (core/al_fiber.c: a few instructions of
 * assembly on x86-64, ucontext elsewhere).  What the `green` model's
 * green threads run on.
 *
 * The switch is asymmetric, as a scheduler wants it: al_fiber_resume()
 * runs a fiber from whoever calls it (a scheduler, on its thread's own
 * stack) until the fiber calls al_fiber_yield() or its function returns;
 * the fiber then goes back to that caller.  A fiber is resumed only from
 * outside every fiber, on the thread it was first resumed on.
 *
 * A fiber's stack is an anonymous mapping with a guard page below it: a
 * stack overflow faults (SIGSEGV) rather than writing into someone else's
 * memory, and pages of the stack never touched cost no resident memory.
 * That is two kernel mappings a fiber, and Linux caps a process's at
 * vm.max_map_count (65,530 by default).  A pool (al_fiber_pool) instead
 * carves stacks out of a few large chunks, one mapping per chunk of many
 * stacks, and reuses a stack when its fiber is freed: no guard page, but
 * a gap page below each stack that nothing may touch, a canary checked
 * when the fiber is freed (touched: abort, naming the overflow).  For code whose depth is known (the
 * simulator's green threads), where the host's map limit must not decide
 * how many fibers there can be.
 * Under AddressSanitizer every switch is announced to it
 * (__sanitizer_start_switch_fiber / __sanitizer_finish_switch_fiber), so
 * it checks each stack as the stack it is. */
#ifndef AL_FIBER_H
#define AL_FIBER_H

#include <stddef.h>
#include <stdint.h>

typedef void (*al_fiber_fn)(void *arg);

/* The smallest and largest stacks al_fiber_init takes (bytes, before
 * rounding up to whole pages). */
#define AL_FIBER_STACK_MIN ((size_t)4096)
#define AL_FIBER_STACK_MAX ((size_t)1 << 30)

struct al_fiber_pool;

struct al_fiber {
	void *sp;                    /* the fiber's saved stack pointer */
	void *back;                  /* its resumer's, while the fiber runs */
	void *map;                   /* the mapping: guard page, then stack;
	                                pooled: the stack alone */
	size_t map_size;
	struct al_fiber_pool *pool;  /* where the stack came from; NULL: own */
	size_t stack_size;           /* usable bytes above the guard page */
	al_fiber_fn fn;
	void *arg;
	void *uc;                    /* ucontext backend: its two contexts */
	/* AddressSanitizer's view of the resumer's stack and the fake stack
	 * of the side being left (unused without it) */
	const void *back_bottom;
	size_t back_size;
	void *fake;
	uint8_t started;
	uint8_t done;                /* fn has returned: never resume it again */
};

/* Makes f, to run fn(arg) on a stack of stack_size bytes (rounded up to
 * whole pages) at its first al_fiber_resume.  0, or -1 with errno: EINVAL
 * for a size outside AL_FIBER_STACK_MIN..AL_FIBER_STACK_MAX, ENOMEM (or
 * mmap's errno) when the stack cannot be mapped. */
int al_fiber_init(struct al_fiber *f, size_t stack_size, al_fiber_fn fn, void *arg);
/* Unmaps f's stack (a pooled one goes back to its pool, its gap page
 * checked).  f may be unfinished (a run cut short): what its stack
 * held is dropped without running anything.  Not from f itself.
 * Idempotent; a zeroed struct is fine. */
void al_fiber_free(struct al_fiber *f);

/* Stacks for many fibers: chunks of stack-sized slots (each slot a gap
 * page, then the stack), one MAP_NORESERVE mapping a chunk. */
struct al_fiber_pool {
	size_t stack_size;           /* each stack's bytes (whole pages) */
	size_t slot;                 /* gap page + stack */
	size_t per_chunk;            /* slots a chunk */
	void **chunks;
	size_t nchunks, chunks_cap;
	size_t carved;               /* slots handed out of the last chunk */
	void **free;                 /* stacks given back, to reuse */
	size_t nfree, free_cap;
	int64_t live;                /* stacks out */
};

/* Makes an empty pool of stacks of stack_size bytes (rounded up to whole
 * pages); it maps nothing yet.  0, or -1 with errno EINVAL for a size
 * outside AL_FIBER_STACK_MIN..AL_FIBER_STACK_MAX. */
int al_fiber_pool_init(struct al_fiber_pool *p, size_t stack_size);
/* Unmaps every chunk.  Every fiber of p must have been freed first
 * (abort otherwise: their stacks would go under them).  Idempotent; a
 * zeroed struct is fine. */
void al_fiber_pool_free(struct al_fiber_pool *p);
/* Makes f as al_fiber_init does, on a stack of p's (a freed one if any,
 * else a new slot, mapping a new chunk when the last is used up).  0, or
 * -1 with errno (ENOMEM, or mmap's) when no chunk can be mapped.
 * al_fiber_free gives the stack back to p. */
int al_fiber_init_pooled(struct al_fiber *f, struct al_fiber_pool *p, al_fiber_fn fn,
			 void *arg);

/* Runs f until it yields or ends.  Returns 1 if f yielded (resume it
 * again later), 0 if it has ended.  Resuming an ended fiber is a
 * programmer error (abort). */
int al_fiber_resume(struct al_fiber *f);
/* From inside f: back to whoever resumed it; returns when f is resumed
 * again. */
void al_fiber_yield(struct al_fiber *f);

/* The name of the switch compiled in: "x86-64 asm" or "ucontext". */
const char *al_fiber_backend(void);

#endif
