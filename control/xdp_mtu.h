/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_XDP_MTU_H
#define NSFAST_XDP_MTU_H

/* The largest MTU a veth takes with an XDP program that is not
 * multi-buffer (a page, less the headroom and skb overhead). */
#define XDP_MTU_MAX 3506
/* The largest port MTU of an afxdp or xdp switch that routes nothing,
 * whose programs then take fragments: the common jumbo size. */
#define MULTIBUF_MTU_MAX 9216

#endif
