/* SPDX-License-Identifier: MIT */
/* What up changed in place, and a rollback puts back: a switch daemon it
 * stopped to restart with other settings (started again from its old
 * command line) and a kernel switch's nftables table it replaced (made
 * again from its old settings). Said on stderr, either way. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft.h"
#include "switchd.h"
#include "up_steps.h"

static struct up_restore *restore_add(struct up *u)
{
	struct up_restore *r = realloc(u->restore, (size_t)(u->nrestore + 1) * sizeof(*r));

	if (!r)
		return NULL;
	u->restore = r;
	r = &r[u->nrestore++];
	memset(r, 0, sizeof(*r));
	return r;
}

int up_restore_nft(struct up *u, const char *table, const struct nft_bridge *old)
{
	struct up_restore *r = restore_add(u);

	if (!r)
		return -ENOMEM;
	snprintf(r->table, sizeof(r->table), "%s", table);
	r->masq = *old;
	return 0;
}

int up_restore_daemon(struct up *u, const char *sw, pid_t pid)
{
	struct up_restore *r = restore_add(u);
	ssize_t n;

	if (!r)
		return -ENOMEM;
	snprintf(r->sw, sizeof(r->sw), "%s", sw);
	r->args = malloc(SWITCHD_CMDLINE_MAX);
	if (!r->args)
		return -ENOMEM;
	n = switchd_cmdline(pid, r->args, SWITCHD_CMDLINE_MAX);
	if (n <= 0) { /* gone meanwhile: nothing to put back */
		free(r->args);
		u->nrestore--;
		return 0;
	}
	r->len = (size_t)n;
	return 0;
}

/* A daemon from its old command line (NUL-separated words). */
static int restart_old(struct up *u, struct up_restore *r)
{
	char *argv[SWITCHD_ARGS_MAX + 1], err[320] = "";
	struct up_daemon_ctx d = { u, r->sw };
	size_t i;
	pid_t pid;
	int n = 0;

	for (i = 0; i < r->len && n < SWITCHD_ARGS_MAX; i += strlen(r->args + i) + 1)
		argv[n++] = r->args + i;
	argv[n] = NULL;
	n = switchd_start(u->t->lab, r->sw, argv, &pid, up_daemon_started, &d, err, sizeof(err));
	if (n)
		fprintf(stderr, "nsfast: lab '%s': switch %s's daemon, stopped to be restarted, could not start again (%s): it is not running, 'nsfast up' starts one\n",
			u->t->lab, r->sw, err[0] ? err : strerror(-n));
	else
		fprintf(stderr, "nsfast: lab '%s': switch %s's daemon runs again with its old settings (pid %d)\n",
			u->t->lab, r->sw, (int)pid);
	return n;
}

void up_restore_all(struct up *u)
{
	char err[320] = "";

	for (int i = u->nrestore - 1; i >= 0; i--) {
		struct up_restore *r = &u->restore[i];

		if (r->sw[0]) {
			restart_old(u, r);
		} else if (nft_bridge_put(r->table, &r->masq, true, err, sizeof(err))) {
			fprintf(stderr, "nsfast: lab '%s': nftables table %s keeps its new settings: %s\n",
				u->t->lab, r->table, err);
		} else {
			fprintf(stderr, "nsfast: lab '%s': nftables table %s has its old settings again\n",
				u->t->lab, r->table);
		}
	}
}

void up_restore_free(struct up *u)
{
	for (int i = 0; i < u->nrestore; i++)
		free(u->restore[i].args);
	free(u->restore);
	u->restore = NULL;
	u->nrestore = 0;
}
