/* The namespaces and TUN devices of the kernel-TCP path (net/net_ns.c):
 * passing fds, and -- where the host allows namespaces -- the pair itself:
 * each device's address, peer and MTU, and a UDP datagram from the
 * crawler's namespace carried by hand from one device to the other into
 * the server's.  The pair is made in a forked child (it cannot go back to
 * this namespace); it reports up a pipe, "skip: why" when the host
 * refuses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "net/net_ns.h"
#include "tests/skip.h"

static void test_fds_pass(void **state)
{
	(void)state;
	int sv[2], p[2], got[4];
	char text[64], c = 0;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(net_ns_send_fds(sv[0], p, 2), 0);
	assert_int_equal(net_ns_recv_fds(sv[1], got, 4, text, sizeof text), 2);
	assert_int_equal(write(got[1], "x", 1), 1);     /* the very pipe */
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	/* a line instead of fds: 0, and the line */
	assert_int_equal(send(sv[0], "no tun here", 11, 0), 11);
	assert_int_equal(net_ns_recv_fds(sv[1], got + 2, 2, text, sizeof text), 0);
	assert_string_equal(text, "no tun here");
	/* more fds than asked for is refused, and the ones that came are
	 * closed: with every write end gone, the pipe reads EOF */
	int q[2], w[2];

	assert_int_equal(pipe2(q, O_NONBLOCK), 0);
	w[0] = w[1] = q[1];
	assert_int_equal(net_ns_send_fds(sv[0], w, 2), 0);
	close(q[1]);
	assert_int_equal(net_ns_recv_fds(sv[1], got + 2, 1, text, sizeof text), -1);
	assert_int_equal(errno, EPROTO);
	assert_int_equal(read(q[0], &c, 1), 0);
	close(q[0]);
	assert_int_equal(net_ns_send_fds(sv[0], p, 0), -1);
	for (int i = 0; i < 2; i++) {
		close(got[i]);
		close(p[i]);
		close(sv[i]);
	}
}

static int ifreq_in(int s, unsigned long req, struct in_addr *out)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", NET_NS_IFNAME);
	if (ioctl(s, req, &ifr) != 0)
		return -1;
	*out = ((struct sockaddr_in *)(void *)&ifr.ifr_addr)->sin_addr;
	return 0;
}

/* The child: returns what to report ("ok", "skip: ...", "fail: ..."). */
static const char *pair_child(char *buf, size_t len)
{
	struct net_ns ns;
	int tun[2];
	char err[200];

	if (net_ns_pair_new(&ns, tun, err, sizeof err) != 0) {
		snprintf(buf, len, "skip: no namespaces here: %s", err);
		return buf;
	}
	/* now in the server's namespace */
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct in_addr a, d;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", NET_NS_IFNAME);
	if (s < 0 || ifreq_in(s, SIOCGIFADDR, &a) != 0 || ifreq_in(s, SIOCGIFDSTADDR, &d) != 0 ||
	    ioctl(s, SIOCGIFMTU, &ifr) != 0)
		return "fail: the server's device cannot be read";
	if (strcmp(inet_ntoa(a), NET_NS_SERVER_IP) != 0)
		return "fail: the server's address";
	if (strcmp(inet_ntoa(d), NET_NS_CLIENT_IP) != 0)
		return "fail: the server's peer";
	if (ifr.ifr_mtu != NET_NS_MTU)
		return "fail: the MTU";
	struct sockaddr_in srv = {.sin_family = AF_INET, .sin_port = htons(9)};
	inet_pton(AF_INET, NET_NS_SERVER_IP, &srv.sin_addr);
	if (bind(s, (struct sockaddr *)&srv, sizeof srv) != 0)
		return "fail: bind in the server's namespace";
	/* a socket made in the crawler's namespace stays there */
	if (setns(ns.net[NET_NS_CLIENT], CLONE_NEWNET) != 0)
		return "fail: setns to the crawler's namespace";
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	if (c < 0 || sendto(c, "hello", 5, 0, (struct sockaddr *)&srv, sizeof srv) != 5)
		return "fail: sendto from the crawler's namespace";
	/* the datagram comes out of the client's device (skip anything else
	 * the kernel sends, e.g. IPv6 router solicitations: none on IPv4 only) */
	unsigned char pkt[2048];
	struct pollfd p = {.fd = tun[NET_NS_CLIENT], .events = POLLIN};
	ssize_t n = -1;
	for (int tries = 0; tries < 10; tries++) {
		if (poll(&p, 1, 2000) != 1)
			return "fail: nothing came out of the client's device";
		n = read(tun[NET_NS_CLIENT], pkt, sizeof pkt);
		if (n >= 28 && (pkt[0] >> 4) == 4 && pkt[9] == IPPROTO_UDP)
			break;
		n = -1;
	}
	if (n < 0)
		return "fail: no UDP packet from the client's device";
	if (memcmp(pkt + 16, &srv.sin_addr, 4) != 0)
		return "fail: the packet is not for the server";
	if (write(tun[NET_NS_SERVER], pkt, (size_t)n) != n)
		return "fail: write to the server's device";
	char got[16] = "";
	struct pollfd q = {.fd = s, .events = POLLIN};
	if (poll(&q, 1, 2000) != 1 || recv(s, got, sizeof got, 0) != 5 ||
	    memcmp(got, "hello", 5) != 0)
		return "fail: the server's socket did not get the datagram";
	return "ok";
}

static void test_pair_carries_a_datagram(void **state)
{
	(void)state;
	int p[2];
	char buf[256] = "";

	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char line[256];
		const char *r = pair_child(line, sizeof line);
		_exit(write(p[1], r, strlen(r)) > 0 ? 0 : 1);
	}
	close(p[1]);
	ssize_t n = read(p[0], buf, sizeof buf - 1);
	close(p[0]);
	waitpid(pid, NULL, 0);
	buf[n > 0 ? n : 0] = '\0';
	if (strncmp(buf, "skip:", 5) == 0)
		AL_SKIP_HOST("%s\n", buf + 6);
	if (strcmp(buf, "ok") != 0)
		print_error("%s\n", buf);
	assert_string_equal(buf, "ok");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fds_pass),
		cmocka_unit_test(test_pair_carries_a_datagram),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
