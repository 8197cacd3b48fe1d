/* net/net_calib and conf/profile: every calibrated figure is measured and
 * sane, the profile calibrate writes loads back as exactly what was
 * measured, a scenario's own machine keys override its profile's, and bad
 * profile files give exact "file:line:col: message"s.  No timing targets:
 * this VM is noisy, so figures are only bounded by the absurd. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/cmd_calibrate.h"
#include "conf/profile.h"
#include "conf/scenario.h"
#include "core/al_write.h"
#include "net/net_calib.h"
#include "net/net_calib_int.h"

#define SEC 1000000000.0
#define GIB (1024.0 * 1024 * 1024)

static char dir[] = "/tmp/al_calib_XXXXXX";
static struct net_calib cal;     /* measured once, shared by the tests */
static char profile[256];        /* dir/m.yaml, written from cal      */

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int64_t cost_at(const struct al_costs *c, size_t off)
{
	int64_t v;

	memcpy(&v, (const char *)c + off, sizeof(v));
	return v;
}

static int setup(void **state)
{
	struct al_machine m;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(profile, sizeof(profile), "%s/m.yaml", dir);
	net_calib_run(&cal, 3);
	/* the profile the loading tests read */
	al_calibrate_machine(&cal, profile, &m);
	return al_calibrate_write(profile, &cal, &m);
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_figures(void **state)
{
	(void)state;
	assert_int_equal(cal.reps, 3);
	for (int f = 0; f < NET_CALIB_COUNT; f++) {
		const char *k = net_calib_key((enum net_calib_fig)f);
		double bound = net_calib_is_size((enum net_calib_fig)f) ? GIB : SEC;

		if (!(cal.measured & ((uint64_t)1 << f)) || cal.err[f] != 0)
			print_error("%s: not measured: %s\n", k,
				    strerror(cal.err[f]));
		assert_true(cal.measured & ((uint64_t)1 << f));
		/* a difference of two medians may come out at 0 or under
		 * (written as 0): finite, within the bound either way */
		double low = net_calib_zero_unmeasured((enum net_calib_fig)f) ? -bound : 0;
		if (!(cal.value[f] > low && cal.value[f] < bound))
			print_error("%s: %g\n", k, cal.value[f]);
		assert_true(cal.value[f] > low && cal.value[f] < bound);
	}
	assert_true(cal.cores >= 1 && cal.cores <= 4096);
	assert_true(cal.memory >= 1024 * 1024);
	assert_true(cal.fd_limit >= 3);
	assert_true(cal.hz == 0 || (cal.hz >= 1000000 && cal.hz <= 100000000000));
	assert_true(cal.elapsed_ns > 0);
}

/* Rounding to the cost table: whole units, at least 1, only what was
 * measured. */
static void test_costs(void **state)
{
	struct net_calib c;
	struct al_costs costs, def;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.value[NET_CALIB_CALLBACK] = 0.3;
	c.value[NET_CALIB_SYSCALL] = 91.5;
	c.value[NET_CALIB_THREAD_MEMORY] = 15360.4;
	c.value[NET_CALIB_WAKEUP] = -20;        /* noise below zero */
	c.value[NET_CALIB_SELECT] = 777;        /* not flagged: ignored */
	c.measured = 1u << NET_CALIB_CALLBACK | 1u << NET_CALIB_SYSCALL |
		     1u << NET_CALIB_THREAD_MEMORY | 1u << NET_CALIB_WAKEUP;
	al_costs_profile(&costs, AL_PROFILE_C);
	def = costs;
	net_calib_costs(&c, &costs);
	assert_true(costs.callback_ns == 1);
	assert_true(costs.syscall_ns == 92);
	assert_true(costs.thread_memory == 15360);
	assert_true(costs.wakeup_ns == 1);
	assert_true(costs.select_ns == def.select_ns);
	assert_true(costs.time_slice_ns == def.time_slice_ns);
	/* a busy price at or under 0 is not measured: 0, not 1 ns, which the
	 * simulator would charge in place of tun_connection and tun_send */
	c.value[NET_CALIB_TUN_CONNECTION_BUSY] = -800;
	c.value[NET_CALIB_TUN_SEND_BUSY] = 0.4;
	c.value[NET_CALIB_TUN_CLOSE_BUSY] = -3;
	c.value[NET_CALIB_TUN_CLOSE] = -3;      /* not a busy price: 1 ns */
	c.value[NET_CALIB_TUN_APART] = -2500;   /* a price added: 0, nothing more */
	c.value[NET_CALIB_GREEN_STACK_WOKEN] = -700;    /* the same */
	c.measured |= (uint64_t)1 << NET_CALIB_TUN_CONNECTION_BUSY |
		      (uint64_t)1 << NET_CALIB_TUN_SEND_BUSY |
		      (uint64_t)1 << NET_CALIB_TUN_CLOSE_BUSY | (uint64_t)1 << NET_CALIB_TUN_CLOSE |
		      (uint64_t)1 << NET_CALIB_TUN_APART | (uint64_t)1 << NET_CALIB_GREEN_STACK_WOKEN;
	net_calib_costs(&c, &costs);
	assert_true(costs.tun_connection_busy_ns == 0);
	assert_true(costs.tun_send_busy_ns == 1);
	assert_true(costs.tun_close_busy_ns == 0);
	assert_true(costs.tun_close_ns == 1);
	assert_true(costs.tun_apart_ns == 0);
	assert_true(costs.green_stack_woken_ns == 0);
	assert_string_equal(net_calib_key(NET_CALIB_PARSE_PER_KIB),
			    "parse_per_kib");
	assert_int_equal(net_calib_offset(NET_CALIB_PARSE_PER_KIB),
			 offsetof(struct al_costs, parse_ns_per_kib));
	/* the kernel's TCP work and the host's other programs */
	assert_string_equal(net_calib_key(NET_CALIB_CONNECTION), "connection");
	assert_int_equal(net_calib_offset(NET_CALIB_CONNECTION),
			 offsetof(struct al_costs, connection_ns));
	assert_string_equal(net_calib_key(NET_CALIB_RECV_PER_KIB), "recv_per_kib");
	assert_int_equal(net_calib_offset(NET_CALIB_RECV_PER_KIB),
			 offsetof(struct al_costs, recv_ns_per_kib));
	assert_string_equal(net_calib_key(NET_CALIB_SEND), "send");
	assert_int_equal(net_calib_offset(NET_CALIB_SEND), offsetof(struct al_costs, send_ns));
	assert_string_equal(net_calib_key(NET_CALIB_WAKE_1MS), "wake_1ms");
	assert_int_equal(net_calib_offset(NET_CALIB_WAKE_1MS), offsetof(struct al_costs, wake_1ms_ns));
	assert_string_equal(net_calib_key(NET_CALIB_WAKE_100MS), "wake_100ms");
	assert_int_equal(net_calib_offset(NET_CALIB_WAKE_100MS),
			 offsetof(struct al_costs, wake_100ms_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_WAKE_100MS), 0);
	assert_string_equal(net_calib_key(NET_CALIB_URING_ENTER), "uring_enter");
	assert_int_equal(net_calib_offset(NET_CALIB_URING_ENTER), offsetof(struct al_costs, uring_enter_ns));
	assert_string_equal(net_calib_key(NET_CALIB_URING_OP), "uring_op");
	assert_int_equal(net_calib_offset(NET_CALIB_URING_OP), offsetof(struct al_costs, uring_op_ns));
	assert_string_equal(net_calib_key(NET_CALIB_FORK_PER_MIB), "fork_per_mib");
	assert_int_equal(net_calib_offset(NET_CALIB_FORK_PER_MIB),
			 offsetof(struct al_costs, fork_ns_per_mib));
	assert_string_equal(net_calib_key(NET_CALIB_PROCESS_COW), "process_cow");
	assert_int_equal(net_calib_offset(NET_CALIB_PROCESS_COW),
			 offsetof(struct al_costs, process_cow_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_PROCESS_COW), 0);
	assert_string_equal(net_calib_key(NET_CALIB_PROCESS_EXIT), "process_exit");
	assert_int_equal(net_calib_offset(NET_CALIB_PROCESS_EXIT),
			 offsetof(struct al_costs, process_exit_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_PROCESS_EXIT), 0);
	assert_string_equal(net_calib_key(NET_CALIB_EXIT_PER_MIB), "exit_per_mib");
	assert_int_equal(net_calib_offset(NET_CALIB_EXIT_PER_MIB),
			 offsetof(struct al_costs, exit_ns_per_mib));
	assert_int_equal(net_calib_is_size(NET_CALIB_EXIT_PER_MIB), 0);
	assert_string_equal(net_calib_key(NET_CALIB_GREEN_STACK), "green_stack");
	assert_int_equal(net_calib_offset(NET_CALIB_GREEN_STACK),
			 offsetof(struct al_costs, green_stack_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_GREEN_STACK), 0);
	assert_string_equal(net_calib_key(NET_CALIB_URING_SETUP), "uring_setup");
	assert_int_equal(net_calib_offset(NET_CALIB_URING_SETUP),
			 offsetof(struct al_costs, uring_setup_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_URING_SETUP), 0);
	assert_string_equal(net_calib_key(NET_CALIB_URING_TIMEOUT), "uring_timeout");
	assert_int_equal(net_calib_offset(NET_CALIB_URING_TIMEOUT),
			 offsetof(struct al_costs, uring_timeout_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_URING_TIMEOUT), 0);
	assert_string_equal(net_calib_key(NET_CALIB_URING_POLL), "uring_poll");
	assert_int_equal(net_calib_offset(NET_CALIB_URING_POLL),
			 offsetof(struct al_costs, uring_poll_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_URING_POLL), 0);
	assert_string_equal(net_calib_key(NET_CALIB_WAKE_REMOTE_1MS), "wake_remote_1ms");
	assert_int_equal(net_calib_offset(NET_CALIB_WAKE_REMOTE_1MS),
			 offsetof(struct al_costs, wake_remote_1ms_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_WAKE_REMOTE_1MS), 0);
	assert_string_equal(net_calib_key(NET_CALIB_TUN_CONNECTION), "tun_connection");
	assert_int_equal(net_calib_offset(NET_CALIB_TUN_CONNECTION),
			 offsetof(struct al_costs, tun_connection_ns));
	assert_string_equal(net_calib_key(NET_CALIB_TUN_SEND), "tun_send");
	assert_int_equal(net_calib_offset(NET_CALIB_TUN_SEND),
			 offsetof(struct al_costs, tun_send_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_TUN_SEND), 0);
	assert_string_equal(net_calib_key(NET_CALIB_TUN_SERVER_REQUEST), "tun_server_request");
	assert_int_equal(net_calib_offset(NET_CALIB_TUN_SERVER_REQUEST),
			 offsetof(struct al_costs, tun_server_request_ns));
	assert_string_equal(net_calib_key(NET_CALIB_TUN_SERVER_PER_KIB), "tun_server_per_kib");
	assert_int_equal(net_calib_offset(NET_CALIB_TUN_SERVER_PER_KIB),
			 offsetof(struct al_costs, tun_server_ns_per_kib));
	assert_int_equal(net_calib_is_size(NET_CALIB_TUN_SERVER_PER_KIB), 0);
	assert_string_equal(net_calib_key(NET_CALIB_TUN_SERVER_ACCEPT), "tun_server_accept");
	assert_int_equal(net_calib_offset(NET_CALIB_TUN_SERVER_ACCEPT),
			 offsetof(struct al_costs, tun_server_accept_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_TUN_SERVER_ACCEPT), 0);
	assert_string_equal(net_calib_key(NET_CALIB_WAKE_SEGMENT_1MS), "wake_segment_1ms");
	assert_int_equal(net_calib_offset(NET_CALIB_WAKE_SEGMENT_1MS),
			 offsetof(struct al_costs, wake_segment_1ms_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_WAKE_SEGMENT_1MS), 0);
	assert_string_equal(net_calib_key(NET_CALIB_TUN_CONNECTION_BUSY), "tun_connection_busy");
	assert_int_equal(net_calib_offset(NET_CALIB_TUN_CONNECTION_BUSY),
			 offsetof(struct al_costs, tun_connection_busy_ns));
	assert_string_equal(net_calib_key(NET_CALIB_TUN_SEND_BUSY), "tun_send_busy");
	assert_int_equal(net_calib_offset(NET_CALIB_TUN_SEND_BUSY),
			 offsetof(struct al_costs, tun_send_busy_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_TUN_SEND_BUSY), 0);
	assert_string_equal(net_calib_key(NET_CALIB_TUN_CLOSE), "tun_close");
	assert_int_equal(net_calib_offset(NET_CALIB_TUN_CLOSE),
			 offsetof(struct al_costs, tun_close_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_TUN_CLOSE), 0);
	assert_string_equal(net_calib_key(NET_CALIB_TUN_CLOSE_BUSY), "tun_close_busy");
	assert_int_equal(net_calib_offset(NET_CALIB_TUN_CLOSE_BUSY),
			 offsetof(struct al_costs, tun_close_busy_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_TUN_CLOSE_BUSY), 0);
	assert_string_equal(net_calib_key(NET_CALIB_WAKE_SIBLING_10MS), "wake_sibling_10ms");
	assert_int_equal(net_calib_offset(NET_CALIB_WAKE_SIBLING_10MS),
			 offsetof(struct al_costs, wake_sibling_10ms_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_WAKE_SIBLING_10MS), 0);
	assert_string_equal(net_calib_key(NET_CALIB_TUN_APART), "tun_apart");
	assert_int_equal(net_calib_offset(NET_CALIB_TUN_APART), offsetof(struct al_costs, tun_apart_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_TUN_APART), 0);
	assert_string_equal(net_calib_key(NET_CALIB_GREEN_STACK_WOKEN), "green_stack_woken");
	assert_int_equal(net_calib_offset(NET_CALIB_GREEN_STACK_WOKEN),
			 offsetof(struct al_costs, green_stack_woken_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_GREEN_STACK_WOKEN), 0);
	assert_string_equal(net_calib_key(NET_CALIB_THREAD_FIRST), "thread_first");
	assert_int_equal(net_calib_offset(NET_CALIB_THREAD_FIRST),
			 offsetof(struct al_costs, thread_first_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_THREAD_FIRST), 0);
	assert_string_equal(net_calib_key(NET_CALIB_WAKE_100US), "wake_100us");
	assert_int_equal(net_calib_offset(NET_CALIB_WAKE_100US),
			 offsetof(struct al_costs, wake_100us_ns));
	assert_string_equal(net_calib_key(NET_CALIB_SERVER_REQUEST), "server_request");
	assert_int_equal(net_calib_offset(NET_CALIB_SERVER_PER_KIB),
			 offsetof(struct al_costs, server_ns_per_kib));
	assert_string_equal(net_calib_key(NET_CALIB_RELAY_REQUEST), "relay_request");
	assert_int_equal(net_calib_offset(NET_CALIB_RELAY_PER_KIB),
			 offsetof(struct al_costs, relay_ns_per_kib));
	assert_int_equal(net_calib_is_size(NET_CALIB_RELAY_PER_KIB), 0);
	assert_string_equal(net_calib_key(NET_CALIB_EMULATOR_PACKET), "emulator_packet");
	assert_int_equal(net_calib_offset(NET_CALIB_EMULATOR_PACKET),
			 offsetof(struct al_costs, emulator_packet_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_EMULATOR_PACKET), 0);
	assert_string_equal(net_calib_key(NET_CALIB_EMULATOR_PER_KIB), "emulator_per_kib");
	assert_int_equal(net_calib_offset(NET_CALIB_EMULATOR_PER_KIB),
			 offsetof(struct al_costs, emulator_ns_per_kib));
	assert_int_equal(net_calib_is_size(NET_CALIB_EMULATOR_PER_KIB), 0);
	assert_string_equal(net_calib_key(NET_CALIB_SERVER_WAKE), "server_wake");
	assert_int_equal(net_calib_offset(NET_CALIB_SERVER_WAKE),
			 offsetof(struct al_costs, server_wake_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_SERVER_WAKE), 0);
	assert_string_equal(net_calib_key(NET_CALIB_SERVER_ACCEPT), "server_accept");
	assert_int_equal(net_calib_offset(NET_CALIB_SERVER_ACCEPT),
			 offsetof(struct al_costs, server_accept_ns));
	assert_int_equal(net_calib_is_size(NET_CALIB_PROCESS_MEMORY), 1);
	assert_int_equal(net_calib_is_size(NET_CALIB_SELECT), 0);
}

/* The mem probe's wait channel: the pipe's write by its exact names,
 * not a name that begins like them; "0" says nothing. */
static void test_wchan_pipe_write(void **state)
{
	static const char *const yes[] = {"anon_pipe_write", "pipe_write",
					  "pipe_wait_writable", "pipe_wait"};
	static const char *const no[] = {"pipe_wait_readable", "pipe_read", "anon_pipe_read",
					 "do_wait", "pipe_writer", "pipe_w"};

	(void)state;
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		assert_int_equal(net_calib_wchan_pipe_write(yes[i]), 1);
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		assert_int_equal(net_calib_wchan_pipe_write(no[i]), 0);
	assert_int_equal(net_calib_wchan_pipe_write("0"), -1);
	assert_int_equal(net_calib_wchan_pipe_write(""), -1);
}

/* A drain that asks for more connections than came returns, and takes
 * all that did come: a connect closed before its handshake ran never
 * queues one, and calibrate hung in accept on a loaded machine. */
static void test_drain_fewer(void **state)
{
	struct sockaddr_in addr;
	int lfd = net_calib_listener(&addr, 16), c[3];

	(void)state;
	assert_true(lfd >= 0);
	for (int i = 0; i < 3; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(c[i] >= 0);
		assert_int_equal(connect(c[i], (struct sockaddr *)&addr, sizeof addr), 0);
	}
	net_calib_drain_accepts(lfd, 5);          /* 3 came: returns */
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 0), 0);      /* and it took all 3 */
	assert_int_equal(fcntl(lfd, F_GETFL) & O_NONBLOCK, 0);   /* restored */
	for (int i = 0; i < 3; i++)
		close(c[i]);
	close(lfd);
}

/* What calibrate writes is what loads: every figure, exactly. */
static void test_roundtrip(void **state)
{
	struct al_machine m, back;
	char err[512], line[128];
	const char *text;
	glob_t g;

	(void)state;
	al_calibrate_machine(&cal, profile, &m);
	assert_int_equal(al_calibrate_write(profile, &cal, &m), 0);
	assert_int_equal(al_profile_load(profile, &back, err, sizeof(err)), 0);
	assert_int_equal(back.profile, AL_PROFILE_FILE);
	assert_string_equal(back.profile_file, profile);
	assert_int_equal(back.cores, cal.cores);
	assert_true(back.hz == (cal.hz ? cal.hz : 2600000000));
	assert_true(back.memory == cal.memory);
	assert_int_equal(back.fd_limit, cal.fd_limit);
	assert_true(back.address_space == m.address_space);
	assert_memory_equal(&back.costs, &m.costs, sizeof(m.costs));
	text = slurp(profile);
	for (int f = 0; f < NET_CALIB_COUNT; f++) {
		size_t off = net_calib_offset((enum net_calib_fig)f);
		int64_t want = llround(cal.value[f]);

		if (net_calib_zero_unmeasured((enum net_calib_fig)f) && !(cal.value[f] > 0))
			want = 0;        /* not measured: nothing charged */
		else if (want < 1)
			want = 1;
		assert_true(cost_at(&back.costs, off) == want);
		snprintf(line, sizeof(line), "\n  %s: ",
			 net_calib_key((enum net_calib_fig)f));
		assert_non_null(strstr(text, line));
		assert_non_null(strstr(strstr(text, line), "# measured\n"));
	}
	assert_non_null(strstr(text, "\n  time_slice: 4 ms"));
	assert_non_null(strstr(text, "# c default\n"));
	/* no temporary file left next to it */
	snprintf(line, sizeof(line), "%s/*tmp*", dir);
	assert_int_equal(glob(line, 0, NULL, &g), GLOB_NOMATCH);
}

/* tests/scenarios/machine.yaml writes the c column out as a profile. */
static void test_example_profile(void **state)
{
	struct al_machine m;
	struct al_costs c;
	char err[512];

	(void)state;
	assert_int_equal(al_profile_load("tests/scenarios/machine.yaml", &m,
					 err, sizeof(err)), 0);
	al_costs_profile(&c, AL_PROFILE_C);
	assert_memory_equal(&m.costs, &c, sizeof(c));
	assert_int_equal(m.cores, 2);
	assert_true(m.hz == 2600000000);
}

static int load(const char *text, struct al_scenario *sc, char *err)
{
	return al_scenario_load_string("t.yaml", text, strlen(text), sc, err,
				       512);
}

/* The scenario's machine keys and costs win over the file's, in whatever
 * order the scenario writes them. */
static void test_override(void **state)
{
	struct al_machine m;
	struct al_scenario sc;
	char text[512], err[512], path[300];
	FILE *f;
	char *s = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(al_profile_load(profile, &m, err, sizeof(err)), 0);
	snprintf(text, sizeof(text), "machine: {profile: %s, costs: {syscall: "
		 "5 us}}\n", profile);
	assert_int_equal(load(text, &sc, err), 0);
	assert_true(sc.machine.costs.syscall_ns == 5000);
	m.costs.syscall_ns = 5000;
	assert_memory_equal(&sc.machine.costs, &m.costs, sizeof(m.costs));
	assert_int_equal(sc.machine.cores, m.cores);
	assert_false(sc.models[AL_MODEL_THREAD].gil);

	snprintf(text, sizeof(text), "machine:\n  costs: {syscall: 5 us}\n"
		 "  cores: 7\n  profile: %s\n", profile);
	assert_int_equal(load(text, &sc, err), 0);
	assert_true(sc.machine.costs.syscall_ns == 5000);
	assert_int_equal(sc.machine.cores, 7);
	assert_true(sc.machine.hz == m.hz);
	assert_memory_equal(&sc.machine.costs, &m.costs, sizeof(m.costs));

	/* relative to the scenario's directory, not to where we run */
	snprintf(path, sizeof(path), "%s/s.yaml", dir);
	put(path, "machine: {profile: ./m.yaml}\n");
	assert_int_equal(al_scenario_load_file(path, &sc, err, sizeof(err)), 0);
	assert_string_equal(sc.machine.profile_file, "./m.yaml");
	assert_true(sc.machine.costs.thread_switch_ns == m.costs.thread_switch_ns);
	assert_non_null(f = open_memstream(&s, &len));
	al_scenario_summary(f, &sc);
	fclose(f);
	snprintf(text, sizeof(text), "machine   profile file ./m.yaml (%s), ",
		 profile);
	assert_non_null(strstr(s, text));
	free(s);
}

struct bad {
	const char *text;        /* the profile file's content */
	const char *msg;         /* after "PROFILE:" */
};

static const struct bad bad[] = {
	{"costs:\n  sycall: 1 ns\n",
	 "2:3: unknown key 'sycall' in costs (did you mean 'syscall'?)"},
	{"syscall: 1 ns\n",
	 "1:1: unknown key 'syscall' at top level (it belongs in costs)"},
	{"profile: c\n",
	 "1:1: unknown key 'profile' at top level (use cores, cpu, memory, "
	  "address_space, fd_limit or costs)"},
	{"rtt: 1 ms\n",
	 "1:1: unknown key 'rtt' at top level (use cores, cpu, memory, "
	  "address_space, fd_limit or costs)"},
	{"costs:\n  syscall: 5 sec\n",
	 "2:12: costs.syscall: unknown duration unit 'sec' (use ns, us, ms, s, "
	  "min, h)"},
	{"cpu: 2.6\n",
	 "1:6: cpu: missing frequency unit in '2.6' (use Hz, kHz, MHz, GHz)"},
	{"cores: 0\n", "1:8: cores: must be at least 1 (got 0)"},
	{"cores: 1\ncores: 2\n",
	 "2:1: duplicate key 'cores' at top level (first at line 1)"},
	{"costs: 5 ns\n", "1:8: costs: expected a mapping of keys, not a value"},
	{"- cores: 2\n",
	 "1:1: expected a mapping of machine keys (cores, cpu, memory, "
	  "fd_limit, costs, ...), not a list"},
	{"hello\n",
	 "1:1: expected a mapping of machine keys (cores, cpu, memory, "
	  "fd_limit, costs, ...), not a value"},
	{"", "1:1: empty machine profile"},
	{"# comments only\n", "1:1: empty machine profile"},
	{"\tcores: 2\n",
	 "1:1: syntax error: tabs are not allowed here (indent with spaces)"},
	/* a file that is not a profile (any file a scenario names, say
	 * /etc/shadow) is never quoted: neither its keys nor its values */
	{"root:$y$j9T$secret:20228:0:99999:7:::\n",
	 "1:1: unknown key '…' at top level (use cores, cpu, memory, "
	  "address_space, fd_limit or costs)"},
	{"cores: 2\nsecret: x\n",
	 "2:1: unknown key '…' at top level (use cores, cpu, memory, "
	  "address_space, fd_limit or costs)"},
	{"memory: hunter2\nsecret: x\n",
	 "2:1: unknown key '…' at top level (use cores, cpu, memory, "
	  "address_space, fd_limit or costs)"},
	/* (values are read only once every key is a profile's) */
	{"a: &anchor1 1\nb: *anchor1\n", "2:4: aliases (*…) are not supported"},
};

static void test_bad_profiles(void **state)
{
	struct al_scenario sc, before;
	struct al_machine m;
	char path[300], text[512], want[512], err[512];
	size_t failed = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/bad.yaml", dir);
	snprintf(text, sizeof(text), "machine: {profile: %s}\n", path);
	al_scenario_default(&sc);
	before = sc;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(path, bad[i].text);
		snprintf(want, sizeof(want), "%s:%s", path, bad[i].msg);
		if (load(text, &sc, err) != -1 || strcmp(err, want) != 0) {
			print_error("case %zu:\n  want: %s\n  got:  %s\n", i,
				    want, err);
			failed++;
		}
		assert_memory_equal(&sc, &before, sizeof(sc));
		/* the same message loading the profile alone */
		assert_int_equal(al_profile_load(path, &m, err, sizeof(err)), -1);
		assert_string_equal(err, want);
	}
	assert_int_equal(failed, 0);
}

/* Problems with the file as a whole point at the scenario's key. */
static void test_missing_profiles(void **state)
{
	struct al_scenario sc;
	struct al_machine m;
	char path[300], text[512], want[600], err[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/nope.yaml", dir);
	snprintf(text, sizeof(text), "machine: {profile: %s}\n", path);
	assert_int_equal(load(text, &sc, err), -1);
	snprintf(want, sizeof(want), "t.yaml:1:20: machine.profile: cannot "
		 "open '%s': No such file or directory", path);
	assert_string_equal(err, want);
	assert_int_equal(al_profile_load(path, &m, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1:1: cannot open: No such file or "
		 "directory", path);
	assert_string_equal(err, want);

	snprintf(text, sizeof(text), "machine:\n  profile: %s\n", dir);
	assert_int_equal(load(text, &sc, err), -1);
	snprintf(want, sizeof(want), "t.yaml:2:12: machine.profile: '%s' is a "
		 "directory", dir);
	assert_string_equal(err, want);

	/* a FIFO would block a reader forever: refused, not read */
	snprintf(path, sizeof(path), "%s/fifo.yaml", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(text, sizeof(text), "machine: {profile: %s}\n", path);
	assert_int_equal(load(text, &sc, err), -1);
	snprintf(want, sizeof(want), "t.yaml:1:20: machine.profile: '%s' is "
		 "not a regular file", path);
	assert_string_equal(err, want);
	unlink(path);
}

static void test_resolve(void **state)
{
	static const char *const cases[][3] = {
		{"s.yaml", "m.yaml", "m.yaml"},
		{"s.yaml", "./m.yaml", "./m.yaml"},
		{"a/s.yaml", "m.yaml", "a/m.yaml"},
		{"a/s.yaml", "./m.yaml", "a/m.yaml"},
		{"a/b/s.yaml", "../m.yaml", "a/b/../m.yaml"},
		{"a/s.yaml", "/etc/m.yaml", "/etc/m.yaml"},
		{"/s.yaml", "m.yaml", "/m.yaml"},
		{"", "m.yaml", "m.yaml"},
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_non_null(al_profile_resolve(buf, sizeof(buf), cases[i][0],
						   cases[i][1]));
		assert_string_equal(buf, cases[i][2]);
	}
	assert_null(al_profile_resolve(buf, 8, "a/s.yaml", "m.yaml"));
	assert_int_equal(errno, ENAMETOOLONG);
}

/* Sets or (NULL) unsets the three variables. */
static void env(const char *profile_var, const char *xdg, const char *home)
{
	const char *const names[] = {AL_PROFILE_ENV, "XDG_CONFIG_HOME", "HOME"};
	const char *const vals[] = {profile_var, xdg, home};

	for (int i = 0; i < 3; i++)
		assert_int_equal(vals[i] ? setenv(names[i], vals[i], 1) :
				 unsetenv(names[i]), 0);
}

static void test_default_path(void **state)
{
	static const char *const cases[][4] = {
		{"/p/m.yaml", "/x", "/h", "/p/m.yaml"},
		{NULL, "/x", "/h", "/x/asynclab/machine.yaml"},
		{"", "/x", "/h", "/x/asynclab/machine.yaml"},
		{NULL, "x", "/h", "/h/.config/asynclab/machine.yaml"},
		{NULL, "", "/h", "/h/.config/asynclab/machine.yaml"},
		{NULL, NULL, "/h", "/h/.config/asynclab/machine.yaml"},
	};
	char *saved[3];
	const char *const names[] = {AL_PROFILE_ENV, "XDG_CONFIG_HOME", "HOME"};
	char buf[128];

	(void)state;
	for (int i = 0; i < 3; i++)
		saved[i] = getenv(names[i]) ? strdup(getenv(names[i])) : NULL;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		env(cases[i][0], cases[i][1], cases[i][2]);
		assert_non_null(al_profile_default_path(buf, sizeof(buf)));
		assert_string_equal(buf, cases[i][3]);
	}
	env(NULL, "x", NULL);
	assert_null(al_profile_default_path(buf, sizeof(buf)));
	assert_int_equal(errno, ENOENT);
	env(NULL, NULL, "/a-long-home-directory");
	assert_null(al_profile_default_path(buf, 16));
	assert_int_equal(errno, ENAMETOOLONG);
	env(saved[0], saved[1], saved[2]);
	for (int i = 0; i < 3; i++)
		free(saved[i]);
}

/* This host's machine: the calibrated file when there is one. */
static void test_host(void **state)
{
	struct al_machine m, want;
	struct al_costs c;
	char *saved = getenv(AL_PROFILE_ENV) ? strdup(getenv(AL_PROFILE_ENV))
					     : NULL;
	char path[300], err[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/none.yaml", dir);
	assert_int_equal(setenv(AL_PROFILE_ENV, path, 1), 0);
	assert_int_equal(al_profile_host(&m, err, sizeof(err)), 0);
	al_costs_profile(&c, AL_PROFILE_C);
	assert_int_equal(m.profile, AL_PROFILE_C);
	assert_memory_equal(&m.costs, &c, sizeof(c));

	assert_int_equal(al_profile_load(profile, &want, err, sizeof(err)), 0);
	assert_int_equal(setenv(AL_PROFILE_ENV, profile, 1), 0);
	assert_int_equal(al_profile_host(&m, err, sizeof(err)), 1);
	assert_int_equal(m.profile, AL_PROFILE_FILE);
	assert_int_equal(m.cores, want.cores);
	assert_memory_equal(&m.costs, &want.costs, sizeof(c));

	snprintf(path, sizeof(path), "%s/corrupt.yaml", dir);
	put(path, "costs: {syscall: fast}\n");
	assert_int_equal(setenv(AL_PROFILE_ENV, path, 1), 0);
	assert_int_equal(al_profile_host(&m, err, sizeof(err)), -1);
	assert_true(strncmp(err, path, strlen(path)) == 0);
	assert_int_equal(m.profile, AL_PROFILE_C);
	assert_int_equal(saved ? setenv(AL_PROFILE_ENV, saved, 1) :
			 unsetenv(AL_PROFILE_ENV), 0);
	free(saved);
}

static void test_prepare_save(void **state)
{
	char path[300];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/a/b/m.yaml", dir);
	assert_int_equal(al_profile_prepare(path, false), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(al_profile_prepare(path, true), 0);
	snprintf(path, sizeof(path), "%s/a/b", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
	assert_int_equal(al_profile_prepare(path, false), -1);
	assert_int_equal(errno, EISDIR);
	snprintf(path, sizeof(path), "%s/x/m.yaml", profile);
	assert_int_equal(al_profile_prepare(path, false), -1);
	assert_int_equal(errno, ENOTDIR);

	/* replaced whole; a failed save leaves nothing */
	snprintf(path, sizeof(path), "%s/a/b/m.yaml", dir);
	put(path, "old\n");
	assert_int_equal(al_calibrate_save(path, "cores: 3\n", 9), 0);
	assert_string_equal(slurp(path), "cores: 3\n");
	snprintf(path, sizeof(path), "%s/no/m.yaml", dir);
	assert_int_equal(al_calibrate_save(path, "cores: 3\n", 9), AL_WRITE_FAILED);
	snprintf(path, sizeof(path), "%s/no", dir);
	assert_int_equal(stat(path, &st), -1);
	/* a directory, a device: refused (exit 2) before anything is measured */
	snprintf(path, sizeof(path), "%s/a", dir);
	assert_int_equal(al_calibrate_dest(path, false), AL_WRITE_REFUSED);
	assert_int_equal(al_calibrate_dest("/dev/null", false), AL_WRITE_REFUSED);
	snprintf(path, sizeof(path), "%s/a/c/m.yaml", dir);
	assert_int_equal(al_calibrate_dest(path, false), AL_WRITE_FAILED);
	assert_int_equal(al_calibrate_dest(path, true), 0);
}

/* Children reaped so far, by their switches: a reaped child's exit adds
 * at least its last, voluntary switch to RUSAGE_CHILDREN's count. */
static long reaped_switches(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_CHILDREN, &ru), 0);
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

/* process_exit and exit_per_mib come from process_create's and
 * fork_per_mib's own forks, a repetition each, in order, and fork no
 * children of their own: each exit is the end of children whose whole CPU
 * is in its fork's figure, so it is under it (CPU clocks, not timing).  A
 * part with no whole kept measures one. */
static void test_exit_within_its_fork(void **state)
{
	double whole[3], part[3], mib, x;
	long reaped;

	(void)state;
	net_calib_fork_reset();
	for (int i = 0; i < 3; i++)
		assert_int_equal(net_calib_measure(NET_CALIB_PROCESS_CREATE, &whole[i]), 0);
	reaped = reaped_switches();
	for (int i = 0; i < 3; i++) {
		assert_int_equal(net_calib_measure(NET_CALIB_PROCESS_EXIT, &part[i]), 0);
		if (!(part[i] > 0 && part[i] < whole[i]))
			print_error("exit %g of fork %g\n", part[i], whole[i]);
		assert_true(part[i] > 0 && part[i] < whole[i]);
	}
	assert_int_equal(reaped_switches(), reaped);        /* no child reaped */
	assert_int_equal(net_calib_measure(NET_CALIB_FORK_PER_MIB, &mib), 0);
	reaped = reaped_switches();
	assert_int_equal(net_calib_measure(NET_CALIB_EXIT_PER_MIB, &x), 0);
	assert_true(x > -SEC && x < SEC);
	assert_int_equal(reaped_switches(), reaped);
	assert_int_equal(net_calib_measure(NET_CALIB_PROCESS_EXIT, &x), 0);
	assert_true(x > 0 && x < SEC);
	assert_true(reaped_switches() >= reaped + 10);      /* its whole's forks */
}

/* The emulator's fit (net/net_calib_emu.c): batches priced exactly at a
 * packet's and a KiB's figure give both back with no error; one batch
 * 20 % dear shows in the rms; points that cannot tell packets from KiB,
 * or have no CPU, are refused.  The batches are calibrate's three (300
 * pages of 0, 4 and 16 KiB: packets and KiB as this VM counts them). */
static void test_emu_fit(void **state)
{
	static const struct {
		double packet, per_kib, dear;  /* dear: the 16 KiB batch's extra */
		double rms_min, rms_max;
	} cases[] = {
		{6000, 0, 0, 0, 1e-9},
		{4000, 2500, 0, 0, 1e-9},
		{6000, 300, 0.20, 0.03, 0.15},
	};
	static const double packets[] = {3000, 4200, 9000}, kib[] = {180, 1450, 5300};

	(void)state;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct net_calib_emu_point pt[3];
		double x[2], rms;

		for (int i = 0; i < 3; i++)
			pt[i] = (struct net_calib_emu_point){
				.cpu_ns = (cases[c].packet * packets[i] + cases[c].per_kib * kib[i]) *
					  (i == 2 ? 1 + cases[c].dear : 1),
				.packets = packets[i], .kib = kib[i]};
		assert_int_equal(net_calib_emu_fit(pt, 3, x, &rms), 0);
		assert_true(rms >= cases[c].rms_min && rms <= cases[c].rms_max);
		if (cases[c].dear == 0) {
			assert_true(fabs(x[0] - cases[c].packet) < 1e-6 * cases[c].packet);
			assert_true(fabs(x[1] - cases[c].per_kib) < 1e-6 * cases[c].packet);
		} else {
			/* the dear batch has the most KiB a packet: it reads as KiB */
			assert_true(x[1] > cases[c].per_kib);
		}
	}
	/* the big pages' batch 10 % cheap: a KiB below 0 is noise, and the
	 * fit is of packets alone */
	struct net_calib_emu_point cheap[3];
	double x[2], rms, want = 0, norm = 0;
	for (int i = 0; i < 3; i++) {
		cheap[i] = (struct net_calib_emu_point){
			.cpu_ns = 6000 * packets[i] * (i == 2 ? 0.9 : 1), .packets = packets[i],
			.kib = kib[i]};
		/* weighed by 1 / cpu: sum(p / c) / sum((p / c)^2) */
		want += packets[i] / cheap[i].cpu_ns;
		norm += (packets[i] / cheap[i].cpu_ns) * (packets[i] / cheap[i].cpu_ns);
	}
	assert_int_equal(net_calib_emu_fit(cheap, 3, x, &rms), 0);
	assert_true(x[1] == 0);
	assert_true(fabs(x[0] - want / norm) < 1e-6 * x[0]);
	assert_true(rms > 0.03 && rms < 0.1);
	/* the same KiB a packet everywhere: packets and KiB are one */
	struct net_calib_emu_point same[2] = {{6e6, 1000, 500}, {12e6, 2000, 1000}};
	assert_int_equal(net_calib_emu_fit(same, 2, x, &rms), -1);
	assert_int_equal(net_calib_emu_fit(same, 1, x, &rms), -1);
	struct net_calib_emu_point idle[2] = {{0, 1000, 60}, {12e6, 2000, 1000}};
	assert_int_equal(net_calib_emu_fit(idle, 2, x, &rms), -1);
}

/* The kernel-TCP path's batches as a fake measure gives them: the
 * emulator's always on a line (6000 ns a packet); the server's on a line
 * of 40 us a page and 500 ns a KiB, except in the first repetition,
 * whose 4 KiB batch a burst on the server's core made twice as dear. */
static int split_calls;
static double split_client;   /* not 0: the client's two figures */

static int split_measure(struct net_calib_emu_point *pt, struct net_calib_emu_point *srv,
			 struct net_calib_emu_client *cl)
{
	static const double packets[] = {3000, 4200, 9000}, kib[] = {180, 1450, 5300};
	static const double skib[] = {23, 1223, 4823};   /* 300 pages' KiB */

	for (int i = 0; i < 3; i++) {
		pt[i] = (struct net_calib_emu_point){
			.cpu_ns = 6000 * packets[i], .packets = packets[i], .kib = kib[i]};
		srv[i] = (struct net_calib_emu_point){
			.cpu_ns = (40000 * 300 + 500 * skib[i]) * (split_calls == 0 && i == 1 ? 2 : 1),
			.packets = 300, .kib = skib[i]};
	}
	/* the client's page, dearer in the repetition left out */
	*cl = (struct net_calib_emu_client){.connection_ns = split_calls == 0 ? 30000 : 15000,
					    .close_ns = split_calls == 0 ? 11000 : 5000,
					    .send_ns = split_calls == 0 ? 9000 : 3000};
	if (split_client)
		*cl = (struct net_calib_emu_client){split_client, split_client, split_client};
	split_calls++;
	return 0;
}

/* A client's page: the socket + connect and the close make the
 * connection (three syscalls' own cost off), the close alone its part
 * (one off), the send one off. */
static void test_client_page(void **state)
{
	(void)state;
	struct net_calib_emu_client c = net_calib_client_page(30000, 10000, 4000, 10, 100);
	assert_true(fabs(c.connection_ns - 3700) < 1e-9);
	assert_true(fabs(c.close_ns - 900) < 1e-9);
	assert_true(fabs(c.send_ns - 300) < 1e-9);
}

/* A repetition is measured again when the server's fit is off, though
 * the emulator's is exact: the second, clean one is kept. */
static void test_emu_split_checks_server(void **state)
{
	struct net_calib_emu_point pt[3], srv[3];
	struct net_calib_emu_client cl;
	double fig[7], x[2], rms;

	(void)state;
	split_calls = 0;
	split_measure(pt, srv, &cl);     /* the first repetition: really off */
	assert_int_equal(net_calib_emu_fit(srv, 3, x, &rms), 0);
	assert_true(rms > 0.10);
	split_calls = 0;
	assert_int_equal(net_calib_emu_split(split_measure, fig), 0);
	assert_int_equal(split_calls, 2);
	assert_true(fabs(fig[0] - 6000) < 1e-3);
	assert_true(fabs(fig[2] - 40000) < 1e-3);
	assert_true(fabs(fig[3] - 500) < 1e-3);
	/* the client's figures are the kept repetition's */
	assert_true(fabs(fig[4] - 15000) < 1e-3);
	assert_true(fabs(fig[5] - 3000) < 1e-3);
	assert_true(fabs(fig[6] - 5000) < 1e-3);
	/* a client's figure at or under 0 (noise over the syscalls' own
	 * cost) is 0, not measured, where the fits' figures are 1 ns */
	split_calls = 1;
	split_client = -40;
	assert_int_equal(net_calib_emu_split(split_measure, fig), 0);
	split_client = 0;
	assert_true(fig[4] == 0 && fig[5] == 0 && fig[6] == 0);
	assert_true(fabs(fig[0] - 6000) < 1e-3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_figures),
		cmocka_unit_test(test_costs),
		cmocka_unit_test(test_exit_within_its_fork),
		cmocka_unit_test(test_emu_fit),
		cmocka_unit_test(test_client_page),
		cmocka_unit_test(test_emu_split_checks_server),
		cmocka_unit_test(test_wchan_pipe_write),
		cmocka_unit_test(test_drain_fewer),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_example_profile),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_bad_profiles),
		cmocka_unit_test(test_missing_profiles),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_prepare_save),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
