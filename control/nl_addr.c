/* SPDX-License-Identifier: MIT */
/* Addresses and routes. */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "nl.h"

int nl_addr_add(struct nl *nl, int ifindex, const struct addr *a)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	size_t len = (size_t)addr_len(a->family);

	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = (uint8_t)a->plen;
	ifa->ifa_index = (uint32_t)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_LOCAL, len, a->bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, len, a->bytes);
	/* A lab is reachable the moment up returns: skip IPv6 DAD (the lab
	 * file already guarantees unique addresses per switch). */
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	mnl_attr_put_u8(nlh, IFA_PROTO, NSFAST_ADDR_PROTO);
	if (a->family == AF_INET) {
		struct addr net;
		uint8_t bcast[4];
		int i;

		addr_network(a, &net);
		for (i = 0; i < 4; i++) {
			int bits = a->plen - i * 8;
			uint8_t host = bits >= 8 ? 0 : bits <= 0 ? 0xff : (uint8_t)(0xff >> bits);

			bcast[i] = net.bytes[i] | host;
		}
		if (a->plen < 31)
			mnl_attr_put(nlh, IFA_BROADCAST, 4, bcast);
	}
	return nl_request(nl, nlh, NULL, NULL);
}

int nl_addr_del(struct nl *nl, int ifindex, const struct addr *a)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_DELADDR, 0);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	size_t len = (size_t)addr_len(a->family);

	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = (uint8_t)a->plen;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, len, a->bytes);
	return nl_request(nl, nlh, NULL, NULL);
}

struct addr_dump {
	int (*fn)(const struct addr_entry *, void *);
	void *data;
	int err; /* fn's, which nl_request would say as EINVAL */
};

static int addr_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_dump *d = data;
	const struct nlattr *attr;
	struct addr_entry e;
	bool have = false;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return MNL_CB_OK;
	memset(&e, 0, sizeof(e));
	e.ifindex = (int)ifa->ifa_index;
	e.addr.family = ifa->ifa_family;
	e.addr.plen = ifa->ifa_prefixlen;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		int t = mnl_attr_get_type(attr);

		/* IFA_LOCAL is ours on IPv4; IPv6 only has IFA_ADDRESS. */
		if ((t == IFA_LOCAL || (t == IFA_ADDRESS && !have)) &&
		    mnl_attr_get_payload_len(attr) == (uint16_t)addr_len(e.addr.family)) {
			memcpy(e.addr.bytes, mnl_attr_get_payload(attr),
			       (size_t)addr_len(e.addr.family));
			have = true;
		} else if (t == IFA_PROTO && !mnl_attr_validate(attr, MNL_TYPE_U8)) {
			e.proto = mnl_attr_get_u8(attr);
		}
	}
	if (!have || d->err)
		return MNL_CB_OK;
	d->err = d->fn(&e, d->data);
	return d->err ? MNL_CB_ERROR : MNL_CB_OK;
}

int nl_addr_dump(struct nl *nl, int (*fn)(const struct addr_entry *, void *), void *data)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct addr_dump d = { fn, data, 0 };
	int err;

	ifa->ifa_family = AF_UNSPEC;
	err = nl_request(nl, nlh, addr_dump_cb, &d);
	return d.err < 0 ? d.err : err;
}

struct addr_on {
	int ifindex, family;
	struct addr found;
	bool any;
};

static int addr_on_cb(const struct addr_entry *e, void *data)
{
	struct addr_on *o = data;

	if (o->any || e->ifindex != o->ifindex || addr_is_link_local6(&e->addr) ||
	    (o->family && e->addr.family != o->family))
		return 0;
	o->found = e->addr;
	o->any = true;
	return 0;
}

struct addr_get {
	int ifindex;
	const struct addr *a;
	struct addr_entry *e;
	bool found;
};

static int addr_get_cb(const struct addr_entry *e, void *data)
{
	struct addr_get *g = data;

	if (!g->found && e->ifindex == g->ifindex && addr_same_host(&e->addr, g->a)) {
		*g->e = *e;
		g->found = true;
	}
	return 0;
}

int nl_addr_get(struct nl *nl, int ifindex, const struct addr *a, struct addr_entry *e)
{
	struct addr_get g = { ifindex, a, e, false };
	int err = nl_addr_dump(nl, addr_get_cb, &g);

	return err ? err : g.found ? 0 : -ENOENT;
}

int nl_addr_on(struct nl *nl, int ifindex, int family, struct addr *found)
{
	struct addr_on o = { ifindex, family, { 0 }, false };
	int err = nl_addr_dump(nl, addr_on_cb, &o);

	if (err)
		return err;
	if (found)
		*found = o.found;
	return o.any ? 0 : -ENOENT;
}

static int route_msg(struct nl *nl, uint16_t type, uint16_t flags,
		     const struct addr *dst, const struct addr *gw, int oif)
{
	struct nlmsghdr *nlh = nl_msg(nl, type, flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	size_t len = (size_t)addr_len(dst->family);
	struct addr net;

	rtm->rtm_family = (uint8_t)dst->family;
	rtm->rtm_dst_len = (uint8_t)dst->plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (dst->plen) {
		addr_network(dst, &net);
		mnl_attr_put(nlh, RTA_DST, len, net.bytes);
	}
	if (gw)
		mnl_attr_put(nlh, RTA_GATEWAY, len, gw->bytes);
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	return nl_request(nl, nlh, NULL, NULL);
}

int nl_route_add(struct nl *nl, const struct addr *dst, const struct addr *gw, int oif)
{
	return route_msg(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, dst, gw, oif);
}

int nl_route_del(struct nl *nl, const struct addr *dst, const struct addr *gw, int oif)
{
	return route_msg(nl, RTM_DELROUTE, 0, dst, gw, oif);
}

int nl_route_replace(struct nl *nl, const struct addr *dst, const struct addr *gw, int oif)
{
	return route_msg(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, dst, gw, oif);
}

/* One main-table unicast route of a dump, as struct route_entry. */
static bool route_parse(const struct nlmsghdr *nlh, int family, struct route_entry *r)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	size_t len = (size_t)addr_len(family);
	const struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != family ||
	    rtm->rtm_table != RT_TABLE_MAIN || rtm->rtm_type != RTN_UNICAST ||
	    rtm->rtm_dst_len > len * 8)
		return false;
	memset(r, 0, sizeof(*r));
	r->protocol = rtm->rtm_protocol;
	r->dst.family = r->gw.family = family;
	r->dst.plen = rtm->rtm_dst_len;
	r->gw.plen = (int)len * 8;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm)) {
		int t = mnl_attr_get_type(attr);

		if (t == RTA_OIF && !mnl_attr_validate(attr, MNL_TYPE_U32)) {
			r->oif = (int)mnl_attr_get_u32(attr);
		} else if (t == RTA_GATEWAY && mnl_attr_get_payload_len(attr) == len) {
			r->has_gw = true;
			memcpy(r->gw.bytes, mnl_attr_get_payload(attr), len);
		} else if (t == RTA_DST && mnl_attr_get_payload_len(attr) == len) {
			memcpy(r->dst.bytes, mnl_attr_get_payload(attr), len);
		} else if (t == RTA_MULTIPATH) {
			r->multipath = attr;
		}
	}
	return true;
}

bool nl_route_uses_dev(const struct route_entry *r, int ifindex)
{
	const struct rtnexthop *nh;
	size_t left;

	if (r->oif == ifindex)
		return true;
	if (!r->multipath)
		return false;
	/* The kernel's own records, but bounded all the same. */
	nh = mnl_attr_get_payload(r->multipath);
	left = mnl_attr_get_payload_len(r->multipath);
	while (left >= sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) && nh->rtnh_len <= left) {
		size_t step = RTNH_ALIGN(nh->rtnh_len);

		if (nh->rtnh_ifindex == ifindex)
			return true;
		if (step >= left)
			break;
		left -= step;
		nh = (const struct rtnexthop *)((const char *)nh + step);
	}
	return false;
}

struct route_walk {
	int family;
	int (*fn)(const struct route_entry *, void *);
	void *data;
	int stop;
};

static int route_walk_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_walk *w = data;
	struct route_entry r;

	if (!w->stop && route_parse(nlh, w->family, &r))
		w->stop = w->fn(&r, w->data);
	return MNL_CB_OK;
}

int nl_route_dump(struct nl *nl, int family, int (*fn)(const struct route_entry *, void *),
		  void *data)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct route_walk w = { family, fn, data, 0 };
	int err;

	rtm->rtm_family = (uint8_t)family;
	err = nl_request(nl, nlh, route_walk_cb, &w);
	/* fn stops the walk with 1 (found), or with an error. */
	return err ? err : w.stop < 0 ? w.stop : 0;
}

struct route_find {
	const struct addr *dst;
	int oif; /* 0: any */
	bool need_gw;
	struct route_seen *seen;
	bool found;
};

static int route_find_one(const struct route_entry *r, void *data)
{
	struct route_find *f = data;
	struct addr net;

	addr_network(f->dst, &net);
	if (r->dst.plen != f->dst->plen ||
	    memcmp(r->dst.bytes, net.bytes, (size_t)addr_len(f->dst->family)) ||
	    (f->oif && r->oif != f->oif) || (f->need_gw && !r->has_gw))
		return 0;
	memset(f->seen, 0, sizeof(*f->seen));
	f->seen->oif = r->oif;
	f->seen->has_gw = r->has_gw;
	if (r->has_gw)
		f->seen->gw = r->gw;
	f->found = true;
	return 1;
}

int nl_route_find(struct nl *nl, const struct addr *dst, int oif, bool need_gw,
		  struct route_seen *seen)
{
	struct route_find f = { dst, oif, need_gw, seen, false };
	int err = nl_route_dump(nl, dst->family, route_find_one, &f);

	if (err)
		return err;
	return f.found ? 0 : -ENOENT;
}

int nl_route_default_via(struct nl *nl, int oif, struct addr *gw)
{
	struct addr any = { .family = AF_INET };
	struct route_seen s;
	int err = nl_route_find(nl, &any, oif, true, &s);

	if (!err)
		*gw = s.gw;
	return err;
}

static int route_oif_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(struct rtmsg))
		if (mnl_attr_get_type(attr) == RTA_OIF && !mnl_attr_validate(attr, MNL_TYPE_U32))
			*(int *)data = (int)mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

int nl_route_get_oif(struct nl *nl, const struct addr *to, int *oif)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	size_t len = (size_t)addr_len(to->family);
	int err;

	rtm->rtm_family = (uint8_t)to->family;
	rtm->rtm_dst_len = (uint8_t)(len * 8);
	mnl_attr_put(nlh, RTA_DST, len, to->bytes);
	*oif = 0;
	err = nl_request(nl, nlh, route_oif_cb, oif);
	return err ? err : *oif ? 0 : -ENOENT;
}
