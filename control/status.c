/* SPDX-License-Identifier: MIT */
/* nsfast status: what the journal says the lab owns, as the kernel sees
 * it now (state, addresses, counters). */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grow.h"
#include "json.h"
#include "lab.h"
#include "log.h"
#include "netns.h"
#include "status_snat.h"
#include "switchd.h"

/* What up sets on the ports' peers (up_port_untag, up_port_fast), said
 * where users look. */
#define XDP_PEER_OFFLOADS \
	"gro on, tx checksum and VLAN offload off, a qdisc where it had none (set by nsfast up for the XDP fast path)"
#define AFXDP_PEER_OFFLOADS "tx VLAN offload off (set by nsfast up, so VLAN tags reach the switch)"
#include "up.h"

static const char *peer_offloads(const char *dp)
{
	return !strcmp(dp, "xdp") ? XDP_PEER_OFFLOADS : !strcmp(dp, "afxdp") ? AFXDP_PEER_OFFLOADS : NULL;
}

/* Grown as the dumps need: a lab of 256 namespaces alone has that many
 * host interfaces, and the host may have many more. */
struct snapshot {
	struct link_state *links;
	int nlinks, caplinks;
	struct addr_entry *addrs;
	int naddrs, capaddrs;
};

static int snap_link(const struct link_state *ls, void *data)
{
	struct snapshot *s = data;
	int err = grow((void **)&s->links, s->nlinks, &s->caplinks, sizeof(*s->links), 256);

	if (!err)
		s->links[s->nlinks++] = *ls;
	return err;
}

static int snap_addr(const struct addr_entry *a, void *data)
{
	struct snapshot *s = data;
	int err = grow((void **)&s->addrs, s->naddrs, &s->capaddrs, sizeof(*s->addrs), 256);

	if (!err)
		s->addrs[s->naddrs++] = *a;
	return err;
}

static int snapshot(struct nl *nl, struct snapshot *s)
{
	int err;

	s->nlinks = s->naddrs = 0;
	err = nl_link_dump(nl, snap_link, s);
	return err ? err : nl_addr_dump(nl, snap_addr, s);
}

/* Does the lab's journal hold the switch's nftables table? */
static bool table_of(const struct lab *lab, const char *name, const char *sw)
{
	return state_has(&lab->st, "nft nsfast-%s-%s", name, sw);
}

static const char *master_name(const struct snapshot *s, int ifindex)
{
	int i;

	for (i = 0; ifindex && i < s->nlinks; i++)
		if (s->links[i].ifindex == ifindex)
			return s->links[i].name;
	return NULL;
}

static void print_link(const struct snapshot *s, const struct link_state *l, bool json,
		       bool first)
{
	const struct rtnl_link_stats64 *st = &l->stats;
	const char *master = master_name(s, l->master);
	char a[ADDR_STRLEN];
	int i, n = 0;

	if (json) {
		printf("%s{\"name\":", first ? "" : ",");
		json_str(stdout, l->name);
		printf(",\"ifindex\":%d,\"up\":%s,\"kind\":", l->ifindex,
		       l->flags & IFF_UP ? "true" : "false");
		json_str(stdout, l->kind);
		printf(",\"mtu\":%d,\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\",\"master\":", l->mtu,
		       l->mac[0], l->mac[1], l->mac[2], l->mac[3], l->mac[4], l->mac[5]);
		if (master)
			json_str(stdout, master);
		else
			printf("null");
		printf(",\"addrs\":[");
		for (i = 0; i < s->naddrs; i++)
			if (s->addrs[i].ifindex == l->ifindex) {
				printf("%s\"%s\"", n++ ? "," : "",
				       addr_fmt(&s->addrs[i].addr, a, sizeof(a)));
			}
		printf("],\"rx_packets\":%llu,\"rx_bytes\":%llu,\"rx_dropped\":%llu,"
		       "\"tx_packets\":%llu,\"tx_bytes\":%llu,\"tx_dropped\":%llu}",
		       (unsigned long long)st->rx_packets, (unsigned long long)st->rx_bytes,
		       (unsigned long long)st->rx_dropped, (unsigned long long)st->tx_packets,
		       (unsigned long long)st->tx_bytes, (unsigned long long)st->tx_dropped);
		return;
	}
	printf("  %-15s %-4s mtu %-5d %02x:%02x:%02x:%02x:%02x:%02x", l->name,
	       l->flags & IFF_UP ? "up" : "down", l->mtu, l->mac[0], l->mac[1], l->mac[2],
	       l->mac[3], l->mac[4], l->mac[5]);
	if (master)
		printf(" master %s", master);
	for (i = 0; i < s->naddrs; i++)
		if (s->addrs[i].ifindex == l->ifindex && !addr_is_link_local6(&s->addrs[i].addr))
			printf(" %s", addr_fmt(&s->addrs[i].addr, a, sizeof(a)));
	printf("\n  %15s rx %" PRIu64 " pkts %" PRIu64 " B drop %" PRIu64
	       ", tx %" PRIu64 " pkts %" PRIu64 " B drop %" PRIu64 "\n",
	       "", (uint64_t)st->rx_packets, (uint64_t)st->rx_bytes, (uint64_t)st->rx_dropped,
	       (uint64_t)st->tx_packets, (uint64_t)st->tx_bytes, (uint64_t)st->tx_dropped);
}

static bool host_owned(const struct lab *lab, const char *name)
{
	return state_has(&lab->st, "veth - %s", name) || state_has(&lab->st, "link %s", name);
}

/* The journal names one end of a pair made in the host (a tc slow-path
 * pair, a host port's): the other, its peer there, is the lab's too. */
static bool host_listed(const struct lab *lab, const struct snapshot *s, const struct link_state *l)
{
	if (host_owned(lab, l->name))
		return true;
	if (!l->peer_here || strcmp(l->kind, "veth"))
		return false;
	for (int k = 0; k < s->nlinks; k++)
		if (s->links[k].ifindex == l->peer)
			return host_owned(lab, s->links[k].name);
	return false;
}

/* Why a userspace switch's daemon gave no report: it runs and did not
 * answer, or it is not running, with its log if it left one. JSON: a
 * member "daemon_silent" after "daemon":null. */
static void daemon_silent(const struct lab *lab, const char *name, const char *sw, int err,
			  bool json)
{
	const char *why = err == -EAGAIN ? "no answer within 2 s (stopped, or stuck?)" :
					   strerror(-err);
	pid_t pid = switchd_pid(&lab->st, name, sw);
	char log[128];
	bool has_log;

	if (pid) {
		if (json)
			printf(",\"daemon_silent\":{\"running\":true,\"pid\":%d,\"error\":\"%s\"}",
			       (int)pid, why);
		else
			printf("  switch daemon pid %d runs but gave no report on %s/%s.sock: %s\n",
			       (int)pid, lab->st.dir, sw, why);
		return;
	}
	snprintf(log, sizeof(log), "%s/%s.log", lab->st.dir, sw);
	has_log = !access(log, F_OK);
	if (json)
		printf(",\"daemon_silent\":{\"running\":false,\"log\":%s%s%s}",
		       has_log ? "\"" : "", has_log ? log : "null", has_log ? "\"" : "");
	else if (!has_log)
		printf("  switch daemon not running (it left no log: 'nsfast up' starts it)\n");
	else
		printf("  switch daemon not running (see %s; 'nsfast up' starts it again)\n", log);
}

/* *printed: a lab was printed before (a comma first), and this one was.
 * all: one of every lab's listing, where a lab with nothing in its
 * journal (an up killed before its first object) is left out. */
static int status_one(const char *name, bool json, bool nat, bool all, bool *printed)
{
	static struct snapshot snap;
	struct lab lab;
	int i, j, err, qerr, nns = 0, missing = 0;
	bool first, opened = false;

	err = lab_open(&lab, name, STATE_READ);
	/* Gone down since the listing: not a lab any more, nor an error. */
	if (err == -ENOENT && all)
		return 0;
	if (err)
		lab_open_failed(name, err);
	if (!err)
		state_unlock(&lab.st);
	if (!err && !lab.st.nlines) {
		lab_close(&lab);
		if (all)
			return 0;
		err = -ENOENT;
		fprintf(stderr, "nsfast: lab '%s': not up (its journal names nothing)\n", name);
	}
	if (err)
		return err;
	/* A line down would not undo is not the lab's to show either. */
	for (i = j = 0; i < lab.st.nlines; i++) {
		char why[128];

		if (!lab_line_check(name, lab.st.lines[i], why, sizeof(why))) {
			lab.st.lines[j++] = lab.st.lines[i];
			continue;
		}
		pr_warn("nsfast: lab '%s': in %s/journal: '%s': %s (down leaves it for you)\n", name,
			lab.st.dir, lab.st.lines[i], why);
		free(lab.st.lines[i]);
	}
	lab.st.nlines = j;
	for (i = 0; i < lab.st.nlines; i++)
		if (!strncmp(lab.st.lines[i], "ns ", 3)) {
			nns++;
			missing += !netns_exists(lab.st.lines[i] + 3);
		}
	if (json) {
		printf("%s{\"lab\":", *printed ? "," : "");
		json_str(stdout, name);
		printf(",\"missing_namespaces\":%d,\"switches\":[", missing);
	} else {
		printf("lab %s: %d namespace%s", name, nns, nns == 1 ? "" : "s");
		if (missing)
			printf(", %d missing (deleted outside nsfast: 'nsfast up' recreates)", missing);
		printf("\n");
	}
	*printed = opened = true;
	first = true;
	for (i = 0; i < lab.st.nlines; i++) {
		char sw[32], dp[16], ifn[32];

		if (sscanf(lab.st.lines[i], "switch %31s %15s %31s", sw, dp, ifn) != 3)
			continue;
		bool kernel = !strcmp(dp, "kernel");

		if (json) {
			printf("%s{\"name\":", first ? "" : ",");
			json_str(stdout, sw);
			printf(",\"dataplane\":\"%s\",", dp);
			if (peer_offloads(dp))
				printf("\"peer_offloads\":\"%s\",", peer_offloads(dp));
			printf("\"%s\":", kernel ? "bridge" : "host_port");
			if (strcmp(ifn, "-"))
				json_str(stdout, ifn);
			else
				printf("null");
			if (!kernel) {
				/* The daemon's own report, or null when it is not running. */
				printf(",\"daemon\":");
				fflush(stdout);
				if ((qerr = switchd_query(name, sw, true, nat, stdout))) {
					printf("null");
					daemon_silent(&lab, name, sw, qerr, true);
				}
			}
			if (table_of(&lab, name, sw) &&
			    status_switch_table(name, sw, kernel, true, nat, stdout))
				printf(",\"table_missing\":true");
			printf("}");
		} else {
			printf("switch %s: dataplane %s, %s %s\n", sw, dp,
			       kernel ? "bridge" : "host port", ifn);
			if (peer_offloads(dp))
				printf("  the namespace end of every port: %s\n", peer_offloads(dp));
			if (table_of(&lab, name, sw) &&
			    status_switch_table(name, sw, kernel, false, nat, stdout))
				printf("  nftables table nsfast-%s-%s is missing, or has no comment of nsfast's ('nsfast up' makes it anew)\n",
				       name, sw);
			fflush(stdout);
			if (!kernel && (qerr = switchd_query(name, sw, false, nat, stdout)))
				daemon_silent(&lab, name, sw, qerr, false);
		}
		first = false;
	}
	/* Host side: the lab's bridges, switch ports and host veth ends. */
	err = snapshot(&lab.root, &snap);
	if (err)
		goto out;
	if (json)
		printf("],\"host\":[");
	else
		printf("host\n");
	first = true;
	for (j = 0; j < snap.nlinks; j++)
		if (host_listed(&lab, &snap, &snap.links[j])) {
			print_link(&snap, &snap.links[j], json, first);
			first = false;
		}
	/* What the journal names in the host and is not there: deleted by
	 * hand (or with its namespace). */
	if (json)
		printf("],\"missing_links\":[");
	first = true;
	for (i = 0; i < lab.st.nlines; i++) {
		const char *l = lab.st.lines[i], *ifn;

		if (!strncmp(l, "veth - ", 7))
			ifn = l + 7;
		else if (!strncmp(l, "link ", 5))
			ifn = l + 5;
		else
			continue;
		for (j = 0; j < snap.nlinks && strcmp(snap.links[j].name, ifn); j++)
			;
		if (j < snap.nlinks)
			continue;
		if (json) {
			printf("%s", first ? "" : ",");
			json_str(stdout, ifn);
		} else {
			printf("  %-15s (missing: deleted outside nsfast; 'nsfast up' recreates it)\n", ifn);
		}
		first = false;
	}
	/* An interface moved into a namespace and gone from it since. */
	if (json)
		printf("],\"missing_moved\":[");
	first = true;
	for (i = 0; i < lab.st.nlines; i++) {
		char ifn[IF_NAMESIZE], ns[64], both[IF_NAMESIZE + 64];
		struct link_state ls;
		struct nl *nl;

		if (sscanf(lab.st.lines[i], "move %15s %63s", ifn, ns) != 2)
			continue;
		nl = lab_nl(&lab, ns, NULL);
		if (nl && !nl_link_get(nl, ifn, &ls))
			continue;
		snprintf(both, sizeof(both), "%s:%s", ns, ifn);
		if (json) {
			printf("%s", first ? "" : ",");
			json_str(stdout, both);
		} else {
			printf("  %-15s (missing: moved into %s, no longer there; 'nsfast up' moves it again if the host has it)\n",
			       ifn, ns);
		}
		first = false;
	}
	if (json)
		printf("],\"namespaces\":[");
	first = true;
	for (i = 0; i < lab.st.nlines; i++) {
		const char *ns = lab.st.lines[i] + 3;
		struct nl *nl;

		if (strncmp(lab.st.lines[i], "ns ", 3))
			continue;
		nl = lab_nl(&lab, ns, NULL);
		if (json) {
			printf("%s{\"name\":", first ? "" : ",");
			json_str(stdout, ns);
			printf(",\"present\":%s,\"links\":[", nl ? "true" : "false");
		} else {
			printf("namespace %s%s\n", ns, nl ? "" : " (missing)");
		}
		first = false;
		if (nl && !(err = snapshot(nl, &snap)))
			for (j = 0; j < snap.nlinks; j++)
				print_link(&snap, &snap.links[j], json, j == 0);
		if (json)
			printf("]}");
		lab_forget_ns(&lab, ns);
		if (err)
			goto out;
	}
	if (json)
		printf("]}");
out:
	/* Whatever array the error left open ("switches" or "namespaces"),
	 * the output stays JSON. */
	if (err && opened) {
		if (json)
			printf("]}");
		fflush(stdout);
		fprintf(stderr, "nsfast: lab '%s': reading its interfaces: %s\n", name,
			strerror(-err));
	}
	lab_close(&lab);
	return err;
}

int lab_status(const char *name, bool json, bool nat)
{
	char (*labs)[16];
	int n, i, err = 0;
	bool printed = false;

	if (name) {
		err = status_one(name, json, nat, false, &printed);
		if (json && !err)
			putchar('\n');
		return err;
	}
	n = state_labs(&labs);
	if (n < 0)
		return n;
	if (json)
		printf("[");
	for (i = 0; i < n; i++)
		if (status_one(labs[i], json, nat, true, &printed))
			err = -EIO;
	free(labs);
	if (!json && !printed && !err)
		printf("no lab is up\n");
	if (json)
		printf("]\n");
	return err;
}
