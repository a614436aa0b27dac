/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_TOPO_JSON_H
#define NSFAST_TOPO_JSON_H

#include <stdio.h>

#include "topo.h"

/* A validated topology as one JSON object and a newline. */
void topo_json(FILE *f, const struct topo *t);

#endif
