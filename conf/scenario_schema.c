/* The scenario schema as tables, and the walk that applies a YAML tree to a
 * struct al_scenario.
 *
 * Each mapping is read in two passes: first its keys in file order (unknown,
 * duplicate or misplaced keys are reported where they stand), then its
 * values in table order, so that `machine.profile` is applied before
 * `machine.costs` overrides it and `events` copy the final `network` and
 * `server`, whatever order the file uses. */
#include "conf/scenario_schema.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf/scenario_walk.h"
#include "core/al_units.h"

#define US 1000LL
#define MS (1000 * US)
#define SEC (1000 * MS)
#define HOUR (3600 * SEC)
#define MIB (1024LL * 1024)
#define GIB (1024 * MIB)
#define TIB (1024 * GIB)
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* --- the tables ----------------------------------------------------- */

#define COST_T(k, m, lo) {.key = k, .type = AL_F_DURATION, \
	.off = offsetof(struct al_costs, m), .min = lo, .max = 60 * SEC}
#define COST_S(k, m) {.key = k, .type = AL_F_SIZE, \
	.off = offsetof(struct al_costs, m), .min = 0, .max = TIB}
static const struct al_field costs_fields[] = {
	COST_T("syscall", syscall_ns, 0),
	COST_T("thread_switch", thread_switch_ns, 0),
	COST_T("process_switch", process_switch_ns, 0),
	COST_T("thread_create", thread_create_ns, 0),
	COST_T("thread_first", thread_first_ns, 0),
	COST_T("process_create", process_create_ns, 0),
	COST_T("pool_startup", pool_startup_ns, 0),
	COST_T("thread_pool_startup", thread_pool_startup_ns, 0),
	COST_S("thread_memory", thread_memory),
	COST_S("thread_stack", thread_stack),
	COST_S("process_memory", process_memory),
	COST_S("coroutine_memory", coroutine_memory),
	COST_S("socket_memory", socket_memory),
	COST_T("coroutine_resume", coroutine_resume_ns, 0),
	COST_T("callback", callback_ns, 0),
	COST_T("select", select_ns, 0),
	COST_T("select_per_fd", select_per_fd_ns, 0),
	COST_T("time_slice", time_slice_ns, US),  /* 0 would never preempt */
	COST_T("wakeup", wakeup_ns, 0),
	COST_T("gil_interval", gil_interval_ns, 0),
	COST_T("parse_per_kib", parse_ns_per_kib, 0),
	COST_T("connection", connection_ns, 0),
	COST_T("recv_per_kib", recv_ns_per_kib, 0),
	COST_T("send", send_ns, 0),
	COST_T("wake_1ms", wake_1ms_ns, 0),
	COST_T("wake_100ms", wake_100ms_ns, 0),
	COST_T("wake_100us", wake_100us_ns, 0),
	COST_T("server_request", server_request_ns, 0),
	COST_T("server_per_kib", server_ns_per_kib, 0),
	COST_T("relay_request", relay_request_ns, 0),
	COST_T("relay_per_kib", relay_ns_per_kib, 0),
	COST_T("emulator_packet", emulator_packet_ns, 0),
	COST_T("emulator_per_kib", emulator_ns_per_kib, 0),
	COST_T("server_accept", server_accept_ns, 0),
	COST_T("server_wake", server_wake_ns, 0),
	COST_T("wake_remote_1ms", wake_remote_1ms_ns, 0),
	COST_T("wake_segment_1ms", wake_segment_1ms_ns, 0),
	COST_T("tun_connection", tun_connection_ns, 0),
	COST_T("tun_send", tun_send_ns, 0),
	COST_T("tun_connection_busy", tun_connection_busy_ns, 0),
	COST_T("tun_send_busy", tun_send_busy_ns, 0),
	COST_T("tun_close", tun_close_ns, 0),
	COST_T("tun_close_busy", tun_close_busy_ns, 0),
	COST_T("wake_sibling_10ms", wake_sibling_10ms_ns, 0),
	COST_T("tun_apart", tun_apart_ns, 0),
	COST_T("tun_server_request", tun_server_request_ns, 0),
	COST_T("tun_server_per_kib", tun_server_ns_per_kib, 0),
	COST_T("tun_server_accept", tun_server_accept_ns, 0),
	COST_T("tick", tick_ns, 0),  /* 0: TCP timers at exact times */
	COST_T("green_switch", green_switch_ns, 0),
	COST_S("green_memory", green_memory),
	COST_T("green_stack", green_stack_ns, 0),
	COST_T("green_stack_woken", green_stack_woken_ns, 0),
	COST_T("uring_enter", uring_enter_ns, 0),
	COST_T("uring_op", uring_op_ns, 0),
	COST_T("uring_timeout", uring_timeout_ns, 0),
	COST_T("uring_poll", uring_poll_ns, 0),
	COST_T("uring_setup", uring_setup_ns, 0),
	COST_T("fork_per_mib", fork_ns_per_mib, 0),
	COST_S("child_record", child_record),
	COST_T("process_cow", process_cow_ns, 0),
	COST_T("process_exit", process_exit_ns, 0),
	COST_T("exit_per_mib", exit_ns_per_mib, 0),
	COST_T("fork_wait_3k", fork_wait_3k_ns, 0),
	COST_T("fork_wait_6k", fork_wait_6k_ns, 0),
};
const struct al_section al_schema_costs = {"machine.costs",
	costs_fields, N(costs_fields)};

static const char *const host_emu_names[] = {"none", "own", "shared", NULL};
#define MACH(m) offsetof(struct al_machine, m)
static const struct al_field machine_fields[] = {
	{.key = "profile", .type = AL_F_PROFILE, .off = 0},
	{.key = "cores", .type = AL_F_COUNT, .off = MACH(cores),
		.size = sizeof(int), .min = 1, .max = 4096},
	{.key = "cpu", .type = AL_F_FREQUENCY, .off = MACH(hz),
		.min = 1000000, .max = 100000000000},
	{.key = "memory", .type = AL_F_SIZE, .off = MACH(memory),
		.min = MIB, .max = 1024 * 1024 * TIB},
	{.key = "address_space", .type = AL_F_SIZE, .off = MACH(address_space),
		.min = MIB, .max = 1024 * 1024 * TIB},
	{.key = "fd_limit", .type = AL_F_COUNT, .off = MACH(fd_limit),
		.size = sizeof(int), .min = 3, .max = 100000000},
	{.key = "costs", .type = AL_F_SECTION, .off = MACH(costs),
		.sub = &al_schema_costs},
	/* the last three: what shares the machine on the run, not the
	 * machine's own, so not in a profile file */
	{.key = "host_server", .type = AL_F_BOOL, .off = MACH(host_server)},
	{.key = "host_links", .type = AL_F_COUNT, .off = MACH(host_links),
		.size = sizeof(int), .min = 0, .max = 16},
	{.key = "host_emulator", .type = AL_F_ENUM, .off = MACH(host_emulator),
		.names = host_emu_names},
};
static const struct al_section machine_section = {"machine",
	machine_fields, N(machine_fields)};
/* every machine key after the first, `profile`, and before host_server */
const struct al_section al_schema_profile = {"", machine_fields + 1,
	N(machine_fields) - 4};

static const char *const tcp_names[] = {"linux", "fluid", "flow", NULL};
static const char *const link_names[] = {"fair", "fifo", NULL};
#define NET(m) offsetof(struct al_network, m)
static const struct al_field network_fields[] = {
	{.key = "rtt", .type = AL_F_DURATION, .off = NET(rtt_ns),
		.min = 0, .max = HOUR, .ev = AL_EV_RTT},
	{.key = "jitter", .type = AL_F_TIME_DIST, .off = NET(jitter),
		.min = 0, .max = HOUR, .ev = AL_EV_JITTER},
	{.key = "bandwidth", .type = AL_F_BANDWIDTH, .off = NET(bandwidth_bps),
		.min = 1, .max = 10000000000000, .ev = AL_EV_BANDWIDTH},
	{.key = "loss", .type = AL_F_PROB, .off = NET(loss),
		.ev = AL_EV_LOSS},
	{.key = "rto", .type = AL_F_DURATION, .off = NET(rto_ns),
		.min = US, .max = HOUR},
	{.key = "handshake", .type = AL_F_BOOL, .off = NET(handshake)},
	{.key = "tcp", .type = AL_F_ENUM, .off = NET(tcp), .names = tcp_names},
	{.key = "queue", .type = AL_F_COUNT, .off = NET(queue),
		.size = sizeof(int), .min = 1, .max = 1000000},
	{.key = "link", .type = AL_F_ENUM, .off = NET(link), .names = link_names},
};
static const struct al_section network_section = {"network",
	network_fields, N(network_fields)};

#define FAULT(f) offsetof(struct al_server, faults) + (f) * sizeof(double)
static const struct al_field fault_fields[] = {
	{.key = "reset", .type = AL_F_PROB, .off = FAULT(AL_FAULT_RESET)},
	{.key = "stall", .type = AL_F_PROB, .off = FAULT(AL_FAULT_STALL)},
	{.key = "short", .type = AL_F_PROB, .off = FAULT(AL_FAULT_SHORT)},
	{.key = "corrupt", .type = AL_F_PROB, .off = FAULT(AL_FAULT_CORRUPT)},
};
const struct al_section al_schema_faults = {"faults", fault_fields, N(fault_fields)};

static const char *const overflow_names[] = {"queue", "refuse", NULL};
#define SRV(m) offsetof(struct al_server, m)
static const struct al_field server_fields[] = {
	{.key = "think", .type = AL_F_TIME_DIST, .off = SRV(think),
		.min = 0, .max = HOUR, .ev = AL_EV_THINK},
	{.key = "page_size", .type = AL_F_SIZE_DIST, .off = SRV(page_size),
		.min = 0, .max = GIB, .ev = AL_EV_PAGE_SIZE},
	{.key = "backlog", .type = AL_F_COUNT, .off = SRV(backlog),
		.size = sizeof(int), .min = 1, .max = 1000000},
	{.key = "max_concurrent", .type = AL_F_COUNT, .off = SRV(max_concurrent),
		.size = sizeof(int), .min = 0, .max = 100000000,
		.ev = AL_EV_MAX_CONCURRENT},
	{.key = "overflow", .type = AL_F_ENUM, .off = SRV(overflow),
		.names = overflow_names},
	{.key = "sndbuf", .type = AL_F_SIZE, .off = SRV(sndbuf),
		.min = 0, .max = GIB},
	{.key = "faults", .type = AL_F_FAULTS},
};
static const struct al_section server_section = {"server",
	server_fields, N(server_fields)};

#define WL(m) offsetof(struct al_workload, m)
static const struct al_field workload_fields[] = {
	{.key = "pages", .type = AL_F_COUNT, .off = WL(pages),
		.size = sizeof(int64_t), .min = 1, .max = 100000000},
	{.key = "host", .type = AL_F_HOST, .off = WL(host),
		.size = sizeof(((struct al_workload *)0)->host)},
	{.key = "port", .type = AL_F_COUNT, .off = WL(port),
		.size = sizeof(int), .min = 1, .max = 65535},
	{.key = "timeout", .type = AL_F_DURATION, .off = WL(timeout_ns),
		.min = 0, .max = 7 * 24 * HOUR},
};
static const struct al_section workload_section = {"workload",
	workload_fields, N(workload_fields)};

static const char *const poller_names[] = {"epoll", "poll", "select", NULL};
/* The keys of core/al_model_params.def; which models take each is the
 * registry's (al_model_takes), not the field's `models`. */
#define KIND_COUNT AL_F_COUNT
#define KIND_BOOL AL_F_BOOL
#define KIND_POLLER AL_F_ENUM
#define KIND_SIZE AL_F_SIZE
#define KIND_DURATION AL_F_DURATION
#define NAMES_COUNT NULL
#define NAMES_BOOL NULL
#define NAMES_POLLER poller_names
#define NAMES_SIZE NULL
#define NAMES_DURATION NULL
static const struct al_field model_fields[] = {
	{.key = "name", .type = AL_F_SKIP},
#define AL_MODEL_PARAM(k, t, kind, lo, hi, def, help)                                   \
	{.key = #k, .type = KIND_##kind, .off = offsetof(struct al_model_cfg, k),        \
	 .size = sizeof(t), .min = (lo), .max = (hi), .names = NAMES_##kind},
#include "core/al_model_params.def"
#undef AL_MODEL_PARAM
};
const struct al_section al_schema_model = {"models[]", model_fields,
	N(model_fields)};

#define EV(m) offsetof(struct al_event_cfg, m)
static const struct al_field event_fields[] = {
	{.key = "at", .type = AL_F_DURATION, .off = EV(at_ns),
		.min = 0, .max = INT64_MAX},
	{.key = "network", .type = AL_F_SECTION, .off = EV(network),
		.sub = &network_section},
	{.key = "server", .type = AL_F_SECTION, .off = EV(server),
		.sub = &server_section},
	{.key = "link", .type = AL_F_LINK},
};
const struct al_section al_schema_event = {"events[]", event_fields,
	N(event_fields)};

#define SC(m) offsetof(struct al_scenario, m)
static const struct al_field top_fields[] = {
	{.key = "name", .type = AL_F_STR, .off = SC(name),
		.size = sizeof(((struct al_scenario *)0)->name)},
	{.key = "description", .type = AL_F_STR},  /* checked, not kept */
	{.key = "seed", .type = AL_F_SEED, .off = SC(seed)},
	{.key = "trace", .type = AL_F_BOOL, .off = SC(trace)},
	{.key = "machine", .type = AL_F_SECTION, .off = SC(machine),
		.sub = &machine_section},
	{.key = "network", .type = AL_F_SECTION, .off = SC(network),
		.sub = &network_section},
	{.key = "server", .type = AL_F_SECTION, .off = SC(server),
		.sub = &server_section},
	{.key = "workload", .type = AL_F_SECTION, .off = SC(workload),
		.sub = &workload_section},
	{.key = "models", .type = AL_F_MODELS},
	{.key = "events", .type = AL_F_EVENTS},
};
const struct al_section al_schema_top = {"", top_fields, N(top_fields)};

/* Where a key found in the wrong place may belong. */
static const struct al_section *const all_sections[] = {
	&al_schema_top, &machine_section, &al_schema_costs, &network_section,
	&server_section, &workload_section,
};

/* --- keys ------------------------------------------------------------ */

static const struct al_field *find_field(const struct al_section *sec,
					 const struct al_ynode *k)
{
	for (size_t i = 0; i < sec->n; i++)
		if (strlen(sec->f[i].key) == k->len &&
		    memcmp(sec->f[i].key, k->str, k->len) == 0)
			return &sec->f[i];
	return NULL;
}

static const char *where(const struct al_walk *w)
{
	return w->path[0] ? w->path : "top level";
}

static int unknown_key(struct al_walk *w, const struct al_section *sec,
		       const struct al_ynode *k, bool events_only)
{
	const char *names[32], *near;
	char q[64], list[256] = "";
	size_t n = 0;

	for (size_t i = 0; i < sec->n && n < N(names); i++)
		if (!events_only || sec->f[i].ev)
			names[n++] = sec->f[i].key;
	/* a key that is one of ours anywhere is no secret of the file's */
	bool ours = false;
	for (size_t s = 0; s < N(all_sections) && !ours; s++)
		ours = find_field(all_sections[s], k) != NULL;
	if (ours)
		al_quote(q, sizeof(q), k->str, k->len);
	else
		al_walk_quote(w, q, sizeof(q), k->str, k->len);
	near = al_suggest(k->str, names, n);
	if (near)
		return al_yerr_at(w->e, k->line, k->col, "unknown key '%s' %s%s "
				  "(did you mean '%s'?)", q,
				  w->path[0] ? "in " : "at ", where(w), near);
	/* the right key in the wrong section: point at where it goes (in a
	 * profile file only costs are a place to go) */
	if (w->profile && sec != &al_schema_costs &&
	    find_field(&al_schema_costs, k))
		return al_yerr_at(w->e, k->line, k->col, "unknown key '%s' %s%s "
				  "(it belongs in costs)", q,
				  w->path[0] ? "in " : "at ", where(w));
	for (size_t s = 0; s < N(all_sections) && w->ev == NULL &&
	     w->model < 0 && !w->profile; s++)
		if (all_sections[s] != sec && all_sections[s]->path[0] &&
		    find_field(all_sections[s], k))
			return al_yerr_at(w->e, k->line, k->col, "unknown key "
					  "'%s' %s%s (it belongs in %s)", q,
					  w->path[0] ? "in " : "at ", where(w),
					  all_sections[s]->path);
	if (n > 10)
		return al_yerr_at(w->e, k->line, k->col, "unknown key '%s' in "
				  "%s (see docs/costs.md)", q, where(w));
	al_join(list, sizeof(list), names, n, " or ");
	return al_yerr_at(w->e, k->line, k->col, "unknown key '%s' %s%s "
			  "(use %s)", q, w->path[0] ? "in " : "at ", where(w),
			  list);
}

/* Whether model m takes f, a key of a model item (the registry says). */
static bool model_takes(enum al_model m, const struct al_field *f)
{
	int p = al_param_find(f->key);

	return p >= 0 && al_model_takes(m, (enum al_model_param)p);
}

/* A key that exists but is not allowed here: in an event, or on a model
 * it does not apply to. */
static int misplaced_key(struct al_walk *w, const struct al_section *sec,
			 const struct al_field *f, const struct al_ynode *k)
{
	const char *names[32];
	char list[256];
	size_t n = 0;

	if (w->model >= 0) {
		for (int m = 0; m < AL_MODEL_COUNT; m++)
			if (model_takes((enum al_model)m, f))
				names[n++] = al_model_name((enum al_model)m);
	} else {
		for (size_t i = 0; i < sec->n && n < N(names); i++)
			if (sec->f[i].ev)
				names[n++] = sec->f[i].key;
	}
	al_join(list, sizeof(list), names, n, " or ");
	if (w->model >= 0)
		return al_yerr_at(w->e, k->line, k->col, "%s: '%s' does not "
				  "apply to %s (only to %s)", where(w), f->key,
				  al_model_name((enum al_model)w->model), list);
	return al_yerr_at(w->e, k->line, k->col, "%s: '%s' cannot change in an "
			  "event (only %s)", where(w), f->key, list);
}

int al_walk_map(struct al_walk *w, const struct al_ynode *map,
		const struct al_section *sec, void *base, bool events_only)
{
	if (al_ynode_is_null(map))
		return 0;
	if (map->type != AL_YMAP)
		return al_walk_fail(w, map, "expected a mapping of keys, not %s",
				    al_ynode_kind(map));
	for (size_t i = 0; i + 1 < map->nkid; i += 2) {
		const struct al_ynode *k = map->kid[i];
		const struct al_field *f;

		if (k->type != AL_YSCALAR)
			return al_yerr_at(w->e, k->line, k->col, "keys must be "
					  "names, not %s", al_ynode_kind(k));
		if ((f = find_field(sec, k)) == NULL)
			return unknown_key(w, sec, k, events_only);
		if ((events_only && f->ev == 0) ||
		    (w->model >= 0 && f->type != AL_F_SKIP &&
		     !model_takes((enum al_model)w->model, f)))
			return misplaced_key(w, sec, f, k);
		for (size_t j = 0; j < i; j += 2)
			if (map->kid[j]->len == k->len &&
			    memcmp(map->kid[j]->str, k->str, k->len) == 0)
				return al_yerr_at(w->e, k->line, k->col,
						  "duplicate key '%s' %s%s "
						  "(first at line %d)", f->key,
						  w->path[0] ? "in " : "at ",
						  where(w), map->kid[j]->line);
	}
	for (size_t i = 0; i < sec->n; i++) {
		const struct al_field *f = &sec->f[i];
		const struct al_ynode *v = al_ynode_get(map, f->key, NULL);
		size_t mark;
		int rc;

		if (v == NULL || f->type == AL_F_SKIP)
			continue;
		mark = al_walk_push(w, f->key);
		rc = al_walk_field(w, f, v, base);
		al_walk_pop(w, mark);
		if (rc < 0)
			return -1;
		if (events_only)
			w->ev->set |= f->ev;
	}
	return 0;
}

/* --- values ---------------------------------------------------------- */

static enum al_quantity quantity_of(enum al_ftype t)
{
	switch (t) {
	case AL_F_DURATION: case AL_F_TIME_DIST: return AL_Q_DURATION;
	case AL_F_SIZE: case AL_F_SIZE_DIST: return AL_Q_SIZE;
	case AL_F_BANDWIDTH: return AL_Q_BANDWIDTH;
	case AL_F_FREQUENCY: return AL_Q_FREQUENCY;
	default: return AL_Q_COUNT;
	}
}

const char *al_walk_fmt(char *buf, size_t n, enum al_ftype t, int64_t v)
{
	static const char *const base[AL_Q_COUNT_KINDS] = {
		[AL_Q_DURATION] = "ns", [AL_Q_SIZE] = "B",
		[AL_Q_BANDWIDTH] = "bit/s", [AL_Q_FREQUENCY] = "Hz",
	};
	enum al_quantity q = quantity_of(t);
	int64_t back = -1;

	switch (q) {
	case AL_Q_DURATION: al_fmt_duration(buf, n, v); break;
	case AL_Q_SIZE: al_fmt_bytes(buf, n, v); break;
	case AL_Q_BANDWIDTH: al_fmt_rate(buf, n, v); break;
	case AL_Q_FREQUENCY: al_fmt_freq(buf, n, v); break;
	default: snprintf(buf, n, "%lld", (long long)v); return buf;
	}
	/* the readable form rounds to 3 digits: fall back to the exact one */
	if (al_parse_quantity(q, buf, &back, NULL, 0) != 0 || back != v)
		snprintf(buf, n, "%lld %s", (long long)v, base[q]);
	return buf;
}

int al_walk_quantity(struct al_walk *w, const struct al_field *f,
		     const struct al_ynode *v, int64_t *out)
{
	static const char *const what[AL_Q_COUNT_KINDS] = {
		[AL_Q_DURATION] = "a duration like 150 ms",
		[AL_Q_SIZE] = "a size like 4 KiB",
		[AL_Q_BANDWIDTH] = "a bandwidth like 10 Mbit",
		[AL_Q_FREQUENCY] = "a frequency like 2.6 GHz",
		[AL_Q_COUNT] = "a count like 10_000",
	};
	char msg[200], a[AL_FMT_LEN], b[AL_FMT_LEN];
	const char *s = al_walk_scalar(w, v, what[quantity_of(f->type)]);

	if (s == NULL)
		return -1;
	if (al_ynode_is_null(v))
		s = "";
	if (al_parse_quantity(quantity_of(f->type), s, out, msg, sizeof(msg)))
		return al_walk_fail(w, v, "%s", msg);
	if (*out < f->min || *out > f->max) {
		int64_t bound = *out < f->min ? f->min : f->max;
		char q[64];
		al_walk_fmt(a, sizeof(a), f->type, bound);
		al_walk_fmt(b, sizeof(b), f->type, *out);
		al_walk_quote(w, q, sizeof(q), s, strlen(s));
		/* the value as written, when a fraction was rounded (0.4 bit
		 * is read as 0 bit/s: whole units, halves up) */
		if (strchr(s, '.') && strcmp(q, "…") != 0)
			return al_walk_fail(w, v, "must be at %s %s (got %s, read as %s)",
					    *out < f->min ? "least" : "most", a, q, b);
		return al_walk_fail(w, v, "must be at %s %s (got %s)",
				    *out < f->min ? "least" : "most", a, b);
	}
	return 0;
}

static int set_str(struct al_walk *w, const struct al_field *f,
		   const struct al_ynode *v, char *dst)
{
	char q[64];
	const char *s = al_walk_scalar(w, v, "a string");

	if (s == NULL)
		return -1;
	if (al_ynode_is_null(v) || (v->len == 0 && f->size > 0))
		return al_walk_fail(w, v, "missing value");
	for (size_t i = 0; i < v->len; i++)
		if (al_text_unsafe(s + i, v->len - i))
			return al_walk_fail(w, v, "control characters (and characters "
					    "that reorder text, such as U+202E) are "
					    "not allowed");
	if (f->size == 0)
		return 0;
	if (v->len >= f->size)
		return al_walk_fail(w, v, "too long (%zu bytes, at most %zu)",
				    v->len, f->size - 1);
	al_walk_quote(w, q, sizeof(q), s, v->len);
	for (size_t i = 0; f->type == AL_F_HOST && i < v->len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(".-_:", s[i]))
			return al_walk_fail(w, v, "'%s' is not a host name or "
					    "address", q);
	memcpy(dst, s, v->len + 1);
	return 0;
}

static int set_bool(struct al_walk *w, const struct al_ynode *v, bool *dst)
{
	static const char *const yes[] = {"true", "True", "TRUE"};
	static const char *const no[] = {"false", "False", "FALSE"};
	char q[64];
	const char *s = al_walk_scalar(w, v, "true or false");

	if (s == NULL)
		return -1;
	for (size_t i = 0; i < N(yes); i++) {
		if (strcmp(s, yes[i]) == 0)
			return *dst = true, 0;
		if (strcmp(s, no[i]) == 0)
			return *dst = false, 0;
	}
	al_walk_quote(w, q, sizeof(q), s, v->len);
	return al_walk_fail(w, v, "expected true or false, got '%s'", q);
}

static int set_enum(struct al_walk *w, const struct al_field *f,
		    const struct al_ynode *v, int *dst)
{
	char q[64], list[128];
	size_t n = 0;
	const char *near, *s = al_walk_scalar(w, v, "a name");

	if (s == NULL)
		return -1;
	while (f->names[n]) {
		if (strcmp(s, f->names[n]) == 0)
			return *dst = (int)n, 0;
		n++;
	}
	al_walk_quote(w, q, sizeof(q), s, v->len);
	if ((near = al_suggest(s, f->names, n)) != NULL)
		return al_walk_fail(w, v, "unknown value '%s' (did you mean "
				    "'%s'?)", q, near);
	al_join(list, sizeof(list), f->names, n, " or ");
	return al_walk_fail(w, v, "unknown value '%s' (use %s)", q, list);
}

int al_walk_field(struct al_walk *w, const struct al_field *f,
		  const struct al_ynode *v, void *base)
{
	char *p = (char *)base + f->off;
	int64_t x;
	double d;
	char msg[200];
	const char *s;

	switch (f->type) {
	case AL_F_STR:
	case AL_F_HOST:
		return set_str(w, f, v, p);
	case AL_F_BOOL:
		return set_bool(w, v, (bool *)p);
	case AL_F_SEED:
		if ((s = al_walk_scalar(w, v, "an integer")) == NULL)
			return -1;
		if (al_parse_u64(s, (uint64_t *)p, msg, sizeof(msg)))
			return al_walk_fail(w, v, "%s", msg);
		return 0;
	case AL_F_COUNT:
	case AL_F_DURATION:
	case AL_F_SIZE:
	case AL_F_BANDWIDTH:
	case AL_F_FREQUENCY:
		if (al_walk_quantity(w, f, v, &x) < 0)
			return -1;
		if (f->type == AL_F_COUNT && f->size == sizeof(int))
			*(int *)p = (int)x;
		else
			*(int64_t *)p = x;
		return 0;
	case AL_F_PROB:
		if ((s = al_walk_scalar(w, v, "a probability")) == NULL)
			return -1;
		if (al_parse_probability(al_ynode_is_null(v) ? "" : s, &d, msg,
					 sizeof(msg)))
			return al_walk_fail(w, v, "%s", msg);
		*(double *)p = d;
		return 0;
	case AL_F_ENUM:
		return set_enum(w, f, v, (int *)p);
	case AL_F_SECTION:
		return al_walk_map(w, v, f->sub, p, w->ev != NULL);
	case AL_F_TIME_DIST:
	case AL_F_SIZE_DIST:
		return al_walk_dist(w, f, v, (struct al_dist *)p);
	case AL_F_PROFILE:
		return al_walk_profile(w, v, (struct al_machine *)base);
	case AL_F_MODELS:
		return al_walk_models(w, v);
	case AL_F_EVENTS:
		return al_walk_events(w, v);
	case AL_F_LINK:
		return al_walk_link(w, v);
	case AL_F_FAULTS:
		return al_walk_faults(w, v, (struct al_server *)base);
	case AL_F_SKIP:
		break;
	}
	return 0;
}

int al_schema_apply(const struct al_ynode *root, struct al_scenario *sc,
		    struct al_yerr *e)
{
	struct al_walk w = {.e = e, .sc = sc, .model = -1};

	if (root->type != AL_YMAP)
		return al_yerr_at(e, root->line, root->col, "expected a mapping "
				  "of keys (name, machine, network, ...) at the "
				  "top level, not %s", al_ynode_kind(root));
	if (al_walk_map(&w, root, &al_schema_top, sc, false) < 0)
		return -1;
	/* a stalled page ends only when the client gives up on it */
	if (sc->server.faults[AL_FAULT_STALL] > 0 && sc->workload.timeout_ns == 0)
		return al_yerr_at(e, w.faults_line, w.faults_col, "server.faults: "
				  "a stalled page never ends without a page timeout "
				  "(set workload.timeout)");
	/* the crawler's own process must fit before anything can run */
	if (sc->machine.memory < sc->machine.costs.process_memory) {
		const struct al_ynode *m = al_ynode_get(root, "machine", NULL), *at = m;
		char a[AL_FMT_LEN], b[AL_FMT_LEN];

		if (m && m->type == AL_YMAP && al_ynode_get(m, "memory", NULL))
			at = al_ynode_get(m, "memory", NULL);
		al_fmt_bytes(a, sizeof a, sc->machine.memory);
		al_fmt_bytes(b, sizeof b, sc->machine.costs.process_memory);
		return al_yerr_at(e, at ? at->line : 1, at ? at->col : 1, "machine.memory: "
				  "%s cannot hold the crawler's own process "
				  "(costs.process_memory %s): no model could start", a, b);
	}
	return 0;
}
