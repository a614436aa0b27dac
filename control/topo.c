/* SPDX-License-Identifier: MIT */
/* The topology model: loading a file, errors in FILE:LINE form, lookups. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"

#define ERRORS_MAX 20

static int topo_errors; /* for topo_error's limit */
static bool topo_quiet; /* topo_lab_of: the rest of the file is not our business */

void topo_error_reset(void)
{
	topo_errors = 0;
}

void topo_error(const struct topo *t, int line, const char *fmt, ...)
{
	va_list ap;

	if (++topo_errors > ERRORS_MAX || topo_quiet)
		return;
	if (line > 0)
		fprintf(stderr, "%s:%d: ", t->file, line);
	else
		fprintf(stderr, "%s: ", t->file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *dataplane_name(enum dataplane dp)
{
	switch (dp) {
	case DP_KERNEL: return "kernel";
	case DP_AFXDP: return "afxdp";
	case DP_XDP: return "xdp";
	case DP_TC: return "tc";
	}
	return "?";
}

int dataplane_parse(const char *name, enum dataplane *dp)
{
	static const enum dataplane all[] = { DP_KERNEL, DP_AFXDP, DP_XDP, DP_TC };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(name, dataplane_name(all[i]))) {
			*dp = all[i];
			return 0;
		}
	return -EINVAL;
}

#define FILE_MAX (1 << 20)

/* FILE's text, NUL-terminated, into *text (the caller frees it). */
static int read_text(const char *path, char **text)
{
	size_t n;
	FILE *f;
	int err = 0;

	*text = NULL;
	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(-err));
		return err;
	}
	*text = malloc(FILE_MAX + 1);
	if (!*text) {
		err = -ENOMEM;
		goto out;
	}
	n = fread(*text, 1, FILE_MAX + 1, f);
	if (ferror(f)) {
		err = errno ? -errno : -EIO;
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(-err));
		goto out;
	}
	if (n > FILE_MAX) {
		err = -EFBIG;
		fprintf(stderr, "%s: larger than %d bytes\n", path, FILE_MAX);
		goto out;
	}
	(*text)[n] = '\0';
	const char *nul = memchr(*text, '\0', n);

	if (nul) {
		int line = 1;

		for (const char *c = *text; c < nul; c++)
			line += *c == '\n';
		err = -EINVAL;
		fprintf(stderr, "%s:%d: contains a NUL byte: not a topology file\n", path, line);
	}
out:
	fclose(f);
	if (err) {
		free(*text);
		*text = NULL;
	}
	return err;
}

int topo_load(const char *path, const char *lab_override, const enum dataplane *dp_override,
	      struct topo *t)
{
	char *text;
	int err;

	memset(t, 0, sizeof(*t));
	snprintf(t->file, sizeof(t->file), "%s", path);
	if ((err = read_text(path, &text)))
		return err;
	err = topo_parse(path, text, t);
	if (err)
		goto out;
	if (lab_override) {
		if (!lab_name_new_valid(lab_override)) {
			fprintf(stderr, "--lab '%s': expected up to %d letters, digits or '_'\n",
				lab_override, LAB_NAME_MAX);
			err = -EINVAL;
			goto out;
		}
		strcpy(t->lab, lab_override);
	}
	if (dp_override) {
		for (int i = 0; i < t->nsw; i++)
			t->sw[i].dp = *dp_override;
		t->dp_forced = true;
	}
	err = topo_validate(t);
out:
	free(text);
	if (err)
		topo_free(t);
	return err;
}

int topo_lab_of(const char *path, char lab[LAB_NAME_MAX + 1])
{
	struct topo t;
	char *text;
	int err;

	if ((err = read_text(path, &text)))
		return err;
	topo_quiet = true;
	topo_parse(path, text, &t);
	topo_quiet = false;
	if (t.lab_line) {
		strcpy(lab, t.lab);
	} else {
		fprintf(stderr, "%s: no 'lab NAME' line nsfast can read ('nsfast check %s' says why), expected one, or the lab's name instead of the file\n",
			path, path);
		err = -EINVAL;
	}
	topo_free(&t);
	free(text);
	return err;
}

void topo_free(struct topo *t)
{
	free(t->ns);
	free(t->sw);
	free(t->links);
	free(t->routes);
	t->ns = NULL;
	t->sw = NULL;
	t->links = NULL;
	t->routes = NULL;
	t->nns = t->nsw = t->nlinks = t->nroutes = 0;
}

int topo_find_ns(const struct topo *t, const char *name)
{
	int i;

	for (i = 0; i < t->nns; i++)
		if (!strcmp(t->ns[i].name, name))
			return i;
	return -1;
}

int topo_find_sw(const struct topo *t, const char *name)
{
	int i;

	for (i = 0; i < t->nsw; i++)
		if (!strcmp(t->sw[i].name, name))
			return i;
	return -1;
}

const char *topo_ns_name(const struct topo *t, int ns)
{
	return ns == NS_HOST ? "host" : t->ns[ns].name;
}

const struct link *topo_uplink_veth(const struct topo *t, const struct sw *sw,
				    const struct endpoint **peer)
{
	for (int i = 0; sw->uplink[0] && i < t->nlinks; i++) {
		const struct link *l = &t->links[i];
		bool a = l->a.ns == NS_HOST && !strcmp(l->a.sysname, sw->uplink);

		if (l->kind != LINK_VETH ||
		    (!a && (l->b.ns != NS_HOST || strcmp(l->b.sysname, sw->uplink))))
			continue;
		if (peer)
			*peer = a ? &l->b : &l->a;
		return l;
	}
	return NULL;
}
