/* SPDX-License-Identifier: MIT */
/* Links: veth pairs placed straight into their namespaces, bridges, up,
 * delete, and the state and counters read back for status. */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <string.h>

#include "nl.h"

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *nlh)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	return ifi;
}

/* A u32 attribute into *dst, when it is one. */
static void attr_int(const struct nlattr *attr, int *dst)
{
	if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		*dst = (int)mnl_attr_get_u32(attr);
}

static int link_parse(const struct nlmsghdr *nlh, struct link_state *ls)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	bool netnsid = false;

	memset(ls, 0, sizeof(*ls));
	ls->ifindex = ifi->ifi_index;
	ls->flags = ifi->ifi_flags;
	mnl_attr_for_each(attr, nlh, sizeof(*ifi)) {
		switch (mnl_attr_get_type(attr)) {
		case IFLA_IFNAME:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
				snprintf(ls->name, sizeof(ls->name), "%s", mnl_attr_get_str(attr));
			break;
		case IFLA_MTU:
			attr_int(attr, &ls->mtu);
			break;
		case IFLA_MASTER:
			attr_int(attr, &ls->master);
			break;
		case IFLA_NUM_TX_QUEUES:
			attr_int(attr, &ls->tx_queues);
			break;
		case IFLA_GROUP:
			attr_int(attr, &ls->group);
			break;
		case IFLA_LINK:
			attr_int(attr, &ls->peer);
			break;
		case IFLA_LINK_NETNSID:
			netnsid = true;
			break;
		case IFLA_ADDRESS:
			if (mnl_attr_get_payload_len(attr) == ETH_ALEN)
				memcpy(ls->mac, mnl_attr_get_payload(attr), ETH_ALEN);
			break;
		case IFLA_STATS64:
			if (mnl_attr_get_payload_len(attr) >= sizeof(ls->stats)) {
				memcpy(&ls->stats, mnl_attr_get_payload(attr), sizeof(ls->stats));
				ls->has_stats = true;
			}
			break;
		case IFLA_LINKINFO: {
			const struct nlattr *in;

			mnl_attr_for_each_nested(in, attr)
				if (mnl_attr_get_type(in) == IFLA_INFO_KIND &&
				    mnl_attr_validate(in, MNL_TYPE_NUL_STRING) == 0)
					snprintf(ls->kind, sizeof(ls->kind), "%s",
						 mnl_attr_get_str(in));
			break;
		}
		}
	}
	ls->peer_here = ls->peer && !netnsid;
	return 0;
}

static int link_get_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWLINK)
		link_parse(nlh, data);
	return MNL_CB_OK;
}

/* -ENODEV when there is no such link in the socket's namespace. */
int nl_link_get(struct nl *nl, const char *name, struct link_state *ls)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETLINK, 0);

	put_ifinfo(nlh);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	memset(ls, 0, sizeof(*ls));
	return nl_request(nl, nlh, link_get_cb, ls);
}

struct dump_ctx {
	int (*fn)(const struct link_state *, void *);
	void *data;
	int err; /* fn's, which nl_request would say as EINVAL */
};

static int link_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *ctx = data;
	struct link_state ls;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (ctx->err)
		return MNL_CB_OK;
	link_parse(nlh, &ls);
	ctx->err = ctx->fn(&ls, ctx->data);
	return ctx->err ? MNL_CB_ERROR : MNL_CB_OK;
}

int nl_link_dump(struct nl *nl, int (*fn)(const struct link_state *, void *), void *data)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETLINK, NLM_F_DUMP);
	struct dump_ctx ctx = { fn, data, 0 };
	int err;

	put_ifinfo(nlh);
	err = nl_request(nl, nlh, link_dump_cb, &ctx);
	return ctx.err < 0 ? ctx.err : err;
}

static void put_end_attrs(struct nlmsghdr *nlh, const struct veth_end *e)
{
	mnl_attr_put_strz(nlh, IFLA_IFNAME, e->name);
	if (e->netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)e->netns_fd);
	if (e->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)e->mtu);
	if (e->mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, ETH_ALEN, e->mac);
	if (e->master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)e->master);
}

/* One request creates both ends, named, moved and enslaved: no window
 * where a half-configured pair sits in the host namespace. The main
 * device (a) comes up with it; the caller brings b up. */
int nl_veth_add(struct nl *nl, const struct veth_end *a, const struct veth_end *b)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct nlattr *info, *data, *peer;
	struct ifinfomsg *ifi = put_ifinfo(nlh), *pifi;

	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	put_end_attrs(nlh, a);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
	/* Not IFF_UP: veth_open() fails with ENOTCONN until the main
	 * device exists, and the peer is configured first. */
	pifi->ifi_family = AF_UNSPEC;
	put_end_attrs(nlh, b);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nl_request(nl, nlh, NULL, NULL);
}

int nl_bridge_add(struct nl *nl, const char *name, const uint8_t *mac)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = put_ifinfo(nlh);
	struct nlattr *info;

	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	return nl_request(nl, nlh, NULL, NULL);
}

int nl_link_set_up(struct nl *nl, int ifindex)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = put_ifinfo(nlh);

	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return nl_request(nl, nlh, NULL, NULL);
}

int nl_link_set_up_name(struct nl *nl, const char *name)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = put_ifinfo(nlh);

	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_request(nl, nlh, NULL, NULL);
}

int nl_link_set(struct nl *nl, int ifindex, int mtu, const uint8_t *mac)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = put_ifinfo(nlh);

	ifi->ifi_index = ifindex;
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, ETH_ALEN, mac);
	return nl_request(nl, nlh, NULL, NULL);
}

/* One u32 attribute of a link set. */
static int link_set_u32(struct nl *nl, int ifindex, uint16_t attr, uint32_t value)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = put_ifinfo(nlh);

	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, attr, value);
	return nl_request(nl, nlh, NULL, NULL);
}

int nl_link_set_netns(struct nl *nl, int ifindex, int netns_fd)
{
	return link_set_u32(nl, ifindex, IFLA_NET_NS_FD, (uint32_t)netns_fd);
}

int nl_link_set_master(struct nl *nl, int ifindex, int master)
{
	return link_set_u32(nl, ifindex, IFLA_MASTER, (uint32_t)master);
}

int nl_link_del(struct nl *nl, const char *name)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_DELLINK, 0);

	put_ifinfo(nlh);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_request(nl, nlh, NULL, NULL);
}

int nl_link_set_group(struct nl *nl, int ifindex, int group)
{
	return link_set_u32(nl, ifindex, IFLA_GROUP, (uint32_t)group);
}

int nl_link_del_group(struct nl *nl, int group)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_DELLINK, 0);

	put_ifinfo(nlh);
	mnl_attr_put_u32(nlh, IFLA_GROUP, (uint32_t)group);
	return nl_request(nl, nlh, NULL, NULL);
}
