/* SPDX-License-Identifier: MIT */
/* gw_handle: the gateway's answers (ARP, pings, neighbour discovery) on
 * frames built byte by byte (pkt_frames.c), their checksums verified
 * with an independent reference. Every frame handed to the code under
 * test lives in a heap buffer of exactly its length, so ASan reports
 * any read past data+len. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt_frames.h"

#define CHECK_NAME "gateway"
#include "check.h"

/* --- gateway tests ----------------------------------------------------- */

static struct gw GW;

static enum gw_result gw_run(uint8_t *h, uint32_t len, uint32_t room, uint32_t *rl, struct gw_stats *st)
{
	struct pkt p;
	pkt_parse(h, len, &p);
	return gw_handle(&GW, &p, room, rl, st);
}

/* Run the gateway on a heap copy; checks and frees are the caller's. */
static uint8_t *gw_copy(const struct fr *f, uint32_t len, uint32_t room, enum gw_result *res, uint32_t *rl,
			struct gw_stats *st)
{
	uint8_t *h = malloc(room);
	memcpy(h, f->b, len);
	*res = gw_run(h, len, room, rl, st);
	return h;
}

static void test_gw_arp(void)
{
	struct fr f;
	struct gw_stats st = { 0 };
	enum gw_result res;
	uint32_t rl;
	uint8_t *h;

	mk_arp(&f, BCAST, 1, H_V4, GW_V4, 0);
	h = gw_copy(&f, 42, 42, &res, &rl, &st);
	uint8_t want[42] = { 0 };
	memcpy(want, H_MAC, 6); memcpy(want + 6, GW_MAC, 6); put16(want + 12, 0x0806);
	put16(want + 14, 1); put16(want + 16, 0x0800); want[18] = 6; want[19] = 4; put16(want + 20, 2);
	memcpy(want + 22, GW_MAC, 6); memcpy(want + 28, GW_V4, 4); memcpy(want + 32, H_MAC, 6); memcpy(want + 38, H_V4, 4);
	check(res == GW_REPLY && rl == 42 && memcmp(h, want, 42) == 0 && st.arp_replies == 1,
	      "gw ARP request -> exact reply bytes", "res=%d rl=%u", res, rl);
	free(h);

	mk_arp(&f, BCAST, 1, H_V4, GW_V4, 0);
	f.len = 60;
	h = gw_copy(&f, 60, 60, &res, &rl, &st);
	check(res == GW_REPLY && rl == 42 && memcmp(h, want, 42) == 0, "gw ARP request with padding -> 42 B",
	      "res=%d rl=%u", res, rl);
	free(h);

	mk_arp(&f, BCAST, 1, H_V4, GW_V4, 1);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_REPLY && rl == 46 && get16(h + 12) == 0x8100 && get16(h + 16) == 0x0806 &&
		      memcmp(h + 18, want + 14, 28) == 0,
	      "gw ARP request on a VLAN -> tagged reply", "res=%d rl=%u", res, rl);
	free(h);

	mk_arp(&f, GW_MAC, 1, H_V4, GW_V4, 0);
	h = gw_copy(&f, 42, 42, &res, &rl, &st);
	check(res == GW_REPLY && memcmp(h, want, 42) == 0, "gw unicast ARP request -> reply", "res=%d", res);
	free(h);

	struct gw_stats before = st;
	mk_arp(&f, BCAST, 1, H_V4, H2_V4, 0);
	h = gw_copy(&f, 42, 42, &res, &rl, &st);
	check(res == GW_NOT_MINE && memcmp(h, f.b, 42) == 0, "gw ARP for another IP -> NOT_MINE", "res=%d", res);
	free(h);
	mk_arp(&f, BCAST, 1, H_V4, H_V4, 0);
	h = gw_copy(&f, 42, 42, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw gratuitous ARP -> NOT_MINE", "res=%d", res);
	free(h);
	mk_arp(&f, BCAST, 2, GW_V4, GW_V4, 0);
	h = gw_copy(&f, 42, 42, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw gratuitous ARP claiming the gateway IP -> NOT_MINE", "res=%d", res);
	free(h);
	mk_arp(&f, GW_MAC, 2, H_V4, GW_V4, 0);
	h = gw_copy(&f, 42, 42, &res, &rl, &st);
	check(res == GW_CONSUMED, "gw ARP reply to the gateway -> CONSUMED", "res=%d", res);
	free(h);
	mk_arp(&f, H2_MAC, 1, H_V4, GW_V4, 0);
	h = gw_copy(&f, 42, 42, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw ARP for gateway to another MAC -> NOT_MINE", "res=%d", res);
	free(h);
	GW.has_v4 = 0;
	mk_arp(&f, BCAST, 1, H_V4, GW_V4, 0);
	h = gw_copy(&f, 42, 42, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw without v4 ignores ARP", "res=%d", res);
	free(h);
	GW.has_v4 = 1;
	check(st.arp_replies == before.arp_replies && st.bad == 0, "gw ARP counters", "arp=%llu bad=%llu",
	      (unsigned long long)st.arp_replies, (unsigned long long)st.bad);
}

static void test_gw_icmp(void)
{
	struct fr f;
	struct gw_stats st = { 0 };
	enum gw_result res;
	uint32_t rl;
	uint8_t *h;

	mk4(&f, 0, 0, K_ICMP, 37, GW_MAC, GW_V4);
	f.b[14 + 8] = 3; /* TTL */
	put16(f.b + 24, 0);
	put16(f.b + 24, (uint16_t)~ref_fold(ref_sum(f.b + 14, 20)));
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	uint8_t *ip = h + 14, *ic = h + 34;
	check(res == GW_REPLY && rl == f.len && st.echo_replies == 1, "gw echo request -> reply", "res=%d rl=%u", res, rl);
	check(memcmp(h, H_MAC, 6) == 0 && memcmp(h + 6, GW_MAC, 6) == 0 && memcmp(ip + 12, GW_V4, 4) == 0 &&
		      memcmp(ip + 16, H_V4, 4) == 0,
	      "gw echo reply swaps MACs and IPs", "%s", "-");
	check(ip[8] == 64 && ref_fold(ref_sum(ip, 20)) == 0xffff && get16(ip + 2) == f.len - 14,
	      "gw echo reply TTL 64, valid IPv4 header checksum", "ttl=%u", ip[8]);
	check(ic[0] == 0 && ic[1] == 0 && ref_fold(ref_sum(ic, f.len - 34)) == 0xffff &&
		      memcmp(ic + 4, f.b + 38, f.len - 38) == 0,
	      "gw echo reply type 0, valid ICMP checksum, same id/seq/payload", "type=%u", ic[0]);
	free(h);

	/* with Ethernet padding and IP options */
	mk4(&f, 0, 8, K_ICMP, 2, GW_MAC, GW_V4);
	uint32_t dlen = f.len;
	f.len = 64;
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_REPLY && rl == dlen && ref_fold(ref_sum(h + 14, 28)) == 0xffff &&
		      ref_fold(ref_sum(h + 42, dlen - 42)) == 0xffff,
	      "gw echo with IP options and padding", "res=%d rl=%u want %u", res, rl, dlen);
	free(h);

	mk4(&f, 0, 0, K_ICMP, 8, H2_MAC, GW_V4);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_NOT_MINE && memcmp(h, f.b, f.len) == 0, "gw echo to gateway IP, other MAC -> NOT_MINE",
	      "res=%d", res);
	free(h);
	mk4(&f, 0, 0, K_ICMP, 8, GW_MAC, H2_V4);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw echo to another IP -> NOT_MINE", "res=%d", res);
	free(h);
	uint64_t bad0 = st.bad;
	mk4(&f, 0, 0, K_UDP, 8, GW_MAC, GW_V4);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0, "gw UDP to gateway -> CONSUMED", "res=%d", res);
	free(h);
	mk4(&f, 0, 0, K_TCP, 8, GW_MAC, GW_V4);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0, "gw TCP to gateway -> CONSUMED", "res=%d", res);
	free(h);
	mk4(&f, 0, 0, K_ICMP, 8, GW_MAC, GW_V4);
	put_ip4(&f, 0, 1, H_V4, GW_V4, 16, 0x2000);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0, "gw fragment to gateway -> CONSUMED", "res=%d", res);
	free(h);
	mk4(&f, 0, 0, K_ICMP, 0, GW_MAC, GW_V4);
	put_echo(f.b + 34, 0, 0); /* echo reply to us */
	ref_fill_l4(f.b + 14, 0, 1, f.b + 34, 8);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0, "gw echo reply to gateway -> CONSUMED", "res=%d", res);
	free(h);

	mk4(&f, 0, 0, K_ICMP, 0, GW_MAC, GW_V4);
	put_ip4(&f, 0, 1, H_V4, GW_V4, 4, 0);
	h = gw_copy(&f, 38, 38, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0 + 1, "gw truncated echo -> CONSUMED + bad", "res=%d bad=%llu",
	      res, (unsigned long long)st.bad);
	free(h);
	mk4(&f, 0, 0, K_ICMP, 8, GW_MAC, GW_V4);
	f.b[40] ^= 1;
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0 + 2, "gw echo with bad ICMP checksum -> CONSUMED + bad",
	      "res=%d", res);
	free(h);
	/* No answer to a source that is not one host's (RFC 1122 3.2.1.3),
	 * nor to the subnet's broadcast address (RFC 1812 5.3.7). */
	static const uint8_t not_one[][4] = { { 0, 0, 0, 0 }, { 0, 1, 2, 3 }, { 127, 0, 0, 1 },
					      { 224, 0, 0, 1 }, { 240, 0, 0, 1 }, { 10, 0, 0, 255 } };
	for (size_t i = 0; i < sizeof(not_one) / sizeof(not_one[0]); i++) {
		uint64_t bad1 = st.bad;

		mk4(&f, 0, 0, K_ICMP, 8, GW_MAC, GW_V4);
		put_ip4(&f, 0, 1, not_one[i], GW_V4, 16, 0);
		h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
		check(res == GW_CONSUMED && st.bad == bad1 + 1, "gw echo from a source not one host's -> CONSUMED + bad",
		      "%u.%u.%u.%u: res=%d", not_one[i][0], not_one[i][1], not_one[i][2], not_one[i][3], res);
		free(h);
	}
	GW.has_v4 = 0;
	mk4(&f, 0, 0, K_ICMP, 8, GW_MAC, GW_V4);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw without v4 ignores echo", "res=%d", res);
	GW.has_v4 = 1;
	free(h);
	check(st.echo_replies == 2, "gw echo counter", "%llu", (unsigned long long)st.echo_replies);

	/* gw_src_one_host: the gateway's own address (10.0.0.1), and the
	 * subnet's broadcast address at any prefix that has one (none at
	 * /31 and /32). */
	static const struct {
		uint8_t plen, src[4];
		bool ok;
	} srcs[] = {
		{ 24, { 10, 0, 0, 255 }, false }, { 24, { 10, 0, 1, 255 }, true },
		{ 24, { 10, 0, 0, 254 }, true },  { 16, { 10, 0, 255, 255 }, false },
		{ 16, { 10, 0, 0, 255 }, true },  { 30, { 10, 0, 0, 3 }, false },
		{ 31, { 10, 0, 0, 0 }, true },    { 32, { 10, 0, 0, 2 }, true },
		{ 8, { 10, 255, 255, 255 }, false }, { 24, { 127, 0, 0, 2 }, false },
		{ 24, { 10, 0, 0, 1 }, false },  { 32, { 10, 0, 0, 1 }, false },
	};
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		GW.v4_plen = srcs[i].plen;
		check(gw_src_one_host(&GW, srcs[i].src) == srcs[i].ok, "gw_src_one_host",
		      "%u.%u.%u.%u with the gateway at /%u: %d", srcs[i].src[0], srcs[i].src[1],
		      srcs[i].src[2], srcs[i].src[3], srcs[i].plen, !srcs[i].ok);
	}
	GW.v4_plen = 24;
}

static void check_na(const uint8_t *h, int dad, const char *what)
{
	const uint8_t *ip = h + 14, *na = h + 54;
	uint8_t all_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	uint8_t all_ip[16] = { 0xff, 0x02, [15] = 1 };
	int ok = memcmp(h, dad ? all_mac : H_MAC, 6) == 0 && memcmp(h + 6, GW_MAC, 6) == 0 &&
		 get16(h + 12) == 0x86dd && ip[0] == 0x60 && get16(ip + 4) == 32 && ip[6] == 58 && ip[7] == 255 &&
		 memcmp(ip + 8, GW_V6, 16) == 0 && memcmp(ip + 24, dad ? all_ip : H_V6, 16) == 0;
	check(ok, what, "ethernet/IPv6 header wrong");
	char n2[160];
	/* No R: the gateway routes no IPv6, and a host that took it for a
	 * router would show it as one (ip -6 neigh: router). */
	snprintf(n2, sizeof(n2), "%s: type 136, flags %s, target, TLLA", what, dad ? "O" : "S|O");
	ok = na[0] == 136 && na[1] == 0 && na[4] == (dad ? 0x20 : 0x60) && na[5] == 0 && na[6] == 0 && na[7] == 0 &&
	     memcmp(na + 8, GW_V6, 16) == 0 && na[24] == 2 && na[25] == 1 && memcmp(na + 26, GW_MAC, 6) == 0;
	check(ok, n2, "flags=%#x opt=%u/%u", na[4], na[24], na[25]);
	snprintf(n2, sizeof(n2), "%s: valid ICMPv6 checksum", what);
	check(ref_l4_ok(ip, 1, 58, na, 32), n2, "check=%#x", get16(na + 2));
}

static void test_gw_v6(void)
{
	struct fr f;
	struct gw_stats st = { 0 };
	enum gw_result res;
	uint32_t rl;
	uint8_t *h;
	static const uint8_t ZERO6[16] = { 0 };

	mk_ns(&f, SN_MAC, H_V6, SN_V6, GW_V6, 1, 255);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_REPLY && rl == 86 && st.nd_adverts == 1, "gw NS to solicited-node -> NA", "res=%d rl=%u",
	      res, rl);
	check_na(h, 0, "gw NA to solicited NS");
	free(h);

	mk_ns(&f, GW_MAC, H_V6, GW_V6, GW_V6, 0, 255);
	h = gw_copy(&f, f.len, 86, &res, &rl, &st);
	check(res == GW_REPLY && rl == 86, "gw unicast NS (no SLLA) -> NA", "res=%d rl=%u", res, rl);
	check_na(h, 0, "gw NA to unicast NS");
	free(h);

	mk_ns(&f, SN_MAC, ZERO6, SN_V6, GW_V6, 0, 255);
	h = gw_copy(&f, f.len, 86, &res, &rl, &st);
	check(res == GW_REPLY && rl == 86, "gw DAD NS -> NA", "res=%d rl=%u", res, rl);
	check_na(h, 1, "gw NA to DAD NS (ff02::1, no S)");
	free(h);

	uint64_t bad0 = st.bad;
	mk_ns(&f, SN_MAC, ZERO6, SN_V6, GW_V6, 0, 255);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0 + 1, "gw NS with no room for NA -> CONSUMED + bad", "res=%d", res);
	free(h);
	mk_ns(&f, SN_MAC, H_V6, SN_V6, OTHER_V6, 1, 255);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_NOT_MINE && memcmp(h, f.b, f.len) == 0, "gw NS for another target -> NOT_MINE", "res=%d", res);
	free(h);
	mk_ns(&f, H2_MAC, H_V6, SN_V6, GW_V6, 1, 255);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw NS to another host's MAC -> NOT_MINE", "res=%d", res);
	free(h);
	mk_ns(&f, SN_MAC, H_V6, SN_V6, GW_V6, 1, 64);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0 + 2, "gw NS with hop limit 64 -> CONSUMED + bad", "res=%d", res);
	free(h);

	/* echo6 */
	mk6(&f, 0, NULL, 0, 0, 58, 21, GW_MAC, H_V6, GW_V6, 9);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	const uint8_t *ip = h + 14, *ic = h + 54;
	check(res == GW_REPLY && rl == f.len && st.echo6_replies == 1, "gw echo6 -> reply", "res=%d rl=%u", res, rl);
	check(memcmp(h, H_MAC, 6) == 0 && memcmp(h + 6, GW_MAC, 6) == 0 && memcmp(ip + 8, GW_V6, 16) == 0 &&
		      memcmp(ip + 24, H_V6, 16) == 0 && ip[7] == 64 && ic[0] == 129 && ic[1] == 0 &&
		      memcmp(ic + 4, f.b + 58, f.len - 58) == 0,
	      "gw echo6 reply: addresses swapped, hop limit 64, type 129, same id/seq/payload", "type=%u", ic[0]);
	check(ref_l4_ok(ip, 1, 58, ic, f.len - 54), "gw echo6 reply: valid ICMPv6 checksum", "%#x", get16(ic + 2));
	free(h);

	/* No answer to a source that is not one host's. */
	static const uint8_t not_one6[][16] = { { 0 }, { [15] = 1 }, { 0xff, 0x02, [15] = 1 },
						  { [10] = 0xff, [11] = 0xff, 10, 0, 0, 2 } };
	for (size_t i = 0; i < sizeof(not_one6) / sizeof(not_one6[0]); i++) {
		uint64_t bad1 = st.bad;

		mk6(&f, 0, NULL, 0, 0, 58, 21, GW_MAC, not_one6[i], GW_V6, 9);
		h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
		check(res == GW_CONSUMED && st.bad == bad1 + 1,
		      "gw echo6 from a source not one host's -> CONSUMED + bad", "source %zu: res=%d", i, res);
		free(h);
	}
	bad0 = st.bad;
	mk_ns(&f, SN_MAC, not_one6[1], SN_V6, GW_V6, 0, 255);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0 + 1, "gw NS from ::1 -> CONSUMED + bad", "res=%d", res);
	free(h);

	mk6(&f, 0, NULL, 0, 0, 58, 21, H2_MAC, H_V6, GW_V6, 9);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw echo6 to other MAC -> NOT_MINE", "res=%d", res);
	free(h);
	mk6(&f, 0, NULL, 0, 0, 17, 21, GW_MAC, H_V6, GW_V6, 9);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0 + 1, "gw UDP6 to gateway -> CONSUMED", "res=%d", res);
	free(h);
	mk6(&f, 0, NULL, 0, 0, 58, 0, GW_MAC, H_V6, GW_V6, 9);
	put16(f.b + 18, 6);
	h = gw_copy(&f, 60, 60, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0 + 2, "gw truncated ICMPv6 to gateway -> CONSUMED + bad", "res=%d",
	      res);
	free(h);

	/* RFC 4861 7.1.1: options of length 0 or past the message, and a
	 * source link-layer address in a DAD probe, make an NS invalid. */
	static const struct {
		const uint8_t *src;
		uint8_t olen;
		const char *what;
	} bad_opts[] = {
		{ H_V6, 0, "gw NS with an option of length 0 -> CONSUMED + bad" },
		{ H_V6, 2, "gw NS with an option past its end -> CONSUMED + bad" },
		{ ZERO6, 1, "gw DAD NS with a source link-layer address -> CONSUMED + bad" },
	};
	for (size_t i = 0; i < sizeof(bad_opts) / sizeof(bad_opts[0]); i++) {
		uint64_t bad1 = st.bad, na1 = st.nd_adverts;

		mk_ns(&f, SN_MAC, bad_opts[i].src, SN_V6, GW_V6, 1, 255);
		f.b[54 + 25] = bad_opts[i].olen;
		ref_fill_l4(f.b + 14, 1, 58, f.b + 54, 32);
		h = gw_copy(&f, f.len, 86, &res, &rl, &st);
		check(res == GW_CONSUMED && st.bad == bad1 + 1 && st.nd_adverts == na1,
		      bad_opts[i].what, "res=%d", res);
		free(h);
	}
	GW.has_v6 = 0;
	mk_ns(&f, SN_MAC, H_V6, SN_V6, GW_V6, 1, 255);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw without v6 ignores NS", "res=%d", res);
	GW.has_v6 = 1;
	free(h);
}

/* An echo request behind extension headers: answered with a plain
 * 40-byte header, as Linux answers it, unless a routing header or an
 * option the gateway must understand is among them; a fragment is not
 * put together, so not answered. */
static void test_gw_echo6_ext(void)
{
	static const struct {
		uint8_t ext[24], len, first;
		enum gw_result res;
		int bad, unanswered;
		const char *what;
	} cases[] = {
		{ { 58, 0, 1, 4 }, 8, 0, GW_REPLY, 0, 0, "gw echo6 after hop-by-hop -> reply" },
		{ { 58, 1, 5, 2, 0, 0, 1, 8 }, 16, 60, GW_REPLY, 0, 0,
		  "gw echo6 after destination options -> reply" },
		{ { 60, 0, 1, 4, 0, 0, 0, 0, 58, 0, 1, 4 }, 16, 0, GW_REPLY, 0, 0,
		  "gw echo6 after hop-by-hop and destination options -> reply" },
		{ { 58, 0, 0, 0 }, 8, 43, GW_CONSUMED, 0, 1,
		  "gw echo6 after a routing header -> CONSUMED, unanswered" },
		{ { 43, 0, 1, 4, 0, 0, 0, 0, 58 }, 16, 0, GW_CONSUMED, 0, 1,
		  "gw echo6 after hop-by-hop and a routing header -> CONSUMED, unanswered" },
		{ { 58, 0, 0x80, 4 }, 8, 0, GW_CONSUMED, 0, 1,
		  "gw echo6 with an option to be understood -> CONSUMED, unanswered" },
		{ { 58, 0, 1, 5 }, 8, 0, GW_CONSUMED, 1, 0,
		  "gw echo6 with an option past its header -> CONSUMED + bad" },
		{ { 0, 0, 1, 4, 0, 0, 0, 0, 58, 0, 1, 4 }, 16, 60, GW_CONSUMED, 1, 0,
		  "gw echo6 with hop-by-hop after another header -> CONSUMED + bad" },
		{ { 58, 0, 0, 1, 0, 0, 0, 7 }, 8, 44, GW_CONSUMED, 0, 1,
		  "gw echo6 in fragments -> CONSUMED, unanswered" },
	};
	struct gw_stats st = { 0 };
	enum gw_result res;
	struct fr f;
	uint32_t rl;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t bad0 = st.bad, un0 = st.unanswered, ok0 = st.echo6_replies;
		uint32_t n = 8 + 21;

		mk6(&f, 0, cases[i].ext, cases[i].len, cases[i].first, 58, 21, GW_MAC, H_V6, GW_V6,
		    9);
		uint8_t *h = gw_copy(&f, f.len, f.len, &res, &rl, &st), *ip = h + 14, *ic = ip + 40;
		check(res == cases[i].res && st.bad == bad0 + (uint64_t)cases[i].bad &&
			      st.unanswered == un0 + (uint64_t)cases[i].unanswered &&
			      st.echo6_replies == ok0 + (res == GW_REPLY),
		      cases[i].what, "res=%d bad=%llu unanswered=%llu", res,
		      (unsigned long long)(st.bad - bad0), (unsigned long long)(st.unanswered - un0));
		if (res == GW_REPLY)
			check(rl == 14 + 40 + n && ip[0] == 0x60 && get16(ip + 4) == n && ip[6] == 58 &&
				      ip[7] == 64 && !memcmp(ip + 8, GW_V6, 16) &&
				      !memcmp(ip + 24, H_V6, 16) && ic[0] == 129 && ic[1] == 0 &&
				      !memcmp(ic + 4, f.b + f.l4 + 4, n - 4) &&
				      ref_l4_ok(ip, 1, 58, ic, n),
			      "and the reply has no extension headers, the request's id, sequence and data",
			      "%s: rl=%u plen=%u nh=%u type=%u", cases[i].what, rl, get16(ip + 4), ip[6],
			      ic[0]);
		free(h);
	}
}

int main(void)
{
	gw_init(&GW);

	test_gw_arp();
	test_gw_icmp();
	test_gw_v6();
	test_gw_echo6_ext();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
