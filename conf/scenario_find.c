/* Scenario names to files (scenario_find.h).  The binary's own folder
 * comes first, so a build tree finds its own scenarios before an older
 * installed copy. */
#include "conf/scenario_find.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef AL_SHARE_DIR
#define AL_SHARE_DIR "/usr/local/share/asynclab/scenarios"
#endif

const char *al_scenario_find(const char *arg, char *buf, size_t n)
{
	static const char *const rel[] = {"scenarios", "../scenarios",
					  "../share/asynclab/scenarios"};
	char exe[PATH_MAX];
	const char *ext;
	ssize_t len;
	size_t al = strlen(arg);

	snprintf(buf, n, "%s", arg);
	if (!*arg || strchr(arg, '/') || access(arg, F_OK) == 0)
		return buf;
	ext = al > 5 && strcmp(arg + al - 5, ".yaml") == 0 ? "" : ".yaml";
	len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = '\0';
		*strrchr(exe, '/') = '\0';
		for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++)
			if (snprintf(buf, n, "%s/%s/%s%s", exe, rel[i], arg, ext) < (int)n &&
			    access(buf, R_OK) == 0)
				return buf;
	}
	if (snprintf(buf, n, "%s/%s%s", AL_SHARE_DIR, arg, ext) < (int)n && access(buf, R_OK) == 0)
		return buf;
	snprintf(buf, n, "%s", arg);
	return buf;
}
