/* SPDX-License-Identifier: MIT */
/* NAT: the connections one table saves across a restart and the next
 * loads, and the files it refuses (dataplane/nat_keep.c), through the
 * public interface (nat_frames.c). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat_frames.h"

#define CHECK_NAME "nat_keep"
#include "check.h"

/* Across a restart: what one table saves, the next loads, so that a
 * connection keeps its port and its state; and what does not fit the
 * next table, or is not a file of kept connections, is refused. */
static void test_keep(void)
{
	struct nat_cfg c = base_cfg();
	uint32_t a = IP(10, 0, 0, 2), dst = 0;
	uint16_t ea = 0, eb = 0, dport = 0, ea2 = 0;
	struct nat_keep_stats st;
	struct nat *nat, *next;
	uint64_t t = 500 * SEC;
	char buf[4096];
	uint32_t saved = 0;
	FILE *f;
	int rc;

	nat = nat_new(&c);
	tcp_out(nat, a, 6000, SYN, t, &ea, NULL);
	tcp_in(nat, ea, SYN | ACK, t, NULL, NULL, NULL);
	tcp_out(nat, a, 6001, SYN, t, &eb, NULL);
	tcp_in(nat, eb, SYN | ACK, t, NULL, NULL, NULL);
	tcp_out(nat, a, 6001, FIN | ACK, t, NULL, NULL); /* closing out */
	tcp_out(nat, a, 6002, SYN, t - 300 * SEC, NULL, NULL); /* syn_sent, expired */
	f = fmemopen(buf, sizeof(buf), "w");
	rc = nat_keep_save(nat, f, t + SEC, &saved);
	fclose(f);
	check(rc == 0 && saved == 2 && strstr(buf, " closing ") && !strstr(buf, " 6002 "),
	      "keep: the live connections saved, their states told apart", "rc %d saved %u: %s",
	      rc, saved, buf);

	next = nat_new(&c);
	f = fmemopen(buf, strlen(buf), "r");
	rc = nat_keep_load(next, f, t + 2 * SEC, 10 * SEC, &st);
	fclose(f);
	check(rc == 0 && st.loaded == 2 && nat_stats(next)->kept == 2 && !st.refused,
	      "keep: the next table loads them", "rc %d loaded %u refused %u", rc, st.loaded,
	      st.refused);
	check(tcp_in(next, ea, ACK, t + 3 * SEC, &dst, &dport, NULL) == NAT_OK && dst == a &&
		      dport == 6000,
	      "keep: an answer to a kept connection goes in", "to %08x:%u", dst, dport);
	check(tcp_out(next, a, 6000, ACK, t + 3 * SEC, &ea2, NULL) == NAT_OK && ea2 == ea &&
		      nat_stats(next)->created == 0,
	      "keep: a kept connection goes out by its port, created anew by none", "%u (had %u)",
	      ea2, ea);
	tcp_in(next, eb, FIN | ACK, t + 3 * SEC, NULL, NULL, NULL);
	check(!strcmp(state_of(next, t + 3 * SEC, P_TCP, a, 6001, SRV, 80), "time_wait"),
	      "keep: a FIN out before the restart and one in after make time_wait", "%s",
	      state_of(next, t + 3 * SEC, P_TCP, a, 6001, SRV, 80));
	f = fmemopen(buf, strlen(buf), "r");
	rc = nat_keep_load(next, f, t + 3 * SEC, 10 * SEC, &st);
	fclose(f);
	check(rc == 0 && st.loaded == 0 && st.refused == 2,
	      "keep: a connection whose key is taken is refused", "loaded %u refused %u",
	      st.loaded, st.refused);
	nat_free(next);

	struct {
		const char *what, *text;
		uint64_t now;
		int rc;
		uint32_t loaded, expired, refused;
	} cases[] = {
		{ "another address", "nsfast-nat 1 203.0.113.9 %llu\n", t, -EADDRNOTAVAIL, 0, 0, 0 },
		{ "saved too long ago", "nsfast-nat 1 203.0.113.1 %llu\n", t + 11 * SEC, -ESTALE, 0, 0, 0 },
		{ "saved later than now", "nsfast-nat 1 203.0.113.1 %llu\n", t - SEC, -ESTALE, 0, 0, 0 },
		{ "another version", "nsfast-nat 2 203.0.113.1 %llu\n", t, -EPROTO, 0, 0, 0 },
		{ "no header", "tcp 10.0.0.2 1 198.51.100.7 80 40000 established 1 0 0\n", t,
		  -EPROTO, 0, 0, 0 },
		{ "lines that do not fit the table",
		  "nsfast-nat 1 203.0.113.1 %llu\n"
		  "tcp 10.0.1.2 1 198.51.100.7 80 40000 established 1 0 0\n" /* off the subnet */
		  "tcp 10.0.0.2 1 198.51.100.7 80 41000 established 1 0 0\n" /* off the range */
		  "udp 10.0.0.2 1 198.51.100.7 80 40001 established 1 0 0\n" /* a TCP state */
		  "icmp 10.0.0.2 1 198.51.100.7 80 40002 icmp 1 0 0\n" /* an echo has no port */
		  "tcp 10.0.0.2 70000 198.51.100.7 80 40003 established 1 0 0\n"
		  "tcp 10.0.0.2 1 198.51.100.7 80 40004 established 1 0 0 extra\n"
		  "tcp 10.0.0.2 1 198.51.100.7\n"
		  "sctp 10.0.0.2 1 198.51.100.7 80 40005 established 1 0 0\n"
		  "udp 10.0.0.2 1 198.51.100.7 80 40006 udp 1 0 0\n", /* expired */
		  t, 0, 0, 1, 8 },
		{ "numbers that wrap or have a sign",
		  "nsfast-nat 1 203.0.113.1 %llu\n"
		  "udp 10.0.0.2 4294967297 198.51.100.7 53 40010 udp 1 0 0\n"
		  "udp 10.0.0.2 -4294967295 198.51.100.7 53 40011 udp 1 0 0\n"
		  "udp 10.0.0.2 5 198.51.100.7 53 4295007296 udp 1 0 0\n"
		  "udp 10.0.0.2 5 198.51.100.7 53 40012 udp -1 0 0\n"
		  "udp 10.0.0.2 5 198.51.100.7 53 +40013 udp 1 0 0\n"
		  "udp 10.0.0.2 5 198.51.100.7 53 40014 udp 18446744073709551616 0 0\n",
		  t, 0, 0, 0, 6 },
		{ "hosts the NAT never translates",
		  "nsfast-nat 1 203.0.113.1 %llu\n"
		  "udp 10.0.0.0 5 198.51.100.7 53 40020 udp %llu 0 0\n" /* the subnet's own */
		  "udp 10.0.0.255 5 198.51.100.7 53 40021 udp %llu 0 0\n" /* broadcast */
		  "udp 10.0.0.2 5 10.0.0.3 53 40022 udp %llu 0 0\n" /* a remote inside */
		  "udp 10.0.0.2 5 203.0.113.1 53 40023 udp %llu 0 0\n" /* the uplink's */
		  "udp 10.0.0.2 5 127.0.0.1 53 40024 udp %llu 0 0\n"
		  "udp 10.0.0.2 5 224.0.0.1 53 40025 udp %llu 0 0\n"
		  "udp 10.0.0.2 5 0.1.2.3 53 40026 udp %llu 0 0\n"
		  /* the uplink subnet's broadcast and network addresses */
		  "udp 10.0.0.2 5 203.0.113.255 53 40027 udp %llu 0 0\n"
		  "udp 10.0.0.2 5 203.0.113.0 53 40028 udp %llu 0 0\n",
		  t, 0, 0, 0, 9 },
		{ "an outside key twice, from two inside ports",
		  "nsfast-nat 1 203.0.113.1 %llu\n"
		  "udp 10.0.0.2 5 198.51.100.7 53 40030 udp %llu 0 0\n"
		  "udp 10.0.0.2 6 198.51.100.7 53 40030 udp %llu 0 0\n",
		  t, 0, 1, 0, 1 },
		{ "good lines among them",
		  "nsfast-nat 1 203.0.113.1 %llu\n"
		  "\n"
		  "udp 10.0.0.2 1 198.51.100.7 53 40007 udp %llu 3 4\n"
		  "icmp 10.0.0.3 77 198.51.100.7 0 40008 icmp %llu 1 1\n",
		  t, 0, 2, 0, 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		next = nat_new(&c);
		unsigned long long tl = t - SEC;

		snprintf(buf, sizeof(buf), cases[i].text, (unsigned long long)t, tl, tl, tl, tl, tl,
			 tl, tl, tl);
		f = fmemopen(buf, strlen(buf), "r");
		rc = nat_keep_load(next, f, cases[i].now, 10 * SEC, &st);
		fclose(f);
		char what[96];

		snprintf(what, sizeof(what), "keep: a file with %s", cases[i].what);
		check(rc == cases[i].rc && (rc || (st.loaded == cases[i].loaded &&
						   st.expired == cases[i].expired &&
						   st.refused == cases[i].refused)),
		      what, "rc %d loaded %u expired %u refused %u", rc, st.loaded, st.expired,
		      st.refused);
		nat_free(next);
	}

	/* A line of 1 MiB and one with a NUL, each before a good one: both
	 * refused and the good ones loaded, so the reader, which drops the
	 * rest of a long line as it reads it (it once took the line into
	 * memory whole), finds the next line where it starts. That memory
	 * stays bounded is the reader's code, not measured here. */
	{
		size_t big = 1u << 20, at;
		char *text = malloc(big + 512);
		unsigned long long tl = t - SEC;

		at = (size_t)sprintf(text, "nsfast-nat 1 203.0.113.1 %llu\n", (unsigned long long)t);
		memset(text + at, 'x', big);
		at += big;
		at += (size_t)sprintf(text + at, "\nudp 10.0.0.2 1 198.51.100.7 53 40050 udp %llu 0 0\n", tl);
		at += (size_t)sprintf(text + at, "udp 10.0.0.2 2 19");
		text[at++] = '\0';
		at += (size_t)sprintf(text + at, "8.51.100.7 53 40051 udp %llu 0 0\n", tl);
		at += (size_t)sprintf(text + at, "udp 10.0.0.2 3 198.51.100.7 53 40052 udp %llu 0 0", tl);
		next = nat_new(&c);
		f = fmemopen(text, at, "r");
		rc = nat_keep_load(next, f, t, 10 * SEC, &st);
		fclose(f);
		check(rc == 0 && st.loaded == 2 && st.refused == 2,
		      "keep: a 1 MiB line and one with a NUL are refused, the lines around them loaded",
		      "rc %d loaded %u refused %u", rc, st.loaded, st.refused);
		nat_free(next);
		free(text);
	}

	/* A connection's last packet after the save is the save's: idle,
	 * and expiring, from then on. */
	next = nat_new(&c);
	snprintf(buf, sizeof(buf),
		 "nsfast-nat 1 203.0.113.1 %llu\n"
		 "udp 10.0.0.2 5 198.51.100.7 53 40040 udp 18446744073709551615 0 0\n",
		 (unsigned long long)t);
	f = fmemopen(buf, strlen(buf), "r");
	rc = nat_keep_load(next, f, t + SEC, 10 * SEC, &st);
	fclose(f);
	struct find fd = view_of(next, t + SEC, P_UDP, a, 5, SRV, 53);
	check(rc == 0 && st.loaded == 1 && fd.found && fd.v.idle_ns == SEC &&
		      !view_of(next, t + 62 * SEC, P_UDP, a, 5, SRV, 53).found,
	      "keep: a last packet after the save counts from the save",
	      "rc %d loaded %u found %d idle %llu", rc, st.loaded, fd.found,
	      (unsigned long long)fd.v.idle_ns);
	nat_free(next);

	/* A NUL refuses its line, and only it (fgets took the next line
	 * for that one's rest). */
	{
		char a1[96], a2[96];
		int l0 = snprintf(buf, sizeof(buf), "nsfast-nat 1 203.0.113.1 %llu\n",
				  (unsigned long long)t);
		int l1 = snprintf(a1, sizeof(a1), "udp 10.0.0.2 5 198.51.100.7 53 40050 udp %llu 0 0",
				  (unsigned long long)t);
		int l2 = snprintf(a2, sizeof(a2), "udp 10.0.0.2 6 198.51.100.7 53 40051 udp %llu 0 0\n",
				  (unsigned long long)t);
		size_t len = (size_t)l0;

		memcpy(buf + len, a1, (size_t)l1);
		len += (size_t)l1;
		memcpy(buf + len, "\0junk\n", 6);
		len += 6;
		memcpy(buf + len, a2, (size_t)l2);
		len += (size_t)l2;
		next = nat_new(&c);
		f = fmemopen(buf, len, "r");
		rc = nat_keep_load(next, f, t, 10 * SEC, &st);
		fclose(f);
		check(rc == 0 && st.loaded == 1 && st.refused == 1 &&
			      view_of(next, t, P_UDP, a, 6, SRV, 53).found,
		      "keep: a NUL refuses its line, and the next is read",
		      "rc %d loaded %u refused %u", rc, st.loaded, st.refused);
		nat_free(next);
	}

	/* A line longer than any of ours is refused whole, not read as two. */
	memset(buf, 0, sizeof(buf));
	int n = snprintf(buf, sizeof(buf), "nsfast-nat 1 203.0.113.1 %llu\n",
			 (unsigned long long)t);
	memset(buf + n, ' ', 300);
	snprintf(buf + n + 300, sizeof(buf) - (size_t)n - 300,
		 "udp 10.0.0.2 1 198.51.100.7 53 40007 udp %llu 0 0\n", (unsigned long long)t);
	next = nat_new(&c);
	f = fmemopen(buf, strlen(buf), "r");
	rc = nat_keep_load(next, f, t, 10 * SEC, &st);
	fclose(f);
	check(rc == 0 && st.loaded == 0 && st.refused == 1, "keep: a line too long is refused whole",
	      "rc %d loaded %u refused %u", rc, st.loaded, st.refused);
	nat_free(next);
	nat_free(nat);
}

int main(void)
{
	test_keep();
	/* Not a PASS/FAIL line: the runner counts those as checks. */
	printf("nat_keep: %d/%d checks passed\n", checks - failures,
	       checks);
	return failures ? 1 : 0;
}
