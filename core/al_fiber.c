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
 * aligned as a call expects. */
#include <errno.h>
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

int al_fiber_init(struct al_fiber *f, size_t stack_size, al_fiber_fn fn, void *arg)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	*f = (struct al_fiber){.fn = fn, .arg = arg};
	if (!fn || stack_size < AL_FIBER_STACK_MIN || stack_size > AL_FIBER_STACK_MAX) {
		errno = EINVAL;
		return -1;
	}
	f->stack_size = (stack_size + page - 1) / page * page;
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

void al_fiber_free(struct al_fiber *f)
{
	if (!f->map)
		return;
	backend_free(f);
#if AL_FIBER_ASAN
	/* a fiber dropped mid-run leaves its frames' redzones poisoned in
	 * the shadow: clean, or the next mapping here would inherit them */
	__asan_unpoison_memory_region((char *)f->map + (f->map_size - f->stack_size),
				      f->stack_size);
#endif
	munmap(f->map, f->map_size);
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
