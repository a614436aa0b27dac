/* SPDX-License-Identifier: MIT */
/* Connection tracking and masquerade for the switch's uplink: frames.
 * The connections themselves are nat_conn.c's.
 *
 * Decisions the header leaves open:
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

#include <stdbool.h>

#include "nat_conn.h"
#include "nat_csum.h"
#include "nat_frag.h"
#include "nat_index.h"

#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12

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

	nat_frag_note(&nat->frags, hash, &k, addr, h->l4len, now);
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
	nat_frag_seen(f, (be16_get(h->ip + 6) & 0x1fffu) * 8, h->l4len,
		      !(be16_get(h->ip + 6) & 0x2000));
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
