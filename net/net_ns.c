/* Two network namespaces joined by TUN devices (see net_ns.h).  Devices
 * are configured with the classic ioctls (what ifconfig does): a handful
 * of calls, no library, and the same on every kernel this runs on -- but
 * the queue length, whose ioctl wants CAP_NET_ADMIN in the initial user
 * namespace, so an unprivileged run (its own user namespace) sets it with
 * one rtnetlink message, which asks only for the device's own. */
#include "net/net_ns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "net/net_machine.h"

/* A user namespace where this uid is root (and nothing else is mapped),
 * with a network namespace of its own. */
static int unshare_as_user(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
		return -1;
	snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
	if (net_machine_write("/proc/self/uid_map", map) != 0)
		return -1;
	/* an unprivileged process may map its gid only once setgroups is off */
	if (net_machine_write("/proc/self/setgroups", "deny\n") != 0 && errno != ENOENT)
		return -1;
	snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
	return net_machine_write("/proc/self/gid_map", map);
}

static int set_flags(int s, const char *name, short on)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		return -1;
	ifr.ifr_flags = (short)(ifr.ifr_flags | on);
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

static int set_in(int s, unsigned long req, const char *ip)
{
	struct ifreq ifr;
	struct sockaddr_in sin = {.sin_family = AF_INET};

	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", NET_NS_IFNAME);
	inet_pton(AF_INET, ip, &sin.sin_addr);
	memcpy(&ifr.ifr_addr, &sin, sizeof sin);
	return ioctl(s, req, &ifr);
}

/* The device's txqueuelen, by RTM_NEWLINK with IFLA_TXQLEN: 0, or -1 with
 * errno (the kernel's answer). */
static int set_txqlen(const char *name, uint32_t qlen)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
		struct rtattr a;
		uint32_t qlen;
	} req;
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} ack;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	int s, e = 0;

	memset(&req, 0, sizeof req);
	req.h.nlmsg_len = sizeof req;
	req.h.nlmsg_type = RTM_NEWLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.h.nlmsg_seq = 1;
	req.i.ifi_family = AF_UNSPEC;
	req.i.ifi_index = (int)if_nametoindex(name);
	req.a.rta_type = IFLA_TXQLEN;
	req.a.rta_len = RTA_LENGTH(sizeof req.qlen);
	req.qlen = qlen;
	if (req.i.ifi_index == 0)
		return -1;
	if ((s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0)
		return -1;
	if (sendto(s, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0)
		e = errno;
	else if (recv(s, &ack, sizeof ack, 0) < (ssize_t)sizeof ack)
		e = EPROTO;
	else if (ack.h.nlmsg_type != NLMSG_ERROR)
		e = EPROTO;
	else
		e = -ack.e.error;
	close(s);
	return e ? (errno = e, -1) : 0;
}

/* In the current namespace: lo up, and the TUN device from local to peer.
 * Returns the device's fd, or -1 with errno and *what naming the step. */
static int make_tun(const char *local, const char *peer, const char **what)
{
	struct ifreq ifr;
	int e, s = -1;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);

	*what = "open /dev/net/tun";
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof ifr);
	/* IFF_NO_PI: bare IP packets; no IFF_VNET_HDR, so the kernel never
	 * hands the device a packet above the MTU (no GSO) */
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", NET_NS_IFNAME);
	*what = "TUNSETIFF";
	if (ioctl(fd, TUNSETIFF, &ifr) != 0)
		goto fail;
	*what = "socket";
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		goto fail;
	*what = "bring lo up";
	if (set_flags(s, "lo", IFF_UP) != 0)
		goto fail;
	*what = "SIOCSIFADDR";
	if (set_in(s, SIOCSIFADDR, local) != 0)
		goto fail;
	*what = "SIOCSIFDSTADDR";
	if (set_in(s, SIOCSIFDSTADDR, peer) != 0)
		goto fail;
	*what = "SIOCSIFNETMASK";
	if (set_in(s, SIOCSIFNETMASK, "255.255.255.255") != 0)
		goto fail;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", NET_NS_IFNAME);
	ifr.ifr_mtu = NET_NS_MTU;
	*what = "SIOCSIFMTU";
	if (ioctl(s, SIOCSIFMTU, &ifr) != 0)
		goto fail;
	/* the device's own queue sits before the emulator: long enough that
	 * the emulator's queue (network.queue), not this one, decides drops */
	*what = "RTM_NEWLINK (txqueuelen)";
	if (set_txqlen(NET_NS_IFNAME, NET_NS_TXQLEN) != 0)
		goto fail;
	*what = "bring " NET_NS_IFNAME " up";
	if (set_flags(s, NET_NS_IFNAME, IFF_UP | IFF_POINTOPOINT | IFF_RUNNING) != 0)
		goto fail;
	close(s);
	return fd;
fail:
	e = errno;
	if (s >= 0)
		close(s);
	close(fd);
	errno = e;
	return -1;
}

int net_ns_pair_new(struct net_ns *ns, int tun[2], char *err, size_t errlen)
{
	static const char *const ip[2][2] = {
		{NET_NS_CLIENT_IP, NET_NS_SERVER_IP}, {NET_NS_SERVER_IP, NET_NS_CLIENT_IP},
	};
	const char *what = "unshare(CLONE_NEWNET)";
	int e;

	ns->net[0] = ns->net[1] = ns->user = -1;
	tun[0] = tun[1] = -1;
	if (unshare(CLONE_NEWNET) != 0) {
		if (errno != EPERM && errno != EACCES)
			goto fail;
		what = "unshare(CLONE_NEWUSER | CLONE_NEWNET)";
		if (unshare_as_user() != 0)
			goto fail;
		what = "open /proc/self/ns/user";
		ns->user = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
		if (ns->user < 0)
			goto fail;
	}
	for (int i = 0; i < 2; i++) {
		what = "unshare(CLONE_NEWNET)";
		if (i > 0 && unshare(CLONE_NEWNET) != 0)
			goto fail;
		tun[i] = make_tun(ip[i][0], ip[i][1], &what);
		if (tun[i] < 0)
			goto fail;
		/* Every connection starts from the same state, as the
		 * simulator's flows do: without this the kernel caches each
		 * closed connection's RTT per destination (tcp_metrics) and
		 * seeds a new one's RTO with it until its first data RTT
		 * sample: a page's lost request waited for an RTO from the
		 * queueing-inflated RTTs of the pages (and models) before it
		 * (scenarios/lossy.yaml: 385-415 ms instead of the 300 its
		 * own handshake gives, as the simulator's).  Best effort. */
		net_machine_write("/proc/sys/net/ipv4/tcp_no_metrics_save", "1\n");
		what = "open /proc/self/ns/net";
		ns->net[i] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (ns->net[i] < 0)
			goto fail;
	}
	return 0;
fail:
	e = errno;
	snprintf(err, errlen, "%s: %s", what, strerror(e));
	for (int i = 0; i < 2; i++)
		if (tun[i] >= 0)
			close(tun[i]);
	tun[0] = tun[1] = -1;
	net_ns_close(ns);
	errno = e;
	return -1;
}

int net_ns_enter(const struct net_ns *ns, int which)
{
	if (which < 0 || which > 1 || ns->net[which] < 0) {
		errno = EINVAL;
		return -1;
	}
	if (ns->user >= 0 && setns(ns->user, CLONE_NEWUSER) != 0)
		return -1;
	return setns(ns->net[which], CLONE_NEWNET);
}

int net_ns_set_backlog(int n)
{
	char v[24];

	snprintf(v, sizeof v, "%d\n", n);
	if (net_machine_write("/proc/sys/net/core/somaxconn", v) != 0)
		return -1;
	return net_machine_write("/proc/sys/net/ipv4/tcp_max_syn_backlog", v);
}

int net_ns_dev_drops(int64_t *tx, int64_t *rx)
{
	char line[512];
	FILE *f = fopen("/proc/self/net/dev", "re");
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof line, f)) {
		long long v[12];
		char *p = strchr(line, ':');
		if (!p || strncmp(line + strspn(line, " "), NET_NS_IFNAME ":",
				  sizeof NET_NS_IFNAME) != 0)
			continue;
		/* rx: bytes packets errs drop fifo frame compressed multicast;
		 * tx: bytes packets errs drop ... */
		if (sscanf(p + 1, "%lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
			   &v[10], &v[11]) == 12) {
			*rx = v[3];
			*tx = v[11];
			found = 1;
		}
	}
	fclose(f);
	if (!found)
		errno = ENOENT;
	return found ? 0 : -1;
}

void net_ns_close(struct net_ns *ns)
{
	for (int i = 0; i < 2; i++) {
		if (ns->net[i] >= 0)
			close(ns->net[i]);
		ns->net[i] = -1;
	}
	if (ns->user >= 0)
		close(ns->user);
	ns->user = -1;
}

int net_ns_send_fds(int sock, const int *fds, int n)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	char byte = (char)('0' + n);
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

	if (n < 1 || n > 4) {
		errno = EINVAL;
		return -1;
	}
	memset(&u, 0, sizeof u);
	msg.msg_control = u.buf;
	msg.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, (size_t)n * sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* Closes every fd a received message carried: the kernel installed them
 * in this process already, and a message refused must not leak them. */
static void close_passed(struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
			close(fd);
		}
	}
}

int net_ns_recv_fds(int sock, int *fds, int n, char *text, size_t textlen)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	char data[256];
	struct iovec iov = {.iov_base = data, .iov_len = sizeof data - 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof u.buf};

	if (n < 1 || n > 4 || textlen < 1) {
		errno = EINVAL;
		return -1;
	}
	ssize_t r;
	do
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	data[r] = '\0';
	text[0] = '\0';
	if (r > 1 && !c) {
		snprintf(text, textlen, "%s", data);
		return 0;
	}
	int got = data[0] - '0';
	if (r != 1 || !c || c->cmsg_type != SCM_RIGHTS || got < 1 || got > n ||
	    c->cmsg_len != CMSG_LEN((size_t)got * sizeof(int))) {
		close_passed(&msg);
		errno = EPROTO;
		return -1;
	}
	memcpy(fds, CMSG_DATA(c), (size_t)got * sizeof(int));
	return got;
}
