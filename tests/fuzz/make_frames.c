/* SPDX-License-Identifier: MIT */
/* Writes the seed frames of tests/fuzz/corpus/frame/, one raw Ethernet
 * frame per file (no FCS), built byte by byte with correct lengths and
 * checksums unless the name says otherwise. "partial" means the TCP/UDP
 * check field holds the folded pseudo-header sum, as veth hands frames
 * up with CHECKSUM_PARTIAL.
 *
 *   cc -std=c11 -o build/fuzz/make_frames tests/fuzz/make_frames.c
 *   build/fuzz/make_frames tests/fuzz/corpus/frame tests/fuzz/corpus/nat \
 *           tests/fuzz/corpus/segs
 *
 * Addresses: the gateway is 02:6e:66:00:00:01, 10.13.37.1, fd42:1337::1
 * (what fuzz_frame.c and fuzz_nat.c configure); hosts are 10.13.37.2/.3
 * (.4 routes 10.9.9.8/30), fd42:1337::2/::3. Behind the NAT (fuzz_nat):
 * the uplink is 203.0.113.1 (02:75:70:00:00:01), ports 20000-20015;
 * 203.0.113.2 is on its subnet, 198.51.100.7 beyond its gateway.
 *
 * The second directory gets fuzz_nat's inputs: record sequences (see
 * fuzz_nat.c) of frames from the namespaces and the outside, answers,
 * ICMP errors quoting packets to and from the NAT, and time passing.
 * The third gets fuzz_segs's: jumbo frames received as chains of
 * buffers (see fuzz_segs.c), to the gateway, through the NAT, between
 * namespaces.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct frame {
	uint8_t b[9216 + 18]; /* a jumbo port's largest, tagged */
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

static const uint8_t UP_MAC[6] = { 0x02, 0x75, 0x70, 0x00, 0x00, 0x01 };
static const uint8_t NH_MAC[6] = { 0x02, 0x6e, 0x68, 0x00, 0x71, 0xfe }; /* 203.0.113.254 */
static const uint8_t R_MAC[6] = { 0x02, 0x00, 0x0a, 0x0d, 0x25, 0x04 };
static const uint8_t R4[4] = { 10, 13, 37, 4 };
static const uint8_t EXT4[4] = { 203, 0, 113, 1 };
static const uint8_t OUT4[4] = { 203, 0, 113, 2 };
static const uint8_t FAR4[4] = { 198, 51, 100, 7 };
static const uint8_t BEHIND_R4[4] = { 10, 9, 9, 10 };
static const uint8_t BEHIND_R5[4] = { 10, 9, 5, 5 };

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

/* A routing header of type type, segments left 1, with the n addresses
 * of list (16 bytes each) after its first 8 bytes. */
static void ext_routing(struct frame *f, uint8_t nh, uint8_t type, const uint8_t *list, unsigned n)
{
	put8(f, nh);
	put8(f, (uint8_t)(2 * n));
	put8(f, type);
	put8(f, 1);
	put8(f, type == 4 ? (uint8_t)(n - 1) : 0); /* SRH: last entry */
	put8(f, 0);
	put16(f, 0);
	put(f, list, 16 * n);
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

/* --- fuzz_nat's record sequences ----------------------------------- */

struct seq {
	uint8_t b[32768];
	size_t n;
};

enum { PORT_A, PORT_B, PORT_R, UPLINK };

static void s_byte(struct seq *s, unsigned v)
{
	if (s->n == sizeof(s->b))
		abort();
	s->b[s->n++] = (uint8_t)v;
}

/* A frame received on an L2 port (0-2) or the uplink. */
static void s_frame(struct seq *s, int port, const struct frame *f)
{
	s_byte(s, port == UPLINK ? 1 : (unsigned)port << 3);
	s_byte(s, (unsigned)f->n >> 8);
	s_byte(s, (unsigned)f->n);
	for (size_t i = 0; i < f->n; i++)
		s_byte(s, f->b[i]);
}

static void s_answer(struct seq *s, unsigned flags) { s_byte(s, 2); s_byte(s, flags); }
static void s_error(struct seq *s, unsigned kind, unsigned quote)
{
	s_byte(s, 3);
	s_byte(s, kind);
	s_byte(s, quote);
}
static void s_clock(struct seq *s, unsigned log2_ns) { s_byte(s, 4); s_byte(s, log2_ns); }
static void s_neigh(struct seq *s, unsigned v) { s_byte(s, 5); s_byte(s, v); }
static void s_burst(struct seq *s, unsigned v) { s_byte(s, 6); s_byte(s, v); }

static void s_out(struct seq *s, const char *dir, const char *name)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (!fp || fwrite(s->b, 1, s->n, fp) != s->n || fclose(fp)) {
		perror(path);
		exit(1);
	}
	written++;
	s->n = 0;
}

/* From a namespace to the gateway's MAC (routed), ttl 0 = 64. */
static void to_gw(struct frame *f, const uint8_t *mac)
{
	eth(f, GW_MAC, mac);
}

static void ttl(struct frame *f, size_t ip, unsigned t)
{
	f->b[ip + 8] = (uint8_t)t;
	ip4_done(f, ip);
}

static size_t out_tcp(struct frame *f, const uint8_t *mac, const uint8_t *src,
		      const uint8_t *dst, unsigned sport, unsigned dport, uint8_t flags,
		      enum csum mode)
{
	size_t ip, l4;

	to_gw(f, mac);
	ip = ip4(f, 6, src, dst, 0, 0x4000);
	l4 = tcp(f, sport, dport, flags, flags & 0x08 ? 20 : 0);
	ip4_done(f, ip);
	l4_csum(f, ip, 0, l4, 6, 16, mode);
	return ip;
}

static size_t out_udp(struct frame *f, const uint8_t *mac, const uint8_t *src,
		      const uint8_t *dst, unsigned sport, unsigned dport, enum csum mode)
{
	size_t ip, l4;

	to_gw(f, mac);
	ip = ip4(f, 17, src, dst, 0, 0x4000);
	l4 = udp(f, sport, dport, 21);
	ip4_done(f, ip);
	l4_csum(f, ip, 0, l4, 17, 6, mode);
	return ip;
}

static size_t out_echo(struct frame *f, const uint8_t *mac, const uint8_t *src,
		       const uint8_t *dst, unsigned id)
{
	size_t ip, l4;

	to_gw(f, mac);
	ip = ip4(f, 1, src, dst, 0, 0x4000);
	l4 = icmp_echo(f, 8, 32);
	set16(f, l4 + 4, id);
	ip4_done(f, ip);
	l4_csum(f, ip, 0, l4, 1, 2, FULL);
	return ip;
}

/* From a namespace beyond the gateway with TTL 1: ICMP of TYPE. */
static void ttl1_icmp(struct frame *f, const uint8_t *mac, const uint8_t *src, uint8_t type,
		      size_t optlen, unsigned frag, size_t payload)
{
	size_t ip, l4;

	to_gw(f, mac);
	ip = ip4(f, 1, src, FAR4, optlen, frag);
	l4 = icmp_echo(f, type, payload);
	ip4_done(f, ip);
	l4_csum(f, ip, 0, l4, 1, 2, FULL);
	ttl(f, ip, 1);
}

/* UDP from a namespace with payload bytes, DF or not (frag). */
static void big_udp(struct frame *f, const uint8_t *mac, const uint8_t *src, const uint8_t *dst,
		    unsigned frag, size_t payload)
{
	size_t ip, l4;

	to_gw(f, mac);
	ip = ip4(f, 17, src, dst, 0, frag);
	l4 = udp(f, 20020, 53, payload);
	ip4_done(f, ip);
	l4_csum(f, ip, 0, l4, 17, 6, FULL);
}

/* UDP from the outside (FAR4:53) to the NAT's port dport, DF or not. */
static void in_udp(struct frame *f, unsigned dport, unsigned frag, size_t payload)
{
	size_t ip, l4;

	eth(f, UP_MAC, NH_MAC);
	ip = ip4(f, 17, FAR4, EXT4, 0, frag);
	l4 = udp(f, 53, dport, payload);
	ip4_done(f, ip);
	l4_csum(f, ip, 0, l4, 17, 6, FULL);
}

/* A UDP datagram (proto 17) or echo request (1) of payload bytes, cut
 * into fragments as a sender's stack cuts it for an MTU of 1500, all
 * with IP id id, into fr[]; returns how many. The L4 checksum covers
 * the whole datagram, in the first fragment. */
static int fragments(struct frame fr[4], const uint8_t *dmac, const uint8_t *smac, uint8_t proto,
		     const uint8_t *src, const uint8_t *dst, unsigned sport, unsigned dport,
		     size_t payload, unsigned id)
{
	static struct frame w;
	size_t ip, l4, data, off = 0;
	int n = 0;

	eth(&w, dmac, smac);
	ip = ip4(&w, proto, src, dst, 0, 0);
	l4 = proto == 1 ? icmp_echo(&w, 8, payload) : udp(&w, sport, dport, payload);
	ip4_done(&w, ip);
	l4_csum(&w, ip, 0, l4, proto, proto == 1 ? 2 : 6, FULL);
	data = w.n - l4;
	while (off < data && n < 4) {
		size_t take = data - off > 1480 ? 1480 : data - off, fip;

		eth(&fr[n], dmac, smac);
		fip = ip4(&fr[n], proto, src, dst, 0,
			  (off + take < data ? 0x2000u : 0) | (unsigned)(off / 8));
		set16(&fr[n], fip + 4, id);
		put(&fr[n], w.b + l4 + off, take);
		ip4_done(&fr[n], fip);
		n++;
		off += take;
	}
	return n;
}

/* From the outside to the uplink. */
static size_t in_hdr(struct frame *f, uint8_t proto, const uint8_t *src)
{
	eth(f, UP_MAC, NH_MAC);
	return ip4(f, proto, src, EXT4, 0, 0x4000);
}

/* An ICMP error from src to the uplink quoting what the NAT sent: an
 * IPv4 header from the uplink address to dst and the first l4n bytes
 * of its L4 (whole = all of it, with a valid checksum). */
static void in_error(struct frame *f, const uint8_t *src, unsigned type, unsigned code,
		     uint8_t proto, const uint8_t *dst, unsigned sport, unsigned dport,
		     size_t l4n)
{
	struct frame q;
	size_t ip, l4, qip, ql4;

	eth(&q, UP_MAC, NH_MAC); /* the quoted packet, built apart */
	qip = ip4(&q, proto, EXT4, dst, 0, 0x4000);
	ttl(&q, qip, 63);
	if (proto == 6)
		ql4 = tcp(&q, sport, dport, 0x02, 0);
	else if (proto == 17)
		ql4 = udp(&q, sport, dport, 21);
	else {
		ql4 = icmp_echo(&q, 8, 32);
		set16(&q, ql4 + 4, sport);
	}
	ip4_done(&q, qip);
	l4_csum(&q, qip, 0, ql4, proto, proto == 6 ? 16 : proto == 17 ? 6 : 2, FULL);
	if (l4n > q.n - ql4)
		l4n = q.n - ql4;

	ip = in_hdr(f, 1, src);
	l4 = f->n;
	put8(f, type);
	put8(f, code);
	put16(f, 0);
	put16(f, 0);
	put16(f, type == 3 && code == 4 ? 1400 : 0);
	put(f, q.b + qip, ql4 - qip + l4n);
	ip4_done(f, ip);
	l4_csum(f, ip, 0, l4, 1, 2, FULL);
}

static void arp_for(struct frame *f, const uint8_t *mac, const uint8_t *ip)
{
	eth(f, BCAST, mac);
	arp(f, 1, mac, ip, ZERO6, GW4);
	pad(f, 60);
}

static void arp_reply_to_gw(struct frame *f, const uint8_t *mac, const uint8_t *ip)
{
	eth(f, GW_MAC, mac);
	arp(f, 2, mac, ip, GW_MAC, GW4);
	pad(f, 60);
}

static void nat_seqs(const char *dir)
{
	struct seq s = { .n = 0 };
	struct frame f;
	size_t ip, l4;

	/* TCP: handshake, data, close, each answered; then time passes. */
	arp_for(&f, A_MAC, A4);
	s_frame(&s, PORT_A, &f);
	out_tcp(&f, A_MAC, A4, FAR4, 20001, 80, 0x02, PARTIAL);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0x12);
	out_tcp(&f, A_MAC, A4, FAR4, 20001, 80, 0x18, PARTIAL);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0x10);
	out_tcp(&f, A_MAC, A4, FAR4, 20001, 80, 0x11, PARTIAL);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0x11);
	s_clock(&s, 32);
	s_answer(&s, 0x10);
	s_out(&s, dir, "tcp-handshake-close");

	/* A reset, and the 4-tuple opened again. */
	out_tcp(&f, A_MAC, A4, FAR4, 20002, 443, 0x02, FULL);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0x14);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0x12);
	s_out(&s, dir, "tcp-rst-reopen");

	/* UDP from a port outside the range, to the uplink's own subnet. */
	out_udp(&f, A_MAC, A4, OUT4, 40000, 53, PARTIAL);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0);
	s_out(&s, dir, "udp-port-allocated-direct");

	/* UDP without checksum stays without, in an error's quote too. */
	out_udp(&f, B_MAC, B4, FAR4, 20003, 53, NONE);
	s_frame(&s, PORT_B, &f);
	s_answer(&s, 1);
	s_error(&s, 12, 200);
	s_out(&s, dir, "udp-csum0");
	/* An answer every 0.9 s keeps a connection (ICMP: 1 s) alive. */
	out_echo(&f, A_MAC, A4, FAR4, 20010);
	s_frame(&s, PORT_A, &f);
	for (int i = 0; i < 4; i++) {
		s_clock(&s, 29); /* 0.54 s */
		s_clock(&s, 28); /* 0.27 s */
		s_answer(&s, 0);
	}
	s_clock(&s, 36 + 35); /* 2^35 ns, 34 s, twice: past every timeout */
	s_clock(&s, 35);
	s_answer(&s, 0);
	s_error(&s, 12, 0);
	s_out(&s, dir, "echo-kept-alive-by-answers");

	/* Two namespaces, one source port, one server. */
	out_udp(&f, A_MAC, A4, FAR4, 40000, 53, FULL);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0);
	out_udp(&f, B_MAC, B4, FAR4, 40000, 53, FULL);
	s_frame(&s, PORT_B, &f);
	s_answer(&s, 0);
	s_out(&s, dir, "udp-same-port-two-hosts");

	out_echo(&f, A_MAC, A4, FAR4, 20005);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0);
	s_out(&s, dir, "echo-answered");

	/* ICMP errors from the outside about what the NAT sent. */
	out_udp(&f, A_MAC, A4, FAR4, 20006, 53, PARTIAL);
	s_frame(&s, PORT_A, &f);
	s_error(&s, 12, 200); /* port unreachable, whole datagram quoted */
	s_out(&s, dir, "error-port-unreachable-udp-whole");
	out_tcp(&f, A_MAC, A4, FAR4, 20007, 443, 0x02, PARTIAL);
	s_frame(&s, PORT_A, &f);
	s_error(&s, 18, 0); /* fragmentation needed, header + 8 */
	s_out(&s, dir, "error-frag-needed-tcp-cut");
	out_echo(&f, B_MAC, B4, FAR4, 20008);
	s_frame(&s, PORT_B, &f);
	s_error(&s, 64, 8); /* time exceeded, from a router on the way */
	s_out(&s, dir, "error-ttl-router-echo");
	out_tcp(&f, A_MAC, A4, OUT4, 20009, 22, 0x18, FULL);
	s_frame(&s, PORT_A, &f);
	s_error(&s, 2, 100); /* parameter problem */
	s_out(&s, dir, "error-paramprob-tcp-whole");
	out_udp(&f, A_MAC, A4, FAR4, 20010, 53, FULL);
	s_frame(&s, PORT_A, &f);
	s_error(&s, 12, 0xf4); /* a quote too short to translate */
	s_out(&s, dir, "error-quote-too-short");
	/* ...and the same errors as raw frames from the uplink. */
	out_udp(&f, A_MAC, A4, FAR4, 20011, 53, FULL);
	s_frame(&s, PORT_A, &f);
	in_error(&f, FAR4, 3, 3, 17, FAR4, 20011, 53, 64);
	s_frame(&s, UPLINK, &f);
	s_out(&s, dir, "raw-error-port-unreachable-udp");
	out_echo(&f, A_MAC, A4, FAR4, 20012);
	s_frame(&s, PORT_A, &f);
	in_error(&f, (const uint8_t[4]){ 198, 51, 100, 254 }, 11, 0, 1, FAR4, 20012, 0, 8);
	s_frame(&s, UPLINK, &f);
	s_out(&s, dir, "raw-error-time-exceeded-echo");
	out_tcp(&f, A_MAC, A4, FAR4, 20013, 80, 0x02, FULL);
	s_frame(&s, PORT_A, &f);
	in_error(&f, FAR4, 3, 4, 6, FAR4, 20013, 80, 20);
	s_frame(&s, UPLINK, &f);
	s_out(&s, dir, "raw-error-frag-needed-tcp");

	/* Raw answers from the uplink: one that matches, one that does not. */
	out_echo(&f, A_MAC, A4, FAR4, 20014);
	s_frame(&s, PORT_A, &f);
	ip = in_hdr(&f, 1, FAR4);
	l4 = icmp_echo(&f, 0, 32);
	set16(&f, l4 + 4, 20014);
	ip4_done(&f, ip);
	l4_csum(&f, ip, 0, l4, 1, 2, FULL);
	s_frame(&s, UPLINK, &f);
	ip = in_hdr(&f, 6, FAR4);
	l4 = tcp(&f, 80, 20015, 0x02, 0);
	ip4_done(&f, ip);
	l4_csum(&f, ip, 0, l4, 6, 16, FULL);
	s_frame(&s, UPLINK, &f);
	s_out(&s, dir, "raw-echo-reply-and-unsolicited-syn");
	out_udp(&f, A_MAC, A4, OUT4, 20004, 5353, FULL);
	s_frame(&s, PORT_A, &f);
	ip = in_hdr(&f, 17, OUT4);
	l4 = udp(&f, 5353, 20004, 40);
	ip4_done(&f, ip);
	l4_csum(&f, ip, 0, l4, 17, 6, PARTIAL);
	s_frame(&s, UPLINK, &f);
	s_out(&s, dir, "raw-udp-answer-partial");

	/* A namespace answers with an ICMP error of its own. */
	out_udp(&f, A_MAC, A4, FAR4, 20002, 53, FULL);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0);
	s_error(&s, 0x80, 0);
	s_out(&s, dir, "error-from-inside");

	/* TTL 1: time exceeded from the gateway, with and without options. */
	ip = out_udp(&f, A_MAC, A4, FAR4, 20001, 33434, PARTIAL);
	ttl(&f, ip, 1);
	s_frame(&s, PORT_A, &f);
	ttl1_icmp(&f, B_MAC, B4, 8, 12, 0x4000, 3);
	s_frame(&s, PORT_B, &f);
	s_byte(&s, 0x80); /* the same, at the very end of its buffer */
	s_byte(&s, (unsigned)f.n >> 8);
	s_byte(&s, (unsigned)f.n);
	for (size_t i = 0; i < f.n; i++)
		s_byte(&s, f.b[i]);
	s_out(&s, dir, "ttl1-time-exceeded");

	/* TTL 1, but no time exceeded (RFC 1812 4.3.2.7): the first
	 * fragment of an ICMP error (its type is there all the same), a
	 * later fragment, a whole time exceeded. */
	ttl1_icmp(&f, A_MAC, A4, 3, 0, 0x2000, 16);
	s_frame(&s, PORT_A, &f);
	to_gw(&f, A_MAC);
	ip = ip4(&f, 17, A4, FAR4, 0, 0x0010);
	udp(&f, 20001, 33434, 21);
	ip4_done(&f, ip);
	ttl(&f, ip, 1);
	s_frame(&s, PORT_A, &f);
	ttl1_icmp(&f, B_MAC, B4, 11, 0, 0x4000, 16);
	s_frame(&s, PORT_B, &f);
	s_out(&s, dir, "ttl1-no-time-exceeded");

	/* Martians (RFC 1812 5.3.7), neither routed nor answered: to
	 * loopback, to 0/8, to class E with TTL 1, from the subnet's
	 * broadcast address out and by a static route, from the gateway's
	 * own address; then one that goes. */
	static const uint8_t LOOP4[4] = { 127, 0, 0, 1 }, ZERO4[4] = { 0, 1, 2, 3 },
			     CLASS_E4[4] = { 240, 0, 0, 1 }, BCAST4[4] = { 10, 13, 37, 255 };
	out_udp(&f, A_MAC, A4, LOOP4, 20010, 53, FULL);
	s_frame(&s, PORT_A, &f);
	out_udp(&f, A_MAC, A4, ZERO4, 20011, 53, FULL);
	s_frame(&s, PORT_A, &f);
	ip = out_udp(&f, A_MAC, A4, CLASS_E4, 20012, 53, FULL);
	ttl(&f, ip, 1);
	s_frame(&s, PORT_A, &f);
	out_udp(&f, A_MAC, BCAST4, FAR4, 20013, 53, FULL);
	s_frame(&s, PORT_A, &f);
	out_udp(&f, A_MAC, BCAST4, BEHIND_R4, 20014, 53, FULL);
	s_frame(&s, PORT_A, &f);
	out_udp(&f, A_MAC, GW4, FAR4, 20016, 53, FULL);
	s_frame(&s, PORT_A, &f);
	out_udp(&f, A_MAC, A4, FAR4, 20015, 53, FULL);
	s_frame(&s, PORT_A, &f);
	/* In from the uplink about that connection: an ICMP error from
	 * loopback, dropped (the NAT matches errors by their quote, so only
	 * the martian test stops it); then the answer, delivered. */
	in_error(&f, LOOP4, 3, 3, 17, FAR4, 20015, 53, 64);
	s_frame(&s, UPLINK, &f);
	in_udp(&f, 20015, 0x4000, 21);
	s_frame(&s, UPLINK, &f);
	s_out(&s, dir, "martians");

	/* IPv4 headers that fail their checksum (RFC 1812 5.2.2), neither
	 * routed, answered nor translated: out to the far end, a ping of
	 * the gateway, and, once a good one went out, its answer in. */
	ip = out_udp(&f, A_MAC, A4, FAR4, 20005, 53, FULL);
	f.b[ip + 10] ^= 0x5a;
	s_frame(&s, PORT_A, &f);
	ip = out_echo(&f, A_MAC, A4, GW4, 77);
	f.b[ip + 10] ^= 0x5a;
	s_frame(&s, PORT_A, &f);
	out_udp(&f, A_MAC, A4, FAR4, 20005, 53, FULL);
	s_frame(&s, PORT_A, &f);
	in_udp(&f, 20005, 0x4000, 21);
	f.b[14 + 10] ^= 0x5a;
	s_frame(&s, UPLINK, &f);
	in_udp(&f, 20005, 0x4000, 21);
	s_frame(&s, UPLINK, &f);
	s_out(&s, dir, "bad-ip-header");

	/* Larger than the route's MTU (fuzz_nat: the uplink's 1500, 3506 on
	 * a static route): fragmentation needed with DF, else dropped; one
	 * of exactly 1500 bytes goes out. */
	big_udp(&f, A_MAC, A4, FAR4, 0x4000, 1473);
	s_frame(&s, PORT_A, &f);
	big_udp(&f, A_MAC, A4, FAR4, 0x4000, 1472);
	s_frame(&s, PORT_A, &f);
	big_udp(&f, B_MAC, B4, FAR4, 0, 1600);
	s_frame(&s, PORT_B, &f);
	big_udp(&f, B_MAC, B4, BEHIND_R4, 0x4000, 3600);
	s_frame(&s, PORT_B, &f);
	s_out(&s, dir, "too-big");

	/* The same without DF: cut by the gateway into pieces of the
	 * route's MTU, through the NAT (1500) and, once R answers ARP, by
	 * the static route (3506). */
	big_udp(&f, A_MAC, A4, FAR4, 0, 3840 - 42); /* a whole buffer */
	s_frame(&s, PORT_A, &f);
	arp_reply_to_gw(&f, R_MAC, R4);
	s_frame(&s, PORT_R, &f);
	big_udp(&f, B_MAC, B4, BEHIND_R4, 0, 3780);
	s_frame(&s, PORT_B, &f);
	s_out(&s, dir, "too-big-cut");

	/* A packet that fits the uplink's MTU in a frame that does not: 600
	 * bytes after it. Routed without them, not cut (route.c trims). */
	big_udp(&f, A_MAC, A4, FAR4, 0, 1000);
	fill(&f, 600, 0xee);
	s_frame(&s, PORT_A, &f);
	big_udp(&f, A_MAC, A4, FAR4, 0x4000, 1000);
	fill(&f, 600, 0xee);
	s_frame(&s, PORT_A, &f);
	s_out(&s, dir, "trailing-bytes");

	/* A UDP datagram in 3 fragments out, its answer in 2 back, that
	 * answer's last fragment again (its datagram is done), and a later
	 * fragment whose first never came. The namespace's port is in the
	 * NAT's range, so it stays the external one. */
	static struct frame fr[4];
	int nf = fragments(fr, GW_MAC, A_MAC, 17, A4, FAR4, 20005, 53, 3000, 0x4242);
	for (int i = 0; i < nf; i++)
		s_frame(&s, PORT_A, &fr[i]);
	nf = fragments(fr, UP_MAC, NH_MAC, 17, FAR4, EXT4, 53, 20005, 2000, 0x0707);
	for (int i = 0; i < nf; i++)
		s_frame(&s, UPLINK, &fr[i]);
	s_frame(&s, UPLINK, &fr[nf - 1]);
	fragments(fr, GW_MAC, A_MAC, 17, A4, FAR4, 20005, 53, 3000, 0x5151);
	s_frame(&s, PORT_A, &fr[1]);
	s_out(&s, dir, "frag-udp-out-in");

	/* Answers larger than the port of the host they are for (a's 3000,
	 * r's 3400 in fuzz_nat): cut on the way in, or with DF answered
	 * with "fragmentation needed" out of the uplink; what fits r's
	 * port goes whole. */
	out_udp(&f, A_MAC, A4, FAR4, 20005, 53, FULL);
	s_frame(&s, PORT_A, &f);
	out_udp(&f, R_MAC, R4, FAR4, 20006, 53, FULL);
	s_frame(&s, PORT_R, &f);
	in_udp(&f, 20005, 0, 3200);
	s_frame(&s, UPLINK, &f);
	in_udp(&f, 20005, 0x4000, 3200);
	s_frame(&s, UPLINK, &f);
	in_udp(&f, 20006, 0x4000, 3200);
	s_frame(&s, UPLINK, &f);
	in_udp(&f, 20006, 0, 3500);
	s_frame(&s, UPLINK, &f);
	in_udp(&f, 20006, 0x4000, 3500);
	s_frame(&s, UPLINK, &f);
	s_out(&s, dir, "in-too-big");

	/* ping -s 3000 in fragments, answered; then a new one whose later
	 * fragment comes 34 s after its first (2^35 ns): past the NAT's 30. */
	nf = fragments(fr, GW_MAC, A_MAC, 1, A4, FAR4, 0, 0, 3000, 0x0909);
	for (int i = 0; i < nf; i++)
		s_frame(&s, PORT_A, &fr[i]);
	s_answer(&s, 0);
	fragments(fr, GW_MAC, A_MAC, 1, A4, FAR4, 0, 0, 3000, 0x0a0a);
	s_frame(&s, PORT_A, &fr[0]);
	s_clock(&s, 35);
	s_frame(&s, PORT_A, &fr[1]);
	s_out(&s, dir, "frag-echo-expired");

	/* ping -s 3000 of the gateway itself: put together and answered in
	 * pieces, in order and then last fragment first. */
	nf = fragments(fr, GW_MAC, A_MAC, 1, A4, GW4, 0, 0, 3000, 0x1111);
	for (int i = 0; i < nf; i++)
		s_frame(&s, PORT_A, &fr[i]);
	nf = fragments(fr, GW_MAC, B_MAC, 1, B4, GW4, 0, 0, 3000, 0x2222);
	for (int i = nf; i-- > 0;)
		s_frame(&s, PORT_B, &fr[i]);
	s_out(&s, dir, "gw-ping-fragmented");

	/* The uplink's next hop resolves late, or never. */
	s_neigh(&s, 0);
	out_udp(&f, A_MAC, A4, FAR4, 20003, 53, FULL);
	s_frame(&s, PORT_A, &f);
	s_frame(&s, PORT_A, &f);
	s_clock(&s, 20);
	s_neigh(&s, 1);
	s_clock(&s, 22);
	s_answer(&s, 0);
	s_out(&s, dir, "uplink-nexthop-late");
	s_neigh(&s, 0);
	out_tcp(&f, A_MAC, A4, OUT4, 20005, 80, 0x02, FULL);
	s_frame(&s, PORT_A, &f);
	s_clock(&s, 31);
	s_out(&s, dir, "uplink-nexthop-never");

	/* Static routes: the router's MAC is asked for, frames wait, the
	 * answer sends them; the longer prefix wins. */
	out_tcp(&f, A_MAC, A4, BEHIND_R4, 40001, 80, 0x02, PARTIAL);
	s_frame(&s, PORT_A, &f);
	s_frame(&s, PORT_A, &f);
	s_neigh(&s, 1 | 2 | PORT_R << 2);
	s_frame(&s, PORT_A, &f);
	out_udp(&f, B_MAC, B4, BEHIND_R5, 40002, 53, FULL);
	s_frame(&s, PORT_B, &f);
	s_neigh(&s, 1 | 2 | PORT_R << 2);
	arp_reply_to_gw(&f, R_MAC, R4);
	s_frame(&s, PORT_R, &f);
	s_out(&s, dir, "static-route-arp");

	/* Answers for a namespace whose ARP entry went stale (used, and
	 * asked again), then unanswered (the answer waits for it). */
	out_tcp(&f, A_MAC, A4, OUT4, 20006, 80, 0x02, FULL);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0x12);
	s_clock(&s, 35); /* 34 s */
	s_answer(&s, 0x10);
	s_clock(&s, 32); /* 4.3 s */
	s_answer(&s, 0x10);
	s_neigh(&s, 1 | 2);
	s_out(&s, dir, "answer-host-stale");

	/* A namespace sending from the gateway's own MAC, ARP and a packet
	 * to route: never its ARP table's MAC for the address. */
	arp_for(&f, GW_MAC, B4);
	s_frame(&s, PORT_B, &f);
	out_udp(&f, GW_MAC, B4, FAR4, 20007, 53, FULL);
	s_frame(&s, PORT_B, &f);
	s_answer(&s, 0);
	s_out(&s, dir, "from-gateway-mac");

	/* The table fills (24), then the ports towards one server (16). */
	out_udp(&f, A_MAC, A4, FAR4, 20000, 53, FULL);
	s_frame(&s, PORT_A, &f);
	s_burst(&s, 3 << 5 | 31); /* destination port +1..+32 */
	s_answer(&s, 0);
	s_out(&s, dir, "table-full");
	out_udp(&f, A_MAC, A4, FAR4, 40000, 53, FULL);
	s_frame(&s, PORT_A, &f);
	s_burst(&s, 1 << 5 | 20); /* source address +1..+21 */
	s_out(&s, dir, "ports-exhausted");
	out_echo(&f, B_MAC, B4, FAR4, 7);
	s_frame(&s, PORT_B, &f);
	s_burst(&s, 2 << 5 | 25); /* destination +1..+26 */
	s_clock(&s, 31);
	s_frame(&s, PORT_B, &f);
	s_out(&s, dir, "echo-many-servers-expire");

	/* An echo expires (1 s) between two sweeps of nat_expire (once a
	 * second): its answer and errors find nothing all the same. */
	s_clock(&s, 29);
	s_clock(&s, 28);
	s_clock(&s, 27); /* 0.94 s: no sweep yet */
	out_echo(&f, A_MAC, A4, FAR4, 20011);
	s_frame(&s, PORT_A, &f);
	s_clock(&s, 27); /* 1.07 s: a sweep */
	s_clock(&s, 29);
	s_clock(&s, 28);
	s_clock(&s, 27); /* idle 1.07 s, the next sweep 0.06 s away */
	s_error(&s, 12, 0);
	s_answer(&s, 0);
	s_out(&s, dir, "echo-expired-unswept");

	/* What the NAT does not translate. */
	to_gw(&f, A_MAC);
	ip = ip4(&f, 17, A4, FAR4, 0, 0x2000);
	udp(&f, 20001, 53, 64);
	ip4_done(&f, ip);
	s_frame(&s, PORT_A, &f);
	ip = in_hdr(&f, 17, FAR4);
	f.b[ip + 6] = 0x20;
	udp(&f, 53, 20001, 64);
	ip4_done(&f, ip);
	s_frame(&s, UPLINK, &f);
	to_gw(&f, A_MAC);
	ip = ip4(&f, 47, A4, FAR4, 0, 0x4000); /* GRE */
	fill(&f, 24, 0);
	ip4_done(&f, ip);
	s_frame(&s, PORT_A, &f);
	to_gw(&f, A_MAC);
	vlan(&f, 0x8100, 7);
	v4_tcp(&f, 0, FULL, 0);
	memcpy(f.b + 18 + 16, FAR4, 4);
	ip4_done(&f, 18);
	s_frame(&s, PORT_A, &f);
	s_out(&s, dir, "untranslated");

	/* Plain switching and the gateway, around the NAT. */
	arp_for(&f, A_MAC, A4);
	s_frame(&s, PORT_A, &f);
	eth(&f, B_MAC, A_MAC);
	v4_tcp(&f, 0, PARTIAL, 10);
	s_frame(&s, PORT_A, &f);
	eth(&f, A_MAC, B_MAC);
	v4_udp(&f, FULL, 10);
	s_frame(&s, PORT_B, &f);
	eth(&f, GW_MAC, A_MAC);
	v4_echo(&f, 0, 56);
	s_frame(&s, PORT_A, &f);
	s_out(&s, dir, "switched-and-gateway");
}

/* --- fuzz_segs's records: frames received as chains of buffers ----- */

/* A frame received on port (3: the uplink) in n buffers: the first n - 1
 * of len[i] bytes (0: 3840; else a multiple of 15), the last the rest;
 * flags: fuzz_segs.c's ctl bits 4-7. */
static void s_chain(struct seq *s, int port, unsigned flags, int n, const unsigned *len,
		    const struct frame *f)
{
	s_byte(s, (unsigned)(n - 1) | (unsigned)port << 2 | flags);
	for (int i = 0; i + 1 < n; i++)
		s_byte(s, len[i] / 15);
	s_byte(s, (unsigned)f->n >> 8);
	s_byte(s, (unsigned)f->n);
	for (size_t i = 0; i < f->n; i++)
		s_byte(s, f->b[i]);
}

/* An echo request from A to the gateway of payload bytes, in two
 * fragments, the first with first bytes of the ICMP message. */
static void gw_echo_fragments(struct seq *s, size_t payload, size_t first)
{
	static const unsigned full[2] = { 0, 0 };
	static uint8_t icmp[16384];
	static struct frame f;
	size_t n = 8 + payload, off = 0, ip;
	uint32_t sm;

	memset(icmp, 0x10, n);
	icmp[0] = 8, icmp[1] = 0, icmp[2] = icmp[3] = 0;
	icmp[4] = icmp[5] = 0x42, icmp[6] = 0, icmp[7] = 1;
	sm = (uint16_t)~fold(sum(0, icmp, n));
	icmp[2] = (uint8_t)(sm >> 8), icmp[3] = (uint8_t)sm;
	for (int k = 0; k < 2; k++) {
		size_t take = k ? n - first : first;

		to_gw(&f, A_MAC);
		ip = ip4(&f, 1, A4, GW4, 0, (k ? 0 : 0x2000u) | (unsigned)(off / 8));
		put(&f, icmp + off, take);
		ip4_done(&f, ip);
		s_chain(s, PORT_A, 0, 3, full, &f);
		off += take;
	}
}

static void segs_seqs(const char *dir)
{
	static const unsigned full[3] = { 0, 0, 0 }, short_first[3] = { 15, 0, 0 };
	static struct frame f, g;
	static struct seq s;
	size_t ip, l4;

	/* A 9000-byte ping of the gateway: answered from the copy. */
	to_gw(&f, A_MAC);
	ip = ip4(&f, 1, A4, GW4, 0, 0x4000);
	l4 = icmp_echo(&f, 8, 9000 - 20 - 8);
	ip4_done(&f, ip);
	l4_csum(&f, ip, 0, l4, 1, 2, FULL);
	s_chain(&s, PORT_A, 0, 3, full, &f);
	s_out(&s, dir, "jumbo-ping-gw");
	gw_echo_fragments(&s, 10000, 8000);
	s_out(&s, dir, "jumbo-ping-gw-fragments");
	gw_echo_fragments(&s, 2000, 1000); /* one buffer each, one reply */
	s_out(&s, dir, "ping-gw-fragments-small");
	/* UDP through the NAT, 9000 bytes: with DF "fragmentation needed"
	 * back; without, cut to the uplink's 1500; held while the next hop
	 * is unknown, then sent; from a first buffer too short to route. */
	big_udp(&f, A_MAC, A4, FAR4, 0x4000, 9000 - 28);
	s_chain(&s, PORT_A, 0, 3, full, &f);
	s_out(&s, dir, "jumbo-udp-uplink-df");
	big_udp(&f, A_MAC, A4, FAR4, 0, 9000 - 28);
	s_chain(&s, PORT_A, 0, 3, full, &f);
	s_out(&s, dir, "jumbo-udp-uplink");
	s_chain(&s, PORT_A, 0x80, 3, full, &f);
	s_chain(&s, PORT_A, 0x10, 3, full, &f);
	s_out(&s, dir, "jumbo-udp-uplink-held");
	s_chain(&s, PORT_A, 0, 4, short_first, &f);
	s_out(&s, dir, "jumbo-udp-uplink-short-first");
	/* 1000 bytes of UDP and 4000 after them: routed from the first
	 * buffer, trimmed. */
	big_udp(&f, A_MAC, A4, FAR4, 0x4000, 1000 - 28);
	fill(&f, 4000, 0xab);
	s_chain(&s, PORT_A, 0, 2, full, &f);
	s_out(&s, dir, "udp-uplink-trailing-bytes");
	/* Partial UDP between namespaces: B learned from a small frame, then
	 * A's 9000-byte frame to it, switched (checksum completed across
	 * buffers); one to a MAC no port has, flooded. */
	eth(&g, A_MAC, B_MAC);
	v4_udp(&g, PARTIAL, 20);
	s_chain(&s, PORT_B, 0, 1, full, &g);
	eth(&f, B_MAC, A_MAC);
	v4_udp(&f, PARTIAL, 9000 - 28);
	s_chain(&s, PORT_A, 0, 3, full, &f);
	s_out(&s, dir, "jumbo-l2-a-to-b");
	eth(&f, (const uint8_t[6]){ 0x02, 0, 0, 0, 0, 0x99 }, A_MAC);
	v4_udp(&f, PARTIAL, 8000 - 28);
	s_chain(&s, PORT_A, 0, 3, full, &f);
	s_out(&s, dir, "jumbo-l2-flood");
	/* From the uplink, whose program takes one buffer: dropped. */
	in_udp(&f, 20000, 0, 1500 - 28);
	s_chain(&s, UPLINK, 0, 2, (const unsigned[1]){ 600 }, &f);
	s_out(&s, dir, "uplink-two-buffers");
}

int main(int argc, char **argv)
{
	struct frame f;
	size_t ip, l4;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: %s FRAME-DIR [NAT-DIR [SEGS-DIR]]\n", argv[0]);
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
	/* With a routing header, the pseudo-header holds the final
	 * destination (RFC 8200 8.1), not the header's: a segment routing
	 * header's first entry, type 0's last; type 3's layout is not known,
	 * so that checksum is left alone. The sum is taken with the final
	 * one in the header, which then gets the first hop. */
	{
		static const uint8_t HOP6[16] = { 0xfd, 0x42, 0x99, [15] = 9 };
		uint8_t list[32];
		static const struct { const char *name; uint8_t type; unsigned final; } rh[] = {
			{ "udp6-srh-partial", 4, 0 },
			{ "udp6-rh0-partial", 0, 1 },
			{ "udp6-rh3-partial", 3, 0 },
		};

		for (size_t k = 0; k < sizeof(rh) / sizeof(rh[0]); k++) {
			memcpy(list + 16 * rh[k].final, B6, 16);
			memcpy(list + 16 * (1 - rh[k].final), HOP6, 16);
			eth(&f, B_MAC, A_MAC);
			ip = ip6(&f, 43, A6, B6, 64);
			ext_routing(&f, 17, rh[k].type, list, 2);
			l4 = udp(&f, 5353, 53, 16);
			ip6_done(&f, ip);
			/* type 3: summed with the header's, which a switch
			 * that knew no better would take, and finish wrongly */
			if (rh[k].type == 3)
				memcpy(f.b + ip + 24, HOP6, 16);
			l4_csum(&f, ip, 1, l4, 17, 6, PARTIAL);
			memcpy(f.b + ip + 24, HOP6, 16);
			out(&f, rh[k].name);
		}
	}
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

	/* The NAT's frames alone too: for fuzz_frame they are unrouted. */
	out_tcp(&f, A_MAC, A4, FAR4, 20001, 80, 0x02, PARTIAL);
	out(&f, "nat-out-tcp-syn-partial");
	out_udp(&f, A_MAC, A4, OUT4, 40000, 53, PARTIAL);
	out(&f, "nat-out-udp-partial");
	out_echo(&f, A_MAC, A4, FAR4, 20005);
	out(&f, "nat-out-echo");
	in_error(&f, FAR4, 3, 3, 17, FAR4, 20011, 53, 64);
	out(&f, "nat-in-error-port-unreachable");

	printf("%d frames in %s\n", written, outdir);
	if (argc >= 3) {
		written = 0;
		nat_seqs(argv[2]);
		printf("%d sequences in %s\n", written, argv[2]);
	}
	if (argc == 4) {
		written = 0;
		segs_seqs(argv[3]);
		printf("%d sequences in %s\n", written, argv[3]);
	}
	return 0;
}
