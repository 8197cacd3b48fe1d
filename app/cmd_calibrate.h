/* `asynclab calibrate [--out FILE]`: measure this machine's costs
 * (net/net_calib.h) and write them as a machine profile (conf/profile.h). */
#ifndef AL_CMD_CALIBRATE_H
#define AL_CMD_CALIBRATE_H

#include <stdbool.h>

#include "app/cli.h"
#include "core/al_scenario.h"
#include "net/net_calib.h"
#include "net/net_calib_py.h"

/* Runs cli (cmd AL_CLI_CALIBRATE): checks that the profile can be written
 * (--out FILE, else al_profile_default_path(), whose directories it
 * creates), measures, prints a table of the figures against the c
 * defaults, writes the profile atomically and says where.  Returns the exit
 * status: 0 written (figures that could not be measured keep the c default,
 * with a warning on stderr), 1 nowhere to write, the write failed, or
 * nothing could be measured, 2 the path is one al_write_check refuses (a
 * device, a FIFO, a directory, a link it must not follow, a read-only
 * file).  bold: table header in bold. */
int al_cmd_calibrate(const struct al_cli *cli, bool bold);

/* Settles, before anything is measured, that a profile can be written at
 * path (al_profile_prepare, its directories made when mkdirs, then
 * al_write_check): 0, or the exit status (1 or 2) with the message on
 * stderr. */
int al_calibrate_dest(const char *path, bool mkdirs);

/* Writes text[0 .. len) to path whole or not at all (al_write_text): 0, or
 * the exit status (1 or 2) with the message on stderr. */
int al_calibrate_save(const char *path, const char *text, size_t len);

/* The machine a calibration describes, as its profile file loads: the
 * default machine with the c costs, the measured figures over them, and
 * the cores, cpu, memory and fd limit that could be read; profile
 * AL_PROFILE_FILE at path. */
void al_calibrate_machine(const struct net_calib *c, const char *path,
			  struct al_machine *m);

/* Writes the profile of c (m from al_calibrate_machine) to path
 * atomically, with a comment saying when, where and what was measured.
 * Returns 0, or the exit status (1 or 2) with a message on stderr and
 * path untouched. */
int al_calibrate_write(const char *path, const struct net_calib *c,
		       const struct al_machine *m);

/* `calibrate --python` (app/cmd_calibrate_py.c), which al_cmd_calibrate
 * hands cli to: CPython's figures measured with python3, over the python
 * profile's defaults, written to --out FILE, else to python.yaml in the
 * directory of al_profile_default_path() (created).  Returns the exit
 * status: 0 written; 1 nowhere to write, the write failed, python3 cannot
 * be run or a probe failed (one line on stderr says which); 2 as
 * al_cmd_calibrate. */
int al_cmd_calibrate_py(const struct al_cli *cli, bool bold);

/* The machine of a python calibration: the default machine with the
 * python costs, the measured figures over them, and this machine's cores,
 * cpu, memory and fd limit; profile AL_PROFILE_FILE at path. */
void al_calibrate_py_machine(const struct net_calib_py *p, const char *path,
			     struct al_machine *m);

/* Writes the python profile of p (m from al_calibrate_py_machine) to path
 * atomically, as al_calibrate_write. */
int al_calibrate_py_write(const char *path, const struct net_calib_py *p,
			  const struct al_machine *m);

#endif
