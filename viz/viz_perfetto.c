/* Chrome Trace Event JSON of runs: what goes where is in viz_perfetto.h.
 *
 * One pass over each trace: a lane's span is known when its next state
 * arrives, so each lane keeps only its open span, and spans are written
 * as they close (viewers sort by time; the file's order is still fully
 * determined by the trace).  The hot lines are formatted by hand into a
 * line buffer, since a C10K trace is a million spans; strings that come
 * from the trace (labels, instant names, the scenario's name) always go
 * through the escaper. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/al_write.h"
#include "viz/viz_fmt.h"
#include "viz/viz_perfetto.h"

#ifndef AL_VERSION
#define AL_VERSION "?"
#endif

struct writer {
	FILE *out;
	int first;                   /* nothing written yet: no comma */
	uint64_t next_id;            /* of the next async span */
};

/* A lane's current state, from its last STATE event. */
struct open_span {
	int64_t t, bytes;
	uint8_t st;
	uint8_t open;
};

static int is_wait(unsigned st)
{
	return st == AL_ST_CONNECT || st == AL_ST_SEND || st == AL_ST_RECV || st == AL_ST_WAIT;
}

/* --- JSON text */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	/* the second byte's range rules out overlong forms, surrogates and
	 * code points past U+10FFFF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* s[0..n) as the inside of a JSON string. */
static void json_chars(FILE *out, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len;

		if (c == '"' || c == '\\') {
			putc('\\', out);
			putc(c, out);
			i++;
		} else if (c < 0x20) {
			static const char short_esc[] = "btn\0fr";
			if (c >= '\b' && c <= '\r' && short_esc[c - '\b'])
				fprintf(out, "\\%c", short_esc[c - '\b']);
			else
				fprintf(out, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			putc(c, out);
			i++;
		} else if ((len = utf8_len(s + i, n - i)) != 0) {
			fwrite(s + i, 1, len, out);
			i += len;
		} else {
			fputs("\\ufffd", out);
			i++;
		}
	}
}

static void json_str(FILE *out, const char *s)
{
	putc('"', out);
	json_chars(out, s, strlen(s));
	putc('"', out);
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return put_u64(p, 0 - (uint64_t)v);
	}
	return put_u64(p, (uint64_t)v);
}

/* Nanoseconds as microseconds with exactly three decimals. */
static char *put_us(char *p, int64_t ns)
{
	uint64_t m = ns < 0 ? 0 - (uint64_t)ns : (uint64_t)ns;
	unsigned frac = (unsigned)(m % 1000);

	if (ns < 0)
		*p++ = '-';
	p = put_u64(p, m / 1000);
	*p++ = '.';
	*p++ = (char)('0' + frac / 100);
	*p++ = (char)('0' + frac / 10 % 10);
	*p++ = (char)('0' + frac % 10);
	return p;
}

static char *put_s(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static void next_event(struct writer *w)
{
	fputs(w->first ? "\n" : ",\n", w->out);
	w->first = 0;
}

/* `"pid":P,"tid":T,"ts":U` */
static char *put_where(char *p, int pid, uint32_t tid, int64_t t)
{
	p = put_s(p, "\"pid\":");
	p = put_i64(p, pid);
	p = put_s(p, ",\"tid\":");
	p = put_u64(p, tid);
	p = put_s(p, ",\"ts\":");
	return put_us(p, t);
}

/* --- lanes */

static const char *label(const struct al_trace *tr, uint32_t lane)
{
	uint16_t nm = tr->lanes[lane].name;

	return nm < tr->nnames ? tr->names[nm] : "";
}

/* A lane's parent, or 0 when it names none that comes before it. */
static uint32_t parent_of(const struct al_trace *tr, uint32_t lane)
{
	uint32_t p = tr->lanes[lane].parent;

	return lane > 0 && p < lane ? p : 0;
}

static void lane_name(FILE *out, const struct al_trace *tr, uint32_t lane)
{
	static const char *const kinds[] = {"machine", "process", "thread", "task"};
	uint32_t chain[8];
	int n = 0;

	if (lane == 0) {
		fputs("machine", out);
		return;
	}
	/* climb while the lane is its parent's own thread or task (the same
	 * label), so "worker #3 / thread" rather than a second "worker #3" */
	chain[n++] = lane;
	for (uint32_t l = lane; n < (int)(sizeof chain / sizeof chain[0]);) {
		uint32_t p = parent_of(tr, l);

		if (p == 0 || strcmp(label(tr, l), label(tr, p)) != 0)
			break;
		chain[n++] = l = p;
	}
	const struct al_tr_lane *top = &tr->lanes[chain[n - 1]];

	json_chars(out, label(tr, chain[n - 1]), strlen(label(tr, chain[n - 1])));
	if (top->ordinal)
		fprintf(out, " #%u", top->ordinal);
	for (int i = n - 2; i >= 0; i--) {
		const struct al_tr_lane *l = &tr->lanes[chain[i]];

		fprintf(out, " / %s", l->kind < 4 ? kinds[l->kind] : "lane");
		if (l->ordinal != tr->lanes[chain[i + 1]].ordinal)
			fprintf(out, " #%u", l->ordinal);
	}
}

/* order[l] = lane l's rank in a preorder walk of the lane tree (children in
 * id order), or NULL when memory runs out. */
static uint32_t *tree_order(const struct al_trace *tr, uint32_t nl)
{
	uint32_t *first = calloc((size_t)nl + 1, sizeof *first);
	uint32_t *kids = malloc((size_t)nl * sizeof *kids);
	uint32_t *stack = malloc((size_t)nl * sizeof *stack);
	uint32_t *order = malloc((size_t)nl * sizeof *order);
	uint32_t top = 0, rank = 0;

	if (!first || !kids || !stack || !order) {
		free(order);
		order = NULL;
		goto out;
	}
	/* children lists, compressed: kids[first[p] .. first[p + 1]) */
	for (uint32_t l = 1; l < nl; l++)
		first[parent_of(tr, l) + 1]++;
	for (uint32_t p = 0; p < nl; p++)
		first[p + 1] += first[p];
	memcpy(stack, first, (size_t)nl * sizeof *stack);   /* fill cursors, for now */
	for (uint32_t l = 1; l < nl; l++)
		kids[stack[parent_of(tr, l)]++] = l;
	/* every lane is pushed once: parents come before their children */
	stack[top++] = 0;
	while (top > 0) {
		uint32_t l = stack[--top];

		order[l] = rank++;
		for (uint32_t k = first[l + 1]; k > first[l]; k--)
			stack[top++] = kids[k - 1];
	}
out:
	free(first);
	free(kids);
	free(stack);
	return order;
}

/* --- events */

static void span(struct writer *w, int pid, uint32_t tid, const struct open_span *o,
		 int64_t end)
{
	char line[512], *p = line;
	const char *name = al_state_name((enum al_state)o->st);
	/* in unsigned arithmetic: a span from before 0 to far after cannot
	 * overflow; t + dur <= end then holds */
	uint64_t diff = end > o->t ? (uint64_t)end - (uint64_t)o->t : 0;
	int64_t dur = diff > INT64_MAX ? INT64_MAX : (int64_t)diff;
	int wait = is_wait(o->st);
	uint64_t id = w->next_id;

	p = put_s(p, "{\"name\":\"");
	p = put_s(p, name);
	p = put_s(p, wait ? "\",\"cat\":\"wait\",\"ph\":\"b\","
			  : "\",\"cat\":\"state\",\"ph\":\"X\",");
	p = put_where(p, pid, tid, o->t);
	if (wait) {
		p = put_s(p, ",\"id\":\"0x");
		p += sprintf(p, "%llx", (unsigned long long)id);
		*p++ = '"';
	} else {
		p = put_s(p, ",\"dur\":");
		p = put_us(p, dur);
	}
	p = put_s(p, ",\"args\":{\"ns\":");
	p = put_i64(p, o->t);
	p = put_s(p, ",\"dur_ns\":");
	p = put_i64(p, dur);
	if (o->bytes) {
		/* a connect's value is its page's (core/al_trace.h) */
		p = put_s(p, o->st == AL_ST_CONNECT ? ",\"page\":" : ",\"bytes\":");
		p = put_i64(p, o->st == AL_ST_CONNECT ? o->bytes - 1 : o->bytes);
	}
	p = put_s(p, "}}");
	if (wait) {
		p = put_s(p, ",\n{\"name\":\"");
		p = put_s(p, name);
		p = put_s(p, "\",\"cat\":\"wait\",\"ph\":\"e\",");
		p = put_where(p, pid, tid, o->t + dur);
		p = put_s(p, ",\"id\":\"0x");
		p += sprintf(p, "%llx", (unsigned long long)id);
		p = put_s(p, "\"}");
		w->next_id++;
	}
	next_event(w);
	fwrite(line, 1, (size_t)(p - line), w->out);
}

static void counter(struct writer *w, int pid, uint32_t tid, const struct al_tr_event *e)
{
	static const char *const keys[AL_CTR_COUNT] = {"threads", "open", "bytes"};
	char line[256], *p = line;

	p = put_s(p, "{\"name\":\"");
	p = put_s(p, al_counter_name((enum al_counter)e->code));
	p = put_s(p, "\",\"ph\":\"C\",");
	p = put_where(p, pid, tid, e->t);
	p = put_s(p, ",\"args\":{\"");
	p = put_s(p, keys[e->code]);
	p = put_s(p, "\":");
	p = put_i64(p, e->value);
	p = put_s(p, "}}");
	next_event(w);
	fwrite(line, 1, (size_t)(p - line), w->out);
}

static void instant(struct writer *w, int pid, uint32_t tid, const struct al_trace *tr,
		    const struct al_tr_event *e)
{
	char line[256], *p = line;

	next_event(w);
	fputs("{\"name\":", w->out);
	json_str(w->out, e->name < tr->nnames ? tr->names[e->name] : "");
	p = put_s(p, ",\"cat\":\"instant\",\"ph\":\"i\",\"s\":\"t\",");
	p = put_where(p, pid, tid, e->t);
	p = put_s(p, ",\"args\":{\"ns\":");
	p = put_i64(p, e->t);
	p = put_s(p, ",\"value\":");
	p = put_i64(p, e->value);
	p = put_s(p, "}}");
	fwrite(line, 1, (size_t)(p - line), w->out);
}

/* The scenario's timed events: global instants (a line across every
 * track), on the first process of their run. */
static void scenario_events(struct writer *w, const struct al_scenario *sc, int pid,
			    uint32_t tid)
{
	for (int i = 0; i < sc->nevents && i < AL_SCENARIO_MAX_EVENTS; i++) {
		char line[128], *p = line, what[160];

		viz_fmt_event(what, sizeof what, &sc->events[i]);
		next_event(w);
		fputs("{\"name\":", w->out);
		json_str(w->out, what);
		p = put_s(p, ",\"cat\":\"scenario\",\"ph\":\"i\",\"s\":\"g\",");
		p = put_where(p, pid, tid, sc->events[i].at_ns);
		p = put_s(p, ",\"args\":{\"ns\":");
		p = put_i64(p, sc->events[i].at_ns);
		p = put_s(p, "}}");
		fwrite(line, 1, (size_t)(p - line), w->out);
	}
}

static void meta(struct writer *w, const char *what, int pid, uint32_t tid)
{
	next_event(w);
	fprintf(w->out, "{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%d,\"tid\":%u,\"args\":{", what,
		pid, tid);
}

/* The lanes a trace has to show: a hash-only or off trace keeps lane 0. */
static uint32_t lanes_of(const struct al_trace *tr)
{
	if (!tr->lanes || tr->nlanes == 0)
		return 0;
	return tr->mode == AL_TRACE_RECORD ? tr->nlanes : 1;
}

/* A process's name is "RUN · model": RUN the run's net, or, among runs
 * that are not one sim/real pair, its label (viz_layout_run_name's). */
static int export_model(struct writer *w, const char *rname, const struct viz_model *m,
			int pid, uint32_t tid0)
{
	const struct al_trace *tr = &m->trace;
	uint32_t nl = lanes_of(tr);
	int64_t end = viz_model_end(m);
	struct open_span *open = calloc(nl ? nl : 1, sizeof *open);
	uint32_t *order = nl ? tree_order(tr, nl) : NULL;

	if (!open || (nl && !order)) {
		free(open);
		free(order);
		errno = ENOMEM;
		return -1;
	}
	meta(w, "process_name", pid, tid0);
	fputs("\"name\":", w->out);
	putc('"', w->out);
	json_chars(w->out, rname, strlen(rname));
	fprintf(w->out, " \xc2\xb7 %s\"}}", al_model_name(m->report.model));
	meta(w, "process_sort_index", pid, tid0);
	fprintf(w->out, "\"sort_index\":%d}}", pid);
	for (uint32_t l = 0; l < nl; l++) {
		meta(w, "thread_name", pid, tid0 + order[l]);
		fputs("\"name\":\"", w->out);
		lane_name(w->out, tr, l);
		fputs("\"}}", w->out);
		meta(w, "thread_sort_index", pid, tid0 + order[l]);
		fprintf(w->out, "\"sort_index\":%u}}", order[l]);
	}
	for (size_t i = 0; tr->mode == AL_TRACE_RECORD && i < tr->n; i++) {
		const struct al_tr_event *e = &tr->ev[i];

		if (e->lane >= nl)
			continue;                       /* not a lane: nothing to draw it on */
		if (e->kind == AL_TR_STATE && e->code < AL_ST_COUNT) {
			struct open_span *o = &open[e->lane];

			if (o->open)
				span(w, pid, tid0 + order[e->lane], o, e->t);
			*o = (struct open_span){.t = e->t, .bytes = e->value, .st = e->code,
						.open = e->code != AL_ST_DONE};
		} else if (e->kind == AL_TR_COUNTER && e->code < AL_CTR_COUNT) {
			counter(w, pid, tid0, e);
		} else if (e->kind == AL_TR_INSTANT) {
			instant(w, pid, tid0 + order[e->lane], tr, e);
		}
	}
	for (uint32_t l = 0; l < nl; l++)
		if (open[l].open)
			span(w, pid, tid0 + order[l], &open[l],
			     end > open[l].t ? end : open[l].t);
	free(order);
	free(open);
	return 0;
}

int viz_perfetto_write(FILE *out, const struct viz_run *runs, int nruns)
{
	struct writer w = {.out = out, .first = 1};
	uint32_t tid = VIZ_PERFETTO_TID0;

	fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"asynclab " AL_VERSION
	      "\"", out);
	if (nruns > 0) {
		fputs(",\"scenario\":", out);
		json_str(out, runs[0].sc.name);
		fprintf(out, ",\"seed\":\"%llu\"", (unsigned long long)runs[0].sc.seed);
	}
	fputs("},\"traceEvents\":[", out);
	int twins = nruns == 2 && strncmp(runs[0].net, runs[1].net, sizeof runs[0].net) != 0;
	for (int r = 0; r < nruns; r++) {
		int pid0 = 0;
		uint32_t tid0 = tid;
		char rname[80];

		if (nruns == 1 || twins)
			snprintf(rname, sizeof rname, "%.*s", (int)sizeof runs[r].net, runs[r].net);
		else if (runs[r].label[0])
			snprintf(rname, sizeof rname, "%.*s", (int)sizeof runs[r].label,
				 runs[r].label);
		else
			snprintf(rname, sizeof rname, "run %d, %.*s", r + 1, (int)sizeof runs[r].net,
				 runs[r].net);

		for (int i = 0; i < runs[r].nmodels; i++) {
			const struct viz_model *m = &runs[r].models[i];
			int model = (unsigned)m->report.model < AL_MODEL_COUNT
					    ? (int)m->report.model : i;
			int pid = 1 + r * AL_MODEL_COUNT + model;

			if (export_model(&w, rname, m, pid, tid) != 0)
				return -1;
			pid0 = pid0 ? pid0 : pid;
			tid += lanes_of(&m->trace);
		}
		if (pid0)
			scenario_events(&w, &runs[r].sc, pid0, tid0);
	}
	fputs("\n]}\n", out);
	/* flushed here, so that a full disk is this call's error */
	return fflush(out) != 0 || ferror(out) ? -1 : 0;
}

struct job {
	const struct viz_run *runs;
	int nruns;
};

static int fill(FILE *out, void *arg)
{
	const struct job *j = arg;

	return viz_perfetto_write(out, j->runs, j->nruns);
}

int viz_perfetto_save(struct al_write_set *set, const char *path, const struct viz_run *runs,
		      int nruns, char *err, size_t errlen)
{
	struct job j = {runs, nruns};

	return al_write_file(set, path, fill, &j, err, errlen) ? -1 : 0;
}
