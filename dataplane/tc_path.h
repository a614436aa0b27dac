/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_TC_PATH_H
#define NSFAST_TC_PATH_H

#include <stdbool.h>
#include <stdint.h>

struct sw;
struct port;

/* After xsk_steer is loaded: the tc programs, on its FDB and counters. */
int tc_path_load(struct sw *sw);
/* PORT is the switch port, NEAR its slow-path pair's near end (p is
 * bound to the far one); HOST: PORT's peer is in our namespace. On
 * error, *what says which step failed. */
int tc_path_add_port(struct sw *sw, struct port *p, const char *port, const char *near,
		     bool host, const char **what);
/* Then, once the port's socket and XDP program are in place (before,
 * the port's frames would reach the far end's host stack), the programs. */
int tc_path_attach(struct sw *sw, const struct port *p, const char **what);
/* The uplink (SNAT): before its XDP program loads, that program set for
 * the far end of the uplink's slow-path pair, on tc_steer's maps; then
 * the uplink registered as the slot after the ports (p is bound to the
 * far end); then, once p's socket and XDP program are in place, the
 * programs on the uplink and on the near end. */
int tc_path_prepare_uplink(struct sw *sw);
int tc_path_add_uplink(struct sw *sw, struct port *p, const char **what);
int tc_path_attach_uplink(struct sw *sw, const char **what);
/* Frames on a device the programs do not know (dropped). */
uint64_t tc_path_no_port(const struct sw *sw);
/* NAT packets dropped when a rewrite failed half-way, either direction. */
uint64_t tc_path_rewrite_failed(const struct sw *sw);
void tc_path_free(struct sw *sw);

#endif
