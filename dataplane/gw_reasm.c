/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "gw_reasm.h"
#include "pkt.h"

#define BLOCKS ((GW_REASM_MAX + 7) / 8)

struct slot {
	bool used;
	uint8_t mac[6]; /* the host its fragments come from */
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	uint64_t since;
	uint32_t hl; /* the first fragment's header length, 0 until it came */
	uint32_t end; /* data bytes, known from the last fragment; 0 until then */
	uint32_t hi; /* the furthest byte any fragment reached */
	uint32_t blocks; /* 8-byte blocks received */
	uint8_t have[BLOCKS / 8 + 1];
	/* headroom, the first fragment's header (60 bytes at most), data */
	uint8_t buf[GW_REASM_HEADROOM + 60 + GW_REASM_MAX];
};

struct gw_reasm {
	struct slot slot[GW_REASM_SLOTS];
	struct gw_reasm_stats st;
};

struct gw_reasm *gw_reasm_new(void)
{
	return calloc(1, sizeof(struct gw_reasm));
}

void gw_reasm_free(struct gw_reasm *r)
{
	free(r);
}

const struct gw_reasm_stats *gw_reasm_stats(const struct gw_reasm *r)
{
	return &r->st;
}

/* The datagram's slot: its own, else a free or timed-out one, else the
 * oldest, given up. */
static struct slot *slot_for(struct gw_reasm *r, const uint8_t *ip, const uint8_t mac[6],
			     uint64_t now)
{
	struct slot *s, *pick = NULL;
	int i;

	for (i = 0; i < GW_REASM_SLOTS; i++) {
		s = &r->slot[i];
		if (s->used && now > s->since + GW_REASM_TIMEOUT_NS) {
			s->used = false;
			r->st.evicted++;
		}
		if (s->used && s->src == be32_get(ip + 12) && s->dst == be32_get(ip + 16) &&
		    s->id == be16_get(ip + 4) && s->proto == ip[9])
			return s;
		if (!s->used) {
			if (!pick || pick->used)
				pick = s;
		} else if (!pick || (pick->used && s->since < pick->since)) {
			pick = s;
		}
	}
	if (pick->used)
		r->st.evicted++;
	memset(pick, 0, offsetof(struct slot, buf));
	pick->used = true;
	pick->src = be32_get(ip + 12);
	pick->dst = be32_get(ip + 16);
	pick->id = be16_get(ip + 4);
	pick->proto = ip[9];
	pick->since = now;
	memcpy(pick->mac, mac, 6);
	return pick;
}

int gw_reasm_add(struct gw_reasm *r, const uint8_t *ip, uint32_t len, const uint8_t mac[6],
		 uint64_t now, uint8_t **dgram, uint32_t *dlen)
{
	uint32_t hl = (uint32_t)(ip[0] & 0x0f) * 4, tot, off, n, b;
	uint16_t field;
	bool more;
	struct slot *s;

	if (len < 20 || ip[0] >> 4 != 4 || hl < 20 || (tot = be16_get(ip + 2)) < hl || tot > len)
		goto bad;
	field = be16_get(ip + 6);
	off = (uint32_t)(field & 0x1fff) * 8;
	more = field & 0x2000;
	n = tot - hl;
	/* Every fragment but the last holds whole blocks; none ends past
	 * 65535 (RFC 791's largest datagram), counting the header. */
	if ((!more && !off) || (more && (n == 0 || n % 8)) || off + n + hl > GW_REASM_MAX)
		goto bad;
	s = slot_for(r, ip, mac, now);
	if (memcmp(s->mac, mac, 6))
		goto bad; /* another host's: not for this datagram */
	/* Two different ends, or bytes past the end: not one datagram. */
	if ((!more && ((s->end && s->end != off + n) || s->hi > off + n)) ||
	    (more && s->end && off + n > s->end)) {
		s->used = false;
		goto bad;
	}
	if (!more)
		s->end = off + n;
	if (off + n > s->hi)
		s->hi = off + n;
	if (off == 0) {
		s->hl = hl;
		memcpy(s->buf + GW_REASM_HEADROOM + 60 - hl, ip, hl);
	}
	memcpy(s->buf + GW_REASM_HEADROOM + 60 + off, ip + hl, n);
	for (b = off / 8; b < (off + n + 7) / 8; b++)
		if (!(s->have[b / 8] & (1u << (b % 8)))) {
			s->have[b / 8] |= (uint8_t)(1u << (b % 8));
			s->blocks++;
		}
	r->st.fragments++;
	if (!s->hl || !s->end || s->blocks != (s->end + 7) / 8)
		return 0;
	if (s->hl + s->end > GW_REASM_MAX) { /* a long header first, data to the limit */
		s->used = false;
		goto bad;
	}
	/* Whole: the first fragment's header, as one datagram (its header
	 * checksum is the answer's to recompute). */
	uint8_t *h = s->buf + GW_REASM_HEADROOM + 60 - s->hl;
	h[2] = (uint8_t)((s->hl + s->end) >> 8);
	h[3] = (uint8_t)(s->hl + s->end);
	h[6] = h[7] = 0;
	s->used = false;
	r->st.whole++;
	*dgram = h;
	*dlen = s->hl + s->end;
	return 1;
bad:
	r->st.bad++;
	return -EINVAL;
}
