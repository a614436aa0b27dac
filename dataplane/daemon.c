/* SPDX-License-Identifier: MIT */
/* nsfast switch: the AF_XDP switch daemon, started by `nsfast up` for each
 * `dataplane afxdp` switch (or by hand, in the foreground, to debug). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../control/addr.h"
#include "daemon.h"
#include "nat.h"
#include "switch.h"
#include "tc_path.h"
#include "uplink_busy.h"
#include "uplink_steer.skel.h"
#include "xsk_steer.skel.h"

static volatile int stop;

static void on_stop(int sig)
{
	(void)sig;
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
	nl_close(&sw->nl);
	for (i = 0; sw->ports && i < sw->nports; i++)
		port_close(&sw->ports[i]);
	umem_fini(&sw->umem);
	fdb_free(sw->fdb);
	if (sw->skel)
		xsk_steer__destroy(sw->skel);
	if (sw->ctl_fd >= 0) {
		close(sw->ctl_fd);
		unlink(sw->cfg.sock_path);
	}
	free(sw->links);
	free(sw->ports);
	free(sw->fast_keys);
}

/* The uplink's first IPv4 address (the NAT's source) and its MAC. */
static int uplink_discover(struct sw *sw)
{
	struct ifaddrs *ifa, *a;
	struct ifreq ifr;
	int fd, found = 0;

	if (getifaddrs(&ifa))
		return -errno;
	for (a = ifa; a && !found; a = a->ifa_next) {
		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET ||
		    strcmp(a->ifa_name, sw->cfg.uplink))
			continue;
		memcpy(sw->up_ip, &((struct sockaddr_in *)a->ifa_addr)->sin_addr, 4);
		sw->up_plen = a->ifa_netmask ? __builtin_popcount(
			((struct sockaddr_in *)a->ifa_netmask)->sin_addr.s_addr) : 32;
		found = 1;
	}
	freeifaddrs(ifa);
	if (!found)
		return -EADDRNOTAVAIL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", sw->cfg.uplink);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	close(fd);
	memcpy(sw->up_mac, ifr.ifr_hwaddr.sa_data, 6);
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
	memcpy(nc.int_net, sw->cfg.gw.v4, 4);
	nc.int_plen = sw->cfg.gw_v4_plen;
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
	err = nl_open(&sw->nl, -1);
	if (err) {
		fail(sw, "netlink: %s", strerror(-err));
		return err;
	}
	if ((err = uplink_busy((int)if_nametoindex(sw->cfg.uplink), &other))) {
		fail(sw, "uplink %s: another nsfast switch's NAT is on it (BPF program %u): an uplink serves one switch",
		     sw->cfg.uplink, other);
		return err;
	}
	sw->up_skel = uplink_steer__open();
	if (!sw->up_skel) {
		fail(sw, "opening the uplink XDP program: %s", strerror(errno));
		return -errno;
	}
	memcpy((void *)&sw->up_skel->rodata->ext_ip, sw->up_ip, 4);
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
		/* Unused, but created all the same: as small as a map can be
		 * (a hash map is preallocated, 64k entries are megabytes). */
		bpf_map__set_max_entries(sw->up_skel->maps.nat_in, 1);
	}
	if (uplink_steer__load(sw->up_skel)) {
		err = -errno;
		fail(sw, "loading the uplink XDP program: %s", strerror(-err));
		return err;
	}
	/* tc: the socket is on the uplink's slow-path far end. */
	err = port_open(p, &sw->umem, sw->cfg.tc_path ? sw->cfg.upslow[1] : sw->cfg.uplink,
			(uint16_t)sw->nl2);
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
		fail(sw, "uplink %s: attaching XDP in native mode%s%s: %s", sw->cfg.uplink,
		     sw->cfg.tc_path ? " on " : "", sw->cfg.tc_path ? sw->cfg.upslow[1] : "",
		     strerror(-err));
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

static int setup(struct sw *sw)
{
	int xsks, slots, i, err;
	uint32_t nframes;

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
	if (!sw->ports || !sw->links || !sw->fdb) {
		fail(sw, "out of memory");
		return -ENOMEM;
	}
	/* Each port parks FILL_TARGET frames for RX and may have frames in
	 * flight on TX; beyond 64k frames (256 MiB) ports share the slack. */
	nframes = (uint32_t)(sw->cfg.nports + !!sw->cfg.uplink[0]) * (FILL_TARGET + RING_SIZE) + 2048;
	if (nframes > 65536)
		nframes = 65536;
	err = umem_init(&sw->umem, nframes);
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
				(uint16_t)i);
		sw->nports = i + 1;
		if (err) {
			fail(sw, "port %s: binding an AF_XDP socket%s%s: %s", sw->cfg.ports[i],
			     sw->cfg.tc_path ? " on " : "", sw->cfg.tc_path ? sw->cfg.slow[i][1] : "",
			     strerror(-err));
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
			     err == -ERANGE ? " (MTU above 3506: XDP without multi-buffer)" : "");
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
	sw->ctl_fd = ctl_open(sw->cfg.sock_path);
	if (sw->ctl_fd < 0) {
		err = sw->ctl_fd;
		fail(sw, "control socket %s: %s", sw->cfg.sock_path, strerror(-err));
		return err;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nsfast switch --name SW [--lab LAB] [--socket PATH] [--gateway CIDR]...\n"
		"                     [--gateway-mac MAC] [--ageing S] [--fdb-size N]\n"
		"                     [--fdb-port-max N] [--fast-path [--fast-nat] | --tc-path]\n"
		"                     [--ready-fd FD]\n"
		"                     [--uplink IF [--uplink-gateway IP] [--nat-ports MIN-MAX]\n"
		"                      [--nat-table N] [--nat-timeout-udp|icmp|tcp S]]\n"
		"                     [--route PREFIX/LEN,VIA]... PORT...\n\n"
		"The AF_XDP switch daemon that 'nsfast up' starts for each 'dataplane afxdp'\n"
		"switch, and with --fast-path for each 'dataplane xdp' switch (learned unicast\n"
		"forwarded by the ports' XDP program; --fast-nat: established NAT connections\n"
		"too, when the uplink's peer takes XDP frames), and with --tc-path for each\n"
		"'dataplane tc' switch (learned unicast forwarded by a tc program on each port;\n"
		"PORT is then PORT:NEAR:FAR[:host], with the port's slow-path veth pair, whose\n"
		"FAR end carries the socket; :host when PORT's peer is a host interface; and\n"
		"--uplink IF:NEAR:FAR likewise).\n"
		"Runs in the foreground until SIGTERM or SIGINT, which detach its programs and\n"
		"free everything. PORT... are host interfaces (veth ends).\n\n"
		"The gateway routes IPv4 sent to it for addresses off its subnet: to the VIA\n"
		"of the longest --route PREFIX/LEN that matches (VIA on the subnet), else\n"
		"through the NAT to --uplink.\n");
}

static void gw_default_mac(struct sw_cfg *c)
{
	uint32_t h = 2166136261u;
	const char *s;

	/* Locally administered, stable across restarts of the same switch so
	 * that neighbour caches in the namespaces stay right. */
	for (s = c->lab; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	for (s = c->name; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	c->gw.mac[0] = 0x02;
	c->gw.mac[1] = 0x6e;
	c->gw.mac[2] = 0x66;
	c->gw.mac[3] = (uint8_t)(h >> 16);
	c->gw.mac[4] = (uint8_t)(h >> 8);
	c->gw.mac[5] = (uint8_t)h;
}

/* --tc-path: PORT:NEAR:FAR, the port and its slow-path pair, and ":host"
 * when the port's peer is a host interface. */
static int parse_tc_port(struct sw_cfg *c, const char *arg)
{
	char buf[4 * IFNAMSIZ + 8], *f[5], *save = NULL;
	int n = 0;

	if (strlen(arg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, arg);
	for (char *t = strtok_r(buf, ":", &save); t && n < 5; t = strtok_r(NULL, ":", &save))
		f[n++] = t;
	if (n < 3 || n > 4 || (n == 4 && strcmp(f[3], "host")))
		return -EINVAL;
	for (int i = 0; i < 3; i++)
		if (strlen(f[i]) >= IFNAMSIZ)
			return -EINVAL;
	strcpy(c->ports[c->nports], f[0]);
	strcpy(c->slow[c->nports][0], f[1]);
	strcpy(c->slow[c->nports][1], f[2]);
	c->host_port[c->nports] = n == 4;
	return 0;
}

/* --uplink IF, and with --tc-path IF:NEAR:FAR, with the uplink's
 * slow-path pair. */
static int parse_uplink(struct sw_cfg *c, const char *arg)
{
	char buf[4 * IFNAMSIZ], *f[4], *save = NULL;
	int n = 0;

	if (strlen(arg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, arg);
	for (char *t = strtok_r(buf, ":", &save); t && n < 4; t = strtok_r(NULL, ":", &save))
		f[n++] = t;
	if (n != (c->tc_path ? 3 : 1))
		return -EINVAL;
	for (int i = 0; i < n; i++)
		if (strlen(f[i]) >= IFNAMSIZ)
			return -EINVAL;
	strcpy(c->uplink, f[0]);
	if (c->tc_path) {
		strcpy(c->upslow[0], f[1]);
		strcpy(c->upslow[1], f[2]);
	}
	return 0;
}

static int parse_args(struct sw_cfg *c, int argc, char **argv)
{
	const char *uplink = NULL;
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "lab", required_argument, NULL, 'L' },
		{ "name", required_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, 's' },
		{ "gateway", required_argument, NULL, 'g' },
		{ "gateway-mac", required_argument, NULL, 'm' },
		{ "ageing", required_argument, NULL, 'a' },
		{ "fdb-size", required_argument, NULL, 'f' },
		{ "fdb-port-max", required_argument, NULL, 'F' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "fast-path", no_argument, NULL, 'x' },
		{ "fast-nat", no_argument, NULL, 'X' },
		{ "tc-path", no_argument, NULL, 'C' },
		{ "uplink", required_argument, NULL, 'u' },
		{ "uplink-gateway", required_argument, NULL, 'G' },
		{ "nat-ports", required_argument, NULL, 'P' },
		{ "nat-table", required_argument, NULL, 'T' },
		{ "nat-timeout-udp", required_argument, NULL, '1' },
		{ "nat-timeout-icmp", required_argument, NULL, '2' },
		{ "nat-timeout-tcp", required_argument, NULL, '3' },
		{ "route", required_argument, NULL, 'R' },
		{ 0 },
	};
	bool mac_set = false;
	struct addr a;
	int o;

	c->ageing_ns = 300ull * 1000000000ull;
	c->fdb_size = 8192;
	c->fdb_per_port = 2048;
	c->ready_fd = -1;
	c->nat_port_min = 61000;
	c->nat_port_max = 65535;
	c->nat_table = 65536;
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'h':
			usage(stdout);
			exit(0);
		case 'L':
			snprintf(c->lab, sizeof(c->lab), "%s", optarg);
			break;
		case 'n':
			snprintf(c->name, sizeof(c->name), "%s", optarg);
			break;
		case 's':
			snprintf(c->sock_path, sizeof(c->sock_path), "%s", optarg);
			break;
		case 'g':
			if (addr_parse_cidr(optarg, &a)) {
				fprintf(stderr, "nsfast switch: bad --gateway '%s', expected ADDRESS/PREFIX\n",
					optarg);
				return -EINVAL;
			}
			if (a.family == AF_INET) {
				memcpy(c->gw.v4, a.bytes, 4);
				c->gw.has_v4 = 1;
				c->gw_v4_plen = (uint8_t)a.plen;
			} else {
				memcpy(c->gw.v6, a.bytes, 16);
				c->gw.has_v6 = 1;
			}
			c->has_gw = true;
			break;
		case 'm':
			if (mac_parse(optarg, c->gw.mac)) {
				fprintf(stderr, "nsfast switch: bad --gateway-mac '%s'\n", optarg);
				return -EINVAL;
			}
			mac_set = true;
			break;
		case 'a':
			c->ageing_ns = strtoull(optarg, NULL, 10) * 1000000000ull;
			break;
		case 'f':
			c->fdb_size = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'F':
			c->fdb_per_port = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			c->ready_fd = atoi(optarg);
			break;
		case 'x':
			c->fast_path = true;
			break;
		case 'X':
			c->fast_nat = true;
			break;
		case 'C':
			/* The same FDB cache as --fast-path, read by tc_steer. */
			c->tc_path = c->fast_path = true;
			break;
		case 'u':
			uplink = optarg;
			break;
		case 'G':
			if (inet_pton(AF_INET, optarg, c->uplink_gw) != 1) {
				fprintf(stderr, "nsfast switch: bad --uplink-gateway '%s'\n", optarg);
				return -EINVAL;
			}
			c->has_uplink_gw = true;
			break;
		case 'P': {
			unsigned int lo, hi;

			if (sscanf(optarg, "%u-%u", &lo, &hi) != 2 || lo < 1024 || hi > 65535 || lo > hi) {
				fprintf(stderr, "nsfast switch: bad --nat-ports '%s', expected MIN-MAX\n", optarg);
				return -EINVAL;
			}
			c->nat_port_min = (uint16_t)lo;
			c->nat_port_max = (uint16_t)hi;
			break;
		}
		case 'T':
			c->nat_table = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case '1':
		case '2':
		case '3': {
			uint64_t *t = o == '1' ? &c->nat_timeout_udp_ns :
				      o == '2' ? &c->nat_timeout_icmp_ns : &c->nat_timeout_tcp_ns;

			*t = strtoull(optarg, NULL, 10) * 1000000000ull;
			break;
		}
		case 'R': {
			/* PREFIX/LEN,VIA; checked against the gateway below, which
			 * may come later on the command line. */
			char spec[2 * ADDR_STRLEN], *via = NULL;
			struct rt_route *r = &c->routes[c->nroutes];

			snprintf(spec, sizeof(spec), "%s", optarg);
			if (strlen(optarg) < sizeof(spec))
				via = strchr(spec, ',');
			if (via)
				*via++ = '\0';
			if (!via || addr_parse_cidr(spec, &a) || a.family != AF_INET ||
			    inet_pton(AF_INET, via, &r->via) != 1) {
				fprintf(stderr, "nsfast switch: bad --route '%s', expected IPV4-PREFIX/LEN,IPV4-ADDRESS\n",
					optarg);
				return -EINVAL;
			}
			if (c->nroutes == RT_ROUTES_MAX) {
				fprintf(stderr, "nsfast switch: more than %d --route\n", RT_ROUTES_MAX);
				return -EINVAL;
			}
			r->plen = (uint8_t)a.plen;
			r->mask = a.plen ? htonl(~0u << (32 - a.plen)) : 0;
			memcpy(&r->net, a.bytes, 4);
			r->net &= r->mask;
			c->nroutes++;
			break;
		}
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (uplink && parse_uplink(c, uplink)) {
		fprintf(stderr, "nsfast switch: bad --uplink '%s', expected %s\n", uplink,
			c->tc_path ? "IF:NEAR:FAR (interface names)" : "an interface name");
		return -EINVAL;
	}
	if (c->fast_nat && (!c->fast_path || !c->uplink[0])) {
		fprintf(stderr, "nsfast switch: --fast-nat needs --fast-path or --tc-path, and --uplink\n");
		return -EINVAL;
	}
	if (c->uplink[0] && (!c->gw.has_v4 || !c->nat_table)) {
		fprintf(stderr, "nsfast switch: --uplink needs an IPv4 --gateway and --nat-table > 0\n");
		return -EINVAL;
	}
	for (o = 0; o < c->nroutes; o++) {
		/* The next hop is a neighbour of the gateway, and not itself. */
		uint32_t via = c->routes[o].via, gw, mask;
		char v[INET_ADDRSTRLEN];

		memcpy(&gw, c->gw.v4, 4);
		mask = c->gw_v4_plen ? htonl(~0u << (32 - c->gw_v4_plen)) : 0;
		if (!c->gw.has_v4 || (via & mask) != (gw & mask) || via == gw ||
		    (c->gw_v4_plen < 31 && ((via & ~mask) == 0 || (via & ~mask) == ~mask))) {
			fprintf(stderr, "nsfast switch: --route via %s: not a host on the subnet of an IPv4 --gateway\n",
				inet_ntop(AF_INET, &via, v, sizeof(v)));
			return -EINVAL;
		}
	}
	if (!c->name[0] || optind >= argc || argc - optind > SW_PORTS_MAX || !c->ageing_ns ||
	    !c->fdb_size || !c->fdb_per_port) {
		usage(stderr);
		return -EINVAL;
	}
	for (o = optind; o < argc; o++) {
		if (c->tc_path ? parse_tc_port(c, argv[o]) : strlen(argv[o]) >= IFNAMSIZ) {
			fprintf(stderr, "nsfast switch: bad port '%s', expected %s\n", argv[o],
				c->tc_path ? "PORT:NEAR:FAR[:host] (interface names)" :
					     "an interface name");
			return -EINVAL;
		}
		if (!c->tc_path)
			strcpy(c->ports[c->nports], argv[o]);
		c->nports++;
	}
	if (!c->sock_path[0])
		snprintf(c->sock_path, sizeof(c->sock_path), "/run/nsfast/%s/%s.sock",
			 c->lab[0] ? c->lab : "-", c->name);
	if (!mac_set)
		gw_default_mac(c);
	return 0;
}

int cmd_switch(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_stop };
	static struct sw sw;
	int err;

	memset(&sw, 0, sizeof(sw));
	sw.ctl_fd = -1;
	if (parse_args(&sw.cfg, argc, argv))
		return 2;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	libbpf_set_print(libbpf_quiet);
	sw.started = now_ns();
	err = setup(&sw);
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
	}
	teardown(&sw);
	fprintf(stderr, "nsfast switch %s: stopped\n", sw.cfg.name);
	return err ? 1 : 0;
}
