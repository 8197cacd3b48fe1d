/* The scenario and the report as run files store them (viz_file.h): every
 * field, in a fixed order, through viz_codec's field tables.  A field added
 * to struct al_scenario or struct al_report changes the struct's size, which
 * run files record, so older files are refused until the table here and
 * VIZ_FILE_VERSION follow.  Internal to viz/. */
#ifndef VIZ_FIELDS_H
#define VIZ_FIELDS_H

#include "core/al_report.h"
#include "core/al_scenario.h"
#include "viz/viz_codec.h"

void viz_fields_put_scenario(struct viz_enc *e, const struct al_scenario *sc);
/* 0, or -1 with d->err set; *sc is fully written either way. */
int viz_fields_get_scenario(struct viz_dec *d, struct al_scenario *sc);

void viz_fields_put_report(struct viz_enc *e, const struct al_report *r);
int viz_fields_get_report(struct viz_dec *d, struct al_report *r);

#endif
