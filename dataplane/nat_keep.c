/* SPDX-License-Identifier: MIT */
/* The NAT's connections across a restart of the daemon: the daemon that
 * stops writes them out, the one that starts next reads them back, so
 * that a connection keeps its external port (`up` restarts the daemon
 * when a port or a setting changes; before, every connection through
 * the NAT broke then).
 *
 * The file is text, one connection a line, and is read as untrusted
 * input: every number whole and in its range, and only what
 * nat_translate_out could have made and this table takes (a host of its
 * subnet, a remote that is none of ours and no martian, its port range,
 * a state of the protocol, no key taken twice, room); the rest is
 * refused, line by line, and counted.
 *
 *	nsfast-nat 1 EXT_IP SAVED
 *	PROTO INT_IP INT_PORT REM_IP REM_PORT EXT_PORT STATE LAST PKTS_OUT PKTS_IN
 *
 * SAVED and LAST are CLOCK_MONOTONIC nanoseconds, the clock of every
 * process of the host: a connection's idle time goes on growing while
 * no daemon runs, and one that expired meanwhile is not loaded. */
#include <stddef.h>

#include "nat_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat_csum.h"

#define KEEP_MAGIC "nsfast-nat"
#define KEEP_VERSION 1

static const char *proto_name(uint8_t proto)
{
	return proto == PROTO_TCP ? "tcp" : proto == PROTO_UDP ? "udp" : "icmp";
}

static void ip_fmt(uint32_t ip, char *buf)
{
	uint8_t b[4];

	be32_put(b, ip);
	inet_ntop(AF_INET, b, buf, INET_ADDRSTRLEN);
}

int nat_keep_save(struct nat *nat, FILE *f, uint64_t now, uint32_t *saved)
{
	char ext[INET_ADDRSTRLEN], in[INET_ADDRSTRLEN], rem[INET_ADDRSTRLEN];

	*saved = 0;
	ip_fmt(nat->ext_ip, ext);
	fprintf(f, "%s %d %s %llu\n", KEEP_MAGIC, KEEP_VERSION, ext, (unsigned long long)now);
	for (uint32_t i = 0; i < nat->hw; i++) {
		struct conn *c = &nat->conns[i];

		/* conn_dead asks the fast path only for one that looks
		 * expired; its last packet is worth more to the next daemon
		 * than c->last for every one it carries. */
		if (!c->proto || conn_dead(nat, c, now))
			continue;
		conn_fast_seen(nat, c, now);
		ip_fmt(c->int_ip, in);
		ip_fmt(c->rem_ip, rem);
		fprintf(f, "%s %s %u %s %u %u %s %llu %llu %llu\n", proto_name(c->proto), in,
			c->int_port, rem, c->rem_port, c->ext_port, conn_state_names[c->state],
			(unsigned long long)c->last, (unsigned long long)c->pkts_out,
			(unsigned long long)c->pkts_in);
		(*saved)++;
	}
	fflush(f);
	return ferror(f) ? -EIO : 0;
}

static bool parse_ip(const char *s, uint32_t *ip)
{
	uint8_t b[4];

	if (inet_pton(AF_INET, s, b) != 1)
		return false;
	*ip = be32_get(b);
	return true;
}

static bool parse_proto(const char *s, uint8_t *proto)
{
	if (!strcmp(s, "tcp"))
		*proto = PROTO_TCP;
	else if (!strcmp(s, "udp"))
		*proto = PROTO_UDP;
	else if (!strcmp(s, "icmp"))
		*proto = PROTO_ICMP;
	else
		return false;
	return true;
}

static bool parse_state(const char *s, uint8_t proto, uint8_t *state)
{
	for (int i = 0; i < ST_N; i++)
		if (!strcmp(s, conn_state_names[i])) {
			*state = (uint8_t)i;
			if (proto == PROTO_UDP)
				return i == ST_UDP;
			if (proto == PROTO_ICMP)
				return i == ST_ICMP;
			return i != ST_UDP && i != ST_ICMP;
		}
	return false;
}

/* A decimal number no larger than max, and nothing else: sscanf's %u
 * would take a sign, and wrap what does not fit. */
static bool parse_num(const char *s, uint64_t max, uint64_t *v)
{
	unsigned long long n;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end || n > max)
		return false;
	*v = n;
	return true;
}

/* A host of the outside: one host (ipv4_one_host: what a router does
 * not drop), none of ours (the subnet, the uplink's address), nor the
 * uplink subnet's broadcast or network address (a kept file of an older
 * daemon, or of the same address under a longer prefix, can hold one). */
static bool remote_ok(const struct nat *nat, uint32_t ip)
{
	uint8_t b[4];

	be32_put(b, ip);
	return ipv4_one_host(b) && (ip & nat->int_mask) != nat->int_net && ip != nat->ext_ip &&
	       !(nat->ext_plen && ipv4_subnet_edge(ip, nat->ext_ip, nat->ext_plen));
}

/* A host of the subnet: neither its network nor its broadcast address
 * (in a subnet that has them). */
static bool inside_ok(const struct nat *nat, uint32_t ip)
{
	uint32_t host = ip & ~nat->int_mask;

	return (ip & nat->int_mask) == nat->int_net &&
	       (nat->int_mask >= 0xfffffffe || (host != 0 && host != ~nat->int_mask));
}

#define KEEP_FIELDS 10

/* One line (its newline cut off): a connection c of this table, or
 * false. Only what nat_translate_out could have made. */
static bool parse_conn(const struct nat *nat, char *line, uint64_t saved, struct conn *c)
{
	char *f[KEEP_FIELDS + 1], *save = NULL;
	uint64_t iport, rport, eport, last, po, pi;
	int n = 0;

	for (char *t = strtok_r(line, " ", &save); t && n <= KEEP_FIELDS;
	     t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	if (n != KEEP_FIELDS)
		return false;
	memset(c, 0, sizeof(*c));
	if (!parse_proto(f[0], &c->proto) || !parse_ip(f[1], &c->int_ip) ||
	    !parse_num(f[2], 0xffff, &iport) || !parse_ip(f[3], &c->rem_ip) ||
	    !parse_num(f[4], 0xffff, &rport) || !parse_num(f[5], 0xffff, &eport) ||
	    !parse_state(f[6], c->proto, &c->state) || !parse_num(f[7], UINT64_MAX, &last) ||
	    !parse_num(f[8], UINT64_MAX, &po) || !parse_num(f[9], UINT64_MAX, &pi))
		return false;
	/* An echo is keyed by its identifier alone. */
	if (!inside_ok(nat, c->int_ip) || !remote_ok(nat, c->rem_ip) || eport < nat->port_min ||
	    eport > nat->port_max || (c->proto == PROTO_ICMP && rport))
		return false;
	c->int_port = (uint16_t)iport;
	c->rem_port = (uint16_t)rport;
	c->ext_port = (uint16_t)eport;
	c->last = last < saved ? last : saved; /* never after the save */
	c->pkts_out = po;
	c->pkts_in = pi;
	return true;
}

/* The next line of f into line (len bytes with its NUL), its newline
 * cut off: 1; 0 when it was longer or held a NUL (the rest of it read
 * and dropped: memory stays bounded whatever the file); -1 at the end. */
static int read_line(FILE *f, char *line, size_t len)
{
	size_t n = 0;
	bool ok = true;
	int ch;

	/* Unlocked: the file is this thread's (getc's locking made a full
	 * table's read 10 ms slower than getline's, this 2 ms). */
	while ((ch = getc_unlocked(f)) != EOF && ch != '\n') {
		if (!ch || n + 1 >= len)
			ok = false;
		else
			line[n++] = (char)ch;
	}
	if (ch == EOF && !n && ok)
		return -1;
	line[n] = '\0';
	return ok;
}

int nat_keep_load(struct nat *nat, FILE *f, uint64_t now, uint64_t max_away,
		  struct nat_keep_stats *st)
{
	char line[256], *h[5], *save = NULL;
	uint64_t saved, version;
	uint32_t ext_ip;
	int n = 0;

	memset(st, 0, sizeof(*st));
	if (!fgets(line, sizeof(line), f) || !strchr(line, '\n'))
		return -EPROTO;
	line[strcspn(line, "\n")] = '\0';
	for (char *t = strtok_r(line, " ", &save); t && n < 5; t = strtok_r(NULL, " ", &save))
		h[n++] = t;
	if (n != 4 || strcmp(h[0], KEEP_MAGIC) || !parse_num(h[1], UINT32_MAX, &version) ||
	    version != KEEP_VERSION || !parse_ip(h[2], &ext_ip) ||
	    !parse_num(h[3], UINT64_MAX, &saved))
		return -EPROTO;
	/* Another address: the outside knows none of these connections. */
	if (ext_ip != nat->ext_ip)
		return -EADDRNOTAVAIL;
	if (saved > now || now - saved > max_away)
		return -ESTALE;
	int r;

	while ((r = read_line(f, line, sizeof(line))) >= 0) {
		struct conn c;

		/* Longer than any line of ours, or with a NUL: refused whole. */
		if (!r || !parse_conn(nat, line, saved, &c)) {
			st->refused++;
			continue;
		}
		if (conn_expired(nat, &c, now)) {
			st->expired++;
			continue;
		}
		uint64_t ho = out_hash(nat, c.proto, c.int_ip, c.int_port, c.rem_ip, c.rem_port);
		uint64_t hi = in_hash(nat, c.proto, c.rem_ip, c.rem_port, c.ext_port);

		if ((!nat->free_head && nat->hw == nat->max) ||
		    find_out(nat, nat_index_tag(ho), c.proto, c.int_ip, c.int_port, c.rem_ip,
			     c.rem_port) ||
		    find_in(nat, nat_index_tag(hi), c.proto, c.rem_ip, c.rem_port, c.ext_port)) {
			st->refused++;
			continue;
		}
		conn_insert(nat, &c, ho);
		st->loaded++;
	}
	nat->stats.kept += st->loaded;
	return ferror(f) ? -EIO : 0;
}
