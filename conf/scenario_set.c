/* `--set KEY=VALUE`: scenario keys from the command line, through the
 * scenario file's own schema walk.
 *
 * Every option becomes a branch of one YAML node tree, as if the file had
 * said `network: {rtt: 50ms}`; the tree is then applied over the loaded
 * scenario by al_schema_apply, so units, ranges, suggestions and the
 * cross-key checks are the file's, not a copy of them.  Each node carries
 * the option's index as its "line", which is how a message finds the
 * option to name.  models.NAME.KEY goes through the model item's schema on
 * that model alone: in a file `models:` is a list that replaces the whole
 * set, which is not what `--set models.thread.workers=50` means. */
#include "conf/scenario.h"

#include <stdlib.h>
#include <string.h>

#include "conf/scenario_walk.h"
#include "core/al_units.h"

/* A --set's key: at most this many dotted parts (machine.costs.x is 3). */
#define SET_MAX_PARTS 8

static struct al_ynode *node_new(enum al_ynode_type t, int line, const char *s, size_t len)
{
	struct al_ynode *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->type = t;
	n->line = line;
	n->col = 1;
	n->plain = true;
	if (t == AL_YSCALAR) {
		if ((n->str = malloc(len + 1)) == NULL) {
			free(n);
			return NULL;
		}
		memcpy(n->str, s, len);
		n->str[len] = '\0';
		n->len = len;
	}
	return n;
}

static int kid_add(struct al_ynode *map, struct al_ynode *k)
{
	if (map->nkid == map->cap) {
		size_t cap = map->cap ? map->cap * 2 : 4;
		struct al_ynode **kid = realloc(map->kid, cap * sizeof(*kid));

		if (kid == NULL)
			return -1;
		map->kid = kid;
		map->cap = cap;
	}
	map->kid[map->nkid++] = k;
	return 0;
}

/* Every node of the value takes the option's index as its line. */
static void mark_line(struct al_ynode *n, int line)
{
	n->line = line;
	for (size_t i = 0; i < n->nkid; i++)
		mark_line(n->kid[i], line);
}

/* Puts value at parts[0..nparts) under map, making the mappings on the
 * way; a key given twice keeps the later value (as a later option wins).
 * Takes value in every case.  0 or -1 (out of memory). */
static int tree_put(struct al_ynode *map, char parts[][64], int nparts,
		    struct al_ynode *value, int line)
{
	for (int d = 0; d < nparts; d++) {
		struct al_ynode *v = NULL;
		bool last = d == nparts - 1;
		size_t i = 0;

		for (; i + 1 < map->nkid && v == NULL; i += 2)
			if (strcmp(map->kid[i]->str, parts[d]) == 0)
				v = map->kid[i + 1];
		if (v && !last && v->type == AL_YMAP) {
			map = v;
			continue;
		}
		if (v) {                      /* replaced: the later option wins */
			i -= 2;
			struct al_ynode *nv = last ? value : node_new(AL_YMAP, line, NULL, 0);
			if (nv == NULL)
				goto nomem;
			al_ytree_free(map->kid[i + 1]);
			map->kid[i + 1] = nv;
			map->kid[i]->line = line;
			map = nv;
			continue;
		}
		struct al_ynode *k = node_new(AL_YSCALAR, line, parts[d], strlen(parts[d]));
		struct al_ynode *nv = last ? value : node_new(AL_YMAP, line, NULL, 0);
		if (k == NULL || nv == NULL || kid_add(map, k) < 0) {
			al_ytree_free(k);
			if (nv != value)
				al_ytree_free(nv);
			goto nomem;
		}
		if (kid_add(map, nv) < 0) {
			map->nkid--;
			al_ytree_free(k);
			if (nv != value)
				al_ytree_free(nv);
			goto nomem;
		}
		map = nv;
	}
	return 0;
nomem:
	al_ytree_free(value);
	return -1;
}

/* ":L:C: message" (the walk's, with an empty file name) into
 * "--set KEY=VALUE: message", the option found by L; the key's own
 * "KEY: " prefix is dropped, the option already says it. */
static int set_fail(char *err, size_t errlen, const char *raw,
		    const char *const *sets, int n)
{
	char *end = NULL;
	long line = raw[0] == ':' ? strtol(raw + 1, &end, 10) : 0;
	const char *msg = raw;

	if (end && *end == ':' && (end = strchr(end + 1, ':')) != NULL) {
		msg = end + 1;
		msg += *msg == ' ';
	}
	if (line < 1 || line > n) {
		al_errf(err, errlen, "--set: %s", msg);
		return -1;
	}
	const char *s = sets[line - 1], *eq = strchr(s, '=');
	size_t klen = eq ? (size_t)(eq - s) : strlen(s);
	if (strncmp(msg, s, klen) == 0 && strncmp(msg + klen, ": ", 2) == 0)
		msg += klen + 2;
	al_errf(err, errlen, "--set %s: %s", s, msg);
	return -1;
}

/* Splits KEY=VALUE's key into parts and parses the value as YAML (a plain
 * scalar mostly: 50ms, 10k, true; [a, b] and {..} work too).  0, or -1
 * with the message in err. */
static int set_parse(const char *s, int line, char parts[][64], int *nparts,
		     struct al_ynode **value, char *err, size_t errlen)
{
	const char *eq = strchr(s, '='), *p = s;
	struct al_yerr ye = {"", err, errlen, false};

	*nparts = 0;
	if (eq == NULL || eq == s)
		return al_errf(err, errlen, "--set %s: expected KEY=VALUE, "
			       "as in network.rtt=50ms", s);
	while (p < eq) {
		size_t n = strcspn(p, ".=");

		if (n == 0 || n >= 64 || *nparts == SET_MAX_PARTS)
			return al_errf(err, errlen, "--set %s: '%.*s' is not a key "
				       "path like network.rtt", s, (int)(eq - s), s);
		memcpy(parts[*nparts], p, n);
		parts[(*nparts)++][n] = '\0';
		p += n;
		if (*p == '.' && (p + 1 == eq))
			return al_errf(err, errlen, "--set %s: '%.*s' is not a key "
				       "path like network.rtt", s, (int)(eq - s), s);
		p += *p == '.';
	}
	if (al_ytree_parse(eq + 1, strlen(eq + 1), value, &ye) < 0) {
		char raw[400];

		snprintf(raw, sizeof raw, "%s", err);
		/* the value's own position means nothing on a command line */
		char *m = raw[0] == ':' ? strchr(raw + 1, ':') : NULL;
		m = m ? strchr(m + 1, ':') : NULL;
		return al_errf(err, errlen, "--set %s: %s", s, m ? m + 2 : raw);
	}
	if (*value == NULL && (*value = node_new(AL_YSCALAR, line, "", 0)) == NULL)
		return al_errf(err, errlen, "--set %s: out of memory", s);
	mark_line(*value, line);
	return 0;
}

/* models.NAME: the model, or -1 after the message. */
static int set_model(const char *s, const char *name, int nparts, char *err, size_t errlen)
{
	const char *names[AL_MODEL_COUNT], *near;
	int m = al_model_parse(name);

	if (m >= 0 && nparts >= 3)
		return m;
	if (m >= 0 || strcmp(name, "all") == 0)
		return al_errf(err, errlen, "--set %s: a model's key is "
			       "models.%s.KEY (workers, poller, ...); the list "
			       "of models is models=[...] or --models", s, name);
	for (int i = 0; i < AL_MODEL_COUNT; i++)
		names[i] = al_model_name((enum al_model)i);
	if ((near = al_suggest(name, names, AL_MODEL_COUNT)) != NULL)
		return al_errf(err, errlen, "--set %s: unknown model '%s' "
			       "(did you mean '%s'?)", s, name, near);
	return al_errf(err, errlen, "--set %s: unknown model '%s'", s, name);
}

int al_scenario_set(struct al_scenario *sc, const char *const *sets, int n,
		    char *err, size_t errlen)
{
	struct al_ynode *root = NULL, *mroot[AL_MODEL_COUNT] = {0};
	struct al_scenario *tmp = NULL;
	char parts[SET_MAX_PARTS][64], raw[512];
	struct al_yerr ye = {"", raw, sizeof raw, false};
	int rc = -1;

	if (err && errlen)
		err[0] = '\0';
	if (n <= 0)
		return 0;
	if ((root = node_new(AL_YMAP, 1, NULL, 0)) == NULL ||
	    (tmp = malloc(sizeof(*tmp))) == NULL) {
		al_errf(err, errlen, "--set: out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct al_ynode *value = NULL, *at = root;
		int nparts, skip = 0;

		if (set_parse(sets[i], i + 1, parts, &nparts, &value, err, errlen) < 0)
			goto out;
		if (strcmp(parts[0], "models") == 0 && nparts >= 2) {
			int m = set_model(sets[i], parts[1], nparts, err, errlen);

			if (m < 0) {
				al_ytree_free(value);
				goto out;
			}
			if (mroot[m] == NULL && (mroot[m] = node_new(AL_YMAP, i + 1, NULL, 0)) == NULL) {
				al_ytree_free(value);
				al_errf(err, errlen, "--set: out of memory");
				goto out;
			}
			at = mroot[m];
			skip = 2;
		}
		if (tree_put(at, parts + skip, nparts - skip, value, i + 1) < 0) {
			al_errf(err, errlen, "--set: out of memory");
			goto out;
		}
	}
	*tmp = *sc;
	if (root->nkid > 0 && al_schema_apply(root, tmp, &ye) < 0) {
		set_fail(err, errlen, raw, sets, n);
		goto out;
	}
	/* after the machine: a profile given by --set resets every model's
	 * gil, which a model's own key then overrides, as in a file */
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		struct al_walk w = {.e = &ye, .sc = tmp, .model = m};

		if (mroot[m] == NULL)
			continue;
		al_walk_push(&w, "models");
		al_walk_push(&w, al_model_name((enum al_model)m));
		if (al_walk_map(&w, mroot[m], &al_schema_model, &tmp->models[m], false) < 0) {
			set_fail(err, errlen, raw, sets, n);
			goto out;
		}
	}
	*sc = *tmp;
	rc = 0;
out:
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		al_ytree_free(mroot[m]);
	al_ytree_free(root);
	free(tmp);
	return rc;
}
