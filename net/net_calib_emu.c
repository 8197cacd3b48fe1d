/* Measuring the kernel-TCP path's packet emulator (net_emu_serve): its CPU
 * per IP packet carried, while it is busy, as at C10K, and per KiB of
 * those packets.  The figures include the receiving namespace's TCP
 * input, which a TUN write runs in the writer's context: the emulator's
 * for every packet.
 *
 * A repetition builds the path once (net_calib_path.c), as a real run
 * does (docs/kernel-tcp.md): a child makes the two namespaces and becomes the
 * emulator, an origin server for each size of page runs in the server's
 * namespace, and clients in the crawler's namespace fetch batches of
 * pages at once, non-blocking, over a 20 ms round trip: the packets of a
 * round trip reach the emulator together and it works through them in
 * batches, as under C10K's load, not one wake-up a packet.  A batch's
 * price is the emulator's CPU clock, read from here (its
 * sum_exec_runtime, to the ns) before the batch and again once the
 * emulator has carried nothing for EMU_QUIET_MS, with the packets it
 * carried both ways and their bytes.
 *
 * A small batch first warms the path and is left out: a new emulator's
 * first loops (cold caches) cost about 200 packets' worth, which a real
 * run pays once, and which the old design -- runs of fresh emulators,
 * differenced -- made the noisiest part of the figure.  Then one batch
 * of EMU_PAGES (2,000) pages of each size: bodies of 0 bytes (the response's
 * header: 0.06 KiB a packet), 4 KiB (0.35) and 16 KiB (0.6), the range
 * of the shipped scenarios' pages.  Least squares through 0, on relative
 * errors, solves cpu = packet x packets + per_kib x KiB (net_calib_emu_fit);
 * the third batch is the check of the line.  A repetition whose fit,
 * or the server's of the same batches, leaves more than EMU_MAX_RMS of
 * relative error (a neighbour's burst in one batch) is measured again,
 * EMU_TRIES times at most, and the best kept.  On this VM a packet costs about the same whatever the page's
 * size, 0 to 64 KiB (docs/costs.md, the packet emulator's price): a KiB
 * is worth ~0.5 us, under the batches' noise, and the fit's figure is
 * often the 1 ns floor.
 *
 * The same batches price the origin server on this path
 * (tun_server_request, tun_server_per_kib): its CPU clock over each batch
 * is fitted on the batch's pages and their responses' KiB, as the
 * emulator's on packets and KiB.  Its segments go into a TUN device; the
 * crawler's TCP input of them, which on loopback runs in the server's
 * write and close (server_request), and the server's own input of the
 * requests and ACKs run where the emulator writes them.  A batch's pages
 * come at once, many a wake-up of the server, as under a crawler's load
 * (the wake-ups' price is in the figure, spread over a batch's pages).
 *
 * The batches' client prices the crawler's side of the path with the
 * emulator busy (tun_connection_busy, tun_send_busy, tun_close_busy): its
 * CPU clock over each socket + connect and close, each close apart, and
 * each send, as tun_connection, tun_close and tun_send time them
 * (net_calib_tun.c), whose client has the emulator asleep at every
 * packet.  Here a batch's packets come back to back: the
 * first wakes the emulator, the rest find it awake (docs/costs.md, "The
 * emulator awake or asleep").
 *
 * All seven figures come from the same repetitions: emulator_packet's
 * measure keeps the other five of each for their keys' measures, which
 * return them in order (and measure afresh when none is kept), so a
 * calibrate pays for the batches once.  Needs namespaces and /dev/net/tun, as the
 * path: where they are refused the figures fail with EPERM (or ENOENT)
 * and the profile keeps the documented defaults. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/al_http.h"
#include "net/net_calib.h"
#include "net/net_calib_emu.h"
#include "net/net_calib_int.h"
#include "net/net_emu.h"
#include "net/net_ns.h"

#define EMU_MAX_RMS 0.10     /* a fit's relative error worth keeping */
#define EMU_TRIES 3          /* repetitions tried for one worth keeping */

/* The client: pages (<= EMU_PAGES) pages of page bytes at once, each
 * connect, request, read to the server's close; the CPU of its sockets +
 * connects added to t[0], of its sends to t[1], of its closes to t[2].
 * 0 when every page came whole. */
static int fetch_all(int port, int pages, int page, int64_t t[3])
{
	struct pollfd p[EMU_PAGES];
	int64_t got[EMU_PAGES];
	char req[256], buf[16384];
	struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int left = pages;
	int64_t end = net_mono_ns() + EMU_WAIT_MS * 1000000LL, t0;

	inet_pton(AF_INET, NET_NS_SERVER_IP, &at.sin_addr);
	for (int i = 0; i < pages; i++) {
		got[i] = -1;                      /* -1: connecting */
		t0 = net_cpu_ns();
		p[i] = (struct pollfd){.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0),
				       .events = POLLOUT};
		if (p[i].fd < 0 || (connect(p[i].fd, (const struct sockaddr *)&at, sizeof at) != 0 &&
				    errno != EINPROGRESS))
			return -1;
		t[0] += net_cpu_ns() - t0;
	}
	while (left > 0) {
		int64_t ms = (end - net_mono_ns()) / 1000000;
		if (ms <= 0 || poll(p, (nfds_t)pages, (int)ms) < 0)
			return -1;
		for (int i = 0; i < pages; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			if (got[i] < 0) {
				int n = al_http_request(req, sizeof req, "calib", i + 1);
				t0 = net_cpu_ns();
				if (n < 0 || send(p[i].fd, req, (size_t)n, MSG_NOSIGNAL) != n)
					return -1;
				t[1] += net_cpu_ns() - t0;
				got[i] = 0;
				p[i].events = POLLIN;
				continue;
			}
			ssize_t r = recv(p[i].fd, buf, sizeof buf, 0);
			if (r > 0) {
				got[i] += r;
			} else if (r == 0) {
				if (got[i] == 0 || got[i] < page)
					return -1;       /* no response, or short */
				t0 = net_cpu_ns();
				close(p[i].fd);
				t[2] += net_cpu_ns() - t0;
				p[i].fd = -1;
				left--;
			} else if (errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
	}
	return 0;
}

/* The client of a batch: fetch_all, then a page's socket + connect +
 * close, its close, and its send, less their syscalls' own cost (three
 * EAGAIN recvs, one, one), up wfd, as net_calib_tun.c's client does. */
struct client_arg {
	int port, pages, page;
};

static int client(void *arg, int wfd)
{
	const struct client_arg *a = arg;
	int port = a->port, pages = a->pages, page = a->page;
	int64_t t[3] = {0, 0, 0};
	double base;

	if (fetch_all(port, pages, page, t) != 0 || net_calib_base_syscall(&base) != 0)
		return -1;
	struct net_calib_emu_client c = net_calib_client_page(t[0], t[2], t[1], pages, base);
	return write(wfd, &c, sizeof c) == (ssize_t)sizeof c ? 0 : -1;
}

/* A client in p's crawler namespace fetches pages pages from server i at
 * once; *pt gets what the emulator spent on them, until it is quiet, *srv
 * what server i spent (packets: its pages; kib: their responses' bytes,
 * headers included), and *cl what the client spent a page.  Call it with
 * the emulator quiet. */
static int batch(const struct emu_path *p, int pages, int i, struct net_calib_emu_point *pt,
		 struct net_calib_emu_point *srv, struct net_calib_emu_client *cl)
{
	const volatile struct net_emu_shared *sh = p->sh;
	int page = net_calib_emu_size[i];
	int64_t n0 = net_calib_path_packets(p), b0 = sh->up.bytes_out + sh->down.bytes_out;
	double c0 = net_calib_cpu_on(p->clock), s0 = net_calib_cpu_on(p->srv_clock[i]);
	struct client_arg a = {p->port[i], pages, page};

	/* the client's fetch has EMU_WAIT_MS from its own start, after the
	 * fork and its namespace; its figures come after: the wait for them
	 * holds its whole deadline and as long again for the rest */
	if (net_calib_path_client(p, client, &a, cl, sizeof *cl, 2 * EMU_WAIT_MS) != 0)
		return -1;
	if (net_calib_path_quiet(p) != 0)
		return -1;
	double c1 = net_calib_cpu_on(p->clock), s1 = net_calib_cpu_on(p->srv_clock[i]);
	int64_t n1 = net_calib_path_packets(p), b1 = sh->up.bytes_out + sh->down.bytes_out;
	char hb[128];
	int head = al_http_header(hb, sizeof hb, page);
	if (c0 < 0 || c1 <= c0 || n1 - n0 < pages || s0 < 0 || s1 <= s0 || head <= 0) {
		errno = EPROTO;
		return -1;
	}
	*pt = (struct net_calib_emu_point){.cpu_ns = c1 - c0, .packets = (double)(n1 - n0),
				 .kib = (double)(b1 - b0) / 1024};
	*srv = (struct net_calib_emu_point){.cpu_ns = s1 - s0, .packets = pages,
				  .kib = (double)pages * (head + page) / 1024};
	return 0;
}

/* One repetition's batches: the warm-up's, left out, then net_calib_emu_pages() pages
 * of each size, into pt[EMU_SIZES] (the emulator's) and srv[EMU_SIZES]
 * (the servers'), and the client's page, their mean, into *cl. */
static int batches(struct net_calib_emu_point *pt, struct net_calib_emu_point *srv,
		   struct net_calib_emu_client *cl)
{
	struct emu_path p;
	struct net_calib_emu_point warm, swarm;
	struct net_calib_emu_client c[EMU_SIZES], cwarm;
	int rc;

	if (net_calib_path_open(&p, EMU_RTT_MS * 1000000LL) != 0)
		return -1;
	int pages = net_calib_emu_pages();
	rc = net_calib_path_quiet(&p) != 0 || batch(&p, EMU_WARM, 0, &warm, &swarm, &cwarm) != 0 ? -1 : 0;
	for (int i = 0; i < EMU_SIZES && rc == 0; i++)
		rc = batch(&p, pages, i, &pt[i], &srv[i], &c[i]);
	*cl = (struct net_calib_emu_client){0, 0, 0};
	for (int i = 0; i < EMU_SIZES && rc == 0; i++) {
		cl->connection_ns += c[i].connection_ns / EMU_SIZES;
		cl->close_ns += c[i].close_ns / EMU_SIZES;
		cl->send_ns += c[i].send_ns / EMU_SIZES;
	}
	int e = errno;
	net_calib_path_close(&p);
	errno = e;
	return rc;
}

int net_calib_emu_fit(const struct net_calib_emu_point *pt, int n, double x[2], double *rms)
{
	double pp = 0, pk = 0, kk = 0, pc = 0, kc = 0, sum = 0;

	if (n < 2)
		return -1;
	for (int k = 0; k < n; k++) {
		if (!(pt[k].cpu_ns > 0))
			return -1;
		double w = 1 / (pt[k].cpu_ns * pt[k].cpu_ns);
		pp += w * pt[k].packets * pt[k].packets;
		pk += w * pt[k].packets * pt[k].kib;
		kk += w * pt[k].kib * pt[k].kib;
		pc += w * pt[k].packets * pt[k].cpu_ns;
		kc += w * pt[k].kib * pt[k].cpu_ns;
	}
	double det = pp * kk - pk * pk;
	if (!(det > 1e-9 * pp * kk))
		return -1;
	x[0] = (pc * kk - kc * pk) / det;
	x[1] = (kc * pp - pc * pk) / det;
	if (x[1] < 0) {
		/* bytes cannot pay back CPU: the best fit with x[1] >= 0 is
		 * the packets' alone */
		x[0] = pc / pp;
		x[1] = 0;
	}
	for (int k = 0; k < n; k++) {
		double e = (x[0] * pt[k].packets + x[1] * pt[k].kib) / pt[k].cpu_ns - 1;
		sum += e * e;
	}
	*rms = sqrt(sum / n);
	return 0;
}

/* What one repetition gives: the emulator's per packet and per KiB, the
 * server's per page and per KiB, the client's connection, send and
 * close. */
enum { FIT_PACKET, FIT_PER_KIB, FIT_SRV_PAGE, FIT_SRV_KIB, FIT_CLI_CONN, FIT_CLI_SEND,
       FIT_CLI_CLOSE, FITS };

/* One repetition: the batches (measure), their fits; each figure at least
 * 1 ns (a figure lost in the noise is written so, as the other per-KiB
 * figures), but the client's busy figures 0 where they come out at 0 or
 * less (not measured: the simulator charges the asleep price).  A repetition whose emulator's fit or server's fit leaves
 * more than EMU_MAX_RMS of relative error (a neighbour's burst in one
 * batch) is measured again, EMU_TRIES times at most; then the best of
 * them is kept, by the worse of its two fits: the server's figures come
 * from the same batches, and a burst on its core spoils them alone. */
int net_calib_emu_split(int (*measure)(struct net_calib_emu_point *pt,
				       struct net_calib_emu_point *srv,
				       struct net_calib_emu_client *cl),
			double fig[7])
{
	struct net_calib_emu_point pt[EMU_SIZES], srv[EMU_SIZES];
	struct net_calib_emu_client cl;
	double x[2], s[2], rms, srms, best = HUGE_VAL;

	for (int t = 0; t < EMU_TRIES && best > EMU_MAX_RMS; t++) {
		if (measure(pt, srv, &cl) != 0) {
			if (best < HUGE_VAL)
				break;           /* keep the fit already made */
			return -1;
		}
		if (net_calib_emu_fit(pt, EMU_SIZES, x, &rms) != 0 ||
		    net_calib_emu_fit(srv, EMU_SIZES, s, &srms) != 0)
			continue;
		double worse = rms > srms ? rms : srms;
		if (worse >= best)
			continue;
		best = worse;
		double v[FITS] = {x[0], x[1], s[0], s[1], cl.connection_ns, cl.send_ns,
				  cl.close_ns};
		for (int k = 0; k < FITS; k++)
			fig[k] = v[k] < 1 ? 1 : v[k];
		/* the busy figures are a price the simulator charges instead
		 * of another: at or under the syscalls' own cost the batch
		 * measured nothing, and 0 says so (the asleep price then) */
		for (int k = FIT_CLI_CONN; k <= FIT_CLI_CLOSE; k++)
			if (!(v[k] > 0))
				fig[k] = 0;
	}
	if (best == HUGE_VAL) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

static int split(double fig[FITS])
{
	return net_calib_emu_split(batches, fig);
}

/* The other figures of emulator_packet's repetitions, in order, for their
 * keys' measures: all six from the same batches, at the price of one. */
static struct net_calib_kept kept[FITS];

void net_calib_emu_reset(void)
{
	for (int k = 0; k < FITS; k++)
		net_calib_kept_clear(&kept[k]);
}

int net_calib_emulator_packet(double *out)
{
	double fig[FITS];

	if (split(fig) != 0) {
		net_calib_emu_reset();           /* no half series for the others */
		return -1;
	}
	for (int k = 0; k < FITS; k++)
		if (k != FIT_PACKET)
			net_calib_keep(&kept[k], fig[k]);
	*out = fig[FIT_PACKET];
	return 0;
}

/* Figure k of the kept series, in order, or of a repetition of its own
 * when none is kept. */
static int kept_or_split(int k, double *out)
{
	double fig[FITS];

	if (net_calib_kept_take(&kept[k], out))
		return 0;
	if (split(fig) != 0)
		return -1;
	*out = fig[k];
	return 0;
}

int net_calib_emulator_per_kib(double *out)
{
	return kept_or_split(FIT_PER_KIB, out);
}

int net_calib_tun_server_request(double *out)
{
	return kept_or_split(FIT_SRV_PAGE, out);
}

int net_calib_tun_server_per_kib(double *out)
{
	return kept_or_split(FIT_SRV_KIB, out);
}

int net_calib_tun_connection_busy(double *out)
{
	return kept_or_split(FIT_CLI_CONN, out);
}

int net_calib_tun_send_busy(double *out)
{
	return kept_or_split(FIT_CLI_SEND, out);
}

int net_calib_tun_close_busy(double *out)
{
	return kept_or_split(FIT_CLI_CLOSE, out);
}
