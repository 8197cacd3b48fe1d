/* AL_CALL_KEPT's stub (core/al_kept.h says why).
 *
 * Entered by the asm's call with fn in %rsi and arg in %rdi, the stack
 * pointer 128 bytes below the caller's (its red zone stepped over), the
 * return address at 0(%rsp).  So the caller's stack pointer, which is the
 * canonical frame address its unwind rows expect back, is %rsp + 136 at
 * entry.  The nine registers fn may clobber and its caller does not know
 * about are saved on a stack aligned for fn; the vector and x87 registers
 * are the asm's clobbers, not saved here. */
#include "core/al_kept.h"

#if defined(__x86_64__) && defined(__GNUC__) && defined(__ELF__)

__asm__(".pushsection .text\n"
	".p2align 4\n"
	".globl al__call_kept\n"
	".hidden al__call_kept\n"
	".type al__call_kept, @function\n"
	"al__call_kept:\n"
	"\t.cfi_startproc\n"
	"\t.cfi_def_cfa_offset 136\n"
	"\t.cfi_offset %rip, -136\n"
	"\tpush %rbp\n"
	"\t.cfi_def_cfa_offset 144\n"
	"\t.cfi_offset %rbp, -144\n"
	"\tmov %rsp, %rbp\n"
	"\t.cfi_def_cfa %rbp, 144\n"
	"\tand $-16, %rsp\n"
	"\tpush %rax\n"
	"\tpush %rcx\n"
	"\tpush %rdx\n"
	"\tpush %rsi\n"
	"\tpush %rdi\n"
	"\tpush %r8\n"
	"\tpush %r9\n"
	"\tpush %r10\n"
	"\tpush %r11\n"
	"\tsub $8, %rsp\n"         /* nine pushes: 16-byte aligned again */
	"\tcall *%rsi\n"
	"\tadd $8, %rsp\n"
	"\tpop %r11\n"
	"\tpop %r10\n"
	"\tpop %r9\n"
	"\tpop %r8\n"
	"\tpop %rdi\n"
	"\tpop %rsi\n"
	"\tpop %rdx\n"
	"\tpop %rcx\n"
	"\tpop %rax\n"
	"\tmov %rbp, %rsp\n"
	"\t.cfi_def_cfa %rsp, 144\n"
	"\tpop %rbp\n"
	"\t.cfi_restore %rbp\n"
	"\t.cfi_def_cfa_offset 136\n"
	"\tret\n"
	"\t.cfi_endproc\n"
	".size al__call_kept, .-al__call_kept\n"
	".popsection\n");

#endif
