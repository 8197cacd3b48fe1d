/* `asynclab calibrate --python`: CPython's figures (net/net_calib_py.h)
 * over the python profile's defaults, and this machine's size, written as
 * a profile that predicts the article's CPython programs.  As for the c
 * calibration, where the file goes is settled before anything is
 * measured, and the file is replaced whole or not at all. */
#include "app/cmd_calibrate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "conf/profile.h"
#include "report/table.h"
#include "core/al_units.h"
#include "net/net_calib_py.h"

#define PATH_LEN 4096

/* Next to this host's profile, as python.yaml: the host's own profile is
 * the c one `run --net both` simulates real runs with, so it is not
 * overwritten. */
static const char *default_path(char *buf, size_t len)
{
	char host[PATH_LEN];
	const char *slash;
	int n;

	if (al_profile_default_path(host, sizeof host) == NULL)
		return NULL;
	slash = strrchr(host, '/');
	if (slash == NULL)
		n = snprintf(buf, len, "python.yaml");
	else
		n = snprintf(buf, len, "%.*s/python.yaml", (int)(slash - host), host);
	if (n < 0 || (size_t)n >= len)
		return errno = ENAMETOOLONG, NULL;
	return buf;
}

void al_calibrate_py_machine(const struct net_calib_py *p, const char *path,
			     struct al_machine *m)
{
	struct al_scenario d;
	struct net_calib c;

	al_scenario_default(&d);
	*m = d.machine;
	m->profile = AL_PROFILE_FILE;
	snprintf(m->profile_file, sizeof(m->profile_file), "%s", path);
	al_costs_profile(&m->costs, AL_PROFILE_PYTHON);
	net_calib_py_costs(p, &m->costs);
	memset(&c, 0, sizeof c);
	net_calib_machine(&c);
	if (c.cores > 0)
		m->cores = c.cores;
	if (c.hz > 0)
		m->hz = c.hz;
	if (c.memory > 0)
		m->memory = c.memory;
	if (c.fd_limit > 0)
		m->fd_limit = c.fd_limit;
}

static void head(FILE *f, const char *path, const struct net_calib_py *p)
{
	struct utsname u;
	char when[64] = "?", cwd[PATH_LEN], abs[2 * PATH_LEN];
	const char *shown = path;
	time_t now = time(NULL);
	struct tm tm;

	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	if (uname(&u) < 0) {
		strcpy(u.sysname, "?");
		u.release[0] = u.machine[0] = '\0';
	}
	fprintf(f, "# asynclab machine profile: CPython %s's costs (%s), "
		"measured by\n# `asynclab calibrate --python` on %s (%s %s %s)\n"
		"# in %.1f s, each figure the median of %d repetitions.\n",
		p->version, p->python, when, u.sysname, u.release, u.machine,
		(double)p->elapsed_ns / 1e9, p->reps);
	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)) &&
	    snprintf(abs, sizeof(abs), "%s/%s", cwd, path) < (int)sizeof(abs))
		shown = abs;
	fprintf(f, "# A scenario uses it with\n#   machine: {profile: %s}\n"
		"# (its gil_interval turns the GIL on, as the python profile does).\n"
		"# ProcessPoolExecutor's of %d, each worker fetching a 20 KB page\n"
		"# on loopback, took %.1f ms up and down, of 1 %.1f ms: process_create\n"
		"# is the difference per worker, pool_startup the rest.  Their CPU:\n"
		"# the parent's %.1f ms and %.1f ms, the %d workers' %.1f ms; priced by\n"
		"# it alone (a machine with its cores free, docs/costs.md): pool_startup\n"
		"# %.1f ms, process_create %.1f ms, process_cow %.1f ms.\n"
		"# ThreadPoolExecutor's of %d and 1, %.1f ms and %.1f ms, give\n"
		"# thread_create and thread_pool_startup the same way.\n"
		"# gil_interval is the measured hand-off; sys.getswitchinterval() "
		"is %.1f ms.\n# The costs marked \"python default\" were not "
		"measured (docs/costs.md).\n", shown, p->pool_n, p->pooln_ns / 1e6,
		p->pool1_ns / 1e6, p->pcpun_ns / 1e6, p->pcpu1_ns / 1e6, p->pool_n,
		p->wcpun_ns / 1e6, p->cpu_startup_ns / 1e6, p->cpu_create_ns / 1e6,
		p->cpu_cow_ns / 1e6, p->pool_n, p->tpooln_ns / 1e6, p->tpool1_ns / 1e6,
		p->switchinterval_ns / 1e6);
}

int al_calibrate_py_write(const char *path, const struct net_calib_py *p,
			  const struct al_machine *m)
{
	const char *measured[NET_CALIB_PY_COUNT + 1];
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	for (int i = 0; i < NET_CALIB_PY_COUNT; i++)
		measured[i] = net_calib_py_key((enum net_calib_py_fig)i);
	measured[NET_CALIB_PY_COUNT] = NULL;
	if ((f = open_memstream(&text, &len)) == NULL)
		return al_calibrate_save(path, NULL, 0);
	head(f, path, p);
	al_profile_format_from(f, m, measured, AL_PROFILE_PYTHON);
	if (fclose(f) != 0) {
		free(text);
		return al_calibrate_save(path, NULL, 0);
	}
	rc = al_calibrate_save(path, text, len);
	free(text);
	return rc;
}

static void print_table(const struct net_calib_py *p, const struct al_machine *m,
			bool bold)
{
	struct al_costs d;
	struct al_table t;
	char a[AL_FMT_LEN], b[AL_FMT_LEN];

	al_costs_profile(&d, AL_PROFILE_PYTHON);
	al_table_init(&t, 4, "lrrr");
	al_table_cell(&t, "figure");
	al_table_cell(&t, "measured");
	al_table_cell(&t, "python default");
	al_table_cell(&t, "ratio");
	for (int i = 0; i < NET_CALIB_PY_COUNT; i++) {
		enum net_calib_py_fig f = (enum net_calib_py_fig)i;
		int (*fmt)(char *, size_t, int64_t) = net_calib_py_is_size(f) ?
			al_fmt_bytes : al_fmt_duration;
		int64_t x, y;

		memcpy(&x, (const char *)&m->costs + net_calib_py_offset(f), sizeof x);
		memcpy(&y, (const char *)&d + net_calib_py_offset(f), sizeof y);
		fmt(a, sizeof a, x);
		fmt(b, sizeof b, y);
		al_table_cell(&t, "%s", net_calib_py_key(f));
		al_table_cell(&t, "%s", a);
		al_table_cell(&t, "%s", b);
		if (y > 0)
			al_table_cell(&t, "%.2f", (double)x / (double)y);
		else
			al_table_cell(&t, "—");
	}
	al_table_print(&t, stdout, 2, bold);
	al_fmt_duration(a, sizeof a, (int64_t)p->pool1_ns);
	al_fmt_duration(b, sizeof b, (int64_t)p->pooln_ns);
	printf("\n  process pool of 1 up and down %s, of %d %s (CPU: parent ", a,
	       p->pool_n, b);
	al_fmt_duration(a, sizeof a, (int64_t)p->pcpu1_ns);
	al_fmt_duration(b, sizeof b, (int64_t)p->pcpun_ns);
	printf("%s and %s, workers ", a, b);
	al_fmt_duration(a, sizeof a, (int64_t)p->wcpun_ns);
	printf("%s);\n  ", a);
	al_fmt_duration(a, sizeof a, (int64_t)p->tpool1_ns);
	al_fmt_duration(b, sizeof b, (int64_t)p->tpooln_ns);
	printf("thread pool of 1 %s, of %d %s;\n  sys.getswitchinterval() %.1f ms\n",
	       a, p->pool_n, b, p->switchinterval_ns / 1e6);
}

int al_cmd_calibrate_py(const struct al_cli *cli, bool bold)
{
	char buf[PATH_LEN], err[512];
	const char *path = cli->out_path;
	struct net_calib_py p;
	struct al_machine m;

	if (path == NULL && (path = default_path(buf, sizeof buf)) == NULL) {
		fprintf(stderr, "asynclab calibrate: nowhere to write the python "
			"profile: set HOME, XDG_CONFIG_HOME or %s, or give --out "
			"FILE\n", AL_PROFILE_ENV);
		return 1;
	}
	int rc = al_calibrate_dest(path, cli->out_path == NULL);
	if (rc)
		return rc;
	int reps = cli->reps > 0 ? cli->reps : NET_CALIB_REPS;
	printf("asynclab calibrate: measuring CPython's costs with %s (%d "
	       "figures, %d repetition%s each)\n\n", net_calib_py_python(),
	       NET_CALIB_PY_COUNT, reps, reps == 1 ? "" : "s");
	fflush(stdout);
	if (net_calib_py_run(&p, reps, err, sizeof err) < 0) {
		fprintf(stderr, "asynclab calibrate: --python: %s; no profile "
			"written\n", err);
		return 1;
	}
	al_calibrate_py_machine(&p, path, &m);
	print_table(&p, &m, bold);
	if ((rc = al_calibrate_py_write(path, &p, &m)) != 0)
		return rc;
	printf("\nwrote %s (CPython %s, measured in %.1f s)\n", path, p.version,
	       (double)p.elapsed_ns / 1e9);
	return 0;
}
