/* How a unit test that cannot run here says so (docs/README.md, "Tests").
 *
 * AL_SKIP_HOST: what this machine cannot give the test -- root, network
 * namespaces, a memory cgroup.  A skip wherever it happens, counted by
 * .ci/run.
 * AL_SKIP: what a machine set up by `make` should have -- python3, our
 * own origin server.  A skip on a developer's machine, a failure under
 * CI=true, where scripts/deps.sh has installed everything.
 * Each prints one line, "skip (host): why" or "skip: why". */
#ifndef TESTS_SKIP_H
#define TESTS_SKIP_H

#include <stdlib.h>
#include <string.h>

static inline int al_test_ci(void)
{
	const char *ci = getenv("CI");

	return ci && strcmp(ci, "true") == 0;
}

#define AL_SKIP_HOST(...)                                                     \
	do {                                                                  \
		print_message("skip (host): " __VA_ARGS__);                   \
		skip();                                                       \
	} while (0)

#define AL_SKIP(...)                                                          \
	do {                                                                  \
		if (al_test_ci())                                             \
			fail_msg("CI=true, and this test cannot run: " __VA_ARGS__); \
		print_message("skip: " __VA_ARGS__);                          \
		skip();                                                       \
	} while (0)

#endif
