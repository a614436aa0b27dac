/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grow.h"
#include "lab.h"
#include "log.h"
#include "netns.h"
#include "nft.h"
#include "ip_forward.h"
#include "uplink_claim.h"
#include "switchd.h"

/* How many namespaces may be open at once under the soft fd limit. */
static int ns_open_max(void)
{
	struct rlimit nofile;
	rlim_t n;

	if (getrlimit(RLIMIT_NOFILE, &nofile) || nofile.rlim_cur == RLIM_INFINITY)
		return LAB_NS_OPEN_MAX;
	n = nofile.rlim_cur > LAB_FD_RESERVE ? (nofile.rlim_cur - LAB_FD_RESERVE) / 2 : 0;
	/* A step holds up to three at once (a veth between two, and the
	 * host's): fewer fail there, as the limit says. */
	return n < 4 ? 4 : n > LAB_NS_OPEN_MAX ? LAB_NS_OPEN_MAX : (int)n;
}

int lab_open(struct lab *lab, const char *name, enum state_mode mode)
{
	int err;

	memset(lab, 0, sizeof(*lab));
	snprintf(lab->name, sizeof(lab->name), "%s", name);
	lab->open_max = ns_open_max();
	err = netns_init();
	if (err)
		return err;
	err = state_open(&lab->st, name, mode);
	if (err)
		return err;
	err = nl_open(&lab->root, -1);
	if (err)
		state_close(&lab->st);
	return err;
}

void lab_open_failed(const char *name, int err)
{
	if (err == -EBUSY)
		fprintf(stderr, "nsfast: lab '%s' is busy: another nsfast up, down or status holds %s/%s/lock\n",
			name, STATE_ROOT, name);
	else
		fprintf(stderr, "nsfast: lab '%s': %s\n", name,
			err == -ENOENT ? "not up" : strerror(-err));
}

static void ns_shut(struct lab *lab, struct lab_ns *e)
{
	if (e->fd < 0)
		return;
	nl_close(&e->nl);
	close(e->fd);
	e->fd = -1;
	lab->nopen--;
}

void lab_close(struct lab *lab)
{
	for (int i = 0; i < lab->nns; i++)
		ns_shut(lab, &lab->ns[i]);
	free(lab->ns);
	nl_close(&lab->root);
	state_close(&lab->st);
	memset(lab, 0, sizeof(*lab));
}

/* Opens e's namespace (again); the first time, it says which namespace
 * the name is, for lab_ns_replaced. */
static int ns_open(struct lab *lab, struct lab_ns *e, bool first)
{
	struct lab_ns *old = NULL;
	struct stat st;
	int fd, err;

	if (lab->nopen >= lab->open_max) {
		for (int i = 0; i < lab->nns; i++)
			if (lab->ns[i].fd >= 0 && (!old || lab->ns[i].used < old->used))
				old = &lab->ns[i];
		ns_shut(lab, old);
	}
	fd = netns_open(e->name);
	if (fd < 0)
		return fd;
	if (first) {
		if (fstat(fd, &st)) {
			close(fd);
			return -errno;
		}
		e->dev = st.st_dev;
		e->ino = st.st_ino;
	}
	if ((err = nl_open(&e->nl, fd))) {
		close(fd);
		return err;
	}
	e->fd = fd;
	lab->nopen++;
	return 0;
}

struct nl *lab_nl(struct lab *lab, const char *nsname, int *fdp)
{
	struct lab_ns *e;
	int i, err;

	if (!nsname || !strcmp(nsname, "-")) {
		if (fdp)
			*fdp = -1;
		return &lab->root;
	}
	for (i = 0; i < lab->nns; i++)
		if (!strcmp(lab->ns[i].name, nsname))
			break;
	if (i == lab->nns) {
		if (grow((void **)&lab->ns, lab->nns, &lab->cap, sizeof(*lab->ns), 16)) {
			errno = ENOMEM;
			return NULL;
		}
		e = &lab->ns[i];
		memset(e, 0, sizeof(*e));
		snprintf(e->name, sizeof(e->name), "%s", nsname);
		if ((err = ns_open(lab, e, true))) {
			errno = -err;
			return NULL;
		}
		lab->nns++;
	} else if (lab->ns[i].fd < 0 && (err = ns_open(lab, &lab->ns[i], false))) {
		errno = -err;
		return NULL;
	}
	e = &lab->ns[i];
	e->used = ++lab->uses;
	if (fdp)
		*fdp = e->fd;
	return &e->nl;
}

const char *lab_ns_replaced(const struct lab *lab)
{
	for (int i = 0; i < lab->nns; i++)
		if (!netns_is(lab->ns[i].dev, lab->ns[i].ino, lab->ns[i].name))
			return lab->ns[i].name;
	return NULL;
}

void lab_forget_ns(struct lab *lab, const char *nsname)
{
	for (int i = 0; i < lab->nns; i++) {
		if (strcmp(lab->ns[i].name, nsname))
			continue;
		ns_shut(lab, &lab->ns[i]);
		lab->ns[i] = lab->ns[--lab->nns];
		return;
	}
}

static bool host_made(const char *lab, const char *s);

static int undo_route(struct lab *lab, char *args)
{
	char *dst = strtok(args, " "), *gw = strtok(NULL, " "), *dev = strtok(NULL, " ");
	struct addr d, g;
	struct link_state ls;
	int oif = 0, err;

	if (!dst || !gw || !dev || addr_parse_cidr(dst, &d))
		return -EINVAL;
	if (strcmp(gw, "-") && addr_parse_host(gw, &g))
		return -EINVAL;
	if (strcmp(dev, "-")) {
		if ((err = nl_link_get(&lab->root, dev, &ls)))
			return err == -ENODEV ? LAB_UNDO_GONE : err; /* went with its device */
		oif = ls.ifindex;
	} else {
		/* Via a gateway alone: the route up made goes out of one of
		 * the lab's interfaces (a bridge, a host port, a veth).
		 * Another route to dst via that gateway is not the lab's,
		 * whoever wrote the line. */
		struct route_seen seen;
		char name[IF_NAMESIZE];

		if ((err = nl_route_find(&lab->root, &d, 0, true, &seen)))
			return err == -ENOENT ? LAB_UNDO_GONE : err;
		if (!addr_same_host(&seen.gw, &g))
			return LAB_UNDO_GONE; /* another route: not the lab's */
		if (!seen.oif || !if_indextoname((unsigned int)seen.oif, name) ||
		    !host_made(lab->name, name))
			return -EPERM;
		oif = seen.oif;
	}
	err = nl_route_del(&lab->root, &d, strcmp(gw, "-") ? &g : NULL, oif);
	return err == -ESRCH || err == -ENOENT || err == -ENODEV ? LAB_UNDO_GONE : err;
}

/* "IF NS MTU UP MAC": back into the host, with the MTU, up/down state
 * and MAC it had there. A namespace deleted by hand gave a real device
 * back to the host already (and took a virtual one with it): nothing
 * tells that device from another of its name, so it is left as it is. */
static int undo_move(struct lab *lab, char *args)
{
	char *ifname = strtok(args, " "), *ns = strtok(NULL, " "), *mtu = strtok(NULL, " "),
	     *up = strtok(NULL, " "), *mac_s = strtok(NULL, " ");
	struct link_state ls;
	uint8_t mac[6];
	struct nl *nl;
	int err;

	if (!ifname || !ns || !mtu || !up || !mac_s || mac_parse(mac_s, mac))
		return -EINVAL;
	nl = lab_nl(lab, ns, NULL);
	if (!nl)
		return netns_exists(ns) ? -EIO : LAB_UNDO_GONE;
	if ((err = nl_link_get(nl, ifname, &ls)))
		return err == -ENODEV ? LAB_UNDO_GONE : err; /* gone, or never moved */
	if ((err = nl_link_set_netns(nl, ls.ifindex, netns_root_fd())))
		return err;
	if (nl_link_get(&lab->root, ifname, &ls))
		return LAB_UNDO_GONE; /* gone meanwhile */
	if ((err = nl_link_set(&lab->root, ls.ifindex, atoi(mtu), mac)))
		return err;
	return atoi(up) ? nl_link_set_up(&lab->root, ls.ifindex) : 0;
}

/* A name the kernel takes for an interface (max 15) or ip netns for a
 * namespace: never one that climbs out of a directory. */
static bool name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n && n <= max && strcmp(s, ".") && strcmp(s, "..") && !strpbrk(s, "/: \t\r\n");
}

/* "LAB-...": a name of this lab's making. */
static bool lab_made(const char *lab, const char *s)
{
	return lab_named(lab, s) && name_ok(s, 64);
}

/* An interface nsfast made in the host for the lab: LAB-..., a name the
 * kernel takes. */
static bool host_made(const char *lab, const char *s)
{
	return lab_made(lab, s) && name_ok(s, IF_NAMESIZE - 1);
}

/* A decimal number in [min, max], all of s. */
static bool num_in(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return !errno && end != s && !*end && v >= min && v <= max;
}

int lab_line_check(const char *lab, const char *line, char *why, size_t len)
{
	char buf[512], *w[8] = { 0 }, *save = NULL, *t;
	const char *bad = NULL;
	struct addr a;
	uint8_t mac[6];
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (t = strtok_r(buf, " ", &save); t && n < 8; t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	/* lab_undo reads the words back with their spaces: one between
	 * two, as nsfast writes them ('ns x ' would not name 'x'). */
	if (!n)
		bad = "an empty line";
	else if (line[0] == ' ' || line[strlen(line) - 1] == ' ' || strstr(line, "  "))
		bad = "spaces other than one between two words";
	else if (!strcmp(w[0], "ns"))
		bad = n != 2 ? "expected 'ns NAME'" : !lab_made(lab, w[1]) ? "not a namespace of the lab's" : NULL;
	/* What nsfast makes in the host is named LAB-...; a namespace's
	 * end of a veth is named by the file. */
	else if (!strcmp(w[0], "veth"))
		bad = n != 3 ? "expected 'veth NS|- IFNAME'" :
		      strcmp(w[1], "-") && !lab_made(lab, w[1]) ? "not a namespace of the lab's" :
		      !strcmp(w[1], "-") && !host_made(lab, w[2]) ? "not a host interface of the lab's" :
		      !name_ok(w[2], IF_NAMESIZE - 1) ? "not an interface name" : NULL;
	else if (!strcmp(w[0], "link"))
		bad = n != 2 || !host_made(lab, w[1]) ? "expected a host interface of the lab's" : NULL;
	/* A claim's file, whose release checks that the claim is the lab's. */
	else if (!strcmp(w[0], "uplink"))
		bad = n != 2 || !name_ok(w[1], IF_NAMESIZE - 1) ? "expected an interface name" : NULL;
	/* A moved interface keeps its own name: any, as the file gave it. */
	else if (!strcmp(w[0], "move"))
		bad = n != 6 || !name_ok(w[1], IF_NAMESIZE - 1) || !lab_made(lab, w[2]) ||
				      !num_in(w[3], 68, 65535) || !num_in(w[4], 0, 1) || mac_parse(w[5], mac) ?
			      "expected 'move IFNAME NS MTU 0|1 MAC', NS the lab's" : NULL;
	else if (!strcmp(w[0], "nft"))
		bad = n != 2 || strncmp(w[1], "nsfast-", 7) || !lab_made(lab, w[1] + 7) ?
			      "expected 'nft nsfast-LAB-SWITCH'" : NULL;
	/* A host route has a gateway or a device, or both. */
	else if (!strcmp(w[0], "route"))
		bad = n != 4 || addr_parse_cidr(w[1], &a) ||
				      (strcmp(w[2], "-") && addr_parse_host(w[2], &a)) ||
				      (strcmp(w[3], "-") && !host_made(lab, w[3])) ||
				      (!strcmp(w[2], "-") && !strcmp(w[3], "-")) ?
			      "expected 'route DST GW|- DEV|-' (not both '-'), DEV the lab's" : NULL;
	/* Its switch names the NAT file a prune removes (SWITCH.nat). */
	else if (!strcmp(w[0], "daemon"))
		bad = n != 3 || !name_ok(w[1], IF_NAMESIZE - 1) || !num_in(w[2], 2, INT32_MAX) ?
			      "expected 'daemon SWITCH PID'" : NULL;
	/* Older versions' record of the host's forwarding, and only that. */
	else if (!strcmp(w[0], "sysctl"))
		bad = n != 3 || strcmp(w[1], "/proc/sys/net/ipv4/ip_forward") || !num_in(w[2], 0, 1) ?
			      "expected 'sysctl /proc/sys/net/ipv4/ip_forward 0|1'" : NULL;
	else if (!strcmp(w[0], "forward"))
		bad = n != 1 ? "expected 'forward'" : NULL;
	/* It names the daemon's socket and log: SWITCH/DP/host interface. */
	else if (!strcmp(w[0], "switch"))
		bad = n != 4 || !name_ok(w[1], IF_NAMESIZE - 1) ||
				      (strcmp(w[2], "kernel") && strcmp(w[2], "afxdp") &&
				       strcmp(w[2], "xdp") && strcmp(w[2], "tc")) ||
				      (strcmp(w[3], "-") && !host_made(lab, w[3])) ?
			      "expected 'switch NAME kernel|afxdp|xdp|tc IFNAME|-'" : NULL;
	else
		bad = "not a kind of line nsfast writes";
	if (bad)
		snprintf(why, len, "%s", bad);
	return bad ? -EINVAL : 0;
}

int lab_undo(struct lab *lab, const char *line, char *err, size_t errlen)
{
	char buf[512], *kind, *rest;
	int rc = 0;

	/* The journal is read back: a line damaged by hand or by a disk
	 * must not make down delete what is not the lab's. */
	if (lab_line_check(lab->name, line, err, errlen))
		return -EINVAL;

	snprintf(buf, sizeof(buf), "%s", line);
	kind = strtok_r(buf, " ", &rest);
	if (!kind)
		return 0;
	err[0] = '\0';
	nl_errmsg[0] = '\0'; /* a kernel's words from an earlier line are not this one's */
	if (!strcmp(kind, "ns")) {
		lab_forget_ns(lab, rest);
		rc = netns_del(rest);
		rc = rc == -ENOENT ? LAB_UNDO_GONE : rc;
	} else if (!strcmp(kind, "veth") || !strcmp(kind, "link")) {
		char *ns = !strcmp(kind, "veth") ? strtok_r(NULL, " ", &rest) : (char *)"-";
		char *ifname = strtok_r(NULL, " ", &rest);
		struct nl *nl;

		if (!ns || !ifname)
			return -EINVAL;
		nl = lab_nl(lab, ns, NULL);
		if (!nl) /* the namespace gone, and its links with it */
			return netns_exists(ns) ? -EIO : LAB_UNDO_GONE;
		rc = nl_link_del(nl, ifname);
		rc = rc == -ENODEV ? LAB_UNDO_GONE : rc;
	} else if (!strcmp(kind, "move")) {
		rc = undo_move(lab, rest);
	} else if (!strcmp(kind, "route")) {
		rc = undo_route(lab, rest);
		if (rc == -EPERM)
			snprintf(err, errlen, "the host's route there leaves by an interface that is not the lab's");
	} else if (!strcmp(kind, "daemon")) {
		char *sw = strtok_r(NULL, " ", &rest);

		if (!sw || !rest[0])
			return -EINVAL;
		if (!switchd_is(atoi(rest), lab->name, sw))
			return LAB_UNDO_GONE; /* gone, or another process now */
		rc = switchd_stop(atoi(rest), lab->name, sw, lab->keep_nat);
		if (rc)
			snprintf(err, errlen, "switch daemon %s (pid %s) did not stop", sw, rest);
	} else if (!strcmp(kind, "nft")) {
		rc = nft_table_exists(rest) ? nft_table_del(rest, err, errlen) : LAB_UNDO_GONE;
		if (rc == -ENOENT) /* gone between the two */
			rc = LAB_UNDO_GONE;
	} else if (!strcmp(kind, "forward")) {
		rc = ip_forward_release(lab->name, &lab->st);
	} else if (!strcmp(kind, "uplink")) {
		rc = uplink_release(rest, lab->name);
		rc = rc > 0 ? LAB_UNDO_GONE : rc;
	} else if (!strcmp(kind, "sysctl")) {
		char *path = strtok_r(NULL, " ", &rest);

		if (!path || strncmp(path, "/proc/sys/net/", 14))
			return -EINVAL;
		rc = netns_sysctl(-1, path, rest, NULL, 0);
		rc = rc > 0 ? 0 : rc;
	}
	/* other kinds ("switch", ...) describe, they own nothing */
	if (rc < 0 && !err[0])
		snprintf(err, errlen, "%s", nl_errmsg);
	return rc;
}

int lab_journal_owner(const char *self, const char *prefix, char *owner, size_t len)
{
	char (*labs)[16];
	int n = state_labs(&labs), i, found = 0;

	for (i = 0; i < n && !found; i++) {
		found = strcmp(labs[i], self) && state_lab_has(labs[i], prefix);
		if (found)
			snprintf(owner, len, "%s", labs[i]);
	}
	free(labs);
	return n < 0 ? n : found;
}

int lab_iface_owner(const char *self, const char *ifname, bool uplinks, char *owner,
		    size_t len)
{
	static const char *const fmt[] = { "move %s ", "uplink %s\n" };
	size_t n = sizeof(fmt) / sizeof(fmt[0]) - (uplinks ? 0 : 1);
	char prefix[64], (*labs)[16];
	int err = 0, nlabs = state_labs(&labs);

	if (nlabs < 0)
		return nlabs;
	/* All another lab makes in the host is named LAB-..., the ends no
	 * journal line names included (a host port's -p end, a tc slow
	 * path's x end). Another lab's SNAT uplink, even so named, is the
	 * claims' to refuse, with their words, when uplinks is false. */
	snprintf(prefix, sizeof(prefix), "uplink %s\n", ifname);
	for (int i = 0; i < nlabs && !err; i++) {
		if (strcmp(labs[i], self) && lab_named(labs[i], ifname) &&
		    (uplinks || !state_lab_has(labs[i], prefix))) {
			snprintf(owner, len, "%s", labs[i]);
			err = 1;
		}
	}
	free(labs);
	for (size_t i = 0; i < n && !err; i++) {
		snprintf(prefix, sizeof(prefix), fmt[i], ifname);
		err = lab_journal_owner(self, prefix, owner, len);
	}
	return err;
}
