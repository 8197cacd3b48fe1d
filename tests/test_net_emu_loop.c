/* The packet emulator's process (net/net_emu_loop.c) on two datagram
 * socketpairs standing for its TUN devices: each read takes one packet,
 * as a TUN read does, and an empty one says EAGAIN.  No namespace, no
 * root.
 *
 * What it checks: a backlog waiting in a device when the emulator starts
 * is read in one go, in the pass of its first wake-up (the old emulator
 * took four passes for it, each a wake-up), and every packet comes out at
 * the other device, once, in order.  No packet is due for 100 ms; a
 * wait has 100 ms at most, so only a test starved for 300 ms between two
 * loads could count four wake-ups here.  The emulator used to read 64 packets a device
 * a pass and gave each piece the span since the last, a few
 * microseconds: a backlog the server had sent over milliseconds reached
 * the client's link as a burst (docs/kernel-tcp.md, "The emulator"). */
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
					holds 278 of LEN at its default size */
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
	/* its wake-ups by the time the whole backlog was in (5 s at most) */
	int64_t in = 0, wakeups = 0;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		sched_yield();
		in = seen(&sh->down.in);
		wakeups = seen(&sh->wakeups);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backlog_read_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
