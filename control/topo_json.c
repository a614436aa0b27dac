/* SPDX-License-Identifier: MIT */
/* `nsfast check --json`: the topology as nsfast understood it, for
 * scripts (bench/bench.sh takes its client, server and NAT peer from
 * it), so that no second parser of the language is ever needed. */
#include <stdio.h>

#include "json.h"
#include "topo.h"
#include "topo_json.h"

static void addrs(FILE *f, const struct addr *a, int n)
{
	char buf[ADDR_STRLEN];

	fputc('[', f);
	for (int i = 0; i < n; i++) {
		fputs(i ? "," : "", f);
		json_str(f, addr_fmt(&a[i], buf, sizeof(buf)));
	}
	fputc(']', f);
}

static void endpoint(FILE *f, const struct topo *t, const struct endpoint *e)
{
	fputs("{\"ns\":", f);
	json_str(f, topo_ns_name(t, e->ns));
	fputs(",\"interface\":", f);
	json_str(f, e->ifname);
	fputs(",\"system_name\":", f);
	json_str(f, e->sysname);
	fputs(",\"addrs\":", f);
	addrs(f, e->addrs, e->naddrs);
	if (e->mtu)
		fprintf(f, ",\"mtu\":%d}", e->mtu);
	else
		fputs(",\"mtu\":null}", f);
}

static void sw_json(FILE *f, const struct topo *t, const struct sw *sw)
{
	const struct endpoint *peer = NULL;
	const struct link *l;

	fputs("{\"name\":", f);
	json_str(f, sw->name);
	fprintf(f, ",\"line\":%d,\"dataplane\":\"%s\",\"gateways\":", sw->line,
		dataplane_name(sw->dp));
	addrs(f, sw->gateway, sw->ngateway);
	fputs(",\"hosts\":", f);
	addrs(f, sw->host, sw->nhost);
	fputs(",\"uplink\":", f);
	if (!sw->uplink[0]) {
		fputs("null}", f);
		return;
	}
	/* The file's name for it: a veth's host end as written, or an
	 * interface of the host's, whose name is its system name. */
	l = topo_uplink_veth(t, sw, &peer);
	fputs("{\"interface\":", f);
	json_str(f, !l ? sw->uplink : peer == &l->b ? l->a.ifname : l->b.ifname);
	fputs(",\"system_name\":", f);
	json_str(f, sw->uplink);
	fprintf(f, ",\"line\":%d,\"snat\":%s", sw->uplink_line, sw->snat ? "true" : "false");
	if (sw->snat)
		fprintf(f, ",\"ports\":\"%u-%u\"", sw->nat_port_min, sw->nat_port_max);
	fputs(",\"peer\":", f);
	if (l)
		endpoint(f, t, peer);
	else
		fputs("null", f);
	fputs("}}", f);
}

void topo_json(FILE *f, const struct topo *t)
{
	static const char *const kind[] = { "switch", "veth", "move" };
	char buf[ADDR_STRLEN];

	fputs("{\"file\":", f);
	json_str(f, t->file);
	fputs(",\"lab\":", f);
	json_str(f, t->lab);
	fprintf(f, ",\"dataplane_forced\":%s,\"switches\":[", t->dp_forced ? "true" : "false");
	for (int i = 0; i < t->nsw; i++) {
		fputs(i ? "," : "", f);
		sw_json(f, t, &t->sw[i]);
	}
	fputs("],\"namespaces\":[", f);
	for (int i = 0; i < t->nns; i++) {
		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		json_str(f, t->ns[i].name);
		fputs(",\"system_name\":", f);
		json_str(f, t->ns[i].sysname);
		fprintf(f, ",\"line\":%d,\"forward\":%s}", t->ns[i].line,
			t->ns[i].forward ? "true" : "false");
	}
	/* In the file's order: a switch's first link is its first port. */
	fputs("],\"links\":[", f);
	for (int i = 0; i < t->nlinks; i++) {
		const struct link *l = &t->links[i];

		fprintf(f, "%s{\"kind\":\"%s\",\"line\":%d,\"switch\":", i ? "," : "", kind[l->kind],
			l->line);
		if (l->kind == LINK_SWITCH)
			json_str(f, t->sw[l->sw].name);
		else
			fputs("null", f);
		fputs(",\"a\":", f);
		endpoint(f, t, &l->a);
		fputs(",\"b\":", f);
		endpoint(f, t, &l->b);
		fputc('}', f);
	}
	fputs("],\"routes\":[", f);
	for (int i = 0; i < t->nroutes; i++) {
		const struct route *r = &t->routes[i];

		fputs(i ? ",{\"ns\":" : "{\"ns\":", f);
		json_str(f, topo_ns_name(t, r->ns));
		fputs(",\"dst\":", f);
		json_str(f, addr_fmt(&r->dst, buf, sizeof(buf)));
		fputs(",\"via\":", f);
		if (r->has_gw)
			json_str(f, addr_fmt_host(&r->gw, buf, sizeof(buf)));
		else
			fputs("null", f);
		fputs(",\"dev\":", f);
		if (r->dev[0])
			json_str(f, r->dev);
		else
			fputs("null", f);
		fprintf(f, ",\"line\":%d}", r->line);
	}
	fputs("]}\n", f);
}
