/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_DAEMON_ARGS_H
#define NSFAST_DAEMON_ARGS_H

struct sw_cfg;

/* nsfast switch's arguments into c (zeroed by the caller); 0, or
 * -EINVAL once the error is printed. --help prints and exits. */
int daemon_parse_args(struct sw_cfg *c, int argc, char **argv);

#endif
