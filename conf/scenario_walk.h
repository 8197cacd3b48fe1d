/* Internal to the scenario loader: the state of one walk over a YAML tree,
 * its message helpers, and the readers of the keys that are more than one
 * value (distributions, the profile, the models and events lists). */
#ifndef AL_SCENARIO_WALK_H
#define AL_SCENARIO_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/scenario_schema.h"

struct al_walk {
	struct al_yerr *e;
	struct al_scenario *sc;
	char path[128];              /* key path for messages: "network.rtt" */
	struct al_event_cfg *ev;     /* the event being read, or NULL        */
	int model;                   /* the model item being read, or -1     */
	bool profile;                /* reading a machine profile file       */
	bool shown;                  /* ... whose text messages may quote    */
	int faults_line, faults_col; /* where server.faults was (0: nowhere) */
};

extern const struct al_section al_schema_model;
extern const struct al_section al_schema_event;

/* "path: message" at node n; returns -1. */
__attribute__((format(printf, 3, 4)))
int al_walk_fail(struct al_walk *w, const struct al_ynode *n,
		 const char *fmt, ...);
/* The scalar's text, or NULL after reporting "expected <what>, not a
 * mapping" (or a NUL byte inside it). */
const char *al_walk_scalar(struct al_walk *w, const struct al_ynode *n,
			   const char *what);
/* The file's text for a message (al_quote), or "…" in a machine profile
 * file not known to be one (w->shown: its top-level keys are all profile
 * keys): a scenario may name any file as its profile (/etc/shadow), and
 * none of such a file is shown.  Returns q. */
const char *al_walk_quote(const struct al_walk *w, char *q, size_t n, const char *s,
			  size_t len);
/* Appends ".key" (or "[i]") to the path; returns the mark to pop back to. */
size_t al_walk_push(struct al_walk *w, const char *key);
size_t al_walk_index(struct al_walk *w, size_t i);
void al_walk_pop(struct al_walk *w, size_t mark);

/* The closest name to s (case-insensitive edit distance with
 * transpositions; a prefix of three letters or more counts as close), or
 * NULL when none is close enough to be a typo. */
const char *al_suggest(const char *s, const char *const *names, size_t n);
/* "a, b or c" into buf (last: " or ", " and "). */
void al_join(char *buf, size_t len, const char *const *names, size_t n,
	     const char *last);

/* The generic walk (scenario_schema.c). */
int al_walk_map(struct al_walk *w, const struct al_ynode *map,
		const struct al_section *sec, void *base, bool events_only);
int al_walk_field(struct al_walk *w, const struct al_field *f,
		  const struct al_ynode *v, void *base);
/* A number with f's unit, range-checked against f->min .. f->max. */
int al_walk_quantity(struct al_walk *w, const struct al_field *f,
		     const struct al_ynode *v, int64_t *out);
/* A value of type t, exactly, for messages and the summary: in a readable
 * unit when that is exact ("150 ms", "4 KiB"), else in the base unit
 * ("1256 B", "1234567 ns"); counts as plain integers.  Returns buf. */
const char *al_walk_fmt(char *buf, size_t n, enum al_ftype t, int64_t v);

/* The readers with a shape of their own (scenario_dist.c, scenario_walk.c). */
int al_walk_dist(struct al_walk *w, const struct al_field *f,
		 const struct al_ynode *v, struct al_dist *d);
int al_walk_profile(struct al_walk *w, const struct al_ynode *v,
		    struct al_machine *m);
/* Loads the profile file m->profile_file names (conf/profile.c) over m:
 * relative to the scenario's directory; a file that cannot be opened is
 * reported at v, problems inside it as "profilefile:line:col: ...". */
int al_walk_profile_file(struct al_walk *w, const struct al_ynode *v,
			 struct al_machine *m);
int al_walk_models(struct al_walk *w, const struct al_ynode *v);
int al_walk_events(struct al_walk *w, const struct al_ynode *v);
int al_walk_link(struct al_walk *w, const struct al_ynode *v);
/* server.faults: each a probability, adding up to at most 1. */
int al_walk_faults(struct al_walk *w, const struct al_ynode *v, struct al_server *srv);
extern const struct al_section al_schema_faults;

#endif
