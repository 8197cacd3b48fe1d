/* `asynclab run c10k`: a scenario by its name.  An argument that names
 * no file and has no '/' is looked up as NAME.yaml (or NAME if it ends in
 * .yaml) in the scenario folders: beside the binary (scenarios/, in a
 * build tree), one up (../scenarios, build/asynclab's tree), the
 * installed ../share/asynclab/scenarios, then AL_SHARE_DIR (the PREFIX
 * of `make install`). */
#ifndef AL_SCENARIO_FIND_H
#define AL_SCENARIO_FIND_H

#include <stddef.h>

/* The path to open for arg in buf: arg itself when it names a file or
 * cannot be a name, else the first found.  Returns buf. */
const char *al_scenario_find(const char *arg, char *buf, size_t n);

#endif
