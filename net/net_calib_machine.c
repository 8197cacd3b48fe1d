/* Measuring this machine's size for `asynclab calibrate`: its cores,
 * its clock, its memory and its descriptor limit, read from /proc and the
 * system rather than timed (net_calib.c times the costs). */
#include "net/net_calib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "net/net_calib_int.h"

/* The first "cpu MHz" line, in Hz rounded to kHz; 0 if there is none
 * (some architectures do not say). */
static int64_t cpu_hz(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[256];
	int64_t hz = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "cpu MHz", 7) == 0 && colon) {
			double mhz = strtod(colon + 1, NULL);

			if (mhz >= 1 && mhz <= 100000)
				hz = (int64_t)llround(mhz * 1000) * 1000;
			break;
		}
	}
	fclose(f);
	return hz;
}

static int64_t mem_total(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[256];
	long long kb = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb >= 1024 ? (int64_t)kb * 1024 : 0;
}

void net_calib_machine(struct net_calib *c)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	struct rlimit rl;

	c->cores = n < 1 ? 0 : n > 4096 ? 4096 : (int)n;
	c->hz = cpu_hz();
	c->memory = mem_total();
	c->fd_limit = 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max >= 3)
		c->fd_limit = rl.rlim_max == RLIM_INFINITY ||
			      rl.rlim_max > 100000000 ? 100000000 :
			      (int)rl.rlim_max;
}
