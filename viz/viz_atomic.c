/* All-or-nothing file writes: see viz_atomic.h.  The temporary's name is
 * the destination's plus ".tmp.PID.N", created with O_EXCL so two writers
 * (or a stale temporary from a crash) never share one. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "viz/viz_atomic.h"

/* fsync the directory so the rename itself is durable; best effort (some
 * file systems refuse to open or sync a directory). */
static void sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int fd;

	if (!slash) {
		strcpy(dir, ".");
	} else {
		size_t n = (size_t)(slash - path);
		if (n == 0)
			n = 1;                          /* "/file" */
		if (n >= sizeof dir)
			return;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int viz_atomic_write(const char *path, viz_atomic_fill_fn fill, void *arg, char *err,
		     size_t errlen)
{
	static unsigned serial;
	size_t plen = strlen(path);
	char *tmp = NULL;
	FILE *out = NULL;
	int fd = -1, saved;
	const char *what;

	if (plen == 0) {
		snprintf(err, errlen, "(empty path): no file name");
		return -1;
	}
	tmp = malloc(plen + 48);
	if (!tmp) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -1;
	}
	for (int tries = 0; fd < 0 && tries < 100; tries++) {
		snprintf(tmp, plen + 48, "%s.tmp.%ld.%u", path, (long)getpid(), serial++);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		saved = errno;
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(saved));
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
	snprintf(err, errlen, "%s: %s: %s", path, what, strerror(saved));
	return -1;
}
