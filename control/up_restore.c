/* SPDX-License-Identifier: MIT */
/* What up changed in place, and a rollback puts back: a switch daemon it
 * stopped to restart with other settings (started again from its old
 * command line), a kernel switch's nftables table it replaced (made
 * again from its old settings) and a host route of the lab's it gave
 * another gateway or device (added again, with its journal line). Said
 * on stderr, either way. */
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

int up_restore_route(struct up *u, const struct addr *dst, const struct route_seen *old)
{
	struct up_restore *r = restore_add(u);

	if (!r)
		return -ENOMEM;
	r->route = true;
	r->dst = *dst;
	r->old = *old;
	return 0;
}

int up_restore_route_line(struct up *u, const char *line)
{
	struct up_restore *r = u->nrestore ? &u->restore[u->nrestore - 1] : NULL;

	if (!r || !r->route)
		return -EINVAL;
	if (!r->line[0]) /* the first: a journal has one a route */
		snprintf(r->line, sizeof(r->line), "%s", line);
	return 0;
}

/* Once the rollback took the new route away (its line was this run's):
 * the old one, and its line, which this run had forgotten. */
static void route_old(struct up *u, const struct up_restore *r)
{
	char d[ADDR_STRLEN], g[ADDR_STRLEN + 8] = "";
	int err;

	addr_fmt(&r->dst, d, sizeof(d));
	if (r->old.has_gw) {
		strcpy(g, " via ");
		addr_fmt_host(&r->old.gw, g + 5, sizeof(g) - 5);
	}
	err = nl_route_add(&u->lab.root, &r->dst, r->old.has_gw ? &r->old.gw : NULL, r->old.oif);
	if (!err && r->line[0] && !state_seen(&u->lab.st, "%s", r->line))
		err = state_append(&u->lab.st, "%s", r->line);
	if (err)
		fprintf(stderr, "nsfast: lab '%s': the host's route to %s%s could not be put back (%s): 'nsfast up' makes the file's\n",
			u->t->lab, d, g, strerror(-err));
	else
		fprintf(stderr, "nsfast: lab '%s': the host's route to %s%s is back as it was\n",
			u->t->lab, d, g);
}

/* A daemon from its old command line (NUL-separated words). */
static int restart_old(struct up *u, struct up_restore *r)
{
	char *argv[SWITCHD_ARGS_MAX + 1], err[320] = "";
	struct up_daemon_ctx d = { u, r->sw };
	size_t i;
	pid_t pid = 0;
	int n = 0;

	for (i = 0; i < r->len && n < SWITCHD_ARGS_MAX; i += strlen(r->args + i) + 1)
		argv[n++] = r->args + i;
	argv[n] = NULL;
	n = switchd_start(u->t->lab, r->sw, argv, &pid, up_daemon_started, &d, err, sizeof(err));
	/* A second signal cut the wait short: the daemon runs, journaled,
	 * but has not said it is ready. */
	if (n == -EINTR && pid > 0 && switchd_is(pid, u->t->lab, r->sw))
		fprintf(stderr, "nsfast: lab '%s': switch %s's daemon was started again with its old settings (pid %d), but a signal came before it said it was ready: 'nsfast status' shows whether it runs\n",
			u->t->lab, r->sw, (int)pid);
	else if (n)
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
		} else if (r->route) {
			route_old(u, r);
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
