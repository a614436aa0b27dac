/* SPDX-License-Identifier: MIT */
/* The NAT's connections across a restart of the daemon: the daemon that
 * stops writes them out, the one that starts next reads them back, so
 * that a connection keeps its external port (`up` restarts the daemon
 * when a port or a setting changes; before, every connection through
 * the NAT broke then).
 *
 * The file is text, one connection a line, and is read as untrusted
 * input: whatever does not fit this table (its subnet, its port range,
 * a state of another protocol, a key already taken, a table full) is
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
#include <string.h>

#include "nat_csum.h"

#define KEEP_MAGIC "nsfast-nat"
#define KEEP_VERSION 1

/* Not "closing" twice, as nat_entry_view says it: the file must tell a
 * FIN out from a FIN in. */
static const char *const keep_state[ST_N] = {
	"udp", "icmp", "syn_sent", "established", "closing", "closing_in", "time_wait", "reset",
};

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
			c->int_port, rem, c->rem_port, c->ext_port, keep_state[c->state],
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
		if (!strcmp(s, keep_state[i])) {
			*state = (uint8_t)i;
			if (proto == PROTO_UDP)
				return i == ST_UDP;
			if (proto == PROTO_ICMP)
				return i == ST_ICMP;
			return i != ST_UDP && i != ST_ICMP;
		}
	return false;
}

/* One line: a connection c of this table, or false. */
static bool parse_conn(const struct nat *nat, const char *line, uint64_t saved, struct conn *c)
{
	char proto[8], in[16], rem[16], state[16];
	unsigned int iport, rport, eport;
	unsigned long long last, po, pi;
	int end = 0;

	if (sscanf(line, "%7s %15s %u %15s %u %u %15s %llu %llu %llu%n", proto, in, &iport, rem,
		   &rport, &eport, state, &last, &po, &pi, &end) != 10 ||
	    (line[end] != '\n' && line[end] != '\0'))
		return false;
	memset(c, 0, sizeof(*c));
	if (!parse_proto(proto, &c->proto) || !parse_state(state, c->proto, &c->state) ||
	    !parse_ip(in, &c->int_ip) || !parse_ip(rem, &c->rem_ip) || iport > 0xffff ||
	    rport > 0xffff || eport < nat->port_min || eport > nat->port_max)
		return false;
	/* What nat_translate_out would have made: from the subnet, and an
	 * echo is keyed by its identifier alone. */
	if ((c->int_ip & nat->int_mask) != nat->int_net || (c->proto == PROTO_ICMP && rport))
		return false;
	c->int_port = (uint16_t)iport;
	c->rem_port = (uint16_t)rport;
	c->ext_port = (uint16_t)eport;
	c->last = last < saved ? last : saved;
	c->pkts_out = po;
	c->pkts_in = pi;
	return true;
}

int nat_keep_load(struct nat *nat, FILE *f, uint64_t now, uint64_t max_away,
		  struct nat_keep_stats *st)
{
	char line[256], ext[16];
	unsigned long long saved;
	uint32_t ext_ip;
	int version, end = 0;

	memset(st, 0, sizeof(*st));
	if (!fgets(line, sizeof(line), f) ||
	    sscanf(line, KEEP_MAGIC " %d %15s %llu%n", &version, ext, &saved, &end) != 3 ||
	    line[end] != '\n' || version != KEEP_VERSION || !parse_ip(ext, &ext_ip))
		return -EPROTO;
	/* Another address: the outside knows none of these connections. */
	if (ext_ip != nat->ext_ip)
		return -EADDRNOTAVAIL;
	if (saved > now || now - saved > max_away)
		return -ESTALE;
	while (fgets(line, sizeof(line), f)) {
		struct conn c;
		bool whole = strchr(line, '\n') != NULL;
		int ch;

		if (!whole) /* longer than any line of ours: the rest of it goes too */
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
		if (!whole || !parse_conn(nat, line, saved, &c)) {
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
