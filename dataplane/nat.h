/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_NAT_H
#define NSFAST_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pkt.h"

/* Connection tracking and source NAT (masquerade) between the namespaces
 * behind a switch and its uplink address, IPv4 only: TCP, UDP, and ICMP
 * echo (by identifier). Translation happens in place on a parsed frame,
 * with incremental checksum updates. A fragmented datagram is translated
 * fragment by fragment, without reassembly: its first fragment by its
 * connection, the later ones as their first (nat_frag.h). Single
 * threaded; every table is
 * allocated in nat_new and nothing after: a full table refuses new
 * connections (counted) and never evicts a live one. */

struct nat_cfg {
	uint8_t ext_ip[4]; /* the uplink's address: the new source */
	uint8_t ext_plen; /* its prefix (0: none known): a kept connection to
			   * its subnet's broadcast or network address is
			   * refused, as route_uplink_bcast drops such packets */
	uint8_t int_net[4]; /* the namespaces' subnet: only it is translated */
	uint8_t int_plen;
	uint16_t port_min, port_max; /* external TCP/UDP ports and ICMP ids */
	uint32_t max_entries;
	uint64_t timeout_udp_ns; /* default 60 s */
	uint64_t timeout_icmp_ns; /* default 30 s */
	uint64_t timeout_tcp_est_ns; /* established, default 7440 s (RFC 5382) */
	uint64_t timeout_tcp_trans_ns; /* SYN sent, closing, default 240 s */
	uint64_t timeout_tcp_rst_ns; /* after an RST, default 10 s */
};

enum nat_verdict {
	NAT_OK = 0, /* translated in place: send it on */
	NAT_DROP_BAD, /* malformed: cannot be translated */
	NAT_DROP_UNSUPPORTED, /* not TCP, UDP or ICMP echo / error; a fragmented error */
	NAT_DROP_FULL, /* a new connection, table full */
	NAT_DROP_NO_PORT, /* a new connection, no free external port for it */
	NAT_DROP_NO_MATCH, /* inbound with no connection: unsolicited; a later
			    * fragment whose first was not translated (counted
			    * in drop_frag_no_first only) */
	NAT_DROP_NOT_INSIDE, /* outbound from a source outside int_net */
};

struct nat_stats {
	uint64_t created, expired, closed; /* connections */
	/* of closed: finished TCP connections (time_wait, reset) whose port
	 * a new connection took before their timeout */
	uint64_t taken_closed;
	uint64_t out_packets, in_packets, icmp_errors_in; /* translated */
	uint64_t drop_full, drop_no_port, drop_no_match, drop_bad, drop_unsupported;
	/* Fragmented datagrams: first fragments translated (also counted in
	 * out/in_packets), later ones given their first one's address (also
	 * counted there), and later ones dropped for want of their
	 * datagram's entry (its first refused, not seen, or 30 s old; these
	 * nowhere else). */
	uint64_t frag_first, frag_later, drop_frag_no_first;
	/* Ports a search for a free one looked at (the namespace's own
	 * aside): its cost, at most 248 a search. */
	uint64_t port_probes;
	/* loaded by nat_keep_load: kept across a restart of the daemon */
	uint64_t kept;
	uint32_t entries;
};

struct nat_entry_view {
	uint8_t proto; /* IPPROTO_TCP, _UDP, _ICMP */
	uint8_t int_ip[4], rem_ip[4];
	uint16_t int_port, ext_port, rem_port; /* host order; ICMP: id, id, 0 */
	const char *state; /* "udp", "icmp", "syn_sent", "established", "closing", "time_wait",
			      "reset" */
	uint64_t idle_ns, timeout_ns;
	uint64_t packets_out, packets_in;
};

struct nat;

/* Missing timeouts (0) take the defaults above. NULL on bad config
 * (empty or inverted port range, max_entries 0 or over 1<<24) or ENOMEM. */
struct nat *nat_new(const struct nat_cfg *cfg);
void nat_free(struct nat *nat);

/* A frame from a namespace to the outside (p parsed by pkt_parse, IPv4,
 * src in int_net): find or create its connection, rewrite the source
 * address and port (ICMP: id) to the external ones, update the IPv4 and
 * L4 checksums (a UDP checksum of 0 stays 0). L2 and TTL are the
 * caller's. */
enum nat_verdict nat_translate_out(struct nat *nat, struct pkt *p, uint64_t now);

/* A frame from the uplink to ext_ip: if it belongs to a connection,
 * rewrite the destination back to the namespace's address and port;
 * an ICMP error (destination unreachable, time exceeded, parameter
 * problem) that quotes a translated packet is translated back too
 * (outer destination, quoted source address and port, quoted IPv4
 * checksum, ICMP checksum). *int_ip receives the namespace address. */
enum nat_verdict nat_translate_in(struct nat *nat, struct pkt *p, uint64_t now,
				  uint8_t int_ip[4]);

/* The inbound packet nat_translate_in just translated is not sent on
 * after all (too big for its port: refused, or not cut). ip: its IPv4
 * header as it came. If it was a first fragment, its datagram's later
 * ones are no longer let in: without it they are of no use. */
void nat_frag_unsent_in(struct nat *nat, const uint8_t *ip, uint64_t now);

/* Is this inbound (proto, ext_port or ICMP id) inside the reserved range?
 * (What the uplink's program also checks, for the tests' sake.) */
int nat_port_reserved(const struct nat *nat, uint16_t port);

/* Remove idle connections; returns how many. Call about once a second. */
uint32_t nat_expire(struct nat *nat, uint64_t now);

/* Visit live connections (the hooks' seen consulted for those that look
 * expired); stop when cb returns non-zero. */
int nat_foreach(struct nat *nat, uint64_t now,
		int (*cb)(const struct nat_entry_view *e, void *arg), void *arg);

/* For a fast path that carries some connections outside this table
 * (dataplane xdp, tc). seen: asked before an idle connection expires;
 * when the fast path last carried it (the caller's clock, ns), 0 if never:
 * a later time than the connection's own refreshes it to that time.
 * released: the connection is gone, however. */
struct nat_hooks {
	uint64_t (*seen)(const struct nat_entry_view *e, void *arg);
	void (*released)(const struct nat_entry_view *e, void *arg);
	void *arg;
};
void nat_set_hooks(struct nat *nat, const struct nat_hooks *hooks);
/* The connection the last NAT_OK of nat_translate_out/in used; none
 * (proto 0) after an ICMP error, which is not one of its packets. */
void nat_last(const struct nat *nat, uint64_t now, struct nat_entry_view *e);

/* Across a restart of the daemon (nat_keep.c): the live connections to
 * f, as text, *saved of them; then, in the next daemon, into a new table
 * with the same external address, if they were saved no more than
 * max_away ns before now: 0, -EPROTO (not such a file), -EADDRNOTAVAIL
 * (another address), -ESTALE (too old), -EIO. Expired ones are left
 * out; lines that do not fit this table are refused, and counted. */
struct nat_keep_stats {
	uint32_t loaded, expired, refused;
};
int nat_keep_save(struct nat *nat, FILE *f, uint64_t now, uint32_t *saved);
int nat_keep_load(struct nat *nat, FILE *f, uint64_t now, uint64_t max_away,
		  struct nat_keep_stats *st);

const struct nat_stats *nat_stats(const struct nat *nat);
/* Bytes of memory per connection slot, for the README and benchmarks. */
size_t nat_bytes_per_entry(void);

#endif
