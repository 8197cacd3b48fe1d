/* Fibers (core/al_fiber.h): the stack mapping, and the switch.
 *
 * On x86-64 the switch is ours: al__fiber_swap pushes the six registers
 * the System V ABI says a callee keeps (rbx, rbp, r12-r15) on the stack it
 * leaves, stores the stack pointer, loads the other one and pops them
 * back.  Everything else a call may clobber anyway, and the C caller of
 * the swap knows it.  The floating-point control words (MXCSR, x87) are
 * not switched: every fiber of a thread runs with the thread's, and
 * nothing here changes them.  Elsewhere (or with -DAL_FIBER_UCONTEXT) the
 * switch is swapcontext(3), which also saves the signal mask: a system
 * call per switch, correct but slower.
 *
 * A new fiber's stack is laid out as if al__fiber_swap had been called on
 * it: six saved registers (r12 holds the fiber) under a return address
 * into al__fiber_boot, which calls al__fiber_entry(fiber) with the stack
 * aligned as a call expects.
 *
 * A pool's stacks have no guard page: one per stack would split its chunk
 * into two mappings a stack, the very count the pool exists to avoid.
 * What stands in: a gap page below each stack that nothing may touch, as
 * a canary.  An overflow lands there first, in nobody's memory: every call
 * and push with the stack pointer in that page writes it; only a frame
 * bigger than a page whose part in the gap is never written could step
 * over it (-fstack-clash-protection would probe it; our build does not
 * ask for it).  mincore(2) says whether the page has become resident,
 * checked when the stack is given back.
 * A canary word in the stack would do as well but cost a resident page
 * per stack: 4 KiB a green thread, half again what one otherwise costs.
 * The check catches an overflow late (when the fiber ends), not at the
 * faulting write, which is why pools are for code of bounded depth; a
 * fiber whose stack must stop any overflow at once takes al_fiber_init's
 * guard page. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/al_assert.h"
#include "core/al_fiber.h"

#if defined(__SANITIZE_ADDRESS__)
#define AL_FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AL_FIBER_ASAN 1
#endif
#endif
#ifndef AL_FIBER_ASAN
#define AL_FIBER_ASAN 0
#endif

#if AL_FIBER_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#if defined(__x86_64__) && !defined(AL_FIBER_UCONTEXT)
#define AL_FIBER_ASM 1
#else
#define AL_FIBER_ASM 0
#include <ucontext.h>
#endif

void al__fiber_entry(struct al_fiber *f);

/* a chunk: about this many bytes of address space (never committed) */
#define CHUNK_BYTES ((size_t)64 << 20)

/* --- telling AddressSanitizer which stack runs (nothing without it) */

/* Leaving the resumer's stack for f's. */
static inline void asan_to_fiber(struct al_fiber *f, void **fake)
{
#if AL_FIBER_ASAN
	__sanitizer_start_switch_fiber(fake, (char *)f->map + (f->map_size - f->stack_size),
				       f->stack_size);
#else
	(void)f;
	(void)fake;
#endif
}

/* Leaving f's stack for its resumer's; dying: f will never run again. */
static inline void asan_to_back(struct al_fiber *f, int dying)
{
#if AL_FIBER_ASAN
	__sanitizer_start_switch_fiber(dying ? NULL : &f->fake, f->back_bottom, f->back_size);
#else
	(void)f;
	(void)dying;
#endif
}

/* Arrived on a stack: fake is what start_switch saved when this side
 * left; the stack we came from is noted in *bottom, *size. */
static inline void asan_arrived(void *fake, const void **bottom, size_t *size)
{
#if AL_FIBER_ASAN
	__sanitizer_finish_switch_fiber(fake, bottom, size);
#else
	(void)fake;
	(void)bottom;
	(void)size;
#endif
}

/* --- the switch itself */

#if AL_FIBER_ASM
void al__fiber_swap(void **save, void *to);
void al__fiber_boot(void);

__asm__(
	".text\n"
	".globl al__fiber_swap\n"
	".hidden al__fiber_swap\n"
	".type al__fiber_swap, @function\n"
	"al__fiber_swap:\n"           /* rdi: where to save our sp; rsi: the sp to load */
	"	pushq %rbp\n"
	"	pushq %rbx\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	movq %rsp, (%rdi)\n"
	"	movq %rsi, %rsp\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbx\n"
	"	popq %rbp\n"
	"	ret\n"
	".size al__fiber_swap, .-al__fiber_swap\n"
	".globl al__fiber_boot\n"
	".hidden al__fiber_boot\n"
	".type al__fiber_boot, @function\n"
	"al__fiber_boot:\n"           /* first run: r12 is the fiber */
	"	movq %r12, %rdi\n"
	"	call al__fiber_entry@PLT\n"
	"	ud2\n"                /* entry never returns */
	".size al__fiber_boot, .-al__fiber_boot\n");

static void prepare(struct al_fiber *f)
{
	/* slots popped by the swap: r15 r14 r13 r12 rbx rbp, then ret; after
	 * ret the stack pointer is 16-aligned, as at a call instruction */
	uintptr_t top = (uintptr_t)f->map + f->map_size;
	void **sp = (void **)(top - 72);

	for (int i = 0; i < 6; i++)
		sp[i] = NULL;
	sp[3] = f;                       /* r12 */
	sp[6] = (void *)(uintptr_t)al__fiber_boot;
	f->sp = sp;
}

static inline void swap_in(struct al_fiber *f)
{
	al__fiber_swap(&f->back, f->sp);
}

static inline void swap_out(struct al_fiber *f)
{
	al__fiber_swap(&f->sp, f->back);
}

static int backend_init(struct al_fiber *f)
{
	prepare(f);
	return 0;
}

static void backend_free(struct al_fiber *f)
{
	(void)f;
}

const char *al_fiber_backend(void)
{
	return "x86-64 asm";
}
#else
/* uc[0] is the fiber's context, uc[1] its resumer's. */
static void boot_uc(unsigned hi, unsigned lo)
{
	al__fiber_entry((struct al_fiber *)(((uintptr_t)hi << 32) | (uintptr_t)lo));
}

static int backend_init(struct al_fiber *f)
{
	ucontext_t *uc = calloc(2, sizeof *uc);
	uintptr_t p = (uintptr_t)f;

	if (!uc || getcontext(&uc[0]) != 0) {
		free(uc);
		errno = ENOMEM;
		return -1;
	}
	uc[0].uc_stack.ss_sp = (char *)f->map + (f->map_size - f->stack_size);
	uc[0].uc_stack.ss_size = f->stack_size;
	uc[0].uc_link = NULL;
	makecontext(&uc[0], (void (*)(void))boot_uc, 2, (unsigned)(p >> 32),
		    (unsigned)(p & 0xffffffffu));
	f->uc = uc;
	return 0;
}

static void backend_free(struct al_fiber *f)
{
	free(f->uc);
	f->uc = NULL;
}

static inline void swap_in(struct al_fiber *f)
{
	ucontext_t *uc = f->uc;

	AL_ASSERT(swapcontext(&uc[1], &uc[0]) == 0);
}

static inline void swap_out(struct al_fiber *f)
{
	ucontext_t *uc = f->uc;

	AL_ASSERT(swapcontext(&uc[0], &uc[1]) == 0);
}

const char *al_fiber_backend(void)
{
	return "ucontext";
}
#endif

/* --- the life of a fiber */

void al__fiber_entry(struct al_fiber *f)
{
	asan_arrived(NULL, &f->back_bottom, &f->back_size);
	f->fn(f->arg);
	f->done = 1;
	asan_to_back(f, 1);
	swap_out(f);
	abort();                         /* an ended fiber is never resumed */
}

/* stack_size rounded up to whole pages, or 0 (errno EINVAL) out of range */
static size_t stack_bytes(size_t stack_size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (stack_size < AL_FIBER_STACK_MIN || stack_size > AL_FIBER_STACK_MAX) {
		errno = EINVAL;
		return 0;
	}
	return (stack_size + page - 1) / page * page;
}

int al_fiber_init(struct al_fiber *f, size_t stack_size, al_fiber_fn fn, void *arg)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	*f = (struct al_fiber){.fn = fn, .arg = arg};
	if (!fn) {
		errno = EINVAL;
		return -1;
	}
	f->stack_size = stack_bytes(stack_size);
	if (!f->stack_size)
		return -1;
	f->map_size = f->stack_size + page;
	/* no swap reserved: a stack is mostly never touched */
	f->map = mmap(NULL, f->map_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (f->map == MAP_FAILED) {
		f->map = NULL;
		return -1;
	}
	if (mprotect(f->map, page, PROT_NONE) != 0 || backend_init(f) != 0) {
		int e = errno;
		munmap(f->map, f->map_size);
		f->map = NULL;
		errno = e;
		return -1;
	}
	return 0;
}

/* --- pools of stacks */

int al_fiber_pool_init(struct al_fiber_pool *p, size_t stack_size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	*p = (struct al_fiber_pool){0};
	p->stack_size = stack_bytes(stack_size);
	if (!p->stack_size)
		return -1;
	p->slot = p->stack_size + page;
	p->per_chunk = CHUNK_BYTES / p->slot;
	if (p->per_chunk == 0)
		p->per_chunk = 1;            /* a stack bigger than a chunk: one each */
	return 0;
}

void al_fiber_pool_free(struct al_fiber_pool *p)
{
	AL_ASSERT(p->live == 0);
	for (size_t i = 0; i < p->nchunks; i++)
		munmap(p->chunks[i], p->slot * p->per_chunk);
	free(p->chunks);
	free(p->free);
	*p = (struct al_fiber_pool){.stack_size = p->stack_size, .slot = p->slot,
				    .per_chunk = p->per_chunk};
}

/* A stack of p's: its lowest address, or NULL with errno. */
static void *pool_take(struct al_fiber_pool *p)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (p->nfree > 0)
		return p->free[--p->nfree];
	if (p->nchunks == 0 || p->carved == p->per_chunk) {
		if (p->nchunks == p->chunks_cap) {
			size_t cap = p->chunks_cap ? p->chunks_cap * 2 : 16;
			void **c = realloc(p->chunks, cap * sizeof *c);
			if (!c) {
				errno = ENOMEM;
				return NULL;
			}
			p->chunks = c;
			p->chunks_cap = cap;
		}
		/* no swap reserved, nothing committed: only touched pages cost */
		void *m = mmap(NULL, p->slot * p->per_chunk, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
		if (m == MAP_FAILED)
			return NULL;
		p->chunks[p->nchunks++] = m;
		p->carved = 0;
	}
	/* the slot's first page is the gap, never touched */
	return (char *)p->chunks[p->nchunks - 1] + p->slot * p->carved++ + page;
}

/* Gives a stack back to p, for the next fiber.  0, or -1 (ENOMEM): the
 * list of free stacks cannot grow, and the stack is lost until the pool
 * goes (it stays mapped, so nothing dangles). */
static int pool_give(struct al_fiber_pool *p, void *stack)
{
	if (p->nfree == p->free_cap) {
		size_t cap = p->free_cap ? p->free_cap * 2 : 64;
		void **f = realloc(p->free, cap * sizeof *f);
		if (!f)
			return -1;
		p->free = f;
		p->free_cap = cap;
	}
	p->free[p->nfree++] = stack;
	return 0;
}

/* Aborts if f's gap page (the page below its stack) was touched: f
 * overflowed its stack, and nothing is safe to run after, its
 * neighbour's frames may be gone too. */
static void check_canary(const struct al_fiber *f)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char resident = 0;

	if (mincore((char *)f->map - page, page, &resident) != 0 || !(resident & 1))
		return;                      /* untouched, or cannot tell */
	fprintf(stderr, "al_fiber: a fiber overflowed its %zu-byte stack (the untouched "
		"page below it was written): give it a bigger stack\n", f->stack_size);
	abort();
}

int al_fiber_init_pooled(struct al_fiber *f, struct al_fiber_pool *p, al_fiber_fn fn,
			 void *arg)
{
	*f = (struct al_fiber){.fn = fn, .arg = arg};
	if (!fn || !p->stack_size) {
		errno = EINVAL;
		return -1;
	}
	f->map = pool_take(p);
	if (!f->map)
		return -1;
	f->map_size = f->stack_size = p->stack_size;
	f->pool = p;
	p->live++;
	if (backend_init(f) != 0) {
		int e = errno;
		p->live--;
		pool_give(p, f->map);
		f->map = NULL;
		errno = e;
		return -1;
	}
	return 0;
}

void al_fiber_free(struct al_fiber *f)
{
	if (!f->map)
		return;
	backend_free(f);
#if AL_FIBER_ASAN
	/* a fiber dropped mid-run leaves its frames' redzones poisoned in
	 * the shadow: clean, or the next mapping (or fiber) here would
	 * inherit them */
	__asan_unpoison_memory_region((char *)f->map + (f->map_size - f->stack_size),
				      f->stack_size);
#endif
	if (f->pool) {
		check_canary(f);
		f->pool->live--;
		pool_give(f->pool, f->map);
		f->pool = NULL;
	} else {
		munmap(f->map, f->map_size);
	}
	f->map = NULL;
}

int al_fiber_resume(struct al_fiber *f)
{
	void *fake = NULL;

	AL_ASSERT(f->map && !f->done);
	f->started = 1;
	asan_to_fiber(f, &fake);
	swap_in(f);
	asan_arrived(fake, NULL, NULL);
	return !f->done;
}

void al_fiber_yield(struct al_fiber *f)
{
	asan_to_back(f, 0);
	swap_out(f);
	asan_arrived(f->fake, &f->back_bottom, &f->back_size);
}
