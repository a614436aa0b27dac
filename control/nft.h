/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_NFT_H
#define NSFAST_NFT_H

#include <stdbool.h>
#include <stddef.h>

/* nftables through libnftables: a switch's table, which confines what
 * the host forwards for its bridge or host port, masquerades to a
 * kernel switch's uplink, and holds a userspace switch's NAT ports. */

/* What a switch's table is made from; its comment records it. Three
 * kinds:
 * - a kernel switch's SNAT (subnet and oif): the masquerade, only
 *   replies in, and the bridge confined to itself and the uplink;
 * - a confinement alone (oif ""): the bridge or host port to itself;
 * - a userspace switch's SNAT (oif, no subnet): the host drops what
 *   comes in on the uplink to the NAT's ports, which the switch's uplink
 *   program takes while a daemon runs, so that between two daemons the
 *   host does not reset the connections the next one keeps
 *   (dataplane/nat_keep.c); and its host port confined, unless bridge
 *   is "-" (none, or one without IPv4). */
struct nft_bridge {
	char subnet[64]; /* the switch's IPv4 subnet, CIDR */
	char bridge[16], oif[16]; /* the switch's bridge (or host port), the uplink */
	unsigned int pmin, pmax; /* TCP and UDP ports of the NAT */
};

/* Make the table; replace: over an existing one, in one transaction. */
int nft_bridge_put(const char *table, const struct nft_bridge *m, bool replace, char *err,
		 size_t errlen);
/* What a table's listing (nft_table_text) says it was made from:
 * 0, or -EPROTO without the comment (an nsfast before it). */
int nft_bridge_parse(const char *text, struct nft_bridge *m);
int nft_table_del(const char *table, char *err, size_t errlen);
bool nft_table_exists(const char *table);
/* `nft list tables` (every family's table, one a line). */
int nft_tables_text(char *out, size_t outlen);
/* The table as `nft list table ip TABLE` prints it. */
int nft_table_text(const char *table, char *out, size_t outlen);

#endif
