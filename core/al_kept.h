/* A call that keeps every register: for the rare calls on a hot path that
 * is otherwise a leaf.
 *
 * A call anywhere in a function, even on a branch never taken, makes the
 * compiler keep the values that live across it in callee-saved registers,
 * pushed at the function's entry and popped at its every return.  A
 * coroutine that completes a future (al_future_set, inlined) has two such
 * calls on branches it almost never takes, the loop's notify hook and the
 * refusal's errno.
 *
 * AL_CALL_KEPT(fn, arg) calls fn(arg) (fn returns nothing) through a stub,
 * al__call_kept in core/al_kept.c, that saves and restores every general
 * register the ABI lets fn clobber.  The compiler sees an asm statement
 * that clobbers memory, the flags and the vector and x87 registers only
 * (nothing lives in them across al_future_set's hot path), so the values
 * around it stay in whatever registers they were in.  The asm steps over
 * the red zone a leaf may keep below the stack pointer; the stub aligns
 * the stack, and its unwind rows give the caller back its stack pointer
 * as it was before that step, so debuggers and backtrace() see through.
 *
 * What the compiler does not see is that the asm calls fn.  Memory is
 * clobbered, so fn may write anything reached through a pointer; but a
 * file's static variable whose address is never taken (with -flto, any
 * such global), written by fn (or what fn calls) and read by the code
 * around a call of the function the asm is in, may be assumed unchanged
 * (GCC's -fipa-reference, checked in tests/test_kept.c).  So such a variable must be volatile or have its
 * address taken, as one shared with a signal handler.  The notify hooks
 * (sim__notify, sim_ring's on_cq) and errno touch none.
 *
 * x86-64 with GNU C only; elsewhere it is a plain call. */
#ifndef AL_KEPT_H
#define AL_KEPT_H

#if defined(__x86_64__) && defined(__GNUC__) && defined(__ELF__)

#define AL__KEPT_XMM "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"
#ifdef __AVX512F__
#define AL__KEPT_CLOBBERS AL__KEPT_XMM, "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", \
	"xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", \
	"xmm29", "xmm30", "xmm31", "k1", "k2", "k3", "k4", "k5", "k6", "k7"
#else
#define AL__KEPT_CLOBBERS AL__KEPT_XMM
#endif

#define AL_CALL_KEPT(fn, arg) \
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\t" \
			 "call al__call_kept@PLT\n\t" \
			 "lea 128(%%rsp), %%rsp" \
			 : : "S"(fn), "D"(arg) \
			 : "memory", "cc", "st", "st(1)", "st(2)", "st(3)", "st(4)", \
			   "st(5)", "st(6)", "st(7)", AL__KEPT_CLOBBERS)

#else

#define AL_CALL_KEPT(fn, arg) ((fn)(arg))

#endif

#endif
