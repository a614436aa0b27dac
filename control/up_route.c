/* SPDX-License-Identifier: MIT */
/* The route steps of nsfast up: a namespace's routes, and the host's,
 * journaled; what up does with a route to the same prefix that exists. */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "nl.h"
#include "up_steps.h"

/* A route to r's destination exists (EEXIST): 2 when it is r as the file
 * has it and the lab's, 1 when it is and someone else's made by hand, 0
 * when it was changed to it. A namespace's (the lab's) or one
 * this lab made in the host (journaled, from an older version of the
 * file: prior lines, the last one being this run's when added) is
 * replaced. In the host, one this lab did not make is refused when it
 * differs, or is another lab's (it would go with that lab); the same
 * route made by hand is used as it is, and left to its owner. */
static int up_route_update(struct up *u, struct nl *nl, const struct route *r, const char *d,
			   int oif, bool added)
{
	struct route_seen s;
	char prefix[ADDR_STRLEN + 8], g[ADDR_STRLEN + 8] = "", dev[IF_NAMESIZE] = "?", owner[16];
	int n = u->lab.st.nlines - (added ? 1 : 0);
	bool ours = r->ns != NS_HOST, same, theirs;

	if (nl_route_find(nl, &r->dst, 0, false, &s))
		return 1; /* gone meanwhile, or not one of the main table's: leave it */
	/* Without a device in the file, the route goes where its gateway is
	 * reached: one to the same gateway by another device (`onlink`) is
	 * not the same route. */
	if (!oif && r->has_gw && nl_route_get_oif(nl, &r->gw, &oif))
		oif = 0;
	same = s.has_gw == r->has_gw && (!oif || s.oif == oif) &&
	       (!r->has_gw || !memcmp(s.gw.bytes, r->gw.bytes, (size_t)addr_len(r->dst.family)));
	snprintf(prefix, sizeof(prefix), "route %s ", d);
	ours = ours || state_seen_prefix(&u->lab.st, n, prefix);
	if (ours && same)
		return 2;
	if (ours) {
		int err = kernel_err(u, nl_route_replace(nl, &r->dst, r->has_gw ? &r->gw : NULL, oif));

		/* A rollback takes the new one away with its line, when this
		 * run wrote that line: the host's old one comes back then (a
		 * namespace's goes with it). A line from before the run
		 * stays, and so does its route: nothing to put back. */
		return err || r->ns != NS_HOST || !added ? err : up_restore_route(u, &r->dst, &s);
	}
	theirs = lab_journal_owner(u->lab.name, prefix, owner, sizeof(owner)) == 1;
	if (same && !theirs)
		return 1;
	if (s.has_gw) {
		strcpy(g, " via ");
		addr_fmt_host(&s.gw, g + 5, sizeof(g) - 5);
	}
	if_indextoname((unsigned int)s.oif, dev);
	if (theirs)
		return refuse(u, -EEXIST,
			      "the host's route to %s%s dev %s is lab %s's%s, expected another prefix",
			      d, g, dev, owner, same ? ", and goes with it" : "");
	return refuse(u, -EEXIST,
		      "the host already routes %s%s dev %s, and lab %s did not make that route, expected another prefix or that route gone",
		      d, g, dev, u->lab.name);
}

/* The lines of the host's route to d that this one replaced (the file
 * changed its gateway or device): the route is line's now. replaced: a
 * route was, whose line a rollback puts back with it. */
static int forget_replaced(struct up *u, const char *d, const char *line, bool replaced)
{
	char prefix[ADDR_STRLEN + 8];
	size_t n = (size_t)snprintf(prefix, sizeof(prefix), "route %s ", d);
	int err;

	for (int i = 0; i < u->lab.st.nlines; i++) {
		if (strncmp(u->lab.st.lines[i], prefix, n) || !strcmp(u->lab.st.lines[i], line))
			continue;
		if (replaced && i < u->lab.st.nold &&
		    (err = up_restore_route_line(u, u->lab.st.lines[i])))
			return err;
		if ((err = state_remove(&u->lab.st, u->lab.st.lines[i])))
			return err;
		i--;
	}
	return 0;
}

int up_routes(struct up *u)
{
	int err = 0;

	for (int i = 0; !err && i < u->t->nroutes; i++) {
		u->line = u->t->routes[i].line;
		err = up_route(u, &u->t->routes[i]);
	}
	return err;
}

int up_route(struct up *u, struct route *r)
{
	char d[ADDR_STRLEN], g[ADDR_STRLEN] = "-", line[2 * ADDR_STRLEN + IFNAMSIZ + 16];
	bool added = false, fresh;
	struct link_state ls = { 0 };
	struct nl *nl;
	int err;

	addr_fmt(&r->dst, d, sizeof(d));
	if (r->has_gw)
		addr_fmt_host(&r->gw, g, sizeof(g));
	/* Added, or replaced when the file changed it: -v says which. */
	if ((err = step(u, "route %s%s%s%s%s in %s", d, r->has_gw ? " via " : "",
			r->has_gw ? g : "", r->dev[0] ? " dev " : "", r->dev,
			r->ns == NS_HOST ? "the host" : u->t->ns[r->ns].sysname)))
		return err;
	nl = up_ns_nl(u, r->ns, NULL);
	if (!nl)
		return lab_nl_err();
	if (r->dev[0] && (err = kernel_err(u, nl_link_get(nl, r->dev, &ls))))
		return err;
	/* A namespace's routes go with it; the host's are journaled, first
	 * (up_journal), and not taken when they were there before. */
	snprintf(line, sizeof(line), "route %s %s %s", d, g, r->dev[0] ? r->dev : "-");
	if (r->ns == NS_HOST && (err = up_journal(u, line, &added)))
		return err;
	err = nl_route_add(nl, &r->dst, r->has_gw ? &r->gw : NULL, ls.ifindex);
	fresh = !err;
	if (err == -EEXIST)
		err = up_route_update(u, nl, r, d, ls.ifindex, added);
	/* Replaced, or the same route now said otherwise (its device). */
	if ((!err || err == 2) && r->ns == NS_HOST) {
		int e = forget_replaced(u, d, line, !err && !fresh && added);

		if (e)
			return e;
	}
	if (err == 2)
		return 0;
	if (err && r->ns == NS_HOST)
		up_unjournal(u, added);
	if (err == 1)
		return 0;
	if (err)
		return kernel_err(u, err);
	if (fresh && r->ns == NS_HOST)
		up_made(u, added);
	else
		u->changes++;
	return 0;
}
