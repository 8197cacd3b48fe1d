/* `asynclab serve`: net/net_server.c on an event_base of its own, stopped
 * by SIGINT or SIGTERM through libevent's signal events (so the handler
 * does nothing but wake the loop). */
#include "app/cmd_serve.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <event2/event.h>

#include "conf/scenario.h"
#include "net/net_server.h"

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

/* Every connection is an fd: take the hard limit, not the soft one. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void listen_error(int port, int err)
{
	if (err == EADDRINUSE)
		fprintf(stderr, "asynclab serve: port %d is already in use "
			"(--port 0 picks a free one)\n", port);
	else if (err == EACCES)
		fprintf(stderr, "asynclab serve: port %d: permission denied "
			"(ports below 1024 need privileges)\n", port);
	else
		fprintf(stderr, "asynclab serve: cannot listen on 127.0.0.1:%d: "
			"%s\n", port, strerror(err));
}

int al_cmd_serve(const struct al_cli *cli)
{
	struct al_scenario sc;
	struct event_base *base;
	struct event *sigint, *sigterm;
	struct net_server *srv;
	struct net_server_stats st;
	char err[512];
	int port = cli->port_set ? cli->port : 0;
	int status = 1;

	if (cli->scenario) {
		if (al_scenario_load_file(cli->scenario, &sc, err, sizeof err) < 0) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
	} else {
		al_scenario_default(&sc);
	}
	raise_fd_limit();
	base = event_base_new();
	if (!base) {
		fprintf(stderr, "asynclab serve: cannot create the event loop\n");
		return 1;
	}
	srv = net_server_new(base, &sc, port);
	if (!srv) {
		listen_error(port, errno);
		goto out_base;
	}
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	if (!sigint || !sigterm || evsignal_add(sigint, NULL) < 0 ||
	    evsignal_add(sigterm, NULL) < 0) {
		fprintf(stderr, "asynclab serve: cannot catch signals\n");
		goto out_signals;
	}
	printf("asynclab serve: listening on http://127.0.0.1:%d (scenario %s)\n",
	       net_server_port(srv), sc.name);
	fflush(stdout);
	if (event_base_dispatch(base) < 0) {
		fprintf(stderr, "asynclab serve: the event loop failed\n");
		goto out_signals;
	}
	net_server_stats(srv, &st);
	fprintf(stderr, "asynclab serve: stopped: %lld connections, %lld pages "
		"served, %lld faulted, %lld bad requests, %lld not found, %lld aborted, "
		"%lld bytes, peak %lld open\n",
		(long long)st.accepted, (long long)st.served, (long long)st.faulted,
		(long long)st.bad_requests, (long long)st.not_found,
		(long long)st.aborted, (long long)st.bytes,
		(long long)st.peak_open);
	status = 0;
out_signals:
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	net_server_free(srv);
out_base:
	event_base_free(base);
	return status;
}
