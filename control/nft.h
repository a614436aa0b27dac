/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_NFT_H
#define NSFAST_NFT_H

#include <stdbool.h>
#include <stddef.h>

/* nftables through libnftables: the table of a `dataplane kernel`
 * switch, which confines what the host forwards for its bridge, and
 * masquerades to its uplink. */

/* What a switch's table is made from; its comment records it. Without
 * an uplink (oif ""), subnet and ports are unused: confinement only. */
struct nft_bridge {
	char subnet[64]; /* the switch's IPv4 subnet, CIDR */
	char bridge[16], oif[16]; /* the switch's bridge, the uplink */
	unsigned int pmin, pmax; /* TCP and UDP source ports */
};

/* Make the table; replace: over an existing one, in one transaction. */
int nft_bridge_put(const char *table, const struct nft_bridge *m, bool replace, char *err,
		 size_t errlen);
/* What a table's listing (nft_table_text) says it was made from:
 * 0, or -EPROTO without the comment (an nsfast before it). */
int nft_bridge_parse(const char *text, struct nft_bridge *m);
int nft_table_del(const char *table, char *err, size_t errlen);
bool nft_table_exists(const char *table);
/* The table as `nft list table ip TABLE` prints it. */
int nft_table_text(const char *table, char *out, size_t outlen);

#endif
