/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_ETHTOOL_H
#define NSFAST_ETHTOOL_H

#include <stdbool.h>

/* Offloads of an interface in a namespace (netns_fd -1: the host), as
 * `ethtool -K IF gro on tx off` sets them. Each returns 1 if it changed
 * the setting, 0 if it already was so, or a negative errno. */
int ethtool_set_gro(int netns_fd, const char *ifname, bool on);
int ethtool_set_tx_csum(int netns_fd, const char *ifname, bool on);
/* Inserting VLAN tags on transmit (`ethtool -K IF txvlan`), 802.1Q and
 * 802.1ad both: off, a VLAN device's frames carry their tag in the frame,
 * where the peer's XDP sees it, instead of beside it. */
int ethtool_set_tx_vlan(int netns_fd, const char *ifname, bool on);

#endif
