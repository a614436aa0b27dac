/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_ARP_TABLE_H
#define NSFAST_ARP_TABLE_H

#include <stdbool.h>
#include <stdint.h>

/* The gateway's IPv4 neighbours on its own subnet: address -> MAC, for
 * the next hops of its routes and the namespaces NAT replies go back to.
 * Learned from what the switch sees (ARP senders; IPv4 sent to the
 * gateway, for an address not known yet); resolved on demand by asking
 * (the caller sends the request when told to). States follow Linux's
 * neighbour table in miniature: incomplete (asked, no answer yet),
 * reachable (confirmed recently), stale (still used, asked again;
 * dropped if that goes unanswered).
 *
 * Bounded and allocation-free: a fixed array, set-associative (4 ways).
 * Unsolicited learning never pushes out a fresh entry, so chatter from
 * one namespace cannot evict the next hops; an address the gateway needs
 * does get a slot (the oldest of its set). Single threaded. */

#define ARP_BUCKETS 256
#define ARP_WAYS 4
#define ARP_SIZE (ARP_BUCKETS * ARP_WAYS)

#define ARP_STALE_NS 30000000000ull /* unconfirmed this long: ask again */
#define ARP_PROBE_NS 3000000000ull /* a stale entry's question unanswered this long: gone */
#define ARP_ASK_NS 250000000ull /* at most one request per address this often */

enum arp_state { ARP_EMPTY = 0, ARP_INCOMPLETE, ARP_REACHABLE };

struct arp_entry {
	uint32_t ip; /* network order */
	uint8_t mac[6];
	uint8_t state; /* enum arp_state */
	uint64_t confirmed; /* last learned (CLOCK_MONOTONIC ns) */
	uint64_t asked; /* last request the caller was told to send, 0 = none */
	uint64_t probe; /* first request since it went stale, 0 = none */
};

struct arp_stats {
	uint64_t learned; /* addresses that became known (new, or an answer) */
	uint64_t changed; /* a known address answered from another MAC */
	uint64_t other_mac; /* IPv4 from a known address's other MAC: not learned */
	uint64_t evicted; /* entries replaced by another address */
	uint64_t refused; /* unsolicited learns with no stale slot to take */
	uint64_t ignored; /* learns of a bad address or MAC */
	uint64_t asked; /* requests the caller was told to send */
	uint64_t failed; /* stale entries that did not answer: forgotten */
	uint32_t entries; /* current, incomplete ones included */
};

struct arp_table {
	struct arp_entry e[ARP_SIZE];
	struct arp_stats st;
};

void arp_init(struct arp_table *t);

/* ip (network order) was seen using mac at time now. Returns 1 when the
 * address became usable or changed MAC (frames waiting for it can go),
 * 0 when a known entry was only refreshed (or the learn was refused for
 * lack of room), -EINVAL for address 0 or 255.255.255.255 or a
 * multicast or zero MAC. */
int arp_learn(struct arp_table *t, uint32_t ip, const uint8_t mac[6], uint64_t now);

/* ip was seen sending IPv4 (not ARP) from mac: learned as arp_learn
 * when ip has no MAC yet (it saves asking for it before the answer),
 * refreshed when it has this one, left alone when it has another. Any
 * host can send IPv4 with any source address: taken from that, one
 * frame would send another host's traffic to the sender. Only ARP
 * moves an entry, as Linux learns neighbours only from ARP. Returns as
 * arp_learn, 0 for another MAC (counted in other_mac). */
int arp_learn_ipv4(struct arp_table *t, uint32_t ip, const uint8_t mac[6], uint64_t now);

/* The MAC of ip: 0 and *mac filled when known (stale included), -EAGAIN
 * when not (yet); an entry is made for it then. *ask is set when the
 * caller should send an ARP request for ip now (rate limited to one per
 * ARP_ASK_NS per address). */
int arp_resolve(struct arp_table *t, uint32_t ip, uint64_t now, uint8_t mac[6], bool *ask);

/* Visit entries; age_ns = now - confirmed (incomplete: since asked).
 * stale is set for reachable entries unconfirmed for ARP_STALE_NS. Stops
 * when cb returns non-zero and returns that. */
int arp_foreach(const struct arp_table *t, uint64_t now,
		int (*cb)(const struct arp_entry *e, uint64_t age_ns, bool stale, void *arg),
		void *arg);

#endif
