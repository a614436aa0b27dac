/* SPDX-License-Identifier: MIT */
/* The BPF fast paths themselves, run by the kernel on frames built here
 * (BPF_PROG_TEST_RUN): the NAT's way out (xsk_steer for dataplane xdp,
 * tc_port_in for tc) and its way back (uplink_steer, tc_uplink_in).
 *
 * Each frame is built byte by byte with checksums computed in full here,
 * and so is the frame the program should make of it: what comes back
 * must be that, byte for byte (the programs update checksums
 * incrementally, by hand in XDP and through the kernel's helpers in tc).
 * What the fast path must leave to userspace (IPv6 behind an IPv4
 * EtherType, options, fragments, TTL 1, TCP state changes, runts, no
 * installed connection) must come back untouched, with the slow path's
 * counter moved and the NAT's not. The entries' hit seconds
 * (bpf/hit_clock.h) are checked too.
 *
 * Needs root: it runs in a network namespace of its own (unshare), whose
 * loopback stands in for every port, so nothing of the host is touched. */
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
#include "tc_steer.skel.h"
#include "uplink_steer.skel.h"
#include "xsk_steer.skel.h"

#define CHECK_NAME "bpf"
#include "check.h"

#define P_TCP 6
#define P_UDP 17
#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10
#define LO 1 /* loopback's ifindex, in every namespace */
#define HIT_SECOND 7
#define STEER_RX 0 /* xsk_steer.bpf.c */
#define STEER_NO_PORT 1
#define TC_NO_PORT 0 /* tc_steer.bpf.c */
#define TC_REWRITE_FAILED 1
#define UP_TO_SWITCH 1 /* bpf/uplink_maps.h */
#define UP_FAST 2

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a }; /* the namespace */
static const uint8_t MAC_GW[6] = { 0x02, 0, 0, 0, 0, 0x01 }; /* the switch's gateway */
static const uint8_t MAC_UP[6] = { 0x02, 0, 0, 0, 0, 0x02 }; /* the uplink */
static const uint8_t MAC_HOP[6] = { 0x02, 0, 0, 0, 0, 0x99 }; /* its next hop */
#define INT_IP 0x0a0d2502u /* 10.13.37.2 */
#define EXT_IP 0xcb007101u /* 203.0.113.1 */
#define UPLINK_MTU 1500
#define PORT_MTU 1450 /* the namespace's port (slot 0): above the payloads below */
#define REM_IP 0xcb007102u /* 203.0.113.2 */
#define INT_PORT 40000
#define EXT_PORT 62000
#define REM_PORT 5201
#define FRAG_BYTES 128 /* the IP payload of each fragment below */


/* --- frames, with every checksum computed in full */

struct spec {
	const uint8_t *dmac, *smac;
	uint32_t saddr, daddr; /* host order, as the ports */
	uint16_t sport, dport;
	uint8_t proto, ttl, flags, version, ihl;
	uint16_t frag; /* the frag_off field, host order */
	bool no_udp_csum;
	uint16_t payload;
	uint32_t seed; /* the payload's bytes */
	uint16_t word; /* its first two bytes, to steer a checksum */
	uint16_t tot; /* the IPv4 total length said, 0: the packet's own */
	uint16_t pad; /* zero bytes after the packet (Ethernet padding) */
	uint8_t doff; /* the TCP data offset said, 0: 5 (no options) */
	uint16_t ip_csum_xor; /* spoils the IPv4 header checksum */
};

static struct spec spec_out(uint8_t proto)
{
	return (struct spec){ MAC_GW, MAC_A, INT_IP, REM_IP, INT_PORT, REM_PORT, proto, 64,
			      proto == P_TCP ? PSH | ACK : 0, 4, 5, 0x4000 /* DF */, false, 100,
			      1, 0, 0, 0, 0, 0 };
}

static struct spec spec_in(uint8_t proto)
{
	return (struct spec){ MAC_UP, MAC_HOP, REM_IP, EXT_IP, REM_PORT, EXT_PORT, proto, 64,
			      proto == P_TCP ? ACK : 0, 4, 5, 0, false, 100, 2, 0, 0, 0, 0, 0 };
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16)), put16(p + 2, (uint16_t)v);
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t build(const struct spec *s, uint8_t *f)
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
static struct spec translated(struct spec s, bool out)
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

struct progs {
	struct xsk_steer *xsk;
	struct uplink_steer *up;
	struct tc_steer *tc;
};

static uint64_t mac_key(const uint8_t mac[6])
{
	uint64_t k = 0;

	memcpy(&k, mac, 6);
	return k;
}

static int percpu_sum(int fd, uint32_t key, size_t size, size_t off, uint64_t *sum)
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

static uint64_t nat_packets(int fast_stats_fd)
{
	uint64_t n = 0;

	percpu_sum(fast_stats_fd, 0, sizeof(struct fast_port_stats),
		   offsetof(struct fast_port_stats, nat_packets), &n);
	return n;
}

static uint64_t fast_packets(int fast_stats_fd)
{
	uint64_t n = 0;

	percpu_sum(fast_stats_fd, 0, sizeof(struct fast_port_stats),
		   offsetof(struct fast_port_stats, packets), &n);
	return n;
}

static uint64_t counter(int fd, uint32_t key)
{
	uint64_t n = 0;

	percpu_sum(fd, key, 8, 0, &n);
	return n;
}

/* The one connection, 10.13.37.2:40000 -> 203.0.113.2:5201 out as
 * 203.0.113.1:62000, of PROTO, in the maps of one program's object. */
static int install(int fdb, int nat_out, int nat_in, uint8_t proto)
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
static struct tc_steer *tc_open(bool rewrite_fails)
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
static int tc_ports_fill(struct tc_steer *tc)
{
	uint32_t slot = 0, up_slot = 1, lo = LO;
	struct tc_port port = { LO, LO, 0, PORT_MTU };

	if (bpf_map_update_elem(bpf_map__fd(tc->maps.tc_ports), &slot, &port, 0) ||
	    bpf_map_update_elem(bpf_map__fd(tc->maps.tc_ports), &up_slot, &port, 0) ||
	    bpf_map_update_elem(bpf_map__fd(tc->maps.tc_slot), &lo, &slot, 0))
		return -errno;
	return 0;
}

static int load(struct progs *p)
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
static long run(int prog, bool xdp, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len)
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

/* --- the cases */

struct path {
	const char *name;
	int prog, fast_stats, slow_fd; /* slow_fd: the slow path's counter map */
	uint32_t slow_key;
	bool xdp, out;
	long fast_verdict, slow_verdict, host_verdict;
	int hit_map; /* the connection's map, for its hit second */
	int frag_map; /* inbound: the datagrams whose first fragment was the switch's */
};

/* A datagram from REM_IP with the frames' IP id whose first fragment,
 * of FRAG_BYTES, the uplink's program saw age_s seconds ago (struct
 * frag_key, struct frag_seen). */
static int frag_seen(const struct path *p, uint8_t proto, int age_s)
{
	struct { uint32_t saddr; uint16_t id; uint8_t proto, pad; } k = { htonl(REM_IP), htons(0x1234),
									 proto, 0 };
	struct { uint64_t first_ns; uint32_t bytes, total; } v = { .bytes = FRAG_BYTES };
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	v.first_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec -
		     (uint64_t)age_s * 1000000000ull;
	return bpf_map_update_elem(p->frag_map, &k, &v, BPF_ANY);
}

static uint32_t entry_hit(const struct path *p, uint8_t proto)
{
	struct nat_out_key ok = { htonl(INT_IP), htonl(REM_IP), htons(INT_PORT), htons(REM_PORT),
				  proto, { 0 } };
	struct nat_in_key ik = { htonl(REM_IP), htons(REM_PORT), htons(EXT_PORT), proto, { 0 } };
	struct nat_out_val ov;
	struct nat_in_val iv;

	if (p->out)
		return bpf_map_lookup_elem(p->hit_map, &ok, &ov) ? 0 : ov.hit;
	return bpf_map_lookup_elem(p->hit_map, &ik, &iv) ? 0 : iv.hit;
}

static void dump(char *buf, size_t size, const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len && a[i] == b[i]; i++)
		;
	snprintf(buf, size, "first difference at byte %zu: %02x, expected %02x", i,
		 i < len ? a[i] : 0, i < len ? b[i] : 0);
}

/* S must come out as the NAT's translation of it, by the fast path. */
static void expect_fast(const struct path *p, const char *what, const struct spec *s)
{
	uint8_t in[2048], want[2048], got[2048];
	struct spec t = translated(*s, p->out);
	size_t len = build(s, in), wlen = build(&t, want), glen = 0;
	uint64_t n0 = p->out ? nat_packets(p->fast_stats) : counter(p->slow_fd, UP_FAST), n1;
	long v = run(p->prog, p->xdp, in, len, got, &glen);
	char name[160], diff[128] = "";

	n1 = p->out ? nat_packets(p->fast_stats) : counter(p->slow_fd, UP_FAST);
	snprintf(name, sizeof(name), "%s: %s is translated in the fast path", p->name, what);
	if (glen == wlen && memcmp(got, want, wlen))
		dump(diff, sizeof(diff), got, want, wlen);
	check(v == p->fast_verdict && glen == wlen && !memcmp(got, want, wlen) && n1 == n0 + 1, name,
	      "verdict %ld (want %ld), %zu bytes (want %zu), %s, counted %llu", v, p->fast_verdict,
	      glen, wlen, diff, (unsigned long long)(n1 - n0));
}

/* S must come back untouched, to the slow path (or with HOST, to the
 * host stack: neither path counts it). tc's port program has no counter
 * of its slow path: there, untouched and not counted as fast is all. */
static void expect_slow(const struct path *p, const char *what, const struct spec *s, size_t cut,
			bool host)
{
	uint8_t in[2048], got[2048];
	size_t len = build(s, in), glen = 0;
	uint64_t n0 = p->out ? nat_packets(p->fast_stats) : counter(p->slow_fd, UP_FAST);
	uint64_t s0 = counter(p->slow_fd, p->slow_key), n1, s1;
	long v;
	char name[160];

	if (cut && cut < len)
		len = cut;
	v = run(p->prog, p->xdp, in, len, got, &glen);
	n1 = p->out ? nat_packets(p->fast_stats) : counter(p->slow_fd, UP_FAST);
	s1 = counter(p->slow_fd, p->slow_key);
	snprintf(name, sizeof(name), "%s: %s goes to %s untouched", p->name, what,
		 host ? "the host" : "userspace");
	check(v == (host ? p->host_verdict : p->slow_verdict) && glen == len &&
		      !memcmp(got, in, len) && n1 == n0 &&
		      (p->slow_fd < 0 || s1 == s0 + !host),
	      name, "verdict %ld (want %ld), %zu of %zu bytes, %s, fast %llu, slow %llu", v,
	      host ? p->host_verdict : p->slow_verdict, glen, len,
	      glen == len && !memcmp(got, in, len) ? "same" : "changed",
	      (unsigned long long)(n1 - n0), (unsigned long long)(s1 - s0));
}

/* The payload word that makes the checksum of F (or of its translation)
 * come out as 0, which UDP sends as 0xffff. */
static uint16_t word_for_zero_csum(struct spec s, bool of_translation, bool out)
{
	uint8_t f[2048];

	for (uint32_t w = 0; w <= 0xffff; w++) {
		struct spec t = of_translation ? translated(s, out) : s;
		size_t l4 = 14 + (size_t)s.ihl * 4;

		t.word = (uint16_t)w;
		build(&t, f);
		if (f[l4 + 6] == 0xff && f[l4 + 7] == 0xff)
			return (uint16_t)w;
	}
	return 0;
}

static void run_path(const struct path *p)
{
	static const uint8_t protos[] = { P_UDP, P_TCP };
	char what[96];

	for (size_t i = 0; i < sizeof(protos); i++) {
		uint8_t proto = protos[i];
		const char *pn = proto == P_TCP ? "TCP" : "UDP";
		struct spec base = p->out ? spec_out(proto) : spec_in(proto), s;
		uint32_t hit0 = entry_hit(p, proto);

		snprintf(what, sizeof(what), "%s", pn);
		expect_fast(p, what, &base);
		snprintf(what, sizeof(what), "%s: the %s connection's hit second is set", p->name,
			 pn);
		check(hit0 == 0 && entry_hit(p, proto) == HIT_SECOND, what, "%u, then %u", hit0,
		      entry_hit(p, proto));
		/* Lengths and contents that differ, so that carries and the
		 * byte order of the sums get exercised. */
		for (uint16_t n = 0; n < 40; n++) {
			s = base;
			s.payload = (uint16_t)(n * 37 % 1400);
			s.seed = 1000u + n;
			s.word = (uint16_t)(n * 7919u);
			snprintf(what, sizeof(what), "%s of %u payload bytes", pn, s.payload);
			expect_fast(p, what, &s);
		}
		if (proto == P_UDP) {
			s = base;
			s.no_udp_csum = true;
			expect_fast(p, "UDP without a checksum (it stays 0)", &s);
			s = base;
			s.word = word_for_zero_csum(s, true, p->out);
			expect_fast(p, "UDP whose new checksum is 0 (sent as 0xffff)", &s);
			s = base;
			s.word = word_for_zero_csum(s, false, p->out);
			expect_fast(p, "UDP whose checksum was 0xffff", &s);
		}
		/* The MTU the frame leaves by, and one byte more: that one
		 * goes to the slow path, which cuts it or answers with
		 * "fragmentation needed" (a veth would drop it unseen; tc's
		 * redirect into a namespace would deliver it, but only once
		 * its connection is installed). Out: the uplink's; in: the
		 * namespace's port's. */
		{
			uint32_t mtu = p->out ? UPLINK_MTU : PORT_MTU;
			const char *of = p->out ? "the uplink's" : "the port's";

			s = base;
			s.payload = (uint16_t)(mtu - 20 - (proto == P_TCP ? 20 : 8));
			snprintf(what, sizeof(what), "%s of %s MTU", pn, of);
			expect_fast(p, what, &s);
			s.payload++;
			snprintf(what, sizeof(what), "%s one byte above %s MTU", pn, of);
			expect_slow(p, what, &s, 0, false);
		}
		s = base, s.version = 6;
		snprintf(what, sizeof(what), "%s in a version 6 header behind EtherType IPv4", pn);
		expect_slow(p, what, &s, 0, false);
		s = base, s.ihl = 6;
		snprintf(what, sizeof(what), "%s with IP options", pn);
		expect_slow(p, what, &s, 0, false);
		/* The slow path drops it and counts it (gw_bad out, the
		 * router's bad in), as Linux's ip_rcv would. */
		for (uint16_t x = 1; x; x = (uint16_t)(x << 4)) {
			s = base, s.ip_csum_xor = x;
			snprintf(what, sizeof(what), "%s with its IPv4 header checksum ^ 0x%04x", pn, x);
			expect_slow(p, what, &s, 0, false);
		}
		/* The IPv4 total length, not the frame, says where the packet
		 * ends: padding after it goes along untouched; a header in the
		 * padding, or a packet cut short, is the slow path's to drop. */
		s = base, s.pad = 10;
		snprintf(what, sizeof(what), "%s followed by 10 bytes of padding", pn);
		expect_fast(p, what, &s);
		s = base, s.payload = 0, s.tot = 20;
		snprintf(what, sizeof(what), "%s whose L4 header is past its total length", pn);
		expect_slow(p, what, &s, 0, false);
		s = base, s.tot = (uint16_t)(20 + (proto == P_TCP ? 20 : 8) + s.payload + 1);
		snprintf(what, sizeof(what), "%s whose total length is past the frame", pn);
		expect_slow(p, what, &s, 0, false);
		if (proto == P_TCP) {
			s = base, s.doff = 4;
			expect_slow(p, "TCP with a data offset of 4 words", &s, 0, false);
		}
		/* As Linux forwards only what is sent to its MAC. */
		if (!p->out) {
			static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

			s = base, s.dmac = bcast;
			snprintf(what, sizeof(what), "%s to the broadcast MAC", pn);
			expect_slow(p, what, &s, 0, true);
			s = base, s.dmac = MAC_HOP;
			snprintf(what, sizeof(what), "%s to another host's MAC", pn);
			expect_slow(p, what, &s, 0, true);
		}
		/* A datagram's later fragments follow its first one, in any
		 * order, until all its bytes have come (FRAG_BYTES each, at
		 * offsets 0, 16 and 32 in 8-byte units); inbound, one that was
		 * not the switch's, or one that came more than 30 s ago,
		 * leaves them to the host. */
		static const struct {
			uint16_t frag, dport; /* dport 0: base's */
			int age_s; /* first fragment seen this long ago, -1: as sent */
			bool in_only, host;
			const char *what;
		} fr[] = {
			{ 0x2000, 0, -1, false, false, "a first %s fragment" },
			{ 0x2010, 0, -1, false, false, "a later %s fragment of it" },
			{ 0x0020, 0, -1, false, false, "its last %s fragment" },
			{ 0x0020, 0, -1, true, true, "a %s fragment after all its datagram's bytes" },
			{ 0x2000, 0, -1, false, false, "the first %s fragment of the next datagram" },
			{ 0x0020, 0, -1, false, false, "its last %s fragment, before the middle one" },
			{ 0x2010, 0, -1, false, false, "its middle %s fragment, after the last" },
			{ 0x2010, 0, -1, true, true, "a %s fragment after all of that datagram's bytes" },
			{ 0x2010, 0, 29, true, false, "a later %s fragment 29 s after its first" },
			{ 0x2010, 0, 31, true, true, "a later %s fragment 31 s after its first" },
			{ 0x2000, 5000, -1, true, true,
			  "a first %s fragment to a port not the NAT's, same id" },
			{ 0x0010, 0, -1, true, true, "a later %s fragment of that one" },
		};
		for (size_t j = 0; j < sizeof(fr) / sizeof(fr[0]); j++) {
			if (fr[j].in_only && p->out)
				continue;
			s = base, s.frag = fr[j].frag;
			s.payload = (uint16_t)(FRAG_BYTES - (proto == P_TCP ? 20 : 8));
			if (fr[j].dport)
				s.dport = fr[j].dport;
			if (fr[j].age_s >= 0)
				frag_seen(p, proto, fr[j].age_s);
			snprintf(what, sizeof(what), fr[j].what, pn);
			expect_slow(p, what, &s, 0, fr[j].host);
		}
		s = base, s.ttl = 1;
		snprintf(what, sizeof(what), "%s with TTL 1", pn);
		expect_slow(p, what, &s, 0, false);
		s = base;
		if (p->out)
			s.dport = REM_PORT + 1;
		else
			s.sport = REM_PORT + 1;
		snprintf(what, sizeof(what), "%s of no installed connection", pn);
		expect_slow(p, what, &s, 0, false);
		if (proto == P_TCP) {
			static const uint8_t fl[] = { SYN, SYN | ACK, FIN | ACK, RST, RST | ACK };

			for (size_t j = 0; j < sizeof(fl); j++) {
				s = base, s.flags = fl[j];
				snprintf(what, sizeof(what), "TCP with flags 0x%02x", fl[j]);
				expect_slow(p, what, &s, 0, false);
			}
		}
		/* Cut short of its L4 header (the uplink's slow path needs 8
		 * bytes of it to tell that the frame is the switch's; the
		 * kernel builds no test skb of EtherType IPv4 without its
		 * IPv4 header). */
		for (size_t cut = !p->out ? 42 : p->xdp ? 14 : 34;
		     cut < 14 + 20 + (proto == P_TCP ? 20u : 8u); cut++) {
			snprintf(what, sizeof(what), "%s cut to %zu bytes", pn, cut);
			expect_slow(p, what, &base, cut, false);
		}
	}
}

/* A frame from a device that is no port (xsk_steer), or from the uplink
 * while it has none (tc_uplink_in), is dropped and counted as such
 * (xdp_no_port), not as steered to a socket (xdp_rx). */
static void no_port(const struct progs *p)
{
	uint32_t slot = 0, up_slot = 1, lo = LO;
	struct tc_port port = { LO, LO, 0, PORT_MTU }, none = { 0 };
	int xsk_stats = bpf_map__fd(p->xsk->maps.steer_stats);
	int up_stats = bpf_map__fd(p->tc->maps.uplink_stats);
	int tc_stats = bpf_map__fd(p->tc->maps.tc_stats);
	uint8_t in[2048], got[2048];
	struct spec s;
	uint64_t rx0, np0, rx1, np1;
	size_t len, glen = 0;
	long v;

	/* Of no installed connection: the fast path leaves it. */
	s = spec_out(P_UDP), s.dport = REM_PORT + 1;
	len = build(&s, in);
	rx0 = counter(xsk_stats, STEER_RX), np0 = counter(xsk_stats, STEER_NO_PORT);
	bpf_map_delete_elem(bpf_map__fd(p->xsk->maps.port_slot), &lo);
	v = run(bpf_program__fd(p->xsk->progs.xsk_steer), true, in, len, got, &glen);
	bpf_map_update_elem(bpf_map__fd(p->xsk->maps.port_slot), &lo, &slot, 0);
	rx1 = counter(xsk_stats, STEER_RX), np1 = counter(xsk_stats, STEER_NO_PORT);
	check(v == XDP_DROP && rx1 == rx0 && np1 == np0 + 1,
	      "xdp (xsk_steer): a frame from a device that is no port is dropped, counted as no port only",
	      "verdict %ld, steered +%llu, no port +%llu", v, (unsigned long long)(rx1 - rx0),
	      (unsigned long long)(np1 - np0));

	s = spec_in(P_UDP), s.sport = REM_PORT + 1;
	len = build(&s, in);
	rx0 = counter(up_stats, UP_TO_SWITCH), np0 = counter(tc_stats, TC_NO_PORT);
	bpf_map_update_elem(bpf_map__fd(p->tc->maps.tc_ports), &up_slot, &none, 0);
	v = run(bpf_program__fd(p->tc->progs.tc_uplink_in), false, in, len, got, &glen);
	bpf_map_update_elem(bpf_map__fd(p->tc->maps.tc_ports), &up_slot, &port, 0);
	rx1 = counter(up_stats, UP_TO_SWITCH), np1 = counter(tc_stats, TC_NO_PORT);
	check(v == TC_ACT_SHOT && rx1 == rx0 && np1 == np0 + 1,
	      "tc (tc_uplink_in): the switch's frame while the uplink has no slot is dropped, counted as no port only",
	      "verdict %ld, to the switch +%llu, no port +%llu", v, (unsigned long long)(rx1 - rx0),
	      (unsigned long long)(np1 - np0));
}

/* A rewrite in tc that fails half-way (the kernel's helpers can, without
 * memory) drops the packet, counted as such (nat.fast.rewrite_failed):
 * out, not as forwarded nor translated (fast_packets, fast_nat_packets);
 * in, not as translated (nat.fast.in_packets), and not nowhere. */
static void rewrite_fails(void)
{
	struct tc_steer *tc = tc_open(true);
	int err = tc ? tc_steer__load(tc) : -errno, stats, fast, ups;
	uint8_t in[2048], got[2048];
	uint64_t d0, d1, u0, u1, f0, f1, n0, n1;
	struct spec s;
	size_t glen = 0;
	long v;

	if (!err)
		err = tc_ports_fill(tc);
	if (!err)
		err = install(bpf_map__fd(tc->maps.fdb), bpf_map__fd(tc->maps.nat_out),
			      bpf_map__fd(tc->maps.nat_in), P_UDP);
	if (err) {
		check(false, "tc_steer, its rewrites failing, loads", "%s", strerror(-err));
		tc_steer__destroy(tc);
		return;
	}
	stats = bpf_map__fd(tc->maps.tc_stats);
	fast = bpf_map__fd(tc->maps.fast_stats);
	ups = bpf_map__fd(tc->maps.uplink_stats);

	s = spec_out(P_UDP);
	d0 = counter(stats, TC_REWRITE_FAILED);
	f0 = fast_packets(fast), n0 = nat_packets(fast);
	v = run(bpf_program__fd(tc->progs.tc_port_in), false, in, build(&s, in), got, &glen);
	d1 = counter(stats, TC_REWRITE_FAILED);
	f1 = fast_packets(fast), n1 = nat_packets(fast);
	check(v == TC_ACT_SHOT && d1 == d0 + 1 && f1 == f0 && n1 == n0,
	      "tc out (tc_port_in): a rewrite that fails is dropped, counted as failed, not as fast",
	      "verdict %ld, failed +%llu, fast +%llu, nat +%llu", v, (unsigned long long)(d1 - d0),
	      (unsigned long long)(f1 - f0), (unsigned long long)(n1 - n0));

	s = spec_in(P_UDP);
	u0 = counter(ups, UP_FAST);
	v = run(bpf_program__fd(tc->progs.tc_uplink_in), false, in, build(&s, in), got, &glen);
	d0 = d1, d1 = counter(stats, TC_REWRITE_FAILED);
	u1 = counter(ups, UP_FAST);
	check(v == TC_ACT_SHOT && d1 == d0 + 1 && u1 == u0,
	      "tc in (tc_uplink_in): a rewrite that fails is dropped, counted as failed, not as translated",
	      "verdict %ld, failed +%llu, translated +%llu", v, (unsigned long long)(d1 - d0),
	      (unsigned long long)(u1 - u0));
	tc_steer__destroy(tc);
}

/* The verifier walks tc_port_in's flood loop once per port the switch
 * has (n_ports is a constant once loaded): the program must load with
 * the most ports the daemon takes, every option on. */
static void load_ports(uint32_t n)
{
	struct tc_steer *tc = tc_steer__open();
	int err = tc ? 0 : -errno;
	char what[64];

	if (tc) {
		tc->rodata->has_gw = 1;
		tc->rodata->nat_fast = 1;
		tc->rodata->n_ports = n;
		tc->rodata->up_slot = n;
		tc->rodata->uplink_ifindex = LO;
		tc->rodata->uplink_mtu = UPLINK_MTU;
		err = tc_steer__load(tc);
	}
	snprintf(what, sizeof(what), "tc_steer loads for a switch of %u ports", n);
	check(!err, what, "%s", strerror(-err));
	tc_steer__destroy(tc);
}

int main(void)
{
	struct progs p = { 0 };
	int err;

	if (geteuid() != 0) {
		printf("SKIP bpf: needs root (BPF programs, a network namespace)\n");
		return 0;
	}
	if (unshare(CLONE_NEWNET)) {
		printf("FAIL bpf: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 1;
	}
	libbpf_set_print(NULL);
	if ((err = load(&p))) {
		printf("FAIL bpf: loading the programs: %s\n", strerror(-err));
		return 1;
	}
	for (int tcp = 0; tcp < 2; tcp++) {
		uint8_t proto = tcp ? P_TCP : P_UDP;

		if ((err = install(bpf_map__fd(p.xsk->maps.fdb), bpf_map__fd(p.xsk->maps.nat_out),
				   bpf_map__fd(p.up->maps.nat_in), proto)) ||
		    (err = install(bpf_map__fd(p.tc->maps.fdb), bpf_map__fd(p.tc->maps.nat_out),
				   bpf_map__fd(p.tc->maps.nat_in), proto))) {
			printf("FAIL bpf: filling the maps: %s\n", strerror(-err));
			return 1;
		}
	}
	const struct path paths[] = {
		{ "xdp out (xsk_steer)", bpf_program__fd(p.xsk->progs.xsk_steer),
		  bpf_map__fd(p.xsk->maps.fast_stats), bpf_map__fd(p.xsk->maps.steer_stats),
		  STEER_RX, true, true, XDP_REDIRECT, XDP_DROP, XDP_PASS,
		  bpf_map__fd(p.xsk->maps.nat_out), -1 },
		{ "xdp in (uplink_steer)", bpf_program__fd(p.up->progs.uplink_steer), -1,
		  bpf_map__fd(p.up->maps.uplink_stats), UP_TO_SWITCH, true, false, XDP_REDIRECT,
		  XDP_PASS /* no socket in uplink_xsk: its fallback */, XDP_PASS,
		  bpf_map__fd(p.up->maps.nat_in), bpf_map__fd(p.up->maps.frag_ours) },
		{ "tc out (tc_port_in)", bpf_program__fd(p.tc->progs.tc_port_in),
		  bpf_map__fd(p.tc->maps.fast_stats), -1, 0, false, true, TC_ACT_REDIRECT,
		  TC_ACT_REDIRECT, TC_ACT_UNSPEC, bpf_map__fd(p.tc->maps.nat_out), -1 },
		{ "tc in (tc_uplink_in)", bpf_program__fd(p.tc->progs.tc_uplink_in), -1,
		  bpf_map__fd(p.tc->maps.uplink_stats), UP_TO_SWITCH, false, false, TC_ACT_REDIRECT,
		  TC_ACT_REDIRECT, TC_ACT_UNSPEC, bpf_map__fd(p.tc->maps.nat_in),
		  bpf_map__fd(p.tc->maps.frag_ours) },
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		run_path(&paths[i]);
	no_port(&p);
	rewrite_fails();
	load_ports(2);
	load_ports(40);
	load_ports(MAX_PORTS);
	xsk_steer__destroy(p.xsk);
	uplink_steer__destroy(p.up);
	tc_steer__destroy(p.tc);
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
