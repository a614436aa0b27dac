/* SPDX-License-Identifier: MIT */
/* Before up changes anything: the host addresses the file gives must not
 * be on another interface of the host already (another lab's bridge, the
 * machine's own): the kernel takes the same address twice, and the
 * second interface's subnet route then loses to the first's. */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "nl.h"
#include "up_steps.h"

struct host_addrs {
	struct addr_entry *v;
	int n, cap;
};

static int collect(const struct addr_entry *e, void *data)
{
	struct host_addrs *h = data;

	if (h->n < h->cap)
		h->v[h->n++] = *e;
	return 0;
}

/* Is a (to be on ifname) on another interface? Says so, at line. */
static int clash(struct up *u, const struct host_addrs *h, const struct addr *a,
		 const char *ifname, int line)
{
	char name[IF_NAMESIZE], s[ADDR_STRLEN];
	size_t plen = strlen(u->t->lab);

	for (int i = 0; i < h->n; i++) {
		const struct addr *o = &h->v[i].addr;

		if (o->family != a->family ||
		    memcmp(o->bytes, a->bytes, (size_t)addr_len(a->family)))
			continue;
		/* This lab's own interfaces (two of its switches may reuse a
		 * subnet) are its business, as before. */
		if (!if_indextoname((unsigned int)h->v[i].ifindex, name) || !strcmp(name, ifname) ||
		    (!strncmp(name, u->t->lab, plen) && name[plen] == '-'))
			continue;
		topo_error(u->t, line,
			   "address %s for %s is already on %s in the host (another lab's, or the machine's), expected another address",
			   addr_fmt_host(a, s, sizeof(s)), ifname, name);
		return -EADDRINUSE;
	}
	return 0;
}

int up_preflight_addrs(struct up *u)
{
	static struct addr_entry v[4096];
	struct host_addrs h = { v, 0, (int)(sizeof(v) / sizeof(v[0])) };
	const struct topo *t = u->t;
	int i, k, err;

	if ((err = nl_addr_dump(&u->lab.root, collect, &h)))
		return err;
	for (i = 0; i < t->nsw; i++) {
		const struct sw *sw = &t->sw[i];

		/* kernel: the gateway is the bridge's; the others answer it
		 * themselves. */
		for (k = 0; sw->dp == DP_KERNEL && k < sw->ngateway; k++)
			if ((err = clash(u, &h, &sw->gateway[k], sw->ifname, sw->line)))
				return err;
		for (k = 0; k < sw->nhost; k++)
			if ((err = clash(u, &h, &sw->host[k], sw->ifname, sw->line)))
				return err;
	}
	for (i = 0; i < t->nlinks; i++) {
		const struct link *l = &t->links[i];
		const struct endpoint *e[2] = { &l->a, &l->b };

		for (int j = 0; j < 2; j++)
			for (k = 0; e[j]->ns == NS_HOST && k < e[j]->naddrs; k++)
				if ((err = clash(u, &h, &e[j]->addrs[k], e[j]->sysname, l->line)))
					return err;
	}
	return 0;
}
