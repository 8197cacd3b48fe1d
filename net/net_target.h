/* `run --target URL`: which HTTP server to crawl instead of ours. */
#ifndef NET_TARGET_H
#define NET_TARGET_H

#include <netinet/in.h>
#include <stddef.h>

struct al_target {
	char host[128];              /* the Host header: "name" or "name:port" */
	struct sockaddr_in addr;
};

/* Parses `http://HOST[:PORT][/]` (the scheme may be left out) and resolves
 * HOST to an IPv4 address.  Pages are fetched as /, /1, /2 ..., so a path
 * other than "/" is refused, as are https, IPv6, user info, a query.
 * Returns 0, or -1 with a one-line message in err. */
int al_target_parse(const char *url, struct al_target *t, char *err, size_t errlen);

#endif
