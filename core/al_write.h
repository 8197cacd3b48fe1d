/* The one writer of asynclab's output files: run's --save, --trace and
 * --png, view's, the window's screenshots, calibrate's profile.
 *
 * A file is written whole or not at all: its bytes go to a temporary in
 * the destination's directory (so the rename cannot cross a file system),
 * are flushed and fsync'ed, then the temporary is renamed over the
 * destination.  A reader sees the old file or the whole new one; on any
 * failure the temporary is removed and the destination is untouched.
 * Several files can be written as a set, all of them or none.
 *
 * What it refuses to replace (bad input, AL_WRITE_REFUSED):
 *   - anything but a regular file: a device, a FIFO, a socket, a directory;
 *   - a file no write permission lets us write (mode 0444, even as root);
 *   - a symbolic link that another user owns, or that sits in a sticky
 *     world-writable directory such as /tmp (the kernel's own rule for
 *     protected_symlinks, made strict: a root run there must not replace
 *     the file another user's link points at);
 *   - a link to nowhere.
 * A link it may follow is resolved once; the temporary is created and
 * renamed through a descriptor of the resolved directory, so a name
 * swapped in between is replaced, never followed.  An existing file keeps
 * its mode (and, written by root, its owner). */
#ifndef AL_WRITE_H
#define AL_WRITE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

enum {
	AL_WRITE_FAILED = 1,           /* cannot be written here (exit 1)  */
	AL_WRITE_REFUSED = 2,          /* must not be written (exit 2)     */
};

/* Writes the file's contents to out: 0, or -1 (errno set, or 0 if the
 * error is a stream error that ferror() will report). */
typedef int (*al_write_fill_fn)(FILE *out, void *arg);

#define AL_WRITE_SET_MAX 8

/* Files written, not yet in place: see al_write_file.  Zero it to start. */
struct al_write_set {
	int n;
	struct al_write_staged {
		int dirfd;             /* the destination's directory       */
		char *tmp, *name;      /* names in it                       */
		char *shown;           /* the path as the user gave it      */
	} f[AL_WRITE_SET_MAX];
};

/* Whether path can be written, as above: 0 with the path it would write
 * (links resolved) in real[0 .. n); or AL_WRITE_REFUSED or
 * AL_WRITE_FAILED (no such directory, not writable) with err =
 * "PATH: why" (one line).  "-" is standard output: always 0, real "-". */
int al_write_check(const char *path, char *real, size_t n, char *err, size_t errlen);

/* Writes path with fill's output (mode 0666 less the umask for a new
 * file).  With set NULL the file is in place on return; otherwise it is
 * written and staged in set, and in place only once al_write_commit(set)
 * succeeds.  0, or AL_WRITE_REFUSED / AL_WRITE_FAILED with err = "PATH:
 * what went wrong" (one line); a failure stages nothing.  path "-":
 * fill writes standard output at once, set or not (nothing to undo). */
int al_write_file(struct al_write_set *set, const char *path, al_write_fill_fn fill,
		  void *arg, char *err, size_t errlen);

/* Writes len bytes of text to path, as al_write_file. */
int al_write_text(struct al_write_set *set, const char *path, const char *text, size_t len,
		  char *err, size_t errlen);

/* Puts every staged file in place: 0, or AL_WRITE_FAILED with err when a
 * rename failed (the files before it are in place, the rest removed:
 * renames are the one step that cannot be undone together).  The set is
 * empty after either. */
int al_write_commit(struct al_write_set *set, char *err, size_t errlen);

/* Removes every staged file; the destinations are untouched. */
void al_write_abort(struct al_write_set *set);

#endif
