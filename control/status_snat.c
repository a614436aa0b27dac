/* SPDX-License-Identifier: MIT */
/* status of a switch's nftables table: a kernel switch's SNAT, which the
 * host's netfilter does (the comment up wrote: subnet, bridge, uplink,
 * ports; the counters of its "unsolicited" and "confined" drops, and the
 * host's conntrack entries it translated, /proc/net/nf_conntrack), or
 * without SNAT its confinement alone (comment: the bridge or host port;
 * "confined" drops). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "nft.h"
#include "nl.h"
#include "status_snat.h"

struct snat_table {
	struct nft_bridge m;
	unsigned long long dropped, confined, held;
};

/* The sum of the counters of the rules of text that drop with comment. */
static unsigned long long drops(const char *text, const char *comment)
{
	unsigned long long sum = 0, n;
	char want[64];
	const char *line;

	snprintf(want, sizeof(want), "drop comment \"%s\"", comment);
	for (line = text; line; line = strchr(line + 1, '\n')) {
		const char *end = strchr(line + 1, '\n'), *p = strstr(line, "packets ");
		const char *d = strstr(line, want);

		if (p && d && (!end || (p < end && d < end)) && sscanf(p, "packets %llu", &n) == 1)
			sum += n;
	}
	return sum;
}

/* The table: what its comment says, and its drop counters. */
static int read_table(const char *name, struct snat_table *t)
{
	static char text[16384];
	int err;

	if ((err = nft_table_text(name, text, sizeof(text))) || (err = nft_bridge_parse(text, &t->m)))
		return err;
	t->dropped = drops(text, "unsolicited");
	t->confined = drops(text, "confined");
	t->held = drops(text, "held");
	return 0;
}

/* One /proc/net/nf_conntrack line, IPv4 only: the original direction's
 * and the reply's addresses, ports (ICMP: ids) and the TCP state. */
struct ct {
	char proto[8], state[16];
	char src[2][16], dst[2][16];
	unsigned int sport[2], dport[2];
	unsigned long timeout;
};

static bool ct_parse(char *line, struct ct *c)
{
	char *tok, *save = NULL;
	int word = 0, dir = -1;

	memset(c, 0, sizeof(*c));
	for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save), word++) {
		char *eq = strchr(tok, '=');

		if (word == 0 && strcmp(tok, "ipv4"))
			return false;
		if (word == 2)
			snprintf(c->proto, sizeof(c->proto), "%s", tok);
		if (word == 4)
			c->timeout = strtoul(tok, NULL, 10);
		if (word == 5 && !eq && tok[0] != '[')
			snprintf(c->state, sizeof(c->state), "%s", tok);
		if (!eq)
			continue;
		*eq = '\0';
		if (!strcmp(tok, "src") && ++dir > 1)
			break;
		if (dir < 0)
			continue;
		if (!strcmp(tok, "src"))
			snprintf(c->src[dir], sizeof(c->src[dir]), "%s", eq + 1);
		else if (!strcmp(tok, "dst"))
			snprintf(c->dst[dir], sizeof(c->dst[dir]), "%s", eq + 1);
		else if (!strcmp(tok, "sport") || (!strcmp(tok, "id") && dir == 0))
			c->sport[dir] = (unsigned int)strtoul(eq + 1, NULL, 10);
		else if (!strcmp(tok, "dport") || (!strcmp(tok, "id") && dir == 1))
			c->dport[dir] = (unsigned int)strtoul(eq + 1, NULL, 10);
	}
	return dir >= 1 && c->proto[0];
}

/* The uplink's IPv4 addresses, what its replies go to. */
struct uplink_addrs {
	struct in_addr a[8];
	int n;
};

struct uplink_walk {
	int ifindex;
	struct uplink_addrs *u;
};

static int uplink_addr_one(const struct addr_entry *e, void *data)
{
	struct uplink_walk *w = data;

	if (e->ifindex == w->ifindex && e->addr.family == AF_INET && w->u->n < 8)
		memcpy(&w->u->a[w->u->n++], e->addr.bytes, 4);
	return 0;
}

/* Over nsfast's own netlink, not getifaddrs(): glibc's reads a dump into
 * 4 KiB, which a link of a larger message cuts short, and then finds
 * addresses of links it did not see and starts over, for ever. */
static void uplink_addrs(const char *ifname, struct uplink_addrs *u)
{
	struct uplink_walk w = { (int)if_nametoindex(ifname), u };
	struct nl nl;

	u->n = 0;
	if (!w.ifindex || nl_open(&nl, -1))
		return;
	nl_addr_dump(&nl, uplink_addr_one, &w);
	nl_close(&nl);
}

/* Translated by this switch: from its subnet, the reply to its uplink's
 * address, and for TCP and UDP to a port of its range (a connection of
 * the subnet that another rule translated, out of another interface,
 * is not its). */
static bool ct_ours(const struct ct *c, const struct nft_bridge *m, const struct addr *net,
		    const struct uplink_addrs *up)
{
	struct in_addr to;
	struct addr a;

	if (addr_parse_host(c->src[0], &a) || !addr_in_subnet(&a, net) ||
	    inet_pton(AF_INET, c->dst[1], &to) != 1)
		return false;
	if (strcmp(c->proto, "icmp") && (c->dport[1] < m->pmin || c->dport[1] > m->pmax))
		return false;
	for (int i = 0; i < up->n; i++)
		if (up->a[i].s_addr == to.s_addr)
			return true;
	return false;
}

static void ct_print(const struct ct *c, bool json, bool first, FILE *f)
{
	/* ICMP's remote has no port: 0, as the userspace switches say. */
	unsigned int rport = strcmp(c->proto, "icmp") ? c->dport[0] : 0;

	if (json)
		fprintf(f, "%s{\"proto\":\"%s\",\"inside\":\"%s:%u\",\"outside\":%u,\"remote\":\"%s:%u\","
			   "\"state\":\"%s\",\"timeout_s\":%lu}",
			first ? "" : ",", c->proto, c->src[0], c->sport[0], c->dport[1], c->dst[0], rport,
			c->state[0] ? c->state : "-", c->timeout);
	else
		fprintf(f, "    %-4s %s:%u -> :%u -> %s:%u  %-11s expires in %lu s\n", c->proto,
			c->src[0], c->sport[0], c->dport[1], c->dst[0], rport,
			c->state[0] ? c->state : "-", c->timeout);
}

/* The entries of ct this switch translated: counted, or printed. */
static int ct_walk(FILE *ct, const struct nft_bridge *m, const struct addr *net, bool print, bool json,
		   FILE *f)
{
	struct uplink_addrs up;

	char line[512];
	struct ct c;
	int n = 0;

	uplink_addrs(m->oif, &up);
	rewind(ct);
	while (fgets(line, sizeof(line), ct))
		if (ct_parse(line, &c) && ct_ours(&c, m, net, &up)) {
			if (print)
				ct_print(&c, json, n == 0, f);
			n++;
		}
	return n;
}

int status_switch_table(const char *lab, const char *sw, bool kernel, bool json, bool table,
			FILE *f)
{
	char name[64], conns[48];
	struct snat_table t;
	struct addr net;
	int n, err;
	FILE *ct;

	snprintf(name, sizeof(name), "nsfast-%s-%s", lab, sw);
	if ((err = read_table(name, &t)))
		return err;
	/* no SNAT, or a userspace switch's: the confinement, if any */
	if ((!t.m.oif[0] || !t.m.subnet[0]) && strcmp(t.m.bridge, "-")) {
		if (json)
			fprintf(f, ",\"confined\":{\"dropped\":%llu}", t.confined);
		else
			fprintf(f, "  confined to its %s (nftables table %s): %llu forwarded packets dropped\n",
				kernel ? "bridge" : "host port", name, t.confined);
	}
	if (t.m.oif[0] && !t.m.subnet[0]) { /* a userspace switch's NAT ports */
		if (json)
			fprintf(f, ",\"held\":{\"uplink\":\"%s\",\"ports\":\"%u-%u\",\"dropped\":%llu}",
				t.m.oif, t.m.pmin, t.m.pmax, t.held);
		else
			fprintf(f, "  NAT ports %u-%u held on %s while no daemon runs (nftables table %s): %llu packets dropped\n",
				t.m.pmin, t.m.pmax, t.m.oif, name, t.held);
	}
	if (!t.m.oif[0] || !t.m.subnet[0])
		return 0;
	if (addr_parse_cidr(t.m.subnet, &net))
		return -EPROTO;
	/* Without it (no conntrack procfs), the table's figures alone. */
	ct = fopen("/proc/net/nf_conntrack", "re");
	n = ct ? ct_walk(ct, &t.m, &net, false, json, f) : -1;
	if (json) {
		fprintf(f, ",\"snat\":{\"subnet\":\"%s\",\"uplink\":\"%s\",\"ports\":\"%u-%u\","
			   "\"connections\":%d,\"unsolicited_dropped\":%llu,\"confined_dropped\":%llu",
			t.m.subnet, t.m.oif, t.m.pmin, t.m.pmax, n, t.dropped, t.confined);
		if (table && ct) {
			fprintf(f, ",\"table\":[");
			ct_walk(ct, &t.m, &net, true, json, f);
			fprintf(f, "]");
		}
		fprintf(f, "}");
	} else {
		if (ct)
			snprintf(conns, sizeof(conns), "%d connection%s", n, n == 1 ? "" : "s");
		else
			snprintf(conns, sizeof(conns), "connections unknown (no /proc/net/nf_conntrack)");
		fprintf(f, "  snat of %s via %s ports %u-%u: %s; dropped: %llu unsolicited, %llu confined\n",
			t.m.subnet, t.m.oif, t.m.pmin, t.m.pmax, conns, t.dropped, t.confined);
		if (table && ct)
			ct_walk(ct, &t.m, &net, true, json, f);
	}
	if (ct)
		fclose(ct);
	return 0;
}
