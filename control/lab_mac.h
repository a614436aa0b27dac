/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_LAB_MAC_H
#define NSFAST_LAB_MAC_H

#include <stddef.h>
#include <stdint.h>

#define LAB_MAC_GATEWAY 0x66 /* a switch's gateway: its daemon's, a bridge */
#define LAB_MAC_HOST 0x68 /* a userspace switch's host port, in the host */

/* A locally administered MAC, 02:6e:KIND:xx:xx:xx, from the lab's name
 * and an address of the switch (alen bytes), or its name when it has
 * none: the same across restarts, and when a file renames the switch,
 * so that the namespaces' neighbour caches, which keep an entry up to
 * 30 s, stay right. A lab's switch subnets are disjoint, so its
 * switches' MACs differ. */
static inline void lab_mac(uint8_t kind, const char *lab, const uint8_t *addr, size_t alen,
			   const char *name, uint8_t mac[6])
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const char *s = lab; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	if (addr) {
		for (size_t i = 0; i < alen; i++)
			h = (h ^ addr[i]) * 16777619u;
	} else {
		for (const char *s = name; *s; s++)
			h = (h ^ (uint8_t)*s) * 16777619u;
	}
	mac[0] = 0x02;
	mac[1] = 0x6e;
	mac[2] = kind;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

#endif
