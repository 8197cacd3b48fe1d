/* A tiny streaming JSON writer for `asynclab run --json`.
 *
 * Output is deterministic: a fixed layout (two-space indentation, one member
 * per line, like `jq .`), integers printed exactly, fractions with a fixed
 * number of decimals, so the same values always give the same bytes.
 * Strings are escaped as RFC 8259 requires: '"', '\\' and control characters
 * (U+0000..U+001F); every other byte, UTF-8 included, passes through. */
#ifndef AL_JSON_H
#define AL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define AL_JSON_MAX_DEPTH 16

/* Invariant: first[d] is true while the container open at depth d has no
 * member yet; after_key is true between a key and its value. */
struct al_json {
	FILE *out;
	int depth;
	bool after_key;
	bool first[AL_JSON_MAX_DEPTH + 1];
};

void al_json_init(struct al_json *j, FILE *out);
/* Containers; nesting deeper than AL_JSON_MAX_DEPTH aborts. */
void al_json_begin_object(struct al_json *j);
void al_json_end_object(struct al_json *j);
void al_json_begin_array(struct al_json *j);
void al_json_end_array(struct al_json *j);
/* A member's key, inside an object; the next call writes its value. */
void al_json_key(struct al_json *j, const char *key);
/* Values.  al_json_fixed prints `decimals` digits after the point (0..17);
 * a NaN or infinity is written as null.  al_json_hex64 writes a string of
 * 16 lower-case hex digits, for hashes a double cannot hold. */
void al_json_str(struct al_json *j, const char *s);
void al_json_i64(struct al_json *j, int64_t v);
void al_json_u64(struct al_json *j, uint64_t v);
void al_json_fixed(struct al_json *j, double v, int decimals);
void al_json_hex64(struct al_json *j, uint64_t v);
void al_json_bool(struct al_json *j, bool v);
void al_json_null(struct al_json *j);
/* A value given as text this writer wrote at depth text_depth (a row a
 * file kept), indented again for where it goes: the same bytes as
 * writing the value here. */
void al_json_raw(struct al_json *j, const char *text, int text_depth);
/* Ends the document with a newline; the depth must be back to 0. */
void al_json_finish(struct al_json *j);

/* Writes s as a quoted, escaped JSON string. */
void al_json_escape(FILE *out, const char *s);

#endif
