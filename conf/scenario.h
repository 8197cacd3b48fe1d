/* Scenario files: YAML in, a validated struct al_scenario out
 * (docs/scenarios.md is the reference of every key).
 *
 * Every key is optional and starts from al_scenario_default().  Anything
 * wrong -- YAML syntax, bytes that are not UTF-8, an unknown or duplicate
 * key, a wrong type, a bad or missing unit, a value out of range -- is
 * reported as one line "file:line:col: message", 1-based, pointing at the
 * offending node (line 1 col 1 for problems with the whole file). */
#ifndef AL_APP_SCENARIO_H
#define AL_APP_SCENARIO_H

#include <stddef.h>
#include <stdio.h>

#include "core/al_scenario.h"

/* Files and strings larger than this are refused. */
#define AL_SCENARIO_MAX_BYTES (1024 * 1024)

/* 0 on success; -1 with err = "file:line:col: message" (no trailing
 * newline).  On error *sc is left untouched.  On success sc->path is path
 * and, when the file has no `name`, sc->name is the file's base name
 * without its .yaml / .yml extension. */
int al_scenario_load_file(const char *path, struct al_scenario *sc, char *err,
			  size_t errlen);
/* The same for text in memory (len bytes, no NUL needed); name stands for
 * the file in messages, sc->path and the default sc->name. */
int al_scenario_load_string(const char *name, const char *text, size_t len,
			    struct al_scenario *sc, char *err, size_t errlen);

/* Applies n `--set KEY=VALUE` options (KEY a dotted path: network.rtt,
 * machine.costs.connect, models.thread.workers) over sc, which holds a
 * loaded scenario: the value is read as in a file, with the file's units,
 * ranges and checks; a later option wins over an earlier one for the same
 * key.  0, or -1 with err = "--set KEY=VALUE: message" (no newline), sc
 * left untouched. */
int al_scenario_set(struct al_scenario *sc, const char *const *sets, int n,
		    char *err, size_t errlen);

/* Reads what is left of fd, at most AL_SCENARIO_MAX_BYTES, into *text (a
 * malloc'd buffer, not NUL-terminated, the caller frees it) and *len.
 * Returns 0, or -1 with errno: EFBIG for more than the limit, ENOMEM, or
 * read's.  Shared with the machine profile loader. */
int al_scenario_read_fd(int fd, char **text, size_t *len);

/* Prints a human summary of a validated scenario (what `asynclab check`
 * shows): every section on a line or two, units written out. */
void al_scenario_summary(FILE *out, const struct al_scenario *sc);

#endif
