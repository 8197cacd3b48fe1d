/* Programmer errors abort, in every build: a broken invariant is not
 * something to run on from (environment errors return -1 instead). */
#ifndef AL_ASSERT_H
#define AL_ASSERT_H

#include <stdio.h>
#include <stdlib.h>

#define AL_ASSERT(x) do { if (__builtin_expect(!(x), 0)) { \
	fprintf(stderr, "%s:%d: %s: assertion '%s' failed\n", \
		__FILE__, __LINE__, __func__, #x); abort(); } } while (0)

#define AL_CONTAINER_OF(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

#endif
