/* Internal to run files (viz_file.c, viz_file_trace.c). */
#ifndef VIZ_FILE_INT_H
#define VIZ_FILE_INT_H

#include <stddef.h>

#include "core/al_trace.h"
#include "viz/viz_codec.h"
#include "viz/viz_file.h"

/* snprintf into err; returns -1, so that `return viz_file_errf(...)`. */
__attribute__((format(printf, 3, 4)))
int viz_file_errf(char *err, size_t errlen, const char *fmt, ...);
/* The same into the caller's err and errlen. */
#define FAIL(...) viz_file_errf(err, errlen, __VA_ARGS__)

/* Appends tr after checking it obeys the rules every trace the viewer
 * draws obeys; -1 with err = "WHO: what is wrong" (nothing appended). */
int viz_file_put_trace(struct viz_enc *e, const struct al_trace *tr, const char *who, char *err,
		       size_t errlen);
/* Reads one trace of a file of format `version` into tr (uninitialised
 * on entry, freed on failure): 0, or -1 with d->err set. */
int viz_file_get_trace(struct viz_dec *d, struct al_trace *tr, uint32_t version);

#endif
