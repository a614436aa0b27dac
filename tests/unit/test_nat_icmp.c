/* SPDX-License-Identifier: MIT */
/* NAT: ICMP errors from the outside about a connection's packet,
 * translated back with their quote, and the quotes refused (unknown,
 * cut short), through the public interface (nat_frames.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat_frames.h"

#define CHECK_NAME "nat_icmp"
#include "check.h"

/* The original outbound packet o (as the namespace sent it) went out as t;
 * a router answers t with an ICMP error quoting qlen bytes of it. */
static void icmp_err_case(struct nat *nat, const char *what, uint8_t type, uint8_t code,
			  const struct frm *of, uint32_t qlen)
{
	uint8_t o[512], t[512], e[1024];
	char why[128] = "", name[160];
	uint32_t ii;
	uint32_t ol = build(o, of);
	memcpy(t, o, ol);
	enum nat_verdict v0 = xout(nat, t, ol, SEC);
	if (qlen > ol - 14)
		qlen = ol - 14;
	struct frm ef = { .proto = P_ICMP, .type = type, .code = code, .src = ROUTER, .dst = EXT,
			  .quote = t + 14, .qlen = (uint16_t)qlen };
	uint32_t el = build(e, &ef);
	uint64_t ein = nat_stats(nat)->icmp_errors_in;
	enum nat_verdict v = xin(nat, e, el, 2 * SEC, &ii);
	uint8_t *q = l4of(e) + 8;
	snprintf(name, sizeof(name), "icmp error %s: translated back", what);
	check(v0 == NAT_OK && v == NAT_OK && ii == of->src && f_dst(e) == of->src &&
		      nat_stats(nat)->icmp_errors_in == ein + 1,
	      name, "v0 %d v %d ii %08x", v0, v, ii);
	snprintf(name, sizeof(name), "icmp error %s: quote equals the original packet", what);
	check(memcmp(q, o + 14, qlen) == 0, name, "differs");
	snprintf(name, sizeof(name), "icmp error %s: outer IP, ICMP, inner IP checksums", what);
	check(csums_ok(e, why, sizeof(why)), name, "%s", why);
}

static void test_icmp_errors(void)
{
	struct nat_cfg c = base_cfg();
	struct nat *nat = nat_new(&c);
	uint8_t e[512], t[512];
	uint32_t ii;

	struct frm u = { .proto = P_UDP, .src = IP(10, 0, 0, 2), .dst = SRV, .sport = 5353,
			 .dport = 33434, .payload = 24 };
	icmp_err_case(nat, "port unreachable / udp, 8 bytes quoted", 3, 3, &u, 28);
	u.sport = 5354;
	icmp_err_case(nat, "time exceeded / udp, whole datagram quoted", 11, 0, &u, 1000);
	u.sport = 5355, u.nocsum = true;
	icmp_err_case(nat, "port unreachable / udp checksum 0", 3, 3, &u, 1000);
	u.sport = 5356, u.nocsum = false, u.opts = 12;
	icmp_err_case(nat, "parameter problem / udp with inner IP options", 12, 0, &u, 1000);
	struct frm ping = { .proto = P_ICMP, .type = 8, .src = IP(10, 0, 0, 3), .dst = SRV,
			    .sport = 0x4242, .payload = 32 };
	icmp_err_case(nat, "time exceeded / echo request, 8 bytes", 11, 0, &ping, 28);
	ping.sport = 0x4243;
	icmp_err_case(nat, "host unreachable / echo request, whole", 3, 1, &ping, 1000);
	struct frm syn = { .proto = P_TCP, .src = IP(10, 0, 0, 4), .dst = SRV, .sport = 6100,
			   .dport = 80, .flags = SYN };
	icmp_err_case(nat, "port unreachable / tcp, full header", 3, 3, &syn, 40);
	syn.sport = 6101;
	icmp_err_case(nat, "time exceeded / tcp, 8 bytes", 11, 0, &syn, 28);

	/* unknown flow: a quote with an ext port nobody holds */
	struct frm k = { .proto = P_UDP, .src = EXT, .dst = SRV, .sport = 40777, .dport = 53,
			 .payload = 8 };
	uint32_t tl = build(t, &k);
	struct frm ef = { .proto = P_ICMP, .type = 3, .code = 3, .src = ROUTER, .dst = EXT,
			  .quote = t + 14, .qlen = (uint16_t)(tl - 14) };
	uint32_t el = build(e, &ef);
	check(xin(nat, e, el, 2 * SEC, &ii) == NAT_DROP_NO_MATCH,
	      "icmp error quoting an unknown flow: NO_MATCH", "matched");

	/* Truncated quotes, each in a buffer of exactly the frame's length so
	 * ASan flags any read past it. */
	struct frm u2 = { .proto = P_UDP, .src = IP(10, 0, 0, 2), .dst = SRV, .sport = 5400,
			  .dport = 53, .payload = 8 };
	tl = build(t, &u2);
	xout(nat, t, tl, SEC);
	static const struct {
		uint16_t qlen;
		uint8_t ihl; /* 0: leave */
		const char *what;
	} cut[] = {
		{ 12, 0, "inner IP header cut at 12 bytes" },
		{ 20, 0, "no quoted L4 bytes" },
		{ 27, 0, "7 quoted L4 bytes" },
		{ 28, 15, "inner IHL 60 with 28 bytes quoted" },
		{ 28, 4, "inner IHL below 5" },
		{ 0, 0, "empty quote" },
	};
	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		uint8_t q[64];
		memcpy(q, t + 14, 64);
		if (cut[i].ihl)
			q[0] = (uint8_t)(0x40 | cut[i].ihl);
		struct frm tf = { .proto = P_ICMP, .type = 3, .code = 3, .src = ROUTER, .dst = EXT,
				  .quote = q, .qlen = cut[i].qlen };
		el = build(e, &tf);
		uint8_t *exact = malloc(el);
		memcpy(exact, e, el);
		enum nat_verdict v = xin(nat, exact, el, 2 * SEC, &ii);
		bool same = memcmp(exact, e, el) == 0;
		free(exact);
		char name[128];
		snprintf(name, sizeof(name), "truncated icmp error (%s): BAD, frame untouched",
			 cut[i].what);
		check(v == NAT_DROP_BAD && same, name, "v %d", v);
	}
	nat_free(nat);
}

int main(void)
{
	test_icmp_errors();
	/* Not a PASS/FAIL line: the runner counts those as checks. */
	printf("nat_icmp: %d/%d checks passed\n", checks - failures,
	       checks);
	return failures ? 1 : 0;
}
