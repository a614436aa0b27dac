/* SPDX-License-Identifier: MIT */
/* The topology language: one statement per line, '#' starts a comment.
 * Top-level statements (lab, switch, ns, host, veth) open or end blocks;
 * indentation is for the reader only. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"
#include "topo_parser.h"

bool name_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > NAME_MAX_LEN || s[0] == '-' || s[0] == '.')
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

bool lab_name_valid(const char *s)
{
	return name_valid(s) && strlen(s) <= LAB_NAME_MAX && !strchr(s, '.');
}

/* Everything a lab creates is LAB-...: with a '-' in LAB, lab "a" with
 * namespace "b-c" and lab "a-b" with namespace "c" would both be a-b-c.
 * (Labs named so by older versions can still be taken down.) */
bool lab_name_new_valid(const char *s)
{
	return lab_name_valid(s) && !strchr(s, '-');
}

bool key_once(struct parser *p, int *where, const char *key, const char *kind,
	      const char *name)
{
	if (*where) {
		perr(p, "%s given twice for %s '%s' (first on line %d), expected one", key, kind,
		     name, *where);
		return false;
	}
	*where = p->line;
	return true;
}

int parse_uint(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Append a zeroed element; arrays double on powers of two. */
void *append(struct parser *p, void *arrp, int *n, size_t size, const char *what)
{
	void **arr = arrp;
	char *base;

	if (*n >= OBJECTS_MAX) {
		perr(p, "too many %s (at most %d)", what, OBJECTS_MAX);
		return NULL;
	}
	if (*n == 0 || !(*n & (*n - 1))) {
		void *g = realloc(*arr, (size_t)(*n ? *n * 2 : 4) * size);

		if (!g) {
			perr(p, "out of memory");
			return NULL;
		}
		*arr = g;
	}
	base = (char *)*arr + (size_t)*n * size;
	memset(base, 0, size);
	(*n)++;
	return base;
}

/* "10.0.0.1/24" into an interface's address list. */
static int add_addr(struct parser *p, struct endpoint *ep, const char *tok)
{
	if (ep->naddrs >= IF_ADDRS_MAX) {
		perr(p, "too many addresses on '%s' (at most %d)", ep->ifname,
		     IF_ADDRS_MAX);
		return -EINVAL;
	}
	if (addr_parse_cidr(tok, &ep->addrs[ep->naddrs])) {
		perr(p, "bad address '%s', expected ADDRESS/PREFIX such as 10.0.0.2/24 or fd00::2/64",
		     tok);
		return -EINVAL;
	}
	if (!addr_is_unicast(&ep->addrs[ep->naddrs])) {
		perr(p, "bad address '%s': unspecified or multicast, expected an interface's own unicast address",
		     tok);
		return -EINVAL;
	}
	/* Twice with two prefixes, each up would take the other for a
	 * prefix the file changed, and replace it. */
	for (int k = 0; k < ep->naddrs; k++)
		if (addr_same_host(&ep->addrs[k], &ep->addrs[ep->naddrs])) {
			perr(p, "address '%s' given twice on %s, expected one", tok, ep->ifname);
			return -EINVAL;
		}
	ep->naddrs++;
	return 0;
}

int set_ifname(struct parser *p, char *dst, const char *tok)
{
	if (strlen(tok) > NAME_MAX_LEN) {
		perr(p, "interface name '%s' is %zu characters, the kernel allows at most 15",
		     tok, strlen(tok));
		return -EINVAL;
	}
	if (!name_valid(tok)) {
		perr(p, "bad interface name '%s', expected letters, digits, '_', '-' or '.'",
		     tok);
		return -EINVAL;
	}
	if (!strcmp(tok, "lo")) {
		perr(p, "interface name 'lo' is a namespace's loopback, expected another name");
		return -EINVAL;
	}
	/* The kernel's own: /proc/sys/net/ipv4/conf/all and .../default. */
	if (!strcmp(tok, "all") || !strcmp(tok, "default")) {
		perr(p, "interface name '%s' is taken by the kernel's per-interface settings (net.ipv4.conf.%s), expected another name",
		     tok, tok);
		return -EINVAL;
	}
	strcpy(dst, tok);
	return 0;
}

/* Options shared by a switch link and a veth end: mac, mtu, bare or
 * "addr"-prefixed CIDRs. Returns tokens consumed, 0 if not an option. */
static int endpoint_option(struct parser *p, struct endpoint *ep, char **tok,
			   int n, bool bare_addr)
{
	struct addr host;
	long v;

	if (!strcmp(tok[0], "addr") || !strcmp(tok[0], "mac") ||
	    !strcmp(tok[0], "mtu")) {
		if (n < 2) {
			perr(p, "'%s' needs a value", tok[0]);
			return -EINVAL;
		}
	} else if (bare_addr && (strchr(tok[0], '/') || !addr_parse_host(tok[0], &host))) {
		/* An address without its prefix is a bad address, not a key. */
		return add_addr(p, ep, tok[0]) ? -EINVAL : 1;
	} else {
		return 0;
	}
	if (!strcmp(tok[0], "addr"))
		return add_addr(p, ep, tok[1]) ? -EINVAL : 2;
	if ((!strcmp(tok[0], "mac") && ep->has_mac) || (!strcmp(tok[0], "mtu") && ep->mtu)) {
		perr(p, "%s given twice for %s, expected one", tok[0], ep->ifname);
		return -EINVAL;
	}
	if (!strcmp(tok[0], "mac")) {
		static const uint8_t zero[6];

		if (mac_parse(tok[1], ep->mac) || (ep->mac[0] & 1) || !memcmp(ep->mac, zero, 6)) {
			perr(p, "bad mac '%s', expected a unicast address such as 02:00:00:00:00:01",
			     tok[1]);
			return -EINVAL;
		}
		ep->has_mac = true;
		return 2;
	}
	if (parse_uint(tok[1], 68, 65535, &v)) {
		perr(p, "bad mtu '%s', expected a number from 68 to 65535", tok[1]);
		return -EINVAL;
	}
	ep->mtu = (int)v;
	return 2;
}

/* A link of the current ns block, named IF there, its other end in the
 * host: NULL (said) when IF is bad or there is no room. */
static struct link *ns_link(struct parser *p, enum link_kind kind, const char *ifname)
{
	struct link *l = APPEND(p, p->t->links, p->t->nlinks, "links");

	if (!l)
		return NULL;
	l->kind = kind;
	l->line = p->line;
	l->sw = -1;
	l->a.ns = p->cur;
	strcpy(l->a.nsname, p->t->ns[p->cur].name);
	l->b.ns = NS_HOST;
	strcpy(l->b.nsname, "host");
	return set_ifname(p, l->a.ifname, ifname) ? NULL : l;
}

/* [addr CIDR]... [mac MAC] [mtu N] of the namespace end of l, a `what`. */
static void ns_link_options(struct parser *p, struct link *l, char **tok, int n, const char *what)
{
	for (int i = 0, r; i < n; i += r) {
		r = endpoint_option(p, &l->a, tok + i, n - i, false);
		if (r < 0)
			return;
		if (r == 0) {
			perr(p, "unknown key '%s' in %s, expected addr, mac or mtu", tok[i], what);
			return;
		}
	}
}

/* link IF switch SW [addr CIDR]... [mac MAC] [mtu N] */
static void parse_link(struct parser *p, char **tok, int n)
{
	struct link *l;

	if (n < 4 || strcmp(tok[2], "switch")) {
		perr(p, "%s%s%sexpected 'link IFNAME switch SWITCH [addr CIDR]... [mac MAC] [mtu N]'",
		     n < 3 || !strcmp(tok[2], "switch") ? "" : "unknown word '",
		     n < 3 || !strcmp(tok[2], "switch") ? "" : tok[2],
		     n < 3 || !strcmp(tok[2], "switch") ? "" : "', ");
		return;
	}
	if (!(l = ns_link(p, LINK_SWITCH, tok[1])))
		return;
	/* The switch may be declared further down: resolved in validate. */
	if (!name_valid(tok[3])) {
		perr(p, "bad switch name '%s' in link", tok[3]);
		return;
	}
	strcpy(l->swname, tok[3]);
	ns_link_options(p, l, tok + 4, n - 4, "link");
}

/* move IF [addr CIDR]... [mac MAC] [mtu N]: an interface of the host
 * (a NIC, say) into the namespace, under its own name. */
static void parse_move(struct parser *p, char **tok, int n)
{
	struct link *l;

	if (n < 2) {
		perr(p, "expected 'move IFNAME [addr CIDR]... [mac MAC] [mtu N]'");
		return;
	}
	if (!(l = ns_link(p, LINK_MOVE, tok[1])))
		return;
	strcpy(l->b.ifname, l->a.ifname);
	ns_link_options(p, l, tok + 2, n - 2, "move");
}

/* route default|CIDR [via ADDR] [dev IF] */
static void parse_route(struct parser *p, char **tok, int n, int ns)
{
	struct route *r;
	const char *via = "";
	int i;

	if (n < 2) {
		perr(p, "expected 'route default|CIDR via ADDRESS' or 'route CIDR dev IFNAME'");
		return;
	}
	r = APPEND(p, p->t->routes, p->t->nroutes, "routes");
	if (!r)
		return;
	r->ns = ns;
	r->line = p->line;
	if (!strcmp(tok[1], "default")) {
		r->dst.family = 0; /* taken from the gateway below */
	} else if (addr_parse_cidr(tok[1], &r->dst)) {
		perr(p, "bad route destination '%s', expected 'default' or ADDRESS/PREFIX", tok[1]);
		return;
	} else {
		struct addr net;
		char want[ADDR_STRLEN];

		/* The kernel would route the prefix silently; ip refuses. */
		addr_network(&r->dst, &net);
		if (memcmp(&net, &r->dst, sizeof(net))) {
			perr(p, "route destination '%s' has bits set past its prefix, expected %s",
			     tok[1], addr_fmt(&net, want, sizeof(want)));
			return;
		}
	}
	for (i = 2; i < n; i += 2) {
		if (i + 1 >= n) {
			perr(p, "'%s' needs a value", tok[i]);
			return;
		}
		if ((!strcmp(tok[i], "via") && r->has_gw) || (!strcmp(tok[i], "dev") && r->dev[0])) {
			perr(p, "%s given twice in route, expected one", tok[i]);
			return;
		}
		if (!strcmp(tok[i], "via")) {
			if (addr_parse_host(tok[i + 1], &r->gw)) {
				perr(p, "bad gateway '%s', expected an IPv4 or IPv6 address", tok[i + 1]);
				return;
			}
			r->has_gw = true;
			via = tok[i + 1];
		} else if (!strcmp(tok[i], "dev")) {
			if (set_ifname(p, r->dev, tok[i + 1]))
				return;
		} else {
			perr(p, "unknown key '%s' in route, expected via or dev", tok[i]);
			return;
		}
	}
	if (!r->has_gw && !r->dev[0]) {
		perr(p, "route needs 'via ADDRESS' or 'dev IFNAME'");
		return;
	}
	/* 'default dev IF' is IPv4's, as with ip route; ::/0 for IPv6. */
	if (r->dst.family == 0) {
		r->dst.family = r->has_gw ? r->gw.family : AF_INET;
		r->dst.plen = 0;
	}
	if (r->has_gw && r->gw.family != r->dst.family)
		perr(p, "route mixes IPv4 and IPv6: destination %s, gateway %s",
		     tok[1], via);
}

static void parse_ns(struct parser *p, char **tok, int n)
{
	struct ns *ns;

	if (n != 2) {
		if (n > 2)
			perr(p, "unexpected '%s' after 'ns %s', expected 'ns NAME'", tok[2], tok[1]);
		else
			perr(p, "expected 'ns NAME'");
		return;
	}
	if (!name_valid(tok[1])) {
		perr(p, "bad namespace name '%s', expected up to 15 letters, digits, '_', '-' or '.'",
		     tok[1]);
		return;
	}
	if (!strcmp(tok[1], "host")) {
		perr(p, "'host' is the namespace nsfast runs in; use the 'host' block for its routes");
		return;
	}
	ns = APPEND(p, p->t->ns, p->t->nns, "namespaces");
	if (!ns)
		return;
	strcpy(ns->name, tok[1]);
	ns->line = p->line;
	p->block = BLOCK_NS;
	p->cur = p->t->nns - 1;
}

/* NS:IF [CIDR]... [mac MAC] [mtu N]; the namespace is resolved in
 * validate because it may be declared later. */
static int parse_endpoint(struct parser *p, struct endpoint *ep, char **tok,
			  int n)
{
	char *colon = strchr(tok[0], ':');
	int i, r;

	if (!colon || colon == tok[0] || !colon[1]) {
		perr(p, "bad veth end '%s', expected NAMESPACE:IFNAME (or host:IFNAME)", tok[0]);
		return -EINVAL;
	}
	*colon = '\0';
	if (!name_valid(tok[0])) {
		perr(p, "bad namespace name '%s' in veth, expected up to 15 letters, digits, '_', '-' or '.'",
		     tok[0]);
		return -EINVAL;
	}
	strcpy(ep->nsname, tok[0]);
	if (set_ifname(p, ep->ifname, colon + 1))
		return -EINVAL;
	for (i = 1; i < n; i += r) {
		r = endpoint_option(p, ep, tok + i, n - i, true);
		if (r < 0)
			return r;
		if (r == 0) {
			perr(p, "unknown key '%s' in veth, expected ADDRESS/PREFIX, mac or mtu",
			     tok[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static void parse_veth(struct parser *p, char **tok, int n)
{
	struct link *l;
	int sep;

	for (sep = 1; sep < n && strcmp(tok[sep], "--"); sep++)
		;
	if (sep == 1 || sep >= n - 1) {
		perr(p, "expected 'veth NS:IF [CIDR]... -- NS:IF [CIDR]...'");
		return;
	}
	l = APPEND(p, p->t->links, p->t->nlinks, "links");
	if (!l)
		return;
	l->kind = LINK_VETH;
	l->line = p->line;
	l->sw = -1;
	if (parse_endpoint(p, &l->a, tok + 1, sep - 1))
		return;
	parse_endpoint(p, &l->b, tok + sep + 1, n - sep - 1);
}

static void parse_ns_key(struct parser *p, char **tok, int n)
{
	if (!strcmp(tok[0], "link")) {
		parse_link(p, tok, n);
	} else if (!strcmp(tok[0], "move")) {
		parse_move(p, tok, n);
	} else if (!strcmp(tok[0], "route")) {
		parse_route(p, tok, n, p->cur);
	} else if (!strcmp(tok[0], "forward")) {
		if (!key_once(p, &p->t->ns[p->cur].forward_line, "forward", "ns",
			      p->t->ns[p->cur].name))
			return;
		if (n > 2)
			perr(p, "unexpected '%s' after 'forward %s', expected 'forward on' or 'forward off'",
			     tok[2], tok[1]);
		else if (n != 2 || (strcmp(tok[1], "on") && strcmp(tok[1], "off")))
			perr(p, "%s%s%sexpected 'forward on' or 'forward off'", n == 2 ? "bad forward '" : "",
			     n == 2 ? tok[1] : "", n == 2 ? "', " : "");
		else
			p->t->ns[p->cur].forward = !strcmp(tok[1], "on");
	} else {
		perr(p, "unknown key '%s' in ns, expected link, move, route or forward", tok[0]);
	}
}

static void parse_statement(struct parser *p, char **tok, int n)
{
	const char *k = tok[0];

	if (!strcmp(k, "lab")) {
		p->block = BLOCK_NONE;
		if (n > 2) {
			perr(p, "unexpected '%s' after 'lab %s', expected 'lab NAME'", tok[2], tok[1]);
		} else if (n != 2) {
			perr(p, "expected 'lab NAME'");
		} else if (p->t->lab_line) {
			perr(p, "lab already named on line %d", p->t->lab_line);
		} else if (!lab_name_new_valid(tok[1])) {
			perr(p, "bad lab name '%s', expected up to %d letters, digits or '_' (it prefixes every name nsfast creates, then a '-')",
			     tok[1], LAB_NAME_MAX);
		} else {
			strcpy(p->t->lab, tok[1]);
			p->t->lab_line = p->line;
		}
	} else if (!strcmp(k, "switch")) {
		p->block = BLOCK_BAD_SWITCH; /* until it parses */
		parse_switch(p, tok, n);
	} else if (!strcmp(k, "ns")) {
		p->block = BLOCK_BAD_NS;
		parse_ns(p, tok, n);
	} else if (!strcmp(k, "host") && n == 1) {
		p->block = BLOCK_HOST;
	} else if (!strcmp(k, "host") && p->block != BLOCK_SWITCH && p->block != BLOCK_BAD_SWITCH) {
		/* (A switch's `host ADDR` is its key.) The block's routes
		 * follow on lines of their own: it is open all the same. */
		p->block = BLOCK_HOST;
		perr(p, "unexpected '%s' after 'host', expected 'host' alone (its routes on the lines after)",
		     tok[1]);
	} else if (!strcmp(k, "veth")) {
		p->block = BLOCK_NONE;
		parse_veth(p, tok, n);
	} else if (p->block == BLOCK_NS) {
		parse_ns_key(p, tok, n);
	} else if (p->block == BLOCK_SWITCH) {
		parse_switch_keys(p, tok, n);
	} else if (p->block == BLOCK_HOST && !strcmp(k, "route")) {
		parse_route(p, tok, n, NS_HOST);
	} else if (p->block == BLOCK_HOST) {
		perr(p, "unknown key '%s' in host, expected route", k);
	} else if ((p->block == BLOCK_BAD_NS && (!strcmp(k, "link") || !strcmp(k, "move") ||
						  !strcmp(k, "route") || !strcmp(k, "forward"))) ||
		   (p->block == BLOCK_BAD_SWITCH && is_switch_key(k))) {
		/* a key of a block said with its first line */
	} else {
		perr(p, "unknown statement '%s', expected lab, switch, ns, host or veth", k);
	}
}

int topo_parse(const char *path, const char *text, struct topo *t)
{
	struct parser p = { .t = t, .block = BLOCK_NONE };
	const char *s = text;
	char line[LINE_MAX_LEN + 1];
	char *tok[TOKENS_MAX];

	memset(t, 0, sizeof(*t));
	snprintf(t->file, sizeof(t->file), "%s", path);
	topo_error_reset();
	/* A UTF-8 byte-order mark, as some editors save: not part of the
	 * first word (it would show as 'unknown statement' of an invisible
	 * character). */
	if (!strncmp(s, "\xef\xbb\xbf", 3))
		s += 3;
	while (*s) {
		const char *eol = strchr(s, '\n');
		size_t len = eol ? (size_t)(eol - s) : strlen(s);
		char *c, *save = NULL;
		int n = 0;

		/* A CRLF line's CR is not one of its characters. */
		size_t body = len && s[len - 1] == '\r' ? len - 1 : len;

		p.line++;
		if (body > LINE_MAX_LEN) {
			perr(&p, "line is longer than %d characters", LINE_MAX_LEN);
			goto next;
		}
		memcpy(line, s, body);
		line[body] = '\0';
		if ((c = strchr(line, '#')))
			*c = '\0';
		for (c = strtok_r(line, " \t\r\v\f", &save); c;
		     c = strtok_r(NULL, " \t\r\v\f", &save)) {
			if (n == TOKENS_MAX) {
				perr(&p, "more than %d words on one line", TOKENS_MAX);
				goto next;
			}
			tok[n++] = c;
		}
		if (n)
			parse_statement(&p, tok, n);
	next:
		if (!eol)
			break;
		s = eol + 1;
	}
	return p.errors ? -EINVAL : 0;
}

