/* SPDX-License-Identifier: MIT */
/* The gateway's ARP table: see arp_table.h for what it promises. */
#include <errno.h>
#include <string.h>

#include "arp_table.h"

static struct arp_entry *bucket(struct arp_table *t, uint32_t ip)
{
	/* Fibonacci hashing: the top bits mix every byte of the address, so
	 * hosts that differ only in the last octet spread over the sets. */
	return &t->e[((ip * 2654435761u) >> 24) % ARP_BUCKETS * ARP_WAYS];
}

static struct arp_entry *find(struct arp_table *t, uint32_t ip)
{
	struct arp_entry *b = bucket(t, ip);
	int i;

	for (i = 0; i < ARP_WAYS; i++)
		if (b[i].state != ARP_EMPTY && b[i].ip == ip)
			return &b[i];
	return NULL;
}

static bool stale(const struct arp_entry *e, uint64_t now)
{
	return e->state == ARP_REACHABLE && now - e->confirmed >= ARP_STALE_NS;
}

/* When the entry last meant something: its answer, or our question. */
static uint64_t last_use(const struct arp_entry *e)
{
	return e->state == ARP_INCOMPLETE ? e->asked : e->confirmed;
}

/* A slot for a new address. Unsolicited learning (need == false) takes
 * only an empty or a stale slot: addresses being resolved and fresh ones
 * stay. An address the gateway needs takes the oldest slot of the set. */
static struct arp_entry *slot(struct arp_table *t, uint32_t ip, uint64_t now, bool need)
{
	struct arp_entry *b = bucket(t, ip), *victim = NULL;
	int i;

	for (i = 0; i < ARP_WAYS; i++) {
		if (b[i].state == ARP_EMPTY) {
			t->st.entries++;
			return &b[i];
		}
		if (!need && !stale(&b[i], now))
			continue;
		if (!victim || last_use(&b[i]) < last_use(victim))
			victim = &b[i];
	}
	if (victim)
		t->st.evicted++;
	return victim;
}

void arp_init(struct arp_table *t)
{
	memset(t, 0, sizeof(*t));
}

/* move: a reachable entry of another MAC takes this one (ARP), or is
 * left as it is (IPv4, counted in other_mac). One lookup either way:
 * IPv4 to the gateway learns on every routed frame. */
static int learn(struct arp_table *t, uint32_t ip, const uint8_t mac[6], uint64_t now, bool move)
{
	static const uint8_t zero[6];
	struct arp_entry *e;

	if (!ip || ip == UINT32_MAX || (mac[0] & 1) || !memcmp(mac, zero, 6)) {
		t->st.ignored++;
		return -EINVAL;
	}
	e = find(t, ip);
	if (e && e->state == ARP_REACHABLE) {
		bool moved = memcmp(e->mac, mac, 6) != 0;

		if (moved && !move) {
			t->st.other_mac++;
			return 0;
		}
		if (moved) {
			memcpy(e->mac, mac, 6);
			t->st.changed++;
		}
		e->confirmed = now;
		e->probe = 0;
		return moved;
	}
	if (!e) {
		e = slot(t, ip, now, false);
		if (!e) {
			t->st.refused++;
			return 0;
		}
		e->asked = 0;
	}
	e->ip = ip;
	memcpy(e->mac, mac, 6);
	e->state = ARP_REACHABLE;
	e->confirmed = now;
	e->probe = 0;
	t->st.learned++;
	return 1;
}

int arp_learn(struct arp_table *t, uint32_t ip, const uint8_t mac[6], uint64_t now)
{
	return learn(t, ip, mac, now, true);
}

int arp_learn_ipv4(struct arp_table *t, uint32_t ip, const uint8_t mac[6], uint64_t now)
{
	return learn(t, ip, mac, now, false);
}

static bool ask_due(struct arp_table *t, struct arp_entry *e, uint64_t now)
{
	if (e->asked && now - e->asked < ARP_ASK_NS)
		return false;
	e->asked = now;
	t->st.asked++;
	return true;
}

int arp_resolve(struct arp_table *t, uint32_t ip, uint64_t now, uint8_t mac[6], bool *ask)
{
	struct arp_entry *e = find(t, ip);

	*ask = false;
	if (!e) {
		e = slot(t, ip, now, true);
		e->ip = ip;
		e->state = ARP_INCOMPLETE;
		e->confirmed = e->probe = e->asked = 0;
		*ask = ask_due(t, e, now);
		return -EAGAIN;
	}
	if (e->state == ARP_REACHABLE && stale(e, now)) {
		/* Like Linux's STALE -> PROBE: keep using the MAC while asking,
		 * forget it if the question goes unanswered. */
		if (!e->probe) {
			e->probe = now;
		} else if (now - e->probe >= ARP_PROBE_NS) {
			e->state = ARP_INCOMPLETE;
			e->probe = 0;
			t->st.failed++;
		}
	}
	*ask = (e->state == ARP_INCOMPLETE || e->probe) && ask_due(t, e, now);
	if (e->state == ARP_INCOMPLETE)
		return -EAGAIN;
	memcpy(mac, e->mac, 6);
	return 0;
}

int arp_foreach(const struct arp_table *t, uint64_t now,
		int (*cb)(const struct arp_entry *e, uint64_t age_ns, bool stale, void *arg),
		void *arg)
{
	int i, r;

	for (i = 0; i < ARP_SIZE; i++) {
		const struct arp_entry *e = &t->e[i];

		if (e->state == ARP_EMPTY)
			continue;
		r = cb(e, now - last_use(e), stale(e, now), arg);
		if (r)
			return r;
	}
	return 0;
}
