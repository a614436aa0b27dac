/* SPDX-License-Identifier: MIT */
/* The two offloads the xdp dataplane needs on the namespace side of its
 * ports, through the SIOCETHTOOL ioctl: two legacy commands do not
 * justify a generic-netlink client. */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ethtool.h"
#include "netns.h"

/* An ioctl socket must be created inside the namespace; it stays bound
 * to it after we leave. */
static int ns_socket(int netns_fd)
{
	int fd, err;

	if (netns_fd >= 0 && (err = netns_enter(netns_fd)))
		return err;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	err = fd < 0 ? -errno : fd;
	if (netns_fd >= 0)
		netns_leave();
	return err;
}

static int ethtool_value(int fd, const char *ifname, uint32_t cmd, uint32_t *val)
{
	struct ethtool_value ev = { .cmd = cmd, .data = *val };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		return -errno;
	*val = ev.data;
	return 0;
}

static int set_feature(int netns_fd, const char *ifname, uint32_t get, uint32_t set, bool on)
{
	uint32_t cur = 0, want = on;
	int fd = ns_socket(netns_fd), err;

	if (fd < 0)
		return fd;
	err = ethtool_value(fd, ifname, get, &cur);
	if (err || !!cur == on)
		goto out;
	err = ethtool_value(fd, ifname, set, &want);
	if (!err) {
		cur = 0;
		err = ethtool_value(fd, ifname, get, &cur);
		/* The kernel may keep a feature that depends on another one. */
		if (!err)
			err = !!cur == on ? 1 : -EOPNOTSUPP;
	}
out:
	close(fd);
	return err;
}

int ethtool_set_gro(int netns_fd, const char *ifname, bool on)
{
	return set_feature(netns_fd, ifname, ETHTOOL_GGRO, ETHTOOL_SGRO, on);
}

int ethtool_set_tx_csum(int netns_fd, const char *ifname, bool on)
{
	return set_feature(netns_fd, ifname, ETHTOOL_GTXCSUM, ETHTOOL_STXCSUM, on);
}

int ethtool_get_tx_csum(int netns_fd, const char *ifname)
{
	uint32_t cur = 0;
	int fd = ns_socket(netns_fd), err;

	if (fd < 0)
		return fd;
	err = ethtool_value(fd, ifname, ETHTOOL_GTXCSUM, &cur);
	close(fd);
	return err ? err : !!cur;
}
