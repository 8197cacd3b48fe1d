/* Machine profile files: what `asynclab calibrate` writes and a scenario
 * names with `machine: {profile: FILE}` (docs/costs.md, "Calibrating this
 * machine").
 *
 * A profile is a YAML mapping of the `machine` keys but `profile` --
 * cores, cpu, memory, address_space, fd_limit and costs: {...} -- with a
 * scenario's names, units and ranges: the scenario loader's own walk reads
 * it.  It starts from the default machine with the c profile's costs; in a
 * scenario, the machine section's other keys then override it.  Problems
 * inside a profile are reported as "profilefile:line:col: message". */
#ifndef AL_APP_PROFILE_H
#define AL_APP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/al_scenario.h"

/* The variable that names this host's profile file. */
#define AL_PROFILE_ENV "ASYNCLAB_PROFILE"

/* Where this host's profile lives: $ASYNCLAB_PROFILE when set and not
 * empty, else $XDG_CONFIG_HOME/asynclab/machine.yaml (XDG_CONFIG_HOME
 * only when absolute, as the XDG spec says), else
 * $HOME/.config/asynclab/machine.yaml.  Returns buf, or NULL with errno
 * ENOENT (none of them set) or ENAMETOOLONG. */
const char *al_profile_default_path(char *buf, size_t len);

/* Where the profile a scenario at scenario_path names lives: profile when
 * it is absolute or the scenario path has no directory, else the scenario's
 * directory joined with it (a leading "./" dropped).  Returns buf, or NULL
 * with errno ENAMETOOLONG. */
const char *al_profile_resolve(char *buf, size_t len,
			       const char *scenario_path, const char *profile);

/* Loads the profile at path into *m: the default machine with the c costs,
 * then the file's keys; m->profile is AL_PROFILE_FILE and m->profile_file
 * path.  Returns 0, or -1 with "file:line:col: message" in err and *m
 * untouched. */
int al_profile_load(const char *path, struct al_machine *m, char *err,
		    size_t errlen);

/* This host's machine, for the sim half of a sim-vs-real comparison: the
 * profile at al_profile_default_path() when that file exists, else the c
 * defaults (the default machine, profile AL_PROFILE_C and its costs; the
 * models' gil default is the caller's to set, false for both).  Returns 1
 * (the file), 0 (the defaults), or -1 with err when the file exists but
 * does not load; *m holds the c defaults then. */
int al_profile_host(struct al_machine *m, char *err, size_t errlen);

/* Writes m as a profile to out: cores, cpu, memory, address_space,
 * fd_limit and every cost, each value exact.  A cost whose key is in
 * measured (a NULL-terminated list, or NULL) is marked "# measured", else
 * one equal to the c profile's "# c default". */
void al_profile_format(FILE *out, const struct al_machine *m,
		       const char *const *measured);
/* The same, a cost not in measured marked by the profile it equals:
 * "# c default" or "# python default" (base: AL_PROFILE_C or _PYTHON). */
void al_profile_format_from(FILE *out, const struct al_machine *m,
			    const char *const *measured, enum al_profile base);

/* Makes sure a profile can be written at path before anything is measured:
 * with mkdirs, creates its missing parent directories (mode 0700, as XDG
 * asks); then checks that the parent is a writable directory and path not
 * a directory.  Returns 0, or -1 with errno (ENOENT, ENOTDIR, EACCES,
 * EROFS, EISDIR, ...).  What may be written there is al_write_check's to
 * say (core/al_write.h), and the profile is written by al_write_text. */
int al_profile_prepare(const char *path, bool mkdirs);

#endif
