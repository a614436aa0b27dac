/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

int addr_parse_host(const char *s, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1) {
		a->family = AF_INET;
		a->plen = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		a->family = AF_INET6;
		a->plen = 128;
		return 0;
	}
	return -EINVAL;
}

/* "10.0.0.1/24", "fd00::1/64"; the prefix length is mandatory so that a
 * forgotten "/24" is an error rather than a silent /32. */
int addr_parse_cidr(const char *s, struct addr *a)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	char *end;
	long plen;
	size_t n;

	if (!slash)
		return -EINVAL;
	n = (size_t)(slash - s);
	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	if (addr_parse_host(host, a))
		return -EINVAL;
	if (!slash[1] || slash[1] == '-' || slash[1] == '+')
		return -EINVAL;
	errno = 0;
	plen = strtol(slash + 1, &end, 10);
	if (errno || *end || plen < 0 || plen > addr_len(a->family) * 8)
		return -EINVAL;
	a->plen = (int)plen;
	return 0;
}

const char *addr_fmt_host(const struct addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *addr_fmt(const struct addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%d", addr_fmt_host(a, host, sizeof(host)), a->plen);
	return buf;
}

static bool prefix_equal(const uint8_t *x, const uint8_t *y, int plen)
{
	int full = plen / 8, rest = plen % 8;

	if (memcmp(x, y, (size_t)full))
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((x[full] & mask) != (y[full] & mask))
			return false;
	}
	return true;
}

bool addr_in_subnet(const struct addr *host, const struct addr *net)
{
	return host->family == net->family &&
	       prefix_equal(host->bytes, net->bytes, net->plen);
}

bool addr_same_host(const struct addr *x, const struct addr *y)
{
	return x->family == y->family &&
	       !memcmp(x->bytes, y->bytes, (size_t)addr_len(x->family));
}

bool addr_overlap(const struct addr *x, const struct addr *y)
{
	int plen = x->plen < y->plen ? x->plen : y->plen;

	return x->family == y->family && prefix_equal(x->bytes, y->bytes, plen);
}

bool addr_is_unicast(const struct addr *a)
{
	static const uint8_t zero[16];

	if (!memcmp(a->bytes, zero, (size_t)addr_len(a->family)))
		return false;
	return a->family == AF_INET ? a->bytes[0] < 224 : a->bytes[0] != 0xff;
}

bool addr_is_link_local6(const struct addr *a)
{
	return a->family == AF_INET6 && a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;
}

bool addr_routes_subnet(const struct addr *a)
{
	return a->plen < addr_len(a->family) * 8 && !addr_is_link_local6(a);
}

void addr_network(const struct addr *a, struct addr *net)
{
	int i, bits;

	*net = *a;
	for (i = 0; i < 16; i++) {
		bits = a->plen - i * 8;
		if (bits >= 8)
			continue;
		net->bytes[i] &= bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
	}
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly six pairs of hex digits joined by ':' (sscanf's %x would take
 * a sign or a 0x prefix: "02:-1:..." read as 02:ff:...). */
int mac_parse(const char *s, uint8_t mac[6])
{
	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hex_digit(s[i * 3]), lo = hex_digit(s[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
