/* The kernel-TCP path as calibrate's probes build it (net_calib_emu.c):
 * two namespaces, the packet emulator between them, a server for each
 * of the emulator probe's page sizes.  Internal to net/net_calib*.c. */
#ifndef NET_CALIB_EMU_H
#define NET_CALIB_EMU_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "net/net_ns.h"

#define EMU_SIZES 3
#define EMU_WAIT_MS 5000     /* a step silent this long is stuck: no figure */

struct emu_path {
	struct net_ns ns;
	struct net_emu_shared *sh;   /* the emulator's counters */
	pid_t emu, srv[EMU_SIZES];
	int port[EMU_SIZES];
	clockid_t clock;             /* the emulator's CPU */
	clockid_t srv_clock[EMU_SIZES]; /* each server's CPU */
};

/* Builds p over a round trip of rtt_ns: 0, or -1 with errno (the
 * emulator child's, as EPERM where namespaces are refused) and nothing
 * left running. */
int net_calib_path_open(struct emu_path *p, int64_t rtt_ns);
/* Stops p's servers and emulator and closes its namespaces. */
void net_calib_path_close(struct emu_path *p);

#endif
