/* Internal to the scenario loader: the schema (which keys exist, their
 * types, units, ranges and where they land in struct al_scenario) and the
 * walk that applies a node tree to a scenario. */
#ifndef AL_SCENARIO_SCHEMA_H
#define AL_SCENARIO_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "conf/scenario_tree.h"
#include "core/al_scenario.h"

enum al_ftype {
	AL_F_STR,        /* char[size]                                  */
	AL_F_HOST,       /* char[size], a host name or address          */
	AL_F_BOOL,       /* bool                                        */
	AL_F_SEED,       /* uint64_t, any value                         */
	AL_F_COUNT,      /* int or int64_t (size), a count              */
	AL_F_DURATION,   /* int64_t ns                                  */
	AL_F_SIZE,       /* int64_t bytes                               */
	AL_F_BANDWIDTH,  /* int64_t bit/s                               */
	AL_F_FREQUENCY,  /* int64_t Hz                                  */
	AL_F_PROB,       /* double in [0, 1]                            */
	AL_F_TIME_DIST,  /* struct al_dist of ns                        */
	AL_F_SIZE_DIST,  /* struct al_dist of bytes                     */
	AL_F_ENUM,       /* an enum, names in `names` (NULL-terminated) */
	AL_F_PROFILE,    /* machine.profile                             */
	AL_F_SECTION,    /* a nested mapping described by `sub`         */
	AL_F_MODELS,     /* the models list                             */
	AL_F_EVENTS,     /* the events list                             */
	AL_F_LINK,       /* an event's link: down | up                  */
	AL_F_FAULTS,     /* server.faults: probabilities adding to <= 1 */
	AL_F_SKIP,       /* read by the caller (a model's name)         */
};

struct al_section;

/* One key.  min and max bound the value in the field's unit (for a
 * distribution: each of its parameters).  ev: the AL_EV_ flag an event sets
 * when it changes this key (0: not allowed in events).  Which models a
 * model item's key applies to is the registry's (core/al_models.def). */
struct al_field {
	const char *key;
	enum al_ftype type;
	size_t off;
	size_t size;
	int64_t min, max;
	const char *const *names;
	const struct al_section *sub;
	unsigned ev;
};

struct al_section {
	const char *path;        /* "network", "machine.costs"; "" at top   */
	const struct al_field *f;
	size_t n;
};

extern const struct al_section al_schema_top;
/* machine.costs: every field an int64_t duration or size. */
extern const struct al_section al_schema_costs;
/* A machine profile file: machine's keys but `profile`, on a struct
 * al_machine. */
extern const struct al_section al_schema_profile;

/* Applies the top-level mapping root to sc, which holds the defaults.
 * Returns 0 or -1 with the message in e. */
int al_schema_apply(const struct al_ynode *root, struct al_scenario *sc,
		    struct al_yerr *e);

#endif
