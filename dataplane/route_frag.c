/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "nat_csum.h"
#include "pkt.h"
#include "route_frag.h"
#include "xsk_port.h"

#define ETH_HLEN 14
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff

/* The options of a later fragment: those without the copied flag (0x80)
 * become NOPs. 0, or -EINVAL when the list runs past the header. */
static int options_for_later(uint8_t *opt, uint32_t len)
{
	uint32_t i = 0;

	while (i < len) {
		uint8_t type = opt[i], olen;

		if (type == 0) /* end of list: the rest is padding */
			return 0;
		if (type == 1) {
			i++;
			continue;
		}
		if (len - i < 2)
			return -EINVAL;
		olen = opt[i + 1];
		if (olen < 2 || olen > len - i)
			return -EINVAL;
		if (!(type & 0x80))
			memset(opt + i, 1, olen);
		i += olen;
	}
	return 0;
}

int route_fragment(struct umem *u, const uint8_t *frame, uint32_t len, uint32_t mtu,
		   uint64_t addr[RT_FRAGS_MAX], uint32_t flen[RT_FRAGS_MAX], int *n)
{
	const uint8_t *ip = frame + ETH_HLEN;
	uint8_t later[60];
	uint32_t hl, tot, data, chunk, pos, off0;
	uint16_t field;
	int count, i;

	*n = 0;
	if (len < ETH_HLEN + 20)
		return -EINVAL;
	hl = (uint32_t)(ip[0] & 0x0f) * 4;
	tot = be16_get(ip + 2);
	if (ip[0] >> 4 != 4 || hl < 20 || tot < hl || tot > len - ETH_HLEN ||
	    mtu < hl + RT_FRAG_MIN || mtu > FRAME_SIZE - ETH_HLEN)
		return -EINVAL;
	data = tot - hl;
	chunk = (mtu - hl) & ~7u;
	count = (int)((data + chunk - 1) / chunk);
	field = be16_get(ip + 6);
	off0 = (uint32_t)(field & IP_OFFMASK) * 8;
	if (count < 2 || count > RT_FRAGS_MAX || off0 + data > 0xffff)
		return -EINVAL;
	memcpy(later, ip, hl);
	if (options_for_later(later + 20, hl - 20))
		return -EINVAL;
	if (u->nfree < (uint32_t)count + RT_FRAG_RESERVE)
		return -ENOBUFS;
	for (i = 0, pos = 0; i < count; i++, pos += chunk) {
		uint32_t take = data - pos < chunk ? data - pos : chunk;
		uint64_t a = frame_take(u);
		uint8_t *d = xsk_umem__get_data(u->area, a), *fip = d + ETH_HLEN;
		bool last = i + 1 == count;

		memcpy(d, frame, ETH_HLEN);
		memcpy(fip, i ? later : ip, hl);
		memcpy(fip + hl, ip + hl + pos, take);
		be16_put(fip + 2, (uint16_t)(hl + take));
		/* DF is clear, or we would not be here; the reserved bit stays. */
		be16_put(fip + 6, (uint16_t)((field & 0x8000) | (last ? field & IP_MF : IP_MF) |
					     ((off0 + pos) / 8)));
		be16_put(fip + 10, 0);
		be16_put(fip + 10, csum_fold(csum_add(0, fip, hl)));
		addr[i] = a;
		flen[i] = ETH_HLEN + hl + take;
	}
	*n = count;
	return 0;
}
