/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_IP_FORWARD_H
#define NSFAST_IP_FORWARD_H

/* The host's net.ipv4.ip_forward, shared by every lab whose kernel SNAT
 * needs it: the value it had before the first of them is kept in
 * /run/nsfast/ip_forward and put back when the last of them goes down,
 * not when the first one does (which would cut the others off). */

struct state;

/* Turn forwarding on for a lab; 1 if it was off, 0 if on, or -errno. */
int ip_forward_hold(void);
/* Lab LAB, whose journal st is, no longer needs it: restore the saved
 * value if no other lab's journal still holds it, and take st's
 * "forward" line out of its journal file. Both under a lock that
 * ip_forward_hold takes too, so that of two labs going down at once,
 * the second sees the first no longer holds it. */
int ip_forward_release(const char *lab, struct state *st);

#endif
