/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_DAEMON_H
#define NSFAST_DAEMON_H

/* nsfast switch: the AF_XDP switch daemon (dataplane/daemon.c). */
int cmd_switch(int argc, char **argv);

struct sw;
/* The NAT's connections for the next daemon, written as this one stops
 * normally; and taken, once, as the next one starts (daemon_keep.c). */
void keep_save(struct sw *sw);
void keep_load(struct sw *sw);

#endif
