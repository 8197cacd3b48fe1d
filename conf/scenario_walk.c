/* The walk's helpers (messages, key paths, suggestions) and the readers of
 * the keys with a shape of their own: machine.profile, the models list and
 * the events list.  Distributions are in scenario_dist.c. */
#include "conf/scenario_walk.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/al_units.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

int al_walk_fail(struct al_walk *w, const struct al_ynode *n,
		 const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->path[0])
		return al_yerr_at(w->e, n->line, n->col, "%s: %s", w->path, msg);
	return al_yerr_at(w->e, n->line, n->col, "%s", msg);
}

const char *al_walk_scalar(struct al_walk *w, const struct al_ynode *n,
			   const char *what)
{
	if (n->type != AL_YSCALAR) {
		al_walk_fail(w, n, "expected %s, not %s", what, al_ynode_kind(n));
		return NULL;
	}
	if (strlen(n->str) != n->len) {
		al_walk_fail(w, n, "NUL characters are not allowed");
		return NULL;
	}
	return n->str;
}

const char *al_walk_quote(const struct al_walk *w, char *q, size_t n, const char *s,
			  size_t len)
{
	if (w->profile && !w->shown)
		snprintf(q, n, "…");
	else
		al_quote(q, n, s, len);
	return q;
}

size_t al_walk_push(struct al_walk *w, const char *key)
{
	size_t mark = strlen(w->path);

	snprintf(w->path + mark, sizeof(w->path) - mark, "%s%s",
		 mark ? "." : "", key);
	return mark;
}

size_t al_walk_index(struct al_walk *w, size_t i)
{
	size_t mark = strlen(w->path);

	snprintf(w->path + mark, sizeof(w->path) - mark, "[%zu]", i);
	return mark;
}

void al_walk_pop(struct al_walk *w, size_t mark)
{
	w->path[mark] = '\0';
}

/* Optimal string alignment distance, case-insensitive; strings longer than
 * 32 bytes are never typos of a schema name. */
static int distance(const char *a, const char *b)
{
	int d[33][33];
	size_t la = strlen(a), lb = strlen(b);

	if (la > 32 || lb > 32)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]);
			int cb = tolower((unsigned char)b[j - 1]);
			int best = d[i - 1][j - 1] + (ca != cb);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			/* a transposition ("pyhton") is one edit */
			if (i > 1 && j > 1 &&
			    ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

const char *al_suggest(const char *s, const char *const *names, size_t n)
{
	const char *best = NULL;
	int best_score = 1000;
	size_t ls = strlen(s);

	for (size_t i = 0; i < n; i++) {
		int d = distance(s, names[i]);
		int limit = (int)strlen(names[i]) / 3;
		/* scores in half steps: a prefix ("async") beats one edit */
		int score = 2 * d;

		if (ls >= 3 && strncasecmp(s, names[i], ls) == 0 && score > 1)
			score = 1;
		else if (d > (limit > 1 ? limit : 1))
			continue;
		if (score < best_score) {
			best_score = score;
			best = names[i];
		}
	}
	return best;
}

void al_join(char *buf, size_t len, const char *const *names, size_t n,
	     const char *last)
{
	size_t used = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		int k = snprintf(buf + used, len - used, "%s%s",
				 i == 0 ? "" : i + 1 == n ? last : ", ",
				 names[i]);
		if (k < 0)
			break;
		used += (size_t)k;
	}
}

/* --- machine.profile ------------------------------------------------- */

int al_walk_profile(struct al_walk *w, const struct al_ynode *v,
		    struct al_machine *m)
{
	static const char *const names[] = {"python", "c"};
	const char *near, *s = al_walk_scalar(w, v, "python, c or a path");
	enum al_profile p;
	char q[64];

	if (s == NULL)
		return -1;
	al_walk_quote(w, q, sizeof(q), s, v->len);
	if (strcmp(s, "python") == 0) {
		p = AL_PROFILE_PYTHON;
	} else if (strcmp(s, "c") == 0) {
		p = AL_PROFILE_C;
	} else if (strchr(s, '/') || strchr(s, '.')) {
		if (v->len >= sizeof(m->profile_file))
			return al_walk_fail(w, v, "path too long (%zu bytes, at "
					    "most %zu)", v->len,
					    sizeof(m->profile_file) - 1);
		for (size_t i = 0; i < v->len; i++)
			if (al_text_unsafe(s + i, v->len - i))
				return al_walk_fail(w, v, "control characters "
						    "are not allowed");
		p = AL_PROFILE_FILE;
	} else if ((near = al_suggest(s, names, N(names))) != NULL) {
		return al_walk_fail(w, v, "unknown profile '%s' (did you mean "
				    "'%s'?)", q, near);
	} else {
		return al_walk_fail(w, v, "unknown profile '%s' (use python, c, "
				    "or a path to a profile file containing "
				    "'/' or '.')", q);
	}
	m->profile = p;
	memset(m->profile_file, 0, sizeof(m->profile_file));
	if (p == AL_PROFILE_FILE)
		memcpy(m->profile_file, s, v->len + 1);
	al_costs_profile(&m->costs, p);
	/* only CPython has a GIL; `gil: true` on a model still turns it on */
	for (int i = 0; i < AL_MODEL_COUNT; i++)
		w->sc->models[i].gil = p == AL_PROFILE_PYTHON;
	/* the file's figures, before machine's own keys override them */
	if (p != AL_PROFILE_FILE)
		return 0;
	if (al_walk_profile_file(w, v, m) < 0)
		return -1;
	/* a file with a GIL switch interval is CPython's (calibrate --python) */
	for (int i = 0; i < AL_MODEL_COUNT; i++)
		w->sc->models[i].gil = m->costs.gil_interval_ns > 0;
	return 0;
}

/* --- models ---------------------------------------------------------- */

/* The model a name node names, or -1 after reporting why not. */
static int model_of(struct al_walk *w, const struct al_ynode *v, bool in_list)
{
	const char *names[AL_MODEL_COUNT], *near;
	const char *s = al_walk_scalar(w, v, "a model name");
	char q[64], list[128];
	int m;

	if (s == NULL)
		return -1;
	if (al_ynode_is_null(v))
		return al_walk_fail(w, v, "missing model name");
	if ((m = al_model_parse(s)) >= 0)
		return m;
	if (strcmp(s, "all") == 0 && in_list)
		return al_walk_fail(w, v, "'all' cannot be part of a list "
				    "(write models: all)");
	for (int i = 0; i < AL_MODEL_COUNT; i++)
		names[i] = al_model_name((enum al_model)i);
	al_walk_quote(w, q, sizeof(q), s, v->len);
	if ((near = al_suggest(s, names, AL_MODEL_COUNT)) != NULL)
		return al_walk_fail(w, v, "unknown model '%s' (did you mean "
				    "'%s'?)", q, near);
	al_join(list, sizeof(list), names, AL_MODEL_COUNT, " or ");
	return al_walk_fail(w, v, "unknown model '%s' (use all, %s)", q, list);
}

static int model_item(struct al_walk *w, const struct al_ynode *item,
		      const struct al_ynode *seen[])
{
	const struct al_ynode *name = item;
	int m, rc;

	if (item->type == AL_YSEQ)
		return al_walk_fail(w, item, "expected a model name or a "
				    "mapping, not a list");
	if (item->type == AL_YMAP && (name = al_ynode_get(item, "name",
							   NULL)) == NULL)
		return al_walk_fail(w, item, "missing 'name' (the model)");
	if ((m = model_of(w, name, true)) < 0)
		return -1;
	if (seen[m])
		return al_walk_fail(w, name, "'%s' is listed twice (first at "
				    "line %d)", al_model_name((enum al_model)m),
				    seen[m]->line);
	seen[m] = name;
	w->sc->models[m].enabled = true;
	if (item->type != AL_YMAP)
		return 0;
	w->model = m;
	rc = al_walk_map(w, item, &al_schema_model, &w->sc->models[m], false);
	w->model = -1;
	return rc;
}

int al_walk_models(struct al_walk *w, const struct al_ynode *v)
{
	const struct al_ynode *seen[AL_MODEL_COUNT] = {0};
	int m;

	if (v->type == AL_YSCALAR) {
		const char *s = v->str;
		if (!al_ynode_is_null(v) && strcmp(s, "all") == 0) {
			for (int i = 0; i < AL_MODEL_COUNT; i++)
				w->sc->models[i].enabled = true;
			return 0;
		}
		if ((m = model_of(w, v, false)) < 0)
			return -1;
		for (int i = 0; i < AL_MODEL_COUNT; i++)
			w->sc->models[i].enabled = i == m;
		return 0;
	}
	if (v->type != AL_YSEQ)
		return al_walk_fail(w, v, "expected all or a list of models, "
				    "not %s", al_ynode_kind(v));
	if (v->nkid == 0)
		return al_walk_fail(w, v, "empty list (name at least one model, "
				    "or write models: all)");
	for (int i = 0; i < AL_MODEL_COUNT; i++)
		w->sc->models[i].enabled = false;
	for (size_t i = 0; i < v->nkid; i++) {
		size_t mark = al_walk_index(w, i);
		int rc = model_item(w, v->kid[i], seen);
		al_walk_pop(w, mark);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* --- events ---------------------------------------------------------- */

int al_walk_link(struct al_walk *w, const struct al_ynode *v)
{
	const char *s = al_walk_scalar(w, v, "down or up");
	char q[64];

	if (s == NULL)
		return -1;
	if (strcmp(s, "down") == 0 || strcmp(s, "up") == 0) {
		w->ev->set |= s[0] == 'd' ? AL_EV_LINK_DOWN : AL_EV_LINK_UP;
		return 0;
	}
	al_walk_quote(w, q, sizeof(q), s, v->len);
	return al_walk_fail(w, v, "expected down or up, got '%s'", q);
}

int al_walk_faults(struct al_walk *w, const struct al_ynode *v, struct al_server *srv)
{
	double sum = 0;

	if (al_walk_map(w, v, &al_schema_faults, srv, false) < 0)
		return -1;
	for (int f = 1; f < AL_FAULT_COUNT; f++)
		sum += srv->faults[f];
	if (sum > 1 + 1e-12)
		return al_walk_fail(w, v, "the faults' probabilities add up to %g %% "
				    "(at most 100 %%)", sum * 100);
	w->faults_line = v->line;
	w->faults_col = v->col;
	return 0;
}

static int event_item(struct al_walk *w, const struct al_ynode *item,
		      size_t i)
{
	struct al_scenario *sc = w->sc;
	struct al_event_cfg *ev = &sc->events[i];
	const struct al_ynode *at;
	int rc;

	if (item->type != AL_YMAP)
		return al_walk_fail(w, item, "expected a mapping (at: and what "
				    "changes), not %s", al_ynode_kind(item));
	if ((at = al_ynode_get(item, "at", NULL)) == NULL)
		return al_walk_fail(w, item, "missing 'at' (when it happens, "
				    "like 2 s)");
	memset(ev, 0, sizeof(*ev));
	ev->network = sc->network;
	ev->server = sc->server;
	w->ev = ev;
	rc = al_walk_map(w, item, &al_schema_event, ev, false);
	w->ev = NULL;
	if (rc < 0)
		return -1;
	if (ev->set == 0)
		return al_walk_fail(w, item, "nothing changes (give network, "
				    "server or link)");
	if (i > 0 && ev->at_ns < sc->events[i - 1].at_ns) {
		char a[AL_FMT_LEN], b[AL_FMT_LEN];
		size_t mark = al_walk_push(w, "at");
		al_walk_fmt(a, sizeof(a), AL_F_DURATION, ev->at_ns);
		al_walk_fmt(b, sizeof(b), AL_F_DURATION,
			    sc->events[i - 1].at_ns);
		rc = al_walk_fail(w, at, "%s is before the previous event's %s",
				  a, b);
		al_walk_pop(w, mark);
		return rc;
	}
	return 0;
}

int al_walk_events(struct al_walk *w, const struct al_ynode *v)
{
	w->sc->nevents = 0;
	if (al_ynode_is_null(v))
		return 0;
	if (v->type != AL_YSEQ)
		return al_walk_fail(w, v, "expected a list of events, not %s",
				    al_ynode_kind(v));
	for (size_t i = 0; i < v->nkid; i++) {
		size_t mark = al_walk_index(w, i);
		int rc = i >= AL_SCENARIO_MAX_EVENTS ?
			 al_walk_fail(w, v->kid[i], "too many events (at most "
				      "%d)", AL_SCENARIO_MAX_EVENTS) :
			 event_item(w, v->kid[i], i);
		al_walk_pop(w, mark);
		if (rc < 0)
			return -1;
		w->sc->nevents = (int)i + 1;
	}
	return 0;
}
