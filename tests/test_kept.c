/* AL_CALL_KEPT (core/al_kept.h): fn(arg) runs, on a stack aligned for it,
 * and the caller finds every register, the vector and x87 ones included,
 * as it left them; an unwinder walks through the stub to the caller's
 * callers.  On a target without the stub it is a plain call, and these
 * tests check only that it runs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <execinfo.h>

#include "core/al_kept.h"

#if defined(__x86_64__) && defined(__GNUC__) && defined(__ELF__)
#define STUB 1
#else
#define STUB 0
#endif

/* What fn writes and the test reads is volatile, as for a signal
 * handler: the compiler does not know the asm calls fn (core/al_kept.h). */
static volatile int calls;
static volatile uintptr_t aligned_at;   /* a 16-aligned local's address in fn */

static void count(volatile int *n)
{
	_Alignas(16) char local[16];
	char *volatile p = local;  /* its address, computed from the stack */

	aligned_at = (uintptr_t)p;
	(*n)++;
}

/* No call of its own: the compiler sees a leaf, and the stack pointer at
 * the asm is as the call left it (8 past a 16-byte boundary). */
__attribute__((noinline)) static void from_leaf(volatile int *n)
{
	AL_CALL_KEPT(count, n);
}

/* A call of its own: the stack pointer at the asm is 16-byte aligned. */
__attribute__((noinline)) static void from_caller(volatile int *n)
{
	from_leaf(n);
	AL_CALL_KEPT(count, n);
}

static void test_runs_aligned(void **state)
{
	(void)state;
	calls = 0;
	from_leaf(&calls);
	assert_int_equal(calls, 1);
	assert_int_equal(aligned_at % 16, 0);
	from_caller(&calls);
	assert_int_equal(calls, 3);
	assert_int_equal(aligned_at % 16, 0);
}

#if STUB
/* Writes every register a called function may: what a hook could do. */
static void clobber(void *arg)
{
	(void)arg;
	__asm__ volatile("mov $-1, %%rax\n\tmov $-1, %%rcx\n\tmov $-1, %%rdx\n\t"
			 "mov $-1, %%rsi\n\tmov $-1, %%rdi\n\tmov $-1, %%r8\n\t"
			 "mov $-1, %%r9\n\tmov $-1, %%r10\n\tmov $-1, %%r11\n\t"
			 "pcmpeqd %%xmm0, %%xmm0\n\tpcmpeqd %%xmm1, %%xmm1\n\t"
			 "pcmpeqd %%xmm7, %%xmm7\n\tpcmpeqd %%xmm15, %%xmm15"
			 ::: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
			 "r11", "xmm0", "xmm1", "xmm7", "xmm15", "cc");
}

/* The nine registers the stub keeps hold known values across it: they
 * are put there, and read back from there, by asm. */
static void test_keeps_registers(void **state)
{
	(void)state;
	uint64_t got[9];
	register uint64_t a __asm__("rax") = 0x1a;
	register uint64_t c __asm__("rcx") = 0x1c;
	register uint64_t d __asm__("rdx") = 0x1d;
	register uint64_t r8 __asm__("r8") = 0x18;
	register uint64_t r9 __asm__("r9") = 0x19;
	register uint64_t r10 __asm__("r10") = 0x110;
	register uint64_t r11 __asm__("r11") = 0x111;
	register void (*s)(void *) __asm__("rsi") = clobber;
	register void *di __asm__("rdi") = got;

	__asm__ volatile("" : "+r"(a), "+r"(c), "+r"(d), "+r"(r8), "+r"(r9),
			 "+r"(r10), "+r"(r11), "+r"(s), "+r"(di));
	AL_CALL_KEPT(s, di);
	__asm__ volatile("mov %1, 0(%0)\n\tmov %2, 8(%0)\n\tmov %3, 16(%0)\n\t"
			 "mov %4, 24(%0)\n\tmov %5, 32(%0)\n\tmov %6, 40(%0)\n\t"
			 "mov %7, 48(%0)\n\tmov %8, 56(%0)\n\tmov %9, 64(%0)"
			 : : "r"(got), "r"(a), "r"(c), "r"(d), "r"(r8), "r"(r9),
			 "r"(r10), "r"(r11), "r"(s), "r"(di) : "memory");
	assert_true(got[0] == 0x1a && got[1] == 0x1c && got[2] == 0x1d);
	assert_true(got[3] == 0x18 && got[4] == 0x19 && got[5] == 0x110 && got[6] == 0x111);
	assert_true(got[7] == (uint64_t)(uintptr_t)clobber && got[8] == (uint64_t)(uintptr_t)got);
}

static volatile double seed_d = 1.5;
static volatile long double seed_ld = 2.5L;

static void use_x87(void *arg)
{
	long double x = seed_ld;

	(void)arg;
	for (int i = 0; i < 8; i++)
		x = x * 3 + seed_ld;
	seed_ld = x - x + 2.5L;
	clobber(NULL);
	/* Every x87 register marked empty, as a callee may leave them: a
	 * value the caller kept in one reads back as a NaN. */
	__asm__ volatile("emms" ::: "memory");
}

/* Vector and x87 values live across it: the asm's clobbers make the
 * compiler keep them elsewhere. */
static void test_keeps_floats(void **state)
{
	(void)state;
	double d = seed_d * 3;
	long double ld = seed_ld * 3;

	AL_CALL_KEPT(use_x87, NULL);
	/* Both compared before the assert's call, which would otherwise
	 * have the compiler spill ld to memory before the asm anyway. */
	int ok = ld == 7.5L && d == 4.5;
	assert_true(ok);
}

/* Something for fn to do on the stack: it and the stub write below the
 * stack pointer they are called with. */
static void scribble(void *arg)
{
	volatile uint64_t words[32];

	(void)arg;
	for (int i = 0; i < 32; i++)
		words[i] = 0;
	calls += (int)words[31];
}

/* A leaf's red zone, the 128 bytes below its stack pointer, holds 16
 * words written there by asm before the call and summed from there by asm
 * after it: the asm must step over them, or the stub's pushes and fn's
 * frame land on them. */
__attribute__((noinline)) static uint64_t red_zone_sum(void)
{
	uint64_t sum;

	__asm__ volatile("movq $1, -8(%%rsp)\n\tmovq $2, -16(%%rsp)\n\t"
			 "movq $3, -24(%%rsp)\n\tmovq $4, -32(%%rsp)\n\t"
			 "movq $5, -40(%%rsp)\n\tmovq $6, -48(%%rsp)\n\t"
			 "movq $7, -56(%%rsp)\n\tmovq $8, -64(%%rsp)\n\t"
			 "movq $9, -72(%%rsp)\n\tmovq $10, -80(%%rsp)\n\t"
			 "movq $11, -88(%%rsp)\n\tmovq $12, -96(%%rsp)\n\t"
			 "movq $13, -104(%%rsp)\n\tmovq $14, -112(%%rsp)\n\t"
			 "movq $15, -120(%%rsp)\n\tmovq $16, -128(%%rsp)"
			 ::: "memory");
	AL_CALL_KEPT(scribble, NULL);
	__asm__ volatile("xor %0, %0\n\t"
			 "add -8(%%rsp), %0\n\tadd -16(%%rsp), %0\n\t"
			 "add -24(%%rsp), %0\n\tadd -32(%%rsp), %0\n\t"
			 "add -40(%%rsp), %0\n\tadd -48(%%rsp), %0\n\t"
			 "add -56(%%rsp), %0\n\tadd -64(%%rsp), %0\n\t"
			 "add -72(%%rsp), %0\n\tadd -80(%%rsp), %0\n\t"
			 "add -88(%%rsp), %0\n\tadd -96(%%rsp), %0\n\t"
			 "add -104(%%rsp), %0\n\tadd -112(%%rsp), %0\n\t"
			 "add -120(%%rsp), %0\n\tadd -128(%%rsp), %0"
			 : "=&r"(sum) : : "cc", "memory");
	return sum;
}

static void test_keeps_red_zone(void **state)
{
	(void)state;
	assert_int_equal(red_zone_sum(), 136);
}
#endif

/* backtrace() from inside fn finds the return address in the caller of
 * the function the asm is in: the stub's unwind rows give that function
 * its stack pointer as it was before the red zone was stepped over. */
static void *volatile want;
static volatile int found;

static void look(void *arg)
{
	void *frames[32];
	int n = backtrace(frames, 32);

	(void)arg;
	for (int i = 0; i < n; i++)
		if (frames[i] == want)
			found = 1;
}

__attribute__((noinline)) static void inner(void)
{
	want = __builtin_return_address(0);
	AL_CALL_KEPT(look, NULL);
}

__attribute__((noinline)) static void outer(void)
{
	inner();
	__asm__ volatile("");      /* the return address stays in outer */
}

static void test_unwinds_through(void **state)
{
	(void)state;
	found = 0;
	outer();
	assert_true(found);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs_aligned),
#if STUB
		cmocka_unit_test(test_keeps_registers),
		cmocka_unit_test(test_keeps_floats),
		cmocka_unit_test(test_keeps_red_zone),
#endif
		cmocka_unit_test(test_unwinds_through),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
