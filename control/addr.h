/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_ADDR_H
#define NSFAST_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* An IPv4 or IPv6 address with a prefix length (a CIDR, or a host
 * address when plen is the full width). */
struct addr {
	int family; /* AF_INET or AF_INET6 */
	int plen;
	uint8_t bytes[16];
};

#define ADDR_STRLEN 64 /* "ffff:...:ffff/128" fits */

int addr_parse_cidr(const char *s, struct addr *a);
int addr_parse_host(const char *s, struct addr *a);
int addr_len(int family);
const char *addr_fmt(const struct addr *a, char *buf, size_t len);
const char *addr_fmt_host(const struct addr *a, char *buf, size_t len);
bool addr_in_subnet(const struct addr *host, const struct addr *net);
bool addr_same_host(const struct addr *x, const struct addr *y);
bool addr_overlap(const struct addr *x, const struct addr *y);
/* Does a give its interface a subnet that only one interface of a
 * namespace may route? Not a host address (/32, /128: no subnet route),
 * not IPv6 link-local (every link has fe80::/64). */
bool addr_routes_subnet(const struct addr *a);
/* Can a be an interface's own address: not unspecified, not multicast
 * (nor IPv4 class E)? */
bool addr_is_unicast(const struct addr *a);
/* Is a in fe80::/10? */
bool addr_is_link_local6(const struct addr *a);
void addr_network(const struct addr *a, struct addr *net);

int mac_parse(const char *s, uint8_t mac[6]);

#endif
