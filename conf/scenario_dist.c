/* Reading a distribution: a single value (fixed) or a mapping with `dist`
 * and that distribution's parameters, stored in struct al_dist's (a, b) as
 * core/al_dist.h defines them. */
#include <string.h>

#include "conf/scenario_walk.h"
#include "core/al_units.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct dist_kind {
	const char *name;
	enum al_dist_kind kind;
	const char *param[2];        /* a, b; NULL: none                  */
	bool plain_b;                /* b is unitless (sigma, shape)      */
	double b_max;
};

static const struct dist_kind dist_kinds[] = {
	{"fixed", AL_DIST_FIXED, {"value", NULL}, false, 0},
	{"uniform", AL_DIST_UNIFORM, {"min", "max"}, false, 0},
	{"normal", AL_DIST_NORMAL, {"mean", "sd"}, false, 0},
	{"lognormal", AL_DIST_LOGNORMAL, {"median", "sigma"}, true, 10},
	{"exponential", AL_DIST_EXPONENTIAL, {"mean", NULL}, false, 0},
	{"pareto", AL_DIST_PARETO, {"scale", "shape"}, true, 100},
};

static const struct dist_kind *dist_kind(struct al_walk *w,
					 const struct al_ynode *map)
{
	const char *names[N(dist_kinds)], *near, *s;
	const struct al_ynode *v = al_ynode_get(map, "dist", NULL);
	char q[64], list[128];
	size_t mark;

	for (size_t i = 0; i < N(dist_kinds); i++)
		names[i] = dist_kinds[i].name;
	al_join(list, sizeof(list), names, N(names), " or ");
	if (v == NULL) {
		al_walk_fail(w, map, "missing 'dist' (%s)", list);
		return NULL;
	}
	mark = al_walk_push(w, "dist");
	if ((s = al_walk_scalar(w, v, "a distribution name")) != NULL) {
		for (size_t i = 0; i < N(dist_kinds); i++)
			if (strcmp(s, dist_kinds[i].name) == 0) {
				al_walk_pop(w, mark);
				return &dist_kinds[i];
			}
		al_walk_quote(w, q, sizeof(q), s, v->len);
		if ((near = al_suggest(s, names, N(names))) != NULL)
			al_walk_fail(w, v, "unknown distribution '%s' (did you "
				     "mean '%s'?)", q, near);
		else
			al_walk_fail(w, v, "unknown distribution '%s' (use %s)",
				     q, list);
	}
	al_walk_pop(w, mark);
	return NULL;
}

/* Every key of a distribution's mapping is `dist` or one of its kind's
 * parameters, once. */
static int dist_keys(struct al_walk *w, const struct al_ynode *map,
		     const struct dist_kind *dk)
{
	const char *names[3] = {"dist", dk->param[0], dk->param[1]}, *near;
	size_t n = dk->param[1] ? 3 : 2;
	char q[64], list[64];

	al_join(list, sizeof(list), names + 1, n - 1, " and ");
	for (size_t i = 0; i + 1 < map->nkid; i += 2) {
		const struct al_ynode *k = map->kid[i];
		size_t j;

		if (k->type != AL_YSCALAR)
			return al_yerr_at(w->e, k->line, k->col, "keys must be "
					  "names, not %s", al_ynode_kind(k));
		for (j = 0; j < n; j++)
			if (strlen(names[j]) == k->len &&
			    memcmp(names[j], k->str, k->len) == 0)
				break;
		al_walk_quote(w, q, sizeof(q), k->str, k->len);
		if (j == n && (near = al_suggest(k->str, names, n)) != NULL)
			return al_yerr_at(w->e, k->line, k->col, "unknown key "
					  "'%s' in %s (did you mean '%s'?)", q,
					  w->path, near);
		if (j == n)
			return al_yerr_at(w->e, k->line, k->col, "unknown key "
					  "'%s' in %s (%s takes %s)", q, w->path,
					  dk->name, list);
		for (size_t p = 0; p < i; p += 2)
			if (map->kid[p]->len == k->len &&
			    memcmp(map->kid[p]->str, k->str, k->len) == 0)
				return al_yerr_at(w->e, k->line, k->col,
						  "duplicate key '%s' in %s "
						  "(first at line %d)", names[j],
						  w->path, map->kid[p]->line);
	}
	return 0;
}

static int dist_param(struct al_walk *w, const struct al_field *f,
		      const struct dist_kind *dk, const struct al_ynode *map,
		      int i, double *out)
{
	const struct al_ynode *v = al_ynode_get(map, dk->param[i], NULL);
	char msg[200], list[64];
	int64_t x;
	size_t mark;
	int rc = 0;

	if (v == NULL) {
		al_join(list, sizeof(list), dk->param, dk->param[1] ? 2 : 1,
			" and ");
		return al_walk_fail(w, map, "missing '%s' (%s takes %s)",
				    dk->param[i], dk->name, list);
	}
	mark = al_walk_push(w, dk->param[i]);
	if (i == 1 && dk->plain_b) {
		const char *s = al_walk_scalar(w, v, "a number like 1.5");
		if (s == NULL)
			rc = -1;
		else if (al_parse_number(al_ynode_is_null(v) ? "" : s, out, msg,
					 sizeof(msg)))
			rc = al_walk_fail(w, v, "%s", msg);
		else if (dk->kind == AL_DIST_PARETO && *out <= 0)
			rc = al_walk_fail(w, v, "must be more than 0");
		else if (*out > dk->b_max)
			rc = al_walk_fail(w, v, "must be at most %g (got %g)",
					  dk->b_max, *out);
	} else if (al_walk_quantity(w, f, v, &x) < 0) {
		rc = -1;
	} else if (dk->kind == AL_DIST_PARETO && x == 0) {
		rc = al_walk_fail(w, v, "must be more than 0");
	} else {
		*out = (double)x;
	}
	al_walk_pop(w, mark);
	return rc;
}

int al_walk_dist(struct al_walk *w, const struct al_field *f,
		 const struct al_ynode *v, struct al_dist *d)
{
	const struct dist_kind *dk;
	struct al_dist nd = {AL_DIST_FIXED, 0, 0};
	int64_t x;

	if (v->type == AL_YSCALAR) {
		if (al_walk_quantity(w, f, v, &x) < 0)
			return -1;
		*d = AL_DIST_FIXED_AT(x);
		return 0;
	}
	if (v->type != AL_YMAP)
		return al_walk_fail(w, v, "expected a value or a mapping with "
				    "dist, not %s", al_ynode_kind(v));
	if ((dk = dist_kind(w, v)) == NULL || dist_keys(w, v, dk) < 0)
		return -1;
	nd.kind = dk->kind;
	if (dist_param(w, f, dk, v, 0, &nd.a) < 0 ||
	    (dk->param[1] && dist_param(w, f, dk, v, 1, &nd.b) < 0))
		return -1;
	if (dk->kind == AL_DIST_UNIFORM && nd.a > nd.b) {
		char a[AL_FMT_LEN], b[AL_FMT_LEN];
		al_walk_fmt(a, sizeof(a), f->type, (int64_t)nd.a);
		al_walk_fmt(b, sizeof(b), f->type, (int64_t)nd.b);
		return al_walk_fail(w, al_ynode_get(v, "max", NULL),
				    "min %s is greater than max %s", a, b);
	}
	*d = nd;
	return 0;
}
