/* The legend, the report table, the tooltip and the key overlay.
 *
 * The report shows the rows the runs measured (struct al_report), in the
 * CLI table's units, so the picture and `asynclab run` read alike.  The
 * tooltip describes the pinned span if there is one, else the hovered one,
 * and stays inside the window whatever the pointer's position. */
#include "viz/viz_draw_int.h"

#include <stdio.h>
#include <string.h>

#include "core/al_latency.h"
#include "core/al_units.h"
#include "viz/viz_fmt.h"
#include "viz/viz_palette.h"

/* In step with viz_window_input.c's key(), wheel() and press(): the
 * window binds exactly these. */
const struct viz_key_help viz_keys[] = {
	{"wheel", "zoom time around the pointer"},
	{"shift+wheel", "lanes taller / thinner"},
	{"drag", "pan time and scroll the lanes"},
	{"← / → (shift: more)", "pan time"},
	{"f", "fit everything in the window"},
	{"↑ / ↓, pgup / pgdn", "select a lane above / below, scrolled to"},
	{"home / end", "select the first / the last lane"},
	{"click a label", "select that lane"},
	{"enter", "jump to the selected lane: its life, readable lanes"},
	{"hover", "the span's lane, state, start, duration, bytes"},
	{"click", "pin the span's details (again: unpin)"},
	{"space", "play / pause: the cursor sweeps time"},
	{"+ / -", "play faster / slower"},
	{". / , (> / <: more)", "step the cursor forward / back"},
	{"drag on the time axis", "scrub the cursor"},
	{"backspace", "cursor off: show everything"},
	{"1 … 9, tab (shift: back)", "switch tab: compare, models, sim | real or runs"},
	{"[ / ]", "the previous / next run in the compare and model tabs"},
	{"click a tab", "switch to it"},
	{"t", "the CPU time view axis (1 cycle = 1 s)"},
	{"r", "the report table"},
	{"l", "the legend"},
	{"k", "the counters strips"},
	{"s", "compare: each model on its own time scale, or one"},
	{"f12", "screenshot (when the viewer was given a file)"},
	{"?", "this help"},
	{"esc", "close the help, unpin; else quit"},
	{"q", "quit"},
};
const int viz_nkeys = (int)(sizeof viz_keys / sizeof viz_keys[0]);

void viz_draw_legend(struct viz_paint *p, const struct viz_frame *f)
{
	int th = viz_text_h(p, VIZ_F_SMALL);

	if (f->legend.h <= 0)
		return;
	viz_fill(p->r, viz_rgb_bg, 0, f->legend.y, f->w, f->legend.h);
	for (int s = 0; s < AL_ST_COUNT; s++) {
		const struct viz_rect *q = &f->swatch[s];

		if (q->w <= 0)
			continue;
		if (s == AL_ST_DONE) {          /* the failures' mark */
			viz_draw_fail_mark(p, f, q->x + q->w / 2, q->y + q->h - viz_px(f, 2));
			viz_text(p, VIZ_F_SMALL, q->x + q->w + viz_px(f, 5),
				 q->y + (q->h - th) / 2, viz_rgb_text, VIZ_LEFT, "page failed");
			continue;
		}
		viz_fill(p->r, viz_rgb_dim, q->x - 1, q->y - 1, q->w + 2, q->h + 2);
		viz_fill(p->r, viz_palette[s].rgb, q->x, q->y, q->w, q->h);
		viz_text(p, VIZ_F_SMALL, q->x + q->w + viz_px(f, 5), q->y + (q->h - th) / 2,
			 viz_rgb_text, VIZ_LEFT, viz_palette[s].legend);
	}
}

/* Columns of the report: title, and whether right-aligned (numbers). */
static const struct {
	const char *title;
	int right;
} cols[VIZ_REPORT_COLS] = {
	{"model", 0}, {"elapsed", 1}, {"speed-up", 1}, {"pages ok / failed", 1},
	{"CPU busy", 1}, {"ctx switches", 1}, {"syscalls (futile)", 1},
	{"peak memory", 1}, {"peak conc.", 1},
};

/* The report's rows: model by model, a model's runs side by side. */
static int report_order(const struct viz_scene *s, const struct viz_track **out)
{
	int n = 0;

	for (int m = 0; m < AL_MODEL_COUNT; m++)
		for (int r = 0; r < s->nruns; r++) {
			const struct viz_track *t = viz_layout_track(s, r, (enum al_model)m);

			if (t)
				out[n++] = t;
		}
	return n;
}

void viz_report_cells(const struct viz_scene *s, const struct viz_track *t,
		      char v[VIZ_REPORT_COLS][80])
{
	const struct al_report *rp = &t->src->report;
	int cores = s->runs[t->run]->cores;
	char a[32], b[32];

	if (s->nruns > 1) {
		char rn[64];

		viz_layout_run_name(s, t->run, rn, sizeof rn);
		snprintf(v[0], 80, "%s (%.60s)", al_model_name(rp->model), rn);
	} else
		snprintf(v[0], 80, "%s", al_model_name(rp->model));
	/* the terminal's own formatting (core/al_units.h), digit for digit */
	al_fmt_duration(v[1], 80, rp->elapsed_ns);
	if (rp->speedup > 0)
		snprintf(v[2], 80, "%.1f×", rp->speedup);
	else
		snprintf(v[2], 80, "–");
	viz_fmt_count(a, sizeof a, rp->pages_ok);
	viz_fmt_count(b, sizeof b, rp->pages_failed);
	snprintf(v[3], 80, "%s / %s", a, b);
	/* a share of all the machine's cores, as run's report has it */
	if (rp->elapsed_ns > 0 && cores > 0)
		snprintf(v[4], 80, "%.1f %%", 100.0 * (double)rp->cpu_busy_ns /
			 ((double)rp->elapsed_ns * cores));
	else
		snprintf(v[4], 80, "–");
	viz_fmt_count(v[5], 80, rp->context_switches);
	viz_fmt_count(a, sizeof a, rp->syscalls);
	viz_fmt_count(b, sizeof b, rp->futile_syscalls);
	snprintf(v[6], 80, "%s (%s)", a, b);
	al_fmt_bytes(v[7], 80, rp->peak_memory_bytes);
	viz_fmt_count(v[8], 80, rp->peak_concurrency);
}

/* After the columns, where there is room: each row's ok pages by total
 * time, a bar per power of two (al_latency's hist), every row on the same
 * buckets so that rows compare; the title gives the range.  A bar is as
 * tall as its share of the row's fullest bucket, one pixel at least. */
static void draw_hist(struct viz_paint *p, const struct viz_frame *f,
		      const struct viz_track *const *rows, int n, int x, int y, int row,
		      enum viz_font font)
{
	int lo = AL_LAT_HIST, hi = -1, room = f->w - viz_px(f, 8) - x;

	for (int i = 0; i < n; i++)
		for (int k = 0; k < AL_LAT_HIST; k++)
			if (rows[i]->src->report.latency.hist[k] > 0) {
				lo = k < lo ? k : lo;
				hi = k > hi ? k : hi;
			}
	if (hi < 0)
		return;
	int nb = hi - lo + 1, bw = viz_px(f, 12), bh = row - viz_px(f, 5);
	if (bw * nb > viz_px(f, 240))
		bw = viz_px(f, 240) / nb;
	if (bw < 2 || bw * nb > room)
		return;                 /* no room: the JSON has the percentiles */
	char a[32], b[32];
	al_fmt_duration(a, sizeof a, lo == 0 ? 0 : (int64_t)1 << (AL_LAT_HIST_LO + lo - 1));
	al_fmt_duration(b, sizeof b, (int64_t)1 << (AL_LAT_HIST_LO + hi));
	viz_textf(p, font, x, y, viz_rgb_text, VIZ_LEFT, "page times %s … %s", a, b);
	for (int i = 0; i < n; i++) {
		const int64_t *h = rows[i]->src->report.latency.hist;
		int64_t top = 0;
		int base = y + row * (i + 2) - viz_px(f, 3);

		for (int k = lo; k <= hi; k++)
			top = h[k] > top ? h[k] : top;
		for (int k = lo; k <= hi && top > 0; k++) {
			if (h[k] == 0)
				continue;
			int bar = (int)((double)bh * (double)h[k] / (double)top);
			bar = bar < 1 ? 1 : bar;
			viz_fill(p->r, viz_model_rgb[rows[i]->src->report.model],
				 x + (k - lo) * bw, base - bar, bw - (bw > 3), bar);
		}
	}
}

/* Column widths for n rows of cells in fonts (title, first column,
 * numbers); returns their sum. */
static int measure(struct viz_paint *p, char (*v)[VIZ_REPORT_COLS][80], int n,
		   const enum viz_font *font, int *w)
{
	int total = 0;

	for (int c = 0; c < VIZ_REPORT_COLS; c++) {
		w[c] = viz_text_w(p, font[0], cols[c].title);
		for (int i = 0; i < n; i++) {
			int cw = viz_text_w(p, font[c ? 2 : 1], v[i][c]);
			w[c] = cw > w[c] ? cw : w[c];
		}
		total += w[c];
	}
	return total;
}

/* Each column as wide as its widest cell, with a gap between them that
 * shrinks when the window is narrow; narrower still, the small font, and
 * the columns on the right that do not fit are left out (the terminal's
 * table has them all). */
void viz_draw_report(struct viz_paint *p, const struct viz_frame *f)
{
	static const enum viz_font normal[] = {VIZ_F_BOLD, VIZ_F_SANS, VIZ_F_MONO};
	static const enum viz_font small[] = {VIZ_F_SMALL, VIZ_F_SMALL, VIZ_F_SMALL};
	const struct viz_scene *s = f->scene;
	const struct viz_track *rows[VIZ_MAX_SECTIONS];
	char v[VIZ_MAX_SECTIONS][VIZ_REPORT_COLS][80];
	int row = viz_px(f, 17), y = f->report.y + viz_px(f, 5), n, x[VIZ_REPORT_COLS];
	int w[VIZ_REPORT_COLS], total, gap, room = f->w - viz_px(f, 16), ncols = VIZ_REPORT_COLS;
	int min_gap = viz_px(f, 8);
	const enum viz_font *font = normal;

	if (f->report.h <= 0)
		return;
	n = report_order(s, rows);
	for (int i = 0; i < n; i++)
		viz_report_cells(s, rows[i], v[i]);
	total = measure(p, v, n, font, w);
	if (total + min_gap * (VIZ_REPORT_COLS - 1) > room) {
		font = small;
		total = measure(p, v, n, font, w);
		while (ncols > 1 && total + min_gap * (ncols - 1) > room)
			total -= w[--ncols];
	}
	gap = ncols > 1 ? (room - total) / (ncols - 1) : 0;
	gap = gap > viz_px(f, 28) ? viz_px(f, 28) : gap < 0 ? 0 : gap;
	/* x: a left-aligned column's left edge, a right-aligned one's right */
	for (int c = 0, at = viz_px(f, 8); c < ncols; c++) {
		x[c] = cols[c].right ? at + w[c] : at;
		at += w[c] + gap;
	}
	viz_fill(p->r, viz_rgb_panel, 0, f->report.y, f->w, f->report.h);
	viz_fill(p->r, viz_rgb_dim, 0, f->report.y, f->w, viz_px(f, 1));
	for (int c = 0; c < ncols; c++)
		viz_text(p, font[0], x[c], y, viz_rgb_text, cols[c].right ? VIZ_RIGHT : VIZ_LEFT,
			 cols[c].title);
	y += row;
	for (int i = 0; i < n; i++)
		for (int c = 0; c < ncols; c++)
			viz_text(p, font[c ? 2 : 1], x[c], y + row * i, viz_rgb_text,
				 cols[c].right ? VIZ_RIGHT : VIZ_LEFT, v[i][c]);
	if (ncols == VIZ_REPORT_COLS)
		draw_hist(p, f, rows, n, x[ncols - 1] + (gap > min_gap ? gap : min_gap), y - row,
			  row, font[0]);
}

/* The failure marks under the pointer (within 5 px, on the picked lanes):
 * one line saying which page failed and why, or how many; 0 if none. */
static int fail_line(const struct viz_frame *f0, const struct viz_pick *k, char *out)
{
	struct viz_frame fs;
	viz_frame_for_section(&fs, f0, k->section);
	const struct viz_frame *f = &fs;
	const struct viz_track *tr = f->sec[k->section].track;
	const struct al_trace *t = &tr->src->trace;
	double mx = f->view->mouse_x * f->scale, slack = 5 * f->scale;
	size_t n = 0, first = 0;
	char a[32];

	for (size_t i = 0; i < tr->nmarks; i++) {
		const struct viz_mark *m = &tr->marks[i];
		double x = viz_frame_time_x(f, m->t);

		if (m->lane < k->lane || m->lane >= k->lane_end || x < mx - slack ||
		    x > mx + slack || m->t > f->cursor)
			continue;
		if (n++ == 0)
			first = i;
	}
	if (n == 0)
		return 0;
	const struct viz_mark *m = &tr->marks[first];
	const char *why = m->name < t->nnames ? t->names[m->name] : "?";
	if (n == 1) {
		snprintf(out, 128, "▼ page %lld failed: %.40s", (long long)m->value, why);
	} else {
		viz_fmt_count(a, sizeof a, (int64_t)n);
		snprintf(out, 128, "▼ %s pages failed here (page %lld: %.40s)", a,
			 (long long)m->value, why);
	}
	return 1;
}

/* The lines of the tooltip for pick k; returns how many. */
static int tooltip_lines(const struct viz_frame *f, const struct viz_pick *k, char (*ln)[128],
			 int *state)
{
	const struct viz_track *tr = f->sec[k->section].track;
	const struct viz_span *sp;
	char a[48], b[48];
	int n = 0;

	*state = -1;
	viz_layout_lane_label(tr, &tr->lanes[k->lane], a, sizeof a);
	if (k->lane_end - k->lane > 1) {
		viz_layout_lane_label(tr, &tr->lanes[k->lane_end - 1], b, sizeof b);
		snprintf(ln[n++], 128, "%s … %s (%u lanes in one row)", a, b,
			 (unsigned)(k->lane_end - k->lane));
	} else {
		static const char *const kind[] = {"machine", "process", "thread", "task"};
		const struct viz_lane *l = &tr->lanes[k->lane];
		const char *kn = l->kind < 4 ? kind[l->kind] : "lane";
		char path[128] = "";

		/* a lane named by its kind ("task #4") says whose it is:
		 * "worker #3 / thread / task #4" */
		snprintf(path, sizeof path, "%s", a);
		for (const struct viz_lane *c = l; c;) {
			const char *ck = c->kind < 4 ? kind[c->kind] : "lane";
			const struct viz_lane *up = NULL;

			viz_layout_lane_label(tr, c, b, sizeof b);
			if (strncmp(b, ck, strlen(ck)) != 0)
				break;
			for (uint32_t i = (uint32_t)(c - tr->lanes); i-- > 0;)
				if (tr->lanes[i].id == c->parent) {
					up = &tr->lanes[i];
					break;
				}
			if (up) {
				char tail[128];

				viz_layout_lane_label(tr, up, b, sizeof b);
				memcpy(tail, path, sizeof tail);
				snprintf(path, sizeof path, "%.40s / %.80s", b, tail);
			}
			c = up;
		}
		if (strcmp(path, a) == 0)
			snprintf(path, sizeof path, "%s (%s)", a, kn);
		char rn[64];

		viz_layout_run_name(f->scene, tr->run, rn, sizeof rn);
		snprintf(ln[n++], 128, "%.80s — %.12s%s%.24s", path, al_model_name(tr->model),
			 f->scene->nruns > 1 ? ", " : "", f->scene->nruns > 1 ? rn : "");
	}
	n += fail_line(f, k, ln[n]);
	if (k->span < 0 || (size_t)k->span >= tr->nspans)
		return n;
	sp = &tr->spans[k->span];
	*state = sp->state;
	if (viz_palette[sp->state].time)
		snprintf(ln[n++], 128, "%s — %s time", viz_palette[sp->state].what,
			 viz_palette[sp->state].time);
	else
		snprintf(ln[n++], 128, "%s", viz_palette[sp->state].what);
	viz_fmt_tick(a, sizeof a, sp->t0, 1000);
	viz_fmt_duration(b, sizeof b, (double)(sp->t1 - sp->t0));
	snprintf(ln[n++], 128, "start %s · duration %s", a, b);
	if (f->view->flags & VIZ_SHOW_CPU_AXIS) {
		viz_fmt_felt(a, sizeof a, viz_fmt_felt_seconds((double)(sp->t1 - sp->t0),
							       viz_layout_run_ghz(f->scene, tr->run)));
		snprintf(ln[n++], 128, "felt by the CPU: %s", a);
	}
	if (sp->bytes > 0 && sp->state == AL_ST_CONNECT) {
		snprintf(ln[n++], 128, "for page %u", (unsigned)(sp->bytes - 1));
	} else if (sp->bytes > 0) {
		viz_fmt_count(a, sizeof a, sp->bytes);
		snprintf(ln[n++], 128, "%s bytes", a);
	}
	return n;
}

void viz_draw_tooltip(struct viz_paint *p, const struct viz_frame *f)
{
	const struct viz_pick *k = f->view->pinned.valid ? &f->view->pinned : &f->view->hover;
	char ln[6][128];
	int n, state, lh = viz_text_h(p, VIZ_F_SANS), w = 0, h, x, y, pad = viz_px(f, 6);
	int sw = viz_px(f, 12);

	if (!k->valid || k->section < 0 || k->section >= f->nsec || lh <= 0 ||
	    k->lane >= f->sec[k->section].track->nlanes)
		return;
	n = tooltip_lines(f, k, ln, &state);
	for (int i = 0; i < n; i++) {
		int lw = viz_text_w(p, i ? VIZ_F_SANS : VIZ_F_BOLD, ln[i]) + (i == 1 && state >= 0 ? sw + pad : 0);

		w = lw > w ? lw : w;
	}
	w += 2 * pad;
	h = n * lh + 2 * pad;
	x = viz_px(f, f->view->mouse_x + 14);
	y = viz_px(f, f->view->mouse_y + 18);
	if (x + w > f->w)
		x = f->w - w - viz_px(f, 2);
	if (y + h > f->h)
		y = viz_px(f, f->view->mouse_y) - h - viz_px(f, 6);
	x = x < 0 ? 0 : x;
	y = y < 0 ? 0 : y;
	viz_fill(p->r, viz_rgb_dim, x - 1, y - 1, w + 2, h + 2);
	viz_fill(p->r, viz_rgb_bg, x, y, w, h);
	for (int i = 0; i < n; i++) {
		int tx = x + pad;

		if (i == 1 && state >= 0) {
			viz_fill(p->r, viz_palette[state].rgb, tx, y + pad + i * lh + (lh - sw) / 2, sw, sw);
			tx += sw + pad;
		}
		viz_text(p, i ? VIZ_F_SANS : VIZ_F_BOLD, tx, y + pad + i * lh, viz_rgb_text,
			 VIZ_LEFT, ln[i]);
	}
}

void viz_draw_help(struct viz_paint *p, const struct viz_frame *f)
{
	int lh = viz_text_h(p, VIZ_F_SANS), kw = 0, ww = 0, pad = viz_px(f, 14), w, h, x, y;

	if (!(f->view->flags & VIZ_SHOW_HELP) || lh <= 0)
		return;
	for (int i = 0; i < viz_nkeys; i++) {
		int a = viz_text_w(p, VIZ_F_BOLD, viz_keys[i].keys);
		int b = viz_text_w(p, VIZ_F_SANS, viz_keys[i].what);

		kw = a > kw ? a : kw;
		ww = b > ww ? b : ww;
	}
	w = kw + ww + 3 * pad;
	h = (viz_nkeys + 1) * lh + 2 * pad + lh / 2;
	x = (f->w - w) / 2;
	y = (f->h - h) / 2;
	viz_fill(p->r, viz_rgb_text, x - 2, y - 2, w + 4, h + 4);
	viz_fill(p->r, viz_rgb_bg, x, y, w, h);
	viz_text(p, VIZ_F_BOLD, x + pad, y + pad, viz_rgb_text, VIZ_LEFT, "Keys");
	for (int i = 0; i < viz_nkeys; i++) {
		int ty = y + pad + (i + 1) * lh + lh / 2;

		viz_text(p, VIZ_F_BOLD, x + pad, ty, viz_rgb_text, VIZ_LEFT, viz_keys[i].keys);
		viz_text(p, VIZ_F_SANS, x + 2 * pad + kw, ty, viz_rgb_text, VIZ_LEFT, viz_keys[i].what);
	}
}
