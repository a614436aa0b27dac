/* SPDX-License-Identifier: MIT */
/* A namespace's forwarding, read over netlink (RTM_GETNETCONF): opening
 * its /proc/sys file costs a walk of one dentry per namespace on the
 * host (proc_sys_compare), so reading it in each of N namespaces grows
 * as N squared. Writing still takes the file. */
#include <errno.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "nl.h"

static int netconf_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;
	int *fwd = data;

	if (nlh->nlmsg_type != RTM_NEWNETCONF)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(struct netconfmsg))
		if (mnl_attr_get_type(attr) == NETCONFA_FORWARDING &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			*fwd = (int)mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

int nl_forwarding(struct nl *nl, int family)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETNETCONF, 0);
	struct netconfmsg *ncm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ncm));
	int fwd = -1, err;

	ncm->ncm_family = (unsigned char)family;
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, (uint32_t)NETCONFA_IFINDEX_ALL);
	err = nl_request(nl, nlh, netconf_cb, &fwd);
	if (err)
		return err;
	return fwd < 0 ? -ENOENT : fwd;
}
