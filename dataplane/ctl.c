/* SPDX-License-Identifier: MIT */
/* The daemon's control socket: `nsfast status` connects, writes "json"
 * or "text", and reads the switch's ports, counters and FDB until EOF;
 * `nsfast up` writes "ping" to see that it answers. */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fast_path.h"
#include "gw_reasm.h"
#include "map_walk.h"
#include "nat.h"
#include "switch.h"
#include "tc_path.h"
#include "uplink_steer.skel.h"
#include "xsk_steer.skel.h"

/* A report grows as it needs, up to REPORT_MAX (a NAT table of about
 * 600k connections in JSON); past it, the report is cut. The control
 * path, never the frames': it may allocate. */
#define REPORT_MAX (64u << 20)

struct out {
	char *buf;
	size_t len, cap;
	bool cut; /* REPORT_MAX reached, or no memory: the rest is lost */
};

__attribute__((format(printf, 2, 3))) static void out(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	while (!o->cut) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		size_t cap = o->cap * 2;
		char *grown = cap <= REPORT_MAX ? realloc(o->buf, cap) : NULL;

		if (!grown) {
			o->cut = true;
			o->buf[o->len] = '\0';
			return;
		}
		o->buf = grown;
		o->cap = cap;
	}
}

/* xdp_rx: the frames the programs sent to the switch's sockets, the
 * ports' (STEER_RX of xsk_steer, on tc on the slow-path ends) and the
 * uplink's (UP_TO_SWITCH of uplink_steer, or on tc of tc_uplink_in);
 * xdp_no_port: those dropped as from a device that is no port. */
static void steer_totals(struct sw *sw, uint64_t tot[2])
{
	uint64_t up = 0;
	uint32_t k;

	tot[0] = tot[1] = 0;
	if (!sw->skel)
		return;
	for (k = STEER_RX; k <= STEER_NO_PORT; k++)
		map_percpu_sum(bpf_map__fd(sw->skel->maps.steer_stats), k, &tot[k], 1);
	if (sw->up_skel)
		map_percpu_sum(bpf_map__fd(sw->up_skel->maps.uplink_stats), UP_TO_SWITCH, &up, 1);
	tot[0] += up;
	tot[1] += tc_path_no_port(sw); /* dataplane tc's, on its devices */
}

/* What the kernel reports for the port, not what we asked for; "gone"
 * when the port's own device was deleted (by hand: the socket's, on
 * tc a slow-path end, may well be there still). */
static const char *xdp_mode(const struct port *p)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int dev = p->fast_ifindex ? p->fast_ifindex : p->ifindex;
	char name[IF_NAMESIZE];

	if (!if_indextoname((unsigned int)dev, name))
		return "gone";
	if (bpf_xdp_query(p->ifindex, 0, &q))
		return "unknown";
	switch (q.attach_mode) {
	case XDP_ATTACHED_DRV: return "native";
	case XDP_ATTACHED_SKB: return "generic";
	case XDP_ATTACHED_HW: return "offload";
	case XDP_ATTACHED_MULTI: return "multi";
	default: return "none";
	}
}

struct fdb_out {
	struct sw *sw;
	struct out *o;
	bool json;
	int n;
};

static int fdb_entry(const uint8_t m[6], uint16_t port, uint64_t idle, void *arg)
{
	struct fdb_out *f = arg;
	const char *name = port < f->sw->nports ? f->sw->ports[port].name : "?";

	if (f->json)
		out(f->o, "%s{\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\",\"port\":\"%s\",\"idle_ms\":%llu}",
		    f->n ? "," : "", m[0], m[1], m[2], m[3], m[4], m[5], name,
		    (unsigned long long)(idle / 1000000));
	else
		out(f->o, "    %02x:%02x:%02x:%02x:%02x:%02x  %-15s idle %.1f s\n", m[0], m[1],
		    m[2], m[3], m[4], m[5], name, (double)idle / 1e9);
	f->n++;
	return f->o->cut;
}

struct nat_out {
	struct out *o;
	bool json;
	int n;
};

static int nat_entry(const struct nat_entry_view *e, void *arg)
{
	struct nat_out *f = arg;
	const char *proto = e->proto == 6 ? "tcp" : e->proto == 17 ? "udp" : "icmp";
	/* The time left, in whole seconds, as the kernel dataplane's
	 * conntrack gives it: its state's timeout less its idle time. */
	unsigned long long left =
		e->timeout_ns > e->idle_ns ? (e->timeout_ns - e->idle_ns) / 1000000000ull : 0;

	if (f->json)
		out(f->o, "%s{\"proto\":\"%s\",\"inside\":\"%u.%u.%u.%u:%u\",\"outside\":%u,"
			  "\"remote\":\"%u.%u.%u.%u:%u\",\"state\":\"%s\",\"idle_ms\":%llu,"
			  "\"timeout_s\":%llu,\"packets_out\":%llu,\"packets_in\":%llu}",
		    f->n ? "," : "", proto, e->int_ip[0], e->int_ip[1], e->int_ip[2], e->int_ip[3],
		    e->int_port, e->ext_port, e->rem_ip[0], e->rem_ip[1], e->rem_ip[2], e->rem_ip[3],
		    e->rem_port, e->state, (unsigned long long)(e->idle_ns / 1000000), left,
		    (unsigned long long)e->packets_out, (unsigned long long)e->packets_in);
	else
		out(f->o, "    %-4s %u.%u.%u.%u:%u -> :%u -> %u.%u.%u.%u:%u  %-11s expires in %llu s, "
			  "idle %.1f s, %llu out, %llu in\n",
		    proto, e->int_ip[0], e->int_ip[1], e->int_ip[2], e->int_ip[3], e->int_port,
		    e->ext_port, e->rem_ip[0], e->rem_ip[1], e->rem_ip[2], e->rem_ip[3], e->rem_port,
		    e->state, left, (double)e->idle_ns / 1e9, (unsigned long long)e->packets_out,
		    (unsigned long long)e->packets_in);
	f->n++;
	return f->o->cut;
}

/* The NAT's and the router's counters; the table itself with --nat. */
static void report_nat(struct sw *sw, struct out *o, bool json, bool table)
{
	const struct nat_stats *n = nat_stats(sw->nat);
	const struct rt_stats *r = &sw->rt.st;
	struct nat_out f = { o, json, 0 };

	if (json) {
		out(o, ",\"nat\":{\"uplink\":\"%s\",\"address\":\"%u.%u.%u.%u\",\"ports\":\"%u-%u\","
		       "\"size\":%u,\"entries\":%u,\"bytes_per_entry\":%zu,\"created\":%llu,"
		       "\"expired\":%llu,\"closed\":%llu,\"taken_closed\":%llu,\"kept\":%llu,"
		       "\"out_packets\":%llu,\"in_packets\":%llu,"
		       "\"icmp_errors_in\":%llu,\"drop_full\":%llu,\"drop_no_port\":%llu,"
		       "\"drop_no_match\":%llu,\"drop_bad\":%llu,\"drop_unsupported\":%llu,"
		       "\"frag_first\":%llu,\"frag_later\":%llu,\"drop_frag_no_first\":%llu,"
		       "\"port_probes\":%llu,"
		       "\"routed_out\":%llu,\"routed_in\":%llu,\"ttl_exceeded\":%llu,\"no_route\":%llu,"
		       "\"arp_held\":%llu,\"arp_timeout\":%llu,\"arp_overflow\":%llu,\"in_no_host\":%llu",
		    sw->cfg.uplink, sw->up_ip[0], sw->up_ip[1], sw->up_ip[2], sw->up_ip[3],
		    sw->cfg.nat_port_min, sw->cfg.nat_port_max, sw->cfg.nat_table, n->entries,
		    nat_bytes_per_entry(), (unsigned long long)n->created,
		    (unsigned long long)n->expired, (unsigned long long)n->closed,
		    (unsigned long long)n->taken_closed, (unsigned long long)n->kept,
		    (unsigned long long)n->out_packets, (unsigned long long)n->in_packets,
		    (unsigned long long)n->icmp_errors_in, (unsigned long long)n->drop_full,
		    (unsigned long long)n->drop_no_port, (unsigned long long)n->drop_no_match,
		    (unsigned long long)n->drop_bad, (unsigned long long)n->drop_unsupported,
		    (unsigned long long)n->frag_first, (unsigned long long)n->frag_later,
		    (unsigned long long)n->drop_frag_no_first, (unsigned long long)n->port_probes,
		    (unsigned long long)r->routed_out, (unsigned long long)r->routed_in,
		    (unsigned long long)r->ttl_exceeded, (unsigned long long)r->no_route,
		    (unsigned long long)r->arp_held, (unsigned long long)r->arp_timeout,
		    (unsigned long long)r->arp_overflow, (unsigned long long)r->in_no_host);
		if (sw->cfg.fast_nat)
			out(o, ",\"fast\":{\"installed_out\":%llu,\"installed_in\":%llu,\"removed\":%llu,"
			       "\"refreshed\":%llu,\"install_failed\":%llu,\"in_packets\":%llu,"
			       "\"followed_moves\":%llu,\"nexthop_changed\":%llu,\"rewrite_failed\":%llu}",
			    (unsigned long long)sw->nfst.installed_out,
			    (unsigned long long)sw->nfst.installed_in,
			    (unsigned long long)sw->nfst.removed, (unsigned long long)sw->nfst.refreshed,
			    (unsigned long long)sw->nfst.install_failed,
			    (unsigned long long)nat_fast_in_packets(sw),
			    (unsigned long long)sw->nfst.followed,
			    (unsigned long long)sw->nfst.nexthop_changed,
			    (unsigned long long)tc_path_rewrite_failed(sw));
		if (table) {
			out(o, ",\"table\":[");
			nat_foreach(sw->nat, now_ns(), nat_entry, &f);
			out(o, "]");
		}
		out(o, "}");
		return;
	}
	out(o, "  nat via %s %u.%u.%u.%u ports %u-%u: %u of %u connections (%zu B each), "
	       "%llu created, %llu kept from the daemon before, %llu expired, %llu closed "
	       "(%llu ports taken over)\n",
	    sw->cfg.uplink, sw->up_ip[0], sw->up_ip[1], sw->up_ip[2], sw->up_ip[3],
	    sw->cfg.nat_port_min, sw->cfg.nat_port_max, n->entries, sw->cfg.nat_table,
	    nat_bytes_per_entry(), (unsigned long long)n->created, (unsigned long long)n->kept,
	    (unsigned long long)n->expired, (unsigned long long)n->closed,
	    (unsigned long long)n->taken_closed);
	out(o, "    translated %llu out, %llu in (%llu ICMP errors); dropped: %llu table full, "
	       "%llu no port, %llu unsolicited, %llu bad, %llu unsupported\n",
	    (unsigned long long)n->out_packets, (unsigned long long)n->in_packets,
	    (unsigned long long)n->icmp_errors_in, (unsigned long long)n->drop_full,
	    (unsigned long long)n->drop_no_port, (unsigned long long)n->drop_no_match,
	    (unsigned long long)n->drop_bad, (unsigned long long)n->drop_unsupported);
	if (n->frag_first || n->frag_later || n->drop_frag_no_first)
		out(o, "    fragments: %llu first, %llu later translated; %llu later ones dropped: "
		       "no entry for their datagram (its first refused, not seen, or 30 s old)\n",
		    (unsigned long long)n->frag_first, (unsigned long long)n->frag_later,
		    (unsigned long long)n->drop_frag_no_first);
	if (sw->cfg.fast_nat)
		out(o, "    in %s: %llu connections installed out, %llu in, %llu removed, %llu kept "
		       "alive, %llu sent back to userspace after their MAC moved, %llu after "
		       "their next hop's changed; %llu packets translated in (out: the ports' %s "
		       "nat column), %llu dropped when a rewrite failed\n",
		    sw->cfg.tc_path ? "tc" : "XDP", (unsigned long long)sw->nfst.installed_out,
		    (unsigned long long)sw->nfst.installed_in, (unsigned long long)sw->nfst.removed,
		    (unsigned long long)sw->nfst.refreshed, (unsigned long long)sw->nfst.followed,
		    (unsigned long long)sw->nfst.nexthop_changed,
		    (unsigned long long)nat_fast_in_packets(sw), sw->cfg.tc_path ? "tc" : "xdp",
		    (unsigned long long)tc_path_rewrite_failed(sw));
	/* The router's counters follow in report_routing(). */
	if (table)
		nat_foreach(sw->nat, now_ns(), nat_entry, &f);
}

struct arp_out {
	struct out *o;
	bool json;
	int n;
};

static int arp_entry(const struct arp_entry *e, uint64_t age, bool stale, void *arg)
{
	static const uint8_t none[6];
	struct arp_out *f = arg;
	const uint8_t *m = e->state == ARP_INCOMPLETE ? none : e->mac;
	const char *state = e->state == ARP_INCOMPLETE ? "incomplete" : stale ? "stale" : "reachable";
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &e->ip, ip, sizeof(ip));
	if (f->json)
		out(f->o, "%s{\"ip\":\"%s\",\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\","
			  "\"state\":\"%s\",\"age_ms\":%llu}",
		    f->n ? "," : "", ip, m[0], m[1], m[2], m[3], m[4], m[5], state,
		    (unsigned long long)(age / 1000000));
	else
		out(f->o, "    %-15s %02x:%02x:%02x:%02x:%02x:%02x  %-10s %.1f s\n", ip, m[0], m[1],
		    m[2], m[3], m[4], m[5], state, (double)age / 1e9);
	f->n++;
	return f->o->cut;
}

/* The gateway's router: its static routes, what it routed and dropped,
 * and its ARP table on the subnet. */
static void report_routing(struct sw *sw, struct out *o, bool json)
{
	const struct rt_stats *r = &sw->rt.st;
	const struct arp_stats *a = &sw->rt.arp.st;
	struct arp_out f = { o, json, 0 };
	char net[INET_ADDRSTRLEN], via[INET_ADDRSTRLEN];
	int i;

	out(o, json ? ",\"routing\":{\"routes\":[" : "  routing:");
	for (i = 0; i < sw->cfg.nroutes; i++) {
		const struct rt_route *rt = &sw->cfg.routes[i];

		inet_ntop(AF_INET, &rt->net, net, sizeof(net));
		inet_ntop(AF_INET, &rt->via, via, sizeof(via));
		if (json)
			out(o, "%s{\"prefix\":\"%s/%u\",\"via\":\"%s\"}", i ? "," : "", net, rt->plen, via);
		else
			out(o, "%s %s/%u via %s", i ? "," : "", net, rt->plen, via);
	}
	if (json) {
		out(o, "],\"default\":%s%s%s,\"routed_via\":%llu,\"routed_out\":%llu,\"routed_in\":%llu,"
		       "\"ttl_exceeded\":%llu,\"too_big\":%llu,\"frag_needed\":%llu,\"fragmented\":%llu,"
		       "\"fragments\":%llu,\"frag_no_frame\":%llu,\"frag_refused\":%llu,"
		       "\"icmp_limited\":%llu,\"mtu\":%u,\"martian\":%llu,\"nat_drops\":%llu,"
		       "\"no_route\":%llu,\"bad\":%llu,\"held_now\":%d,"
		       "\"arp_held\":%llu,\"arp_timeout\":%llu,\"arp_overflow\":%llu,\"in_no_host\":%llu,"
		       "\"arp\":{\"entries\":%u,\"learned\":%llu,\"changed\":%llu,\"other_mac\":%llu,"
		       "\"evicted\":%llu,"
		       "\"refused\":%llu,\"ignored\":%llu,\"failed\":%llu,\"requests\":%llu,"
		       "\"request_no_frame\":%llu,\"table\":[",
		    sw->nat ? "\"" : "", sw->nat ? sw->cfg.uplink : "null", sw->nat ? "\"" : "",
		    (unsigned long long)r->routed_via, (unsigned long long)r->routed_out,
		    (unsigned long long)r->routed_in, (unsigned long long)r->ttl_exceeded,
		    (unsigned long long)r->too_big, (unsigned long long)r->frag_needed,
		    (unsigned long long)r->fragmented, (unsigned long long)r->fragments,
		    (unsigned long long)r->frag_no_frame, (unsigned long long)r->frag_refused,
		    (unsigned long long)r->icmp_limited, sw->nat ? route_uplink_mtu(sw) : 0,
		    (unsigned long long)r->martian, (unsigned long long)r->nat_drops,
		    (unsigned long long)r->no_route, (unsigned long long)r->bad, sw->rt.nheld,
		    (unsigned long long)r->arp_held, (unsigned long long)r->arp_timeout,
		    (unsigned long long)r->arp_overflow, (unsigned long long)r->in_no_host,
		    a->entries, (unsigned long long)a->learned, (unsigned long long)a->changed,
		    (unsigned long long)a->other_mac, (unsigned long long)a->evicted,
		    (unsigned long long)a->refused,
		    (unsigned long long)a->ignored, (unsigned long long)a->failed,
		    (unsigned long long)r->arp_requests, (unsigned long long)r->arp_no_frame);
		arp_foreach(&sw->rt.arp, now_ns(), arp_entry, &f);
		out(o, "]}}");
		return;
	}
	if (sw->nat)
		out(o, "%s default through the NAT to %s", sw->cfg.nroutes ? "," : "", sw->cfg.uplink);
	out(o, "\n    routed %llu via routes, %llu out, %llu in; larger than the route's MTU %llu "
	       "(%llu answered: fragmentation needed; %llu cut into %llu fragments; not cut: "
	       "%llu no frame, %llu refused); dropped: %llu ttl exceeded, "
	       "%llu no route, %llu not routable (VLAN, runt), %llu martian, %llu refused by the NAT; "
	       "%llu ICMP errors over the "
	       "rate limit; held for ARP %llu (%d now, "
	       "%llu timed out, %llu overflow, %llu for an unknown inside host)\n",
	    (unsigned long long)r->routed_via, (unsigned long long)r->routed_out,
	    (unsigned long long)r->routed_in, (unsigned long long)r->too_big,
	    (unsigned long long)r->frag_needed, (unsigned long long)r->fragmented,
	    (unsigned long long)r->fragments, (unsigned long long)r->frag_no_frame,
	    (unsigned long long)r->frag_refused, (unsigned long long)r->ttl_exceeded, (unsigned long long)r->no_route,
	    (unsigned long long)r->bad, (unsigned long long)r->martian,
	    (unsigned long long)r->nat_drops, (unsigned long long)r->icmp_limited, (unsigned long long)r->arp_held, sw->rt.nheld, (unsigned long long)r->arp_timeout,
	    (unsigned long long)r->arp_overflow, (unsigned long long)r->in_no_host);
	out(o, "  arp: %u entries, %llu learned, %llu changed, %llu not moved (IPv4 from another MAC), "
	       "%llu evicted, %llu refused (no room), "
	       "%llu ignored (bad), %llu failed; %llu requests sent, %llu not sent (no frame)\n",
	    a->entries, (unsigned long long)a->learned, (unsigned long long)a->changed,
	    (unsigned long long)a->other_mac, (unsigned long long)a->evicted,
	    (unsigned long long)a->refused,
	    (unsigned long long)a->ignored, (unsigned long long)a->failed,
	    (unsigned long long)r->arp_requests, (unsigned long long)r->arp_no_frame);
	arp_foreach(&sw->rt.arp, now_ns(), arp_entry, &f);
}

static void report(struct sw *sw, struct out *o, bool json, bool nat_table)
{
	const struct fdb_stats *fs = fdb_stats(sw->fdb);
	const struct gw_reasm_stats *rs = sw->reasm ? gw_reasm_stats(sw->reasm) : NULL;
	struct fdb_out f = { sw, o, json, 0 };
	uint64_t steer[2], now = now_ns();
	int i;

	/* or the table would hide, for up to a second, a MAC that only the
	 * fast path hears */
	if (sw->cfg.fast_path)
		fast_pull(sw, now);
	steer_totals(sw, steer);
	if (json) {
		out(o, "{\"switch\":\"%s\",\"dataplane\":\"%s\",\"pid\":%d,\"uptime_s\":%llu,"
		       "\"multi_buffer\":%s,\"ports\":[", sw->cfg.name,
		    sw->cfg.tc_path ? "tc" : sw->cfg.fast_path ? "xdp" : "afxdp", (int)getpid(),
		    (unsigned long long)((now_ns() - sw->started) / 1000000000ull),
		    sw->multibuf ? "true" : "false");
		for (i = 0; i < sw->nports; i++) {
			const struct port_stats *s = &sw->ports[i].st;

			struct xdp_statistics xs;
			struct fast_port_stats fp;

			port_xdp_stats(&sw->ports[i], &xs);
			fast_port_stats(sw, i, &fp);
			out(o, "%s{\"name\":\"%s\",\"xdp_mode\":\"%s\",\"rx_packets\":%llu,"
			       "\"rx_bytes\":%llu,\"tx_packets\":%llu,\"tx_bytes\":%llu,"
			       "\"drop_invalid\":%llu,\"drop_tx_full\":%llu,\"drop_hairpin\":%llu,"
			       "\"xsk_rx_dropped\":%llu,\"xsk_rx_ring_full\":%llu,"
			       "\"xsk_fill_empty\":%llu,\"xsk_tx_invalid\":%llu,\"in_fill\":%u,"
			       "\"fast_packets\":%llu,\"fast_bytes\":%llu,\"fast_hairpin\":%llu,"
			       "\"fast_nat_packets\":%llu,\"fast_flooded\":%llu,\"rx_multibuf\":%llu}",
			    i ? "," : "", sw->ports[i].name, xdp_mode(&sw->ports[i]),
			    (unsigned long long)s->rx_packets,
			    (unsigned long long)s->rx_bytes, (unsigned long long)s->tx_packets,
			    (unsigned long long)s->tx_bytes, (unsigned long long)s->drop_invalid,
			    (unsigned long long)s->drop_tx_full, (unsigned long long)s->drop_hairpin,
			    (unsigned long long)xs.rx_dropped, (unsigned long long)xs.rx_ring_full,
			    (unsigned long long)xs.rx_fill_ring_empty_descs,
			    (unsigned long long)xs.tx_invalid_descs, sw->ports[i].in_fill,
			    (unsigned long long)fp.packets, (unsigned long long)fp.bytes,
			    (unsigned long long)fp.hairpin, (unsigned long long)fp.nat_packets,
			    (unsigned long long)fp.flooded, (unsigned long long)s->rx_multibuf);
		}
		out(o, "],\"counters\":{\"forwarded\":%llu,\"flooded\":%llu,\"flood_unknown\":%llu,\"flood_copies\":%llu,"
		       "\"csum_fixed\":%llu,\"no_frame\":%llu,\"gw_unrouted\":%llu,\"src_gw_mac\":%llu,\"xdp_rx\":%llu,\"xdp_no_port\":%llu,"
		       "\"gw_arp_replies\":%llu,\"gw_echo_replies\":%llu,\"gw_nd_adverts\":%llu,"
		       "\"gw_echo6_replies\":%llu,\"gw_bad\":%llu,\"gw_unanswered\":%llu,\"source_routed\":%llu,"
		       "\"multibuf_unrouted\":%llu,"
		       "\"gw_echo_big\":%llu,\"gw_big_no_frame\":%llu,\"gw_reasm_fragments\":%llu,"
		       "\"gw_reasm_whole\":%llu,\"gw_reasm_bad\":%llu,\"gw_reasm_evicted\":%llu},",
		    (unsigned long long)sw->st.forwarded, (unsigned long long)sw->st.flooded,
		    (unsigned long long)sw->st.flood_unknown,
		    (unsigned long long)sw->st.flood_copies, (unsigned long long)sw->st.csum_fixed,
		    (unsigned long long)sw->st.no_frame, (unsigned long long)sw->st.gw_unrouted,
		    (unsigned long long)sw->st.src_gw_mac, (unsigned long long)steer[0],
		    (unsigned long long)steer[1], (unsigned long long)sw->gwst.arp_replies,
		    (unsigned long long)sw->gwst.echo_replies,
		    (unsigned long long)sw->gwst.nd_adverts,
		    (unsigned long long)sw->gwst.echo6_replies, (unsigned long long)sw->gwst.bad,
		    (unsigned long long)sw->gwst.unanswered, (unsigned long long)sw->st.source_routed,
		    (unsigned long long)sw->st.multibuf_unrouted,
		    (unsigned long long)sw->gwst.echo_big, (unsigned long long)sw->gwst.big_no_frame,
		    (unsigned long long)(rs ? rs->fragments : 0), (unsigned long long)(rs ? rs->whole : 0),
		    (unsigned long long)(rs ? rs->bad : 0), (unsigned long long)(rs ? rs->evicted : 0));
		out(o, "\"umem\":{\"frames\":%u,\"free\":%u},", sw->umem.nframes, sw->umem.nfree);
		if (sw->cfg.fast_path)
			out(o, "\"fast_path\":{\"installed\":%llu,\"removed\":%llu,\"refreshed\":%llu,"
			       "\"install_failed\":%llu,\"install_retried\":%llu},",
			    (unsigned long long)sw->fst.installed, (unsigned long long)sw->fst.removed,
			    (unsigned long long)sw->fst.refreshed,
			    (unsigned long long)sw->fst.install_failed,
			    (unsigned long long)sw->fst.retried);
		out(o, "\"fdb\":{\"entries\":%u,\"learned\":%llu,\"moved\":%llu,\"aged\":%llu,"
		       "\"refused_full\":%llu,\"refused_port\":%llu,\"ageing_s\":%llu,\"table\":[",
		    fs->entries, (unsigned long long)fs->learned, (unsigned long long)fs->moved,
		    (unsigned long long)fs->aged, (unsigned long long)fs->refused_full,
		    (unsigned long long)fs->refused_port,
		    (unsigned long long)(sw->cfg.ageing_ns / 1000000000ull));
		fdb_foreach(sw->fdb, now, fdb_entry, &f);
		out(o, "]}");
		if (sw->nat)
			report_nat(sw, o, true, nat_table);
		if (sw->nat || sw->cfg.nroutes)
			report_routing(sw, o, true);
		out(o, "}\n");
		return;
	}
	out(o, "  daemon pid %d, up %llu s; xdp: %llu frames steered, %llu from unknown ports\n",
	    (int)getpid(), (unsigned long long)((now_ns() - sw->started) / 1000000000ull),
	    (unsigned long long)steer[0], (unsigned long long)steer[1]);
	if (sw->multibuf) {
		uint64_t multi = 0;

		for (i = 0; i < sw->nports; i++)
			multi += sw->ports[i].st.rx_multibuf;
		out(o, "  multi-buffer: a port's MTU is above 3506; %llu frames of several buffers "
		       "through userspace\n", (unsigned long long)multi);
	}
	/* Userspace's columns are the slow path; with the fast path, what the
	 * XDP program forwarded by itself comes first. */
	out(o, "  %-15s %-7s", "port", "mode");
	if (sw->cfg.fast_path)
		out(o, " %12s %14s %8s %8s %10s |", sw->cfg.tc_path ? "tc pkts" : "xdp pkts",
		    sw->cfg.tc_path ? "tc bytes" : "xdp bytes", "hairpin",
		    sw->cfg.tc_path ? "tc nat" : "xdp nat",
		    sw->cfg.tc_path ? "tc flood" : "xdp flood");
	out(o, " %12s %14s %12s %14s %8s %8s %8s %8s\n", "rx pkts", "rx bytes", "tx pkts",
	    "tx bytes", "invalid", "tx full", "hairpin", "rx lost");
	for (i = 0; i < sw->nports; i++) {
		const struct port_stats *s = &sw->ports[i].st;
		struct fast_port_stats fp;
		struct xdp_statistics xs;

		out(o, "  %-15s %-7s", sw->ports[i].name, xdp_mode(&sw->ports[i]));
		fast_port_stats(sw, i, &fp);
		if (sw->cfg.fast_path)
			out(o, " %12llu %14llu %8llu %8llu %10llu |", (unsigned long long)fp.packets,
			    (unsigned long long)fp.bytes, (unsigned long long)fp.hairpin,
			    (unsigned long long)fp.nat_packets, (unsigned long long)fp.flooded);
		/* What the kernel dropped before the socket saw it (its fill
		 * ring empty, its RX ring full): TCP's retransmits through
		 * afxdp are these, and no other counter shows them. */
		port_xdp_stats(&sw->ports[i], &xs);
		out(o, " %12llu %14llu %12llu %14llu %8llu %8llu %8llu %8llu\n",
		    (unsigned long long)s->rx_packets, (unsigned long long)s->rx_bytes,
		    (unsigned long long)s->tx_packets, (unsigned long long)s->tx_bytes,
		    (unsigned long long)s->drop_invalid, (unsigned long long)s->drop_tx_full,
		    (unsigned long long)s->drop_hairpin,
		    (unsigned long long)(xs.rx_dropped + xs.rx_ring_full));
	}
	if (sw->cfg.fast_path)
		out(o, "  fast path: %llu fdb entries installed, %llu removed, %llu kept alive by "
		       "fast-path traffic, %llu failed to install (%llu installed later)\n",
		    (unsigned long long)sw->fst.installed, (unsigned long long)sw->fst.removed,
		    (unsigned long long)sw->fst.refreshed,
		    (unsigned long long)sw->fst.install_failed,
		    (unsigned long long)sw->fst.retried);
	out(o, "  forwarded %llu, flooded %llu (%llu unknown unicast, %llu copies), checksums "
	       "completed %llu, gateway replies %llu arp %llu echo %llu nd %llu echo6\n",
	    (unsigned long long)sw->st.forwarded, (unsigned long long)sw->st.flooded,
	    (unsigned long long)sw->st.flood_unknown,
	    (unsigned long long)sw->st.flood_copies, (unsigned long long)sw->st.csum_fixed,
	    (unsigned long long)sw->gwst.arp_replies, (unsigned long long)sw->gwst.echo_replies,
	    (unsigned long long)sw->gwst.nd_adverts, (unsigned long long)sw->gwst.echo6_replies);
	out(o, "  dropped: %llu for the gateway but malformed or not answerable, %llu for its "
	       "address and not served (not ARP, a ping or ND), %llu source-routed (LSRR, SSRR), "
	       "%llu to the gateway's MAC and not routable, %llu of several buffers and not routable; "
	       "no free frame to refill a port's fill ring %llu times\n",
	    (unsigned long long)sw->gwst.bad, (unsigned long long)sw->gwst.unanswered,
	    (unsigned long long)sw->st.source_routed, (unsigned long long)sw->st.gw_unrouted,
	    (unsigned long long)sw->st.multibuf_unrouted, (unsigned long long)sw->st.no_frame);
	if (rs && (rs->fragments || sw->gwst.echo_big || sw->gwst.big_no_frame))
		out(o, "  gateway pings larger than a frame: %llu answered, %llu not (no frame); "
		       "fragments to it %llu, %llu datagrams put together, %llu refused, %llu given up\n",
		    (unsigned long long)sw->gwst.echo_big, (unsigned long long)sw->gwst.big_no_frame,
		    (unsigned long long)rs->fragments, (unsigned long long)rs->whole,
		    (unsigned long long)rs->bad, (unsigned long long)rs->evicted);
	out(o, "  fdb: %u entries (ageing %llu s), %llu learned, %llu moved, %llu aged, "
	       "%llu refused (full), %llu refused (port quota), %llu frames from the gateway's "
	       "MAC not learned\n",
	    fs->entries, (unsigned long long)(sw->cfg.ageing_ns / 1000000000ull),
	    (unsigned long long)fs->learned, (unsigned long long)fs->moved,
	    (unsigned long long)fs->aged, (unsigned long long)fs->refused_full,
	    (unsigned long long)fs->refused_port, (unsigned long long)sw->st.src_gw_mac);
	fdb_foreach(sw->fdb, now, fdb_entry, &f);
	if (sw->nat)
		report_nat(sw, o, false, nat_table);
	if (sw->nat || sw->cfg.nroutes)
		report_routing(sw, o, false);
}

/* The first device the switch serves that is gone (its namespace
 * deleted, say): a port's own, the one its socket is bound to (on tc a
 * slow-path end, which goes with its pair's other end), the uplink's. A
 * device made anew by that name is another, which the daemon does not
 * serve: up restarts a daemon whose ping says so. NULL: none. */
static const char *device_gone(const struct sw *sw)
{
	char name[IF_NAMESIZE];

	for (int i = 0; i < sw->nports; i++) {
		const struct port *p = &sw->ports[i];

		if (!if_indextoname((unsigned int)p->ifindex, name) ||
		    (p->fast_ifindex && !if_indextoname((unsigned int)p->fast_ifindex, name)))
			return p->name;
	}
	if (sw->up_ifindex && !if_indextoname((unsigned int)sw->up_ifindex, name))
		return sw->cfg.uplink;
	return NULL;
}

/* The answer to one request ("ping": "pong", or "pong gone IFNAME"
 * (device_gone); or "json"/"text", optionally
 * followed by " nat"), in a buffer the caller frees, *len its length;
 * NULL without memory. A cut report says so, whole: JSON that stopped
 * midway would not parse, and a client takes a report without its last
 * newline for none. */
char *ctl_answer(struct sw *sw, const char *req, size_t *len)
{
	struct out o = { malloc(256 * 1024), 0, 256 * 1024, false };
	bool json = !strncmp(req, "json", 4);
	const char *gone;

	if (!o.buf)
		return NULL;
	if (!strncmp(req, "ping", 4) && (gone = device_gone(sw)))
		out(&o, "pong gone %s\n", gone);
	else if (!strncmp(req, "ping", 4))
		out(&o, "pong\n");
	else
		report(sw, &o, json, strstr(req, "nat") != NULL);
	if (o.cut && json) {
		o.len = 0;
		o.cut = false;
		out(&o, "{\"error\":\"the report is over %u MiB: ask without --nat\"}\n",
		    REPORT_MAX >> 20);
	} else if (o.cut) {
		o.len = strlen(o.buf);
		o.len = o.len > 128 ? o.len - 128 : 0; /* room for the note */
		o.cut = false;
		out(&o, "\n  (the report is over %u MiB: cut here; ask without --nat)\n",
		    REPORT_MAX >> 20);
	}
	*len = o.len;
	return o.buf;
}
