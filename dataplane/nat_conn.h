/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_NAT_CONN_H
#define NSFAST_NAT_CONN_H

/* The NAT's connection table, internal to nat.c (frames) and
 * nat_conn.c (connections). The lookups are inline: they run for every
 * translated frame. */

#include <stdbool.h>
#include <stdint.h>

#include "nat.h"
#include "nat_frag.h"
#include "nat_index.h"

/* ST_CLOSING: a FIN out only; ST_CLOSING_IN: in only; ST_TIME_WAIT:
 * both ways (its port may go to a new connection, as Linux's NAT lets a
 * SYN take a TIME_WAIT tuple). */
enum conn_state {
	ST_UDP,
	ST_ICMP,
	ST_SYN_SENT,
	ST_EST,
	ST_CLOSING,
	ST_CLOSING_IN,
	ST_TIME_WAIT,
	ST_RESET,
	ST_N
};

/* One name a state: the kept file's (nat_keep.c), which tells a FIN out
 * from a FIN in; nat_entry_view says "closing" for both. */
extern const char *const conn_state_names[ST_N];

/* Done with: closing either way, both ways, or reset. */
static inline bool conn_state_ending(uint8_t state)
{
	return state == ST_CLOSING || state == ST_CLOSING_IN || state == ST_TIME_WAIT ||
	       state == ST_RESET;
}

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
	int ext_plen; /* nat_cfg's: 0, none known */
	uint16_t port_min, port_max;
	uint64_t timeout[ST_N];
	uint64_t take_idle; /* a time_wait port goes to a new SYN once idle so long */
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

static inline uint32_t find_out(const struct nat *nat, uint32_t tag, uint8_t proto,
				uint32_t int_ip, uint16_t int_port, uint32_t rem_ip,
				uint16_t rem_port)
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

static inline uint32_t find_in(const struct nat *nat, uint32_t tag, uint8_t proto,
			       uint32_t rem_ip, uint16_t rem_port, uint16_t ext_port)
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

static inline uint64_t idle_ns(uint64_t last, uint64_t now)
{
	return now > last ? now - last : 0; /* out-of-order clocks: idle 0 */
}

static inline bool conn_expired(const struct nat *nat, const struct conn *c, uint64_t now)
{
	return idle_ns(c->last, now) > nat->timeout[c->state];
}

/* c has expired: is it dead, or has the fast path seen it since (then
 * c->last moves to that, and it is dead only if that expired too)? */
bool conn_dead_unseen(struct nat *nat, struct conn *c, uint64_t now);
/* Has the fast path carried c since c->last? Then c->last moves to its
 * last packet. */
bool conn_fast_seen(struct nat *nat, struct conn *c, uint64_t now);

/* Expired for good: past its timeout and, when the fast path carries
 * it, not seen there either (its traffic never refreshes c->last). Every
 * place that would end or reuse a connection asks this, not only
 * nat_expire, or a live fast-path connection could lose its port to a
 * newcomer in the second before the next nat_expire pass. */
static inline bool conn_dead(struct nat *nat, struct conn *c, uint64_t now)
{
	return conn_expired(nat, c, now) && conn_dead_unseen(nat, c, now);
}

void conn_view(const struct nat *nat, const struct conn *c, uint64_t now,
	       struct nat_entry_view *e);
void conn_release(struct nat *nat, uint32_t ref);
/* A copy of from in a free slot and both indexes (hash: out_hash of its
 * key). The caller has made sure there is a free slot, and that neither
 * key is in the table. */
struct conn *conn_insert(struct nat *nat, const struct conn *from, uint64_t hash);
/* A new connection for this outbound key (hash: out_hash of it), with an
 * external port; NAT_OK with *out, or why not. */
enum nat_verdict conn_create(struct nat *nat, uint8_t proto, uint32_t int_ip,
			     uint16_t int_port, uint32_t rem_ip, uint16_t rem_port,
			     uint64_t hash, uint8_t tcp_flags, uint64_t now, struct conn **out);

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* A TCP packet of c, out (true) or in: its state after the flags.
 * Inline: every TCP frame translated asks it. */
static inline void tcp_track(struct conn *c, uint8_t flags, bool out)
{
	if (flags & TCP_RST)
		c->state = ST_RESET;
	else if (out && (flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && conn_state_ending(c->state))
		c->state = ST_SYN_SENT;
	else if (flags & TCP_FIN) {
		if (c->state == ST_RESET || c->state == ST_TIME_WAIT)
			return;
		if (c->state == (out ? ST_CLOSING_IN : ST_CLOSING))
			c->state = ST_TIME_WAIT; /* the other way's FIN came before */
		else
			c->state = out ? ST_CLOSING : ST_CLOSING_IN;
	} else if (!out && c->state == ST_SYN_SENT && (flags & TCP_ACK))
		c->state = ST_EST;
}

#endif
