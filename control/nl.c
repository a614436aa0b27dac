/* SPDX-License-Identifier: MIT */
/* rtnetlink requests over libmnl, with the kernel's extended acks. */
#include <errno.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netns.h"
#include "nl.h"

char nl_errmsg[256];

int nl_open(struct nl *nl, int netns_fd)
{
	int one = 1, err = 0;

	memset(nl, 0, sizeof(*nl));
	/* A netlink socket belongs to the namespace it was created in. */
	if (netns_fd >= 0 && (err = netns_enter(netns_fd)))
		return err;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC); /* not into switch daemons */
	if (!nl->sock)
		err = -errno;
	if (netns_fd >= 0)
		netns_leave();
	if (err)
		return err;
	nl->buf = malloc(MNL_SOCKET_BUFFER_SIZE);
	if (!nl->buf) {
		err = -ENOMEM;
		goto out_close;
	}
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out_close;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return 0;
out_close:
	nl_close(nl);
	return err;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	nl->sock = NULL;
	nl->buf = NULL;
}

struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

static void save_ext_ack(const struct nlmsghdr *nlh, const struct nlmsgerr *e)
{
	size_t off = sizeof(*e);
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Without NLM_F_CAPPED the request is echoed before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if (off >= mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each_payload((const void *)((const char *)e + off),
				  mnl_nlmsg_get_payload_len(nlh) - off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
			snprintf(nl_errmsg, sizeof(nl_errmsg), "%s", mnl_attr_get_str(attr));
			return;
		}
	}
}

/* The next datagram into *buf, grown to hold it whole. The kernel sizes
 * a dump's next batch by the largest buffer a read offered (up to 32
 * KiB), and a link whose message does not fit an empty batch ends the
 * dump there, with no error: read into 4 KiB (MNL_SOCKET_BUFFER_SIZE),
 * a link of many altnames, or a NIC's VF list, hid every link after
 * it. So every read, the peek too, offers 32 KiB. Its length, or
 * -errno. */
#define NL_RECV_MIN 32768
static ssize_t nl_recv(struct nl *nl, char **buf, size_t *cap)
{
	int fd = mnl_socket_get_fd(nl->sock);
	ssize_t n;

	do
		n = recv(fd, *buf, *cap, MSG_PEEK | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n > *cap) {
		char *b = realloc(*buf, (size_t)n);

		if (!b)
			return -ENOMEM;
		*buf = b;
		*cap = (size_t)n;
	}
	do
		n = recv(fd, *buf, *cap, 0);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* Send one request and read until its ack or NLMSG_DONE; cb sees every
 * other message carrying our sequence number. */
int nl_request(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t seq = nlh->nlmsg_seq;
	/* NLM_F_EXCL and NLM_F_MATCH share a bit: only a GET is a dump. */
	bool dump = nlh->nlmsg_type % 4 == 2 &&
		    (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	size_t cap = NL_RECV_MIN;
	char *rbuf = NULL;
	int err = 0;

	nl_errmsg[0] = '\0';
	if (!dump)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	/* A separate buffer: the request lives in nl->buf. */
	rbuf = malloc(cap);
	if (!rbuf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = nl_recv(nl, &rbuf, &cap);
		const struct nlmsghdr *m = (const struct nlmsghdr *)rbuf;
		int len = (int)n;

		if (n < 0) {
			err = (int)n;
			goto out;
		}
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq || m->nlmsg_pid != nl->portid)
				continue;
			/* A dump the kernel could not finish says why here. */
			if (m->nlmsg_type == NLMSG_DONE) {
				if (m->nlmsg_len >= mnl_nlmsg_size(sizeof(int)) &&
				    *(const int *)mnl_nlmsg_get_payload(m) < 0)
					err = *(const int *)mnl_nlmsg_get_payload(m);
				goto out;
			}
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

				if (m->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
					err = -EBADMSG;
					goto out;
				}
				err = e->error;
				if (err)
					save_ext_ack(m, e);
				goto out;
			}
			if (cb && cb(m, data) < 0) {
				err = -EINVAL;
				/* keep reading to drain the dump */
			}
		}
	}
out:
	free(rbuf);
	return err;
}
