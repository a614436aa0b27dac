/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_STATUS_SNAT_H
#define NSFAST_STATUS_SNAT_H

#include <stdbool.h>
#include <stdio.h>

/* A switch's nftables table, to f: a kernel switch's SNAT, a line of
 * text or a JSON member (",\"snat\":{...}"), with table every connection
 * too; or, without SNAT (and for a host port), what its confinement
 * dropped (",\"confined\":{...}"). -EPROTO: the table has no nsfast
 * comment (made before there was one); -EINVAL: no such table. Prints
 * nothing then. */
int status_switch_table(const char *lab, const char *sw, bool kernel, bool json, bool table,
			FILE *f);

#endif
