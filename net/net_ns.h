/* Two network namespaces joined by TUN devices: the crawler's and the
 * origin server's, for the kernel-TCP path of real runs
 * (docs/kernel-tcp.md).  Each namespace has `lo` up and one point-to-point
 * TUN device NET_NS_IFNAME (MTU 1500) between NET_NS_CLIENT_IP and
 * NET_NS_SERVER_IP (RFC 2544's benchmarking range: never routed, and no
 * packet leaves the namespaces anyway).  Whoever holds the two TUN fds
 * carries every IP packet between them (net_emu_serve). */
#ifndef NET_NS_H
#define NET_NS_H

#include <stddef.h>
#include <stdint.h>

#define NET_NS_CLIENT_IP "198.18.0.1"
#define NET_NS_SERVER_IP "198.18.0.2"
#define NET_NS_IFNAME "al0"           /* per namespace: runs never collide */
#define NET_NS_MTU 1500               /* MSS 1448 with timestamps */
#define NET_NS_TXQLEN 65536           /* the TUN device's own queue, packets */

enum { NET_NS_CLIENT, NET_NS_SERVER };

/* The namespaces, as fds of /proc/self/ns/{net,user}: they live as long as
 * an fd or a process holds them. */
struct net_ns {
	int net[2];                  /* NET_NS_CLIENT, NET_NS_SERVER; -1: none */
	int user;                    /* the user namespace made for them, or -1 */
};

/* Moves the caller into new namespaces and makes the pair: first the
 * client's, then the server's (the caller ends up in the server's).  Tries
 * CLONE_NEWNET alone (root); when that is refused, CLONE_NEWUSER too
 * (unprivileged user namespaces, this uid mapped to root inside).  The
 * caller must be single-threaded, and should be a process made for it: it
 * cannot go back.  Fills ns and tun[2] (the TUN fds, non-blocking, in the
 * same order).  0, or -1 with errno and err set (EPERM: neither way is
 * allowed here; ENOENT: no /dev/net/tun). */
int net_ns_pair_new(struct net_ns *ns, int tun[2], char *err, size_t errlen);

/* Moves the caller (single-threaded: a process just forked) into namespace
 * which of ns (its user namespace first, if any).  0, or -1 with errno. */
int net_ns_enter(const struct net_ns *ns, int which);

/* Sets net.core.somaxconn and net.ipv4.tcp_max_syn_backlog of the
 * caller's namespace to n (they are per namespace).  0, or -1 with errno. */
int net_ns_set_backlog(int n);

/* The drop counters of the caller's namespace's NET_NS_IFNAME
 * (/proc/self/net/dev): tx, packets the stack queued to the device that
 * its queue had no room for (its reader, the emulator, was late); rx,
 * packets written to it that the stack dropped.  0, or -1 with errno. */
int net_ns_dev_drops(int64_t *tx, int64_t *rx);

/* Closes ns's fds (the namespaces go when no process is left in them). */
void net_ns_close(struct net_ns *ns);

/* Passes n fds (1 to 4) over a unix socket (SOCK_SEQPACKET): 0, or -1 with
 * errno.  Receives at most n: how many came; 0 when the message was text
 * instead (a line saying why there are none, in text); -1 with errno
 * (EPROTO: neither). */
int net_ns_send_fds(int sock, const int *fds, int n);
int net_ns_recv_fds(int sock, int *fds, int n, char *text, size_t textlen);

#endif
