/* The scenario and the report as run files store them (viz_file.h).
 * Format 5: key/value blocks (viz_kv.h) through viz_fields.c's tables, so
 * a member added to struct al_scenario or struct al_report, or a model
 * added to the registry, leaves older files readable.  Format 4: every
 * field by position, through the frozen tables of viz_fields_v4.c.
 * Internal to viz/. */
#ifndef VIZ_FIELDS_H
#define VIZ_FIELDS_H

#include "core/al_report.h"
#include "core/al_scenario.h"
#include "viz/viz_codec.h"

/* Format 5: a key/value block. */
void viz_fields_put_scenario(struct viz_enc *e, const struct al_scenario *sc);
/* 0, or -1 with d->err set; *sc is fully written either way: what the
 * file lacks has this build's default, and the models it does not name
 * are not enabled. */
int viz_fields_get_scenario(struct viz_dec *d, struct al_scenario *sc);

/* Format 5: the report's block; its model is stored by name apart (the
 * caller's), and get leaves r->model 0. */
void viz_fields_put_report(struct viz_enc *e, const struct al_report *r);
int viz_fields_get_report(struct viz_dec *d, struct al_report *r);

/* Format 4, read only: the same, by position (the model by number). */
int viz_fields_v4_get_scenario(struct viz_dec *d, struct al_scenario *sc);
int viz_fields_v4_get_report(struct viz_dec *d, struct al_report *r);

#endif
