/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>

#include "nft.h"

/* Run cmd; its error line into err, its output (if out) into out. */
static int nft_run_out(const char *cmd, char *err, size_t errlen, char *out, size_t outlen)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	int rc;

	if (!ctx)
		return -ENOMEM;
	/* Keep libnftables quiet: its message becomes part of ours. */
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	rc = nft_run_cmd_from_buffer(ctx, cmd);
	if (rc && err) {
		const char *e = nft_ctx_get_error_buffer(ctx);

		snprintf(err, errlen, "%s", e ? e : "");
		err[strcspn(err, "\n")] = '\0';
	}
	if (!rc && out) {
		const char *o = nft_ctx_get_output_buffer(ctx);

		snprintf(out, outlen, "%s", o ? o : "");
	}
	nft_ctx_free(ctx);
	return rc ? -EINVAL : 0;
}

static int nft_run(const char *cmd, char *err, size_t errlen)
{
	return nft_run_out(cmd, err, errlen, NULL, 0);
}

/* What the table is made from, as its comment: up compares it to tell
 * whether the file changed it. */
static void masq_spec(char *buf, size_t len, const char *subnet, const char *oif,
		      const char *bridge, unsigned int pmin, unsigned int pmax)
{
	snprintf(buf, len, "nsfast: %s from %s out of %s ports %u-%u", subnet, bridge, oif, pmin,
		 pmax);
}

/* One table per switch, so that `down` removes exactly its rules: the
 * masquerade into the reserved ports, and the drops that let only
 * replies in (counted, for `nft list table`). replace: delete the old
 * table in the same transaction, so that no packet sees neither. */
static int masq_put(bool replace, const char *table, const char *subnet, const char *oif,
		    const char *bridge, unsigned int pmin, unsigned int pmax, char *err,
		    size_t errlen)
{
	char cmd[1280], spec[160];

	masq_spec(spec, sizeof(spec), subnet, oif, bridge, pmin, pmax);
	snprintf(cmd, sizeof(cmd),
		 "%s%s%s"
		 "table ip %s {\n"
		 " comment \"%s\"\n"
		 " chain postrouting {\n"
		 "  type nat hook postrouting priority srcnat; policy accept;\n"
		 "  ip saddr %s oifname \"%s\" meta l4proto { tcp, udp } masquerade to :%u-%u\n"
		 "  ip saddr %s oifname \"%s\" masquerade\n"
		 " }\n"
		 " chain forward {\n"
		 "  type filter hook forward priority filter; policy accept;\n"
		 "  iifname \"%s\" oifname \"%s\" ct state established,related accept\n"
		 "  iifname \"%s\" oifname \"%s\" counter drop comment \"unsolicited\"\n"
		 " }\n"
		 " chain input {\n"
		 "  type filter hook input priority filter; policy accept;\n"
		 "  iifname \"%s\" meta l4proto { tcp, udp } th dport %u-%u ct state new counter drop comment \"unsolicited\"\n"
		 " }\n"
		 "}\n",
		 replace ? "delete table ip " : "", replace ? table : "", replace ? "\n" : "",
		 table, spec, subnet, oif, pmin, pmax, subnet, oif, oif, bridge, oif, bridge, oif,
		 pmin, pmax);
	return nft_run(cmd, err, errlen);
}

int nft_masq_add(const char *table, const char *subnet, const char *oif, const char *bridge,
		 unsigned int pmin, unsigned int pmax, char *err, size_t errlen)
{
	return masq_put(false, table, subnet, oif, bridge, pmin, pmax, err, errlen);
}

int nft_masq_replace(const char *table, const char *subnet, const char *oif, const char *bridge,
		     unsigned int pmin, unsigned int pmax, char *err, size_t errlen)
{
	return masq_put(true, table, subnet, oif, bridge, pmin, pmax, err, errlen);
}

bool nft_masq_same(const char *table, const char *subnet, const char *oif, const char *bridge,
		   unsigned int pmin, unsigned int pmax)
{
	static char out[16384];
	char spec[160], want[180];

	masq_spec(spec, sizeof(spec), subnet, oif, bridge, pmin, pmax);
	snprintf(want, sizeof(want), "comment \"%s\"", spec);
	return !nft_table_text(table, out, sizeof(out)) && strstr(out, want);
}

int nft_table_del(const char *table, char *err, size_t errlen)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "delete table ip %s", table);
	return nft_run(cmd, err, errlen);
}

int nft_table_text(const char *table, char *out, size_t outlen)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "list table ip %s", table);
	return nft_run_out(cmd, NULL, 0, out, outlen);
}

bool nft_table_exists(const char *table)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "list table ip %s", table);
	return nft_run(cmd, NULL, 0) == 0;
}
