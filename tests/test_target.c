/* --target URLs: what is accepted, what each refusal says. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "net/net_target.h"

static const struct {
	const char *url;
	const char *host;            /* NULL: refused */
	const char *addr;
	int port;
	const char *msg;             /* part of the refusal */
} cases[] = {
	{"http://127.0.0.1/", "127.0.0.1", "127.0.0.1", 80, NULL},
	{"http://127.0.0.1", "127.0.0.1", "127.0.0.1", 80, NULL},
	{"127.0.0.1:8080", "127.0.0.1:8080", "127.0.0.1", 8080, NULL},
	{"http://localhost:9/", "localhost:9", "127.0.0.1", 9, NULL},
	{"http://10.1.2.3:65535/", "10.1.2.3:65535", "10.1.2.3", 65535, NULL},
	{"https://127.0.0.1/", NULL, NULL, 0, "https is not supported"},
	{"ftp://127.0.0.1/", NULL, NULL, 0, "only http:// URLs"},
	{"http://[::1]:80/", NULL, NULL, 0, "IPv6"},
	{"http:///", NULL, NULL, 0, "no host"},
	{"http://u@127.0.0.1/", NULL, NULL, 0, "user names"},
	{"http://user:pw@127.0.0.1:1/", NULL, NULL, 0, "user names and passwords"},
	{"http://127.0.0.1:/", NULL, NULL, 0, "the port must be a number"},
	{"http://127.0.0.1:0/", NULL, NULL, 0, "port 0 is not in 1-65535"},
	{"http://127.0.0.1:123456/", NULL, NULL, 0, "port 123456 is not in"},
	{"http://127.0.0.1/x", NULL, NULL, 0, "not '/x'"},
	{"http://127.0.0.1/?q", NULL, NULL, 0, "not '/?q'"},
	{"http://127.0.0.1:80x", NULL, NULL, 0, "not 'x'"},
	{"http://no-such-host.invalid/", NULL, NULL, 0, "cannot resolve 'no-such-host.invalid'"},
};

static void test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct al_target t;
		char err[256] = "";
		int r = al_target_parse(cases[i].url, &t, err, sizeof err);

		if (!cases[i].host) {
			if (r != -1 || !strstr(err, cases[i].msg))
				fail_msg("%s: wanted a refusal with '%s', got %d '%s'", cases[i].url,
					 cases[i].msg, r, err);
			continue;
		}
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &t.addr.sin_addr, a, sizeof a);
		if (r != 0 || strcmp(t.host, cases[i].host) != 0 || strcmp(a, cases[i].addr) != 0 ||
		    ntohs(t.addr.sin_port) != cases[i].port)
			fail_msg("%s: got %d host '%s' %s:%d (%s)", cases[i].url, r, t.host, a,
				 ntohs(t.addr.sin_port), err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
