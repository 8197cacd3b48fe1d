/* The packet emulator's process: reads IP packets from the two TUN
 * devices, passes them through net_emu's two directions, writes them to
 * the other device when due.  One thread, ppoll with a nanosecond timeout
 * (an hrtimer: due packets go out within tens of microseconds, not
 * epoll's milliseconds), no fd per connection: C10K costs it nothing but
 * packets. */
#include "net/net_emu.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
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
/* The most time the emulator works between two reads of its devices.  A
 * packet waiting in a device has no time of its own (a TUN device does
 * not say when the kernel handed it over): it gets one between the last
 * time its device was seen empty and its read (drain), so this bounds how
 * wrong its time can be while the emulator writes.  A TUN write runs the
 * far stack's input, 10-20 us a packet: a pass writing a few hundred took
 * milliseconds, and what the server sent meanwhile was read after it. */
#define EMU_READ_NS (50 * INT64_C(1000))

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

/* A device as the emulator reads it: when the packets read were sent. */
struct emu_in {
	int fd;
	struct net_emu_dir *d;       /* the direction its packets take */
	int64_t seen;                /* when it was last seen empty, or the
					emulator last woke: its packets came
					after this */
	int64_t last;                /* the time given to the last packet */
};

/* The loop's devices: in[0] the client's (up), in[1] the server's (down). */
struct emu_io {
	struct emu_in in[2];
	unsigned char *buf;
	int64_t read_at;             /* when both devices were last read
					or seen empty */
	int err;                     /* a read failed: errno says why */
	int sched;                   /* /proc/thread-self/schedstat, or -1 */
	int64_t run_delay;           /* its last figure */
};

/* How long the emulator has waited for a CPU, runnable, so far (ns: the
 * second figure of /proc/thread-self/schedstat), or 0 where the kernel
 * does not say. */
static int64_t run_delay(int fd)
{
	char b[96];
	ssize_t n = fd < 0 ? -1 : pread(fd, b, sizeof b - 1, 0);

	if (n <= 0)
		return 0;
	b[n] = 0;
	char *e;
	(void)strtoll(b, &e, 10);
	return strtoll(e, NULL, 10);
}

/* When what woke the emulator came: a packet that wakes its wait makes it
 * runnable, and on a busy machine it may wait for a CPU for milliseconds
 * (on this 2-CPU VM: 3.7 ms behind the crawler and the server, perf's
 * sched_switch): the time it waited runnable since the last look is taken
 * off its clock, but never before its last read (the devices were empty
 * then). */
static int64_t woken_at(struct emu_io *io, int64_t now)
{
	int64_t d = run_delay(io->sched), at = now - (d - io->run_delay);

	io->run_delay = d;
	return at > io->read_at ? at : io->read_at;
}

/* Reads everything in's device has into its direction.  0, or -1 with
 * errno (a device error).
 *
 * A packet's time is when it was sent, which a TUN device does not say.
 * What a read finds came after the device was last seen empty (or the
 * emulator woke for it) and before the read, in order: the packets are
 * given times spread evenly over that span, none later than its own read.
 * The whole backlog is read at once: read 64 at a time, each piece got
 * the span since the last piece, a few microseconds, so a backlog the
 * server had sent over milliseconds reached the link as a burst and the
 * client's queue dropped it (docs/kernel-tcp.md, "The emulator"). */
static int drain(struct emu_in *in, unsigned char *buf)
{
	struct net_emu_pkt *head = NULL, **tail = &head;
	int n = 0, rc = 0;

	for (;;) {
		ssize_t r = read(in->fd, buf, EMU_READ_MAX);
		if (r <= 0) {
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				rc = -1;
			break;
		}
		struct net_emu_pkt *p = net_emu_pkt_new((size_t)r);
		if (!p)
			continue;           /* out of memory: the packet is lost */
		memcpy(p->data, buf, (size_t)r);
		p->at = net_mono_ns();      /* its read; net_emu_push sets its time */
		*tail = p;
		tail = &p->next;
		n++;
	}
	int e = errno;
	int64_t now = net_mono_ns(), from = in->seen < now ? in->seen : now;
	int i = 0;
	while (head) {
		struct net_emu_pkt *p = head;
		head = p->next;
		int64_t t = from + (now - from) * ++i / n;
		if (t > p->at)
			t = p->at;
		if (t < in->last)
			t = in->last;       /* in order, whatever the clock did */
		in->last = t;
		net_emu_push(in->d, t, p);
	}
	if (rc == 0)
		in->seen = now;
	errno = e;
	return rc;
}

/* Reads both devices: while it writes, the emulator does so every
 * EMU_READ_NS. */
static void read_both(struct emu_io *io)
{
	for (int i = 0; i < 2 && !io->err; i++)
		if (drain(&io->in[i], io->buf) != 0)
			io->err = 1;
	io->read_at = net_mono_ns();
}

/* Writes every packet of d due by now to fd, reading the devices between
 * writes every EMU_READ_NS. */
static void flush(struct net_emu_dir *d, int fd, int64_t now, struct net_emu_shared *sh,
		  struct emu_io *io)
{
	struct net_emu_pkt *p;

	while ((p = net_emu_pop(d, now)) != NULL) {
		/* a TUN write hands the packet to the namespace's stack at once;
		 * it does not block */
		if (write(fd, p->data, p->len) != (ssize_t)p->len)
			sh->write_errors++;
		net_emu_pkt_free(p);
		if (!io->err && net_mono_ns() - io->read_at >= EMU_READ_NS)
			read_both(io);
	}
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
	int64_t checked = net_mono_ns();
	struct emu_io io = {
		.in = {{.fd = tun[0], .d = &up, .seen = checked}, {.fd = tun[1], .d = &down, .seen = checked}},
		.buf = buf, .read_at = checked,
		.sched = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC),
	};
	io.run_delay = run_delay(io.sched);
	sh->cpu_start_ns = cpu_now();
	while (!*stop) {
		int64_t now = net_mono_ns();
		flush(&up, tun[1], now, sh, &io);
		flush(&down, tun[0], now, sh, &io);
		/* what came while it wrote, before a wait: a packet that wakes
		 * the wait was sent when it woke */
		if (!io.err && net_mono_ns() - io.read_at >= EMU_READ_NS)
			read_both(&io);
		if (io.err) {
			rc = -1;
			break;
		}
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
		int64_t back = net_mono_ns();
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
		/* the devices were empty when it began to wait (read above, at
		 * most EMU_READ_NS before): what either has now came since it
		 * woke */
		int64_t woke = woken_at(&io, back);
		for (int i = 0; i < 2; i++) {
			if (io.in[i].seen < woke)
				io.in[i].seen = woke;
			if (k > 0 && (p[i].revents & POLLIN) && drain(&io.in[i], buf) != 0) {
				rc = -1;
				break;
			}
		}
		if (rc != 0)
			break;
		io.read_at = net_mono_ns();
		sh->up = up.st;
		sh->down = down.st;
	}
	int e = errno;
	if (io.sched >= 0)
		close(io.sched);
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
