/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_TOPO_H
#define NSFAST_TOPO_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"
#include "xdp_mtu.h"

#define LAB_NAME_MAX 8 /* leaves room in 15-char interface names */
#define NAME_MAX_LEN 15
#define IF_ADDRS_MAX 8
/* Ports of one switch, the host port included: the daemon's
 * SW_PORTS_MAX, and for a bridge the kernel's BR_MAX_PORTS less port
 * number 0, which it never hands out. */
#define SWITCH_PORTS_MAX 256
#define BRIDGE_PORTS_MAX 1023
#define NS_HOST (-1) /* the namespace nsfast runs in */

enum dataplane { DP_KERNEL = 0, DP_AFXDP, DP_XDP, DP_TC };

/* One end of a veth pair that nsfast creates. */
struct endpoint {
	char nsname[NAME_MAX_LEN + 1]; /* as written; resolved by validate */
	int ns; /* index into topo.ns, or NS_HOST */
	char ifname[IFNAMSIZ]; /* name inside its namespace, as written */
	char sysname[IFNAMSIZ]; /* the kernel's name: LAB-prefixed in the host */
	struct addr addrs[IF_ADDRS_MAX];
	int naddrs;
	uint8_t mac[6];
	bool has_mac;
	int mtu; /* 0: kernel default */
};

enum link_kind {
	LINK_SWITCH, /* ns end (a) <-> switch port in the host (b) */
	LINK_VETH, /* ns<->ns or ns<->host */
	LINK_MOVE, /* a host interface (b) moved into a namespace (a), same name */
};

struct link {
	enum link_kind kind;
	struct endpoint a, b;
	char swname[NAME_MAX_LEN + 1]; /* LINK_SWITCH, as written */
	int sw; /* LINK_SWITCH: index into topo.sw, resolved by validate */
	char slow[2][IFNAMSIZ]; /* dataplane tc: the port's slow-path pair, near end first */
	int line;
};

struct route {
	int ns; /* index, or NS_HOST */
	struct addr dst;
	struct addr gw;
	bool has_gw;
	char dev[IFNAMSIZ]; /* name in the namespace, "" if none */
	int line;
};

struct sw {
	char name[NAME_MAX_LEN + 1];
	char ifname[IFNAMSIZ]; /* kernel: the bridge; afxdp: the host port's host end */
	char hostport[IFNAMSIZ]; /* afxdp: the host port's switch end */
	char hostslow[2][IFNAMSIZ]; /* dataplane tc: the host port's slow-path pair */
	char upslow[2][IFNAMSIZ]; /* dataplane tc with SNAT: the uplink's */
	enum dataplane dp;
	struct addr gateway[2]; /* at most one IPv4 and one IPv6 */
	int ngateway;
	struct addr host[2];
	int nhost;
	int gateway_line[2], host_line[2]; /* where each was given */
	char uplink[IFNAMSIZ]; /* system name of the uplink, "" if none */
	bool snat;
	uint16_t nat_port_min, nat_port_max; /* external ports / ICMP ids */
	struct addr uplink_via; /* next hop beyond the uplink, if given */
	bool has_via;
	uint32_t nat_table; /* afxdp: max connections */
	int nat_timeout_udp, nat_timeout_icmp, nat_timeout_tcp; /* s, 0 = default */
	int ageing; /* seconds */
	int line, uplink_line;
	/* Where a key that takes one value was given (0: not yet), so that a
	 * second one is an error rather than a silent winner. */
	int dataplane_line, ageing_line, nat_table_line, nat_timeout_line[3];
	bool ports_new; /* up: a port was (re)created, a running daemon must rebind */
};

struct ns {
	char name[NAME_MAX_LEN + 1]; /* as written in the file */
	char sysname[NAME_MAX_LEN + 1 + LAB_NAME_MAX + 1]; /* LAB-NAME */
	bool forward;
	int line, forward_line; /* forward_line: 0 until given */
};

struct topo {
	char file[4096]; /* as given: PATH_MAX */
	char lab[LAB_NAME_MAX + 1];
	int lab_line;
	struct ns *ns;
	int nns;
	struct sw *sw;
	int nsw;
	struct link *links;
	int nlinks;
	struct route *routes;
	int nroutes;
	bool dp_forced; /* every switch's dataplane is --dataplane's, not the file's */
};

/* Parse and validate: on error print "FILE:LINE: message" for every
 * problem found (up to a limit) and return -EINVAL. lab_override, when
 * set, replaces the file's lab name (tests use it for per-run names);
 * dp_override, when set, every switch's dataplane (before validation,
 * which depends on it). */
int topo_load(const char *path, const char *lab_override, const enum dataplane *dp_override,
	      struct topo *t);
int topo_parse(const char *path, const char *text, struct topo *t);
/* Only FILE's lab name, for down: its other lines may be anything (an
 * edit since up must not keep a lab from coming down). */
int topo_lab_of(const char *path, char lab[LAB_NAME_MAX + 1]);
int topo_validate(struct topo *t);
void topo_free(struct topo *t);

const char *dataplane_name(enum dataplane dp);
/* "kernel", "afxdp", "xdp" or "tc": 0 and *dp, or -EINVAL. */
int dataplane_parse(const char *name, enum dataplane *dp);
/* afxdp and xdp attach XDP to the uplink itself, so its MTU is bounded
 * by XDP_MTU_MAX; tc keeps XDP on the uplink's slow-path pair. */
static inline bool dataplane_xdp_on_uplink(enum dataplane dp)
{
	return dp == DP_XDP || dp == DP_AFXDP;
}
/* afxdp and xdp read every port with XDP, which does not see a VLAN tag
 * that veth hands over beside the frame: their ports' far ends must
 * write tags into their frames (up_port_untag). */
static inline bool dataplane_ports_xdp(enum dataplane dp)
{
	return dp == DP_XDP || dp == DP_AFXDP;
}
const char *topo_ns_name(const struct topo *t, int ns);
/* The veth of the file whose host end is sw's uplink, and (peer, may be
 * NULL) its other end; NULL when the uplink is no veth of the file. */
const struct link *topo_uplink_veth(const struct topo *t, const struct sw *sw,
				    const struct endpoint **peer);
int topo_find_ns(const struct topo *t, const char *name);
int topo_find_sw(const struct topo *t, const char *name);
bool lab_name_valid(const char *name); /* down and status: any lab ever made */
bool lab_name_new_valid(const char *name); /* up and check: no '-' */
/* Is name one of lab's making? Everything a lab makes in the host, and
 * its namespaces, are named "LAB-...". */
static inline bool lab_named(const char *lab, const char *name)
{
	size_t n = strlen(lab);

	return !strncmp(name, lab, n) && name[n] == '-';
}

/* Shared by parse and validate: print "FILE:LINE: ..." to stderr, at
 * most ERRORS_MAX (20) times until the next topo_error_reset(). */
void topo_error_reset(void);
void topo_error(const struct topo *t, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
