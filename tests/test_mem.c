/* al_calloc_huge: zeroed like calloc, refuses an overflowing size, and
 * puts the huge-page hint on a large array (the kernel's own flag for it,
 * "hg" in /proc/self/smaps, is read back). */
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
	free(p);
	char *q = al_calloc_huge(10, 3);  /* small: plain calloc */
	assert_non_null(q);
	for (int i = 0; i < 30; i++)
		assert_int_equal(q[i], 0);
	free(q);
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
	if (hinted(&state) < 0)
		AL_SKIP_HOST("/proc/self/smaps has no VmFlags here");
	size_t len = (size_t)AL_MEM_HUGE * 2;
	char *p = al_calloc_huge(len, 1);

	assert_non_null(p);
	/* the middle of the array is inside the hinted, 2 MiB-aligned part */
	assert_int_equal(hinted(p + len / 2), 1);
	free(p);
	/* (a small array is not hinted, but may land where a freed large one
	 * was, in the heap, hint and all: glibc raises its mmap threshold
	 * after a large free; so nothing is said about it here) */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zeroed_and_free),
		cmocka_unit_test(test_overflow_refused),
		cmocka_unit_test(test_large_hinted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
