/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_UP_STEPS_H
#define NSFAST_UP_STEPS_H

/* Shared by the steps of `nsfast up` (up.c: namespaces, links, routes,
 * the engine; up_switch.c: bridges, afxdp host ports and daemons, SNAT). */

#include <stdbool.h>

#include <sys/types.h>

#include "lab.h"
#include "nft.h"
#include "topo.h"

#define SW_ARGS_PORTS SWITCH_PORTS_MAX

/* What this run changed in place and a rollback puts back: a daemon it
 * restarted (sw, its old command line), a table it replaced, a host
 * route of the lab's it replaced (dst, as it was, with its journal
 * line, which the new route's took the place of). */
struct up_restore {
	char sw[32];
	char *args;
	size_t len;
	char table[64];
	struct nft_bridge masq;
	bool route;
	struct addr dst;
	struct route_seen old;
	char line[2 * ADDR_STRLEN + IFNAMSIZ + 16];
};

/* An address up gave an interface (add_addrs): one that stays. */
struct up_addr_want {
	char ns[32]; /* "-": the host */
	int ifindex;
	struct addr a;
};

struct up {
	struct topo *t;
	struct lab lab;
	int changes;
	int pruned_failed; /* of what the file no longer has, what stays */
	int pruned; /* of what the file no longer has, what went */
	int remade; /* made again, its journal line older than this run */
	struct up_addr_want *wants;
	int nwants, wantcap;
	bool wants_lost; /* one could not be recorded: no address goes */
	bool had; /* the lab had objects before this run: some may be stale */
	int step;
	int step_changes; /* changes when the step began (-v says what it made) */
	int fault_step; /* NSFAST_FAULT_STEP: fail at this step (tests) */
	int delay_ms; /* NSFAST_STEP_DELAY_MS: widen the window for signals (tests) */
	char what[256];
	char detail[320];
	bool detail_is_cause; /* the daemon's own error: no errno to print */
	int line; /* of the statement being brought up, for the error; 0: none */
	struct up_restore *restore;
	int nrestore;
};

/* Journal a switch daemon as soon as it exists ("daemon SW PID"), for
 * switchd_start: a crash of up while it starts still leaves down a
 * process to stop. */
struct up_daemon_ctx {
	struct up *u;
	const char *sw;
};
int up_daemon_started(pid_t pid, void *arg);
/* Remember what to put back (up_restore.c), put it back, forget it. */
int up_restore_daemon(struct up *u, const char *sw, pid_t pid);
int up_restore_nft(struct up *u, const char *table, const struct nft_bridge *old);
int up_restore_route(struct up *u, const struct addr *dst, const struct route_seen *old);
/* The journal line of the route up_restore_route put last, which the
 * new one's replaced: back with it. */
int up_restore_route_line(struct up *u, const char *line);
void up_restore_all(struct up *u);
void up_restore_free(struct up *u);

/* Name the next step; where interrupts and injected faults take effect. */
int step(struct up *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A refusal that says it all: detail from fmt, no errno text; err. */
int refuse(struct up *u, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Add the kernel's extended-ack text to the step's detail. */
int kernel_err(struct up *u, int err);
/* A host-side interface must be ours (journaled) or absent. */
int check_owned(struct up *u, struct nl *nl, const char *ns, const char *name, bool *exists);
/* addrs onto ifname, in namespace ns ("-": the host), whose nl it is;
 * each recorded as wanted (up_prune). */
int add_addrs(struct up *u, struct nl *nl, const char *ns, const char *ifname,
	      const struct addr *addrs, int n);
/* Refuse before changing anything (up_preflight.c): 0, or the error,
 * said at the file's line. */
int up_preflight(struct up *u);
/* What the file no longer has goes (up_prune.c): what it no longer
 * names, before the other steps; what else no step found, and the
 * addresses and routes of what stays, last. */
int up_prune_named(struct up *u);
int up_prune(struct up *u);
/* An existing interface that the file gives IPv6 addresses (of addrs),
 * on which IPv6 was turned off by hand (the addresses went with it): on
 * again, or adding them fails with EPERM. A missing sysctl (IPv6 off in
 * the kernel, or an MTU below 1280, which check refuses with IPv6) is
 * left to that add. fd: the namespace's (-1: the host), ns its name. */
int up_ipv6_on(struct up *u, int fd, const char *ns, const char *ifname,
	       const struct addr *addrs, int n);
/* The netlink socket of namespace ns (NS_HOST: the host's), its fd in
 * *fd when fd is not NULL. */
struct nl *up_ns_nl(struct up *u, int ns, int *fd);
/* A namespace's name in the journal: "-" for the host. */
static inline const char *ns_sys(const struct topo *t, int ns)
{
	return ns == NS_HOST ? "-" : t->ns[ns].sysname;
}
/* One veth pair of the file (up_link.c). */
int up_link(struct up *u, struct link *l);
/* The userspace switch a link belongs to, as a port or as its uplink
 * (the lab's veth whose host end it is), if that switch is up (its
 * journal line): NULL otherwise. *end: the link's end in the host. */
const struct sw *link_daemon_switch(const struct up *u, const struct link *l, const char **end);
/* A host interface into its namespace (up_move.c), and the refusals
 * before any change: gone, with addresses, the default route's, a
 * bridge's port. */
int up_move(struct up *u, struct link *l);
int up_preflight_moves(struct up *u);
/* One route of the file (up_route.c); all of them, each at its line. */
int up_route(struct up *u, struct route *r);
int up_routes(struct up *u);
/* Refuse, before any change, a host address of the file that another
 * host interface has (up_addrs.c). */
int up_preflight_addrs(struct up *u);
/* The MTU a link is made with: the file's, else the kernel's default. */
int link_mtu(const struct link *l);
/* An interface that exists takes mtu (0: 1500, the kernel's default) and
 * mac (NULL: left as it is), a step when either differs. ns: its
 * namespace's name, for the step. */
int up_link_set(struct up *u, struct nl *nl, const char *ns, const char *ifname, int mtu,
		const uint8_t *mac);
/* up_link_set on both ends of a pair, at one MTU; if the second end
 * fails, the first is put back as it was (a pair whose ends differ
 * drops what the larger sends). */
int up_pair_set(struct up *u, struct nl *nl[2], const char *ns[2], const char *ifname[2], int mtu,
		const uint8_t *mac[2]);
/* Journal line before making what it names (a kill -9 between the two
 * must not leave something no journal knows; undoing what is not there
 * passes): *added, whether the line is new, for up_unjournal, which
 * takes it back when the making fails. */
int up_journal(struct up *u, const char *line, bool *added);
void up_unjournal(struct up *u, bool added);
/* Once made: a change, and, when its line was there already (made
 * again after it was deleted outside nsfast), one a rollback keeps. */
void up_made(struct up *u, bool added);
/* Create a veth pair, journaled as line first: a pair the kernel made
 * before a kill -9 let up write its line would be known to nothing (a
 * journaled pair that is not there, down passes over). If the kernel
 * refuses, the line goes again, so a rollback deletes nobody else's. */
int up_veth_add(struct up *u, struct nl *nl, const struct veth_end *a,
		const struct veth_end *b, const char *line);

int up_switch(struct up *u, struct sw *sw);
int up_port_quiet(struct up *u, const char *ifname);
int up_port_untag(struct up *u, int netns_fd, const char *ns, const char *ifname);
int up_port_fast(struct up *u, int netns_fd, const char *ns, const char *ifname);
int up_port_slow(struct up *u, struct sw *sw, const char slow[2][IFNAMSIZ], int mtu);
int up_daemon(struct up *u, struct sw *sw);
/* A switch's nftables table, which up_switch makes: a kernel switch's
 * with an IPv4 address on its bridge (the host could route for it) or
 * SNAT, any other's with an IPv4 address on its host port. */
bool up_switch_table_wanted(const struct sw *sw);
/* A kernel SNAT switch's IPv4 forwarding in the host, once its table is. */
int up_kernel_forward(struct up *u, struct sw *sw);

#endif
