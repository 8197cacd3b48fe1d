/* All-or-nothing file writes: see viz_atomic.h.  The temporary is
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

#include "viz/viz_atomic.h"

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

/* fsync the directory so the rename itself is durable; best effort (some
 * file systems refuse to open or sync a directory). */
static void sync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd;

	if (dir_of(path, dir, sizeof dir) != 0)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

static const char *kind_of(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISCHR(m) ? "a character device"
	     : S_ISBLK(m) ? "a block device" : S_ISFIFO(m) ? "a FIFO"
	     : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

int viz_atomic_check(const char *path, char *real, size_t n, char *err, size_t errlen)
{
	char buf[PATH_MAX], dir[PATH_MAX];
	const char *p = path;
	struct stat st;

	if (!*path) {
		snprintf(err, errlen, "(empty path): no file name");
		return -1;
	}
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (!realpath(path, buf)) {
			snprintf(err, errlen, "%s: a symbolic link to nowhere (%s)", path,
				 strerror(errno));
			return -1;
		}
		p = buf;
	}
	if (stat(p, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s: %s, not a file to write", path,
				 kind_of(st.st_mode));
			return -1;
		}
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (dir_of(p, dir, sizeof dir) != 0 || strlen(p) >= n) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	int e = stat(dir, &st) != 0 ? errno : !S_ISDIR(st.st_mode) ? ENOTDIR
	      : access(dir, W_OK | X_OK) != 0 ? errno : 0;
	if (e) {
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(e));
		return -1;
	}
	memcpy(real, p, strlen(p) + 1);
	return 0;
}

int viz_atomic_write(const char *path, viz_atomic_fill_fn fill, void *arg, char *err,
		     size_t errlen)
{
	static unsigned serial;
	const char *shown = path;
	char real[PATH_MAX];
	size_t plen;
	char *tmp = NULL;
	FILE *out = NULL;
	int fd = -1, saved;
	const char *what;

	if (viz_atomic_check(path, real, sizeof real, err, errlen) != 0)
		return -1;
	path = real;
	plen = strlen(path);
	tmp = malloc(plen + 48);
	if (!tmp) {
		snprintf(err, errlen, "%s: %s", shown, strerror(ENOMEM));
		return -1;
	}
	char dir[PATH_MAX];
	if (dir_of(path, dir, sizeof dir) != 0) {
		snprintf(err, errlen, "%s: %s", shown, strerror(ENAMETOOLONG));
		free(tmp);
		return -1;
	}
	for (int tries = 0; fd < 0 && tries < 100; tries++) {
		snprintf(tmp, plen + 48, "%s/.asynclab.%ld.%u.tmp", dir, (long)getpid(), serial++);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		saved = errno;
		snprintf(err, errlen, "%s: cannot create: %s", shown, strerror(saved));
		free(tmp);
		return -1;
	}
	out = fdopen(fd, "wb");
	if (!out) {
		what = "cannot write";
		goto fail;
	}
	fd = -1;                                        /* out owns it now */
	errno = 0;
	what = "cannot write";
	if (fill(out, arg) != 0 || fflush(out) != 0 || ferror(out))
		goto fail;
	if (fsync(fileno(out)) != 0)
		goto fail;
	if (fclose(out) != 0) {
		out = NULL;
		goto fail;
	}
	out = NULL;
	what = "cannot rename into place";
	if (rename(tmp, path) != 0)
		goto fail;
	sync_dir(path);
	free(tmp);
	return 0;
fail:
	saved = errno ? errno : EIO;
	if (out)
		fclose(out);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	snprintf(err, errlen, "%s: %s: %s", shown, what, strerror(saved));
	return -1;
}
