/* The kernel-TCP path as calibrate's probes build it (net_calib_path.c):
 * two namespaces, the packet emulator between them, a server for each
 * of the emulator probe's page sizes.  Internal to net/net_calib*.c. */
#ifndef NET_CALIB_EMU_H
#define NET_CALIB_EMU_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "net/net_ns.h"

#define EMU_SIZES 3
/* A batch's pages, fetched at once: enough that the emulator carries
 * packets many a wake-up, as where it paces a run.  Its price a packet
 * falls as its load rises (select-limit's real runs, asyncio, load
 * 0.4-0.6, its cpu_ns less setup over its packets: 6.8-7.3 us at 300
 * pages at once, 4-6 packets a wake-up; 5.2-6.1 us at 1,000-4,000, 10-55
 * a wake-up; C10K's loops 5.4-6.0 us, 29-59 a wake-up): batches of 300
 * (7.0-8.7 us on a quiet machine) priced select-limit's 2,000 pages,
 * which the emulator paces, over their runs' own 4.9-6.3 us
 * (docs/costs.md, "The emulator's price, busy").
 * Fewer where RLIMIT_NOFILE allows fewer (net_calib_emu_pages). */
#define EMU_PAGES 2000
#define EMU_WARM 50          /* the warm-up's pages, left out */
/* the servers' page bodies, one server each */
extern const int net_calib_emu_size[EMU_SIZES];
#define EMU_WAIT_MS 5000     /* a step silent this long is stuck: no figure */

struct emu_path {
	struct net_ns ns;
	struct net_emu_shared *sh;   /* the emulator's counters */
	pid_t emu, srv[EMU_SIZES];
	int port[EMU_SIZES];
	clockid_t clock;             /* the emulator's CPU */
	clockid_t srv_clock[EMU_SIZES]; /* each server's CPU */
};

/* Builds p over a round trip of rtt_ns: 0, or -1 with errno (the
 * emulator child's, as EPERM where namespaces are refused) and nothing
 * left running. */
int net_calib_path_open(struct emu_path *p, int64_t rtt_ns);
/* Stops p's servers and emulator and closes its namespaces. */
void net_calib_path_close(struct emu_path *p);
/* Waits until p's emulator has carried no packet for a while (a batch's
 * last FIN and ACK crossed): 0, or -1 (ETIMEDOUT). */
int net_calib_path_quiet(const struct emu_path *p);
/* The pages of a batch: 2,000, or what RLIMIT_NOFILE leaves. */
int net_calib_emu_pages(void);
/* The packets p's emulator has carried so far, read as it writes them. */
int64_t net_calib_path_packets(const struct emu_path *p);
/* A CPU clock's ns so far, or -1. */
double net_calib_cpu_on(clockid_t clock);
/* The probes' round trip, ms. */
#define EMU_RTT_MS 20

/* A client in p's crawler's namespace: a child that dies with its
 * caller runs fn(arg, wfd), which writes len bytes of figures up wfd and
 * returns 0; they are read into out within ms (the child killed if they
 * do not come), and the child reaped.  0, or -1 with errno (ETIMEDOUT:
 * no figures in time, or the child would not end; EPROTO: it failed,
 * or a signal killed it). */
int net_calib_path_client(const struct emu_path *p, int (*fn)(void *arg, int wfd), void *arg,
			  void *out, size_t len, int ms);

/* The crawler's side of the path (net_calib_tun.c), for its probes and
 * bench/bench_tun_close.c.  struct sockaddr_in: <netinet/in.h>. */
struct sockaddr_in;
/* One page from the server at `at` (request req, len bytes) over the
 * path: the CPU of its socket + connect, its send and its close added to
 * t[0..2].  Between its calls it spins (poll without a timeout), or, with
 * slept, blocks in poll, as a crawler does; EMU_WAIT_MS a wait at most.
 * 0, or -1 with errno. */
int net_calib_tun_page(const struct sockaddr_in *at, const char *req, int len, int64_t t[3],
		       int slept);
/* Pins pid (0: the caller) to cpu alone: 0, or -1 with errno. */
int net_calib_pin_to(pid_t pid, int cpu);
/* The first two CPUs the caller may run on, as a real run of a one-core
 * scenario pins its crawler and its emulator: 0, or -1 with errno
 * (ENODEV: one CPU). */
int net_calib_two_cpus(int cpu[2]);

#endif
