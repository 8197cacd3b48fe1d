/* Writing a file all or nothing, for run files and trace exports: the
 * bytes go to a temporary file in the destination's directory (so the
 * rename cannot cross a file system), are flushed and fsync'ed, then the
 * temporary is renamed over the destination.  A reader sees the old file
 * or the whole new one, never half of it; on any failure the temporary is
 * removed and the destination is untouched. */
#ifndef VIZ_ATOMIC_H
#define VIZ_ATOMIC_H

#include <stddef.h>
#include <stdio.h>

/* Writes the file's contents to out: 0, or -1 (errno set, or 0 if the
 * error is a stream error that ferror() will report). */
typedef int (*viz_atomic_fill_fn)(FILE *out, void *arg);

/* Whether path can be written so: a regular file or none yet, in a
 * directory that exists and is writable.  A symbolic link is followed (the
 * file it names is the one replaced); a device, a FIFO, a directory or a
 * link to nowhere is refused, never replaced by a file.  0 with the path
 * to write in real[0 .. n), or -1 with err = "PATH: why" (one line). */
int viz_atomic_check(const char *path, char *real, size_t n, char *err, size_t errlen);

/* Creates path with fill's output (mode 0666 less the umask), after
 * viz_atomic_check.  0, or -1 with err = "PATH: what went wrong" (one
 * line). */
int viz_atomic_write(const char *path, viz_atomic_fill_fn fill, void *arg, char *err,
		     size_t errlen);

#endif
