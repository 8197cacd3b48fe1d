/* The packet emulator's process (net/net_emu_loop.c) on two datagram
 * socketpairs standing for its TUN devices: each read takes one packet,
 * as a TUN read does, and an empty one says EAGAIN.  No namespace, no
 * root.
 *
 * What it checks: a backlog waiting in a device when the emulator starts
 * is read in one go, in the pass of its first wake-up (a reader capped at
 * 64 packets a pass takes four, each a wake-up), and every packet comes
 * out at the other device, once, in order.  No packet is due for 100 ms;
 * a wait has 100 ms at most, so only a test starved for 300 ms between
 * two loads could count four wake-ups here (docs/kernel-tcp.md, "The
 * emulator", says why a capped reader made bursts).
 *
 * And from tables, no process: the times a read's packets are given
 * (net_emu_stamps), the run_delay figure's parse, and the wake-up time
 * that figure gives (net_emu_woken_at). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "core/al_scenario.h"
#include "net/net_emu.h"

#define BACKLOG 200                  /* above the old 64 a pass; a socketpair
					holds 278 of LEN at the usual default
					SO_SNDBUF, and more as set below */
#define LEN 100

static volatile sig_atomic_t emu_stop;

static void on_term(int sig)
{
	(void)sig;
	emu_stop = 1;
}

/* The emulator child writes these as it goes. */
static int64_t seen(const volatile int64_t *v)
{
	return *v;
}

static void test_backlog_read_at_once(void **state)
{
	(void)state;
	int cli[2], srv[2];          /* [0] the emulator's end, [1] ours */
	unsigned char pkt[LEN];

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, cli), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, srv), 0);
	/* room for the backlog whatever the machine's default (the kernel
	 * doubles it, up to net.core.wmem_max) */
	int sndbuf = 212992;
	assert_int_equal(setsockopt(srv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf), 0);
	/* the server's device holds a backlog before the emulator looks:
	 * packets numbered in their first bytes, not IP (no loss draws) */
	for (int i = 0; i < BACKLOG; i++) {
		memset(pkt, 0, sizeof pkt);
		memcpy(pkt, &i, sizeof i);
		assert_int_equal(write(srv[1], pkt, sizeof pkt), LEN);
	}
	struct al_scenario sc;
	al_scenario_default(&sc);
	sc.network.rtt_ns = 200 * INT64_C(1000000);
	sc.network.bandwidth_bps = 0;
	sc.network.jitter = (struct al_dist){.kind = AL_DIST_FIXED, .a = 0};
	sc.network.loss = 0;
	struct net_emu_shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
					 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(sh != MAP_FAILED);
	memset(sh, 0, sizeof *sh);
	pid_t parent = getpid(), emu = fork();
	assert_true(emu >= 0);
	if (emu == 0) {
		signal(SIGTERM, on_term);
		int tun[2] = {cli[0], srv[0]};
		_exit(net_emu_serve(tun, &sc, sh, parent, &emu_stop) == 0 ? 0 : 1);
	}
	/* its wake-ups by the time the whole backlog was in (5 s at most):
	 * in and wakeups read as one, the wake-ups before and after in
	 * agreeing (the child may wake again between two loads) */
	int64_t in = 0, wakeups = 0, w;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		sched_yield();
		do {
			w = seen(&sh->wakeups);
			in = seen(&sh->down.in);
			wakeups = seen(&sh->wakeups);
		} while (w != wakeups);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (in < BACKLOG && t.tv_sec - t0.tv_sec < 5);
	/* everything out at the client's device, in order (5 s at most) */
	int got = 0, in_order = 1;
	while (got < BACKLOG) {
		struct pollfd p = {.fd = cli[1], .events = POLLIN};
		if (poll(&p, 1, 5000) != 1)
			break;
		int n;
		while (read(cli[1], pkt, sizeof pkt) == LEN) {
			memcpy(&n, pkt, sizeof n);
			in_order &= n == got++;
		}
	}
	kill(emu, SIGTERM);
	int st = 0;
	assert_int_equal(waitpid(emu, &st, 0), emu);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(in, BACKLOG);
	assert_in_range(wakeups, 1, 3);
	assert_int_equal(got, BACKLOG);
	assert_true(in_order);
	assert_int_equal(sh->down.out, BACKLOG);
	assert_int_equal(sh->write_errors, 0);
	munmap(sh, sizeof *sh);
	for (int i = 0; i < 2; i++) {
		close(cli[i]);
		close(srv[i]);
	}
}

/* net_emu_stamps from tables: n packets read at read_ns after the device
 * was seen empty at from (the read ending at now, the previous packet
 * given last).  Every row: in order, none later than its own read nor
 * now, none before last; where the reads all came at now, spread evenly
 * over [from, now] (gaps within 1 ns of each other). */
static void test_stamps_table(void **state)
{
	(void)state;
	static const struct {
		int64_t from, now, last;
		int n;
		int64_t read[6];         /* 0: read at now */
		int even;
		int64_t first;           /* the first time given, -1: any */
	} rows[] = {
		{0, 600, 0, 6, {0}, 1, 100},                /* a backlog, all at now */
		{0, 600, 0, 1, {0}, 1, 600},                /* one packet */
		{0, 600, 0, 0, {0}, 1, -1},                 /* nothing read */
		{1000, 1600, 0, 3, {0}, 1, 1200},
		{0, 600, 0, 3, {10, 20, 30}, 0, 10},        /* read early: no later */
		{0, 600, 450, 3, {0}, 0, 450},              /* last after from */
		{0, 600, 900, 3, {0}, 0, 900},              /* the clock went back */
		{700, 600, 0, 2, {0}, 1, 600},              /* seen after now */
		{0, 100000000, 0, 4, {0}, 1, 25000000},     /* a 100 ms wait */
	};
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
		int64_t t[6], last = rows[r].last;
		for (int i = 0; i < rows[r].n; i++)
			t[i] = rows[r].read[i] ? rows[r].read[i] : rows[r].now;
		int64_t got = net_emu_stamps(rows[r].from, rows[r].now, last, t, rows[r].n);
		assert_int_equal(got, rows[r].n ? t[rows[r].n - 1] : last);
		if (rows[r].first >= 0)
			assert_int_equal(t[0], rows[r].first);
		for (int i = 0; i < rows[r].n; i++) {
			int64_t read = rows[r].read[i] ? rows[r].read[i] : rows[r].now;
			assert_true(t[i] >= last);                  /* in order */
			assert_true(t[i] <= read || t[i] == rows[r].last);
			if (rows[r].last <= rows[r].now)
				assert_true(t[i] <= rows[r].now);   /* not the future */
			if (rows[r].even && i > 0) {
				int64_t g = t[i] - t[i - 1];
				int64_t g0 = t[0] - (rows[r].from < rows[r].now ? rows[r].from
										 : rows[r].now);
				assert_true(g >= g0 - 1 && g <= g0 + 1);
			}
			last = t[i];
		}
	}
}

/* net_emu_run_delay_parse on what /proc/thread-self/schedstat may hold. */
static void test_run_delay_parse_table(void **state)
{
	(void)state;
	static const struct {
		const char *b;           /* NULL: no file */
		int64_t want;
	} rows[] = {
		{"0 0 0\n", 0},
		{"123456 3670000 42\n", 3670000},
		{"1 2 3", 2},
		{"5 7", 7},
		{"", -1},
		{NULL, -1},
		{"garbage\n", -1},
		{"12\n", -1},                /* the figure missing */
		{"12 x 3\n", -1},
		{"12 -5 3\n", -1},
		{"12 34x 3\n", -1},
		{"99999999999999999999999 1 1\n", -1},
	};
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
		const char *b = rows[r].b;
		assert_int_equal(net_emu_run_delay_parse(b, b ? strlen(b) : 0), rows[r].want);
	}
	/* not NUL-terminated: only n bytes are looked at */
	assert_int_equal(net_emu_run_delay_parse("1 25 3", 4), 25);
	assert_int_equal(net_emu_run_delay_parse("1 25 3", 3), 2);
}

/* net_emu_woken_at: only what accrued during the wait comes off, never
 * before the last read nor after the wake. */
static void test_woken_at_table(void **state)
{
	(void)state;
	static const struct {
		int64_t back, read_at, before, after, want;
	} rows[] = {
		{10000, 0, 500, 500, 10000},         /* no wait for a CPU */
		{10000, 0, 500, 3500, 7000},         /* 3 us runnable */
		{10000, 8000, 500, 3500, 8000},      /* not before the last read */
		{10000, 0, 3500, 500, 10000},        /* the figure went down */
		{10000, 12000, 0, 0, 10000},         /* read_at after back: not the future */
		{10000, 0, 0, 0, 10000},             /* the kernel does not say */
	};
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++)
		assert_int_equal(net_emu_woken_at(rows[r].back, rows[r].read_at, rows[r].before,
						  rows[r].after),
				 rows[r].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamps_table),
		cmocka_unit_test(test_run_delay_parse_table),
		cmocka_unit_test(test_woken_at_table),
		cmocka_unit_test(test_backlog_read_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
