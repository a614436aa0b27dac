/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab.h"
#include "log.h"
#include "up.h"

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
