/* SPDX-License-Identifier: MIT */
/* Connection tracking and masquerade for the switch's uplink.
 *
 * Layout: one preallocated array of connections and two indexes into it
 * (nat_index.h), outbound (proto, int ip:port, rem ip:port) and inbound
 * (proto, rem ip:port, ext port).
 *
 * Decisions the header leaves open:
 * - External ports are endpoint-dependent: unique per (proto, rem ip,
 *   rem port), not globally. The namespace's own port is kept when it is
 *   in range and free for that remote endpoint, else the range is probed
 *   linearly from a hash of the outbound key. A full scan with no free
 *   port is NAT_DROP_NO_PORT; that costs up to one lookup per port in the
 *   range, so the check for a full table comes first and is O(1).
 * - port_min 0 is refused by nat_new: port 0 is not a usable TCP/UDP port.
 * - A connection is expired when idle > its state's timeout. Expired
 *   connections are absent to every lookup; their slot is reclaimed by
 *   nat_expire, or on the spot when a new connection needs that
 *   outbound key or that external port, or when the table is full (a
 *   bounded clock-hand sweep of RECLAIM_SCAN connections per attempt).
 *   Call nat_expire about once a second all the same.
 * - Removal is counted as "closed" when the connection had seen a FIN or
 *   RST (state closing or reset), otherwise as "expired".
 * - TCP: a new outbound connection without SYN (mid-stream, e.g. after a
 *   switch restart) is allowed and starts "established"; a new one with
 *   FIN starts "closing", with RST "reset". RST either way -> reset, FIN
 *   either way -> closing (unless reset), inbound ACK (incl. SYN+ACK) in
 *   syn_sent -> established. An outbound SYN (no ACK) on a closing or
 *   reset connection reopens it as syn_sent (the 4-tuple is reused).
 *   Sequence numbers are not checked: this is a NAT, not a firewall.
 * - ICMP errors translated inbound do not refresh the connection (a
 *   stream of errors must not keep a dead flow alive) and are counted
 *   in in_packets and icmp_errors_in but not in the connection's
 *   packets_in.
 * - NAT_DROP_NOT_INSIDE is not counted here (no counter in nat_stats):
 *   it is a routing decision of the caller, who counts it.
 * - Checksums are updated incrementally, so the caller must complete a
 *   CHECKSUM_PARTIAL frame (pkt_csum_complete) before nat_translate_out.
 */
/* nat.h uses size_t without including stddef.h itself. */
#include <stddef.h>

#include "nat.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "nat_csum.h"
#include "nat_frag.h"
#include "nat_index.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12

#define NAT_MAX_ENTRIES (1u << 24)
#define NAT_PORT_PROBES 128 /* the first run of alloc_port */
#define NAT_PORT_PROBES_ALL 248 /* all its runs: 128 + 64 + 32 + 16 + 8 */
#define SEC UINT64_C(1000000000)
#define RECLAIM_SCAN 64

enum conn_state { ST_UDP, ST_ICMP, ST_SYN_SENT, ST_EST, ST_CLOSING, ST_RESET, ST_N };

static const char *const state_name[ST_N] = {
	"udp", "icmp", "syn_sent", "established", "closing", "reset",
};

/* 40 bytes. Addresses and ports in host order. proto 0 marks a free
 * connection, whose int_ip field links the free list instead. */
struct conn {
	union {
		uint32_t int_ip;
		uint32_t next_free; /* number + 1, 0 = end */
	};
	uint32_t rem_ip;
	uint16_t int_port, ext_port, rem_port;
	uint8_t proto, state;
	uint64_t last;
	uint64_t pkts_out, pkts_in;
};

struct nat {
	uint32_t ext_ip, int_net, int_mask;
	uint16_t port_min, port_max;
	uint64_t timeout[ST_N];
	struct conn *conns;
	uint32_t max, hw; /* hw: connections ever handed out; beyond it, unused */
	uint32_t free_head; /* number + 1 of a free connection below hw, 0 = none */
	uint32_t hand; /* where the reclaim sweep continues */
	struct nat_index out, in;
	struct nat_stats stats;
	struct nat_hooks hooks;
	uint32_t last_ref; /* of the last translation */
	struct nat_frags frags;
};

/* --- the indexes ----------------------------------------------------- */

static inline uint64_t out_hash(const struct nat *nat, uint8_t proto, uint32_t int_ip,
				uint16_t int_port, uint32_t rem_ip, uint16_t rem_port)
{
	return nat_index_hash(&nat->out, (uint64_t)int_ip << 32 | rem_ip,
			      (uint64_t)proto << 32 | (uint32_t)int_port << 16 | rem_port);
}

static inline uint64_t in_hash(const struct nat *nat, uint8_t proto, uint32_t rem_ip,
			       uint16_t rem_port, uint16_t ext_port)
{
	return nat_index_hash(&nat->in,
			      (uint64_t)rem_ip << 32 | (uint32_t)rem_port << 16 | ext_port, proto);
}

static uint32_t find_out(const struct nat *nat, uint32_t tag, uint8_t proto, uint32_t int_ip,
			 uint16_t int_port, uint32_t rem_ip, uint16_t rem_port)
{
	uint32_t pos = nat_index_home(&nat->out, tag), ref;

	while ((ref = nat_index_next(&nat->out, tag, &pos))) {
		const struct conn *c = &nat->conns[ref - 1];
		if (c->int_ip == int_ip && c->rem_ip == rem_ip && c->int_port == int_port &&
		    c->rem_port == rem_port && c->proto == proto)
			return ref;
	}
	return 0;
}

static uint32_t find_in(const struct nat *nat, uint32_t tag, uint8_t proto, uint32_t rem_ip,
			uint16_t rem_port, uint16_t ext_port)
{
	uint32_t pos = nat_index_home(&nat->in, tag), ref;

	while ((ref = nat_index_next(&nat->in, tag, &pos))) {
		const struct conn *c = &nat->conns[ref - 1];
		if (c->rem_ip == rem_ip && c->ext_port == ext_port && c->rem_port == rem_port &&
		    c->proto == proto)
			return ref;
	}
	return 0;
}

/* --- connections ----------------------------------------------------- */

static uint64_t idle_ns(uint64_t last, uint64_t now)
{
	return now > last ? now - last : 0; /* out-of-order clocks: idle 0 */
}

static bool conn_expired(const struct nat *nat, const struct conn *c, uint64_t now)
{
	return idle_ns(c->last, now) > nat->timeout[c->state];
}

static void conn_view(const struct nat *nat, const struct conn *c, uint64_t now,
		      struct nat_entry_view *e)
{
	*e = (struct nat_entry_view){
		.proto = c->proto,
		.int_port = c->int_port,
		.ext_port = c->ext_port,
		.rem_port = c->rem_port,
		.state = state_name[c->state],
		.idle_ns = idle_ns(c->last, now),
		.timeout_ns = nat->timeout[c->state],
		.packets_out = c->pkts_out,
		.packets_in = c->pkts_in,
	};
	be32_put(e->int_ip, c->int_ip);
	be32_put(e->rem_ip, c->rem_ip);
}

/* Expired for good: past its timeout and, when the fast path carries
 * it, not seen there either (its traffic never refreshes c->last). Every
 * place that would end or reuse a connection asks this, not only
 * nat_expire, or a live fast-path connection could lose its port to a
 * newcomer in the second before the next nat_expire pass. */
static bool conn_dead(struct nat *nat, struct conn *c, uint64_t now)
{
	struct nat_entry_view e;
	uint64_t seen;

	if (!conn_expired(nat, c, now))
		return false;
	if (!nat->hooks.seen)
		return true;
	conn_view(nat, c, now, &e);
	seen = nat->hooks.seen(&e, nat->hooks.arg);
	if (seen <= c->last)
		return true;
	/* Idle since the fast path's last packet, not since this look. */
	c->last = seen;
	return conn_expired(nat, c, now);
}

static void conn_release(struct nat *nat, uint32_t ref)
{
	struct conn *c = &nat->conns[ref - 1];

	if (nat->hooks.released) {
		struct nat_entry_view e;

		conn_view(nat, c, c->last, &e);
		nat->hooks.released(&e, nat->hooks.arg);
	}
	uint64_t ho = out_hash(nat, c->proto, c->int_ip, c->int_port, c->rem_ip, c->rem_port);
	uint64_t hi = in_hash(nat, c->proto, c->rem_ip, c->rem_port, c->ext_port);

	nat_index_remove(&nat->out, nat_index_tag(ho), ref);
	nat_index_remove(&nat->in, nat_index_tag(hi), ref);
	if (c->state == ST_CLOSING || c->state == ST_RESET)
		nat->stats.closed++;
	else
		nat->stats.expired++;
	c->proto = 0;
	c->next_free = nat->free_head;
	nat->free_head = ref;
	nat->stats.entries--;
}

/* Is ext port free towards this remote endpoint? An expired holder is
 * reclaimed on the spot. */
static bool port_free(struct nat *nat, uint8_t proto, uint32_t rem_ip, uint16_t rem_port,
		      uint16_t port, uint64_t now)
{
	uint32_t tag = nat_index_tag(in_hash(nat, proto, rem_ip, rem_port, port));
	uint32_t ref = find_in(nat, tag, proto, rem_ip, rem_port, port);

	if (!ref)
		return true;
	if (!conn_dead(nat, &nat->conns[ref - 1], now))
		return false;
	conn_release(nat, ref);
	return true;
}

static bool alloc_port(struct nat *nat, uint8_t proto, uint16_t int_port, uint32_t rem_ip,
		       uint16_t rem_port, uint64_t hash, uint64_t now, uint16_t *port)
{
	uint32_t range = (uint32_t)nat->port_max - nat->port_min + 1;

	if (int_port >= nat->port_min && int_port <= nat->port_max &&
	    port_free(nat, proto, rem_ip, rem_port, int_port, now)) {
		*port = int_port;
		return true;
	}
	/* Low hash bits: the high ones are the index tag, correlated with
	 * the home slot. */
	uint32_t off = (uint32_t)(((hash & 0xffffffffu) * range) >> 32);
	/* A range no larger than the runs' sum is scanned whole. */
	uint32_t tries = range <= NAT_PORT_PROBES_ALL ? range : NAT_PORT_PROBES;

	/* Bounded, as Linux's NAT is: a run of ports from the flow's
	 * offset, then shorter runs elsewhere. With every port towards one
	 * endpoint taken, a whole-range scan cost 27 us per new flow (4536
	 * ports): one namespace could hold the switch to ~37k packets/s.
	 * The price: a new flow may be refused with a few ports still
	 * free. */
	for (;;) {
		for (uint32_t n = 0; n < tries; n++) {
			uint16_t cand = (uint16_t)(nat->port_min + off);

			nat->stats.port_probes++;
			if (port_free(nat, proto, rem_ip, rem_port, cand, now)) {
				*port = cand;
				return true;
			}
			if (++off == range)
				off = 0;
		}
		if (tries == range || tries < 16)
			return false;
		tries /= 2;
		hash = hash * 0x9e3779b97f4a7c15ull + 1; /* the next offset, per flow */
		off = (uint32_t)(((hash >> 32) * range) >> 32);
	}
}

static uint8_t tcp_initial_state(uint8_t flags)
{
	if (flags & TCP_RST)
		return ST_RESET;
	if (flags & TCP_FIN)
		return ST_CLOSING;
	if ((flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
		return ST_SYN_SENT;
	return ST_EST; /* mid-stream: the switch may have restarted */
}

static void tcp_track(struct conn *c, uint8_t flags, bool out)
{
	if (flags & TCP_RST)
		c->state = ST_RESET;
	else if (out && (flags & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
		 (c->state == ST_CLOSING || c->state == ST_RESET))
		c->state = ST_SYN_SENT;
	else if (flags & TCP_FIN) {
		if (c->state != ST_RESET)
			c->state = ST_CLOSING;
	} else if (!out && c->state == ST_SYN_SENT && (flags & TCP_ACK))
		c->state = ST_EST;
}

/* The table is full, but some connections may have expired since the
 * last nat_expire: look at the next few, clock-hand style. Bounded, so
 * a flood of new flows against a table full of live ones costs O(1)
 * each, and over successive calls every connection gets looked at. */
static bool reclaim_one(struct nat *nat, uint64_t now)
{
	for (uint32_t k = 0; k < RECLAIM_SCAN && k < nat->hw; k++) {
		uint32_t i = nat->hand;
		nat->hand = i + 1 == nat->hw ? 0 : i + 1;
		if (nat->conns[i].proto && conn_dead(nat, &nat->conns[i], now)) {
			conn_release(nat, i + 1);
			return true;
		}
	}
	return false;
}

static enum nat_verdict conn_create(struct nat *nat, uint8_t proto, uint32_t int_ip,
				    uint16_t int_port, uint32_t rem_ip, uint16_t rem_port,
				    uint64_t hash, uint8_t tcp_flags, uint64_t now,
				    struct conn **out)
{
	if (!nat->free_head && nat->hw == nat->max && !reclaim_one(nat, now))
		return NAT_DROP_FULL;
	uint16_t ext;
	if (!alloc_port(nat, proto, int_port, rem_ip, rem_port, hash, now, &ext))
		return NAT_DROP_NO_PORT;

	uint32_t ref;
	if (nat->free_head) { /* LIFO: the most recently freed is cache-warm */
		ref = nat->free_head;
		nat->free_head = nat->conns[ref - 1].next_free;
	} else {
		ref = ++nat->hw;
	}
	struct conn *c = &nat->conns[ref - 1];
	c->int_ip = int_ip;
	c->rem_ip = rem_ip;
	c->int_port = int_port;
	c->ext_port = ext;
	c->rem_port = rem_port;
	c->proto = proto;
	c->state = proto == PROTO_UDP ? ST_UDP
		   : proto == PROTO_ICMP ? ST_ICMP
					 : tcp_initial_state(tcp_flags);
	c->last = now;
	c->pkts_out = c->pkts_in = 0;
	nat_index_insert(&nat->out, nat_index_tag(hash), ref);
	nat_index_insert(&nat->in, nat_index_tag(in_hash(nat, proto, rem_ip, rem_port, ext)), ref);
	nat->stats.created++;
	nat->stats.entries++;
	*out = c;
	return NAT_OK;
}

/* --- frames ---------------------------------------------------------- */

static enum nat_verdict drop(struct nat *nat, enum nat_verdict v)
{
	switch (v) {
	case NAT_DROP_BAD: nat->stats.drop_bad++; break;
	case NAT_DROP_UNSUPPORTED: nat->stats.drop_unsupported++; break;
	case NAT_DROP_FULL: nat->stats.drop_full++; break;
	case NAT_DROP_NO_PORT: nat->stats.drop_no_port++; break;
	case NAT_DROP_NO_MATCH: nat->stats.drop_no_match++; break;
	default: break;
	}
	return v;
}

/* --- fragments (nat_frag.h) ------------------------------------------ */

/* A fragment other than the first: no L4 header. */
static bool frag_later(const struct ip4 *h)
{
	return h->frag && (be16_get(h->ip + 6) & 0x1fff);
}

static uint64_t frag_key(const struct nat *nat, const struct ip4 *h, uint8_t dir,
			 struct nat_frag_key *k)
{
	*k = (struct nat_frag_key){ h->saddr, h->daddr, be16_get(h->ip + 4), h->proto, dir };
	return nat_index_hash(&nat->in, (uint64_t)k->src << 32 | k->dst,
			      (uint64_t)k->id << 16 | (uint32_t)k->proto << 8 | dir);
}

/* A first fragment, before its rewrite: its datagram's later fragments
 * get addr (dir 0: as the new source, 1: destination). */
static void frag_first(struct nat *nat, const struct ip4 *h, uint8_t dir, uint32_t addr,
		       uint64_t now)
{
	struct nat_frag_key k;
	uint64_t hash = frag_key(nat, h, dir, &k);

	nat_frag_note(&nat->frags, hash, &k, addr, now);
	nat->stats.frag_first++;
}

void nat_frag_unsent_in(struct nat *nat, const uint8_t *ip, uint64_t now)
{
	struct ip4 h = { .ip = (uint8_t *)ip, .saddr = be32_get(ip + 12), .daddr = be32_get(ip + 16),
			 .proto = ip[9], .frag = true };
	struct nat_frag_key k;
	uint64_t hash;
	struct nat_frag *f;

	/* A first fragment, and only one: the note is its. */
	if ((be16_get(ip + 6) & 0x3fff) != 0x2000)
		return;
	hash = frag_key(nat, &h, 1, &k);
	f = nat_frag_find(&nat->frags, hash, &k, now);
	if (f)
		nat_frag_forget(f);
}

/* A later fragment: the address its first fragment got, and the IPv4
 * checksum; its L4 checksum, if any, was in the first. Not a packet the
 * fast path could take (nat_last says none), nor one its connection
 * counts or is refreshed by: a datagram counts there once. */
static enum nat_verdict frag_translate(struct nat *nat, struct ip4 *h, uint8_t dir,
				       uint8_t int_ip[4], uint64_t now)
{
	unsigned int off = dir ? 16 : 12;
	struct nat_frag_key k;
	uint64_t hash = frag_key(nat, h, dir, &k);
	struct nat_frag *f = nat_frag_find(&nat->frags, hash, &k, now);
	uint16_t o, n;

	if (!f) { /* counted here only: not unsolicited, nor a connection's */
		nat->stats.drop_frag_no_first++;
		return NAT_DROP_NO_MATCH;
	}
	nat_csum_update(h->ip + 10, nat_d32(be32_get(h->ip + off), f->addr), &o, &n);
	be32_put(h->ip + off, f->addr);
	if (int_ip)
		be32_put(int_ip, f->addr);
	if (!(be16_get(h->ip + 6) & 0x2000)) /* the last one */
		nat_frag_forget(f);
	nat->last_ref = 0;
	nat->stats.frag_later++;
	if (dir)
		nat->stats.in_packets++;
	else
		nat->stats.out_packets++;
	return NAT_OK;
}

enum nat_verdict nat_translate_out(struct nat *nat, struct pkt *p, uint64_t now)
{
	struct ip4 h;
	enum nat_verdict v = nat_parse_ip4(p, &h);
	uint32_t csum_off, min_len;

	if (v != NAT_OK)
		return drop(nat, v);
	if ((h.saddr & nat->int_mask) != nat->int_net)
		return NAT_DROP_NOT_INSIDE;
	if (!nat_l4_fields(h.proto, &csum_off, &min_len))
		return drop(nat, NAT_DROP_UNSUPPORTED);
	if (frag_later(&h))
		return frag_translate(nat, &h, 0, NULL, now);
	if (h.l4len < min_len)
		return drop(nat, NAT_DROP_BAD);

	uint16_t int_port, rem_port = 0;
	uint8_t *port_field, flags = 0;
	if (h.proto == PROTO_ICMP) {
		if (h.l4[0] != ICMP_ECHO)
			return drop(nat, NAT_DROP_UNSUPPORTED);
		port_field = h.l4 + 4;
	} else {
		port_field = h.l4;
		rem_port = be16_get(h.l4 + 2);
		if (h.proto == PROTO_TCP)
			flags = h.l4[13];
	}
	int_port = be16_get(port_field);

	uint64_t hash = out_hash(nat, h.proto, h.saddr, int_port, h.daddr, rem_port);
	uint32_t ref = find_out(nat, nat_index_tag(hash), h.proto, h.saddr, int_port, h.daddr,
				rem_port);
	struct conn *c = NULL;
	if (ref) {
		c = &nat->conns[ref - 1];
		if (conn_dead(nat, c, now)) {
			conn_release(nat, ref); /* starts over, with a fresh state */
			c = NULL;
		} else if (h.proto == PROTO_TCP) {
			tcp_track(c, flags, true);
		}
	}
	if (!c) {
		v = conn_create(nat, h.proto, h.saddr, int_port, h.daddr, rem_port, hash, flags,
				now, &c);
		if (v != NAT_OK)
			return drop(nat, v);
	}
	c->last = now;
	c->pkts_out++;
	nat->last_ref = (uint32_t)(c - nat->conns) + 1;
	if (h.frag)
		frag_first(nat, &h, 0, nat->ext_ip, now);
	nat_rewrite(&h, 12, nat->ext_ip, port_field, c->ext_port, csum_off);
	nat->stats.out_packets++;
	return NAT_OK;
}

/* An ICMP error quoting a packet we translated on its way out: the quote
 * holds the translated source (ext ip:port) and must get the original
 * one back, or the namespace's stack cannot match it to its socket. */
static enum nat_verdict icmp_error_in(struct nat *nat, struct ip4 *h, uint64_t now,
				      uint8_t int_ip[4])
{
	uint8_t *in = h->l4 + 8;
	uint32_t avail = h->l4len - 8;

	if (avail < 20 || in[0] >> 4 != 4)
		return drop(nat, NAT_DROP_BAD);
	uint32_t ihl = (uint32_t)(in[0] & 0x0f) * 4;
	if (ihl < 20 || avail < ihl + 8)
		return drop(nat, NAT_DROP_BAD);

	uint8_t iproto = in[9], *ql4 = in + ihl;
	uint32_t qlen = avail - ihl, csum_off, min_len;
	/* A later fragment has no ports to find its connection by. */
	if (be32_get(in + 12) != nat->ext_ip || (be16_get(in + 6) & 0x1fff) ||
	    !nat_l4_fields(iproto, &csum_off, &min_len))
		return drop(nat, NAT_DROP_NO_MATCH);

	uint8_t *port_field = ql4;
	uint16_t rem_port = 0;
	if (iproto == PROTO_ICMP) {
		if (ql4[0] != ICMP_ECHO)
			return drop(nat, NAT_DROP_NO_MATCH);
		port_field = ql4 + 4;
	} else {
		rem_port = be16_get(ql4 + 2);
	}
	uint16_t ext = be16_get(port_field);
	uint32_t rem_ip = be32_get(in + 16);
	uint32_t tag = nat_index_tag(in_hash(nat, iproto, rem_ip, rem_port, ext));
	uint32_t ref = find_in(nat, tag, iproto, rem_ip, rem_port, ext);
	if (!ref || conn_dead(nat, &nat->conns[ref - 1], now))
		return drop(nat, NAT_DROP_NO_MATCH);
	const struct conn *c = &nat->conns[ref - 1];

	nat_quote_rewrite(h, in, ihl, qlen, port_field, nat->ext_ip, c->int_ip, ext, c->int_port);
	be32_put(int_ip, c->int_ip);
	/* Not a packet of the connection: nat_last() must not describe it
	 * as one, or the fast path would install the error's way back (its
	 * destination's port and MAC) for whatever was translated before. */
	nat->last_ref = 0;
	nat->stats.icmp_errors_in++;
	nat->stats.in_packets++;
	return NAT_OK;
}

enum nat_verdict nat_translate_in(struct nat *nat, struct pkt *p, uint64_t now,
				  uint8_t int_ip[4])
{
	struct ip4 h;
	enum nat_verdict v = nat_parse_ip4(p, &h);
	uint32_t csum_off, min_len;

	if (v != NAT_OK)
		return drop(nat, v);
	if (h.daddr != nat->ext_ip)
		return drop(nat, NAT_DROP_NO_MATCH);
	if (!nat_l4_fields(h.proto, &csum_off, &min_len))
		return drop(nat, NAT_DROP_UNSUPPORTED);
	if (frag_later(&h))
		return frag_translate(nat, &h, 1, int_ip, now);
	if (h.l4len < min_len)
		return drop(nat, NAT_DROP_BAD);

	uint8_t *port_field, flags = 0;
	uint16_t rem_port = 0;
	if (h.proto == PROTO_ICMP) {
		switch (h.l4[0]) {
		case ICMP_ECHOREPLY:
			break;
		case ICMP_DEST_UNREACH:
		case ICMP_TIME_EXCEEDED:
		case ICMP_PARAMETERPROB:
			/* Quoting a whole header: one buffer, never cut up. */
			if (h.frag)
				return drop(nat, NAT_DROP_UNSUPPORTED);
			return icmp_error_in(nat, &h, now, int_ip);
		default:
			return drop(nat, NAT_DROP_UNSUPPORTED);
		}
		port_field = h.l4 + 4;
	} else {
		rem_port = be16_get(h.l4);
		port_field = h.l4 + 2;
		if (h.proto == PROTO_TCP)
			flags = h.l4[13];
	}
	uint16_t ext = be16_get(port_field);
	uint32_t tag = nat_index_tag(in_hash(nat, h.proto, h.saddr, rem_port, ext));
	uint32_t ref = find_in(nat, tag, h.proto, h.saddr, rem_port, ext);
	if (!ref)
		return drop(nat, NAT_DROP_NO_MATCH);
	struct conn *c = &nat->conns[ref - 1];
	if (conn_dead(nat, c, now))
		return drop(nat, NAT_DROP_NO_MATCH);
	if (h.proto == PROTO_TCP)
		tcp_track(c, flags, false);
	c->last = now;
	c->pkts_in++;
	nat->last_ref = ref;
	if (h.frag)
		frag_first(nat, &h, 1, c->int_ip, now);
	nat_rewrite(&h, 16, c->int_ip, port_field, c->int_port, csum_off);
	be32_put(int_ip, c->int_ip);
	nat->stats.in_packets++;
	return NAT_OK;
}

/* --- the rest -------------------------------------------------------- */

struct nat *nat_new(const struct nat_cfg *cfg)
{
	if (!cfg || cfg->port_min == 0 || cfg->port_min > cfg->port_max || cfg->int_plen > 32 ||
	    cfg->max_entries == 0 || cfg->max_entries > NAT_MAX_ENTRIES) {
		errno = EINVAL; /* the daemon reports strerror(errno) */
		return NULL;
	}

	struct nat *nat = calloc(1, sizeof(*nat));
	if (!nat)
		return NULL;
	nat->ext_ip = be32_get(cfg->ext_ip);
	nat->int_mask = cfg->int_plen ? ~UINT32_C(0) << (32 - cfg->int_plen) : 0;
	nat->int_net = be32_get(cfg->int_net) & nat->int_mask;
	nat->port_min = cfg->port_min;
	nat->port_max = cfg->port_max;
	nat->max = cfg->max_entries;
#define TMO(f, def) ((f) ? (f) : (def) * SEC)
	nat->timeout[ST_UDP] = TMO(cfg->timeout_udp_ns, 60);
	nat->timeout[ST_ICMP] = TMO(cfg->timeout_icmp_ns, 30);
	nat->timeout[ST_EST] = TMO(cfg->timeout_tcp_est_ns, 7440);
	nat->timeout[ST_SYN_SENT] = TMO(cfg->timeout_tcp_trans_ns, 240);
	nat->timeout[ST_CLOSING] = nat->timeout[ST_SYN_SENT];
	nat->timeout[ST_RESET] = TMO(cfg->timeout_tcp_rst_ns, 10);
#undef TMO
	/* malloc, not calloc: connections past hw are never read, so
	 * their pages are touched only as the table fills. */
	nat->conns = malloc((size_t)nat->max * sizeof(*nat->conns));
	if (!nat->conns || nat_index_init(&nat->out, nat->max) ||
	    nat_index_init(&nat->in, nat->max)) {
		nat_free(nat);
		return NULL;
	}
	return nat;
}

void nat_free(struct nat *nat)
{
	if (!nat)
		return;
	nat_index_free(&nat->out);
	nat_index_free(&nat->in);
	free(nat->conns);
	free(nat);
}

int nat_port_reserved(const struct nat *nat, uint16_t port)
{
	return port >= nat->port_min && port <= nat->port_max;
}

/* Walks the connection array, not the indexes: release shifts index
 * slots around, but never moves a connection. */
uint32_t nat_expire(struct nat *nat, uint64_t now)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < nat->hw; i++) {
		struct conn *c = &nat->conns[i];
		if (!c->proto || !conn_dead(nat, c, now))
			continue;
		conn_release(nat, i + 1);
		n++;
	}
	return n;
}

int nat_foreach(struct nat *nat, uint64_t now,
		int (*cb)(const struct nat_entry_view *e, void *arg), void *arg)
{
	for (uint32_t i = 0; i < nat->hw; i++) {
		struct conn *c = &nat->conns[i];
		/* conn_dead, not conn_expired: one that only the fast path
		 * carries is not hidden until the next nat_expire revives it. */
		if (!c->proto || conn_dead(nat, c, now))
			continue;
		struct nat_entry_view e;
		conn_view(nat, c, now, &e);
		int rc = cb(&e, arg);
		if (rc)
			return rc;
	}
	return 0;
}

void nat_set_hooks(struct nat *nat, const struct nat_hooks *hooks)
{
	nat->hooks = *hooks;
}

void nat_last(const struct nat *nat, uint64_t now, struct nat_entry_view *e)
{
	if (!nat->last_ref) {
		memset(e, 0, sizeof(*e));
		return;
	}
	conn_view(nat, &nat->conns[nat->last_ref - 1], now, e);
}

const struct nat_stats *nat_stats(const struct nat *nat)
{
	return &nat->stats;
}

/* One connection plus one slot in each index, each index at most half
 * full: 40 + 2 * 2 * 8 = 72 bytes. */
size_t nat_bytes_per_entry(void)
{
	return sizeof(struct conn) + 2 * 2 * sizeof(struct nat_slot);
}
