/* Scene building (viz_layout.h; the level of detail is viz_layout_lod.c).
 *
 * A trace is one array of events in recording order; the timelines want
 * each lane's states in time order.  Building buckets the STATE events by
 * lane (a counting sort: two passes, no per-lane allocation), sorts a
 * bucket only if it is out of order (the simulator records a few events
 * ahead of others; real traces are merged per thread), and turns each
 * consecutive pair into a span.  Lanes are ordered depth-first from the
 * machine lane, children in creation order, so a process is followed by
 * its threads and they by their tasks; the spans array follows the same
 * order, so a band of neighbouring lanes reads neighbouring memory. */
#include "viz/viz_layout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viz/viz_draw.h"

struct item {
	int64_t t, v;
	uint32_t seq;                /* recording order: makes the sort stable */
	uint8_t code;
};

/* The page a task lane fetches, from its connects' values (al_trace.h):
 * a lane that connects for one page only is that page's. */
static void lane_page(struct viz_lane *l, const struct item *e, size_t n)
{
	int64_t page = 0;

	l->page = 0;
	for (size_t i = 0; i < n; i++) {
		if (e[i].code != AL_ST_CONNECT || e[i].v <= 0)
			continue;
		if (page && e[i].v != page)
			return;             /* several pages: a worker's task */
		page = e[i].v;
	}
	if (l->kind == AL_LANE_TASK && page > 0 && page <= (int64_t)UINT32_MAX)
		l->page = (uint32_t)page;
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void sort_items(struct item *it, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (it[i].t < it[i - 1].t) {
			qsort(it, n, sizeof *it, item_cmp);
			return;
		}
}

static int mark_cmp(const void *a, const void *b)
{
	const struct viz_mark *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->lane < y->lane ? -1 : x->lane > y->lane;
}

/* The instants on lanes the track shows, by time (then lane). */
static int build_marks(struct viz_track *t, const struct al_trace *tr)
{
	uint32_t *index = malloc(((size_t)tr->nlanes + 1) * sizeof *index);
	size_t n = 0;

	if (!index)
		return -1;
	for (uint32_t i = 0; i <= tr->nlanes; i++)
		index[i] = UINT32_MAX;
	for (uint32_t k = 0; k < t->nlanes; k++)
		if (t->lanes[k].id < tr->nlanes)
			index[t->lanes[k].id] = k;
	for (size_t i = 0; i < tr->n; i++)
		n += tr->ev[i].kind == AL_TR_INSTANT && tr->ev[i].lane < tr->nlanes &&
		     index[tr->ev[i].lane] != UINT32_MAX;
	t->marks = n ? malloc(n * sizeof *t->marks) : NULL;
	if (n && !t->marks) {
		free(index);
		return -1;
	}
	for (size_t i = 0; i < tr->n; i++) {
		const struct al_tr_event *e = &tr->ev[i];

		if (e->kind == AL_TR_INSTANT && e->lane < tr->nlanes && index[e->lane] != UINT32_MAX)
			t->marks[t->nmarks++] = (struct viz_mark){e->t, e->value, index[e->lane],
								  e->name};
	}
	if (t->nmarks > 1)
		qsort(t->marks, t->nmarks, sizeof *t->marks, mark_cmp);
	free(index);
	return 0;
}

static int build_counters(struct viz_track *t, const struct al_trace *tr)
{
	size_t cnt[AL_CTR_COUNT] = {0};

	for (size_t i = 0; i < tr->n; i++)
		if (tr->ev[i].kind == AL_TR_COUNTER && tr->ev[i].code < AL_CTR_COUNT)
			cnt[tr->ev[i].code]++;
	for (int c = 0; c < AL_CTR_COUNT; c++) {
		struct viz_series *s = &t->ctr[c];
		struct item *it;
		size_t k = 0;

		if (cnt[c] == 0)
			continue;
		it = malloc(cnt[c] * sizeof *it);
		s->t = malloc(cnt[c] * sizeof *s->t);
		s->v = malloc(cnt[c] * sizeof *s->v);
		if (!it || !s->t || !s->v) {
			free(it);
			return -1;
		}
		for (size_t i = 0; i < tr->n; i++) {
			const struct al_tr_event *e = &tr->ev[i];

			if (e->kind == AL_TR_COUNTER && e->code == c)
				it[k++] = (struct item){e->t, e->value, (uint32_t)i, 0};
		}
		sort_items(it, k);
		/* of the samples at one instant the last holds: the others
		 * lasted no time (a thread queued and taken at once) */
		s->n = 0;
		for (size_t i = 0; i < k; i++) {
			if (i + 1 < k && it[i + 1].t == it[i].t)
				continue;
			s->t[s->n] = it[i].t;
			s->v[s->n++] = it[i].v;
			if (it[i].v > s->max)
				s->max = it[i].v;
		}
		free(it);
	}
	return 0;
}

/* The lanes in tree order.  A parent always has a smaller id than its
 * child (it existed first); a lane naming a later or unknown parent hangs
 * from the machine instead, so a corrupt table cannot make a cycle. */
static int order_lanes(struct viz_track *t, const struct al_trace *tr, const uint32_t *nstates)
{
	uint32_t nl = tr->nlanes;
	uint32_t *start = calloc((size_t)nl + 1, sizeof *start);
	uint32_t *child = malloc((size_t)nl * sizeof *child);
	uint32_t *stack = malloc((size_t)nl * sizeof *stack);
	uint8_t *depth = calloc(nl, 1);
	uint32_t sp = 0;
	int rc = -1;

	if (nl == 0) {                       /* not even the machine: nothing to show */
		free(start);
		free(child);
		free(stack);
		free(depth);
		return 0;
	}
	t->lanes = malloc((size_t)nl * sizeof *t->lanes);
	if (!start || !child || !stack || !depth || !t->lanes)
		goto out;
	for (uint32_t i = 1; i < nl; i++) {
		uint32_t p = tr->lanes[i].parent < i ? tr->lanes[i].parent : 0;

		start[p + 1]++;
	}
	for (uint32_t i = 0; i < nl; i++)
		start[i + 1] += start[i];
	{
		uint32_t *pos = stack;   /* borrowed as the fill cursor */

		memcpy(pos, start, (size_t)nl * sizeof *pos);
		for (uint32_t i = 1; i < nl; i++) {
			uint32_t p = tr->lanes[i].parent < i ? tr->lanes[i].parent : 0;

			child[pos[p]++] = i;
		}
	}
	/* the machine lane shows only if something put it in a state */
	if (nl > 0 && nstates[0] > 0)
		t->lanes[t->nlanes++] = (struct viz_lane){.id = 0, .kind = AL_LANE_MACHINE};
	for (uint32_t k = start[1]; k > start[0]; k--)
		stack[sp++] = child[k - 1];
	while (sp > 0) {
		uint32_t id = stack[--sp];
		const struct al_tr_lane *src = &tr->lanes[id];
		uint32_t p = src->parent < id ? src->parent : 0;

		depth[id] = p == 0 ? 0 : (uint8_t)(depth[p] < 254 ? depth[p] + 1 : 255);
		t->lanes[t->nlanes++] = (struct viz_lane){
			.id = id, .parent = p, .ordinal = src->ordinal, .name = src->name,
			.kind = src->kind, .depth = depth[id],
		};
		for (uint32_t k = start[id + 1]; k > start[id]; k--)
			stack[sp++] = child[k - 1];
	}
	rc = 0;
out:
	free(start);
	free(child);
	free(stack);
	free(depth);
	return rc;
}

/* Children follow their parent in tree order, so one backward pass folds
 * every subtree's lifetime into its root.  idx: scratch of nl entries. */
static void lifetimes(struct viz_track *t, uint32_t *idx, uint32_t nl)
{
	for (uint32_t i = 0; i < nl; i++)
		idx[i] = UINT32_MAX;
	for (uint32_t k = 0; k < t->nlanes; k++)
		idx[t->lanes[k].id] = k;
	for (uint32_t k = t->nlanes; k-- > 0;) {
		const struct viz_lane *l = &t->lanes[k];
		struct viz_lane *up;

		if (l->life1 <= l->life0 || l->parent == l->id || idx[l->parent] == UINT32_MAX)
			continue;
		up = &t->lanes[idx[l->parent]];
		if (up->life1 <= up->life0) {
			up->life0 = l->life0;
			up->life1 = l->life1;
		} else {
			up->life0 = l->life0 < up->life0 ? l->life0 : up->life0;
			up->life1 = l->life1 > up->life1 ? l->life1 : up->life1;
		}
	}
}

static int build_spans(struct viz_track *t, const struct al_trace *tr)
{
	uint32_t nl = tr->nlanes;
	uint32_t *off = calloc((size_t)nl + 1, sizeof *off);
	uint32_t *pos = NULL;
	struct item *it = NULL;
	size_t nst = 0;
	int rc = -1;

	if (!off)
		return -1;
	for (size_t i = 0; i < tr->n; i++)
		if (tr->ev[i].kind == AL_TR_STATE && tr->ev[i].lane < nl) {
			off[tr->ev[i].lane + 1]++;
			nst++;
		}
	if (nst >= UINT32_MAX) {
		errno = ENOMEM;
		goto out;
	}
	if (order_lanes(t, tr, off + 1) != 0)
		goto out;
	for (uint32_t i = 0; i < nl; i++)
		off[i + 1] += off[i];
	pos = malloc((nl ? nl : 1) * sizeof *pos);
	it = malloc((nst ? nst : 1) * sizeof *it);
	t->spans = malloc((nst ? nst : 1) * sizeof *t->spans);
	if (!pos || !it || !t->spans)
		goto out;
	memcpy(pos, off, (size_t)nl * sizeof *pos);
	for (size_t i = 0; i < tr->n; i++) {
		const struct al_tr_event *e = &tr->ev[i];

		if (e->kind == AL_TR_STATE && e->lane < nl)
			it[pos[e->lane]++] = (struct item){e->t, e->value, (uint32_t)i, e->code};
	}
	for (uint32_t k = 0; k < t->nlanes; k++) {
		struct viz_lane *l = &t->lanes[k];
		struct item *e = it + off[l->id];
		size_t n = off[l->id + 1] - off[l->id];

		sort_items(e, n);
		l->first = (uint32_t)t->nspans;
		for (size_t i = 0; i < n; i++) {
			int64_t t1 = i + 1 < n ? e[i + 1].t : t->end;

			/* DONE ends the lane; an instant state (a change
			 * overridden at the same time) is no span */
			if (e[i].code >= AL_ST_DONE || t1 <= e[i].t)
				continue;
			t->spans[t->nspans++] = (struct viz_span){
				.t0 = e[i].t, .t1 = t1, .state = e[i].code,
				.bytes = e[i].v < 0 ? 0 : e[i].v > (int64_t)UINT32_MAX ?
					 UINT32_MAX : (uint32_t)e[i].v,
			};
		}
		l->n = (uint32_t)t->nspans - l->first;
		lane_page(l, e, n);
		if (l->n) {
			l->life0 = t->spans[l->first].t0;
			l->life1 = t->spans[t->nspans - 1].t1;
		}
	}
	lifetimes(t, pos, nl);
	rc = 0;
out:
	free(off);
	free(pos);
	free(it);
	return rc;
}

static void free_track(struct viz_track *t)
{
	free(t->lanes);
	free(t->spans);
	free(t->marks);
	for (int c = 0; c < AL_CTR_COUNT; c++) {
		free(t->ctr[c].t);
		free(t->ctr[c].v);
	}
	memset(t, 0, sizeof *t);
}

int viz_layout_build(struct viz_scene *s, const struct viz_run *runs, int nruns,
		     char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	s->font_sans = VIZ_FONT_SANS;
	s->font_mono = VIZ_FONT_MONO;
	s->ghz = 1;
	if (!runs || nruns < 1 || nruns > VIZ_MAX_RUNS) {
		snprintf(err, errlen, "viz: %d runs (1 to %d)", nruns, VIZ_MAX_RUNS);
		errno = EINVAL;
		return -1;
	}
	s->nruns = nruns;
	s->twins = nruns == 2 && strcmp(runs[0].net, runs[1].net) != 0;
	if (runs[0].sc.machine.hz > 0)
		s->ghz = (double)runs[0].sc.machine.hz / 1e9;
	for (int r = 0; r < nruns; r++) {
		s->runs[r] = &runs[r];
		s->ghz_mixed |= runs[r].sc.machine.hz != runs[0].sc.machine.hz;
		s->events_mixed |= runs[r].sc.nevents != runs[0].sc.nevents;
		for (int e = 0; e < runs[0].sc.nevents && e < AL_SCENARIO_MAX_EVENTS &&
				!s->events_mixed; e++)
			s->events_mixed = runs[r].sc.events[e].at_ns != runs[0].sc.events[e].at_ns;
		if (runs[r].nmodels < 0 || runs[r].nmodels > AL_MODEL_COUNT) {
			snprintf(err, errlen, "viz: run %d has %d models", r, runs[r].nmodels);
			viz_layout_free(s);
			errno = EINVAL;
			return -1;
		}
		for (int i = 0; i < runs[r].nmodels; i++) {
			const struct viz_model *m = &runs[r].models[i];
			struct viz_track *t;

			if ((unsigned)m->report.model >= AL_MODEL_COUNT) {
				snprintf(err, errlen, "viz: run %d, model %d: unknown model %d", r, i,
					 (int)m->report.model);
				viz_layout_free(s);
				errno = EINVAL;
				return -1;
			}
			t = &s->tracks[s->ntracks++];

			t->run = r;
			t->model = m->report.model;
			t->src = m;
			t->end = viz_model_end(m);
			if (build_spans(t, &m->trace) != 0 || build_counters(t, &m->trace) != 0 ||
			    build_marks(t, &m->trace) != 0) {
				snprintf(err, errlen, "viz: out of memory laying out %s",
					 al_model_name(t->model));
				viz_layout_free(s);
				errno = ENOMEM;
				return -1;
			}
			if (t->end > s->t_end)
				s->t_end = t->end;
			s->nlanes += t->nlanes;
			s->nspans += t->nspans;
		}
	}
	if (s->t_end <= 0)
		s->t_end = 1;
	return 0;
}

const struct viz_track *viz_layout_track(const struct viz_scene *s, int run, enum al_model m)
{
	for (int i = 0; i < s->ntracks; i++)
		if (s->tracks[i].run == run && s->tracks[i].model == m)
			return &s->tracks[i];
	return NULL;
}

double viz_layout_run_ghz(const struct viz_scene *s, int run)
{
	const struct viz_run *r = run >= 0 && run < s->nruns ? s->runs[run] : NULL;

	return r && r->sc.machine.hz > 0 ? (double)r->sc.machine.hz / 1e9 : 1;
}

void viz_layout_run_name(const struct viz_scene *s, int run, char *buf, size_t len)
{
	const struct viz_run *r = run >= 0 && run < s->nruns ? s->runs[run] : NULL;

	if (!r)
		snprintf(buf, len, "?");
	else if (s->nruns == 1 || s->twins)
		snprintf(buf, len, "%s", r->net);
	else if (r->label[0])
		snprintf(buf, len, "%s", r->label);
	else
		snprintf(buf, len, "run %d, %s", run + 1, r->net);
}

void viz_layout_lane_label(const struct viz_track *tr, const struct viz_lane *l,
			   char *buf, size_t len)
{
	if (l->kind == AL_LANE_TASK && l->page) {
		snprintf(buf, len, "page %u", (unsigned)(l->page - 1));
		return;
	}
	static const char *const kinds[] = {"machine", "process", "thread", "task"};
	const struct al_trace *t = &tr->src->trace;
	const char *name = l->name < t->nnames ? t->names[l->name] : "?";
	const struct al_tr_lane *p = l->parent > 0 && l->parent < t->nlanes ?
				     &t->lanes[l->parent] : NULL;

	if (l->kind == AL_LANE_MACHINE)
		name = "machine";
	/* a worker's own thread, or its thread's task, is named by its kind
	 * ("worker #1" over "task #2"), not as a second worker */
	if (p && p->name == l->name && l->kind < 4 && p->kind != l->kind) {
		name = kinds[l->kind];
		/* a process's one thread may share its number; a task keeps its own */
		if (l->kind == AL_LANE_THREAD && l->ordinal == p->ordinal) {
			snprintf(buf, len, "%s", name);
			return;
		}
	}
	if (l->ordinal)
		snprintf(buf, len, "%s #%u", name, (unsigned)l->ordinal);
	else
		snprintf(buf, len, "%s", name);
}

void viz_layout_free(struct viz_scene *s)
{
	viz_draw_release(s);
	for (int i = 0; i < s->ntracks; i++)
		free_track(&s->tracks[i]);
	s->ntracks = 0;
	s->nruns = 0;
}
