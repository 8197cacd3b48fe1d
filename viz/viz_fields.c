/* The scenario and the report in run files: one table per struct, read by
 * viz_codec's walker in both directions (see viz_fields.h).  The order of
 * the rows is the order of the bytes in the file: append, never reorder,
 * and bump VIZ_FILE_VERSION with any change. */
#include <stddef.h>

#include "viz/viz_fields.h"

#define MEMBER(S, m) (((S *)0)->m)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define F(S, m, t) \
	{ .type = (t), .count = 1, .size = sizeof(MEMBER(S, m)), .off = offsetof(S, m) }
#define F_ARRAY(S, m, t) \
	{ .type = (t), .count = COUNT(MEMBER(S, m)), .size = sizeof(MEMBER(S, m)[0]), \
	  .off = offsetof(S, m) }
#define F_ENUM(S, m, n) \
	{ .type = VIZ_F_ENUM, .count = 1, .max = (n), .size = sizeof(MEMBER(S, m)), \
	  .off = offsetof(S, m) }
#define F_SUB(S, m, tbl) \
	{ .type = VIZ_F_SUB, .count = 1, .size = sizeof(MEMBER(S, m)), .off = offsetof(S, m), \
	  .sub = (tbl), .nsub = COUNT(tbl) }
#define F_SUBS(S, m, tbl) \
	{ .type = VIZ_F_SUB, .count = COUNT(MEMBER(S, m)), .size = sizeof(MEMBER(S, m)[0]), \
	  .off = offsetof(S, m), .sub = (tbl), .nsub = COUNT(tbl) }

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
	COST(uring_enter_ns), COST(uring_op_ns),
};

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
	F_ENUM(struct al_network, tcp, AL_TCP_FLUID + 1),
	F(struct al_network, queue, VIZ_F_I32),
};

static const struct viz_field server[] = {
	F_SUB(struct al_server, think, dist),
	F_SUB(struct al_server, page_size, dist),
	F(struct al_server, backlog, VIZ_F_I32),
	F(struct al_server, max_concurrent, VIZ_F_I32),
	F_ENUM(struct al_server, overflow, AL_OVERFLOW_REFUSE + 1),
	F_ARRAY(struct al_server, faults, VIZ_F_F64),
};

static const struct viz_field workload[] = {
	F(struct al_workload, pages, VIZ_F_I64),
	F(struct al_workload, host, VIZ_F_STR),
	F(struct al_workload, port, VIZ_F_I32),
	F(struct al_workload, timeout_ns, VIZ_F_I64),
};

static const struct viz_field model_cfg[] = {
	F(struct al_model_cfg, enabled, VIZ_F_BOOL),
	F(struct al_model_cfg, workers, VIZ_F_I32),
	F_ENUM(struct al_model_cfg, poller, AL_POLL_SELECT + 1),
	F(struct al_model_cfg, gil, VIZ_F_BOOL),
	F(struct al_model_cfg, limit, VIZ_F_I64),
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
	F_SUBS(struct al_scenario, models, model_cfg),
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

static const struct viz_field report[] = {
	F_ENUM(struct al_report, model, AL_MODEL_COUNT),
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

void viz_fields_put_scenario(struct viz_enc *e, const struct al_scenario *sc)
{
	int n = sc->nevents < 0 ? 0 : sc->nevents;

	if (n > AL_SCENARIO_MAX_EVENTS)
		n = AL_SCENARIO_MAX_EVENTS;
	viz_fields_put(e, scenario, COUNT(scenario), sc);
	viz_enc_u32(e, (uint32_t)n);
	for (int i = 0; i < n; i++)
		viz_fields_put(e, event_cfg, COUNT(event_cfg), &sc->events[i]);
}

int viz_fields_get_scenario(struct viz_dec *d, struct al_scenario *sc)
{
	memset(sc, 0, sizeof *sc);
	if (viz_fields_get(d, scenario, COUNT(scenario), sc) != 0)
		return -1;
	uint32_t n = viz_dec_u32(d);

	if (!d->err && n > AL_SCENARIO_MAX_EVENTS)
		return viz_dec_fail(d, "more timed events than a scenario holds");
	sc->nevents = (int)n;
	for (uint32_t i = 0; i < n && !d->err; i++)
		viz_fields_get(d, event_cfg, COUNT(event_cfg), &sc->events[i]);
	return d->err ? -1 : 0;
}

void viz_fields_put_report(struct viz_enc *e, const struct al_report *r)
{
	viz_fields_put(e, report, COUNT(report), r);
}

int viz_fields_get_report(struct viz_dec *d, struct al_report *r)
{
	memset(r, 0, sizeof *r);
	return viz_fields_get(d, report, COUNT(report), r);
}
