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

/* Creates path with fill's output (mode 0666 less the umask).  0, or -1
 * with err = "PATH: what went wrong" (one line). */
int viz_atomic_write(const char *path, viz_atomic_fill_fn fill, void *arg, char *err,
		     size_t errlen);

#endif
