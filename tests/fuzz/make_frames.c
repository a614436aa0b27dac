/* SPDX-License-Identifier: MIT */
/* Writes the seed frames of tests/fuzz/corpus/frame/, one raw Ethernet
 * frame per file (no FCS), built byte by byte with correct lengths and
 * checksums unless the name says otherwise. "partial" means the TCP/UDP
 * check field holds the folded pseudo-header sum, as veth hands frames
 * up with CHECKSUM_PARTIAL.
 *
 *   cc -std=c11 -o build/fuzz/make_frames tests/fuzz/make_frames.c
 *   build/fuzz/make_frames tests/fuzz/corpus/frame
 *
 * Addresses: the gateway is 02:6e:66:00:00:01, 10.13.37.1, fd42:1337::1
 * (what fuzz_frame.c configures); hosts are 10.13.37.2/.3, fd42:1337::2/::3.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct frame {
	uint8_t b[2048];
	size_t n;
};

static const uint8_t GW_MAC[6] = { 0x02, 0x6e, 0x66, 0x00, 0x00, 0x01 };
static const uint8_t A_MAC[6] = { 0x02, 0x00, 0x0a, 0x0d, 0x25, 0x02 };
static const uint8_t B_MAC[6] = { 0x02, 0x00, 0x0a, 0x0d, 0x25, 0x03 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t SN_MAC[6] = { 0x33, 0x33, 0xff, 0x00, 0x00, 0x01 };
static const uint8_t GW4[4] = { 10, 13, 37, 1 };
static const uint8_t A4[4] = { 10, 13, 37, 2 };
static const uint8_t B4[4] = { 10, 13, 37, 3 };
static const uint8_t ZERO4[4] = { 0 };
static const uint8_t GW6[16] = { 0xfd, 0x42, 0x13, 0x37, [15] = 1 };
static const uint8_t A6[16] = { 0xfd, 0x42, 0x13, 0x37, [15] = 2 };
static const uint8_t B6[16] = { 0xfd, 0x42, 0x13, 0x37, [15] = 3 };
static const uint8_t ZERO6[16] = { 0 };
static const uint8_t SN6[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 1 };

enum csum { FULL, PARTIAL, NONE };

static const char *outdir;
static int written;

static void put(struct frame *f, const void *p, size_t n)
{
	if (f->n + n > sizeof(f->b))
		abort();
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put8(struct frame *f, unsigned v)
{
	uint8_t b = (uint8_t)v;
	put(f, &b, 1);
}

static void put16(struct frame *f, unsigned v)
{
	put8(f, v >> 8);
	put8(f, v);
}

static void set16(struct frame *f, size_t off, unsigned v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

static void fill(struct frame *f, size_t n, uint8_t start)
{
	while (n--)
		put8(f, start++);
}

static uint32_t sum(uint32_t s, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)b[i] << 8 | (i + 1 < n ? b[i + 1] : 0);
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void eth(struct frame *f, const uint8_t *dst, const uint8_t *src)
{
	f->n = 0;
	put(f, dst, 6);
	put(f, src, 6);
}

/* 802.1Q (0x8100) or 802.1ad (0x88a8) tag; the ethertype follows. */
static void vlan(struct frame *f, unsigned tpid, unsigned vid)
{
	put16(f, tpid);
	put16(f, vid);
}

/* IPv4 header with optlen bytes of options (NOP...EOL); returns its
 * offset. Length and checksum are set by ip4_done(). */
static size_t ip4(struct frame *f, uint8_t proto, const uint8_t *src,
		  const uint8_t *dst, size_t optlen, unsigned frag)
{
	size_t off;

	put16(f, 0x0800);
	off = f->n;
	put8(f, 0x45 + optlen / 4);
	put8(f, 0);
	put16(f, 0); /* total length */
	put16(f, 0x1234);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put(f, src, 4);
	put(f, dst, 4);
	for (size_t i = 0; i < optlen; i++)
		put8(f, i + 1 < optlen ? 1 : 0); /* NOPs, then EOL */
	return off;
}

static void ip4_done(struct frame *f, size_t ip)
{
	size_t hl = (size_t)(f->b[ip] & 15) * 4;

	set16(f, ip + 2, (unsigned)(f->n - ip));
	set16(f, ip + 10, 0);
	set16(f, ip + 10, (uint16_t)~fold(sum(0, f->b + ip, hl)));
}

static size_t ip6(struct frame *f, uint8_t nh, const uint8_t *src,
		  const uint8_t *dst, uint8_t hlim)
{
	size_t off;

	put16(f, 0x86dd);
	off = f->n;
	put16(f, 0x6000);
	put16(f, 0);
	put16(f, 0); /* payload length */
	put8(f, nh);
	put8(f, hlim);
	put(f, src, 16);
	put(f, dst, 16);
	return off;
}

/* An 8-byte hop-by-hop or destination options header (PadN). */
static void ext_opts(struct frame *f, uint8_t nh)
{
	put8(f, nh);
	put8(f, 0);
	put8(f, 1); /* PadN */
	put8(f, 4);
	put16(f, 0);
	put16(f, 0);
}

static void ip6_done(struct frame *f, size_t ip)
{
	set16(f, ip + 4, (unsigned)(f->n - ip - 40));
}

/* Checksum of the TCP/UDP/ICMPv6 at l4 (to the end of the frame so far),
 * field at l4 + csum_off; ICMPv4 has no pseudo-header. */
static void l4_csum(struct frame *f, size_t ip, int v6, size_t l4, uint8_t proto,
		    size_t csum_off, enum csum mode)
{
	uint32_t len = (uint32_t)(f->n - l4), ph;

	set16(f, l4 + csum_off, 0);
	if (mode == NONE)
		return;
	ph = v6 ? sum(0, f->b + ip + 8, 32) : sum(0, f->b + ip + 12, 8);
	ph += proto + (len >> 16) + (len & 0xffff);
	if (proto == 1)
		ph = 0;
	if (mode == PARTIAL) {
		set16(f, l4 + csum_off, fold(ph));
		return;
	}
	uint16_t c = (uint16_t)~fold(sum(ph, f->b + l4, len));
	if (c == 0 && proto == 17)
		c = 0xffff;
	set16(f, l4 + csum_off, c);
}

static size_t tcp(struct frame *f, unsigned sport, unsigned dport, uint8_t flags,
		  size_t payload)
{
	size_t off = f->n;

	put16(f, sport);
	put16(f, dport);
	put16(f, 0x1000);
	put16(f, 0x0001); /* seq */
	put16(f, 0);
	put16(f, 0); /* ack */
	put8(f, 0x60); /* doff 6: one option word */
	put8(f, flags);
	put16(f, 64240);
	put16(f, 0); /* check */
	put16(f, 0);
	put8(f, 2); /* MSS 1460 */
	put8(f, 4);
	put16(f, 1460);
	fill(f, payload, 'a');
	return off;
}

static size_t udp(struct frame *f, unsigned sport, unsigned dport, size_t payload)
{
	size_t off = f->n;

	put16(f, sport);
	put16(f, dport);
	put16(f, (unsigned)(8 + payload));
	put16(f, 0);
	fill(f, payload, 'A');
	return off;
}

static size_t icmp_echo(struct frame *f, uint8_t type, size_t payload)
{
	size_t off = f->n;

	put8(f, type);
	put8(f, 0);
	put16(f, 0);
	put16(f, 0x4242); /* id */
	put16(f, 1); /* seq */
	fill(f, payload, 0x10);
	return off;
}

static void arp(struct frame *f, unsigned op, const uint8_t *sha, const uint8_t *spa,
		const uint8_t *tha, const uint8_t *tpa)
{
	put16(f, 0x0806);
	put16(f, 1);
	put16(f, 0x0800);
	put8(f, 6);
	put8(f, 4);
	put16(f, op);
	put(f, sha, 6);
	put(f, spa, 4);
	put(f, tha, 6);
	put(f, tpa, 4);
}

/* NS for target, with a Source Link-Layer Address option unless DAD. */
static size_t ns(struct frame *f, const uint8_t *target, const uint8_t *slla)
{
	size_t off = f->n;

	put8(f, 135);
	put8(f, 0);
	put16(f, 0);
	put16(f, 0);
	put16(f, 0); /* reserved */
	put(f, target, 16);
	if (slla) {
		put8(f, 1);
		put8(f, 1);
		put(f, slla, 6);
	}
	return off;
}

static void pad(struct frame *f, size_t min)
{
	while (f->n < min)
		put8(f, 0);
}

static void out(const struct frame *f, const char *name)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	fp = fopen(path, "wb");
	if (!fp || fwrite(f->b, 1, f->n, fp) != f->n || fclose(fp)) {
		perror(path);
		exit(1);
	}
	written++;
}

/* Common shapes. */
static void v4_echo(struct frame *f, size_t opts, size_t payload)
{
	size_t ip = ip4(f, 1, A4, GW4, opts, 0x4000);
	size_t l4 = icmp_echo(f, 8, payload);
	ip4_done(f, ip);
	l4_csum(f, ip, 0, l4, 1, 2, FULL);
}

static void v4_tcp(struct frame *f, size_t opts, enum csum mode, size_t payload)
{
	size_t ip = ip4(f, 6, A4, B4, opts, 0x4000);
	size_t l4 = tcp(f, 40000, 80, 0x02, payload);
	ip4_done(f, ip);
	l4_csum(f, ip, 0, l4, 6, 16, mode);
}

static void v4_udp(struct frame *f, enum csum mode, size_t payload)
{
	size_t ip = ip4(f, 17, A4, B4, 0, 0x4000);
	size_t l4 = udp(f, 5353, 53, payload);
	ip4_done(f, ip);
	l4_csum(f, ip, 0, l4, 17, 6, mode);
}

int main(int argc, char **argv)
{
	struct frame f;
	size_t ip, l4;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];

	/* ARP */
	eth(&f, BCAST, A_MAC);
	arp(&f, 1, A_MAC, A4, ZERO6, GW4);
	pad(&f, 60);
	out(&f, "arp-request-gw");
	eth(&f, GW_MAC, A_MAC);
	arp(&f, 1, A_MAC, A4, ZERO6, GW4);
	out(&f, "arp-request-gw-unicast-unpadded");
	eth(&f, BCAST, A_MAC);
	arp(&f, 1, A_MAC, ZERO4, ZERO6, GW4);
	pad(&f, 60);
	out(&f, "arp-probe-gw");
	eth(&f, BCAST, A_MAC);
	arp(&f, 1, A_MAC, GW4, ZERO6, GW4);
	pad(&f, 60);
	out(&f, "arp-gratuitous-gw");
	eth(&f, GW_MAC, A_MAC);
	arp(&f, 2, A_MAC, A4, GW_MAC, GW4);
	pad(&f, 60);
	out(&f, "arp-reply-to-gw");
	eth(&f, BCAST, A_MAC);
	arp(&f, 1, A_MAC, A4, ZERO6, B4);
	pad(&f, 60);
	out(&f, "arp-request-other");

	/* ICMP echo to the gateway */
	eth(&f, GW_MAC, A_MAC);
	v4_echo(&f, 0, 56);
	out(&f, "icmp-echo-gw");
	eth(&f, GW_MAC, A_MAC);
	v4_echo(&f, 0, 0);
	pad(&f, 60);
	out(&f, "icmp-echo-gw-padded");
	eth(&f, GW_MAC, A_MAC);
	v4_echo(&f, 8, 31);
	out(&f, "icmp-echo-gw-ipopts-odd");

	/* IPv4 TCP/UDP */
	eth(&f, B_MAC, A_MAC);
	v4_tcp(&f, 0, PARTIAL, 0);
	out(&f, "tcp4-syn-partial");
	eth(&f, B_MAC, A_MAC);
	v4_tcp(&f, 0, FULL, 0);
	out(&f, "tcp4-syn-complete");
	eth(&f, B_MAC, A_MAC);
	v4_tcp(&f, 12, PARTIAL, 101);
	out(&f, "tcp4-ipopts-data-partial");
	eth(&f, B_MAC, A_MAC);
	v4_udp(&f, PARTIAL, 33);
	out(&f, "udp4-partial-odd");
	eth(&f, B_MAC, A_MAC);
	v4_udp(&f, FULL, 20);
	out(&f, "udp4-complete");
	eth(&f, B_MAC, A_MAC);
	v4_udp(&f, NONE, 12);
	out(&f, "udp4-csum0");
	eth(&f, BCAST, A_MAC);
	v4_udp(&f, PARTIAL, 4);
	pad(&f, 60);
	out(&f, "udp4-partial-bcast-padded");

	/* IPv4 fragments: first (MF, offset 0) and a later one */
	eth(&f, B_MAC, A_MAC);
	ip = ip4(&f, 17, A4, B4, 0, 0x2000);
	udp(&f, 5353, 53, 64);
	set16(&f, ip + 20 + 4, 8 + 200); /* the whole datagram's length */
	ip4_done(&f, ip);
	out(&f, "ipv4-frag-first");
	eth(&f, B_MAC, A_MAC);
	ip = ip4(&f, 17, A4, B4, 0, 9); /* offset 72 bytes, last */
	fill(&f, 40, 0x55);
	ip4_done(&f, ip);
	out(&f, "ipv4-frag-last");
	eth(&f, GW_MAC, A_MAC);
	ip = ip4(&f, 1, A4, GW4, 0, 0x2000);
	icmp_echo(&f, 8, 48);
	ip4_done(&f, ip);
	out(&f, "ipv4-frag-echo-gw");

	/* VLAN and QinQ */
	eth(&f, GW_MAC, A_MAC);
	vlan(&f, 0x8100, 100);
	v4_echo(&f, 0, 24);
	out(&f, "vlan-icmp-echo-gw");
	eth(&f, BCAST, A_MAC);
	vlan(&f, 0x8100, 100);
	arp(&f, 1, A_MAC, A4, ZERO6, GW4);
	out(&f, "vlan-arp-request-gw");
	eth(&f, B_MAC, A_MAC);
	vlan(&f, 0x88a8, 10);
	vlan(&f, 0x8100, 20);
	v4_tcp(&f, 0, PARTIAL, 7);
	out(&f, "qinq-tcp4-partial");
	eth(&f, SN_MAC, A_MAC);
	vlan(&f, 0x88a8, 10);
	vlan(&f, 0x8100, 20);
	ip = ip6(&f, 58, A6, SN6, 255);
	l4 = ns(&f, GW6, A_MAC);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 58, 2, FULL);
	out(&f, "qinq-ns-gw");

	/* IPv6 TCP/UDP */
	eth(&f, B_MAC, A_MAC);
	ip = ip6(&f, 6, A6, B6, 64);
	l4 = tcp(&f, 40000, 443, 0x02, 0);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 6, 16, PARTIAL);
	out(&f, "tcp6-syn-partial");
	eth(&f, B_MAC, A_MAC);
	ip = ip6(&f, 17, A6, B6, 64);
	l4 = udp(&f, 5353, 53, 27);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 17, 6, PARTIAL);
	out(&f, "udp6-partial");
	eth(&f, B_MAC, A_MAC);
	ip = ip6(&f, 0, A6, B6, 64);
	ext_opts(&f, 17);
	l4 = udp(&f, 5353, 53, 16);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 17, 6, PARTIAL);
	out(&f, "udp6-hopopts-partial");
	eth(&f, B_MAC, A_MAC);
	ip = ip6(&f, 0, A6, B6, 64);
	ext_opts(&f, 60);
	ext_opts(&f, 6);
	l4 = tcp(&f, 40000, 443, 0x18, 50);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 6, 16, PARTIAL);
	out(&f, "tcp6-hopopts-dstopts-partial");
	eth(&f, B_MAC, A_MAC);
	ip = ip6(&f, 44, A6, B6, 64);
	put8(&f, 17); /* fragment header: next header, reserved, offset+M, id */
	put8(&f, 0);
	put16(&f, 0x0001);
	put16(&f, 0xdead);
	put16(&f, 0xbeef);
	udp(&f, 5353, 53, 40);
	ip6_done(&f, ip);
	out(&f, "ipv6-frag-first");

	/* Neighbour discovery and ICMPv6 echo for the gateway */
	eth(&f, SN_MAC, A_MAC);
	ip = ip6(&f, 58, A6, SN6, 255);
	l4 = ns(&f, GW6, A_MAC);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 58, 2, FULL);
	out(&f, "ns-gw-solicited-node");
	eth(&f, GW_MAC, A_MAC);
	ip = ip6(&f, 58, A6, GW6, 255);
	l4 = ns(&f, GW6, A_MAC);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 58, 2, FULL);
	out(&f, "ns-gw-unicast");
	eth(&f, SN_MAC, A_MAC);
	ip = ip6(&f, 58, ZERO6, SN6, 255);
	l4 = ns(&f, GW6, NULL);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 58, 2, FULL);
	out(&f, "ns-gw-dad");
	pad(&f, f.n + 6); /* 84 bytes: the NA (86) fits in the UMEM pass's room */
	out(&f, "ns-gw-dad-padded");
	eth(&f, GW_MAC, A_MAC);
	ip = ip6(&f, 58, A6, GW6, 64);
	l4 = icmp_echo(&f, 128, 56);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 58, 2, FULL);
	out(&f, "icmp6-echo-gw");
	eth(&f, GW_MAC, A_MAC);
	ip = ip6(&f, 0, A6, GW6, 64);
	ext_opts(&f, 58);
	l4 = icmp_echo(&f, 128, 9);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 58, 2, FULL);
	out(&f, "icmp6-echo-gw-hopopts");

	/* Runts and oddities */
	f.n = 0;
	out(&f, "runt-empty");
	eth(&f, BCAST, A_MAC);
	put8(&f, 0x08);
	out(&f, "runt-13");
	eth(&f, BCAST, A_MAC);
	put16(&f, 0x8100);
	put8(&f, 0);
	out(&f, "runt-vlan-cut");
	eth(&f, B_MAC, A_MAC);
	ip = ip4(&f, 6, A4, B4, 0, 0x4000);
	fill(&f, 12, 0); /* TCP header cut short: PKT_BAD_L4 */
	ip4_done(&f, ip);
	out(&f, "tcp4-truncated");
	eth(&f, GW_MAC, A_MAC);
	ip = ip6(&f, 58, A6, GW6, 64);
	fill(&f, 4, 128); /* ICMPv6 cut short, to the gateway */
	ip6_done(&f, ip);
	out(&f, "icmp6-truncated-gw");
	eth(&f, (const uint8_t[6]){ 0x01, 0x80, 0xc2, 0, 0, 0x0e }, A_MAC);
	put16(&f, 0x88cc); /* LLDP: not IP */
	fill(&f, 30, 2);
	out(&f, "lldp");

	printf("%d frames in %s\n", written, outdir);
	return 0;
}
