/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_UPLINK_CLAIM_H
#define NSFAST_UPLINK_CLAIM_H

#include <stddef.h>

/* An uplink with SNAT serves one switch on the host, whatever the lab
 * and the dataplane: two translating to one address would take each
 * other's return traffic. The switch holding it is written in
 * /run/nsfast/.uplinks/IFNAME ("LAB SWITCH"), read and written under an
 * flock on the directory, so of two `up`s racing for one uplink only one
 * wins; `down` removes it.
 * (".uplinks" is no lab name: lab names have no dot.) */

/* Claim IFNAME for switch SW of lab LAB: 0 when it is, or was already,
 * theirs; -EBUSY with the holder ("switch S of lab L") in holder when a
 * lab that is up holds it; -errno. A claim left by a lab that is no
 * longer up (its state is gone), or by another switch of LAB (one its
 * file renamed), is taken over. */
int uplink_claim(const char *ifname, const char *lab, const char *sw, char *holder,
		 size_t len);
/* Who claims IFNAME, read without the lock (up's preflight, while ups
 * of other labs wait): 0 and its lab and switch, -ENOENT, -EINVAL for
 * a claim that does not read (or is being written), or -errno. */
int uplink_holder(const char *ifname, char lab[16], char sw[16]);
/* LAB's claim on IFNAME goes (another lab's stays); 0, 1 when LAB had
 * none (no claim, or another lab's), or -errno. */
int uplink_release(const char *ifname, const char *lab);

#endif
