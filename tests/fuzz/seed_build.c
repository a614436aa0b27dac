/* SPDX-License-Identifier: MIT */
/* The seeds' builders: headers with their lengths and checksums, the
 * record encodings of fuzz_nat and fuzz_segs, and the common shapes the
 * three seed sets share (see seed_build.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed_build.h"

const char *outdir;
int written;

void put(struct frame *f, const void *p, size_t n)
{
	if (f->n + n > sizeof(f->b))
		abort();
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

void put8(struct frame *f, unsigned v)
{
	uint8_t b = (uint8_t)v;
	put(f, &b, 1);
}

void put16(struct frame *f, unsigned v)
{
	put8(f, v >> 8);
	put8(f, v);
}

void set16(struct frame *f, size_t off, unsigned v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

void fill(struct frame *f, size_t n, uint8_t start)
{
	while (n--)
		put8(f, start++);
}

uint32_t sum(uint32_t s, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)b[i] << 8 | (i + 1 < n ? b[i + 1] : 0);
	return s;
}

uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

void eth(struct frame *f, const uint8_t *dst, const uint8_t *src)
{
	f->n = 0;
	put(f, dst, 6);
	put(f, src, 6);
}

/* 802.1Q (0x8100) or 802.1ad (0x88a8) tag; the ethertype follows. */
void vlan(struct frame *f, unsigned tpid, unsigned vid)
{
	put16(f, tpid);
	put16(f, vid);
}

/* IPv4 header with optlen bytes of options (NOP...EOL); returns its
 * offset. Length and checksum are set by ip4_done(). */
size_t ip4(struct frame *f, uint8_t proto, const uint8_t *src,
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

void ip4_done(struct frame *f, size_t ip)
{
	size_t hl = (size_t)(f->b[ip] & 15) * 4;

	set16(f, ip + 2, (unsigned)(f->n - ip));
	set16(f, ip + 10, 0);
	set16(f, ip + 10, (uint16_t)~fold(sum(0, f->b + ip, hl)));
}

size_t ip6(struct frame *f, uint8_t nh, const uint8_t *src,
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
void ext_opts(struct frame *f, uint8_t nh)
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
void ext_routing(struct frame *f, uint8_t nh, uint8_t type, const uint8_t *list, unsigned n)
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

void ip6_done(struct frame *f, size_t ip)
{
	set16(f, ip + 4, (unsigned)(f->n - ip - 40));
}

/* Checksum of the TCP/UDP/ICMPv6 at l4 (to the end of the frame so far),
 * field at l4 + csum_off; ICMPv4 has no pseudo-header. */
void l4_csum(struct frame *f, size_t ip, int v6, size_t l4, uint8_t proto,
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

size_t tcp(struct frame *f, unsigned sport, unsigned dport, uint8_t flags,
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

size_t udp(struct frame *f, unsigned sport, unsigned dport, size_t payload)
{
	size_t off = f->n;

	put16(f, sport);
	put16(f, dport);
	put16(f, (unsigned)(8 + payload));
	put16(f, 0);
	fill(f, payload, 'A');
	return off;
}

size_t icmp_echo(struct frame *f, uint8_t type, size_t payload)
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

void arp(struct frame *f, unsigned op, const uint8_t *sha, const uint8_t *spa,
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
size_t ns(struct frame *f, const uint8_t *target, const uint8_t *slla)
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

void pad(struct frame *f, size_t min)
{
	while (f->n < min)
		put8(f, 0);
}

void out(const struct frame *f, const char *name)
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
void v4_echo(struct frame *f, size_t opts, size_t payload)
{
	size_t ip = ip4(f, 1, A4, GW4, opts, 0x4000);
	size_t l4 = icmp_echo(f, 8, payload);
	ip4_done(f, ip);
	l4_csum(f, ip, 0, l4, 1, 2, FULL);
}

void v4_tcp(struct frame *f, size_t opts, enum csum mode, size_t payload)
{
	size_t ip = ip4(f, 6, A4, B4, opts, 0x4000);
	size_t l4 = tcp(f, 40000, 80, 0x02, payload);
	ip4_done(f, ip);
	l4_csum(f, ip, 0, l4, 6, 16, mode);
}

void v4_udp(struct frame *f, enum csum mode, size_t payload)
{
	size_t ip = ip4(f, 17, A4, B4, 0, 0x4000);
	size_t l4 = udp(f, 5353, 53, payload);
	ip4_done(f, ip);
	l4_csum(f, ip, 0, l4, 17, 6, mode);
}

void s_byte(struct seq *s, unsigned v)
{
	if (s->n == sizeof(s->b))
		abort();
	s->b[s->n++] = (uint8_t)v;
}

/* A frame received on an L2 port (0-2) or the uplink. */
void s_frame(struct seq *s, int port, const struct frame *f)
{
	s_byte(s, port == UPLINK ? 1 : (unsigned)port << 3);
	s_byte(s, (unsigned)f->n >> 8);
	s_byte(s, (unsigned)f->n);
	for (size_t i = 0; i < f->n; i++)
		s_byte(s, f->b[i]);
}

void s_answer(struct seq *s, unsigned flags) { s_byte(s, 2); s_byte(s, flags); }
void s_error(struct seq *s, unsigned kind, unsigned quote)
{
	s_byte(s, 3);
	s_byte(s, kind);
	s_byte(s, quote);
}
void s_clock(struct seq *s, unsigned log2_ns) { s_byte(s, 4); s_byte(s, log2_ns); }
void s_neigh(struct seq *s, unsigned v) { s_byte(s, 5); s_byte(s, v); }
void s_burst(struct seq *s, unsigned v) { s_byte(s, 6); s_byte(s, v); }

void s_out(struct seq *s, const char *dir, const char *name)
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
void to_gw(struct frame *f, const uint8_t *mac)
{
	eth(f, GW_MAC, mac);
}

void ttl(struct frame *f, size_t ip, unsigned t)
{
	f->b[ip + 8] = (uint8_t)t;
	ip4_done(f, ip);
}

size_t out_tcp(struct frame *f, const uint8_t *mac, const uint8_t *src,
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

size_t out_udp(struct frame *f, const uint8_t *mac, const uint8_t *src,
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

size_t out_echo(struct frame *f, const uint8_t *mac, const uint8_t *src,
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
void ttl1_icmp(struct frame *f, const uint8_t *mac, const uint8_t *src, uint8_t type,
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
void big_udp(struct frame *f, const uint8_t *mac, const uint8_t *src, const uint8_t *dst,
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
void in_udp(struct frame *f, unsigned dport, unsigned frag, size_t payload)
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
int fragments(struct frame fr[4], const uint8_t *dmac, const uint8_t *smac, uint8_t proto,
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
size_t in_hdr(struct frame *f, uint8_t proto, const uint8_t *src)
{
	eth(f, UP_MAC, NH_MAC);
	return ip4(f, proto, src, EXT4, 0, 0x4000);
}

/* An ICMP error from src to the uplink quoting what the NAT sent: an
 * IPv4 header from the uplink address to dst and the first l4n bytes
 * of its L4 (whole = all of it, with a valid checksum). */
void in_error(struct frame *f, const uint8_t *src, unsigned type, unsigned code,
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

void arp_for(struct frame *f, const uint8_t *mac, const uint8_t *ip)
{
	eth(f, BCAST, mac);
	arp(f, 1, mac, ip, ZERO6, GW4);
	pad(f, 60);
}

void arp_reply_to_gw(struct frame *f, const uint8_t *mac, const uint8_t *ip)
{
	eth(f, GW_MAC, mac);
	arp(f, 2, mac, ip, GW_MAC, GW4);
	pad(f, 60);
}
