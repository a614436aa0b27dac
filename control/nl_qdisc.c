/* SPDX-License-Identifier: MIT */
/* An interface's root qdisc: which one it has, and giving one to a veth
 * that has none (veth's default is noqueue). */
#include <errno.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "nl.h"

struct root_ctx {
	int ifindex;
	char *kind;
	size_t n;
};

static int root_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	struct root_ctx *c = data;
	const struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWQDISC ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*tcm) || tcm->tcm_ifindex != c->ifindex ||
	    tcm->tcm_parent != TC_H_ROOT)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*tcm))
		if (mnl_attr_get_type(attr) == TCA_KIND &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(c->kind, c->n, "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* The kernel's dump filters by nothing: every qdisc of the namespace
 * comes, the root of ifindex is kept. */
int nl_qdisc_root_kind(struct nl *nl, int ifindex, char *kind, size_t n)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETQDISC, NLM_F_DUMP);
	struct tcmsg *tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	struct root_ctx c = { ifindex, kind, n };

	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	kind[0] = '\0';
	return nl_request(nl, nlh, root_cb, &c);
}

/* NLM_F_EXCL: the kernel's default root (handle 0) is replaced, a qdisc
 * someone added (a handle of its own) is not: -EEXIST. */
int nl_qdisc_root_add(struct nl *nl, int ifindex, const char *kind)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL);
	struct tcmsg *tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));

	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = TC_H_ROOT;
	mnl_attr_put_strz(nlh, TCA_KIND, kind);
	return nl_request(nl, nlh, NULL, NULL);
}
