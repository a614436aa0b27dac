/* SPDX-License-Identifier: MIT */
/* Neighbours and the default route of an interface: what the switch
 * needs to send out of an uplink that the host also uses. The kernel
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

struct route_ctx {
	int oif;
	struct addr *gw;
	bool found;
};

static int default_route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_ctx *c = data;
	const struct nlattr *attr;
	const void *gw = NULL;
	int oif = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET ||
	    rtm->rtm_dst_len != 0 || rtm->rtm_table != RT_TABLE_MAIN || c->found)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm)) {
		if (mnl_attr_get_type(attr) == RTA_OIF && !mnl_attr_validate(attr, MNL_TYPE_U32))
			oif = (int)mnl_attr_get_u32(attr);
		else if (mnl_attr_get_type(attr) == RTA_GATEWAY && mnl_attr_get_payload_len(attr) == 4)
			gw = mnl_attr_get_payload(attr);
	}
	if (oif == c->oif && gw) {
		memset(c->gw, 0, sizeof(*c->gw));
		c->gw->family = AF_INET;
		c->gw->plen = 32;
		memcpy(c->gw->bytes, gw, 4);
		c->found = true;
	}
	return MNL_CB_OK;
}

/* The gateway of the IPv4 default route through oif in the main table:
 * 0, or -ENOENT when the host has none through that interface. */
int nl_route_default_via(struct nl *nl, int oif, struct addr *gw)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct route_ctx c = { oif, gw, false };
	int err;

	rtm->rtm_family = AF_INET;
	err = nl_request(nl, nlh, default_route_cb, &c);
	if (err)
		return err;
	return c.found ? 0 : -ENOENT;
}
