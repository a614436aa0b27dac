/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_NFT_H
#define NSFAST_NFT_H

#include <stdbool.h>
#include <stddef.h>

/* nftables through libnftables: the masquerade of `dataplane kernel`. */
int nft_masq_add(const char *table, const char *subnet, const char *oif, const char *bridge,
		 unsigned int pmin, unsigned int pmax, char *err, size_t errlen);
/* The same, over an existing table, in one transaction. */
int nft_masq_replace(const char *table, const char *subnet, const char *oif, const char *bridge,
		     unsigned int pmin, unsigned int pmax, char *err, size_t errlen);
/* Was the table made by nft_masq_add with these? */
bool nft_masq_same(const char *table, const char *subnet, const char *oif, const char *bridge,
		   unsigned int pmin, unsigned int pmax);
int nft_table_del(const char *table, char *err, size_t errlen);
bool nft_table_exists(const char *table);
/* The table as `nft list table ip TABLE` prints it. */
int nft_table_text(const char *table, char *out, size_t outlen);

#endif
