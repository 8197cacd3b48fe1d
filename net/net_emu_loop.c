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

/* A flood guard only: the most packets one read of a device takes, so a
 * sender faster than the emulator cannot keep it reading forever, its
 * memory growing, nothing written.  What is left is read after the next
 * writes.  No shipped scenario comes near it: C10K's server sends at most
 * 264 segments a millisecond (docs/real.md).  Not a time: a read the
 * kernel preempts for a millisecond would stop short, and what it left
 * would be stamped after the writes, a burst no server sent. */
#define EMU_DRAIN_MAX 4096

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
	int64_t *at;                 /* EMU_DRAIN_MAX: a read's packet times */
	int64_t read_at;             /* when both devices were last read
					or seen empty */
	int err;                     /* a read failed: its errno, else 0 */
	int sched;                   /* /proc/thread-self/schedstat, or -1 */
	int64_t run_delay;           /* its last figure read */
};

int64_t net_emu_stamps(int64_t from, int64_t now, int64_t last, int64_t *t, int n)
{
	if (from > now)
		from = now;
	for (int i = 0; i < n; i++) {
		int64_t s = from + (now - from) * (i + 1) / n;
		if (s > t[i])
			s = t[i];
		if (s < last)
			s = last;           /* in order, whatever the clock did */
		t[i] = last = s;
	}
	return last;
}

int64_t net_emu_run_delay_parse(const char *b, size_t n)
{
	char s[96], *e, *f;
	int saved = errno;
	long long d = -1;

	if (!b || n == 0)
		return -1;
	n = n < sizeof s - 1 ? n : sizeof s - 1;
	memcpy(s, b, n);
	s[n] = 0;
	errno = 0;
	(void)strtoll(s, &e, 10);
	if (e != s && !errno) {
		d = strtoll(e, &f, 10);
		if (f == e || errno || d < 0 || (*f && *f != ' ' && *f != '\n'))
			d = -1;
	}
	errno = saved;
	return d;
}

int64_t net_emu_woken_at(int64_t back, int64_t read_at, int64_t before, int64_t after)
{
	int64_t waited = after > before ? after - before : 0, at = back - waited;

	if (at < read_at)
		at = read_at;
	return at < back ? at : back;
}

/* Reads run_delay into io->run_delay, which keeps its last figure when the
 * kernel does not say (no file, a failed read): a failed read between two
 * good ones then takes nothing off a wake-up. */
static int64_t run_delay(struct emu_io *io)
{
	char b[96];
	int e = errno;
	ssize_t n = io->sched < 0 ? -1 : pread(io->sched, b, sizeof b, 0);
	int64_t d = n > 0 ? net_emu_run_delay_parse(b, (size_t)n) : -1;

	errno = e;
	if (d >= 0)
		io->run_delay = d;
	return io->run_delay;
}

/* Reads what in's device has into its direction, EMU_DRAIN_MAX packets at
 * most.  0, or -1 with errno (a device error).
 *
 * A packet's time is when it was sent, which a TUN device does not say:
 * what a read finds came after the device was last seen empty (or the
 * emulator woke) and before the read, in order (net_emu_stamps).  A
 * backlog is read in one go, so its stamps spread over the span it came
 * in, not over the reads (docs/kernel-tcp.md, "The emulator"). */
static int drain(struct emu_in *in, struct emu_io *io)
{
	struct net_emu_pkt *head = NULL, **tail = &head;
	int n = 0, reads = 0, rc = 0;

	while (reads < EMU_DRAIN_MAX) {
		ssize_t r = read(in->fd, io->buf, EMU_READ_MAX);
		if (r <= 0) {
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				rc = -1;
			break;
		}
		reads++;
		struct net_emu_pkt *p = net_emu_pkt_new((size_t)r);
		if (!p)
			continue;           /* out of memory: the packet is lost */
		memcpy(p->data, io->buf, (size_t)r);
		io->at[n++] = net_mono_ns();    /* its read: net_emu_push stamps p */
		*tail = p;
		tail = &p->next;
	}
	int e = errno;
	int64_t now = net_mono_ns();
	in->last = net_emu_stamps(in->seen, now, in->last, io->at, n);
	for (int i = 0; head; i++) {
		struct net_emu_pkt *p = head;
		head = p->next;
		net_emu_push(in->d, io->at[i], p);
	}
	/* a guarded read did not see it empty: what is left came after the
	 * last packet read (a flood only) */
	if (rc == 0)
		in->seen = reads < EMU_DRAIN_MAX ? now : in->last;
	errno = e;
	return rc;
}

/* Reads both devices: while it writes, the emulator does so every
 * EMU_READ_NS, and after every wait. */
static void read_both(struct emu_io *io)
{
	for (int i = 0; i < 2 && !io->err; i++)
		if (drain(&io->in[i], io) != 0)
			io->err = errno ? errno : EIO;
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
	static int64_t at[EMU_DRAIN_MAX];
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
		.buf = buf, .at = at, .read_at = checked,
		.sched = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC),
	};
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
			errno = io.err;
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
		/* a packet that wakes the wait makes the emulator runnable, and
		 * on a busy machine it may wait for a CPU for milliseconds (on
		 * this 2-CPU VM: 3.7 ms behind the crawler and the server, perf's
		 * sched_switch): what it waited runnable during this wait, and
		 * only that (not a preemption among the writes before), is
		 * taken off its wake-up */
		int64_t before = run_delay(&io);
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
		/* the devices were last read at read_at, at most EMU_READ_NS
		 * before the wait: what either has now came since it woke.  Both
		 * are read, whichever woke it, as read_at says (a device that
		 * did not report could have had a packet meanwhile) */
		int64_t woke = net_emu_woken_at(back, io.read_at, before, run_delay(&io));
		for (int i = 0; i < 2; i++)
			if (io.in[i].seen < woke)
				io.in[i].seen = woke;
		read_both(&io);
		if (io.err) {
			errno = io.err;
			rc = -1;
			break;
		}
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
