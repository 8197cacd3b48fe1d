/* Loading scenario files (size limit, file errors, the default name) and
 * the human summary `asynclab check` prints.  The YAML reading is in
 * scenario_tree.c, the schema in scenario_schema.c and scenario_walk.c. */
#include "conf/scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/profile.h"
#include "conf/scenario_find.h"
#include "conf/scenario_walk.h"
#include "core/al_units.h"

/* The default name: the file's base name without .yaml / .yml, cut on a
 * UTF-8 boundary to fit. */
static void name_from_path(char *dst, size_t n, const char *path)
{
	const char *base = strrchr(path, '/');
	size_t len;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 5 && strcmp(base + len - 5, ".yaml") == 0)
		len -= 5;
	else if (len > 4 && strcmp(base + len - 4, ".yml") == 0)
		len -= 4;
	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)base[len] & 0xc0) == 0x80)
			len--;
	}
	for (size_t i = 0; i < len; i++)
		dst[i] = (unsigned char)base[i] < 0x20 ? '?' : base[i];
	dst[len] = '\0';
	if (len == 0)
		strcpy(dst, "scenario");
}

int al_scenario_load_string(const char *name, const char *text, size_t len,
			    struct al_scenario *sc, char *err, size_t errlen)
{
	struct al_yerr e = {name ? name : "<string>", err, errlen, false};
	struct al_ynode *root = NULL;
	struct al_scenario *tmp;
	int rc = -1;

	if (err && errlen > 0)
		err[0] = '\0';
	if (text == NULL)
		len = 0;
	if (len > AL_SCENARIO_MAX_BYTES)
		return al_yerr_at(&e, 1, 1, "larger than 1 MiB (%zu bytes): "
				  "refused", len);
	if (strlen(e.file) >= sizeof(sc->path))
		return al_yerr_at(&e, 1, 1, "path longer than %zu bytes",
				  sizeof(sc->path) - 1);
	if ((tmp = malloc(sizeof(*tmp))) == NULL)
		return al_yerr_at(&e, 1, 1, "out of memory");
	al_scenario_default(tmp);
	strcpy(tmp->path, e.file);
	name_from_path(tmp->name, sizeof(tmp->name), e.file);
	if (al_ytree_parse(text ? text : "", len, &root, &e) < 0)
		goto out;
	if (root == NULL) {
		al_yerr_at(&e, 1, 1, "empty scenario");
		goto out;
	}
	if (al_schema_apply(root, tmp, &e) < 0)
		goto out;
	*sc = *tmp;
	rc = 0;
out:
	al_ytree_free(root);
	free(tmp);
	return rc;
}

int al_scenario_read_fd(int fd, char **text, size_t *len)
{
	char *buf;
	size_t n = 0;
	ssize_t got = 1;

	/* one byte more than the limit tells "too large" from "just fits" */
	if ((buf = malloc(AL_SCENARIO_MAX_BYTES + 1)) == NULL)
		return -1;
	while (n <= AL_SCENARIO_MAX_BYTES && got != 0) {
		got = read(fd, buf + n, AL_SCENARIO_MAX_BYTES + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			free(buf);
			errno = e;
			return -1;
		}
		n += (size_t)got;
	}
	if (n > AL_SCENARIO_MAX_BYTES) {
		free(buf);
		errno = EFBIG;
		return -1;
	}
	*text = buf;
	*len = n;
	return 0;
}

int al_scenario_load_file(const char *path, struct al_scenario *sc, char *err,
			  size_t errlen)
{
	char found[4096];
	struct al_yerr e = {al_scenario_find(path, found, sizeof found), err, errlen, false};
	struct stat st;
	char *buf;
	size_t len = 0;
	int fd, rc;

	path = e.file;                       /* `run c10k`: the file found */

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return al_yerr_at(&e, 1, 1, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return al_yerr_at(&e, 1, 1, "is a directory");
	}
	if (al_scenario_read_fd(fd, &buf, &len) < 0) {
		if (errno == EFBIG)
			rc = al_yerr_at(&e, 1, 1, "larger than 1 MiB: refused");
		else if (errno == ENOMEM)
			rc = al_yerr_at(&e, 1, 1, "out of memory");
		else
			rc = al_yerr_at(&e, 1, 1, "cannot read: %s",
					strerror(errno));
		close(fd);
		return rc;
	}
	close(fd);
	rc = al_scenario_load_string(path, buf, len, sc, err, errlen);
	free(buf);
	return rc;
}

/* --- the summary ----------------------------------------------------- */

/* Exact values (al_walk_fmt) into a caller's AL_FMT_LEN buffer. */
static const char *dur(char *b, int64_t v)
{
	return al_walk_fmt(b, AL_FMT_LEN, AL_F_DURATION, v);
}

static const char *rate(char *b, int64_t v)
{
	return al_walk_fmt(b, AL_FMT_LEN, AL_F_BANDWIDTH, v);
}

static void print_dist(FILE *out, const struct al_dist *d, enum al_ftype t)
{
	char a[AL_FMT_LEN], b[AL_FMT_LEN];

	al_walk_fmt(a, sizeof(a), t, (int64_t)d->a);
	al_walk_fmt(b, sizeof(b), t, (int64_t)d->b);
	switch (d->kind) {
	case AL_DIST_FIXED: fprintf(out, "%s", a); break;
	case AL_DIST_UNIFORM: fprintf(out, "uniform %s to %s", a, b); break;
	case AL_DIST_NORMAL: fprintf(out, "normal mean %s sd %s", a, b); break;
	case AL_DIST_LOGNORMAL:
		fprintf(out, "lognormal median %s sigma %g", a, d->b);
		break;
	case AL_DIST_EXPONENTIAL: fprintf(out, "exponential mean %s", a); break;
	case AL_DIST_PARETO:
		fprintf(out, "pareto scale %s shape %g", a, d->b);
		break;
	}
}

/* Only the costs that differ from the profile's. */
static void print_costs(FILE *out, const struct al_machine *m)
{
	struct al_costs def;
	const char *sep = " except ";
	char v[AL_FMT_LEN];

	al_costs_profile(&def, m->profile);
	fprintf(out, "costs     %s defaults", m->profile == AL_PROFILE_PYTHON ?
		"python" : "c");
	for (size_t i = 0; i < al_schema_costs.n; i++) {
		const struct al_field *f = &al_schema_costs.f[i];
		int64_t x, y;

		memcpy(&x, (const char *)&m->costs + f->off, sizeof(x));
		memcpy(&y, (const char *)&def + f->off, sizeof(y));
		if (x == y)
			continue;
		fprintf(out, "%s%s %s", sep, f->key,
			al_walk_fmt(v, sizeof(v), f->type, x));
		sep = ", ";
	}
	fputc('\n', out);
}

/* Starts the next item of a list: ": " before the first, ", " after. */
static void next(FILE *out, const char **sep)
{
	fputs(*sep, out);
	*sep = ", ";
}

static void print_event(FILE *out, const struct al_event_cfg *ev,
			const char *lead)
{
	const struct al_network *n = &ev->network;
	const struct al_server *s = &ev->server;
	const char *sep = ": ";
	char v[AL_FMT_LEN];

	fprintf(out, "%s at %s", lead, dur(v, ev->at_ns));
	if (ev->set & AL_EV_RTT)
		next(out, &sep), fprintf(out, "rtt %s", dur(v, n->rtt_ns));
	if (ev->set & AL_EV_JITTER) {
		next(out, &sep), fprintf(out, "jitter ");
		print_dist(out, &n->jitter, AL_F_DURATION);
	}
	if (ev->set & AL_EV_BANDWIDTH)
		next(out, &sep), fprintf(out, "bandwidth %s",
					 rate(v, n->bandwidth_bps));
	if (ev->set & AL_EV_LOSS)
		next(out, &sep), fprintf(out, "loss %g %%", n->loss * 100);
	if (ev->set & AL_EV_THINK) {
		next(out, &sep), fprintf(out, "think ");
		print_dist(out, &s->think, AL_F_DURATION);
	}
	if (ev->set & AL_EV_PAGE_SIZE) {
		next(out, &sep), fprintf(out, "page size ");
		print_dist(out, &s->page_size, AL_F_SIZE);
	}
	if (ev->set & AL_EV_MAX_CONCURRENT)
		next(out, &sep), fprintf(out, "max concurrent %d",
					 s->max_concurrent);
	if (ev->set & AL_EV_LINK_DOWN)
		next(out, &sep), fprintf(out, "link down");
	if (ev->set & AL_EV_LINK_UP)
		next(out, &sep), fprintf(out, "link up");
	fputc('\n', out);
}

/* The parameters model m takes, as core/al_model_params.def says: " (10
 * workers, gil)", " (epoll, limit 5)", or nothing. */
static void print_params(FILE *out, enum al_model m, const struct al_model_cfg *c)
{
	const char *sep = " (";

	for (int p = 0; p < AL_PARAM_COUNT; p++) {
		const struct al_param_info *pi = al_param_info((enum al_model_param)p);
		int64_t v = al_param_get(c, (enum al_model_param)p);
		char b[AL_FMT_LEN];

		if (!al_model_takes(m, (enum al_model_param)p))
			continue;
		switch (pi->kind) {
		case AL_PK_BOOL:
			if (!v)
				continue;
			fprintf(out, "%s%s", sep, pi->key);
			break;
		case AL_PK_POLLER:
			fprintf(out, "%s%s", sep, al_poller_name((enum al_poller)v));
			break;
		case AL_PK_COUNT:
			if (pi->min == 0 && v == 0)
				continue;        /* 0: none */
			if (pi->min == 0)
				fprintf(out, "%s%s %lld", sep, pi->key, (long long)v);
			else
				fprintf(out, "%s%lld %s", sep, (long long)v, pi->key);
			break;
		case AL_PK_SIZE:
			al_fmt_bytes(b, sizeof b, v);
			fprintf(out, "%s%s %s", sep, pi->key, b);
			break;
		case AL_PK_DURATION:
			al_fmt_duration(b, sizeof b, v);
			fprintf(out, "%s%s %s", sep, pi->key, b);
			break;
		}
		sep = ", ";
	}
	if (sep[0] == ',')
		fputc(')', out);
}

static void print_models(FILE *out, const struct al_scenario *sc)
{
	const char *sep = " ";

	fprintf(out, "models   ");
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		const struct al_model_cfg *c = &sc->models[m];

		if (!c->enabled)
			continue;
		fprintf(out, "%s%s", sep, al_model_name((enum al_model)m));
		sep = ", ";
		print_params(out, (enum al_model)m, c);
	}
	fprintf(out, "%s\n", sep[0] == ',' ? "" : " none");
}

void al_scenario_summary(FILE *out, const struct al_scenario *sc)
{
	const struct al_machine *m = &sc->machine;
	const struct al_network *n = &sc->network;
	const struct al_server *s = &sc->server;
	const struct al_workload *wl = &sc->workload;
	char a[AL_FMT_LEN], b[AL_FMT_LEN], c[AL_FMT_LEN];

	fprintf(out, "scenario  %s (%s)\n", sc->name,
		sc->path[0] ? sc->path : "built-in");
	fprintf(out, "seed      %llu\n", (unsigned long long)sc->seed);
	if (m->profile == AL_PROFILE_FILE) {
		char where[512];

		fprintf(out, "machine   profile file %s", m->profile_file);
		if (al_profile_resolve(where, sizeof(where), sc->path,
				       m->profile_file) &&
		    strcmp(where, m->profile_file) != 0)
			fprintf(out, " (%s)", where);
	} else {
		fprintf(out, "machine   %s profile", al_profile_name(m->profile));
	}
	al_fmt_count(c, sizeof(c), m->fd_limit);
	fprintf(out, ", %d core%s at %s, %s memory, fd limit %s", m->cores,
		m->cores == 1 ? "" : "s",
		al_walk_fmt(a, sizeof(a), AL_F_FREQUENCY, m->hz),
		al_walk_fmt(b, sizeof(b), AL_F_SIZE, m->memory), c);
	fprintf(out, ", %s address space", al_walk_fmt(a, sizeof(a), AL_F_SIZE, m->address_space));
	/* the host's other programs on these cores (run --net both sets them) */
	if (m->host_server)
		fprintf(out, ", the origin server on its cores");
	if (m->host_links)
		fprintf(out, ", %d link process%s on its cores", m->host_links,
			m->host_links == 1 ? "" : "es");
	if (m->host_emulator != AL_HOST_EMU_NONE)
		fprintf(out, ", the packet emulator %s",
			m->host_emulator == AL_HOST_EMU_OWN ? "on a core of its own"
							    : "on its cores");
	fputc('\n', out);
	print_costs(out, m);

	fprintf(out, "network   rtt %s, jitter ", dur(a, n->rtt_ns));
	print_dist(out, &n->jitter, AL_F_DURATION);
	fprintf(out, ", bandwidth %s, loss %g %%, rto %s%s%s",
		rate(a, n->bandwidth_bps), n->loss * 100, dur(b, n->rto_ns),
		n->handshake ? "" : ", connect at once",
		n->tcp == AL_TCP_FLUID ? ", fluid tcp" : n->tcp == AL_TCP_FLOW ? ", flow tcp" : "");
	/* the kernel-TCP path's queue: said when it is not the default */
	if (n->queue != 1000)
		fprintf(out, ", queue %d packets", n->queue);
	/* a FIFO link queues tcp linux's segments; fluid and flow have
	 * none to queue (sim_net_fifo_on) */
	if (n->link == AL_LINK_FIFO && n->tcp != AL_TCP_LINUX)
		fprintf(out, ", fifo link (ignored: tcp %s)", al_tcp_name(n->tcp));
	else if (n->link == AL_LINK_FIFO)
		fprintf(out, ", fifo link");
	fputc('\n', out);

	fprintf(out, "server    think ");
	print_dist(out, &s->think, AL_F_DURATION);
	fprintf(out, ", page size ");
	print_dist(out, &s->page_size, AL_F_SIZE);
	fprintf(out, ", backlog %d, ", s->backlog);
	if (s->max_concurrent > 0)
		fprintf(out, "max concurrent %d", s->max_concurrent);
	else
		fprintf(out, "no concurrency limit");
	fprintf(out, ", overflow %s", al_overflow_name(s->overflow));
	for (int f = 1; f < AL_FAULT_COUNT; f++)
		if (s->faults[f] > 0)
			fprintf(out, ", %s %g %%", al_fault_name((enum al_fault)f), s->faults[f] * 100);
	fputc('\n', out);

	al_fmt_count(c, sizeof(c), wl->pages);
	fprintf(out, "workload  %s page%s from %s:%d, timeout %s\n", c,
		wl->pages == 1 ? "" : "s", wl->host, wl->port,
		wl->timeout_ns > 0 ? dur(a, wl->timeout_ns) : "none");
	print_models(out, sc);
	if (sc->nevents == 0)
		fprintf(out, "events    none\n");
	for (int i = 0; i < sc->nevents; i++)
		print_event(out, &sc->events[i],
			    i == 0 ? "events   " : "         ");
	fprintf(out, "trace     %s\n", sc->trace ? "on" : "off");
}
