/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab.h"
#include "log.h"
#include "netns.h"
#include "nft.h"
#include "switchd.h"
#include "up.h"

/* Adds name to the list of one kind in buf. */
static void orphan_add(char *buf, size_t len, const char *kind, const char *name, bool *first)
{
	size_t n = strlen(buf);

	/* Room for "...": a list cut short says so. */
	if (n + strlen(kind) + strlen(name) + 4 >= len) {
		if (n + 4 < len && strcmp(buf + (n >= 3 ? n - 3 : 0), "..."))
			strcat(buf, "...");
		return;
	}
	snprintf(buf + n, len - n, "%s%s", *first ? kind : ", ", name);
	*first = false;
}

struct orphan_links {
	const char *lab;
	char *buf;
	size_t len;
	bool *first;
};

static int orphan_link(const struct link_state *ls, void *data)
{
	struct orphan_links *o = data;

	if (lab_named(o->lab, ls->name))
		orphan_add(o->buf, o->len, "; host interfaces ", ls->name, o->first);
	return 0;
}

/* The lab's running switch daemons, journaled or not, added to buf. */
static void orphan_daemons(const char *lab, char *buf, size_t len)
{
	char pid[16];
	pid_t pids[16];
	bool first = true;
	int n = switchd_of_lab(lab, pids, 16);

	for (int i = 0; i < n && i < 16; i++) {
		snprintf(pid, sizeof(pid), "%d", (int)pids[i]);
		orphan_add(buf, len, "; switch daemons (pid) ", pid, &first);
	}
}

/* A lab that is not up (no journal) whose prefix is still on objects of
 * the host, or whose switch daemons still run: an nsfast whose journal
 * went (/run/nsfast removed, a reboot of /run alone, by hand). down
 * removes only what the journal names, so it says what it sees, and
 * how to remove it. 1 when it saw any. */
static int orphans_say(const char *lab)
{
	static char text[65536];
	char buf[2048] = "", table[80];
	struct dirent *de;
	struct nl nl;
	bool first;
	DIR *d;

	first = true;
	if ((d = opendir(NETNS_RUN_DIR))) {
		while ((de = readdir(d)))
			if (lab_named(lab, de->d_name))
				orphan_add(buf, sizeof(buf), " namespaces ", de->d_name, &first);
		closedir(d);
	}
	first = true;
	/* Not if_nameindex(): glibc reads the dump into 4 KiB, which a link
	 * of a larger message cuts short. */
	if (!nl_open(&nl, -1)) {
		struct orphan_links o = { lab, buf, sizeof(buf), &first };

		nl_link_dump(&nl, orphan_link, &o);
		nl_close(&nl);
	}
	first = true;
	snprintf(table, sizeof(table), "table ip nsfast-%s-", lab);
	if (!nft_tables_text(text, sizeof(text)))
		for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"))
			if (!strncmp(l, table, strlen(table)))
				orphan_add(buf, sizeof(buf), "; nftables tables ", l + 9, &first);
	orphan_daemons(lab, buf, sizeof(buf));
	if (!buf[0])
		return 0;
	/* Without namespaces, the list starts at the interfaces' "; ". */
	fprintf(stderr, "nsfast: lab '%s' has no journal, but these carry its prefix:%s (an nsfast whose journal is gone made them? down removes only what a journal names: 'ip netns del NAME', 'ip link del NAME', 'nft delete table ip NAME', 'kill PID')\n",
		lab, buf[0] == ';' ? buf + 1 : buf);
	return 1;
}

/* A lab down just took down, whose journal lost lines: only its
 * daemons, which nothing else shows (an interface named with its prefix
 * may be the user's own, an uplink made for it, say). 1 when any run. */
static int daemons_say(const char *lab)
{
	char buf[512] = "";

	orphan_daemons(lab, buf, sizeof(buf));
	if (!buf[0])
		return 0;
	fprintf(stderr, "nsfast: lab '%s' is down, but these of its own still run:%s (its journal lost their lines? down stops only what a journal names: 'kill PID')\n",
		lab, buf + 1);
	return 1;
}

/* Undo the whole journal, newest first; works after a crash of up.
 * SIGINT, SIGTERM and SIGHUP wait until it is done (a lab half taken
 * down is of no use, and down is quick), then take their course. */
int lab_down(const char *name)
{
	sigset_t held, old, pending;
	struct lab lab;
	int err, n, left, i, kept;

	if (geteuid() != 0) {
		fprintf(stderr, "nsfast: down needs root\n");
		return -EPERM;
	}
	err = lab_open(&lab, name, STATE_WRITE);
	if (err == -ENOENT) {
		if (orphans_say(name))
			return -ENOENT;
		pr_info("lab %s is not up: nothing to do\n", name);
		return 0;
	}
	if (err) {
		lab_open_failed(name, err);
		return err;
	}
	/* An up killed before its first object left only the directory. */
	if (!lab.st.nlines) {
		err = state_destroy(&lab.st);
		lab_close(&lab);
		if (!err && orphans_say(name))
			return -ENOENT;
		pr_info("lab %s is not up: nothing to do\n", name);
		return err;
	}
	for (i = left = 0; i < lab.st.nlines; i++)
		left += !!strncmp(lab.st.lines[i], "switch ", 7);
	sigemptyset(&held);
	sigaddset(&held, SIGINT);
	sigaddset(&held, SIGTERM);
	sigaddset(&held, SIGHUP);
	sigprocmask(SIG_BLOCK, &held, &old);
	n = lab_undo_from(&lab, 0, true, &kept);
	/* kept: the lines of what could not be undone (those of what was
	 * gone already are no more than those undone). */
	if (kept) {
		/* Only their lines: status must not call what this down
		 * removed "deleted outside nsfast". */
		err = state_truncate(&lab.st, kept);
		fprintf(stderr, "nsfast: lab '%s': %d of %d objects could not be removed; their lines stay in %s/journal for the next 'nsfast down'%s%s\n",
			name, kept, left, lab.st.dir, err ? ", with the rest: " : "",
			err ? strerror(-err) : "");
		err = -EBUSY;
	} else if ((err = state_destroy(&lab.st))) {
		fprintf(stderr, "nsfast: lab '%s': removed %d object%s, but not its state directory %s: %s\n",
			name, n, n == 1 ? "" : "s", lab.st.dir, strerror(-err));
	} else if (daemons_say(name)) {
		err = -EBUSY;
	} else {
		pr_info("lab %s is down: removed %d object%s\n", name, n, n == 1 ? "" : "s");
	}
	lab_close(&lab);
	if (!sigpending(&pending) &&
	    (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1 ||
	     sigismember(&pending, SIGHUP) == 1))
		fprintf(stderr, "nsfast: lab '%s': a signal came during down, which finished first\n",
			name);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return err;
}
