/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_NL_H
#define NSFAST_NL_H

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* An rtnetlink socket bound inside one network namespace. */
struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	char *buf;
};

/* The kernel's extended-ack text for the last failed request ("" if it
 * gave none): callers add it to the one error line they print. */
extern char nl_errmsg[256];

int nl_open(struct nl *nl, int netns_fd);
void nl_close(struct nl *nl);
struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags);
int nl_request(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

struct link_state {
	int ifindex;
	unsigned int flags;
	int mtu;
	int master;
	int tx_queues; /* allocated, not only in use (veth: one a possible CPU) */
	int group; /* IFLA_GROUP, 0 the default */
	int peer; /* IFLA_LINK: a veth's other end (a VLAN's lower device), 0: none */
	bool peer_here; /* that end is in this namespace (no IFLA_LINK_NETNSID) */
	uint8_t mac[6];
	char name[IFNAMSIZ];
	char kind[16];
	struct rtnl_link_stats64 stats;
	bool has_stats;
};

struct veth_end {
	const char *name;
	int netns_fd; /* -1: the socket's namespace */
	int mtu; /* 0: default */
	const uint8_t *mac; /* NULL: random */
	int master; /* ifindex of a bridge, 0: none */
};

int nl_link_get(struct nl *nl, const char *name, struct link_state *ls);
int nl_link_dump(struct nl *nl, int (*fn)(const struct link_state *, void *), void *data);
int nl_veth_add(struct nl *nl, const struct veth_end *a, const struct veth_end *b);
/* mac: NULL for the kernel's (the lowest of its ports', which changes
 * with them). */
int nl_bridge_add(struct nl *nl, const char *name, const uint8_t *mac);
int nl_link_set_up(struct nl *nl, int ifindex);
int nl_link_set_up_name(struct nl *nl, const char *name);
/* What is given: mtu (0: left as it is), mac (NULL: left). */
int nl_link_set(struct nl *nl, int ifindex, int mtu, const uint8_t *mac);
/* Move the interface into the namespace of netns_fd (its name kept). */
int nl_link_set_netns(struct nl *nl, int ifindex, int netns_fd);
int nl_link_set_master(struct nl *nl, int ifindex, int master);
int nl_link_del(struct nl *nl, const char *name);
int nl_link_set_group(struct nl *nl, int ifindex, int group);
/* Every link of the group (not 0) in one request: the kernel waits out
 * its RCU grace periods once for all of them (-ENODEV: none has it). */
int nl_link_del_group(struct nl *nl, int group);

/* The namespace's forwarding of family (AF_INET: ip_forward; AF_INET6:
 * conf/all/forwarding): 0 or 1, or -errno. */
int nl_forwarding(struct nl *nl, int family);

struct addr_entry {
	int ifindex;
	struct addr addr;
	uint8_t proto; /* IFA_PROTO; 0 when the kernel says none */
};

/* The IFA_PROTO of the addresses nsfast adds: the ones up may remove
 * again when the file no longer gives them; one added by hand has
 * none. Not one of the kernel's own (IFAPROT_*, 0-3). */
#define NSFAST_ADDR_PROTO 0x6e

int nl_addr_add(struct nl *nl, int ifindex, const struct addr *a);
int nl_addr_del(struct nl *nl, int ifindex, const struct addr *a);
/* Interface ifindex's address a (by the address, whatever its prefix
 * length): 0 and *e, -ENOENT, or -errno. */
int nl_addr_get(struct nl *nl, int ifindex, const struct addr *a, struct addr_entry *e);
int nl_addr_dump(struct nl *nl, int (*fn)(const struct addr_entry *, void *), void *data);
/* An address of interface ifindex, of family (0: any), IPv6 link-local
 * aside (every IPv6 link has one): 0 and *found (found may be NULL),
 * -ENOENT, or -errno. */
int nl_addr_on(struct nl *nl, int ifindex, int family, struct addr *found);

int nl_route_add(struct nl *nl, const struct addr *dst, const struct addr *gw,
		 int oif);
int nl_route_del(struct nl *nl, const struct addr *dst, const struct addr *gw,
		 int oif);
int nl_route_replace(struct nl *nl, const struct addr *dst, const struct addr *gw, int oif);
/* The main table's first unicast route to exactly dst (its prefix),
 * through oif (0: any), with a gateway if need_gw: 0, or -ENOENT. */
struct route_seen {
	bool has_gw;
	struct addr gw;
	int oif;
};
int nl_route_find(struct nl *nl, const struct addr *dst, int oif, bool need_gw,
		  struct route_seen *seen);
/* Every unicast route of the main table of one family, to fn, until it
 * returns non-zero. */
struct route_entry {
	struct addr dst, gw;
	bool has_gw;
	int oif; /* 0 for a multipath route */
	uint8_t protocol; /* rtm_protocol: nsfast's are RTPROT_STATIC */
	const struct nlattr *multipath; /* its RTA_MULTIPATH, during fn only */
};
int nl_route_dump(struct nl *nl, int family, int (*fn)(const struct route_entry *, void *),
		  void *data);
/* The device the kernel sends a packet to address to through (as
 * `ip route get`): 0, -ENETUNREACH and the like, or -ENOENT. */
int nl_route_get_oif(struct nl *nl, const struct addr *to, int *oif);
/* Does r go out through ifindex: its device, or one of its nexthops'? */
bool nl_route_uses_dev(const struct route_entry *r, int ifindex);

/* The kind of interface ifindex's root qdisc in kind ("" when the dump
 * shows none, as for a device never brought up): 0, or -errno. */
int nl_qdisc_root_kind(struct nl *nl, int ifindex, char *kind, size_t n);
/* A root qdisc of kind, without options, where the kernel's default is:
 * 0, -EEXIST when someone else's is there, or -errno. */
int nl_qdisc_root_add(struct nl *nl, int ifindex, const char *kind);

int nl_neigh_get(struct nl *nl, int ifindex, const uint8_t ip[4], uint8_t mac[6]);
int nl_neigh_resolve(struct nl *nl, int ifindex, const uint8_t ip[4]);
/* The gateway of the IPv4 default route through oif in the main table:
 * 0, or -ENOENT when the host has none through that interface. */
int nl_route_default_via(struct nl *nl, int oif, struct addr *gw);

#endif
