/* The one writer of output files: see al_write.h.  The temporary is
 * ".asynclab.PID.N.tmp" in the destination's directory -- short, so any
 * name the directory takes has a temporary it takes too -- created with
 * O_EXCL so two writers (or a stale temporary from a crash) never share
 * one. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/al_write.h"

/* The directory part of path ("." for a bare name); 0, or -1 if too long. */
static int dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 1;

	if (slash && n == 0)
		n = 1;                                  /* "/file" */
	if (n >= len)
		return -1;
	memcpy(dir, slash ? path : ".", n);
	dir[n] = '\0';
	return 0;
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static const char *kind_of(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISCHR(m) ? "a character device"
	     : S_ISBLK(m) ? "a block device" : S_ISFIFO(m) ? "a FIFO"
	     : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/* Root may write any file; asynclab does not replace one that no write
 * bit allows (chmod a-w says "keep"). */
static int read_only(const char *path, const struct stat *st)
{
	return geteuid() == 0 ? (st->st_mode & 0222) == 0 : access(path, W_OK) != 0;
}

/* Whether the link at `link` (met resolving path) may be followed: ours,
 * and not in a sticky world-writable directory. */
static int refuse_link(const char *path, const char *link, const struct stat *st,
		       char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct stat d;
	const char *via = strcmp(path, link) == 0 ? "" : " (through ";

	if (st->st_uid != geteuid()) {
		snprintf(err, errlen, "%s: a symbolic link owned by another user (uid %lu)%s%s%s; "
			 "not followed", path, (unsigned long)st->st_uid, via, *via ? link : "",
			 *via ? ")" : "");
		return 1;
	}
	if (dir_of(link, dir, sizeof dir) == 0 && stat(dir, &d) == 0 &&
	    (d.st_mode & S_ISVTX) && (d.st_mode & S_IWOTH)) {
		snprintf(err, errlen, "%s: a symbolic link in a sticky world-writable "
			 "directory (%s)%s%s%s; not followed", path, dir, via, *via ? link : "",
			 *via ? ")" : "");
		return 1;
	}
	return 0;
}

/* path with every symbolic link in it resolved, one hop at a time, each
 * link judged by refuse_link -- the last name's and every directory's: a
 * link that may not be followed anywhere on the way is refused.  A name
 * that does not exist ends the walk (the rest is appended as it is).
 * 0 with out, or AL_WRITE_REFUSED / AL_WRITE_FAILED with err. */
static int resolve(const char *path, char *out, size_t n, char *err, size_t errlen)
{
	char done[PATH_MAX], todo[PATH_MAX], next[PATH_MAX], target[PATH_MAX];
	int hops = 0;

	snprintf(done, sizeof done, "%s", path[0] == '/' ? "" : ".");
	if (snprintf(todo, sizeof todo, "%s", path) >= (int)sizeof todo)
		goto too_long;
	char *rest = todo;
	while (*rest) {
		char *slash = strchr(rest, '/'), comp[NAME_MAX + 1];
		size_t len = slash ? (size_t)(slash - rest) : strlen(rest);
		struct stat st;

		if (len > NAME_MAX)
			goto too_long;
		memcpy(comp, rest, len);
		comp[len] = '\0';
		rest = slash ? slash + 1 : rest + len;
		if (len == 0 || strcmp(comp, ".") == 0)
			continue;
		if (snprintf(next, sizeof next, "%s/%s", done, comp) >= (int)sizeof next)
			goto too_long;
		if (lstat(next, &st) != 0 || !S_ISLNK(st.st_mode)) {
			/* a directory, a file, or nothing yet: taken as it is */
			memcpy(done, next, strlen(next) + 1);
			if (lstat(next, &st) != 0 && *rest) {
				if (snprintf(next, sizeof next, "%s/%s", done, rest) >= (int)sizeof next)
					goto too_long;
				memcpy(done, next, strlen(next) + 1);
				break;
			}
			continue;
		}
		if (refuse_link(path, next, &st, err, errlen))
			return AL_WRITE_REFUSED;
		ssize_t k = readlink(next, target, sizeof target - 1);
		if (k < 0 || ++hops > 40) {
			snprintf(err, errlen, "%s: %s", path, strerror(k < 0 ? errno : ELOOP));
			return AL_WRITE_FAILED;
		}
		target[k] = '\0';
		/* the link's target, then what was left after it */
		if (snprintf(next, sizeof next, "%s%s%s", target, *rest ? "/" : "", rest) >=
		    (int)sizeof next)
			goto too_long;
		memcpy(todo, next, strlen(next) + 1);
		rest = todo;
		if (target[0] == '/')
			done[0] = '\0';
	}
	if (!done[0])
		strcpy(done, "/");
	if (strlen(done) >= n)
		goto too_long;
	memcpy(out, done, strlen(done) + 1);
	return 0;
too_long:
	snprintf(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
	return AL_WRITE_FAILED;
}

int al_write_check(const char *path, char *real, size_t n, char *err, size_t errlen)
{
	char buf[PATH_MAX], dir[PATH_MAX];
	const char *p = buf;
	struct stat st;
	int rc;

	if (!*path) {
		snprintf(err, errlen, "(empty path): no file name");
		return AL_WRITE_REFUSED;
	}
	if (strcmp(path, "-") == 0) {            /* standard output */
		snprintf(real, n, "-");
		return 0;
	}
	if ((rc = resolve(path, buf, sizeof buf, err, errlen)) != 0)
		return rc;
	if (lstat(p, &st) != 0 && errno == ENOENT && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "%s: a symbolic link to nowhere (%s)", path, strerror(ENOENT));
		return AL_WRITE_REFUSED;
	}
	if (stat(p, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s: %s, not a file to write", path,
				 kind_of(st.st_mode));
			return AL_WRITE_REFUSED;
		}
		if (read_only(p, &st)) {
			snprintf(err, errlen, "%s: read-only (mode %04o); not replaced", path,
				 (unsigned)(st.st_mode & 07777));
			return AL_WRITE_REFUSED;
		}
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return AL_WRITE_FAILED;
	}
	if (dir_of(p, dir, sizeof dir) != 0 || strlen(p) >= n) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
		return AL_WRITE_FAILED;
	}
	int e = stat(dir, &st) != 0 ? errno : !S_ISDIR(st.st_mode) ? ENOTDIR
	      : access(dir, W_OK | X_OK) != 0 ? errno : 0;
	if (e) {
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(e));
		return AL_WRITE_FAILED;
	}
	memcpy(real, p, strlen(p) + 1);
	return 0;
}

/* A new temporary in dirfd, carrying the mode (and for root the owner) of
 * the file it will replace: its fd, or -1. */
static int create_tmp(int dirfd, const char *name, char *tmp, size_t len)
{
	static unsigned serial;
	struct stat st;
	int fd = -1;

	for (int tries = 0; fd < 0 && tries < 100; tries++) {
		snprintf(tmp, len, ".asynclab.%ld.%u.tmp", (long)getpid(), serial++);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			return -1;
	}
	if (fd >= 0 && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode)) {
		/* best effort: chown before chmod, which it would undo */
		if (geteuid() == 0)
			(void)!fchown(fd, st.st_uid, st.st_gid);
		(void)fchmod(fd, st.st_mode & 07777);
	}
	return fd;
}

static void unstage(struct al_write_staged *f, int keep)
{
	if (!keep)
		unlinkat(f->dirfd, f->tmp, 0);
	close(f->dirfd);
	free(f->tmp);
	free(f->name);
	free(f->shown);
	*f = (struct al_write_staged){.dirfd = -1};
}

int al_write_file(struct al_write_set *set, const char *path, al_write_fill_fn fill,
		  void *arg, char *err, size_t errlen)
{
	char real[PATH_MAX], dir[PATH_MAX], tmp[64] = "";
	struct al_write_staged f = {.dirfd = -1};
	const char *what = "cannot create";
	FILE *out = NULL;
	int fd = -1, rc;

	if ((rc = al_write_check(path, real, sizeof real, err, errlen)) != 0)
		return rc;
	if (strcmp(path, "-") == 0) {            /* stdout: at once, staged or not */
		errno = 0;
		if (fill(stdout, arg) != 0 || fflush(stdout) != 0 || ferror(stdout)) {
			snprintf(err, errlen, "-: cannot write to standard output: %s",
				 strerror(errno ? errno : EIO));
			return AL_WRITE_FAILED;
		}
		return 0;
	}
	if (set && set->n == AL_WRITE_SET_MAX) {
		snprintf(err, errlen, "%s: more than %d files at once", path, AL_WRITE_SET_MAX);
		return AL_WRITE_FAILED;
	}
	if (dir_of(real, dir, sizeof dir) != 0 ||
	    (f.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (fd = create_tmp(f.dirfd, base_of(real), tmp, sizeof tmp)) < 0)
		goto fail;
	if (!(f.tmp = strdup(tmp)) || !(f.name = strdup(base_of(real))) ||
	    !(f.shown = strdup(path)))
		goto fail;
	what = "cannot write";
	if (!(out = fdopen(fd, "wb")))
		goto fail;
	fd = -1;                                        /* out owns it now */
	errno = 0;
	if (fill(out, arg) != 0 || fflush(out) != 0 || ferror(out) || fsync(fileno(out)) != 0)
		goto fail;
	rc = fclose(out);
	out = NULL;
	if (rc != 0)
		goto fail;
	if (set) {
		set->f[set->n++] = f;
		return 0;
	}
	struct al_write_set one = {.n = 1, .f = {f}};
	return al_write_commit(&one, err, errlen);
fail:
	rc = errno ? errno : EIO;
	/* only a temporary this call made is removed: a name create_tmp tried
	 * and found taken is another writer's */
	int created = out != NULL || fd >= 0 || f.tmp != NULL;
	if (out)
		fclose(out);
	if (fd >= 0)
		close(fd);
	if (f.dirfd >= 0 && f.tmp) {
		unstage(&f, 0);
	} else if (f.dirfd >= 0) {
		if (created)
			unlinkat(f.dirfd, tmp, 0);
		close(f.dirfd);
		free(f.name);
	}
	snprintf(err, errlen, "%s: %s: %s", path, what, strerror(rc));
	return AL_WRITE_FAILED;
}

struct text {
	const char *p;
	size_t len;
};

static int put_text(FILE *out, void *arg)
{
	const struct text *t = arg;

	return fwrite(t->p, 1, t->len, out) == t->len ? 0 : -1;
}

int al_write_text(struct al_write_set *set, const char *path, const char *text, size_t len,
		  char *err, size_t errlen)
{
	struct text t = {text, len};

	return al_write_file(set, path, put_text, &t, err, errlen);
}

int al_write_commit(struct al_write_set *set, char *err, size_t errlen)
{
	int rc = 0;

	for (int i = 0; i < set->n; i++) {
		struct al_write_staged *f = &set->f[i];

		if (rc == 0 && renameat(f->dirfd, f->tmp, f->dirfd, f->name) != 0) {
			snprintf(err, errlen, "%s: cannot rename into place: %s", f->shown,
				 strerror(errno));
			rc = AL_WRITE_FAILED;
		}
		/* the rename itself made durable; best effort (some file
		 * systems refuse to sync a directory) */
		if (rc == 0)
			(void)fsync(f->dirfd);
		unstage(f, rc == 0);
	}
	set->n = 0;
	return rc;
}

void al_write_abort(struct al_write_set *set)
{
	for (int i = 0; i < set->n; i++)
		unstage(&set->f[i], 0);
	set->n = 0;
}
