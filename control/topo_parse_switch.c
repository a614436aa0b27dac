/* SPDX-License-Identifier: MIT */
/* The topology language's switches: `switch NAME [KEY VALUE]...` and the
 * keys of its block (dataplane, gateway, host, uplink, ageing, nat-table,
 * nat-timeout). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"
#include "topo_parser.h"

/* uplink IFACE snat [ports MIN-MAX] [via ADDRESS] */
static void parse_uplink(struct parser *p, struct sw *s, char **tok, int n)
{
	char *dash, *end;
	long lo, hi;
	int i;

	if (s->uplink[0]) {
		perr(p, "switch '%s' already has an uplink", s->name);
		return;
	}
	if (n < 2 || set_ifname(p, s->uplink, tok[1]))
		return;
	s->uplink_line = p->line;
	if (n < 3 || strcmp(tok[2], "snat")) {
		perr(p, "%s%s%sexpected 'uplink %s snat [ports MIN-MAX] [via ADDRESS]'",
		     n < 3 ? "" : "unknown word '", n < 3 ? "" : tok[2], n < 3 ? "" : "', ", tok[1]);
		return;
	}
	s->snat = true;
	for (i = 3; i < n; i += 2) {
		if (i + 1 >= n) {
			perr(p, "'%s' needs a value", tok[i]);
			return;
		}
		for (int j = 3; j < i; j += 2)
			if (!strcmp(tok[j], tok[i])) {
				perr(p, "%s given twice in uplink, expected one", tok[i]);
				return;
			}
		if (!strcmp(tok[i], "ports")) {
			dash = strchr(tok[i + 1], '-');
			if (!dash) {
				perr(p, "bad ports '%s', expected MIN-MAX such as 61000-65535", tok[i + 1]);
				return;
			}
			*dash = '\0';
			errno = 0;
			lo = strtol(tok[i + 1], &end, 10);
			if (errno || *end || !dash[1] || (hi = strtol(dash + 1, &end, 10), *end) ||
			    lo < 1024 || hi > 65535 || lo > hi) {
				perr(p, "bad ports '%s-%s', expected MIN-MAX within 1024-65535", tok[i + 1],
				     dash + 1);
				return;
			}
			s->nat_port_min = (uint16_t)lo;
			s->nat_port_max = (uint16_t)hi;
		} else if (!strcmp(tok[i], "via")) {
			if (addr_parse_host(tok[i + 1], &s->uplink_via) ||
			    s->uplink_via.family != AF_INET) {
				perr(p, "bad via '%s', expected the IPv4 address of the next hop", tok[i + 1]);
				return;
			}
			s->has_via = true;
		} else {
			perr(p, "unknown key '%s' after 'uplink %s snat', expected ports or via", tok[i],
			     tok[1]);
			return;
		}
	}
}

void parse_switch_key(struct parser *p, char **tok, int n)
{
	struct sw *s = &p->t->sw[p->cur];
	const char *k = tok[0];
	long v;

	if (n < 2) {
		perr(p, "'%s' needs a value", k);
		return;
	}
	if (!strcmp(k, "dataplane")) {
		if (!key_once(p, &s->dataplane_line, k, "switch", s->name))
			return;
		if (dataplane_parse(tok[1], &s->dp))
			perr(p, "unknown dataplane '%s', expected kernel, afxdp, xdp or tc", tok[1]);
	} else if (!strcmp(k, "gateway") || !strcmp(k, "host")) {
		bool gw = !strcmp(k, "gateway");
		struct addr a, *arr = gw ? s->gateway : s->host;
		int *cnt = gw ? &s->ngateway : &s->nhost, i;

		if (addr_parse_cidr(tok[1], &a)) {
			perr(p, "bad %s address '%s', expected ADDRESS/PREFIX such as 10.13.37.1/24",
			     k, tok[1]);
			return;
		}
		if (!addr_is_unicast(&a)) {
			perr(p, "bad %s address '%s': unspecified or multicast, expected a unicast address",
			     k, tok[1]);
			return;
		}
		for (i = 0; i < *cnt; i++)
			if (arr[i].family == a.family) {
				perr(p, "switch '%s' already has an IPv%d %s address", s->name,
				     a.family == AF_INET ? 4 : 6, k);
				return;
			}
		(gw ? s->gateway_line : s->host_line)[*cnt] = p->line;
		arr[(*cnt)++] = a;
	} else if (!strcmp(k, "uplink")) {
		parse_uplink(p, s, tok, n);
		return;
	} else if (!strcmp(k, "nat-table")) {
		if (!key_once(p, &s->nat_table_line, k, "switch", s->name))
			return;
		if (parse_uint(tok[1], 1, 1 << 24, &v))
			perr(p, "bad nat-table '%s', expected a number of connections from 1 to 16777216",
			     tok[1]);
		else
			s->nat_table = (uint32_t)v;
	} else if (!strcmp(k, "nat-timeout")) {
		int *dst = !strcmp(tok[1], "udp")  ? &s->nat_timeout_udp :
			   !strcmp(tok[1], "icmp") ? &s->nat_timeout_icmp :
			   !strcmp(tok[1], "tcp")  ? &s->nat_timeout_tcp : NULL;

		if (!dst && n >= 2)
			perr(p, "unknown nat-timeout '%s', expected udp, icmp or tcp", tok[1]);
		else if (n == 3 && parse_uint(tok[2], 1, 86400 * 7, &v))
			perr(p, "bad nat-timeout %s '%s', expected seconds from 1 to 604800", tok[1],
			     tok[2]);
		else if (!dst || n != 3)
			perr(p, "%s%s%sexpected 'nat-timeout udp|icmp|tcp SECONDS' (1 to 604800)",
			     n > 3 ? "unexpected '" : "", n > 3 ? tok[3] : "", n > 3 ? "', " : "");
		else if (key_once(p, &s->nat_timeout_line[dst == &s->nat_timeout_udp ? 0 :
							     dst == &s->nat_timeout_icmp ? 1 : 2],
				  !strcmp(tok[1], "udp") ? "nat-timeout udp" :
				  !strcmp(tok[1], "icmp") ? "nat-timeout icmp" : "nat-timeout tcp",
				  "switch", s->name))
			*dst = (int)v;
		return;
	} else if (!strcmp(k, "ageing")) {
		if (!key_once(p, &s->ageing_line, k, "switch", s->name))
			return;
		if (parse_uint(tok[1], 1, 86400, &v))
			perr(p, "bad ageing '%s', expected seconds from 1 to 86400", tok[1]);
		else
			s->ageing = (int)v;
	} else {
		perr(p, "unknown key '%s' in switch, expected dataplane, gateway, host, uplink, ageing, nat-table or nat-timeout",
		     k);
		return;
	}
	if (n > 2)
		perr(p, "unexpected '%s' after '%s %s', expected the end of the line or a switch key (dataplane, gateway, host, uplink, ageing, nat-table or nat-timeout)",
		     tok[2], k, tok[1]);
}

bool is_switch_key(const char *w)
{
	static const char *const keys[] = { "dataplane", "gateway", "host", "uplink",
					    "ageing", "nat-table", "nat-timeout" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(w, keys[i]))
			return true;
	return false;
}

void parse_switch(struct parser *p, char **tok, int n)
{
	struct sw *s;

	if (n < 2) {
		perr(p, "expected 'switch NAME [dataplane kernel|afxdp|xdp|tc]'");
		return;
	}
	if (!name_valid(tok[1])) {
		perr(p, "bad switch name '%s', expected up to 15 letters, digits, '_', '-' or '.'",
		     tok[1]);
		return;
	}
	s = APPEND(p, p->t->sw, p->t->nsw, "switches");
	if (!s)
		return;
	strcpy(s->name, tok[1]);
	s->line = p->line;
	s->dp = DP_TC; /* the fastest (README, Benchmarks); the others are chosen by name */
	s->ageing = 300;
	/* Above the kernel's default local port range (32768-60999), so the
	 * host's own connections over the uplink never collide with NAT. */
	s->nat_port_min = 61000;
	s->nat_port_max = 65535;
	s->nat_table = 65536;
	p->block = BLOCK_SWITCH;
	p->cur = p->t->nsw - 1;
	if (n > 2)
		parse_switch_keys(p, tok + 2, n - 2);
}

void parse_switch_keys(struct parser *p, char **tok, int n)
{
	int i, j;

	/* Keys may follow one another on a line: each takes the words up
	 * to the next key ('uplink IF snat ports A-B via ADDR' has five). */
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && !is_switch_key(tok[j]); j++)
			;
		parse_switch_key(p, tok + i, j - i);
	}
}
