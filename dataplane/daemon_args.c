/* SPDX-License-Identifier: MIT */
/* nsfast switch's command line: what `nsfast up` hands each daemon. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../control/addr.h"
#include "../control/lab_mac.h"
#include "daemon_args.h"
#include "switch.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nsfast switch --name SW [--lab LAB] [--socket PATH] [--nat-keep PATH|-]\n"
		"                     [--gateway CIDR]...\n"
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
		"free everything. PORT... are host interfaces (veth ends). SIGUSR1 does the\n"
		"same, and first writes the NAT's connections to --nat-keep's file, which the\n"
		"next daemon reads back (then removes) if it starts within 10 s with the\n"
		"same uplink address (default /run/nsfast/LAB/SW.nat; '-': neither).\n\n"
		"The gateway routes IPv4 sent to it for addresses off its subnet: to the VIA\n"
		"of the longest --route PREFIX/LEN that matches (VIA on the subnet), else\n"
		"through the NAT to --uplink.\n");
}

/* As a kernel switch's bridge gets it (up_switch.c), from its IPv4
 * gateway, else its IPv6 one. */
static void gw_default_mac(struct sw_cfg *c)
{
	const uint8_t *a = c->gw.has_v4 ? c->gw.v4 : c->gw.has_v6 ? c->gw.v6 : NULL;

	lab_mac(LAB_MAC_GATEWAY, c->lab, a, c->gw.has_v4 ? 4 : 16, c->name, c->gw.mac);
}

/* ARG's ':'-separated fields into f (at most 5), each an interface name
 * (shorter than IFNAMSIZ); their count, or -EINVAL. buf holds them. */
static int split_ifnames(const char *arg, char buf[4 * IFNAMSIZ + 8], char *f[5])
{
	char *save = NULL;
	int n = 0;

	if (strlen(arg) >= 4 * IFNAMSIZ + 8)
		return -EINVAL;
	strcpy(buf, arg);
	for (char *t = strtok_r(buf, ":", &save); t && n < 5; t = strtok_r(NULL, ":", &save)) {
		if (strlen(t) >= IFNAMSIZ)
			return -EINVAL;
		f[n++] = t;
	}
	return n;
}

/* --tc-path: PORT:NEAR:FAR, the port and its slow-path pair, and ":host"
 * when the port's peer is a host interface. */
static int parse_tc_port(struct sw_cfg *c, const char *arg)
{
	char buf[4 * IFNAMSIZ + 8], *f[5];
	int n = split_ifnames(arg, buf, f);

	if (n < 3 || n > 4 || (n == 4 && strcmp(f[3], "host")))
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
	char buf[4 * IFNAMSIZ + 8], *f[5];
	int n = split_ifnames(arg, buf, f);

	if (n != (c->tc_path ? 3 : 1))
		return -EINVAL;
	strcpy(c->uplink, f[0]);
	if (c->tc_path) {
		strcpy(c->upslow[0], f[1]);
		strcpy(c->upslow[1], f[2]);
	}
	return 0;
}

/* A whole decimal number from lo to hi: 0, or -EINVAL once said
 * (strtoull took '-1' for 2^64-1, '5x' for 5, and seconds wrapped once
 * multiplied into nanoseconds). */
static int num_opt(const char *opt, const char *s, unsigned long long lo, unsigned long long hi,
		   unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || errno || *end || *v < lo || *v > hi) {
		fprintf(stderr, "nsfast switch: bad --%s '%s', expected a number from %llu to %llu\n",
			opt, s, lo, hi);
		return -EINVAL;
	}
	return 0;
}

/* A string option into a field of len bytes, whole or refused. */
static int str_opt(const char *opt, const char *s, char *dst, size_t len)
{
	if (strlen(s) >= len) {
		fprintf(stderr, "nsfast switch: --%s '%s' is longer than %zu characters\n", opt, s,
			len - 1);
		return -EINVAL;
	}
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

int daemon_parse_args(struct sw_cfg *c, int argc, char **argv)
{
	const char *uplink = NULL;
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "lab", required_argument, NULL, 'L' },
		{ "name", required_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, 's' },
		{ "nat-keep", required_argument, NULL, 'K' },
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
	bool mac_set = false, keep_set = false;
	unsigned long long v;
	struct addr a;
	int o, oi = 0;

	c->ageing_ns = 300ull * 1000000000ull;
	c->fdb_size = 8192;
	c->fdb_per_port = 2048;
	c->ready_fd = -1;
	c->nat_port_min = 61000;
	c->nat_port_max = 65535;
	c->nat_table = 65536;
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, &oi)) != -1) {
		switch (o) {
		case 'h':
			usage(stdout);
			exit(0);
		case 'L':
			if (str_opt("lab", optarg, c->lab, sizeof(c->lab)))
				return -EINVAL;
			break;
		case 'n':
			if (str_opt("name", optarg, c->name, sizeof(c->name)))
				return -EINVAL;
			break;
		case 's':
			if (str_opt("socket", optarg, c->sock_path, sizeof(c->sock_path)))
				return -EINVAL;
			break;
		case 'K':
			if (strlen(optarg) >= sizeof(c->keep_path)) {
				fprintf(stderr, "nsfast switch: --nat-keep '%s' is too long, expected at most %zu characters\n",
					optarg, sizeof(c->keep_path) - 1);
				return -EINVAL;
			}
			snprintf(c->keep_path, sizeof(c->keep_path), "%s", optarg);
			keep_set = true;
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
				c->gw.v4_plen = (uint8_t)a.plen;
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
			if (num_opt("ageing", optarg, 1, 86400, &v))
				return -EINVAL;
			c->ageing_ns = v * 1000000000ull;
			break;
		case 'f':
		case 'F':
			if (num_opt(opts[oi].name, optarg, 1, 1u << 24, &v))
				return -EINVAL;
			*(o == 'f' ? &c->fdb_size : &c->fdb_per_port) = (uint32_t)v;
			break;
		case 'r': {
			struct stat st;

			/* Written "ready" and closed: one that is not a pipe
			 * open at start would be one of the daemon's own later. */
			if (num_opt("ready-fd", optarg, 3, INT_MAX, &v))
				return -EINVAL;
			if (fstat((int)v, &st) || !S_ISFIFO(st.st_mode)) {
				fprintf(stderr, "nsfast switch: --ready-fd %llu is not an open pipe\n", v);
				return -EINVAL;
			}
			c->ready_fd = (int)v;
			break;
		}
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
			if (num_opt("nat-table", optarg, 1, 16777216, &v))
				return -EINVAL;
			c->nat_table = (uint32_t)v;
			break;
		case '1':
		case '2':
		case '3': {
			uint64_t *t = o == '1' ? &c->nat_timeout_udp_ns :
				      o == '2' ? &c->nat_timeout_icmp_ns : &c->nat_timeout_tcp_ns;

			if (num_opt(opts[oi].name, optarg, 1, 604800, &v))
				return -EINVAL;
			*t = v * 1000000000ull;
			break;
		}
		case 'R': {
			/* PREFIX/LEN,VIA; checked against the gateway below, which
			 * may come later on the command line. */
			char spec[2 * ADDR_STRLEN], *via = NULL;
			struct rt_route *r;

			if (c->nroutes == RT_ROUTES_MAX) {
				fprintf(stderr, "nsfast switch: more than %d --route\n", RT_ROUTES_MAX);
				return -EINVAL;
			}
			r = &c->routes[c->nroutes];
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
		mask = c->gw.v4_plen ? htonl(~0u << (32 - c->gw.v4_plen)) : 0;
		if (!c->gw.has_v4 || (via & mask) != (gw & mask) || via == gw ||
		    (c->gw.v4_plen < 31 && ((via & ~mask) == 0 || (via & ~mask) == ~mask))) {
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
	if (!keep_set)
		snprintf(c->keep_path, sizeof(c->keep_path), "/run/nsfast/%s/%s.nat",
			 c->lab[0] ? c->lab : "-", c->name);
	else if (!strcmp(c->keep_path, "-"))
		c->keep_path[0] = '\0';
	if (!mac_set)
		gw_default_mac(c);
	return 0;
}
