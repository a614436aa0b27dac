/* SPDX-License-Identifier: MIT */
/* NAT: datagrams in fragments, each translated as it comes, and
 * nat_frag.c's table of the datagrams under way, through the public
 * interface (nat_frames.c). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nat_frag.h"

#include "nat_frames.h"

#define CHECK_NAME "nat_frag"
#include "check.h"

/* --- fragments ------------------------------------------------------ */

#define FRAG_MAX 16

/* Cut the IPv4 datagram in frame w (len bytes, 20-byte header) into
 * frames of at most mtu IP bytes, as a sender's stack does; id is the
 * IP id of all of them. Returns how many. */
static int fragment(const uint8_t *w, uint32_t len, uint32_t mtu, uint16_t id,
		    uint8_t out[FRAG_MAX][1600], uint32_t olen[FRAG_MAX])
{
	uint32_t data = len - 34, chunk = (mtu - 20) & ~7u, off = 0;
	int n = 0;

	while (off < data && n < FRAG_MAX) {
		uint32_t take = data - off > chunk ? chunk : data - off;
		uint8_t *ip = out[n] + 14;

		memcpy(out[n], w, 34);
		memcpy(ip + 20, w + 34 + off, take);
		wr16(ip + 2, (uint16_t)(20 + take));
		wr16(ip + 4, id);
		wr16(ip + 6, (uint16_t)((off + take < data ? 0x2000 : 0) | off / 8));
		wr16(ip + 10, 0);
		wr16(ip + 10, ip_csum_calc(ip));
		olen[n++] = 14 + 20 + take;
		off += take;
	}
	return n;
}

/* The fragments' payloads put back together behind the first one's
 * header, into w: what the receiver's stack reassembles. */
static uint32_t reassemble(uint8_t fr[FRAG_MAX][1600], const uint32_t *flen, int n, uint8_t *w)
{
	uint32_t len = 34;

	memcpy(w, fr[0], 34);
	for (int i = 0; i < n; i++) {
		memcpy(w + len, fr[i] + 34, flen[i] - 34);
		len += flen[i] - 34;
	}
	wr16(w + 16, (uint16_t)(len - 14));
	wr16(w + 20, 0);
	wr16(w + 24, 0);
	wr16(w + 24, ip_csum_calc(w + 14));
	return len;
}

/* Every fragment of a datagram through the NAT, each checked: dir 0 out,
 * 1 in. Returns how many were translated; *bad says what went wrong. */
static int frags_through(struct nat *nat, uint8_t fr[FRAG_MAX][1600], const uint32_t *flen,
			 int n, int dir, uint64_t now, uint32_t want_addr, char *bad, size_t blen)
{
	int ok = 0;

	for (int i = 0; i < n; i++) {
		uint32_t ii = 0;
		enum nat_verdict v = dir ? xin(nat, fr[i], flen[i], now, &ii) :
					   xout(nat, fr[i], flen[i], now);
		uint8_t *ip = fr[i] + 14;

		if (v != NAT_OK) {
			snprintf(bad, blen, "fragment %d: verdict %d", i, v);
			continue;
		}
		if ((dir ? f_dst(fr[i]) : f_src(fr[i])) != want_addr || (dir && ii != want_addr)) {
			snprintf(bad, blen, "fragment %d: address %08x", i,
				 dir ? f_dst(fr[i]) : f_src(fr[i]));
			continue;
		}
		if (rd16(ip + 10) != ip_csum_calc(ip)) {
			snprintf(bad, blen, "fragment %d: ip csum", i);
			continue;
		}
		ok++;
	}
	return ok;
}

static void test_fragments(void)
{
	struct nat_cfg c = base_cfg();
	struct nat *nat = nat_new(&c);
	static uint8_t w[4096], fr[FRAG_MAX][1600], back[4096];
	uint32_t flen[FRAG_MAX], l, ii;
	char bad[96] = "", why[96] = "";
	int n, ok;

	/* A 3000-byte UDP datagram out: the first fragment by its
	 * connection, the two later ones as it. */
	struct frm f = { .proto = P_UDP, .src = IP(10, 0, 0, 2), .dst = SRV, .sport = 5353,
			 .dport = 9, .payload = 3000 };
	l = build(w, &f);
	n = fragment(w, l, 1500, 0x4242, fr, flen);
	ok = frags_through(nat, fr, flen, n, 0, SEC, EXT, bad, sizeof(bad));
	l = reassemble(fr, flen, n, back);
	uint16_t ext = f_sport(back);
	bool whole = csums_ok(back, why, sizeof(why)) && !memcmp(back + 42, w + 42, 3000);
	check(n == 3 && ok == 3 && whole && nat_port_reserved(nat, ext) &&
		      nat_stats(nat)->frag_first == 1 && nat_stats(nat)->frag_later == 2 &&
		      nat_stats(nat)->out_packets == 3,
	      "a UDP datagram in 3 fragments out: each from the uplink's address, reassembled with the external port and a valid checksum",
	      "n %d ok %d %s %s port %u", n, ok, bad, why, ext);

	/* An ICMP error quoting its first fragment (as it left) finds the
	 * connection; one quoting a later fragment has no ports to find it
	 * by. */
	uint8_t qf[28], ql[28], eb[256];
	memcpy(qf, fr[0] + 14, 28);
	memcpy(ql, fr[1] + 14, 28);
	wr16(ql + 20, ext), wr16(ql + 22, 9); /* data that looks like its ports */
	struct frm qe = { .proto = P_ICMP, .type = 3, .code = 3, .src = ROUTER, .dst = EXT,
			  .quote = qf, .qlen = 28 };
	l = build(eb, &qe);
	enum nat_verdict v = xin(nat, eb, l, SEC, &ii);
	uint8_t *quoted = l4of(eb) + 8;
	check(v == NAT_OK && ii == IP(10, 0, 0, 2) && rd32(quoted + 12) == IP(10, 0, 0, 2) &&
		      rd16(quoted + 20) == 5353 && csums_ok(eb, why, sizeof(why)),
	      "an ICMP error quoting a first fragment: back to the namespace, quote translated",
	      "v %d %08x %s", v, ii, why);
	qe.quote = ql;
	l = build(eb, &qe);
	v = xin(nat, eb, l, SEC, &ii);
	check(v == NAT_DROP_NO_MATCH, "an ICMP error quoting a later fragment: NO_MATCH", "v %d", v);

	/* Its answer, in fragments too, goes back to the namespace. */
	struct frm r = { .proto = P_UDP, .src = SRV, .dst = EXT, .sport = 9, .dport = ext,
			 .payload = 2500 };
	l = build(w, &r);
	n = fragment(w, l, 1500, 0x0707, fr, flen);
	uint8_t last[1600];
	uint32_t last_len = flen[n - 1];
	memcpy(last, fr[n - 1], last_len);
	ok = frags_through(nat, fr, flen, n, 1, 2 * SEC, IP(10, 0, 0, 2), bad, sizeof(bad));
	l = reassemble(fr, flen, n, back);
	whole = csums_ok(back, why, sizeof(why)) && !memcmp(back + 42, w + 42, 2500);
	check(n == 2 && ok == 2 && whole && f_dport(back) == 5353 && nat_stats(nat)->frag_later == 3,
	      "its answer in 2 fragments in: each to the namespace, reassembled with its port and a valid checksum",
	      "n %d ok %d %s %s port %u", n, ok, bad, why, f_dport(back));

	/* Gone once the last fragment went: a copy of it finds nothing. */
	uint64_t unsol = nat_stats(nat)->drop_no_match;
	v = xin(nat, last, last_len, 2 * SEC, &ii);
	uint64_t nofirst = nat_stats(nat)->drop_frag_no_first;
	check(v == NAT_DROP_NO_MATCH && nofirst == 1 && nat_stats(nat)->drop_no_match == unsol,
	      "a later fragment after its datagram's last one: NO_MATCH, counted as such, not as unsolicited",
	      "v %d n %llu", v, (unsigned long long)nofirst);

	/* Reordered after its first: first, last, then the middle one, which
	 * still finds the datagram; once every byte has come, a copy of
	 * the middle one finds nothing. */
	f.payload = 4000;
	l = build(w, &f);
	n = fragment(w, l, 1500, 0x6161, fr, flen);
	uint32_t mid_len = flen[1];
	uint8_t mid[1600];
	memcpy(mid, fr[1], mid_len);
	enum nat_verdict r0 = xout(nat, fr[0], flen[0], 3 * SEC);
	enum nat_verdict r2 = xout(nat, fr[2], flen[2], 3 * SEC);
	enum nat_verdict r1 = xout(nat, fr[1], flen[1], 3 * SEC);
	check(n == 3 && r0 == NAT_OK && r2 == NAT_OK && r1 == NAT_OK && f_src(fr[1]) == EXT,
	      "a datagram's middle fragment after its last one: translated as the first was",
	      "n %d verdicts %d %d %d src %08x", n, r0, r2, r1, f_src(fr[1]));
	nofirst = nat_stats(nat)->drop_frag_no_first;
	v = xout(nat, mid, mid_len, 3 * SEC);
	check(v == NAT_DROP_NO_MATCH && nat_stats(nat)->drop_frag_no_first == nofirst + 1,
	      "and once all its bytes have come, a copy of one finds nothing", "v %d", v);
	f.payload = 3000;

	/* A later fragment before its first (another id), then the first:
	 * the early one is dropped untouched, the first goes. */
	l = build(w, &f);
	n = fragment(w, l, 1500, 0x5151, fr, flen);
	memcpy(back, fr[1], flen[1]);
	v = xout(nat, fr[1], flen[1], 3 * SEC);
	enum nat_verdict v1 = xout(nat, fr[0], flen[0], 3 * SEC);
	check(v == NAT_DROP_NO_MATCH && !memcmp(back, fr[1], flen[1]) && v1 == NAT_OK &&
		      nat_stats(nat)->drop_frag_no_first == 3,
	      "a later fragment before its first: NO_MATCH, untouched; the first then goes",
	      "v %d %d", v, v1);

	/* A datagram's memory lasts 30 s, as the Linux stack's reassembly. */
	memcpy(back, fr[2], flen[2]);
	v = xout(nat, fr[2], flen[2], 3 * SEC + 29 * SEC);
	v1 = xout(nat, back, flen[2], 3 * SEC + 31 * SEC);
	check(v == NAT_OK && v1 == NAT_DROP_NO_MATCH,
	      "a later fragment 29 s after its first: translated; 31 s after: NO_MATCH", "v %d %d",
	      v, v1);

	/* The same id from another namespace, or coming in, belongs to
	 * another datagram. */
	l = build(w, &f);
	n = fragment(w, l, 1500, 0x6161, fr, flen);
	v = xout(nat, fr[0], flen[0], 40 * SEC);
	f.src = IP(10, 0, 0, 3);
	l = build(w, &f);
	n = fragment(w, l, 1500, 0x6161, fr, flen);
	v1 = xout(nat, fr[1], flen[1], 40 * SEC);
	f.src = IP(10, 0, 0, 2);
	r.dport = ext;
	l = build(w, &r);
	n = fragment(w, l, 1500, 0x6161, fr, flen);
	enum nat_verdict v2 = xin(nat, fr[1], flen[1], 40 * SEC, &ii);
	check(v == NAT_OK && v1 == NAT_DROP_NO_MATCH && v2 == NAT_DROP_NO_MATCH,
	      "the same id from another namespace, or coming in, is another datagram", "v %d %d %d",
	      v, v1, v2);

	/* A first fragment too short for its UDP header: BAD. */
	l = build(w, &f);
	n = fragment(w, l, 1500, 0x7171, fr, flen);
	wr16(fr[0] + 16, 20 + 4);
	wr16(fr[0] + 24, 0);
	wr16(fr[0] + 24, ip_csum_calc(fr[0] + 14));
	v = xout(nat, fr[0], 14 + 24, 41 * SEC);
	check(v == NAT_DROP_BAD, "a first fragment cut inside its UDP header: BAD", "v %d", v);

	/* An unsolicited fragmented datagram: its first finds no
	 * connection, so its later ones find no first. */
	struct frm u = { .proto = P_UDP, .src = SRV2, .dst = EXT, .sport = 9, .dport = 40998,
			 .payload = 2000 };
	l = build(w, &u);
	n = fragment(w, l, 1500, 0x0808, fr, flen);
	v = xin(nat, fr[0], flen[0], 42 * SEC, &ii);
	v1 = xin(nat, fr[1], flen[1], 42 * SEC, &ii);
	check(v == NAT_DROP_NO_MATCH && v1 == NAT_DROP_NO_MATCH,
	      "an unsolicited datagram's fragments: NO_MATCH, first and later", "v %d %d", v, v1);

	/* ping -s 3000: the echo id in the first fragment. */
	struct frm e = { .proto = P_ICMP, .type = 8, .src = IP(10, 0, 0, 4), .dst = SRV,
			 .sport = 777, .payload = 3000 };
	l = build(w, &e);
	n = fragment(w, l, 1500, 0x0909, fr, flen);
	ok = frags_through(nat, fr, flen, n, 0, 43 * SEC, EXT, bad, sizeof(bad));
	l = reassemble(fr, flen, n, back);
	check(n == 3 && ok == 3 && csums_ok(back, why, sizeof(why)) &&
		      nat_port_reserved(nat, f_sport(back)),
	      "an echo request in 3 fragments out: a reserved id, a valid ICMP checksum",
	      "n %d ok %d %s %s id %u", n, ok, bad, why, f_sport(back));

	/* An ICMP error is never fragmented by a router (RFC 1812: at most
	 * 576 bytes): one that is, is refused. */
	uint8_t q[28];
	memcpy(q, w + 14, 20);
	memcpy(q + 20, w + 34, 8);
	struct frm err = { .proto = P_ICMP, .type = 3, .code = 3, .src = ROUTER, .dst = EXT,
			   .quote = q, .qlen = 28, .frag = 0x2000 };
	l = build(w, &err);
	v = xin(nat, w, l, 44 * SEC, &ii);
	check(v == NAT_DROP_UNSUPPORTED, "a fragmented ICMP error: UNSUPPORTED", "v %d", v);
	nat_free(nat);
}

/* nat_frag.c's table alone, with hashes chosen to fill one set. */
static void test_frag_table(void)
{
	static struct nat_frags t;
	struct nat_frag_key k[NAT_FRAG_WAYS + 2];
	const uint64_t h = 7ull << 32;
	int i, found = 0;

	for (i = 0; i < NAT_FRAG_WAYS + 2; i++)
		k[i] = (struct nat_frag_key){ 0x0a000002, SRV, (uint16_t)(100 + i), P_UDP, 0 };
	/* Four datagrams fill the set; a fifth gives up the one closest to
	 * expiring (the oldest), not another. */
	for (i = 0; i < NAT_FRAG_WAYS; i++)
		nat_frag_note(&t, h, &k[i], (uint32_t)i, 8, (uint64_t)(i + 1) * SEC);
	nat_frag_note(&t, h, &k[NAT_FRAG_WAYS], 99, 8, 10 * SEC);
	for (i = 1; i <= NAT_FRAG_WAYS; i++)
		found += nat_frag_find(&t, h, &k[i], 10 * SEC) != NULL;
	check(!nat_frag_find(&t, h, &k[0], 10 * SEC) && found == NAT_FRAG_WAYS,
	      "a full set gives up its oldest datagram for a new one", "found %d", found);
	/* A datagram noted again takes its own entry, not a second one. */
	nat_frag_note(&t, h, &k[1], 42, 8, 11 * SEC);
	struct nat_frag *f = nat_frag_find(&t, h, &k[1], 11 * SEC);
	found = 0;
	for (i = 2; i <= NAT_FRAG_WAYS; i++)
		found += nat_frag_find(&t, h, &k[i], 11 * SEC) != NULL;
	check(f && f->addr == 42 && found == NAT_FRAG_WAYS - 1,
	      "the same datagram noted again replaces its own entry", "addr %u found %d",
	      f ? f->addr : 0, found);
	/* A datagram done with (all its bytes went) frees its entry
	 * for the next, before any live one. */
	nat_frag_forget(nat_frag_find(&t, h, &k[NAT_FRAG_WAYS], 12 * SEC));
	nat_frag_note(&t, h, &k[NAT_FRAG_WAYS + 1], 7, 8, 12 * SEC);
	found = 0;
	for (i = 1; i < NAT_FRAG_WAYS; i++)
		found += nat_frag_find(&t, h, &k[i], 12 * SEC) != NULL;
	check(found == NAT_FRAG_WAYS - 1 && nat_frag_find(&t, h, &k[NAT_FRAG_WAYS + 1], 12 * SEC),
	      "a datagram's entry freed when done is taken before a live one",
	      "found %d", found);
	/* Another set is another set. */
	check(!nat_frag_find(&t, h + (1ull << 32), &k[1], 11 * SEC),
	      "a key looked up under another hash is not found", "%s", "found");
}

int main(void)
{
	test_fragments();
	test_frag_table();
	/* Not a PASS/FAIL line: the runner counts those as checks. */
	printf("nat_frag: %d/%d checks passed\n", checks - failures,
	       checks);
	return failures ? 1 : 0;
}
