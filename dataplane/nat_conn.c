/* SPDX-License-Identifier: MIT */
/* The NAT's connections: their lifecycle, external ports and TCP states,
 * and the table's. Frames are translated in nat.c.
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
 *   RST (state closing, time_wait or reset), otherwise as "expired".
 * - TCP: a new outbound connection without SYN (mid-stream, e.g. after a
 *   switch restart) is allowed and starts "established"; a new one with
 *   FIN starts "closing", with RST "reset". RST either way -> reset, FIN
 *   one way -> closing, then the other way -> time_wait (unless reset),
 *   inbound ACK (incl. SYN+ACK) in syn_sent -> established. An outbound
 *   SYN (no ACK) on a closing, time_wait or reset connection reopens it
 *   as syn_sent (the 4-tuple is reused). A time_wait connection's
 *   external port, once it is silent for a second, goes before its
 *   timeout to a new connection that opens with a SYN and finds no
 *   other port free towards that endpoint: without that, a range of N
 *   ports took only N short connections to one server per 240 s, where
 *   Linux's NAT (and the kernel dataplane) reuses a TIME_WAIT tuple for
 *   a new SYN.
 *   Sequence numbers are not checked: this is a NAT, not a firewall.
 */
/* nat.h uses size_t without including stddef.h itself. */
#include <stddef.h>

#include "nat_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nat_csum.h"

#define NAT_MAX_ENTRIES (1u << 24)
#define NAT_PORT_PROBES 128 /* the first run of alloc_port */
#define NAT_PORT_PROBES_ALL 248 /* all its runs: 128 + 64 + 32 + 16 + 8 */
#define SEC UINT64_C(1000000000)
#define RECLAIM_SCAN 64

const char *const conn_state_names[ST_N] = {
	"udp", "icmp", "syn_sent", "established", "closing", "closing_in", "time_wait", "reset",
};

/* --- connections ----------------------------------------------------- */

void conn_view(const struct nat *nat, const struct conn *c, uint64_t now,
	       struct nat_entry_view *e)
{
	*e = (struct nat_entry_view){
		.proto = c->proto,
		.int_port = c->int_port,
		.ext_port = c->ext_port,
		.rem_port = c->rem_port,
		/* Shown as Linux's conntrack does: closing, either way. */
		.state = c->state == ST_CLOSING_IN ? "closing" : conn_state_names[c->state],
		.idle_ns = idle_ns(c->last, now),
		.timeout_ns = nat->timeout[c->state],
		.packets_out = c->pkts_out,
		.packets_in = c->pkts_in,
	};
	be32_put(e->int_ip, c->int_ip);
	be32_put(e->rem_ip, c->rem_ip);
}
/* Idle since its last packet there, not since this look. */
bool conn_fast_seen(struct nat *nat, struct conn *c, uint64_t now)
{
	struct nat_entry_view e;
	uint64_t seen;

	if (!nat->hooks.seen)
		return false;
	conn_view(nat, c, now, &e);
	seen = nat->hooks.seen(&e, nat->hooks.arg);
	if (seen <= c->last)
		return false;
	c->last = seen;
	return true;
}

bool conn_dead_unseen(struct nat *nat, struct conn *c, uint64_t now)
{
	return !conn_fast_seen(nat, c, now) || conn_expired(nat, c, now);
}

void conn_release(struct nat *nat, uint32_t ref)
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
	if (conn_state_ending(c->state))
		nat->stats.closed++;
	else
		nat->stats.expired++;
	c->proto = 0;
	c->next_free = nat->free_head;
	nat->free_head = ref;
	nat->stats.entries--;
}

/* A time_wait connection silent for nat->take_idle (its fast-path
 * traffic included) may give its port to a new SYN: one that a spoofed
 * FIN put there while it still carries data keeps it. A reset one never
 * does: RSTs are not checked against the window here. Without asking
 * the fast path (a map lookup): a candidate. */
static bool conn_may_be_over(const struct nat *nat, const struct conn *c, uint64_t now)
{
	return c->proto == PROTO_TCP && c->state == ST_TIME_WAIT &&
	       idle_ns(c->last, now) >= nat->take_idle;
}

static bool conn_over(struct nat *nat, struct conn *c, uint64_t now)
{
	return conn_may_be_over(nat, c, now) &&
	       (!conn_fast_seen(nat, c, now) || conn_may_be_over(nat, c, now));
}

/* Is ext port free towards this remote endpoint? An expired holder is
 * reclaimed on the spot. *over: the holder may be a connection that is
 * over (conn_may_be_over), whose port a new SYN may take. */
static bool port_free(struct nat *nat, uint8_t proto, uint32_t rem_ip, uint16_t rem_port,
		      uint16_t port, uint64_t now, uint32_t *over)
{
	uint32_t tag = nat_index_tag(in_hash(nat, proto, rem_ip, rem_port, port));
	uint32_t ref = find_in(nat, tag, proto, rem_ip, rem_port, port);

	*over = 0;
	if (!ref)
		return true;
	if (!conn_dead(nat, &nat->conns[ref - 1], now)) {
		if (conn_may_be_over(nat, &nat->conns[ref - 1], now))
			*over = ref;
		return false;
	}
	conn_release(nat, ref);
	return true;
}

/* A free port, or false with *over the first port of the search that a
 * connection that is over holds (0: none). */
static bool port_search(struct nat *nat, uint8_t proto, uint16_t int_port, uint32_t rem_ip,
			uint16_t rem_port, uint64_t hash, uint64_t now, uint16_t *port,
			uint32_t *over)
{
	uint32_t range = (uint32_t)nat->port_max - nat->port_min + 1, o;

	*over = 0;
	if (int_port >= nat->port_min && int_port <= nat->port_max) {
		if (port_free(nat, proto, rem_ip, rem_port, int_port, now, &o)) {
			*port = int_port;
			return true;
		}
		*over = o;
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
			if (port_free(nat, proto, rem_ip, rem_port, cand, now, &o)) {
				*port = cand;
				return true;
			}
			if (!*over)
				*over = o;
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

/* syn: a free port, else the first one of the search that a finished
 * connection holds: after the free ones, so that a closed connection
 * keeps its port as long as the range allows (a late segment of it
 * still finds it). One search either way. */
static bool alloc_port(struct nat *nat, uint8_t proto, uint16_t int_port, uint32_t rem_ip,
		       uint16_t rem_port, uint64_t hash, uint64_t now, bool syn, uint16_t *port)
{
	uint32_t over;

	if (port_search(nat, proto, int_port, rem_ip, rem_port, hash, now, port, &over))
		return true;
	/* The fast path asked once, for the one candidate. */
	if (!syn || !over || !conn_over(nat, &nat->conns[over - 1], now))
		return false;
	*port = nat->conns[over - 1].ext_port;
	nat->stats.taken_closed++;
	conn_release(nat, over);
	return true;
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

enum nat_verdict conn_create(struct nat *nat, uint8_t proto, uint32_t int_ip, uint16_t int_port,
			     uint32_t rem_ip, uint16_t rem_port, uint64_t hash, uint8_t tcp_flags,
			     uint64_t now, struct conn **out)
{
	if (!nat->free_head && nat->hw == nat->max && !reclaim_one(nat, now))
		return NAT_DROP_FULL;
	uint16_t ext;
	bool syn = proto == PROTO_TCP && (tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN;

	if (!alloc_port(nat, proto, int_port, rem_ip, rem_port, hash, now, syn, &ext))
		return NAT_DROP_NO_PORT;

	struct conn c = {
		.int_ip = int_ip,
		.rem_ip = rem_ip,
		.int_port = int_port,
		.ext_port = ext,
		.rem_port = rem_port,
		.proto = proto,
		.state = proto == PROTO_UDP ? ST_UDP
			 : proto == PROTO_ICMP ? ST_ICMP
					       : tcp_initial_state(tcp_flags),
		.last = now,
	};
	*out = conn_insert(nat, &c, hash);
	nat->stats.created++;
	return NAT_OK;
}

struct conn *conn_insert(struct nat *nat, const struct conn *from, uint64_t hash)
{
	uint32_t ref;

	if (nat->free_head) { /* LIFO: the most recently freed is cache-warm */
		ref = nat->free_head;
		nat->free_head = nat->conns[ref - 1].next_free;
	} else {
		ref = ++nat->hw;
	}
	struct conn *c = &nat->conns[ref - 1];
	*c = *from;
	nat_index_insert(&nat->out, nat_index_tag(hash), ref);
	nat_index_insert(&nat->in,
			 nat_index_tag(in_hash(nat, c->proto, c->rem_ip, c->rem_port, c->ext_port)),
			 ref);
	nat->stats.entries++;
	return c;
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
	nat->ext_plen = cfg->ext_plen;
	nat->port_min = cfg->port_min;
	nat->port_max = cfg->port_max;
	nat->max = cfg->max_entries;
#define TMO(f, def) ((f) ? (f) : (def) * SEC)
	nat->timeout[ST_UDP] = TMO(cfg->timeout_udp_ns, 60);
	nat->timeout[ST_ICMP] = TMO(cfg->timeout_icmp_ns, 30);
	nat->timeout[ST_EST] = TMO(cfg->timeout_tcp_est_ns, 7440);
	nat->timeout[ST_SYN_SENT] = TMO(cfg->timeout_tcp_trans_ns, 240);
	nat->timeout[ST_CLOSING] = nat->timeout[ST_SYN_SENT];
	nat->timeout[ST_CLOSING_IN] = nat->timeout[ST_SYN_SENT];
	/* 120 s by default, Linux's nf_conntrack_tcp_timeout_time_wait */
	nat->timeout[ST_TIME_WAIT] = nat->timeout[ST_SYN_SENT] / 2;
	/* 1 s, or less with (tests') timeouts shorter than 2 s */
	nat->take_idle = nat->timeout[ST_TIME_WAIT] / 2 < SEC ? nat->timeout[ST_TIME_WAIT] / 2 : SEC;
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
