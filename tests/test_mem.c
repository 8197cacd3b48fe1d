/* al_calloc_huge: zeroed like calloc, refuses an overflowing size, and
 * puts the huge-page hint on a large array (the kernel's own flag for it,
 * "hg" in /proc/self/smaps, is read back); al_realloc_huge keeps what it
 * must, on this kernel and on older ones (mremap as Linux 6.1 does it,
 * below). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/al_mem.h"
#include "tests/skip.h"

static void test_zeroed_and_free(void **state)
{
	(void)state;
	size_t n = (size_t)AL_MEM_HUGE / sizeof(uint64_t) * 3;
	uint64_t *p = al_calloc_huge(n, sizeof *p);

	assert_non_null(p);
	for (size_t i = 0; i < n; i += 511)
		assert_int_equal(p[i], 0);
	assert_int_equal(p[n - 1], 0);
	p[n - 1] = 7;                    /* all of it is ours */
	al_free_huge(p);
	char *q = al_calloc_huge(10, 3);  /* small: calloc's */
	assert_non_null(q);
	for (int i = 0; i < 30; i++)
		assert_int_equal(q[i], 0);
	al_free_huge(q);
	al_free_huge(NULL);
}

static void test_overflow_refused(void **state)
{
	(void)state;
	errno = 0;
	assert_null(al_calloc_huge(SIZE_MAX / 2, 4));
	assert_int_equal(errno, ENOMEM);
}

/* 1 if the mapping holding address a is flagged for huge pages, 0 if not,
 * -1 if smaps cannot say. */
static int hinted(const void *a)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, r = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;

		/* a mapping's first line: "lo-hi perms ..."; its fields'
		 * lines start with a name, which never parses as two */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = (uintptr_t)a >= lo && (uintptr_t)a < hi;
		else if (in && !strncmp(line, "VmFlags:", 8)) {
			r = strstr(line, " hg") != NULL;
			break;
		}
	}
	fclose(f);
	return r;
}

static void test_large_hinted(void **state)
{
	(void)state;
#ifndef MADV_HUGEPAGE
	AL_SKIP_HOST("no MADV_HUGEPAGE in this libc: the hint is compiled out");
#endif
#if defined(__SANITIZE_ADDRESS__)
	AL_SKIP_HOST("the sanitizer's build keeps large arrays on its heap, unhinted");
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	AL_SKIP_HOST("the sanitizer's build keeps large arrays on its heap, unhinted");
#endif
#endif
	if (hinted(&state) < 0)
		AL_SKIP_HOST("/proc/self/smaps has no VmFlags here");
	size_t len = (size_t)AL_MEM_HUGE * 2;
	char *p = al_calloc_huge(len, 1);

	assert_non_null(p);
	/* all of the array is hinted, its ends too (they were left to
	 * 4 KiB pages while the hint went on calloc's aligned interior) */
	assert_int_equal(hinted(p), 1);
	assert_int_equal(hinted(p + len / 2), 1);
	assert_int_equal(hinted(p + len - 1), 1);
	assert_int_equal((uintptr_t)p % ((uintptr_t)2 << 20), 0);
	al_free_huge(p);
	/* (a small array is not hinted, but may land where a freed large one
	 * was, in the heap, hint and all: glibc raises its mmap threshold
	 * after a large free; so nothing is said about it here) */
}

/* The hint covers an array's whole huge pages, and its last, partial one
 * only when the array fills half of it or more: a 2.25 MiB array's last
 * quarter MiB is left to 4 KiB pages (hinted, its first touch zeroed
 * 2 MiB for it), a 3.5 MiB one is hinted to its end. */
static void test_tail_hinted_if_half_used(void **state)
{
	(void)state;
#if !defined(MADV_HUGEPAGE) || defined(__SANITIZE_ADDRESS__)
	AL_SKIP_HOST("no hint in this build");
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	AL_SKIP_HOST("no hint in this build");
#endif
#endif
	if (hinted(&state) < 0)
		AL_SKIP_HOST("/proc/self/smaps has no VmFlags here");
	const size_t mib = (size_t)1 << 20;
	char *p = al_calloc_huge(2 * mib + mib / 4, 1), *q = al_calloc_huge(3 * mib + mib / 2, 1);

	assert_non_null(p);
	assert_non_null(q);
	assert_int_equal(hinted(p), 1);
	assert_int_equal(hinted(p + 2 * mib - 1), 1);
	assert_int_equal(hinted(p + 2 * mib), 0);
	assert_int_equal(hinted(p + 2 * mib + mib / 4 - 1), 0);
	assert_int_equal(hinted(q + 3 * mib + mib / 2 - 1), 1);
	p[2 * mib + mib / 4 - 1] = 1;    /* all of it is ours */
	al_free_huge(p);
	al_free_huge(q);
}

/* The sanitizer's build keeps every array on its heap. */
#if defined(__SANITIZE_ADDRESS__)
#define HEAP_ONLY 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_ONLY 1
#endif
#endif
#ifndef HEAP_ONLY
#define HEAP_ONLY 0
#endif

/* How many mappings of /proc/self/maps hold some of [a, a + len); -1 if
 * it cannot be read. */
static int vmas(const void *a, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	uintptr_t lo = (uintptr_t)a, hi = lo + len;
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s < hi && e > lo)
			n++;
	}
	fclose(f);
	return n;
}

#if !HEAP_ONLY
/* mremap as Linux before 6.17 does it, for this test's program only (the
 * sanitizer's build, which never maps, keeps its own): a range over more
 * than one mapping is refused with EFAULT, and up to 6.10 a move onto a
 * fixed address unmapped the destination before it found that out.  A
 * growth that moved a grown array's pages (several mappings) lost its
 * destination here and wrote into nothing. */
void *mremap(void *old, size_t old_len, size_t len, int flags, ...)
{
	void *to = NULL;

	if (flags & MREMAP_FIXED) {
		va_list ap;

		va_start(ap, flags);
		to = va_arg(ap, void *);
		va_end(ap);
	}
	if (vmas(old, old_len) > 1) {
		if (flags & MREMAP_FIXED)
			munmap(to, len);
		errno = EFAULT;
		return MAP_FAILED;
	}
	return (void *)syscall(SYS_mremap, old, old_len, len, flags, to);
}
#endif

/* 1 if the page holding a is mapped (msync says ENOMEM for one that is
 * not). */
static int mapped(const void *a)
{
	uintptr_t page = (uintptr_t)a & ~(uintptr_t)4095;

	return msync((void *)page, 4096, MS_ASYNC) == 0 || errno != ENOMEM;
}

/* w, grown by al_realloc_huge from v (cap elements, i + 1 at i, the
 * caller's bytes past them not kept) to 2 * cap: the elements before cap
 * kept, zero after them; one mapping for a middling array, two at most
 * for a large one (its hinted huge pages, and an unhinted tail), as a
 * fresh array; v's memory gone if it was a mapping.  Then w's new
 * elements set as v's were. */
static void check_grown(const uint64_t *v, uint64_t *w, size_t cap)
{
	const size_t bytes = 2 * cap * sizeof *w;

	assert_non_null(w);
	if (!HEAP_ONLY && cap * sizeof *w >= (64 << 10))
		assert_false(mapped(v));
	for (size_t i = 0; i < cap; i += cap / 64 + 1)
		assert_int_equal(w[i], i + 1);
	assert_int_equal(w[cap - 1], cap);
	for (size_t i = cap; i < 2 * cap; i += cap / 64 + 1)
		assert_int_equal(w[i], 0);
	assert_int_equal(w[2 * cap - 1], 0);
	if (!HEAP_ONLY && bytes >= (64 << 10) && vmas(&cap, 1) > 0)
		assert_in_range(vmas(w, bytes), 1, bytes >= AL_MEM_HUGE ? 2 : 1);
	for (size_t i = cap; i < 2 * cap; i++)
		w[i] = i + 1;
}

/* al_realloc_huge from 16 bytes to 24 MiB, doubling: every size keeps
 * the elements before it and is zero after them, across calloc's sizes,
 * the unhinted mappings (64 KiB up) and the hinted ones (1 MiB up), under
 * the old kernels' mremap (above); a mapped array's memory is gone once
 * it has grown, as is a mapped array's once freed. */
static void test_realloc_keeps_and_returns(void **state)
{
	(void)state;
	size_t cap = 2;
	uint64_t *v = al_realloc_huge(NULL, 0, cap, sizeof *v);

	assert_non_null(v);
	v[0] = 1;
	v[1] = 2;
	while (cap < ((size_t)24 << 20) / sizeof *v) {
		uint64_t *w = al_realloc_huge(v, cap, 2 * cap, sizeof *v);
		check_grown(v, w, cap);
		v = w;
		cap *= 2;
	}
	al_free_huge(v);
	char *m = al_calloc_huge(1, 256 << 10);
	assert_non_null(m);
	m[(256 << 10) - 1] = 1;
	al_free_huge(m);
	if (!HEAP_ONLY)
		assert_false(mapped(m));
}

/* A 2.25 MiB array, its last quarter MiB unhinted, grown twice (to 4.5
 * MiB, then 9): kept, and zero past the old elements even where the
 * caller had written past them. */
static void test_realloc_from_unhinted_tail(void **state)
{
	(void)state;
	size_t cap = (((size_t)2 << 20) + ((size_t)1 << 18)) / sizeof(uint64_t);
	uint64_t *v = al_calloc_huge(cap, sizeof *v);

	assert_non_null(v);
	for (size_t i = 0; i < cap; i++)
		v[i] = i + 1;
	for (int k = 0; k < 2; k++) {
		uint64_t *w = al_realloc_huge(v, cap, 2 * cap, sizeof *v);
		check_grown(v, w, cap);
		v = w;
		cap *= 2;
	}
	/* old is the contract's, not the capacity: what is past it is not
	 * carried */
	v[cap / 2] = 7;
	uint64_t *w = al_realloc_huge(v, cap / 2, 2 * cap, sizeof *v);
	assert_non_null(w);
	assert_int_equal(w[cap / 2 - 1], cap / 2);
	assert_int_equal(w[cap / 2], 0);
	assert_int_equal(w[cap - 1], 0);
	al_free_huge(w);
}

/* The arena: blocks zeroed, aligned, apart, across its chunks' growth
 * (past 2 MiB, then 4, ...), one larger than any chunk, and usable again
 * after it is freed. */
static void test_arena(void **state)
{
	struct al_arena a = {0};
	enum { N = 200, BLOCK = 40000 };      /* 8 MB: several chunks */
	unsigned char *b[N];

	(void)state;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < N; i++) {
			b[i] = al_arena_calloc(&a, 1, BLOCK - i);
			assert_non_null(b[i]);
			assert_int_equal((uintptr_t)b[i] % _Alignof(max_align_t), 0);
			for (int j = 0; j < BLOCK - i; j++)
				assert_int_equal(b[i][j], 0);
			memset(b[i], i + 1, (size_t)(BLOCK - i));
		}
		for (int i = 0; i < N; i++)      /* nobody wrote over another */
			assert_int_equal(b[i][0] + b[i][BLOCK - i - 1], 2 * (i + 1));
		unsigned char *big = al_arena_calloc(&a, 100, 1 << 20);   /* > 64 MiB */
		assert_non_null(big);
		assert_int_equal(big[100 * (1 << 20) - 1], 0);
		errno = 0;
		assert_null(al_arena_calloc(&a, SIZE_MAX / 2, 4));
		assert_int_equal(errno, ENOMEM);
		al_arena_free(&a);
		assert_null(a.chunks);
	}
}

/* A chunk is a whole huge page, its header in it: the first holds two
 * blocks of 1 MiB less a little, one after the other (a first chunk of
 * 1 MiB took a huge page and used half of it). */
static void test_arena_whole_pages(void **state)
{
	struct al_arena a = {0};
	const size_t mib = (size_t)1 << 20;

	(void)state;
	unsigned char *p = al_arena_calloc(&a, 1, mib), *q = al_arena_calloc(&a, 1, mib - 64);
	assert_non_null(p);
	assert_ptr_equal(q, p + mib);
	assert_true(a.cap < 2 * mib && a.cap > 2 * mib - 256);
	unsigned char *r = al_arena_calloc(&a, 1, 4 * mib);     /* a chunk of its own: 6 MiB */
	assert_non_null(r);
	assert_true(a.cap >= 4 * mib && a.cap < 6 * mib);
	al_arena_free(&a);
}

/* al_grow_or_die: 64 elements at first, then twice the room, the
 * elements kept. */
static void test_grow_doubles(void **state)
{
	(void)state;
	size_t cap = 0;
	int *v = al_grow_or_die(NULL, &cap, sizeof *v);

	assert_int_equal(cap, 64);
	for (int i = 0; i < 64; i++)
		v[i] = i;
	v = al_grow_or_die(v, &cap, sizeof *v);
	assert_int_equal(cap, 128);
	for (int i = 0; i < 64; i++)
		assert_int_equal(v[i], i);
	v[127] = 1;                      /* all of it is ours */
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_doubles),
		cmocka_unit_test(test_zeroed_and_free),
		cmocka_unit_test(test_overflow_refused),
		cmocka_unit_test(test_large_hinted),
		cmocka_unit_test(test_tail_hinted_if_half_used),
		cmocka_unit_test(test_realloc_keeps_and_returns),
		cmocka_unit_test(test_realloc_from_unhinted_tail),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_arena_whole_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
