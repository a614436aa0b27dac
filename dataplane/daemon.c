/* SPDX-License-Identifier: MIT */
/* nsfast switch: the AF_XDP switch daemon, started by `nsfast up` for each
 * `dataplane afxdp` switch (or by hand, in the foreground, to debug). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../control/addr.h"
#include "../control/xdp_mtu.h"
#include "daemon.h"
#include "daemon_args.h"
#include "fast_path.h"
#include "gw_reasm.h"
#include "nat.h"
#include "switch.h"
#include "tc_path.h"
#include "uplink_busy.h"
#include "uplink_steer.skel.h"
#include "xsk_steer.skel.h"

static volatile sig_atomic_t stop, keep;

/* SIGUSR1: stop, keeping the NAT's connections for the next daemon (up
 * restarting it); SIGTERM, SIGINT: stop (down, by hand). */
static void on_stop(int sig)
{
	if (sig == SIGUSR1)
		keep = 1;
	stop = 1;
}

/* The one error line: to the log, and to `nsfast up` through the ready
 * pipe so that up can print it and roll back. */
__attribute__((format(printf, 2, 3))) static void fail(struct sw *sw, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "nsfast switch %s: %s\n", sw->cfg.name, msg);
	if (sw->cfg.ready_fd >= 0) {
		dprintf(sw->cfg.ready_fd, "error: %s\n", msg);
		close(sw->cfg.ready_fd);
		sw->cfg.ready_fd = -1;
	}
}

static int libbpf_quiet(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	/* libbpf's hints ("try raising ulimit -l") mislead here; keep its
	 * warnings in the log, our own message says what failed. */
	if (lvl == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void teardown(struct sw *sw)
{
	int i;

	/* First: the fast path's maps tell when it last carried each. */
	if (sw->nat && sw->keep_on_stop && sw->cfg.keep_path[0])
		keep_save(sw);
	/* tc first: without the XDP programs behind them, its redirects
	 * would reach the slow-path ends' host stack. */
	tc_path_free(sw);
	/* One link per L2 port (the uplink's is up_link): nports counts the
	 * uplink too. */
	for (i = 0; sw->links && i < sw->cfg.nports; i++)
		if (sw->links[i])
			bpf_link__destroy(sw->links[i]);
	if (sw->up_link)
		bpf_link__destroy(sw->up_link);
	if (sw->up_skel)
		uplink_steer__destroy(sw->up_skel);
	nat_free(sw->nat);
	gw_reasm_free(sw->reasm);
	nl_close(&sw->nl);
	for (i = 0; sw->ports && i < sw->nports; i++)
		port_close(&sw->ports[i]);
	umem_fini(&sw->umem);
	fdb_free(sw->fdb);
	if (sw->skel)
		xsk_steer__destroy(sw->skel);
	ctl_close(sw);
	free(sw->links);
	free(sw->ports);
	free(sw->fast_keys);
	free(sw->fast_vals);
}

/* The uplink's first IPv4 address (the NAT's source) and its MAC. */
static int uplink_discover(struct sw *sw)
{
	int fd, ifindex = (int)if_nametoindex(sw->cfg.uplink), err;
	struct ifreq ifr;
	struct addr a;

	/* Over the switch's netlink (its next hops' too, setup_uplink), not
	 * getifaddrs(): glibc's reads a dump into 4 KiB, which a link of a
	 * larger message (many altnames, a NIC's VFs) cuts short, and then
	 * starts over for ever. */
	if (!ifindex)
		return -errno;
	if ((err = nl_open(&sw->nl, -1)))
		return err;
	err = nl_addr_on(&sw->nl, ifindex, AF_INET, &a);
	if (err == -ENOENT)
		return -EADDRNOTAVAIL;
	if (err)
		return err;
	memcpy(sw->up_ip, a.bytes, 4);
	sw->up_plen = a.plen;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", sw->cfg.uplink);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return err;
	}
	memcpy(sw->up_mac, ifr.ifr_hwaddr.sa_data, 6);
	/* What the gateway routes towards it at most: larger packets are
	 * answered with "fragmentation needed". */
	if (!ioctl(fd, SIOCGIFMTU, &ifr) && ifr.ifr_mtu > 0)
		sw->up_mtu = (uint32_t)ifr.ifr_mtu;
	close(fd);
	return 0;
}

/* The uplink port: its own program, which passes the host's traffic,
 * and the NAT behind it. */
static int setup_uplink(struct sw *sw)
{
	struct port *p = &sw->ports[sw->nl2];
	struct nat_cfg nc = { 0 };
	char ip[INET_ADDRSTRLEN];
	uint32_t zero = 0, other;
	int err;

	memcpy(nc.ext_ip, sw->up_ip, 4);
	nc.ext_plen = sw->up_plen;
	memcpy(nc.int_net, sw->cfg.gw.v4, 4);
	nc.int_plen = sw->cfg.gw.v4_plen;
	nc.port_min = sw->cfg.nat_port_min;
	nc.port_max = sw->cfg.nat_port_max;
	nc.max_entries = sw->cfg.nat_table;
	nc.timeout_udp_ns = sw->cfg.nat_timeout_udp_ns;
	nc.timeout_icmp_ns = sw->cfg.nat_timeout_icmp_ns;
	nc.timeout_tcp_est_ns = sw->cfg.nat_timeout_tcp_ns;
	sw->nat = nat_new(&nc);
	if (!sw->nat) {
		fail(sw, "NAT table of %u connections: %s", nc.max_entries, strerror(errno ? errno : EINVAL));
		return -ENOMEM;
	}
	if ((err = uplink_busy((int)if_nametoindex(sw->cfg.uplink), &other))) {
		fail(sw, "uplink %s: another nsfast switch's NAT is on it (BPF program %u): an uplink serves one switch",
		     sw->cfg.uplink, other);
		return err;
	}
	sw->up_skel = uplink_steer__open();
	if (!sw->up_skel) {
		err = -errno;
		fail(sw, "opening the uplink XDP program: %s", strerror(-err));
		return err;
	}
	memcpy((void *)&sw->up_skel->rodata->ext_ip, sw->up_ip, 4);
	/* Programs that share a DEVMAP (the NAT fast path's tx_ports) must
	 * agree on fragments. The uplink's frames must stay one buffer all
	 * the same (its socket and route_in take one): a multi-buffer
	 * program no longer makes the kernel refuse a larger MTU, so do. */
	if (sw->multibuf && !sw->cfg.tc_path && sw->up_mtu > XDP_MTU_MAX) {
		fail(sw, "uplink %s: MTU %u is above %d, the largest frame the switch takes from an uplink, expected 'ip link set %s mtu %d' first",
		     sw->cfg.uplink, sw->up_mtu, XDP_MTU_MAX, sw->cfg.uplink, XDP_MTU_MAX);
		return -ERANGE;
	}
	if (sw->multibuf) {
		struct bpf_program *prog = sw->up_skel->progs.uplink_steer;

		if ((err = bpf_program__set_flags(prog, bpf_program__flags(prog) |
							BPF_F_XDP_HAS_FRAGS))) {
			fail(sw, "marking the uplink XDP program multi-buffer: %s", strerror(-err));
			return err;
		}
	}
	sw->up_skel->rodata->uplink_mac_key = fast_mac_key(sw->up_mac);
	sw->up_skel->rodata->port_min = sw->cfg.nat_port_min;
	sw->up_skel->rodata->port_max = sw->cfg.nat_port_max;
	if (sw->cfg.tc_path) {
		if ((err = tc_path_prepare_uplink(sw))) {
			fail(sw, "sharing the tc program's uplink maps: %s", strerror(-err));
			return err;
		}
	} else if (sw->cfg.fast_nat && (err = nat_fast_configure_uplink(sw))) {
		fail(sw, "preparing the uplink's NAT fast path: %s", strerror(-err));
		return err;
	} else if (!sw->cfg.fast_nat) {
		/* Unused, but the program needs it: as small as a map can be. */
		bpf_map__set_max_entries(sw->up_skel->maps.nat_in, 1);
	}
	if (uplink_steer__load(sw->up_skel)) {
		err = -errno;
		fail(sw, "loading the uplink XDP program: %s", strerror(-err));
		return err;
	}
	/* tc: the socket is on the uplink's slow-path far end. */
	err = port_open(p, &sw->umem, sw->cfg.tc_path ? sw->cfg.upslow[1] : sw->cfg.uplink,
			(uint16_t)sw->nl2, false);
	sw->nports = sw->nl2 + 1;
	if (err) {
		fail(sw, "uplink %s: binding an AF_XDP socket%s%s: %s", sw->cfg.uplink,
		     sw->cfg.tc_path ? " on " : "", sw->cfg.tc_path ? sw->cfg.upslow[1] : "",
		     strerror(-err));
		return err;
	}
	if (sw->cfg.tc_path) {
		const char *what;

		if ((err = tc_path_add_uplink(sw, p, &what))) {
			fail(sw, "uplink %s: %s: %s", sw->cfg.uplink, what, strerror(-err));
			return err;
		}
	}
	/* The neighbours of the uplink, not of its slow-path end. */
	sw->up_ifindex = p->fast_ifindex;
	if (bpf_map_update_elem(bpf_map__fd(sw->up_skel->maps.uplink_xsk), &zero, &p->fd, 0)) {
		err = -errno;
		fail(sw, "uplink %s: registering the socket: %s", p->name, strerror(-err));
		return err;
	}
	sw->up_link = bpf_program__attach_xdp(sw->up_skel->progs.uplink_steer, p->ifindex);
	if (!sw->up_link) {
		err = -errno;
		fail(sw, "uplink %s: attaching XDP in native mode%s%s: %s%s", sw->cfg.uplink,
		     sw->cfg.tc_path ? " on " : "", sw->cfg.tc_path ? sw->cfg.upslow[1] : "",
		     strerror(-err),
		     err == -ERANGE ? " (MTU above 3506 here or on the peer: XDP without multi-buffer)" : "");
		return err;
	}
	if (sw->cfg.tc_path) {
		const char *what;

		if ((err = tc_path_attach_uplink(sw, &what))) {
			fail(sw, "uplink %s: %s: %s", sw->cfg.uplink, what, strerror(-err));
			return err;
		}
	}
	if (sw->cfg.fast_nat && (err = nat_fast_start(sw))) {
		fail(sw, "uplink %s: adding it to the fast path's DEVMAP: %s", p->name,
		     strerror(-err));
		return err;
	}
	fprintf(stderr, "nsfast switch %s: SNAT to %s via %s, ports %u-%u, %u connections\n",
		sw->cfg.name, inet_ntop(AF_INET, sw->up_ip, ip, sizeof(ip)), sw->cfg.uplink,
		sw->cfg.nat_port_min, sw->cfg.nat_port_max, sw->cfg.nat_table);
	return 0;
}

/* The ports' MTUs: each bounds what the gateway routes in to it, the
 * smallest static routes (route.c), and one
 * above XDP_MTU_MAX needs the programs to take fragments and the
 * sockets frames of several buffers. */
static int setup_port_mtus(struct sw *sw)
{
	struct ifreq ifr;
	int fd, i, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		fail(sw, "reading the ports' MTU: %s", strerror(-err));
		return err;
	}
	for (i = 0; i < sw->cfg.nports; i++) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", sw->cfg.ports[i]);
		if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
			if (errno == ENODEV)
				continue; /* said by its bind, below */
			err = -errno;
			fail(sw, "port %s: reading its MTU: %s", sw->cfg.ports[i], strerror(-err));
			goto out;
		}
		sw->port_mtu[i] = (uint16_t)ifr.ifr_mtu;
		if (!sw->l2_mtu || (uint32_t)ifr.ifr_mtu < sw->l2_mtu)
			sw->l2_mtu = (uint32_t)ifr.ifr_mtu;
		/* tc's ports carry no XDP; their slow-path pairs stay at 3506. */
		if (ifr.ifr_mtu > XDP_MTU_MAX && !sw->cfg.tc_path)
			sw->multibuf = true;
	}
	if (sw->multibuf) {
		struct bpf_program *prog = sw->skel->progs.xsk_steer;

		sw->skel->rodata->frags = 1;
		if ((err = bpf_program__set_flags(prog, bpf_program__flags(prog) | BPF_F_XDP_HAS_FRAGS)))
			fail(sw, "marking the XDP program multi-buffer: %s", strerror(-err));
	}
out:
	close(fd);
	return err;
}

static int setup(struct sw *sw)
{
	int xsks, slots, i, err;
	uint32_t nframes, nsock, cap;

	/* The same switch run twice (by hand, say): the second would take
	 * the first's socket, and its NAT's kept connections. */
	if (ctl_answered(sw->cfg.sock_path)) {
		fail(sw, "another switch daemon answers on %s: stop it first ('nsfast down', or kill its pid)",
		     sw->cfg.sock_path);
		return -EADDRINUSE;
	}
	/* The uplink's address and MAC go into the port program (NAT fast
	 * path) and the uplink's: find them first. */
	if (sw->cfg.uplink[0] && (err = uplink_discover(sw))) {
		fail(sw, "uplink %s: %s", sw->cfg.uplink,
		     err == -EADDRNOTAVAIL ? "it has no IPv4 address to translate to" : strerror(-err));
		return err;
	}
	sw->skel = xsk_steer__open();
	if (!sw->skel) {
		err = -errno;
		fail(sw, "opening the XDP program: %s", strerror(-err));
		return err;
	}
	if ((err = setup_port_mtus(sw)))
		return err;
	if (sw->cfg.fast_path && (err = fast_configure(sw))) {
		fail(sw, "sizing the fast path's FDB map to %u entries: %s", sw->cfg.fdb_size,
		     strerror(-err));
		return err;
	}
	if (sw->cfg.fast_nat && (err = nat_fast_configure_ports(sw))) {
		fail(sw, "sizing the NAT fast path's map to %u connections: %s", sw->cfg.nat_table,
		     strerror(-err));
		return err;
	}
	/* The maps of paths this switch does not take are created all the
	 * same: as small as a map can be (hash maps are preallocated). */
	if (!sw->cfg.fast_path)
		bpf_map__set_max_entries(sw->skel->maps.fdb, 1);
	if (!sw->cfg.fast_nat)
		bpf_map__set_max_entries(sw->skel->maps.nat_out, 1);
	if (xsk_steer__load(sw->skel)) {
		err = -errno;
		fail(sw, "loading the XDP program: %s", strerror(-err));
		return err;
	}
	if (sw->cfg.tc_path && (err = tc_path_load(sw))) {
		fail(sw, "loading the tc program: %s", strerror(-err));
		return err;
	}
	/* One more slot for the uplink, after the L2 ports. */
	sw->ports = calloc((size_t)sw->cfg.nports + 1, sizeof(*sw->ports));
	sw->links = calloc((size_t)sw->cfg.nports, sizeof(*sw->links));
	sw->fdb = fdb_new(sw->cfg.fdb_size, sw->cfg.fdb_per_port, sw->cfg.ageing_ns);
	/* 260 KiB, for pings of the gateway larger than the MTU. */
	if (sw->cfg.gw.has_v4)
		sw->reasm = gw_reasm_new();
	if (!sw->ports || !sw->links || !sw->fdb || (sw->cfg.gw.has_v4 && !sw->reasm)) {
		fail(sw, "out of memory");
		return -ENOMEM;
	}
	/* Each port parks FILL_TARGET frames for RX and may have frames in
	 * flight on TX; beyond the cap each port parks fewer (umem_init).
	 * The kernel gives every socket bound to another interface a pool
	 * with an entry per frame of the UMEM (~124 B): at 64k frames, 8 MiB
	 * per port. Behind a fast path (xdp, tc) the sockets see flows'
	 * first packets only, and 16k frames do: 2 MiB per port, and 256
	 * parked at 32 ports. afxdp keeps 64k (256 MiB, 20 ports; 127
	 * parked at 257). */
	nsock = (uint32_t)(sw->cfg.nports + !!sw->cfg.uplink[0]);
	nframes = nsock * (FILL_TARGET + RING_SIZE) + 2048;
	cap = sw->cfg.fast_path ? UMEM_FRAMES_SLOW_PATH : UMEM_FRAMES_MAX;
	if (nframes > cap)
		nframes = cap;
	err = umem_init(&sw->umem, nframes, nsock);
	if (err) {
		fail(sw, "registering a %u-frame UMEM: %s", nframes, strerror(-err));
		return err;
	}
	xsks = bpf_map__fd(sw->skel->maps.xsks);
	slots = bpf_map__fd(sw->skel->maps.port_slot);
	for (i = 0; i < sw->cfg.nports; i++) {
		struct port *p = &sw->ports[i];
		uint32_t slot = (uint32_t)i, ifindex;

		/* tc: the socket is on the port's slow-path far end. */
		err = port_open(p, &sw->umem, sw->cfg.tc_path ? sw->cfg.slow[i][1] : sw->cfg.ports[i],
				(uint16_t)i, sw->multibuf);
		sw->nports = i + 1;
		if (err) {
			fail(sw, "port %s: binding an AF_XDP socket%s%s: %s%s", sw->cfg.ports[i],
			     sw->cfg.tc_path ? " on " : "", sw->cfg.tc_path ? sw->cfg.slow[i][1] : "",
			     strerror(-err),
			     sw->multibuf && err == -EINVAL ?
				     " (a port's MTU is above 3506: multi-buffer AF_XDP, Linux 6.6 or later)" : "");
			return err;
		}
		if (sw->cfg.tc_path) {
			const char *what;

			err = tc_path_add_port(sw, p, sw->cfg.ports[i], sw->cfg.slow[i][0],
					       sw->cfg.host_port[i], &what);
			if (err) {
				fail(sw, "port %s: %s: %s", sw->cfg.ports[i], what, strerror(-err));
				return err;
			}
		}
		ifindex = (uint32_t)p->ifindex;
		if (bpf_map_update_elem(xsks, &slot, &p->fd, 0) ||
		    bpf_map_update_elem(slots, &ifindex, &slot, 0)) {
			err = -errno;
			fail(sw, "port %s: registering the socket: %s", p->name, strerror(-err));
			return err;
		}
		/* tc redirects by ifindex. */
		if (sw->cfg.fast_path && !sw->cfg.tc_path && (err = fast_add_port(sw, p))) {
			fail(sw, "port %s: adding it to the fast path's DEVMAP: %s", p->name,
			     strerror(-err));
			return err;
		}
		/* A link, not a flag on the device: the program goes away
		 * with this process, even after kill -9. */
		sw->links[i] = bpf_program__attach_xdp(sw->skel->progs.xsk_steer, p->ifindex);
		if (!sw->links[i]) {
			err = -errno;
			fail(sw, "port %s: attaching XDP in native mode%s%s: %s%s", p->name,
			     sw->cfg.tc_path ? " on " : "", sw->cfg.tc_path ? sw->cfg.slow[i][1] : "",
			     strerror(-err),
			     err == -ERANGE ? " (MTU above 3506 here or on the peer: XDP without multi-buffer)" : "");
			return err;
		}
		if (sw->cfg.tc_path) {
			const char *what;

			if ((err = tc_path_attach(sw, p, &what))) {
				fail(sw, "port %s: %s: %s", p->name, what, strerror(-err));
				return err;
			}
		}
	}
	sw->nl2 = sw->nports;
	if (sw->cfg.uplink[0] && (err = setup_uplink(sw)))
		return err;
	sw->ctl_fd = ctl_open(sw);
	if (sw->ctl_fd < 0) {
		err = sw->ctl_fd;
		fail(sw, "control socket %s: %s", sw->cfg.sock_path, strerror(-err));
		return err;
	}
	return 0;
}

int cmd_switch(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_stop };
	static struct sw sw;
	int err;

	memset(&sw, 0, sizeof(sw));
	sw.ctl_fd = sw.ctl_client = -1;
	if (daemon_parse_args(&sw.cfg, argc, argv))
		return 2;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	/* A blocked mask survives fork and exec: an up run with SIGTERM or
	 * SIGUSR1 blocked left its daemon deaf to down (killed 3 s later,
	 * without its teardown) and to the NAT's handoff. Here, not in
	 * switchd_start's child, so a daemon started by hand gets it too. */
	sigprocmask(SIG_SETMASK, &sa.sa_mask, NULL);
	libbpf_set_print(libbpf_quiet);
	/* Four descriptors a tc port (its socket, XDP link, two tcx links):
	 * 256 ports pass the usual soft limit of 1024. */
	struct rlimit nofile;

	if (!getrlimit(RLIMIT_NOFILE, &nofile) && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	sw.started = now_ns();
	err = setup(&sw);
	if (!err && sw.cfg.keep_path[0])
		keep_load(&sw);
	if (!err) {
		fprintf(stderr, "nsfast switch %s: %d ports ready, %u-frame UMEM\n", sw.cfg.name,
			sw.nports, sw.umem.nframes);
		if (sw.cfg.ready_fd >= 0) {
			dprintf(sw.cfg.ready_fd, "ready\n");
			close(sw.cfg.ready_fd);
			sw.cfg.ready_fd = -1;
		}
		err = switch_run(&sw, &stop);
		if (err)
			fprintf(stderr, "nsfast switch %s: poll: %s\n", sw.cfg.name, strerror(-err));
		sw.keep_on_stop = !err && keep;
	}
	teardown(&sw);
	fprintf(stderr, "nsfast switch %s: stopped\n", sw.cfg.name);
	return err ? 1 : 0;
}
