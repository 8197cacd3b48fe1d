/* Internal to the scenario loader: YAML text -> a small tree of nodes with
 * their line and column, and the "file:line:col: message" error helper.
 *
 * The tree is built from libyaml's event stream, so limits are enforced
 * while reading: one document, no aliases (no billion-laughs expansion),
 * nesting at most AL_YTREE_MAX_DEPTH, at most AL_YTREE_MAX_NODES nodes. */
#ifndef AL_SCENARIO_TREE_H
#define AL_SCENARIO_TREE_H

#include <stdbool.h>
#include <stddef.h>

#define AL_YTREE_MAX_DEPTH 32
#define AL_YTREE_MAX_NODES 100000

enum al_ynode_type { AL_YSCALAR, AL_YMAP, AL_YSEQ };

/* A mapping keeps its keys and values alternating in kid[]: key 0, value 0,
 * key 1, ...; a sequence keeps its items.  Scalars are NUL-terminated but
 * may hold NUL bytes of their own ("\0" in double quotes): len is exact. */
struct al_ynode {
	enum al_ynode_type type;
	int line, col;               /* 1-based, of the node's first char  */
	bool plain;                  /* a scalar written without quotes    */
	char *str;
	size_t len;
	struct al_ynode **kid;
	size_t nkid, cap;
};

/* Where messages go: "file:line:col: message" into buf. */
struct al_yerr {
	const char *file;
	char *buf;
	size_t len;
	bool quiet;                  /* the file's text is not shown (a profile) */
};

/* Writes the message for a position and returns -1, so callers can
 * `return al_yerr_at(...)`.  Never writes a newline. */
__attribute__((format(printf, 4, 5)))
int al_yerr_at(struct al_yerr *e, int line, int col, const char *fmt, ...);

/* Parses text into *root.  Returns 0 (with *root NULL for a stream with no
 * content: empty, comments only, or a lone empty document) or -1 with the
 * message in e. */
int al_ytree_parse(const char *text, size_t len, struct al_ynode **root,
		   struct al_yerr *e);
void al_ytree_free(struct al_ynode *n);

/* A YAML null: an empty plain scalar, "~" or "null". */
bool al_ynode_is_null(const struct al_ynode *n);
/* The value for key in a mapping, or NULL; *key_out gets the key node. */
const struct al_ynode *al_ynode_get(const struct al_ynode *map, const char *key,
				    const struct al_ynode **key_out);
/* "a mapping", "a list", "a value" (for "expected X, not Y" messages). */
const char *al_ynode_kind(const struct al_ynode *n);


#endif
