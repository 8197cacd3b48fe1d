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
/* Packets read from a device per pass, between the passes' writes: an
 * emulator that is behind (its CPU is C10K's bottleneck) reads a backlog
 * in pieces, each given times since the last (drain).  Reading all of it
 * at one instant stamped thousands of packets the server had sent over
 * milliseconds with the same few microseconds, a burst no server sent,
 * which the client's link queue dropped (7,000-23,000 drops a C10K run). */
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

/* A device as the emulator reads it: when the packets read were sent. */
struct emu_in {
	int fd;
	int backlog;                 /* the last pass left packets waiting */
	int64_t last;                /* the time given to the last packet */
};

/* Reads what in's device has into d, EMU_BATCH packets at most.  0, or -1
 * with errno (a device error).
 *
 * A packet's time is when it was sent, which a TUN device does not say.
 * When the last pass emptied the device, what is there now came while the
 * emulator waited in ppoll and woke it: its time is when it is read.  When
 * the last pass left a backlog (the emulator is behind), these packets
 * were sent after the last pass's and before now, in order: they are given
 * times spread evenly between the two.  A backlog then reaches the link at
 * the rate the emulator reads it, never as a burst of one instant. */
static int drain(struct net_emu_dir *d, struct emu_in *in, unsigned char *buf)
{
	struct net_emu_pkt *got[EMU_BATCH];
	int64_t at[EMU_BATCH];
	int n = 0, rc = 0, more = 1;

	while (n < EMU_BATCH) {
		ssize_t r = read(in->fd, buf, EMU_READ_MAX);
		if (r <= 0) {
			more = 0;
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				rc = -1;
			break;
		}
		struct net_emu_pkt *p = net_emu_pkt_new((size_t)r);
		if (!p)
			continue;           /* out of memory: the packet is lost */
		memcpy(p->data, buf, (size_t)r);
		at[n] = net_mono_ns();
		got[n++] = p;
	}
	int e = errno;
	int64_t now = net_mono_ns(), from = in->last;
	for (int i = 0; i < n; i++) {
		int64_t t = in->backlog && from < now ? from + (now - from) * (i + 1) / n : at[i];
		if (t < in->last)
			t = in->last;       /* in order, whatever the clock did */
		in->last = t;
		net_emu_push(d, t, got[i]);
	}
	in->backlog = more;
	errno = e;
	return rc;
}

int net_emu_serve(const int tun[2], const struct al_scenario *sc, struct net_emu_shared *sh,
		  pid_t parent, volatile sig_atomic_t *stop)
{
	static unsigned char buf[EMU_READ_MAX];
	struct net_emu_cfg cu, cd;
	struct net_emu_dir up, down;
	struct net_emu_flows flows = {0};
	int rc = 0;

	net_emu_cfgs(sc, &cu, &cd);
	net_emu_init(&up, &cu, sc->seed, EMU_STREAM_UP);
	net_emu_init(&down, &cd, sc->seed, EMU_STREAM_DOWN);
	/* loss as the simulator draws it, page by page (net_emu_flow.h) */
	if (sc->network.loss > 0) {
		if (net_emu_flows_init(&flows, sc->seed, sc->network.loss) != 0)
			return -1;
		up.flows = down.flows = &flows;
		up.up = 1;
	}
	struct emu_in in_up = {.fd = tun[0]}, in_down = {.fd = tun[1]};
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
		if ((k > 0 && (p[0].revents & POLLIN) && drain(&up, &in_up, buf) != 0) ||
		    (k > 0 && (p[1].revents & POLLIN) && drain(&down, &in_down, buf) != 0)) {
			rc = -1;
			break;
		}
		sh->up = up.st;
		sh->down = down.st;
	}
	int e = errno;
	sh->up = up.st;
	sh->down = down.st;
	memcpy(sh->lost_by, flows.lost, sizeof sh->lost_by);
	net_emu_flows_free(&flows);
	sh->cpu_ns = cpu_now();
	net_emu_free(&up);
	net_emu_free(&down);
	errno = e;
	return rc;
}
