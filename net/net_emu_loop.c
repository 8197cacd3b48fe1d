/* The packet emulator's process: reads IP packets from the two TUN
 * devices, passes them through net_emu's two directions, writes them to
 * the other device when due.  One thread, ppoll with a nanosecond timeout
 * (an hrtimer: due packets go out within tens of microseconds, not
 * epoll's milliseconds), no fd per connection: C10K costs it nothing but
 * packets. */
#include "net/net_emu.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/resource.h>

#include "net/net_clock.h"

/* Streams of al_rng_fork for the two directions (2 each: loss, jitter). */
#define EMU_STREAM_UP   UINT64_C(0x4b544350)   /* "KTCP" */
#define EMU_STREAM_DOWN (EMU_STREAM_UP + 2)
#define EMU_READ_MAX 65536                     /* above any MTU */
#define EMU_CHECK_NS (100 * INT64_C(1000000))  /* look at the parent */
/* Packets read from a device per pass, between the passes' writes.  A
 * packet's time is when it is read: an emulator that is behind (its CPU
 * is the bottleneck at C10K) and then read everything waiting would stamp
 * thousands of packets the server sent over milliseconds with the same
 * few microseconds, a burst no server sent, which the client's link
 * queue then dropped (measured: 7,000-23,000 drops a C10K run).  Bounded,
 * the reads keep pace with the writes, and a packet waits in the
 * device's queue instead, as at a router whose CPU is slow. */
#define EMU_BATCH 64

void net_emu_cfgs(const struct al_scenario *sc, struct net_emu_cfg *up,
		  struct net_emu_cfg *down)
{
	const struct al_network *n = &sc->network;

	*up = (struct net_emu_cfg){
		.delay_ns = n->rtt_ns / 2, .jitter = n->jitter, .bandwidth_bps = 0,
		.queue = n->queue, .loss = n->loss,
	};
	*down = *up;
	down->delay_ns = n->rtt_ns - n->rtt_ns / 2;
	down->bandwidth_bps = n->bandwidth_bps;
}

static int64_t cpu_now(void)
{
	struct rusage r;

	if (getrusage(RUSAGE_SELF, &r) != 0)
		return 0;
	return ((int64_t)r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)r.ru_utime.tv_usec + r.ru_stime.tv_usec) * 1000;
}

/* Writes every packet of d due by now to fd. */
static void flush(struct net_emu_dir *d, int fd, int64_t now, struct net_emu_shared *sh)
{
	struct net_emu_pkt *p;

	while ((p = net_emu_pop(d, now)) != NULL) {
		/* a TUN write hands the packet to the namespace's stack at once;
		 * it does not block */
		if (write(fd, p->data, p->len) != (ssize_t)p->len)
			sh->write_errors++;
		net_emu_pkt_free(p);
	}
}

/* Reads what fd has into d, EMU_BATCH packets at most.  0, or -1 with
 * errno (a device error). */
static int drain(struct net_emu_dir *d, int fd, unsigned char *buf)
{
	for (int i = 0; i < EMU_BATCH; i++) {
		ssize_t n = read(fd, buf, EMU_READ_MAX);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		if (n == 0)
			return 0;
		struct net_emu_pkt *p = net_emu_pkt_new((size_t)n);
		if (!p)
			return 0;           /* out of memory: the packet is lost */
		memcpy(p->data, buf, (size_t)n);
		net_emu_push(d, net_mono_ns(), p);
	}
	return 0;
}

int net_emu_serve(const int tun[2], const struct al_scenario *sc, struct net_emu_shared *sh,
		  pid_t parent, volatile sig_atomic_t *stop)
{
	static unsigned char buf[EMU_READ_MAX];
	struct net_emu_cfg cu, cd;
	struct net_emu_dir up, down;
	int rc = 0;

	net_emu_cfgs(sc, &cu, &cd);
	net_emu_init(&up, &cu, sc->seed, EMU_STREAM_UP);
	net_emu_init(&down, &cd, sc->seed, EMU_STREAM_DOWN);
	sh->cpu_start_ns = cpu_now();
	int64_t checked = net_mono_ns();
	while (!*stop) {
		int64_t now = net_mono_ns();
		flush(&up, tun[1], now, sh);
		flush(&down, tun[0], now, sh);
		if (now - checked >= EMU_CHECK_NS) {
			checked = now;
			if (getppid() != parent)
				break;
			sh->cpu_ns = cpu_now();
		}
		int64_t next = net_emu_next(&up);
		int64_t nd = net_emu_next(&down);
		next = nd < next ? nd : next;
		int64_t wait = next == INT64_MAX ? EMU_CHECK_NS : next - now;
		wait = wait < 0 ? 0 : wait > EMU_CHECK_NS ? EMU_CHECK_NS : wait;
		struct timespec ts = {(time_t)(wait / 1000000000), (long)(wait % 1000000000)};
		struct pollfd p[2] = {{.fd = tun[0], .events = POLLIN}, {.fd = tun[1], .events = POLLIN}};
		int k = ppoll(p, 2, &ts, NULL);
		sh->wakeups++;
		if (k < 0 && errno != EINTR) {
			rc = -1;
			break;
		}
		if (k > 0 && ((p[0].revents & (POLLERR | POLLNVAL)) ||
			      (p[1].revents & (POLLERR | POLLNVAL)))) {
			errno = EIO;
			rc = -1;
			break;
		}
		if ((k > 0 && (p[0].revents & POLLIN) && drain(&up, tun[0], buf) != 0) ||
		    (k > 0 && (p[1].revents & POLLIN) && drain(&down, tun[1], buf) != 0)) {
			rc = -1;
			break;
		}
		sh->up = up.st;
		sh->down = down.st;
	}
	int e = errno;
	sh->up = up.st;
	sh->down = down.st;
	sh->cpu_ns = cpu_now();
	net_emu_free(&up);
	net_emu_free(&down);
	errno = e;
	return rc;
}
