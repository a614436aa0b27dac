/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_TOPO_VSTATE_H
#define NSFAST_TOPO_VSTATE_H

/* Shared by the files of topo_validate: the topology being checked and
 * how many errors it has had; verr says one at a line. */

#include "topo.h"

struct vstate {
	struct topo *t;
	int errors;
};

#define verr(v, line, ...)                              \
	do {                                            \
		topo_error((v)->t, (line), __VA_ARGS__); \
		(v)->errors++;                          \
	} while (0)

#define IPV6_MIN_MTU 1280 /* below it, the kernel keeps no IPv6 on a device */

/* Each route's device, gateway and destination (topo_routes.c). */
void check_routes(struct vstate *v);

/* Overlapping subnets on two interfaces of one namespace, and one
 * address on both ends of a veth (topo_subnets.c). */
void check_held_subnets(struct vstate *v);

#endif
