/* Machine profile files: finding them, reading them with the scenario
 * loader's walk (scenario_schema.c's machine section without `profile`, so
 * a profile cannot name another), and writing them atomically. */
#include "conf/profile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/scenario.h"
#include "conf/scenario_walk.h"
#include "core/al_units.h"

#define PATH_LEN 4096

const char *al_profile_default_path(char *buf, size_t len)
{
	const char *p = getenv(AL_PROFILE_ENV);
	const char *x = getenv("XDG_CONFIG_HOME");
	const char *h = getenv("HOME");
	int n;

	if (p && p[0])
		n = snprintf(buf, len, "%s", p);
	else if (x && x[0] == '/')
		n = snprintf(buf, len, "%s/asynclab/machine.yaml", x);
	else if (h && h[0])
		n = snprintf(buf, len, "%s/.config/asynclab/machine.yaml", h);
	else
		return errno = ENOENT, NULL;
	if (n < 0 || (size_t)n >= len)
		return errno = ENAMETOOLONG, NULL;
	return buf;
}

const char *al_profile_resolve(char *buf, size_t len,
			       const char *scenario_path, const char *profile)
{
	const char *slash = strrchr(scenario_path, '/');
	int n;

	if (profile[0] == '/' || slash == NULL) {
		n = snprintf(buf, len, "%s", profile);
	} else {
		while (profile[0] == '.' && profile[1] == '/')
			profile += 2;
		n = snprintf(buf, len, "%.*s/%s", (int)(slash - scenario_path),
			     scenario_path, profile);
	}
	if (n < 0 || (size_t)n >= len)
		return errno = ENAMETOOLONG, NULL;
	return buf;
}

/* --- reading ---------------------------------------------------------- */

/* What stopped a profile before its first byte: the caller words it. */
enum open_err { OPENED, NO_OPEN, IS_DIR, NOT_FILE, READ_FAILED };

/* Opens and reads path.  O_NONBLOCK and the regular-file check keep a name
 * like /dev/stdin or a FIFO from blocking a check forever.  READ_FAILED is
 * already reported in e. */
static enum open_err read_text(const char *path, char **text, size_t *len,
			       struct al_yerr *e)
{
	struct stat st = {0};
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return NO_OPEN;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		bool dir = S_ISDIR(st.st_mode);
		close(fd);
		return dir ? IS_DIR : NOT_FILE;
	}
	rc = al_scenario_read_fd(fd, text, len);
	if (rc < 0 && errno == EFBIG)
		al_yerr_at(e, 1, 1, "larger than 1 MiB: refused");
	else if (rc < 0 && errno == ENOMEM)
		al_yerr_at(e, 1, 1, "out of memory");
	else if (rc < 0)
		al_yerr_at(e, 1, 1, "cannot read: %s", strerror(errno));
	close(fd);
	return rc < 0 ? READ_FAILED : OPENED;
}

/* Whether every top-level key of the mapping root is a profile's: then
 * the file is a profile, and its messages may quote it. */
static bool is_profile(const struct al_ynode *root)
{
	for (size_t i = 0; i + 1 < root->nkid; i += 2) {
		const struct al_ynode *k = root->kid[i];
		size_t f = 0;

		while (f < al_schema_profile.n && (k->type != AL_YSCALAR ||
		       strcmp(k->str, al_schema_profile.f[f].key) != 0))
			f++;
		if (f == al_schema_profile.n)
			return false;
	}
	return true;
}

/* Parses text and walks it over m.  sc is the scenario being read (NULL
 * outside one); the profile's keys never reach it. */
static int apply(const char *text, size_t len, struct al_machine *m,
		 struct al_yerr *e, struct al_scenario *sc)
{
	struct al_walk w = {.e = e, .sc = sc, .model = -1, .profile = true};
	struct al_ynode *root = NULL;
	int rc = -1;

	if (al_ytree_parse(text, len, &root, e) < 0)
		return -1;
	if (root == NULL)
		rc = al_yerr_at(e, 1, 1, "empty machine profile");
	else if (root->type != AL_YMAP)
		rc = al_yerr_at(e, root->line, root->col, "expected a mapping "
				"of machine keys (cores, cpu, memory, fd_limit, "
				"costs, ...), not %s", al_ynode_kind(root));
	else {
		w.shown = is_profile(root);
		rc = al_walk_map(&w, root, &al_schema_profile, m, false);
	}
	al_ytree_free(root);
	return rc;
}

int al_walk_profile_file(struct al_walk *w, const struct al_ynode *v,
			 struct al_machine *m)
{
	char path[PATH_LEN], *text = NULL;
	struct al_yerr pe = {path, w->e->buf, w->e->len, true};
	size_t len = 0;
	int rc;

	if (al_profile_resolve(path, sizeof(path), w->e->file,
			       m->profile_file) == NULL)
		return al_walk_fail(w, v, "path too long with the scenario's "
				    "directory");
	switch (read_text(path, &text, &len, &pe)) {
	case NO_OPEN:
		return al_walk_fail(w, v, "cannot open '%s': %s", path,
				    strerror(errno));
	case IS_DIR:
		return al_walk_fail(w, v, "'%s' is a directory", path);
	case NOT_FILE:
		return al_walk_fail(w, v, "'%s' is not a regular file", path);
	case READ_FAILED:
		return -1;
	case OPENED:
		break;
	}
	rc = apply(text, len, m, &pe, w->sc);
	free(text);
	return rc;
}

int al_profile_load(const char *path, struct al_machine *m, char *err,
		    size_t errlen)
{
	struct al_yerr e = {path, err, errlen, true};
	struct al_scenario d;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (err && errlen > 0)
		err[0] = '\0';
	if (strlen(path) >= sizeof(m->profile_file))
		return al_yerr_at(&e, 1, 1, "path longer than %zu bytes",
				  sizeof(m->profile_file) - 1);
	switch (read_text(path, &text, &len, &e)) {
	case NO_OPEN:
		return al_yerr_at(&e, 1, 1, "cannot open: %s", strerror(errno));
	case IS_DIR:
		return al_yerr_at(&e, 1, 1, "is a directory");
	case NOT_FILE:
		return al_yerr_at(&e, 1, 1, "not a regular file");
	case READ_FAILED:
		return -1;
	case OPENED:
		break;
	}
	al_scenario_default(&d);
	d.machine.profile = AL_PROFILE_FILE;
	strcpy(d.machine.profile_file, path);
	al_costs_profile(&d.machine.costs, AL_PROFILE_C);
	rc = apply(text, len, &d.machine, &e, NULL);
	if (rc == 0)
		*m = d.machine;
	free(text);
	return rc;
}

int al_profile_host(struct al_machine *m, char *err, size_t errlen)
{
	struct al_scenario d;
	char path[PATH_LEN];
	struct stat st;

	al_scenario_default(&d);
	d.machine.profile = AL_PROFILE_C;
	al_costs_profile(&d.machine.costs, AL_PROFILE_C);
	*m = d.machine;
	if (al_profile_default_path(path, sizeof(path)) == NULL ||
	    (stat(path, &st) < 0 && errno == ENOENT))
		return 0;
	return al_profile_load(path, m, err, errlen) < 0 ? -1 : 1;
}

/* --- writing ---------------------------------------------------------- */

/* Exact, readable when al_walk_fmt's form is; whole KiB and kHz rather
 * than long runs of bytes and hertz; "us" for "µs", so the file is ASCII. */
static const char *exact(char *buf, size_t n, enum al_ftype t, int64_t v)
{
	const char *base = t == AL_F_SIZE ? " B" : t == AL_F_FREQUENCY ? " Hz" :
			   NULL;
	char *micro;
	size_t len;

	al_walk_fmt(buf, n, t, v);
	if ((micro = strstr(buf, "\xc2\xb5s")) != NULL)
		memmove(micro + 1, micro + 2, strlen(micro + 2) + 1), *micro = 'u';
	len = strlen(buf);
	if (base && len > strlen(base) &&
	    strcmp(buf + len - strlen(base), base) == 0) {
		if (t == AL_F_SIZE && v >= 1024 && v % 1024 == 0)
			snprintf(buf, n, "%lld KiB", (long long)(v / 1024));
		else if (t == AL_F_FREQUENCY && v >= 1000 && v % 1000 == 0)
			snprintf(buf, n, "%lld kHz", (long long)(v / 1000));
	}
	return buf;
}

static bool listed(const char *key, const char *const *list)
{
	for (; list && *list; list++)
		if (strcmp(*list, key) == 0)
			return true;
	return false;
}

void al_profile_format(FILE *out, const struct al_machine *m,
		       const char *const *measured)
{
	al_profile_format_from(out, m, measured, AL_PROFILE_C);
}

void al_profile_format_from(FILE *out, const struct al_machine *m,
			    const char *const *measured, enum al_profile base)
{
	char v[AL_FMT_LEN];
	struct al_costs c;

	al_costs_profile(&c, base);
	fprintf(out, "cores: %d\n", m->cores);
	fprintf(out, "cpu: %s\n", exact(v, sizeof(v), AL_F_FREQUENCY, m->hz));
	fprintf(out, "memory: %s\n", exact(v, sizeof(v), AL_F_SIZE, m->memory));
	fprintf(out, "address_space: %s\n",
		exact(v, sizeof(v), AL_F_SIZE, m->address_space));
	fprintf(out, "fd_limit: %d\n", m->fd_limit);
	fprintf(out, "costs:\n");
	for (size_t i = 0; i < al_schema_costs.n; i++) {
		const struct al_field *f = &al_schema_costs.f[i];
		int64_t x, d;
		int w;

		memcpy(&x, (const char *)&m->costs + f->off, sizeof(x));
		memcpy(&d, (const char *)&c + f->off, sizeof(d));
		w = fprintf(out, "  %s: %s", f->key,
			    exact(v, sizeof(v), f->type, x));
		if (listed(f->key, measured) || x == d)
			fprintf(out, "%*s# %s", w < 34 ? 34 - w : 1, "",
				listed(f->key, measured) ? "measured" :
				base == AL_PROFILE_PYTHON ? "python default" :
				"c default");
		fputc('\n', out);
	}
}

int al_profile_prepare(const char *path, bool mkdirs)
{
	char dir[PATH_LEN];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (path[0] == '\0')
		return errno = ENOENT, -1;
	if (strlen(path) >= sizeof(dir))
		return errno = ENAMETOOLONG, -1;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return errno = EISDIR, -1;
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == path)
		strcpy(dir, "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	/* every prefix ending before a '/', then the whole directory */
	for (char *p = dir + 1; mkdirs && *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdirs && mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	if (stat(dir, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return errno = ENOTDIR, -1;
	return access(dir, W_OK | X_OK);
}
