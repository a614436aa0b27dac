/* SPDX-License-Identifier: MIT */
/* test_bpf's frames and programs (bpf_frames.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "map_layouts.h"
#include "bpf_frames.h"

/* --- frames, with every checksum computed in full */

struct spec spec_out(uint8_t proto)
{
	return (struct spec){ MAC_GW, MAC_A, INT_IP, REM_IP, INT_PORT, REM_PORT, proto, 64,
			      proto == P_TCP ? PSH | ACK : 0, 4, 5, 0x4000 /* DF */, false, 100,
			      1, 0, 0, 0, 0, 0 };
}

struct spec spec_in(uint8_t proto)
{
	return (struct spec){ MAC_UP, MAC_HOP, REM_IP, EXT_IP, REM_PORT, EXT_PORT, proto, 64,
			      proto == P_TCP ? ACK : 0, 4, 5, 0, false, 100, 2, 0, 0, 0, 0, 0 };
}

void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16)), put16(p + 2, (uint16_t)v);
}

uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

size_t build(const struct spec *s, uint8_t *f)
{
	size_t ihl = (size_t)s->ihl * 4, l4len = (s->proto == P_TCP ? 20 : 8) + s->payload;
	uint8_t *ip = f + 14, *l4 = ip + ihl, pseudo[12];
	uint32_t r = s->seed;

	memcpy(f, s->dmac, 6);
	memcpy(f + 6, s->smac, 6);
	put16(f + 12, 0x0800);
	memset(ip, 0, ihl);
	ip[0] = (uint8_t)(s->version << 4 | s->ihl);
	put16(ip + 2, s->tot ? s->tot : (uint16_t)(ihl + l4len));
	put16(ip + 4, 0x1234);
	put16(ip + 6, s->frag);
	ip[8] = s->ttl;
	ip[9] = s->proto;
	put32(ip + 12, s->saddr);
	put32(ip + 16, s->daddr);
	for (size_t i = 20; i < ihl; i++)
		ip[i] = 1; /* NOP options */
	put16(ip + 10, (uint16_t)(fold(sum16(ip, ihl, 0)) ^ s->ip_csum_xor));
	put16(l4, s->sport);
	put16(l4 + 2, s->dport);
	for (size_t i = 0; i < s->payload; i++) {
		r = r * 1103515245u + 12345u;
		l4[l4len - s->payload + i] = (uint8_t)(r >> 16);
	}
	if (s->payload >= 2)
		put16(l4 + l4len - s->payload, s->word);
	if (s->proto == P_TCP) {
		memset(l4 + 4, 0, 16);
		put32(l4 + 4, 0x01020304);
		put32(l4 + 8, 0x05060708);
		l4[12] = (uint8_t)((s->doff ? s->doff : 5) << 4);
		l4[13] = s->flags;
		put16(l4 + 14, 65535);
	} else {
		put16(l4 + 4, (uint16_t)l4len);
		put16(l4 + 6, 0);
	}
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0, pseudo[9] = s->proto;
	put16(pseudo + 10, (uint16_t)l4len);
	if (s->proto == P_TCP) {
		put16(l4 + 16, fold(sum16(l4, l4len, sum16(pseudo, 12, 0))));
	} else if (!s->no_udp_csum) {
		uint16_t c = fold(sum16(l4, l4len, sum16(pseudo, 12, 0)));
		put16(l4 + 6, c ? c : 0xffff); /* 0 is "none" (RFC 768) */
	}
	memset(l4 + l4len, 0, s->pad);
	return 14 + ihl + l4len + s->pad;
}

/* What the NAT makes of it: the other address and port, one hop less,
 * and new MACs. */
struct spec translated(struct spec s, bool out)
{
	if (out) {
		s.dmac = MAC_HOP, s.smac = MAC_UP;
		s.saddr = EXT_IP, s.sport = EXT_PORT;
	} else {
		s.dmac = MAC_A, s.smac = MAC_GW;
		s.daddr = INT_IP, s.dport = INT_PORT;
	}
	s.ttl--;
	return s;
}


/* --- the programs and their maps */

uint64_t mac_key(const uint8_t mac[6])
{
	uint64_t k = 0;

	memcpy(&k, mac, 6);
	return k;
}

int percpu_sum(int fd, uint32_t key, size_t size, size_t off, uint64_t *sum)
{
	static uint8_t v[512 * 64];
	int n = libbpf_num_possible_cpus();

	*sum = 0;
	if (n <= 0 || (size_t)n * size > sizeof(v) || bpf_map_lookup_elem(fd, &key, v))
		return -1;
	for (int c = 0; c < n; c++) {
		uint64_t x;

		memcpy(&x, v + (size_t)c * size + off, 8);
		*sum += x;
	}
	return 0;
}

uint64_t nat_packets(int fast_stats_fd)
{
	uint64_t n = 0;

	percpu_sum(fast_stats_fd, 0, sizeof(struct fast_port_stats),
		   offsetof(struct fast_port_stats, nat_packets), &n);
	return n;
}

uint64_t fast_packets(int fast_stats_fd)
{
	uint64_t n = 0;

	percpu_sum(fast_stats_fd, 0, sizeof(struct fast_port_stats),
		   offsetof(struct fast_port_stats, packets), &n);
	return n;
}

uint64_t counter(int fd, uint32_t key)
{
	uint64_t n = 0;

	percpu_sum(fd, key, 8, 0, &n);
	return n;
}

/* The one connection, 10.13.37.2:40000 -> 203.0.113.2:5201 out as
 * 203.0.113.1:62000, of PROTO, in the maps of one program's object. */
int install(int fdb, int nat_out, int nat_in, uint8_t proto)
{
	uint64_t k = mac_key(MAC_A);
	struct fdb_val fv = { LO, 0, 0 };
	struct nat_out_key ok = { htonl(INT_IP), htonl(REM_IP), htons(INT_PORT), htons(REM_PORT),
				  proto, { 0 } };
	struct nat_out_val ov = { { 0 }, htons(EXT_PORT), 0 };
	struct nat_in_key ik = { htonl(REM_IP), htons(REM_PORT), htons(EXT_PORT), proto, { 0 } };
	struct nat_in_val iv = { { 0 }, htons(INT_PORT), htonl(INT_IP), 0, 0 };

	memcpy(ov.nexthop_mac, MAC_HOP, 6);
	memcpy(iv.mac, MAC_A, 6);
	if (fdb >= 0 && bpf_map_update_elem(fdb, &k, &fv, BPF_ANY))
		return -errno;
	if (nat_out >= 0 && bpf_map_update_elem(nat_out, &ok, &ov, BPF_ANY))
		return -errno;
	if (nat_in >= 0 && bpf_map_update_elem(nat_in, &ik, &iv, BPF_ANY))
		return -errno;
	return 0;
}

/* tc_steer with its rodata set as load() wants it, or with every NAT
 * rewrite failing. */
struct tc_steer *tc_open(bool rewrite_fails)
{
	struct tc_steer *tc = tc_steer__open();

	if (!tc)
		return NULL;
	tc->rodata->has_gw = 1;
	tc->rodata->n_ports = 1;
	tc->rodata->nat_fast = 1;
	tc->rodata->ext_ip = htonl(EXT_IP);
	tc->rodata->port_min = EXT_PORT - 10;
	tc->rodata->port_max = EXT_PORT + 10;
	tc->rodata->up_slot = 1;
	tc->rodata->gw_mac_key = mac_key(MAC_GW);
	tc->rodata->uplink_mac_key = mac_key(MAC_UP);
	tc->rodata->uplink_ifindex = LO;
	tc->rodata->uplink_mtu = UPLINK_MTU;
	tc->rodata->test_rewrite_fails = rewrite_fails;
	return tc;
}

/* Port 0 (the namespace's) and the uplink's slot 1 both lead to
 * loopback: a redirect needs a device, and which one is not looked at
 * here. */
int tc_ports_fill(struct tc_steer *tc)
{
	uint32_t slot = 0, up_slot = 1, lo = LO;
	struct tc_port port = { LO, LO, 0, PORT_MTU };

	if (bpf_map_update_elem(bpf_map__fd(tc->maps.tc_ports), &slot, &port, 0) ||
	    bpf_map_update_elem(bpf_map__fd(tc->maps.tc_ports), &up_slot, &port, 0) ||
	    bpf_map_update_elem(bpf_map__fd(tc->maps.tc_slot), &lo, &slot, 0))
		return -errno;
	return 0;
}

int load(struct progs *p)
{
	uint32_t slot = 0, up_slot = 1, lo = LO;
	int err;

	p->xsk = xsk_steer__open();
	p->up = uplink_steer__open();
	p->tc = tc_open(false);
	if (!p->xsk || !p->up || !p->tc)
		return -errno;
	p->xsk->rodata->fast_path = 1;
	p->xsk->rodata->nat_fast = 1;
	p->xsk->rodata->has_gw = 1;
	p->xsk->rodata->gw_mac_key = mac_key(MAC_GW);
	p->xsk->rodata->uplink_mac_key = mac_key(MAC_UP);
	p->xsk->rodata->uplink_slot = up_slot;
	p->xsk->rodata->ext_ip = htonl(EXT_IP);
	p->xsk->rodata->uplink_mtu = UPLINK_MTU;
	p->up->rodata->ext_ip = htonl(EXT_IP);
	p->up->rodata->port_min = EXT_PORT - 10;
	p->up->rodata->port_max = EXT_PORT + 10;
	p->up->rodata->nat_fast = 1;
	p->up->rodata->gw_mac_key = mac_key(MAC_GW);
	p->up->rodata->uplink_mac_key = mac_key(MAC_UP);
	p->up->rodata->slot_mtu[0] = PORT_MTU;
	if ((err = xsk_steer__load(p->xsk)) || (err = uplink_steer__load(p->up)) ||
	    (err = tc_steer__load(p->tc)))
		return err;
	p->xsk->bss->hit_second = HIT_SECOND;
	p->up->bss->hit_second = HIT_SECOND;
	p->tc->bss->hit_second = HIT_SECOND;
	/* As tc_ports_fill. */
	if (bpf_map_update_elem(bpf_map__fd(p->xsk->maps.tx_ports), &up_slot, &lo, 0) ||
	    bpf_map_update_elem(bpf_map__fd(p->xsk->maps.port_slot), &lo, &slot, 0) ||
	    bpf_map_update_elem(bpf_map__fd(p->up->maps.tx_ports), &slot, &lo, 0))
		return -errno;
	return tc_ports_fill(p->tc);
}

/* One run of PROG over IN; the frame it leaves in OUT. Returns its
 * verdict, or a negative errno when the kernel refused the run. */
long run(int prog, bool xdp, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len)
{
	/* The frame's bounds must be given with the ctx (no metadata). */
	struct xdp_md md = { .data_end = (uint32_t)len, .ingress_ifindex = LO };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)len,
		    .data_out = out, .data_size_out = 2048, .repeat = 1);

	if (xdp) {
		o.ctx_in = &md;
		o.ctx_size_in = sizeof(md);
	}
	if (bpf_prog_test_run_opts(prog, &o))
		return -errno;
	*out_len = o.data_size_out;
	return (long)(int)o.retval;
}
