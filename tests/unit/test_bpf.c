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
#include "bpf_frames.h"

#define CHECK_NAME "bpf"
#include "check.h"

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
