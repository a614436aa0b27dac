/* SPDX-License-Identifier: MIT */
/* The offloads the XDP and AF_XDP ports need on the namespace side,
 * through the SIOCETHTOOL ioctl: a few commands do not justify a
 * generic-netlink client. */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* One SIOCETHTOOL command on ifname: 0 or -errno. */
static int ethtool_ioctl(int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

static int ethtool_value(int fd, const char *ifname, uint32_t cmd, uint32_t *val)
{
	struct ethtool_value ev = { .cmd = cmd, .data = *val };
	int err = ethtool_ioctl(fd, ifname, &ev);

	if (!err)
		*val = ev.data;
	return err;
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

/* The bit of a feature named as `ethtool -k` names it: the kernel's
 * order of its features is its own, so it is asked. The commands end
 * in flexible arrays: built in buffers of uint64_t, for alignment. */
static int feature_bit(int fd, const char *ifname, const char *name)
{
	uint64_t ibuf[(sizeof(struct ethtool_sset_info) + sizeof(uint32_t) + 7) / 8] = { 0 };
	struct ethtool_sset_info *info = (void *)ibuf;
	struct ethtool_gstrings *gs;
	uint32_t n;
	int err, bit = -ENOENT;

	info->cmd = ETHTOOL_GSSET_INFO;
	info->sset_mask = 1ull << ETH_SS_FEATURES;
	if ((err = ethtool_ioctl(fd, ifname, info)))
		return err;
	n = info->data[0];
	if (!info->sset_mask || !n || n > 4096)
		return -EOPNOTSUPP;
	gs = calloc(1, sizeof(*gs) + (size_t)n * ETH_GSTRING_LEN);
	if (!gs)
		return -ENOMEM;
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_FEATURES;
	gs->len = n;
	if ((err = ethtool_ioctl(fd, ifname, gs))) {
		free(gs);
		return err;
	}
	for (uint32_t i = 0; i < gs->len && i < n; i++)
		if (!strncmp((const char *)gs->data + i * ETH_GSTRING_LEN, name, ETH_GSTRING_LEN))
			bit = (int)i;
	free(gs);
	return bit;
}

/* The feature's state in blocks of 32 (ETHTOOL_GFEATURES): active in
 * *on, and in *words the blocks the kernel has, which a set must name
 * exactly. 0 or -errno. */
#define FEATURE_BLOCKS 8
static int feature_get(int fd, const char *ifname, int bit, bool *on, uint32_t *words)
{
	uint64_t buf[(sizeof(struct ethtool_gfeatures) +
		      FEATURE_BLOCKS * sizeof(struct ethtool_get_features_block) + 7) / 8] = { 0 };
	struct ethtool_gfeatures *g = (void *)buf;
	int err;

	g->cmd = ETHTOOL_GFEATURES;
	g->size = FEATURE_BLOCKS;
	if ((err = ethtool_ioctl(fd, ifname, g)))
		return err;
	if (g->size > FEATURE_BLOCKS || (uint32_t)bit >= g->size * 32)
		return -EOPNOTSUPP;
	*on = g->features[bit / 32].active >> (bit % 32) & 1;
	*words = g->size;
	return 0;
}

static int feature_set(int fd, const char *ifname, int bit, bool on, uint32_t words)
{
	uint64_t buf[(sizeof(struct ethtool_sfeatures) +
		      FEATURE_BLOCKS * sizeof(struct ethtool_set_features_block) + 7) / 8] = { 0 };
	struct ethtool_sfeatures *sf = (void *)buf;

	sf->cmd = ETHTOOL_SFEATURES;
	sf->size = words;
	sf->features[bit / 32].valid = 1u << (bit % 32);
	sf->features[bit / 32].requested = on ? 1u << (bit % 32) : 0;
	/* A positive answer says the kernel changed other features too. */
	return ethtool_ioctl(fd, ifname, sf);
}

/* One feature by its name: 1 changed, 0 already so, -ENOENT for a name
 * the kernel does not have, -EOPNOTSUPP if it stays. */
static int set_named(int fd, const char *ifname, const char *name, bool on)
{
	int bit = feature_bit(fd, ifname, name), err;
	uint32_t words;
	bool cur;

	if (bit < 0)
		return bit;
	if ((err = feature_get(fd, ifname, bit, &cur, &words)) || cur == on)
		return err;
	if ((err = feature_set(fd, ifname, bit, on, words)) ||
	    (err = feature_get(fd, ifname, bit, &cur, &words)))
		return err;
	return cur == on ? 1 : -EOPNOTSUPP;
}

int ethtool_set_tx_vlan(int netns_fd, const char *ifname, bool on)
{
	static const char *const names[] = { "tx-vlan-hw-insert", "tx-vlan-stag-hw-insert" };
	int fd = ns_socket(netns_fd), err = 0, changed = 0;

	if (fd < 0)
		return fd;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && err >= 0; i++) {
		err = set_named(fd, ifname, names[i], on);
		changed |= err > 0;
	}
	close(fd);
	return err < 0 ? err : changed;
}

int ethtool_get_tx_vlan(int netns_fd, const char *ifname)
{
	int fd = ns_socket(netns_fd), bit, err;
	uint32_t words;
	bool on = false;

	if (fd < 0)
		return fd;
	bit = feature_bit(fd, ifname, "tx-vlan-hw-insert");
	err = bit < 0 ? bit : feature_get(fd, ifname, bit, &on, &words);
	close(fd);
	return err ? err : on;
}
