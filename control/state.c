/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "grow.h"
#include "state.h"
#include "topo.h"

static int push_line(struct state *st, const char *s)
{
	char *dup;

	if (grow((void **)&st->lines, st->nlines, &st->cap, sizeof(*st->lines), 64))
		return -ENOMEM;
	dup = strdup(s);
	if (!dup)
		return -ENOMEM;
	st->lines[st->nlines++] = dup;
	return 0;
}

/* Root's alone whatever the umask (the directory is already, but the
 * journal names what down deletes). */
static FILE *fopen_private(const char *path, int flags, const char *mode)
{
	int fd = open(path, flags | O_CREAT | O_CLOEXEC, 0600), err;
	FILE *f = NULL;

	if (fd < 0)
		return NULL;
	/* One made before this (0644) is appended to as it is: now 0600. */
	if (fchmod(fd, 0600) || !(f = fdopen(fd, mode))) {
		err = errno;
		close(fd);
		errno = err;
	}
	return f;
}

/* The longest line nsfast writes is far shorter; one longer is cut
 * here, and refused by lab_line_check as any line nsfast does not
 * write, not read on as a line of its own. */
#define LINE_MAX_LEN 511

/* A journal's next line, its own and other labs' alike: its length,
 * or -1 at the end. */
static ssize_t journal_line(FILE *f, char **buf, size_t *cap)
{
	ssize_t n = getline(buf, cap, f);

	if (n < 0)
		return -1;
	/* A journal edited with CRLF line ends is still this one. */
	while (n > 0 && ((*buf)[n - 1] == '\n' || (*buf)[n - 1] == '\r'))
		(*buf)[--n] = '\0';
	if (n > LINE_MAX_LEN)
		(*buf)[n = LINE_MAX_LEN] = '\0';
	/* nsfast writes printable ASCII: anything else (a NUL that would
	 * end the line early, a terminal's escapes in a warning) becomes
	 * '?', so that the line is refused and said as it is. */
	for (ssize_t i = 0; i < n; i++)
		if ((*buf)[i] < 0x20 || (*buf)[i] > 0x7e)
			(*buf)[i] = '?';
	return n;
}

static int load(struct state *st)
{
	char path[128], *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "%s/journal", st->dir);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while ((n = journal_line(f, &buf, &cap)) >= 0)
		if (n && (err = push_line(st, buf)))
			break;
	if (!err && ferror(f))
		err = errno ? -errno : -EIO; /* a directory, say */
	free(buf);
	fclose(f);
	return err;
}

/* The lab's lock: none changes a lab while another process changes or
 * reads it; readers share it. */
static int lock(int fd, enum state_mode mode)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	const char *env = getenv("NSFAST_LOCK_WAIT_MS");
	long wait_ms = env ? strtol(env, NULL, 10) : mode == STATE_READ ? 3000 : 1000;

	for (long waited = 0;; waited += 10) {
		if (!flock(fd, (mode == STATE_READ ? LOCK_SH : LOCK_EX) | LOCK_NB))
			return 0;
		if (errno != EWOULDBLOCK)
			return -errno;
		if (waited >= wait_ms)
			return -EBUSY;
		nanosleep(&ts, NULL);
	}
}

/* Is fd still the file at path? A down that ran while we waited for
 * its lock has removed both, and another up may have made them anew. */
static bool still_there(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && a.st_nlink > 0 && !stat(path, &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int state_open(struct state *st, const char *lab, enum state_mode mode)
{
	char path[128];
	int err, tries = 0;

	memset(st, 0, sizeof(*st));
	st->lockfd = -1;
	snprintf(st->dir, sizeof(st->dir), "%s/%s", STATE_ROOT, lab);
again:
	if (mode == STATE_CREATE) {
		if (mkdir(STATE_ROOT, 0700) && errno != EEXIST)
			return -errno;
		if (mkdir(st->dir, 0700) && errno != EEXIST)
			return -errno;
		/* mkdir leaves an existing directory as it is: one left open
		 * (by hand, by another tool) would show the journal and let
		 * anyone reach the switches' control sockets. */
		if (chmod(STATE_ROOT, 0700) || chmod(st->dir, 0700))
			return -errno;
	}
	snprintf(path, sizeof(path), "%s/lock", st->dir);
	/* The directory is the lab (create or not): a lock file deleted by
	 * hand is made again, or down and status would not see the lab. */
	st->lockfd = open(path, O_RDWR | O_CLOEXEC | O_CREAT, 0600);
	if (st->lockfd < 0)
		return -errno;
	if ((err = lock(st->lockfd, mode)))
		goto out_err;
	if (!still_there(st->lockfd, path)) {
		close(st->lockfd);
		st->lockfd = -1;
		if (mode != STATE_CREATE)
			return -ENOENT; /* the lab went down */
		if (++tries == 3)
			return -EBUSY;
		goto again;
	}
	err = load(st);
	if (err)
		goto out_err;
	st->nold = st->nlines;
	return 0;
out_err:
	state_close(st);
	return err;
}

int state_append(struct state *st, const char *fmt, ...)
{
	char path[128], line[512];
	va_list ap;
	int err;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!st->jf) {
		snprintf(path, sizeof(path), "%s/journal", st->dir);
		st->jf = fopen_private(path, O_RDWR | O_APPEND, "a+");
		if (!st->jf)
			return -errno;
		/* A journal cut short lost its last newline: the next line
		 * must not be glued to that one. */
		bool cut = fseek(st->jf, -1, SEEK_END) == 0 && fgetc(st->jf) != '\n';

		fseek(st->jf, 0, SEEK_END); /* from reading to writing */
		if (cut)
			fputc('\n', st->jf);
	}
	if (fprintf(st->jf, "%s\n", line) < 0 || fflush(st->jf))
		return -EIO;
	err = push_line(st, line);
	return err;
}

static void mark_seen(struct state *st, const char *line)
{
	if (grow((void **)&st->seen, st->nseen, &st->seencap, sizeof(*st->seen), 64)) {
		st->seen_lost = true;
		return;
	}
	st->seen[st->nseen++] = line;
}

/* A line freed: its pointer may come back for another. */
static void unmark_seen(struct state *st, const char *line)
{
	for (int i = 0; i < st->nseen; i++)
		if (st->seen[i] == line)
			st->seen[i--] = st->seen[--st->nseen];
}

/* Do lines of st equal s (prefix: start with it), among the first n?
 * Each one found is marked seen when mark is st (state_seen*). */
static bool lines_match(const struct state *st, struct state *mark, int n, const char *s,
			bool prefix)
{
	size_t len = strlen(s);
	bool found = false;

	for (int i = 0; i < n && i < st->nlines; i++) {
		if (prefix ? strncmp(st->lines[i], s, len) : strcmp(st->lines[i], s))
			continue;
		found = true;
		if (!mark)
			break;
		/* Every copy: one left unmarked would be undone as stale. */
		mark_seen(mark, st->lines[i]);
	}
	return found;
}

/* lines_match of the whole line fmt makes. */
static bool line_match(const struct state *st, struct state *mark, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	return lines_match(st, mark, st->nlines, line, false);
}

bool state_seen(struct state *st, const char *fmt, ...)
{
	va_list ap;
	bool found;

	va_start(ap, fmt);
	found = line_match(st, st, fmt, ap);
	va_end(ap);
	return found;
}

bool state_seen_prefix(struct state *st, int n, const char *prefix)
{
	return lines_match(st, st, n, prefix, true);
}

bool state_was_seen(const struct state *st, int i)
{
	if (st->seen_lost)
		return true;
	for (int j = 0; j < st->nseen; j++)
		if (st->seen[j] == st->lines[i])
			return true;
	return false;
}

bool state_has(const struct state *st, const char *fmt, ...)
{
	va_list ap;
	bool found;

	va_start(ap, fmt);
	found = line_match(st, NULL, fmt, ap);
	va_end(ap);
	return found;
}

/* The journal file becomes the first keep lines in memory, less the
 * first one equal to skip (NULL: none), in one rename. */
static int journal_write(struct state *st, int keep, const char *skip)
{
	char path[128], tmp[128];
	FILE *f;
	int i;

	if (st->jf) {
		fclose(st->jf);
		st->jf = NULL;
	}
	snprintf(path, sizeof(path), "%s/journal", st->dir);
	snprintf(tmp, sizeof(tmp), "%s/journal.tmp", st->dir);
	f = fopen_private(tmp, O_WRONLY | O_TRUNC, "w");
	if (!f)
		return -errno;
	for (i = 0; i < keep && i < st->nlines; i++) {
		if (skip && !strcmp(st->lines[i], skip)) {
			skip = NULL;
			continue;
		}
		fprintf(f, "%s\n", st->lines[i]);
	}
	if (fclose(f) || rename(tmp, path))
		return -errno;
	return 0;
}

/* Keep the first `keep` lines (after a rollback). */
int state_truncate(struct state *st, int keep)
{
	int err = journal_write(st, keep, NULL), i;

	if (err)
		return err;
	for (i = keep; i < st->nlines; i++) {
		unmark_seen(st, st->lines[i]);
		free(st->lines[i]);
	}
	if (keep < st->nlines)
		st->nlines = keep;
	return 0;
}

int state_remove(struct state *st, const char *line)
{
	int i;

	for (i = 0; i < st->nlines && strcmp(st->lines[i], line); i++)
		;
	if (i == st->nlines)
		return 0;
	unmark_seen(st, st->lines[i]);
	free(st->lines[i]);
	memmove(&st->lines[i], &st->lines[i + 1], (size_t)(st->nlines - i - 1) * sizeof(*st->lines));
	st->nlines--;
	if (i < st->nold)
		st->nold--;
	return journal_write(st, st->nlines, NULL);
}

int state_drop(struct state *st, const bool *drop)
{
	int i, k = 0, old = st->nold;

	for (i = 0; i < st->nlines && !drop[i]; i++)
		;
	if (i == st->nlines)
		return 0; /* the journal as it is */
	for (i = 0; i < st->nlines; i++) {
		if (!drop[i]) {
			st->lines[k++] = st->lines[i];
			continue;
		}
		unmark_seen(st, st->lines[i]);
		free(st->lines[i]);
		if (i < old)
			st->nold--;
	}
	st->nlines = k;
	return journal_write(st, st->nlines, NULL);
}

int state_disk_forget(struct state *st, const char *line)
{
	return journal_write(st, st->nlines, line);
}

/* dir and its files (a lab's directory has no subdirectories). */
static int dir_remove(const char *dir)
{
	char path[128];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%.32s", dir, de->d_name);
				unlink(path);
			}
		closedir(d);
	}
	return rmdir(dir) && errno != ENOENT ? -errno : 0;
}

/* A .gone-PID whose PID has exited: a state_destroy that could not
 * empty it (out of descriptors, killed). Nobody else ever will. */
static void sweep_gone(void)
{
	char path[sizeof(STATE_ROOT) + 32];
	struct dirent *de;
	DIR *d = opendir(STATE_ROOT);
	char *end;
	long pid;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, ".gone-", 6))
			continue;
		errno = 0;
		pid = strtol(de->d_name + 6, &end, 10);
		if (errno || *end || pid <= 0 || pid > INT_MAX || pid == getpid() ||
		    !kill((pid_t)pid, 0) || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%.24s", STATE_ROOT, de->d_name);
		dir_remove(path);
	}
	closedir(d);
}

int state_destroy(struct state *st)
{
	char gone[sizeof(st->dir)];
	int err;

	/* Out of the way first: one that opens the lab meanwhile finds no
	 * lab (or makes a new one), never a lock file of this one that is
	 * about to go, nor a journal half removed. */
	snprintf(gone, sizeof(gone), "%s/.gone-%d", STATE_ROOT, (int)getpid());
	if (!rename(st->dir, gone))
		snprintf(st->dir, sizeof(st->dir), "%s", gone);
	err = dir_remove(st->dir);
	sweep_gone();
	return err;
}

void state_unlock(struct state *st)
{
	if (st->lockfd >= 0)
		close(st->lockfd);
	st->lockfd = -1;
}

void state_close(struct state *st)
{
	int i;

	if (st->jf)
		fclose(st->jf);
	if (st->lockfd >= 0)
		close(st->lockfd);
	for (i = 0; i < st->nlines; i++)
		free(st->lines[i]);
	free(st->lines);
	free(st->seen);
	memset(st, 0, sizeof(*st));
	st->lockfd = -1;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int state_labs(char (**names)[16])
{
	char (*v)[16] = NULL;
	struct dirent *de;
	DIR *d = opendir(STATE_ROOT);
	int n = 0, cap = 0, err = 0;

	*names = NULL;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!lab_name_valid(de->d_name) || strlen(de->d_name) >= sizeof(*v))
			continue;
		if ((err = grow((void **)&v, n, &cap, sizeof(*v), 16)))
			goto out;
		strcpy(v[n++], de->d_name);
	}
	if (n)
		qsort(v, (size_t)n, sizeof(*v), name_cmp);
out:
	closedir(d);
	if (err) {
		free(v);
		return err;
	}
	*names = v;
	return n;
}

bool state_has_prefix(const struct state *st, int n, const char *prefix)
{
	return lines_match(st, NULL, n, prefix, true);
}

bool state_lab_has(const char *lab, const char *prefix)
{
	char path[128], *buf = NULL, line[LINE_MAX_LEN + 2];
	size_t plen = strlen(prefix), cap = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%.15s/journal", STATE_ROOT, lab);
	if (!(f = fopen(path, "re")))
		return false;
	/* Read as load() reads its own; the newline back, for a prefix
	 * that asks for a whole line ("forward\n"). */
	while (!found && journal_line(f, &buf, &cap) >= 0) {
		snprintf(line, sizeof(line), "%s\n", buf);
		found = !strncmp(line, prefix, plen);
	}
	free(buf);
	fclose(f);
	return found;
}

int state_lock_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}
