/* The --target URL: a small, strict parser (the crawler speaks HTTP/1.0 in
 * the clear to one IPv4 host), then getaddrinfo for the name. */
#include "net/net_target.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/al_units.h"

static int host_char(int c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_';
}

int al_target_parse(const char *url, struct al_target *t, char *err, size_t errlen)
{
	const char *p = url, *host, *end;
	char name[100];              /* room left in host for ":65535" */
	long port = 80;

	memset(t, 0, sizeof *t);
	if (strncmp(p, "https://", 8) == 0)
		return al_errf(err, errlen, "--target: https is not supported (the crawler speaks "
			    "HTTP/1.0 in the clear): use http://");
	if (strncmp(p, "http://", 7) == 0)
		p += 7;
	else if (strstr(p, "://"))
		return al_errf(err, errlen, "--target: '%s': only http:// URLs can be crawled", url);
	if (*p == '[')
		return al_errf(err, errlen, "--target: '%s': IPv6 addresses are not supported", url);
	/* user:password@ comes before the host, and may hold ':' */
	const char *auth = strchr(p, '@');
	if (auth && (!strchr(p, '/') || auth < strchr(p, '/')))
		return al_errf(err, errlen, "--target: '%s': user names and passwords "
			    "(user:pw@) are not supported", url);
	host = p;
	while (host_char((unsigned char)*p))
		p++;
	end = p;
	if (end == host)
		return al_errf(err, errlen, "--target: '%s': no host", url);
	if ((size_t)(end - host) >= sizeof name)
		return al_errf(err, errlen, "--target: '%s': the host name is too long", url);
	if (*p == ':') {
		char *q;
		p++;
		if (!isdigit((unsigned char)*p))
			return al_errf(err, errlen, "--target: '%s': the port must be a number", url);
		port = strtol(p, &q, 10);
		if (port < 1 || port > 65535 || q - p > 5)
			return al_errf(err, errlen, "--target: '%s': port %.*s is not in 1-65535", url,
				    (int)(q - p), p);
		p = q;
	}
	if (*p == '/')
		p++;
	if (*p)
		return al_errf(err, errlen, "--target: '%s': give the server's root (the pages are "
			    "/, /1, /2, ...), not '%s'", url, p - (p[-1] == '/'));
	memcpy(name, host, (size_t)(end - host));
	name[end - host] = '\0';

	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL;
	int r = getaddrinfo(name, NULL, &hints, &ai);
	if (r != 0 || !ai)
		return al_errf(err, errlen, "--target: cannot resolve '%s': %s", name,
			    r ? gai_strerror(r) : "no IPv4 address");
	t->addr = *(const struct sockaddr_in *)(const void *)ai->ai_addr;
	t->addr.sin_port = htons((uint16_t)port);
	freeaddrinfo(ai);
	if (port == 80)
		snprintf(t->host, sizeof t->host, "%s", name);
	else
		snprintf(t->host, sizeof t->host, "%s:%ld", name, port);
	return 0;
}
