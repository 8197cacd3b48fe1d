/* Key/value blocks: how run files of format 5 store the scenario and the
 * report rows (viz_file.h), so that a field added to either struct, or a
 * model added to the registry, leaves older files readable.
 *
 * A block is a list of entries ended by an empty key: each a string key,
 * a type byte and the value --
 *   VIZ_KV_INT   a zigzag varint (ints, enums, bools)
 *   VIZ_KV_UINT  a varint (uint64_t)
 *   VIZ_KV_F64   8 bytes, the IEEE-754 bits
 *   VIZ_KV_STR   a string
 * A key is the member's path through the field tables (viz_codec.h),
 * segments joined by '.': "machine.costs.syscall_ns", an array's element
 * by its index ("server.faults.1") or, for the models' array, by the
 * model's name ("models.thread.workers").
 *
 * Reading applies each entry to the struct through the same tables: a key
 * this build does not know (a field or a model of a newer build) is
 * skipped, its value read past; a field the file lacks keeps whatever the
 * caller put there (the defaults); a value of the wrong type or out of
 * range is refused.  Internal to viz/. */
#ifndef VIZ_KV_H
#define VIZ_KV_H

#include <stdbool.h>

#include "viz/viz_codec.h"

enum viz_kv_type { VIZ_KV_INT, VIZ_KV_UINT, VIZ_KV_F64, VIZ_KV_STR };

/* The longest key a reader takes. */
#define VIZ_KV_KEY_MAX 128

/* Appends an entry per scalar of obj, keys prefixed with prefix ("" or
 * ending in '.'); zeros false leaves out the scalars whose bytes are all 0
 * (for a struct whose reader starts from zeros: the report). */
void viz_kv_put(struct viz_enc *e, const char *prefix, const struct viz_field *f, size_t nf,
		const void *obj, bool zeros);
void viz_kv_put_int(struct viz_enc *e, const char *key, int64_t v);
/* Ends a block. */
void viz_kv_end(struct viz_enc *e);

/* Reads one entry's key into key[VIZ_KV_KEY_MAX + 1]: 1, or 0 at the
 * block's end, or -1 with d->err set. */
int viz_kv_key(struct viz_dec *d, char *key);
/* Reads the value of the entry whose key was key into obj (the struct the
 * tables describe) if the tables have key: 1 stored, 0 not a key of
 * theirs (the value skipped), -1 with d->err set. */
int viz_kv_value(struct viz_dec *d, const char *key, const struct viz_field *f, size_t nf,
		 void *obj);
/* Reads an integer value into *v: 0, or -1 (another type, d->err set). */
int viz_kv_int(struct viz_dec *d, int64_t *v);
/* Reads past a value of any type: 0 or -1. */
int viz_kv_skip(struct viz_dec *d);

#endif
