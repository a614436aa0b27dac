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

/* The bits of features named as `ethtool -k` names them: the kernel's
 * order of its features is its own, so it is asked, once for all of
 * them. 0, or -ENOENT for a name it does not have. The commands end in
 * flexible arrays: built in buffers of uint64_t, for alignment. */
static int feature_bits(int fd, const char *ifname, const char *const *names, int nnames,
			int *bits)
{
	uint64_t ibuf[(sizeof(struct ethtool_sset_info) + sizeof(uint32_t) + 7) / 8] = { 0 };
	struct ethtool_sset_info *info = (void *)ibuf;
	struct ethtool_gstrings *gs;
	uint32_t n;
	int err;

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
	if ((err = ethtool_ioctl(fd, ifname, gs)))
		goto out;
	for (int k = 0; k < nnames; k++) {
		bits[k] = -ENOENT;
		for (uint32_t i = 0; i < gs->len && i < n; i++)
			if (!strncmp((const char *)gs->data + i * ETH_GSTRING_LEN, names[k],
				     ETH_GSTRING_LEN))
				bits[k] = (int)i;
		if (bits[k] < 0)
			err = bits[k];
	}
out:
	free(gs);
	return err;
}

/* The features' states in blocks of 32 (ETHTOOL_GFEATURES): the active
 * ones in active, and in *words the blocks the kernel has, which a set
 * must name exactly. 0 or -errno. */
#define FEATURE_BLOCKS 8
static int features_active(int fd, const char *ifname, uint32_t active[FEATURE_BLOCKS],
			   uint32_t *words)
{
	uint64_t buf[(sizeof(struct ethtool_gfeatures) +
		      FEATURE_BLOCKS * sizeof(struct ethtool_get_features_block) + 7) / 8] = { 0 };
	struct ethtool_gfeatures *g = (void *)buf;
	int err;

	g->cmd = ETHTOOL_GFEATURES;
	g->size = FEATURE_BLOCKS;
	if ((err = ethtool_ioctl(fd, ifname, g)))
		return err;
	if (g->size > FEATURE_BLOCKS)
		return -EOPNOTSUPP;
	for (uint32_t i = 0; i < FEATURE_BLOCKS; i++)
		active[i] = i < g->size ? g->features[i].active : 0;
	*words = g->size;
	return 0;
}

static bool bit_on(const uint32_t *blocks, int bit)
{
	return blocks[bit / 32] >> (bit % 32) & 1;
}

/* Named features all on or all off, in one ETHTOOL_SFEATURES: 1 when
 * any changed, 0 when all already were so, -EOPNOTSUPP if one stays. */
static int features_set(int fd, const char *ifname, const char *const *names, int n, bool on)
{
	uint64_t buf[(sizeof(struct ethtool_sfeatures) +
		      FEATURE_BLOCKS * sizeof(struct ethtool_set_features_block) + 7) / 8] = { 0 };
	struct ethtool_sfeatures *sf = (void *)buf;
	uint32_t active[FEATURE_BLOCKS], words;
	int bits[4], err, todo = 0;

	if (n > 4)
		return -EINVAL;
	if ((err = feature_bits(fd, ifname, names, n, bits)) ||
	    (err = features_active(fd, ifname, active, &words)))
		return err;
	for (int k = 0; k < n; k++) {
		if ((uint32_t)bits[k] >= words * 32)
			return -EOPNOTSUPP;
		if (bit_on(active, bits[k]) == on)
			continue;
		sf->features[bits[k] / 32].valid |= 1u << (bits[k] % 32);
		if (on)
			sf->features[bits[k] / 32].requested |= 1u << (bits[k] % 32);
		todo++;
	}
	if (!todo)
		return 0;
	sf->cmd = ETHTOOL_SFEATURES;
	sf->size = words;
	/* A positive answer says the kernel changed other features too. The
	 * kernel may keep a feature that depends on another one. */
	if ((err = ethtool_ioctl(fd, ifname, sf)) ||
	    (err = features_active(fd, ifname, active, &words)))
		return err;
	for (int k = 0; k < n; k++)
		if (bit_on(active, bits[k]) != on)
			return -EOPNOTSUPP;
	return 1;
}

int ethtool_set_tx_vlan(int netns_fd, const char *ifname, bool on)
{
	static const char *const names[] = { "tx-vlan-hw-insert", "tx-vlan-stag-hw-insert" };
	int fd = ns_socket(netns_fd), err;

	if (fd < 0)
		return fd;
	err = features_set(fd, ifname, names, 2, on);
	close(fd);
	return err;
}
