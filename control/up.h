/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_UP_H
#define NSFAST_UP_H

#include "topo.h"

int lab_up(struct topo *t);
int lab_down(const char *lab);
int lab_status(const char *lab, bool json, bool nat);

#endif
