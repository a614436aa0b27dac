/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_DAEMON_H
#define NSFAST_DAEMON_H

/* nsfast switch: the AF_XDP switch daemon (dataplane/daemon.c). */
int cmd_switch(int argc, char **argv);

#endif
