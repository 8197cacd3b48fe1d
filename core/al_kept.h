/* A call that keeps every register: for the rare calls on a hot path that
 * is otherwise a leaf.
 *
 * A call anywhere in a function, even on a branch never taken, makes the
 * compiler keep the values that live across it in callee-saved registers,
 * pushed at the function's entry and popped at its every return.  A
 * coroutine that completes a future (al_future_set_leaf, inlined) has two such
 * calls on branches it almost never takes, the loop's notify hook and the
 * refusal's errno.
 *
 * AL_CALL_KEPT(fn, arg) calls fn(arg) (fn returns nothing) through a stub,
 * al__call_kept in core/al_kept.c, that saves and restores every general
 * register the ABI lets fn clobber.  The compiler sees an asm statement
 * that clobbers memory, the flags and the vector and x87 registers only
 * (nothing lives in them across al_future_set_leaf's hot path), so the values
 * around it stay in whatever registers they were in.  The asm steps over
 * the red zone a leaf may keep below the stack pointer; the stub aligns
 * the stack, and its unwind rows give the caller back its stack pointer
 * as it was before that step, so debuggers and backtrace() see through.
 *
 * What the compiler does not see is that the asm calls fn.  Memory is
 * clobbered, so fn may read or write anything reached through a pointer;
 * but a file's static variable whose address is never taken (with -flto,
 * any such global) is another matter when fn, or anything fn can run (a
 * ring's completion loop, the callbacks it calls), reads or writes it.
 * GCC's -fipa-reference may then assume a call of the function the asm
 * is in neither reads nor writes it: a write fn makes is not seen by the
 * code around that call, and a write that code makes before the call may
 * be deleted, or sunk past it, as dead (GCC 12 -O2: the caller sets s = 7,
 * calls, sets s = 8; fn reading s sees 0: seen by hand, no test checks
 * it).  So such a variable must be volatile or have its address taken,
 * as one shared with a signal handler.  The notify hooks (sim__notify,
 * sim_ring's on_cq) and errno, and what they run, touch none.  The build
 * does not add -fno-ipa-reference: clang has no such flag, and it would
 * weaken every file for a hazard no hook has.
 *
 * The stub is defined, and called, in asm only, so -flto's symbol table
 * sees neither: an LTO build (the default build has none) is to keep
 * core/al_kept.c out of LTO (-fno-lto) and check that it links.
 *
 * With APX (__APX_F__) the ABI gives 16 more caller-saved registers,
 * r16-r31, which the stub does not save: it refuses to build there.
 *
 * x86-64 with GNU C only; elsewhere it is a plain call. */
#ifndef AL_KEPT_H
#define AL_KEPT_H

#if defined(__x86_64__) && defined(__GNUC__) && defined(__ELF__)

#ifdef __APX_F__
#error "AL_CALL_KEPT: the stub does not save APX's r16-r31"
#endif

#define AL__KEPT_XMM "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"
#ifdef __AVX512F__
#define AL__KEPT_CLOBBERS AL__KEPT_XMM, "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", \
	"xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", \
	"xmm29", "xmm30", "xmm31", "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"
#else
#define AL__KEPT_CLOBBERS AL__KEPT_XMM
#endif

/* The sizeof checks fn(arg)'s types, as the plain call would, and runs
 * nothing. */
#define AL_CALL_KEPT(fn, arg) do { \
	(void)sizeof((fn)(arg), 0); \
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\t" \
			 "call al__call_kept@PLT\n\t" \
			 "lea 128(%%rsp), %%rsp" \
			 : : "S"(fn), "D"(arg) \
			 : "memory", "cc", "st", "st(1)", "st(2)", "st(3)", "st(4)", \
			   "st(5)", "st(6)", "st(7)", AL__KEPT_CLOBBERS); \
} while (0)

#else

#define AL_CALL_KEPT(fn, arg) do { (fn)(arg); } while (0)

#endif

#endif
