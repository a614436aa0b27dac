/* SPDX-License-Identifier: MIT */
/* Neighbours: what the switch needs to send out of an uplink that the
 * host also uses (its default route: nl_route_default_via). The kernel
 * does the ARP (one ARP speaker per interface), the switch reads its
 * answer. */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "nl.h"

struct neigh_ctx {
	uint8_t *mac;
	int found; /* 1 usable, -1 unresolved */
};

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	struct neigh_ctx *c = data;
	const struct nlattr *attr;
	bool has_ll = false;

	if (nlh->nlmsg_type != RTM_NEWNEIGH)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*ndm)) {
		if (mnl_attr_get_type(attr) == NDA_LLADDR &&
		    mnl_attr_get_payload_len(attr) == ETH_ALEN) {
			memcpy(c->mac, mnl_attr_get_payload(attr), ETH_ALEN);
			has_ll = true;
		}
	}
	c->found = has_ll && (ndm->ndm_state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE |
						NUD_PERMANENT | NUD_NOARP)) ? 1 : -1;
	return MNL_CB_OK;
}

/* 0 and the MAC when the kernel knows ip on ifindex; -EAGAIN while it is
 * resolving or failed; -ENOENT when it has no entry at all. */
int nl_neigh_get(struct nl *nl, int ifindex, const uint8_t ip[4], uint8_t mac[6])
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETNEIGH, 0);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	struct neigh_ctx c = { mac, 0 };
	int err;

	ndm->ndm_family = AF_INET;
	ndm->ndm_ifindex = ifindex;
	mnl_attr_put(nlh, NDA_DST, 4, ip);
	err = nl_request(nl, nlh, neigh_cb, &c);
	if (err)
		return err == -ENOENT || err == -ENODATA ? -ENOENT : err;
	return c.found == 1 ? 0 : c.found == -1 ? -EAGAIN : -ENOENT;
}

/* Ask the kernel to resolve ip on ifindex (what `ip neigh replace IP dev
 * DEV use` does): it sends the ARP request and keeps the answer. */
int nl_neigh_resolve(struct nl *nl, int ifindex, const uint8_t ip[4])
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));

	ndm->ndm_family = AF_INET;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_PERMANENT; /* ignored with NTF_USE, as in iproute2 */
	ndm->ndm_flags = NTF_USE;
	mnl_attr_put(nlh, NDA_DST, 4, ip);
	return nl_request(nl, nlh, NULL, NULL);
}
