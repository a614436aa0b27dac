/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_UPLINK_BUSY_H
#define NSFAST_UPLINK_BUSY_H

#include <stdint.h>

/* -EBUSY when the uplink already carries a switch's uplink program
 * (XDP uplink_steer or tc tc_uplink_in), with its id in *prog_id; else 0. */
int uplink_busy(int ifindex, uint32_t *prog_id);

#endif
