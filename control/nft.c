/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nft.h"

/* libnftables exit()s when it cannot open its netlink socket: with the
 * descriptors all taken, up would die there without its rollback. So
 * it is called only with a few to spare: 0, or -EMFILE/-ENFILE. */
#define NFT_FDS 4
static int nft_fds_spare(void)
{
	int fd[NFT_FDS], n, err = 0;

	for (n = 0; n < NFT_FDS; n++)
		if ((fd[n] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
			err = -errno;
			break;
		}
	while (n--)
		close(fd[n]);
	return err;
}

/* Run cmd; its error line into err, its output (if out) into out. */
static int nft_run_out(const char *cmd, char *err, size_t errlen, char *out, size_t outlen)
{
	struct nft_ctx *ctx;
	bool gone = false;
	int rc = nft_fds_spare();

	if (rc)
		return rc;
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return -ENOMEM;
	/* Keep libnftables quiet: its message becomes part of ours. */
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	rc = nft_run_cmd_from_buffer(ctx, cmd);
	if (rc) {
		const char *e = nft_ctx_get_error_buffer(ctx);

		/* What is not there, told apart from any other failure: a
		 * table that could not be listed is not one that is gone. */
		gone = e && strstr(e, "No such file or directory");
		if (err) {
			snprintf(err, errlen, "%s", e ? e : "");
			err[strcspn(err, "\n")] = '\0';
		}
	}
	if (!rc && out) {
		const char *o = nft_ctx_get_output_buffer(ctx);

		snprintf(out, outlen, "%s", o ? o : "");
	}
	nft_ctx_free(ctx);
	return !rc ? 0 : gone ? -ENOENT : -EINVAL;
}

static int nft_run(const char *cmd, char *err, size_t errlen)
{
	return nft_run_out(cmd, err, errlen, NULL, 0);
}

/* The comment up compares to tell whether the file changed the table;
 * "confined": the forward rules that keep the bridge's traffic to its
 * uplink (a table without it, from an nsfast before them, is replaced). */
#define MASQ_SPEC "nsfast: %s from %s out of %s ports %u-%u confined"
#define CONFINE_SPEC "nsfast: %s confined"
#define HOLD_SPEC "nsfast: %s confined, %s ports %u-%u held"

int nft_bridge_parse(const char *text, struct nft_bridge *m)
{
	const char *c = strstr(text, "comment \"nsfast: ");
	int end = 0;

	memset(m, 0, sizeof(*m));
	if (!c)
		return -EPROTO;
	/* The widths are the struct's, less one. */
	if (sscanf(c + 9, "nsfast: %63s from %15s out of %15s ports %u-%u confined\"%n", m->subnet,
		   m->bridge, m->oif, &m->pmin, &m->pmax, &end) == 5 && end)
		return 0;
	memset(m, 0, sizeof(*m));
	end = 0;
	if (sscanf(c + 9, "nsfast: %15s confined, %15s ports %u-%u held\"%n", m->bridge, m->oif,
		   &m->pmin, &m->pmax, &end) == 4 && end)
		return 0;
	memset(m, 0, sizeof(*m));
	end = 0;
	if (sscanf(c + 9, "nsfast: %15s confined\"%n", m->bridge, &end) == 1 && end)
		return 0;
	return -EPROTO;
}

/* Appends to cmd (of room len) at *n; a text too long shows at the end. */
static void cmd_add(char *cmd, size_t len, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void cmd_add(char *cmd, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;

	if (*n >= len)
		return;
	va_start(ap, fmt);
	*n += (size_t)vsnprintf(cmd + *n, len - *n, fmt, ap);
	va_end(ap);
}

/* A userspace switch's table (struct nft_bridge's third kind). */
static void hold_put(char *cmd, size_t len, size_t *n, const struct nft_bridge *m)
{
	const char *br = m->bridge;

	cmd_add(cmd, len, n, HOLD_SPEC "\"\n", br, m->oif, m->pmin, m->pmax);
	if (strcmp(br, "-"))
		cmd_add(cmd, len, n,
			" chain forward {\n"
			"  type filter hook forward priority filter; policy accept;\n"
			"  iifname \"%s\" oifname != \"%s\" counter drop comment \"confined\"\n"
			"  oifname \"%s\" iifname != \"%s\" counter drop comment \"confined\"\n"
			" }\n",
			br, br, br, br);
	/* Without conntrack: a segment of a connection the next daemon
	 * keeps is new to the host, or invalid. */
	cmd_add(cmd, len, n,
		" chain input {\n"
		"  type filter hook input priority filter; policy accept;\n"
		"  iifname \"%s\" meta l4proto { tcp, udp } th dport %u-%u counter drop comment \"held\"\n"
		" }\n",
		m->oif, m->pmin, m->pmax);
}

/* One table per switch, so that `down` removes exactly its rules (the
 * kinds: struct nft_bridge). A kernel switch's SNAT (m->subnet): the
 * masquerade into the reserved ports, and the drops that let only
 * replies in. Always but for a userspace switch without a host port:
 * the drops that keep what the host forwards for the bridge (or host
 * port) between it and its uplink, if any (counted, for `nft list
 * table`): the host forwards for every interface once ip_forward is on,
 * and would otherwise route the lab to other bridges, other labs, and
 * out of the host's own interfaces untranslated.
 * replace: delete the old table in the same transaction, so that no
 * packet sees neither. */
int nft_bridge_put(const char *table, const struct nft_bridge *m, bool replace, char *err,
		   size_t errlen)
{
	const char *br = m->bridge, *up = m->oif;
	char cmd[1600], allowed[48];
	size_t n = 0;

	if (replace)
		cmd_add(cmd, sizeof(cmd), &n, "delete table ip %s\n", table);
	cmd_add(cmd, sizeof(cmd), &n, "table ip %s {\n comment \"", table);
	if (up[0] && !m->subnet[0]) {
		hold_put(cmd, sizeof(cmd), &n, m);
		goto out;
	}
	if (up[0]) {
		cmd_add(cmd, sizeof(cmd), &n, MASQ_SPEC, m->subnet, br, up, m->pmin, m->pmax);
		cmd_add(cmd, sizeof(cmd), &n,
			"\"\n"
			" chain postrouting {\n"
			"  type nat hook postrouting priority srcnat; policy accept;\n"
			"  ip saddr %s oifname \"%s\" meta l4proto { tcp, udp } masquerade to :%u-%u\n"
			"  ip saddr %s oifname \"%s\" masquerade\n"
			" }\n"
			" chain forward {\n"
			"  type filter hook forward priority filter; policy accept;\n"
			"  iifname \"%s\" oifname \"%s\" ct state established,related accept\n"
			"  iifname \"%s\" oifname \"%s\" counter drop comment \"unsolicited\"\n",
			m->subnet, up, m->pmin, m->pmax, m->subnet, up, up, br, up, br);
		snprintf(allowed, sizeof(allowed), "{ \"%s\", \"%s\" }", br, up);
	} else {
		cmd_add(cmd, sizeof(cmd), &n, CONFINE_SPEC, br);
		cmd_add(cmd, sizeof(cmd), &n,
			"\"\n"
			" chain forward {\n"
			"  type filter hook forward priority filter; policy accept;\n");
		snprintf(allowed, sizeof(allowed), "\"%s\"", br);
	}
	cmd_add(cmd, sizeof(cmd), &n,
		"  iifname \"%s\" oifname != %s counter drop comment \"confined\"\n"
		"  oifname \"%s\" iifname != %s counter drop comment \"confined\"\n"
		" }\n",
		br, allowed, br, allowed);
	if (up[0])
		cmd_add(cmd, sizeof(cmd), &n,
			" chain input {\n"
			"  type filter hook input priority filter; policy accept;\n"
			"  iifname \"%s\" meta l4proto { tcp, udp } th dport %u-%u ct state new counter drop comment \"unsolicited\"\n"
			" }\n",
			up, m->pmin, m->pmax);
out:
	cmd_add(cmd, sizeof(cmd), &n, "}\n");
	if (n >= sizeof(cmd))
		return -ENAMETOOLONG; /* cannot be: names of 15 characters */
	return nft_run(cmd, err, errlen);
}

int nft_table_del(const char *table, char *err, size_t errlen)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "delete table ip %s", table);
	return nft_run(cmd, err, errlen);
}

int nft_tables_text(char *out, size_t outlen)
{
	return nft_run_out("list tables", NULL, 0, out, outlen);
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

	/* Unknown (it could not be listed) counts as there: its delete then
	 * fails, and says why, instead of a journal line dropped for it. */
	snprintf(cmd, sizeof(cmd), "list table ip %s", table);
	return nft_run(cmd, NULL, 0) != -ENOENT;
}
