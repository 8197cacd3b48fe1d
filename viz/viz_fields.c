/* The scenario and the report in run files: one table per struct, whose
 * rows name the members key/value blocks store (see viz_fields.h and
 * viz_kv.h).  A member added to a struct gets a row here and nothing else:
 * files that lack it still read, the field keeping its default.  A row
 * renamed or removed makes older files' values of it unknown keys.  The
 * tables of format 4, which stored the same members by position, are
 * frozen in viz_fields_v4.c. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "viz/viz_fields.h"
#include "viz/viz_kv.h"

#define MEMBER(S, m) (((S *)0)->m)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define F(S, m, t) \
	{ .name = #m, .type = (t), .count = 1, .size = sizeof(MEMBER(S, m)), \
	  .off = offsetof(S, m) }
#define F_ARRAY(S, m, t) \
	{ .name = #m, .type = (t), .keyed = VIZ_K_INDEX, .count = COUNT(MEMBER(S, m)), \
	  .size = sizeof(MEMBER(S, m)[0]), .off = offsetof(S, m) }
#define F_ENUM(S, m, n) \
	{ .name = #m, .type = VIZ_F_ENUM, .count = 1, .max = (n), \
	  .size = sizeof(MEMBER(S, m)), .off = offsetof(S, m) }
#define F_SUB(S, m, tbl) \
	{ .name = #m, .type = VIZ_F_SUB, .count = 1, .size = sizeof(MEMBER(S, m)), \
	  .off = offsetof(S, m), .sub = (tbl), .nsub = COUNT(tbl) }
#define F_SUBS(S, m, tbl) \
	{ .name = #m, .type = VIZ_F_SUB, .keyed = VIZ_K_INDEX, .count = COUNT(MEMBER(S, m)), \
	  .size = sizeof(MEMBER(S, m)[0]), .off = offsetof(S, m), .sub = (tbl), \
	  .nsub = COUNT(tbl) }
/* the models' array: its elements named by the models' names */
#define F_MODELS(S, m, tbl) \
	{ .name = #m, .type = VIZ_F_SUB, .keyed = VIZ_K_MODEL, .count = COUNT(MEMBER(S, m)), \
	  .size = sizeof(MEMBER(S, m)[0]), .off = offsetof(S, m), .sub = (tbl), \
	  .nsub = COUNT(tbl) }

static const struct viz_field dist[] = {
	F_ENUM(struct al_dist, kind, AL_DIST_PARETO + 1),
	F(struct al_dist, a, VIZ_F_F64),
	F(struct al_dist, b, VIZ_F_F64),
};

#define COST(m) F(struct al_costs, m, VIZ_F_I64)
static const struct viz_field costs[] = {
	COST(syscall_ns), COST(thread_switch_ns), COST(process_switch_ns),
	COST(thread_create_ns), COST(process_create_ns), COST(pool_startup_ns),
	COST(thread_pool_startup_ns),
	COST(thread_memory), COST(thread_stack), COST(process_memory),
	COST(coroutine_memory), COST(socket_memory), COST(coroutine_resume_ns),
	COST(callback_ns), COST(select_ns), COST(select_per_fd_ns), COST(time_slice_ns),
	COST(wakeup_ns), COST(gil_interval_ns), COST(parse_ns_per_kib),
	COST(connection_ns), COST(recv_ns_per_kib), COST(send_ns), COST(wake_1ms_ns),
	COST(wake_100ms_ns), COST(server_request_ns),
	COST(server_ns_per_kib), COST(relay_request_ns), COST(relay_ns_per_kib),
	COST(emulator_packet_ns), COST(server_accept_ns), COST(wake_100us_ns),
	COST(green_switch_ns), COST(green_memory),
	COST(uring_enter_ns), COST(uring_op_ns),
	COST(fork_ns_per_mib), COST(child_record), COST(process_cow_ns),
	COST(process_exit_ns), COST(exit_ns_per_mib),
	COST(fork_wait_3k_ns), COST(fork_wait_6k_ns),
	COST(emulator_ns_per_kib), COST(server_wake_ns),
	COST(wake_remote_1ms_ns), COST(green_stack_ns), COST(green_stack_woken_ns), COST(uring_setup_ns),
	COST(tun_connection_ns), COST(tun_send_ns), COST(uring_timeout_ns), COST(uring_poll_ns),
	COST(tun_server_request_ns), COST(tun_server_ns_per_kib), COST(tick_ns),
	COST(wake_segment_1ms_ns),
	COST(tun_connection_busy_ns), COST(tun_send_busy_ns),
	COST(thread_first_ns), COST(tun_close_ns), COST(tun_close_busy_ns),
	COST(wake_sibling_10ms_ns), COST(tun_apart_ns), COST(tun_server_accept_ns),
};
/* every cost once: all are int64_t, so a count short or over is a cost
 * missing or listed twice */
_Static_assert(COUNT(costs) * sizeof(int64_t) == sizeof(struct al_costs),
	       "viz_fields.c's costs table must list each member of struct al_costs once");

static const struct viz_field machine[] = {
	F_ENUM(struct al_machine, profile, AL_PROFILE_FILE + 1),
	F(struct al_machine, profile_file, VIZ_F_STR),
	F(struct al_machine, cores, VIZ_F_I32),
	F(struct al_machine, hz, VIZ_F_I64),
	F(struct al_machine, memory, VIZ_F_I64),
	F(struct al_machine, address_space, VIZ_F_I64),
	F(struct al_machine, fd_limit, VIZ_F_I32),
	F(struct al_machine, host_server, VIZ_F_BOOL),
	F(struct al_machine, host_links, VIZ_F_I32),
	F_ENUM(struct al_machine, host_emulator, AL_HOST_EMU_SHARED + 1),
	F_SUB(struct al_machine, costs, costs),
};

static const struct viz_field network[] = {
	F(struct al_network, rtt_ns, VIZ_F_I64),
	F_SUB(struct al_network, jitter, dist),
	F(struct al_network, bandwidth_bps, VIZ_F_I64),
	F(struct al_network, loss, VIZ_F_F64),
	F(struct al_network, rto_ns, VIZ_F_I64),
	F(struct al_network, handshake, VIZ_F_BOOL),
	F_ENUM(struct al_network, tcp, AL_TCP_FLOW + 1),
	F(struct al_network, queue, VIZ_F_I32),
	F_ENUM(struct al_network, link, AL_LINK_FIFO + 1),
};

static const struct viz_field server[] = {
	F_SUB(struct al_server, think, dist),
	F_SUB(struct al_server, page_size, dist),
	F(struct al_server, backlog, VIZ_F_I32),
	F(struct al_server, max_concurrent, VIZ_F_I32),
	F(struct al_server, sndbuf, VIZ_F_I64),
	F_ENUM(struct al_server, overflow, AL_OVERFLOW_REFUSE + 1),
	F_ARRAY(struct al_server, faults, VIZ_F_F64),
};

static const struct viz_field workload[] = {
	F(struct al_workload, pages, VIZ_F_I64),
	F(struct al_workload, host, VIZ_F_STR),
	F(struct al_workload, port, VIZ_F_I32),
	F(struct al_workload, timeout_ns, VIZ_F_I64),
};

/* A model's keys are the registry's (core/al_model_params.def): a key
 * added there is stored with no change here. */
#define KIND_COUNT(t) (sizeof(t) == 8 ? VIZ_F_I64 : VIZ_F_I32)
#define KIND_SIZE(t) VIZ_F_I64
#define KIND_DURATION(t) VIZ_F_I64
#define KIND_BOOL(t) VIZ_F_BOOL
#define KIND_POLLER(t) VIZ_F_ENUM
#define MAX_COUNT 0
#define MAX_SIZE 0
#define MAX_DURATION 0
#define MAX_BOOL 0
#define MAX_POLLER (AL_POLL_SELECT + 1)
static const struct viz_field model_cfg[] = {
	F(struct al_model_cfg, enabled, VIZ_F_BOOL),
#define AL_MODEL_PARAM(key, ctype, kind, lo, hi, def, help)                               \
	{ .name = #key, .type = KIND_##kind(ctype), .count = 1, .max = MAX_##kind,         \
	  .size = sizeof(ctype), .off = offsetof(struct al_model_cfg, key) },
#include "core/al_model_params.def"
#undef AL_MODEL_PARAM
};

static const struct viz_field event_cfg[] = {
	F(struct al_event_cfg, at_ns, VIZ_F_I64),
	F(struct al_event_cfg, set, VIZ_F_I32),
	F_SUB(struct al_event_cfg, network, network),
	F_SUB(struct al_event_cfg, server, server),
};

/* events[] is variable: nevents and that many elements follow the table */
static const struct viz_field scenario[] = {
	F(struct al_scenario, name, VIZ_F_STR),
	F(struct al_scenario, path, VIZ_F_STR),
	F(struct al_scenario, seed, VIZ_F_U64),
	F_SUB(struct al_scenario, machine, machine),
	F_SUB(struct al_scenario, network, network),
	F_SUB(struct al_scenario, server, server),
	F_SUB(struct al_scenario, workload, workload),
	F_MODELS(struct al_scenario, models, model_cfg),
	F(struct al_scenario, trace, VIZ_F_BOOL),
};

static const struct viz_field pct[] = {
	F(struct al_pct, p50_ns, VIZ_F_I64),
	F(struct al_pct, p90_ns, VIZ_F_I64),
	F(struct al_pct, p99_ns, VIZ_F_I64),
	F(struct al_pct, max_ns, VIZ_F_I64),
};

static const struct viz_field latency[] = {
	F(struct al_latency, pages, VIZ_F_I64),
	F_SUBS(struct al_latency, of, pct),
	F_ARRAY(struct al_latency, hist, VIZ_F_I64),
};

/* the model is stored by name, before the block (viz_file.c) */
static const struct viz_field report[] = {
	F(struct al_report, elapsed_ns, VIZ_F_I64),
	F(struct al_report, speedup, VIZ_F_F64),
	F(struct al_report, pages_ok, VIZ_F_I64),
	F(struct al_report, pages_failed, VIZ_F_I64),
	F_ARRAY(struct al_report, failures, VIZ_F_I64),
	F(struct al_report, bytes, VIZ_F_I64),
	F(struct al_report, checksum, VIZ_F_U64),
	F(struct al_report, cpu_busy_ns, VIZ_F_I64),
	F(struct al_report, context_switches, VIZ_F_I64),
	F(struct al_report, syscalls, VIZ_F_I64),
	F(struct al_report, futile_syscalls, VIZ_F_I64),
	F(struct al_report, peak_memory_bytes, VIZ_F_I64),
	F(struct al_report, peak_concurrency, VIZ_F_I64),
	F(struct al_report, events, VIZ_F_U64),
	F(struct al_report, trace_hash, VIZ_F_U64),
	F(struct al_report, retransmits, VIZ_F_I64),
	F_SUB(struct al_report, latency, latency),
};

/* events[] is variable: "nevents", then "events.I." keys for I below it */
void viz_fields_put_scenario(struct viz_enc *e, const struct al_scenario *sc)
{
	int n = sc->nevents < 0 ? 0 : sc->nevents;

	if (n > AL_SCENARIO_MAX_EVENTS)
		n = AL_SCENARIO_MAX_EVENTS;
	viz_kv_put(e, "", scenario, COUNT(scenario), sc, true);
	viz_kv_put_int(e, "nevents", n);
	for (int i = 0; i < n; i++) {
		char prefix[32];

		snprintf(prefix, sizeof prefix, "events.%d.", i);
		viz_kv_put(e, prefix, event_cfg, COUNT(event_cfg), &sc->events[i], true);
	}
	viz_kv_end(e);
}

/* An "events.I.rest" key: the event's field, I below nevents (which the
 * writer puts first). */
static int get_event(struct viz_dec *d, const char *key, struct al_scenario *sc)
{
	char *end;
	long i = strtol(key + 7, &end, 10);

	if (end == key + 7 || *end != '.' || i < 0 || i >= sc->nevents)
		return viz_dec_fail(d, "a timed event past the scenario's count");
	return viz_kv_value(d, end + 1, event_cfg, COUNT(event_cfg), &sc->events[i]);
}

int viz_fields_get_scenario(struct viz_dec *d, struct al_scenario *sc)
{
	char key[VIZ_KV_KEY_MAX + 1];
	int r;

	/* what the file lacks keeps this build's default; a model the file
	 * does not name did not run */
	al_scenario_default(sc);
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		sc->models[m].enabled = false;
	while ((r = viz_kv_key(d, key)) > 0) {
		int64_t v;

		if (strcmp(key, "nevents") == 0) {
			if (viz_kv_int(d, &v) != 0)
				return -1;
			if (v < 0 || v > AL_SCENARIO_MAX_EVENTS)
				return viz_dec_fail(d, "more timed events than a scenario holds");
			sc->nevents = (int)v;
		} else if (strncmp(key, "events.", 7) == 0) {
			if (get_event(d, key, sc) < 0)
				return -1;
		} else if (viz_kv_value(d, key, scenario, COUNT(scenario), sc) < 0) {
			return -1;
		}
	}
	return r < 0 || d->err ? -1 : 0;
}

void viz_fields_put_report(struct viz_enc *e, const struct al_report *r)
{
	/* get starts from zeros: a 0 need not be stored (most of them) */
	viz_kv_put(e, "", report, COUNT(report), r, false);
	viz_kv_end(e);
}

int viz_fields_get_report(struct viz_dec *d, struct al_report *r)
{
	char key[VIZ_KV_KEY_MAX + 1];
	int k;

	memset(r, 0, sizeof *r);
	while ((k = viz_kv_key(d, key)) > 0)
		if (viz_kv_value(d, key, report, COUNT(report), r) < 0)
			return -1;
	return k < 0 || d->err ? -1 : 0;
}
