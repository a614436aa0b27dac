/* SPDX-License-Identifier: MIT */
/* `move IFNAME` in an ns block: an interface of the host (a NIC, a dummy)
 * goes into the namespace under its own name, as `ip link set dev IF
 * netns NS` would, and back to the host at `down`, with the MTU, up/down
 * state and MAC it had (journal: "move IF NS MTU UP MAC"). It loses its
 * addresses and routes on the way in, so one that has any is refused
 * (its default route, say); so is a port of a bridge, or another lab's. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "lab.h"
#include "netns.h"
#include "nl.h"
#include "up_steps.h"

struct route_through {
	int ifindex;
	struct addr found;
	bool any;
};

static int route_through(const struct route_entry *r, void *data)
{
	struct route_through *t = data;

	/* Every IPv6 link has fe80::/64; it goes and comes back with it. */
	if (!nl_route_uses_dev(r, t->ifindex) || addr_is_link_local6(&r->dst))
		return 0;
	t->found = r->dst;
	t->any = true;
	return 1;
}

/* A route of the host's through ifindex (its default one, say), which
 * the move would take from it: 0 and *found, -ENOENT, or -errno. */
static int host_route_through(struct nl *nl, int ifindex, struct addr *found)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct route_through t = { ifindex, { 0 }, false };
	int err;

	for (size_t i = 0; i < (kernel_has_ipv6() ? 2 : 1) && !t.any; i++)
		if ((err = nl_route_dump(nl, families[i], route_through, &t)))
			return err;
	*found = t.found;
	return t.any ? 0 : -ENOENT;
}

/* Did this lab move the interface into ns (its journal says so)? */
static bool moved_by_lab(struct up *u, const char *ifname, const char *ns)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "move %s %s ", ifname, ns);
	return state_seen_prefix(&u->lab.st, u->lab.st.nlines, prefix);
}

/* Did this lab move ifname into a namespace other than the one whose
 * journal line starts with same? */
static bool moved_elsewhere(const struct up *u, const char *ifname, const char *same)
{
	char prefix[IF_NAMESIZE + 8];
	size_t n = (size_t)snprintf(prefix, sizeof(prefix), "move %s ", ifname);

	for (int i = 0; i < u->lab.st.nlines; i++)
		if (!strncmp(u->lab.st.lines[i], prefix, n) &&
		    strncmp(u->lab.st.lines[i], same, strlen(same)))
			return true;
	return false;
}

/* Is it in its namespace already, moved there by this lab? Only then
 * are the checks below skipped: one handed back to the host by a
 * namespace deleted by hand may have been given an address since. */
static bool in_lab_ns(struct up *u, const struct link *l)
{
	const char *ns = u->t->ns[l->a.ns].sysname;
	struct link_state ls;
	struct nl *nl;

	if (!moved_by_lab(u, l->a.sysname, ns) || !netns_exists(ns))
		return false;
	nl = up_ns_nl(u, l->a.ns, NULL);
	return nl && !nl_link_get(nl, l->a.sysname, &ls);
}

static int other_labs(struct up *u, const struct link *l)
{
	char owner[32];
	int err = lab_iface_owner(u->lab.name, l->b.ifname, true, owner, sizeof(owner));

	if (err > 0) {
		topo_error(u->t, l->line, "move of '%s': it is lab %s's, expected an interface no lab uses",
			   l->b.ifname, owner);
		return -EBUSY;
	}
	return err;
}

int up_preflight_moves(struct up *u)
{
	const struct topo *t = u->t;
	char s[ADDR_STRLEN];
	int err;

	for (int i = 0; i < t->nlinks; i++) {
		const struct link *l = &t->links[i];
		const char *ns = topo_ns_name(t, l->a.ns), *name = l->b.ifname;
		struct addr found;
		struct link_state ls;

		if (l->kind != LINK_MOVE || in_lab_ns(u, l))
			continue;
		if ((err = other_labs(u, l)))
			return err;
		err = nl_link_get(&u->lab.root, name, &ls);
		if (err == -ENODEV) {
			char other[64];

			/* In another namespace of the lab's, where its file had
			 * moved it: back in the host before it moves again
			 * (up_prune_named), as it was before the first move. */
			snprintf(other, sizeof(other), "move %s %s ", name,
				 u->t->ns[l->a.ns].sysname);
			if (moved_elsewhere(u, name, other))
				continue;
			topo_error(t, l->line, "move of '%s': no such interface in the host, expected one of 'ip link'",
				   name);
			return err;
		}
		if (err)
			return err;
		/* Its addresses would go with it. */
		err = nl_addr_on(&u->lab.root, ls.ifindex, 0, &found);
		if (err != -ENOENT) {
			if (err)
				return err;
			topo_error(t, l->line, "move of '%s' into ns %s: it has %s in the host, which the move would take from it, expected an interface without addresses",
				   name, ns, addr_fmt(&found, s, sizeof(s)));
			return -EBUSY;
		}
		err = host_route_through(&u->lab.root, ls.ifindex, &found);
		if (err != -ENOENT) {
			if (err)
				return err;
			topo_error(t, l->line, "move of '%s' into ns %s: the host routes %s through it, which the move would take, expected an interface the host does not route through",
				   name, ns, found.plen ? addr_fmt(&found, s, sizeof(s)) : "its default");
			return -EBUSY;
		}
		if (ls.master) {
			char m[IF_NAMESIZE] = "?";

			if_indextoname((unsigned int)ls.master, m);
			topo_error(t, l->line, "move of '%s' into ns %s: it is a port of %s, expected an interface on its own",
				   name, ns, m);
			return -EBUSY;
		}
	}
	return 0;
}

int up_move(struct up *u, struct link *l)
{
	const char *ns = u->t->ns[l->a.ns].sysname, *name = l->a.sysname;
	struct link_state in, host;
	struct nl *nl;
	char line[128];
	bool added;
	int fd, err;

	if ((err = step(u, "move interface %s into %s", name, ns)))
		return err;
	nl = up_ns_nl(u, l->a.ns, &fd);
	if (!nl)
		return lab_nl_err();
	err = nl_link_get(nl, name, &in);
	if (err == -ENODEV) {
		if ((err = kernel_err(u, nl_link_get(&u->lab.root, name, &host))))
			return err;
		/* Before the move: a kill -9 right after still hands it back. */
		snprintf(line, sizeof(line), "move %s %s %d %d %02x:%02x:%02x:%02x:%02x:%02x", name,
			 ns, host.mtu, !!(host.flags & IFF_UP), host.mac[0], host.mac[1],
			 host.mac[2], host.mac[3], host.mac[4], host.mac[5]);
		if ((err = up_journal(u, line, &added)))
			return err;
		if ((err = kernel_err(u, nl_link_set_netns(&u->lab.root, host.ifindex, fd)))) {
			up_unjournal(u, added);
			return err;
		}
		up_made(u, added);
		if ((err = kernel_err(u, nl_link_get(nl, name, &in))))
			return err;
	} else if (err) {
		return kernel_err(u, err);
	} else if (!moved_by_lab(u, name, ns)) {
		return refuse(u, -EEXIST, "%s has an interface '%s' that lab '%s' did not move there",
			      ns, name, u->t->lab);
	}
	if ((l->a.mtu || l->a.has_mac) &&
	    (err = up_link_set(u, nl, topo_ns_name(u->t, l->a.ns), name, l->a.mtu ? l->a.mtu : in.mtu,
			       l->a.has_mac ? l->a.mac : NULL)))
		return err;
	if (!(in.flags & IFF_UP)) {
		if ((err = kernel_err(u, nl_link_set_up(nl, in.ifindex))))
			return err;
		u->changes++;
	}
	return add_addrs(u, nl, ns, name, l->a.addrs, l->a.naddrs);
}
