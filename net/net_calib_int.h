/* Internal to net_calib: the measurements that start threads and processes
 * (net_calib_sched.c) and the helpers both files share.  Each measurement
 * is one repetition: 0 with the figure in *out, or -1 with errno. */
#ifndef NET_CALIB_INT_H
#define NET_CALIB_INT_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "net/net_calib.h"
#include "net/net_clock.h"

/* The median of v[0..n-1], n >= 1 (v is sorted in place). */
double net_calib_median(double *v, int n);

/* Pins the calling thread to the first CPU it may use (threads it creates
 * and children it forks inherit that); *saved gets the mask to restore.
 * 0, or -1 with errno. */
int net_calib_pin(cpu_set_t *saved);
/* Restores the mask net_calib_pin saved; errno is left alone. */
void net_calib_unpin(const cpu_set_t *saved);
/* A listening socket on 127.0.0.1, any port, with room for backlog
 * connections (net_calib_conn.c); -1 with errno. */
struct sockaddr_in;
int net_calib_listener(struct sockaddr_in *addr, int backlog);
/* Accepts and closes up to n connections from lfd's queue, waiting for a
 * straggler at most half a second: fewer may come (net_calib_conn.c). */
void net_calib_drain_accepts(int lfd, int n);

/* A probe's child (net_calib_child.c).  Reads exactly len bytes from fd
 * within ms (a signal meanwhile does not start the wait again): 0, or -1
 * with errno ETIMEDOUT when nothing came, EPIPE when fewer bytes came
 * (the writer gone). */
int net_calib_read_within(int fd, void *buf, size_t len, int ms);
/* Waits for pid within 5 s (then kills it): its exit status, or -1 with
 * errno ETIMEDOUT (killed after the 5 s), EPROTO (killed by a signal
 * before them, whoever sent it) or waitpid's. */
int net_calib_reap(pid_t pid);
/* fn(&ns) in a forked child, its figure read back within ms (the child
 * killed past it) and the child reaped: 0 with *out, or -1 with errno
 * (fn's nonzero return, ETIMEDOUT, EPIPE). */
int net_calib_in_child(int (*fn)(double *ns), double *out, int ms);
/* The same in a child of a forker that never made a thread (as a model's
 * process on the real backend): net_calib_fresh_start forks it, before
 * calibrate's first thread (net_calib_run does), 0 or -1 with errno
 * (ECHILD: this process has made a thread, even one that has ended);
 * net_calib_fresh_stop asks it to quit and reaps it (errno left alone).
 * -1 with ECHILD when it is not running: never started, or stopped
 * because it did not answer within ms and 2 s more (stuck, or gone: that
 * errno, once, EPIPE when a request could not be written; no SIGPIPE). */
int net_calib_fresh_start(void);
void net_calib_fresh_stop(void);
int net_calib_in_fresh_child(int (*fn)(double *ns), double *out, int ms);

/* A byte ('x') across a pipe: 0, or -1 with errno. */
int net_calib_put1(int fd);
/* A forked worker's status byte: 0 when it reported ready ('x'); -1 when
 * it reported a failure, exited without a word (EPIPE) or stayed silent
 * for 5 s (ETIMEDOUT). */
int net_calib_get_ready(int fd);

int net_calib_thread_switch(double *out);
int net_calib_process_switch(double *out);
int net_calib_thread_create(double *out);
int net_calib_thread_first(double *out);
/* net_calib_fork.c: a fork + exit + wait's CPU, the fork by the parent's
 * memory, a worker's own CPU */
int net_calib_process_create(double *out);
int net_calib_fork_per_mib(double *out);
int net_calib_process_cow(double *out);
int net_calib_process_exit(double *out);
int net_calib_exit_per_mib(double *out);
/* process_memory's pool inside cg (net_calib_mem_run.c): forks the
 * process model's workers as a real pool does, writes up wfd the growth
 * of cg's charge per worker once all block on the full results pipe, or
 * -1, and exits: never returns. */
struct net_cgroup;
/* What a /proc/PID/wchan's text says of a pipe's write: 1 when it names
 * one of the kernel's functions for it (anon_pipe_write, pipe_write,
 * pipe_wait_writable, pipe_wait: exact names, not pipe_wait_readable),
 * 0 for another function, -1 when it is "0" or empty (not said). */
int net_calib_wchan_pipe_write(const char *wchan);
void net_calib_mem_pool(const struct net_cgroup *cg, int wfd) __attribute__((noreturn));
/* net_calib_mem.c: what a worker costs in memory */
int net_calib_thread_memory(double *out);
int net_calib_process_memory(double *out);
int net_calib_wakeup(double *out);
/* net_calib_conn.c: TCP over loopback */
int net_calib_connection(double *out);
int net_calib_recv_per_kib(double *out);
int net_calib_send(double *out);
/* net_calib_wake.c: a step's CPU after a sleep, beyond the same step hot */
int net_calib_wake_100us(double *out);
int net_calib_wake_remote_1ms(double *out);
int net_calib_wake_sibling_10ms(double *out);
int net_calib_wake_segment_1ms(double *out);
int net_calib_wake_1ms(double *out);
int net_calib_wake_100ms(double *out);
/* net_calib_host.c: the origin server's and a link emulator's CPU */
int net_calib_server_request(double *out);
int net_calib_server_per_kib(double *out);
/* the server's CPU per wake-up, apart from server_request's per page */
int net_calib_server_wake(double *out);
int net_calib_server_accept(double *out);
int net_calib_relay_request(double *out);
int net_calib_relay_per_kib(double *out);
/* net_calib_emu.c: the packet emulator's CPU per packet (needs namespaces:
 * EPERM or ENOENT where they are refused) */
int net_calib_emulator_packet(double *out);
int net_calib_emulator_per_kib(double *out);
/* net_calib_tun.c: the crawler's connection and send on the kernel-TCP
 * path, through the namespaces and the emulator (EPERM or ENOENT where
 * namespaces are refused) */
int net_calib_tun_connection(double *out);
int net_calib_tun_send(double *out);
/* the close's part of tun_connection (its FIN) */
int net_calib_tun_close(double *out);
/* net_calib_conn.c: one cheap syscall's cost, now (an EAGAIN recv) */
int net_calib_base_syscall(double *out);
/* net_calib_emu.c, from emulator_packet's batches: the origin server's
 * CPU per page and per KiB behind the TUN device */
int net_calib_tun_server_request(double *out);
int net_calib_tun_server_per_kib(double *out);
/* net_calib_accept.c: the origin server's accept of a connection behind
 * the TUN device (EPERM or ENOENT where namespaces are refused) */
int net_calib_tun_server_accept(double *out);
/* and from the same batches' clients: connection and send as tun_connection
 * and tun_send, with the emulator busy with the batch, and the close's
 * part of that connection as tun_close's */
int net_calib_tun_connection_busy(double *out);
int net_calib_tun_send_busy(double *out);
int net_calib_tun_close_busy(double *out);
/* net_calib_tun.c: what a crawler that slept pays more for a TUN packet
 * with the emulator on the other CPU than on its own */
int net_calib_tun_apart(double *out);
/* A series of figures one probe's repetitions keep for other keys'
 * measures, taken in order: several figures from the same repetitions
 * (net_calib_emu.c, net_calib_fork.c). */
struct net_calib_kept {
	double v[NET_CALIB_MAX_REPS];
	int n, next;
};
/* Forgets k's series: a calibrate starts, or its probe failed (no half
 * series). */
void net_calib_kept_clear(struct net_calib_kept *k);
/* Adds v to k's series; a full one starts afresh (more than one series
 * holds). */
void net_calib_keep(struct net_calib_kept *k, double v);
/* The next figure of k's series in *out and 1, forgetting a series read
 * to its end; 0 when none is kept. */
int net_calib_kept_take(struct net_calib_kept *k, double *out);
/* Forgets emulator_packet's kept figures: a calibrate starts. */
void net_calib_emu_reset(void);
/* Forgets the exits process_create and fork_per_mib kept: a calibrate
 * starts. */
void net_calib_fork_reset(void);

/* What one batch of pages cost the packet emulator: its CPU, the packets
 * it carried both ways and their KiB (headers included). */
struct net_calib_emu_point {
	double cpu_ns, packets, kib;
};

/* Least squares of cpu = x[0] x packets + x[1] x KiB over pt[0..n-1],
 * each point weighed by 1 / its cpu (relative errors: the batches differ
 * tenfold in CPU), through 0; *rms gets the root mean square of those
 * relative errors.  0, or -1 when the points cannot tell packets from
 * KiB (fewer than two, every point the same KiB a packet) or a point
 * has no CPU.  x[1] is never below 0: where the free fit puts it there
 * (noise: bytes cannot pay back CPU), the fit is of packets alone, x[1]
 * 0.  x[0] may still come out below 0 on absurd points. */
int net_calib_emu_fit(const struct net_calib_emu_point *pt, int n, double x[2], double *rms);
/* What the batches' client spent a page: its socket + connect + close,
 * the close's part of it, its send (each less its syscalls' own cost). */
struct net_calib_emu_client {
	double connection_ns, close_ns, send_ns;
};
/* net_calib_tun.c: a client's page from its n pages' CPU, conn_ns for
 * their socket + connect, close_ns for their closes and send_ns for their
 * sends, less the syscalls' own cost, base each (three calls a
 * connection, the close one of them, one a send): what tun_connection,
 * tun_close and tun_send, and the batches' busy figures, are. */
struct net_calib_emu_client net_calib_client_page(int64_t conn_ns, int64_t close_ns,
						  int64_t send_ns, int n, double base);

/* One repetition of the kernel-TCP path's figures from measure (which
 * fills 3 batches' points, the emulator's pt and the server's srv, and
 * the client's page over them, cl, or fails): fig[] gets emulator_packet,
 * emulator_per_kib, tun_server_request, tun_server_per_kib,
 * tun_connection_busy, tun_send_busy and tun_close_busy.  measure is
 * called again,
 * 3 times at most, while the emulator's or the server's fit leaves more
 * than 10 % of relative error; the repetition whose worse fit is least
 * is kept.  0, or -1 when no repetition could be fitted. */
int net_calib_emu_split(int (*measure)(struct net_calib_emu_point *pt,
				       struct net_calib_emu_point *srv,
				       struct net_calib_emu_client *cl),
			double fig[7]);
/* net_calib_fiber.c: a green thread's stack, made, run once and freed */
int net_calib_green_stack(double *out);
/* net_calib_fiber.c: what a stack's unmapping costs more after a page's
 * end on loopback */
int net_calib_green_stack_woken(double *out);
/* net_calib_uring.c: one io_uring_enter, and each op it carries (where
 * io_uring is refused: -1 with its errno) */
int net_calib_uring_enter(double *out);
int net_calib_uring_op(double *out);
/* a ring set up and closed in a freshly forked process, as the uring
 * model's run makes its one */
int net_calib_uring_setup(double *out);
/* an op's linked timeout, on a recv that waits for a peer to send */
int net_calib_uring_timeout(double *out);
/* an op's poll and task work, on a recv that waits, beyond one that does not */
int net_calib_uring_poll(double *out);

#endif
