/* A trace in a run file (the layout is in viz_file.h): written after the
 * same checks the reader makes, so every file written reads back; read by
 * replaying the events through the al_trace API -- names interned in their
 * order, each lane created at its lane event -- which gives back the same
 * ids, the same events and the same hash, and a hash that differs proves
 * the file was misread. */
#include <stdlib.h>
#include <string.h>

#include "viz/viz_file_int.h"

/* tag byte of an event */
#define TAG_VALUE 0x04
#define TAG_NAME 0x08
#define TAG_CODE_ESC 15
/* the fewest bytes an event, a lane and a name take in a file: counts are
 * checked against them before anything is allocated */
#define MIN_EVENT 3
#define MIN_LANE 4
#define MIN_NAME 1

/* What is wrong with an event of a trace of nlanes lanes and nnames names
 * (the rules every trace the viewer draws obeys), or NULL. */
static const char *bad_event(const struct al_tr_event *e, uint32_t nlanes, uint32_t nnames)
{
	if (e->kind > AL_TR_COUNTER)
		return "unknown event kind";
	if (e->t < 0 || e->t > VIZ_FILE_T_MAX)
		return "event time out of range";
	if (e->lane >= nlanes)
		return "event on a lane that does not exist";
	if (e->name >= nnames)
		return "event names a string that does not exist";
	if (e->kind == AL_TR_STATE && e->code >= AL_ST_COUNT)
		return "unknown state";
	if (e->kind == AL_TR_COUNTER && e->code >= AL_CTR_COUNT)
		return "unknown counter";
	return NULL;
}

static const char *bad_lane(const struct al_tr_lane *l, uint32_t id, uint32_t nnames,
			    const struct al_tr_lane *machine)
{
	if (id == 0)
		return l->parent == machine->parent && l->ordinal == machine->ordinal &&
		       l->name == machine->name && l->kind == machine->kind
		       ? NULL : "lane 0 is not the machine";
	if (l->parent >= id)
		return "lane's parent comes after it";
	if (l->name >= nnames)
		return "lane names a string that does not exist";
	if (l->kind > AL_LANE_TASK || l->kind == AL_LANE_MACHINE)
		return "unknown lane kind";
	return NULL;
}

/* The event al_trace_lane records when it creates lane l as id. */
static struct al_tr_event lane_event(const struct al_tr_lane *l, uint32_t id, int64_t t)
{
	return (struct al_tr_event){
		.t = t, .value = (int64_t)((uint64_t)l->ordinal << 32 | l->parent),
		.lane = id, .kind = AL_TR_LANE, .code = l->kind, .name = l->name,
	};
}

static int same_event(const struct al_tr_event *a, const struct al_tr_event *b)
{
	return a->t == b->t && a->value == b->value && a->lane == b->lane &&
	       a->kind == b->kind && a->code == b->code && a->name == b->name;
}

int viz_file_put_trace(struct viz_enc *e, const struct al_trace *tr, const char *who, char *err,
		       size_t errlen)
{
	int record = tr->mode == AL_TRACE_RECORD;
	uint32_t nlanes = record ? tr->nlanes : 1;
	size_t nev = record ? tr->n : 0, i;
	struct al_tr_lane machine = {.name = 1, .kind = AL_LANE_MACHINE};
	uint32_t next = 1;
	uint64_t prev = 0;
	const char *why;

	if ((unsigned)tr->mode > AL_TRACE_RECORD || tr->nnames < 2 || !tr->lanes)
		return FAIL("%s: not an initialised trace", who);
	if (tr->nnames > VIZ_FILE_MAX_NAMES)
		return FAIL("%s: %u names in the trace, run files hold at most %d", who,
			    tr->nnames, VIZ_FILE_MAX_NAMES);
	for (uint32_t l = 0; l < nlanes; l++)
		if ((why = bad_lane(&tr->lanes[l], l, tr->nnames, &machine)) != NULL)
			return FAIL("%s: lane %u: %s", who, l, why);
	for (i = 0; i < nev; i++) {
		const struct al_tr_event *ev = &tr->ev[i];

		why = bad_event(ev, nlanes, tr->nnames);
		if (!why && ev->kind == AL_TR_LANE) {
			struct al_tr_event want;

			if (next < nlanes)
				want = lane_event(&tr->lanes[next], next, ev->t);
			if (next >= nlanes || !same_event(ev, &want))
				why = "lane event out of order or unlike its lane";
			next++;
		}
		if (why)
			return FAIL("%s: event %zu: %s", who, i, why);
	}
	if (!tr->truncated && next != nlanes)
		return FAIL("%s: lanes without a lane event", who);

	viz_enc_u8(e, (uint8_t)tr->mode);
	viz_enc_u8(e, tr->truncated ? 1 : 0);
	viz_enc_u64(e, tr->hash);
	viz_enc_u64(e, tr->count);
	viz_enc_varint(e, tr->nnames);
	for (unsigned k = 0; k < tr->nnames; k++)
		viz_enc_str(e, tr->names[k], strlen(tr->names[k]));
	viz_enc_varint(e, nlanes);
	for (uint32_t l = 0; l < nlanes; l++) {
		viz_enc_varint(e, tr->lanes[l].parent);
		viz_enc_varint(e, tr->lanes[l].ordinal);
		viz_enc_varint(e, tr->lanes[l].name);
		viz_enc_u8(e, tr->lanes[l].kind);
	}
	viz_enc_varint(e, nev);
	for (i = 0; i < nev && !e->failed; i++) {
		const struct al_tr_event *ev = &tr->ev[i];
		unsigned code = ev->code < TAG_CODE_ESC ? ev->code : TAG_CODE_ESC;
		/* time deltas in unsigned arithmetic: any int64 pair round-trips */
		uint64_t dt = (uint64_t)ev->t - prev;

		viz_enc_u8(e, (uint8_t)(ev->kind | (ev->value ? TAG_VALUE : 0) |
					(ev->name ? TAG_NAME : 0) | code << 4));
		if (code == TAG_CODE_ESC)
			viz_enc_u8(e, ev->code);
		viz_enc_varint(e, (dt << 1) ^ (0 - (dt >> 63)));
		prev = (uint64_t)ev->t;
		viz_enc_varint(e, ev->lane);
		if (ev->value)
			viz_enc_varint(e, viz_zigzag(ev->value));
		if (ev->name)
			viz_enc_varint(e, ev->name);
	}
	return 0;
}

static int get_event(struct viz_dec *d, struct al_tr_event *ev, uint64_t *prev)
{
	uint8_t tag = viz_dec_u8(d);
	unsigned code = tag >> 4;

	if (code == TAG_CODE_ESC)
		code = viz_dec_u8(d);
	uint64_t zz = viz_dec_varint(d);
	uint64_t dt = (zz >> 1) ^ (0 - (zz & 1));
	uint64_t lane = viz_dec_varint(d);
	uint64_t value = tag & TAG_VALUE ? viz_dec_varint(d) : 0;
	uint64_t name = tag & TAG_NAME ? viz_dec_varint(d) : 0;

	*prev += dt;
	if (d->err)
		return -1;
	if (lane > UINT32_MAX || name > UINT16_MAX)
		return viz_dec_fail(d, "event field out of range");
	*ev = (struct al_tr_event){
		.t = (int64_t)*prev, .value = viz_unzigzag(value), .lane = (uint32_t)lane,
		.kind = tag & 3, .code = (uint8_t)code, .name = (uint16_t)name,
	};
	return 0;
}

/* Reads a names table into tr (already initialised with "" and "machine"):
 * interning them in file order must give each the id it had. */
static int get_names(struct viz_dec *d, struct al_trace *tr, uint32_t *nnames)
{
	uint64_t n = viz_dec_varint(d);

	if (d->err)
		return -1;
	if (n < 2 || n > VIZ_FILE_MAX_NAMES || n > viz_dec_left(d) / MIN_NAME)
		return viz_dec_fail(d, "bad count of names");
	for (uint64_t i = 0; i < n; i++) {
		const char *s;
		size_t len;

		if (viz_dec_str(d, viz_dec_left(d), &s, &len) != 0)
			return -1;
		char *copy = strndup(s, len);

		if (!copy)
			return viz_dec_fail(d, "out of memory");
		uint16_t id = al_trace_name(tr, copy);

		free(copy);
		if (id != i)
			return viz_dec_fail(d, "names repeated or out of order");
	}
	*nnames = (uint32_t)n;
	return 0;
}

/* The chain of al_trace_add's hash before format 6 (xor, multiply,
 * shift a word), over tr's events: how formats 4 and 5 kept the hash's
 * state, so that their events can still be checked against it. */
static uint64_t hash_before_6(const struct al_trace *tr)
{
	const uint64_t mix = 0x9e3779b97f4a7c15ull;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < tr->n; i++) {
		const struct al_tr_event *e = &tr->ev[i];

		h = (h ^ (uint64_t)e->t) * mix;
		h = (h ^ (uint64_t)e->value) * mix;
		h = (h ^ ((uint64_t)e->lane | (uint64_t)e->kind << 32 |
			  (uint64_t)e->code << 40 | (uint64_t)e->name << 48)) * mix;
		h ^= h >> 29;
	}
	return h;
}

int viz_file_get_trace(struct viz_dec *d, struct al_trace *tr, uint32_t version)
{
	struct al_tr_lane *lanes = NULL;
	uint8_t mode = viz_dec_u8(d), truncated = viz_dec_u8(d);
	uint64_t hash = viz_dec_u64(d), count = viz_dec_u64(d), nl, nev;
	uint32_t nnames = 0, next = 1;
	uint64_t prev = 0;
	const char *why;

	if (d->err)
		return -1;
	if (mode > AL_TRACE_RECORD || truncated > 1)
		return viz_dec_fail(d, "bad trace mode");
	if (al_trace_init(tr, (enum al_trace_mode)mode) != 0) {
		al_trace_free(tr);
		return viz_dec_fail(d, "out of memory");
	}
	if (get_names(d, tr, &nnames) != 0)
		goto fail;
	nl = viz_dec_varint(d);
	if (!d->err && (nl < 1 || nl > UINT32_MAX || nl > viz_dec_left(d) / MIN_LANE ||
			(mode != AL_TRACE_RECORD && nl != 1))) {
		viz_dec_fail(d, "bad count of lanes");
		goto fail;
	}
	lanes = d->err ? NULL : malloc((size_t)nl * sizeof *lanes);
	if (!d->err && !lanes)
		viz_dec_fail(d, "out of memory");
	for (uint64_t l = 0; l < nl && !d->err; l++) {
		uint64_t parent = viz_dec_varint(d), ordinal = viz_dec_varint(d);
		uint64_t name = viz_dec_varint(d);
		uint8_t kind = viz_dec_u8(d);

		if (parent > UINT32_MAX || ordinal > UINT32_MAX || name > UINT16_MAX)
			viz_dec_fail(d, "lane field out of range");
		lanes[l] = (struct al_tr_lane){.parent = (uint32_t)parent,
			.ordinal = (uint32_t)ordinal, .name = (uint16_t)name, .kind = kind};
		if (!d->err && (why = bad_lane(&lanes[l], (uint32_t)l, nnames, &tr->lanes[0])))
			viz_dec_fail(d, why);
	}
	nev = viz_dec_varint(d);
	if (d->err)
		goto fail;
	if (nev > viz_dec_left(d) / MIN_EVENT || (mode != AL_TRACE_RECORD && nev != 0)) {
		viz_dec_fail(d, "bad count of events");
		goto fail;
	}
	/* the events' room at once, rather than the doublings of al_trace_add */
	if (nev > 0) {
		tr->ev = malloc((size_t)nev * sizeof *tr->ev);
		if (!tr->ev) {
			viz_dec_fail(d, "out of memory");
			goto fail;
		}
		tr->cap = (size_t)nev;
	}
	for (uint64_t i = 0; i < nev; i++) {
		struct al_tr_event ev;

		if (get_event(d, &ev, &prev) != 0)
			goto fail;
		if ((why = bad_event(&ev, (uint32_t)nl, nnames)) != NULL) {
			viz_dec_fail(d, why);
			goto fail;
		}
		if (ev.kind != AL_TR_LANE) {
			al_trace_add(tr, ev.t, ev.lane, (enum al_tr_kind)ev.kind, ev.code,
				     ev.name, ev.value);
			continue;
		}
		const struct al_tr_lane *l = &lanes[next < nl ? next : 0];

		if (next >= nl || ev.lane != next) {
			viz_dec_fail(d, "lane event out of order");
			goto fail;
		}
		uint32_t id = al_trace_lane(tr, ev.t, (enum al_lane_kind)l->kind, l->parent,
					    tr->names[l->name], l->ordinal);
		if (id != next || tr->truncated || !same_event(&tr->ev[tr->n - 1], &ev)) {
			viz_dec_fail(d, tr->truncated || id == 0 ? "out of memory"
							 : "lane event unlike its lane");
			goto fail;
		}
		next++;
	}
	if (tr->truncated && !truncated) {
		viz_dec_fail(d, "out of memory");
		goto fail;
	}
	if (!truncated && next != nl) {
		viz_dec_fail(d, "lanes without a lane event");
		goto fail;
	}
	/* a truncated trace kept creating lanes after its events stopped */
	tr->truncated = truncated;
	for (; next < nl; next++) {
		const struct al_tr_lane *l = &lanes[next];

		if (al_trace_lane(tr, 0, (enum al_lane_kind)l->kind, l->parent,
				  tr->names[l->name], l->ordinal) != next) {
			viz_dec_fail(d, "out of memory");
			goto fail;
		}
	}
	/* A whole trace's events must give the hash they were saved with (a
	 * format before 6: the hash of its day); the trace then has this
	 * build's hash of them, which a file saved again stores.  Hash-only
	 * and truncated traces keep the hash state they were saved with. */
	if (mode == AL_TRACE_RECORD && !truncated) {
		if ((version >= 6 ? tr->hash : hash_before_6(tr)) != hash || tr->count != count) {
			viz_dec_fail(d, "events do not give the trace's hash");
			goto fail;
		}
	} else {
		tr->hash = hash;
	}
	tr->count = count;
	free(lanes);
	return 0;
fail:
	free(lanes);
	al_trace_free(tr);
	return -1;
}
