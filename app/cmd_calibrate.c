/* `asynclab calibrate`: where the profile goes is settled first, so a bad
 * path fails before a second is spent measuring; then the measurements,
 * the table, and the file, written whole or not at all. */
#include "app/cmd_calibrate.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "conf/profile.h"
#include "report/table.h"
#include "core/al_units.h"
#include "core/al_write.h"
#include "net/net_clock.h"

#define PATH_LEN 4096

void al_calibrate_machine(const struct net_calib *c, const char *path,
			  struct al_machine *m)
{
	struct al_scenario d;

	al_scenario_default(&d);
	*m = d.machine;
	m->profile = AL_PROFILE_FILE;
	snprintf(m->profile_file, sizeof(m->profile_file), "%s", path);
	al_costs_profile(&m->costs, AL_PROFILE_C);
	net_calib_costs(c, &m->costs);
	if (c->cores > 0)
		m->cores = c->cores;
	if (c->hz > 0)
		m->hz = c->hz;
	if (c->memory > 0)
		m->memory = c->memory;
	if (c->fd_limit > 0)
		m->fd_limit = c->fd_limit;
	if (c->fork_wait) {
		m->costs.fork_wait_3k_ns = llround(c->fork_wait_ns[0]);
		m->costs.fork_wait_6k_ns = llround(c->fork_wait_ns[1]);
	}
}

/* The comment at the top of the file: what this is, when and where it was
 * measured, how to use it, and what was not measured. */
/* Why figure i was not measured, in words: the remote waker's ENODEV is
 * this process having one CPU, which strerror would not say. */
static const char *why_not(int i, int err)
{
	if (i == NET_CALIB_WAKE_REMOTE_1MS && err == ENODEV)
		return "one CPU to run on: no waker on another";
	if (i == NET_CALIB_TUN_APART && err == ENODEV)
		return "one CPU to run on: no emulator on another";
	return strerror(err);
}

static void head(FILE *f, const char *path, const struct net_calib *c)
{
	struct utsname u;
	char when[64] = "?", cwd[PATH_LEN], abs[2 * PATH_LEN];
	const char *shown = path;
	time_t now = time(NULL);
	struct tm tm;
	const char *sep = "";

	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	if (uname(&u) < 0) {
		strcpy(u.sysname, "?");
		u.release[0] = u.machine[0] = '\0';
	}
	fprintf(f, "# asynclab machine profile: this machine's costs, measured "
		"by\n# `asynclab calibrate` on %s (%s %s %s)\n# in %.1f s, each "
		"figure the median of %d repetitions.\n", when, u.sysname,
		u.release, u.machine, (double)c->elapsed_ns / 1e9, c->reps);
	/* a scenario resolves a relative path from its own directory */
	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)) &&
	    snprintf(abs, sizeof(abs), "%s/%s", cwd, path) < (int)sizeof(abs))
		shown = abs;
	fprintf(f, "# A scenario uses it with\n#   machine: {profile: %s}\n"
		"# and its own machine keys and costs override these\n"
		"# (docs/costs.md, \"Calibrating this machine\").\n", shown);
	fprintf(f, "# cores: online CPUs; cpu: /proc/cpuinfo's cpu MHz; "
		"memory: MemTotal;\n# fd_limit: RLIMIT_NOFILE's hard limit.  "
		"Not measured: address_space\n# and the costs marked "
		"\"c default\".\n");
	if (!c->cores || !c->hz || !c->memory || !c->fd_limit) {
		fprintf(f, "# Could not be read, the defaults:");
		if (!c->cores)
			fprintf(f, "%s cores", sep), sep = ",";
		if (!c->hz)
			fprintf(f, "%s cpu", sep), sep = ",";
		if (!c->memory)
			fprintf(f, "%s memory", sep), sep = ",";
		if (!c->fd_limit)
			fprintf(f, "%s fd_limit", sep);
		fprintf(f, ".\n");
	}
	for (int i = 0; i < NET_CALIB_COUNT; i++)
		if (!(c->measured & ((uint64_t)1 << i)))
			fprintf(f, "# %s could not be measured (%s): the c "
				"default.\n", net_calib_key((enum net_calib_fig)i),
				why_not(i, c->err[i]));
	if (c->fork_wait)
		fprintf(f, "# fork_wait_3k, fork_wait_6k: by --fork-wait, with %d "
			"of DAMON's kdamonds on.\n", c->damon);
	else
		fprintf(f, "# fork_wait_3k, fork_wait_6k: not measured (calibrate "
			"--fork-wait measures them).\n");
}

int al_calibrate_dest(const char *path, bool mkdirs)
{
	char real[PATH_LEN], why[PATH_LEN + 128];
	int rc;

	if (mkdirs && al_profile_prepare(path, true) < 0) {
		fprintf(stderr, "asynclab calibrate: cannot write %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	if ((rc = al_write_check(path, real, sizeof real, why, sizeof why)) != 0)
		fprintf(stderr, "asynclab calibrate: cannot write %s\n", why);
	return rc;
}

int al_calibrate_save(const char *path, const char *text, size_t len)
{
	char why[PATH_LEN + 128];
	int rc;

	if (!text) {
		fprintf(stderr, "asynclab calibrate: cannot write %s: %s\n", path,
			strerror(ENOMEM));
		return 1;
	}
	if ((rc = al_write_text(NULL, path, text, len, why, sizeof why)) != 0)
		fprintf(stderr, "asynclab calibrate: cannot write %s\n", why);
	return rc;
}

int al_calibrate_write(const char *path, const struct net_calib *c,
		       const struct al_machine *m)
{
	const char *measured[NET_CALIB_COUNT + 3];
	char *text = NULL;
	size_t len = 0, n = 0;
	FILE *f;
	int rc;

	for (int i = 0; i < NET_CALIB_COUNT; i++)
		if (c->measured & ((uint64_t)1 << i))
			measured[n++] = net_calib_key((enum net_calib_fig)i);
	if (c->fork_wait) {
		measured[n++] = "fork_wait_3k";
		measured[n++] = "fork_wait_6k";
	}
	measured[n] = NULL;
	if ((f = open_memstream(&text, &len)) == NULL)
		return al_calibrate_save(path, NULL, 0);
	head(f, path, c);
	al_profile_format(f, m, measured);
	if (fclose(f) != 0) {
		free(text);
		return al_calibrate_save(path, NULL, 0);
	}
	rc = al_calibrate_save(path, text, len);
	free(text);
	return rc;
}

/* One row per figure: measured, the c default, and their ratio. */
static void print_table(const struct net_calib *c, const struct al_machine *m,
			bool bold)
{
	struct al_scenario d;
	struct al_table t;
	char a[AL_FMT_LEN], b[AL_FMT_LEN];

	/* the header, a row a figure, the machine's four: past the cap a
	 * table drops its rows */
	_Static_assert(1 + NET_CALIB_COUNT + 4 <= AL_TABLE_MAX_ROWS,
		       "calibrate's table outgrows report/table.h's cap");
	al_scenario_default(&d);
	al_costs_profile(&d.machine.costs, AL_PROFILE_C);
	al_table_init(&t, 4, "lrrr");
	al_table_cell(&t, "figure");
	al_table_cell(&t, "measured");
	al_table_cell(&t, "c default");
	al_table_cell(&t, "ratio");
	for (int i = 0; i < NET_CALIB_COUNT; i++) {
		enum net_calib_fig f = (enum net_calib_fig)i;
		int64_t x, y;
		int (*fmt)(char *, size_t, int64_t) = net_calib_is_size(f) ?
			al_fmt_bytes : al_fmt_duration;

		memcpy(&x, (const char *)&m->costs + net_calib_offset(f),
		       sizeof(x));
		memcpy(&y, (const char *)&d.machine.costs + net_calib_offset(f),
		       sizeof(y));
		fmt(a, sizeof(a), x);
		fmt(b, sizeof(b), y);
		al_table_cell(&t, "%s", net_calib_key(f));
		if (c->measured & ((uint64_t)1 << i))
			al_table_cell(&t, "%s", a);
		else
			al_table_cell(&t, "not measured");
		al_table_cell(&t, "%s", b);
		if ((c->measured & ((uint64_t)1 << i)) && y > 0)
			al_table_cell(&t, "%.2f", (double)x / (double)y);
		else
			al_table_cell(&t, "—");
	}
	al_table_cell(&t, "cores");
	al_table_cell(&t, "%d", m->cores);
	al_table_cell(&t, "%d", d.machine.cores);
	al_table_cell(&t, "—");
	al_fmt_freq(a, sizeof(a), m->hz);
	al_fmt_freq(b, sizeof(b), d.machine.hz);
	al_table_cell(&t, "cpu");
	al_table_cell(&t, "%s", a);
	al_table_cell(&t, "%s", b);
	al_table_cell(&t, "—");
	al_fmt_bytes(a, sizeof(a), m->memory);
	al_fmt_bytes(b, sizeof(b), d.machine.memory);
	al_table_cell(&t, "memory");
	al_table_cell(&t, "%s", a);
	al_table_cell(&t, "%s", b);
	al_table_cell(&t, "—");
	al_fmt_count(a, sizeof(a), m->fd_limit);
	al_fmt_count(b, sizeof(b), d.machine.fd_limit);
	al_table_cell(&t, "fd_limit");
	al_table_cell(&t, "%s", a);
	al_table_cell(&t, "%s", b);
	al_table_cell(&t, "—");
	al_table_print(&t, stdout, 2, bold);
}

int al_cmd_calibrate(const struct al_cli *cli, bool bold)
{
	char buf[PATH_LEN];
	const char *path = cli->out_path;
	struct net_calib c;
	struct al_machine m;

	if (cli->python)
		return al_cmd_calibrate_py(cli, bold);
	if (path == NULL && (path = al_profile_default_path(buf, sizeof(buf)))
	    == NULL) {
		if (errno == ENAMETOOLONG)
			fprintf(stderr, "asynclab calibrate: the default profile "
				"path is too long; give --out FILE\n");
		else
			fprintf(stderr, "asynclab calibrate: nowhere to write "
				"the profile: set HOME, XDG_CONFIG_HOME or %s, "
				"or give --out FILE\n", AL_PROFILE_ENV);
		return 1;
	}
	int rc = al_calibrate_dest(path, cli->out_path == NULL);
	if (rc)
		return rc;
	int reps = cli->reps > 0 ? cli->reps : NET_CALIB_REPS;
	printf("asynclab calibrate: measuring this machine's costs (%d "
	       "figures, %d repetition%s each)\n\n", NET_CALIB_COUNT, reps,
	       reps == 1 ? "" : "s");
	fflush(stdout);
	if (net_calib_run(&c, reps) == 0) {
		fprintf(stderr, "asynclab calibrate: nothing could be measured "
			"(%s); no profile written\n", strerror(c.err[0]));
		return 1;
	}
	if (cli->fork_wait) {
		printf("asynclab calibrate: a fork's wait with 3,000 and 6,000 "
		       "live children (--fork-wait)\n\n");
		fflush(stdout);
		int64_t t0 = net_mono_ns();

		c.damon = net_calib_damon();
		c.fork_wait = net_calib_fork_wait(&c.fork_wait_ns[0],
						  &c.fork_wait_ns[1]) == 0;
		if (!c.fork_wait)
			fprintf(stderr, "asynclab calibrate: fork_wait_3k, "
				"fork_wait_6k: not measured (%s); the profile "
				"keeps 0\n", strerror(errno));
		c.elapsed_ns += net_mono_ns() - t0;
	}
	al_calibrate_machine(&c, path, &m);
	print_table(&c, &m, bold);
	if (c.fork_wait) {
		char a[AL_FMT_LEN], b[AL_FMT_LEN];

		al_fmt_duration(a, sizeof a, m.costs.fork_wait_3k_ns);
		al_fmt_duration(b, sizeof b, m.costs.fork_wait_6k_ns);
		printf("\n  a fork's wait off the CPU: %s with 3,000 live children, "
		       "%s with 6,000\n  (%d of DAMON's kdamonds on)\n", a, b, c.damon);
	}
	for (int i = 0; i < NET_CALIB_COUNT; i++)
		if (!(c.measured & ((uint64_t)1 << i)))
			fprintf(stderr, "asynclab calibrate: %s: not measured "
				"(%s); the profile keeps the c default\n",
				net_calib_key((enum net_calib_fig)i),
				why_not(i, c.err[i]));
	if ((rc = al_calibrate_write(path, &c, &m)) != 0)
		return rc;
	printf("\nwrote %s (measured in %.1f s)\n", path,
	       (double)c.elapsed_ns / 1e9);
	return 0;
}
